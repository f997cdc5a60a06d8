package loopback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newS3Client(srv *Server) *s3.Client {
	return s3.New(s3.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Retryer:      noBackoffRetryer(),
	})
}

// requirePreconditionFailed asserts that err is S3's 412 PreconditionFailed.
func requirePreconditionFailed(t *testing.T, err error) {
	t.Helper()
	requireAPIError(t, err, "PreconditionFailed")
	var responseErr *smithyhttp.ResponseError
	require.True(t, errors.As(err, &responseErr), "error %v has no HTTP response", err)
	assert.Equal(t, http.StatusPreconditionFailed, responseErr.HTTPStatusCode())
}

// getObjectBody returns the object's content.
func getObjectBody(t *testing.T, client *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err)
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return string(body)
}

func TestS3PutObjectIfNoneMatch(t *testing.T) {
	srv := startServer(t)
	require.NoError(t, srv.CreateBucket("state"))
	client := newS3Client(srv)
	ctx := context.Background()
	put := func(body string) error {
		_, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("state"), Key: aws.String("gate/lock"), Body: strings.NewReader(body), IfNoneMatch: aws.String("*"),
		})
		return err
	}

	require.NoError(t, put("first"))
	requirePreconditionFailed(t, put("second"))
	assert.Equal(t, "first", getObjectBody(t, client, "state", "gate/lock"))
}

func TestS3PutObjectIfMatch(t *testing.T) {
	srv := startServer(t)
	require.NoError(t, srv.CreateBucket("state"))
	client := newS3Client(srv)
	ctx := context.Background()
	first, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("state"), Key: aws.String("gate/state.json"), Body: strings.NewReader(`{"step":1}`),
	})
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(first.ETag))
	put := func(body string, etag *string) (*s3.PutObjectOutput, error) {
		return client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("state"), Key: aws.String("gate/state.json"), Body: strings.NewReader(body), IfMatch: etag,
		})
	}

	second, err := put(`{"step":2}`, first.ETag)
	require.NoError(t, err)
	assert.NotEqual(t, aws.ToString(first.ETag), aws.ToString(second.ETag))

	_, err = put(`{"step":3}`, first.ETag)
	requirePreconditionFailed(t, err)
	assert.Equal(t, `{"step":2}`, getObjectBody(t, client, "state", "gate/state.json"))
}
