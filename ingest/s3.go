package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3API is the part of the S3 client that an S3 source uses. *s3.Client
// implements it.
type S3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Option configures an S3 source.
type S3Option func(*s3Source)

// WithListPageSize sets the maximum number of keys per ListObjectsV2
// response. S3 returns at most 1,000, which is also the default.
func WithListPageSize(n int32) S3Option {
	return func(s *s3Source) { s.pageSize = n }
}

// s3Source lists and reads the objects under one S3 prefix.
type s3Source struct {
	client   S3API
	bucket   string
	prefix   string
	pageSize int32
}

// NewS3Source returns a source for the objects under an "s3://bucket" or
// "s3://bucket/prefix" URI. The prefix is an S3 key prefix rather than a
// folder, so "s3://b/logs" also covers "logs2/...". A trailing slash limits
// it to the folder.
//
// List passes every object to fn whatever its Kind. It skips keys that end
// in "/", which are the empty folder markers that the S3 console creates.
func NewS3Source(client S3API, uri string, opts ...S3Option) (Source, error) {
	bucket, prefix, err := ParseS3URI(uri)
	if err != nil {
		return nil, err
	}
	s := &s3Source{client: client, bucket: bucket, prefix: prefix}
	for _, opt := range opts {
		opt(s)
	}
	return s, nil
}

// ParseS3URI splits "s3://bucket/prefix" into the bucket and the key
// prefix. The prefix is empty for "s3://bucket" and "s3://bucket/".
func ParseS3URI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("invalid S3 URI %q: expected s3://bucket or s3://bucket/prefix", uri)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("invalid S3 URI %q: the bucket name is missing", uri)
	}
	return bucket, prefix, nil
}

// regionFolder matches a key prefix that reaches down to the region folder
// of an ELB log layout, ".../AWSLogs/<account-id>/elasticloadbalancing/<region>/".
// The match ends at that folder's trailing slash.
var regionFolder = regexp.MustCompile(`^(?:.*/)?AWSLogs/\d{12}/elasticloadbalancing/[a-z0-9-]+/`)

// List calls fn for every object under the prefix that w selects, in key
// order. When the prefix reaches down to a region folder and w has both
// ends, it lists only the day folders that can hold selected objects (see
// listPrefixes). Otherwise it lists the whole prefix and filters the keys
// with w.Selects.
func (s *s3Source) List(ctx context.Context, w Window, fn func(Object) error) error {
	for _, prefix := range s.listPrefixes(w) {
		if err := s.listPrefix(ctx, prefix, w, fn); err != nil {
			return err
		}
	}
	return nil
}

// listPrefixes returns the key prefixes to list for w, in key order.
//
// The yyyy/mm/dd/ folders under a region folder are named after the date
// ELB delivered an object, which is the date of its End or later. An object
// that w selects ends on or after From's day, so the listing starts there.
// It ends with the day after To's day, which contains the objects of the
// last intervals before midnight that ELB delivered after midnight.
//
// NOTE: an object that ELB delivers more than a day after its interval ends
// lies outside these folders and is missed. AWS documents no maximum delay.
func (s *s3Source) listPrefixes(w Window) []string {
	if w.From.IsZero() || w.To.IsZero() {
		return []string{s.prefix}
	}
	loc := regionFolder.FindStringIndex(s.prefix)
	if loc == nil {
		return []string{s.prefix}
	}
	region := s.prefix[:loc[1]]

	var prefixes []string
	first := w.From.UTC().Truncate(24 * time.Hour)
	last := w.To.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
		folder := region + day.Format("2006/01/02/")
		switch {
		case strings.HasPrefix(folder, s.prefix):
			// The day folder lies inside the source's prefix.
			prefixes = append(prefixes, folder)
		case strings.HasPrefix(s.prefix, folder):
			// The source's prefix lies inside this day folder, so no other
			// day folder can match.
			return []string{s.prefix}
		}
	}
	return prefixes
}

// listPrefix lists every page of keys under prefix and calls fn for the
// objects that w selects.
func (s *s3Source) listPrefix(ctx context.Context, prefix string, w Window, fn func(Object) error) error {
	input := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)}
	if prefix != "" {
		input.Prefix = aws.String(prefix)
	}
	pages := s3.NewListObjectsV2Paginator(s.client, input, func(o *s3.ListObjectsV2PaginatorOptions) {
		o.Limit = s.pageSize
	})

	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", s.bucket, prefix, err)
		}
		for _, item := range page.Contents {
			key := aws.ToString(item.Key)
			if strings.HasSuffix(key, "/") {
				continue
			}
			o := Classify(key)
			o.URI = "s3://" + s.bucket + "/" + key
			o.ETag = strings.Trim(aws.ToString(item.ETag), `"`)
			o.Size = aws.ToInt64(item.Size)
			if !w.Selects(o) {
				continue
			}
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// Open returns the content of the object, inflated while it is read when
// the object starts with the gzip magic bytes. When o.ETag is set, the
// request carries it in If-Match, so an object replaced since List fails
// to open instead of being read under the old ETag.
func (s *s3Source) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	input := &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(o.Key)}
	if o.ETag != "" {
		input.IfMatch = aws.String(`"` + o.ETag + `"`)
	}
	out, err := s.client.GetObject(ctx, input)
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "PreconditionFailed" {
			return nil, fmt.Errorf("open %s: the object changed after it was listed (ETag %s), list the source again: %w", o.URI, o.ETag, err)
		}
		return nil, fmt.Errorf("open %s: %w", o.URI, err)
	}
	return inflate(out.Body, o.URI)
}

// LoadAWSConfig loads the SDK's default configuration: credentials from
// the environment, shared profiles, SSO or roles, the region, endpoint
// settings such as AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3, and the
// default retryer.
//
// A non-empty endpointURL overrides every configured endpoint for every
// service, as the AWS CLI's --endpoint-url does. Whenever an S3 client
// built from the result has a custom endpoint, from endpointURL or from
// the configuration, it uses path-style addressing, because most
// S3-compatible servers do not serve bucket names as host names.
func LoadAWSConfig(ctx context.Context, endpointURL string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if endpointURL != "" {
		// The load option also outranks per-service settings such as
		// AWS_ENDPOINT_URL_S3 when a client resolves its endpoint.
		opts = append(opts, config.WithBaseEndpoint(endpointURL))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if endpointURL != "" {
		// Set it again because AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
		// clears BaseEndpoint while loading.
		cfg.BaseEndpoint = aws.String(endpointURL)
	}
	cfg.ServiceOptions = append(cfg.ServiceOptions, configureS3Client)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = detachedBodyClient{next: cfg.HTTPClient}
	return cfg, nil
}

// configureS3Client is an aws.Config service option for S3 clients. Service
// options run after the client has resolved its BaseEndpoint.
//
// It turns on path-style addressing for a custom endpoint. It also turns off
// the SDK's debug message for each GetObject response without a checksum,
// because objects stored without one, and most S3-compatible servers, would
// print that message on stderr once per object.
func configureS3Client(serviceID string, options any) {
	if serviceID != s3.ServiceID {
		return
	}
	o, ok := options.(*s3.Options)
	if !ok {
		return
	}
	if o.BaseEndpoint != nil {
		o.UsePathStyle = true
	}
	o.DisableLogOutputChecksumValidationSkipped = true
}

// NewS3Client returns an S3 client for cfg, which LoadAWSConfig returns. A
// non-empty endpointURL becomes the client's endpoint, with path-style
// addressing, even when cfg was loaded some other way.
func NewS3Client(cfg aws.Config, endpointURL string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
			o.UsePathStyle = true
		}
	})
}
