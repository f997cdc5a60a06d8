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

// Object is one log object of a source: an S3 object or a local file.
type Object struct {
	// URI names the object for people and for the manifest:
	// "s3://bucket/key" or an absolute file path.
	URI string
	// Key is the S3 key or the file path; its base name decides Kind.
	Key string
	// ETag is the S3 ETag, or "sha256:<hex>" of a local file's content.
	ETag string
	Size int64
	Kind Kind
	// End is the end of the 5-minute logging interval written in the name
	// (UTC), or the zero time when the name holds none.
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
}

// Source lists and opens the objects under one S3 prefix or local path.
type Source interface {
	// List calls fn for every object under the source that the window
	// selects, in key order, and stops at the first error fn returns.
	List(ctx context.Context, w Window, fn func(Object) error) error
	// Open returns the object's content, inflated when the object is gzip.
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// Window selects objects by the interval end time in their names. A zero
// From or To leaves that side open; the zero Window selects everything.
type Window struct {
	From, To time.Time
}

// OpenSource returns the source that arg names: an S3 source for an
// "s3://bucket/prefix" URI, and a local source for any other argument.
// s3client is called only for an S3 URI, so a run over local files never
// loads the AWS configuration.
func OpenSource(ctx context.Context, arg string, s3client func() (S3API, error)) (Source, error) {
	// "S3://..." goes to ParseS3URI too, which rejects it with a clear
	// message instead of reporting a missing local folder.
	if !strings.HasPrefix(strings.ToLower(arg), "s3://") {
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
