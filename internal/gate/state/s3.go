package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3API is the part of the S3 client that an S3 state store calls.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// s3Store keeps the state in one S3 object. Its Version is the object's
// ETag, and Save uses S3 conditional writes: If-None-Match: * to create and
// If-Match: ETag to replace.
type s3Store struct {
	client   S3API
	bucket   string
	key      string
	location string
}

func (s *s3Store) Load(ctx context.Context) (State, Version, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.key),
	})
	if err != nil {
		if noSuchKey := (*types.NoSuchKey)(nil); errors.As(err, &noSuchKey) {
			return emptyState(), "", nil
		}
		return State{}, "", fmt.Errorf("state %s: read: %w", s.location, err)
	}
	defer out.Body.Close()

	data, err := io.ReadAll(out.Body)
	if err != nil {
		return State{}, "", fmt.Errorf("state %s: read: %w", s.location, err)
	}
	etag := aws.ToString(out.ETag)
	if etag == "" {
		return State{}, "", fmt.Errorf("state %s: the GetObject response has no ETag, so a later save could not be made conditional", s.location)
	}
	st, err := decode(data)
	if err != nil {
		return State{}, "", fmt.Errorf("state %s: %w", s.location, err)
	}
	return st, Version(etag), nil
}

func (s *s3Store) Save(ctx context.Context, st State, expected Version) (Version, error) {
	data, err := encode(st)
	if err != nil {
		return "", fmt.Errorf("state %s: %w", s.location, err)
	}
	in := &s3.PutObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(s.key),
		Body:        bytes.NewReader(data),
		ContentType: aws.String("application/json"),
	}
	if expected == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(string(expected))
	}

	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		if isConditionFailure(err) {
			if expected == "" {
				return "", fmt.Errorf("state %s: %w: the object exists but was expected not to", s.location, ErrConflict)
			}
			return "", fmt.Errorf("state %s: %w: the object's ETag is no longer %s", s.location, ErrConflict, expected)
		}
		return "", fmt.Errorf("state %s: write: %w", s.location, err)
	}
	etag := aws.ToString(out.ETag)
	if etag == "" {
		return "", fmt.Errorf("state %s: the PutObject response has no ETag, so the next save could not be made conditional", s.location)
	}
	return Version(etag), nil
}

// isConditionFailure reports whether err is S3's rejection of a
// conditional PutObject: 412 PreconditionFailed when the condition does not
// hold, or 409 ConditionalRequestConflict when another conditional write to
// the same key was in progress.
func isConditionFailure(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "PreconditionFailed", "ConditionalRequestConflict":
			return true
		}
	}
	var respErr *smithyhttp.ResponseError
	return errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusPreconditionFailed
}
