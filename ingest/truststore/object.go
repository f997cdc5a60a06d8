package truststore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/cutover-dev/cutover/ingest"
)

// S3API is the part of the S3 client that FetchS3Object uses. *s3.Client
// implements it.
type S3API interface {
	GetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// IsS3URI reports whether location is an "s3://" URI rather than a local
// path.
func IsS3URI(location string) bool {
	return strings.HasPrefix(location, "s3://")
}

// FetchS3Object returns the content of the object at an "s3://bucket/key"
// URI, such as a CA bundle or a CRL. A missing bucket or key is an error
// that matches ErrNotFound.
func FetchS3Object(ctx context.Context, client S3API, uri string) ([]byte, error) {
	bucket, key, err := ingest.ParseS3URI(uri)
	if err != nil {
		return nil, err
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return nil, fmt.Errorf("invalid S3 URI %q: expected s3://bucket/key with the key of one object", uri)
	}

	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		// The S3 model of GetObject declares NoSuchKey only, so NoSuchBucket
		// arrives as a generic API error with that code.
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			switch apiErr.ErrorCode() {
			case "NoSuchKey":
				return nil, &notFoundError{message: fmt.Sprintf("%s not found: check the key", uri)}
			case "NoSuchBucket":
				return nil, &notFoundError{message: fmt.Sprintf("%s not found: bucket %s does not exist", uri, bucket)}
			}
		}
		return nil, fmt.Errorf("get %s: %w", uri, err)
	}
	defer out.Body.Close()

	body, err := io.ReadAll(io.LimitReader(out.Body, MaxDownloadSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	if len(body) > MaxDownloadSize {
		return nil, fmt.Errorf("read %s: larger than the maximum of %d bytes", uri, MaxDownloadSize)
	}
	return body, nil
}
