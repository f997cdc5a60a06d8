package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Kind is the log type of an object, decided by its key name alone.
type Kind string

// The kinds of object a source can hold.
const (
	KindALBAccess     Kind = "alb_access"
	KindALBConnection Kind = "alb_connection"
	KindNLB           Kind = "nlb"
	// KindControl is the ELBAccessLogTestFile object that ELB writes when
	// logging is turned on; it holds no log entries.
	KindControl Kind = "control"
	KindOther   Kind = "other"
)

// Object is one log object of a source: an S3 object, a local file or a
// slice of a CloudWatch Logs stream.
type Object struct {
	// URI names the object for people and for the manifest:
	// "s3://bucket/key", an absolute file path, or for a slice of a
	// CloudWatch Logs stream "cwlogs://group/stream@start", with start in
	// RFC 3339 UTC.
	URI string
	// Key is the S3 key or the file path, whose base name decides Kind, or
	// the log group and stream name of a slice, joined by "/".
	Key string
	// ETag is the S3 ETag, "sha256:<hex>" of a local file's content, or for
	// a slice "closed" or "open:" and the stream's last ingestion time (see
	// NewCloudWatchLogsSource).
	ETag string
	Size int64
	Kind Kind
	// End is the end of the 5-minute logging interval written in the name
	// (UTC), or the zero time when the name holds none. For a slice of a
	// CloudWatch Logs stream, it is the end of the slice.
	End time.Time
	// LoadBalancer is the "name.id" part of the name, and Node the load
	// balancer node's IP address, where the name holds them.
	LoadBalancer string
	Node         string

	// Instance and TrafficPath are set on the logs of a TLS-terminating
	// proxy (the Kinds of TerminatorKind): the instance that wrote the log,
	// and the path it served, TrafficPathNLB or TrafficPathALB.
	Instance    string
	TrafficPath string

	// LogStream is the stream of a slice of a CloudWatch Logs stream, and
	// empty for other objects. LastEvent records the last event that the
	// reader from Open returned, once that reader was read.
	LogStream string
	LastEvent *LastEvent
}

// Source lists and opens the objects under one S3 prefix or local path, or
// the slices of the streams of one CloudWatch Logs group.
type Source interface {
	// List calls fn for every object under the source that the window
	// selects, in key order, and stops at the first error fn returns.
	List(ctx context.Context, w Window, fn func(Object) error) error
	// Open returns the object's content, inflated when the object is gzip.
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// Window selects objects by the interval end time in their names. A zero
// From or To leaves that side open; the zero Window selects everything. A
// CloudWatch Logs source selects the slices that overlap [From, To)
// instead (see NewCloudWatchLogsSource).
type Window struct {
	From, To time.Time
}

// SourceOption configures OpenSource.
type SourceOption func(*sourceOptions)

type sourceOptions struct {
	logsClient func() (CloudWatchLogsAPI, error)
	logs       CloudWatchLogsOptions
}

// WithCloudWatchLogs lets OpenSource open cwlogs:// URIs, with the client
// that client returns and the options opts. client is called only for a
// cwlogs:// URI.
func WithCloudWatchLogs(client func() (CloudWatchLogsAPI, error), opts CloudWatchLogsOptions) SourceOption {
	return func(o *sourceOptions) {
		o.logsClient = client
		o.logs = opts
	}
}

// OpenSource returns the source that arg names: an S3 source for an
// "s3://bucket/prefix" URI, a CloudWatch Logs source for a
// "cwlogs://LOG_GROUP[/STREAM_PREFIX]" URI (which needs WithCloudWatchLogs),
// and a local source for any other argument. s3client is called only for
// an S3 URI, so a run over local files never loads the AWS configuration.
func OpenSource(ctx context.Context, arg string, s3client func() (S3API, error), opts ...SourceOption) (Source, error) {
	var o sourceOptions
	for _, opt := range opts {
		opt(&o)
	}
	// "S3://..." and "CWLOGS://..." go to the URI parsers too, which reject
	// them with a clear message instead of reporting a missing local folder.
	lower := strings.ToLower(arg)
	switch {
	case strings.HasPrefix(lower, CloudWatchLogsScheme):
		return openCloudWatchLogs(ctx, arg, o)
	case !strings.HasPrefix(lower, "s3://"):
		return NewLocalSource(arg)
	}
	if _, _, err := ParseS3URI(arg); err != nil {
		return nil, err
	}
	client, err := s3client()
	if err != nil {
		return nil, fmt.Errorf("create S3 client for %s: %w", arg, err)
	}
	return NewS3Source(client, arg)
}

// openCloudWatchLogs returns the CloudWatch Logs source that uri names.
func openCloudWatchLogs(ctx context.Context, uri string, o sourceOptions) (Source, error) {
	if _, err := ParseCloudWatchLogsURI(uri); err != nil {
		return nil, err
	}
	if o.logsClient == nil {
		return nil, fmt.Errorf("open %s: CloudWatch Logs sources are not enabled: OpenSource needs WithCloudWatchLogs", uri)
	}
	client, err := o.logsClient()
	if err != nil {
		return nil, fmt.Errorf("create CloudWatch Logs client for %s: %w", uri, err)
	}
	return NewCloudWatchLogsSource(ctx, client, uri, o.logs)
}
