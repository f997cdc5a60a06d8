package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/envoy"
	"github.com/cutover-dev/cutover/ingest/haproxy"
	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// The kinds of the logs of TLS-terminating proxies. Their names do not
// identify them, so an object gets one of these kinds only when
// Options.Terminator names the proxy that wrote every object of the run.
const (
	KindTerminatorNginx   Kind = "terminator_nginx"
	KindTerminatorEnvoy   Kind = "terminator_envoy"
	KindTerminatorHAProxy Kind = "terminator_haproxy"
)

// The traffic paths that TerminatorOptions.TrafficPath accepts.
const (
	TrafficPathNLB = "nlb"
	TrafficPathALB = "alb"
)

// TerminatorOptions make Run read every object of its sources as a log of
// one TLS-terminating proxy, for table terminator_tls.
type TerminatorOptions struct {
	Proxy terminator.Source
	// Instance names the instance that wrote the logs. When it is empty,
	// InstanceFromKey derives it from each object's key.
	Instance string
	// TrafficPath is the path the instance served: TrafficPathNLB or
	// TrafficPathALB.
	TrafficPath string
	// Location is the time zone of the timestamps that nginx error logs and
	// HAProxy logs write in local time. Nil means UTC.
	Location *time.Location
	// HealthCheckSubnets are the subnets of the load balancer in front of
	// the instances. Records from a client IP inside one of them are health
	// checks (IsHealthCheck).
	HealthCheckSubnets []netip.Prefix
	// ALBNodeSubnets are the subnets of an ALB that also sends traffic to
	// instances whose logs load with TrafficPathNLB. A record from inside
	// one of them came through the ALB (SplitALBRecord).
	ALBNodeSubnets []netip.Prefix
}

// SplitALBRecord marks a record from an ALB node as the ALB path: the ALB
// connects to its targets from its own nodes' addresses and passes the
// client's address as the last entry of X-Forwarded-For. The node's address
// moves to ProxyIP and the client's to ClientIP, whose port is then unknown.
// A record without a usable X-Forwarded-For, such as the ALB's own health
// check, keeps the node as its client.
func SplitALBRecord(rec *terminator.Record, albNodeSubnets []netip.Prefix) {
	if !inSubnets(rec.ClientIP, albNodeSubnets) {
		return
	}
	rec.TrafficPath = TrafficPathALB
	if !rec.ForwardedFor.Valid {
		return
	}
	list := strings.Split(rec.ForwardedFor.String, ",")
	client, err := netip.ParseAddr(strings.TrimSpace(list[len(list)-1]))
	if err != nil {
		return
	}
	rec.ProxyIP = sql.NullString{String: rec.ClientIP, Valid: true}
	rec.ClientIP = client.String()
	rec.ClientPort = sql.NullInt32{}
}

// TerminatorKind returns the Kind of the logs of proxy, or "" for a proxy
// that cutover cannot read.
func TerminatorKind(proxy terminator.Source) Kind {
	switch proxy {
	case terminator.SourceNginx:
		return KindTerminatorNginx
	case terminator.SourceEnvoy:
		return KindTerminatorEnvoy
	case terminator.SourceHAProxy:
		return KindTerminatorHAProxy
	}
	return ""
}

// instanceID matches an EC2 instance ID, "i-" and 8 to 17 hexadecimal
// digits, as a whole path element or a part of one between characters that
// are not letters or digits.
var instanceID = regexp.MustCompile(`(?:^|[^0-9A-Za-z])(i-[0-9a-f]{8,17})(?:$|[^0-9A-Za-z])`)

// InstanceFromKey derives an instance name from rel, the object's key or
// path relative to its source's prefix or folder, with "/" separators: the
// first EC2 instance ID in rel, else rel's first path element when rel has
// more than one. It returns "" when neither rule applies, such as for a file
// that is itself the source.
func InstanceFromKey(rel string) string {
	if m := instanceID.FindStringSubmatch(rel); m != nil {
		return m[1]
	}
	first, rest, ok := strings.Cut(rel, "/")
	if !ok || first == "" || first == "." || rest == "" {
		return ""
	}
	return first
}

// relativeKey returns the part of o's key below src's prefix or folder, with
// "/" separators. For sources other than the local and S3 ones it returns
// the whole key.
func relativeKey(src Source, o Object) string {
	switch s := src.(type) {
	case *localSource:
		rel, err := filepath.Rel(s.root, o.Key)
		if err != nil || rel == "." {
			return ""
		}
		return filepath.ToSlash(rel)
	case *s3Source:
		return strings.TrimPrefix(strings.TrimPrefix(o.Key, s.prefix), "/")
	}
	return o.Key
}

// asTerminatorObject turns a listed object into a log of opts.Proxy. The
// name-derived fields of ELB logs are cleared, because they do not apply.
// A slice of a CloudWatch Logs stream keeps End, the end of the slice.
func asTerminatorObject(src Source, o Object, opts *TerminatorOptions) Object {
	o.Kind = TerminatorKind(opts.Proxy)
	if o.LogStream == "" {
		o.End = time.Time{}
	}
	o.LoadBalancer, o.Node = "", ""
	o.TrafficPath = opts.TrafficPath
	o.Instance = opts.Instance
	switch {
	case o.Instance != "":
	case o.LogStream != "":
		o.Instance = InstanceFromStream(o.LogStream)
	default:
		o.Instance = InstanceFromKey(relativeKey(src, o))
	}
	return o
}

// InstanceFromStream derives an instance name from the name of a
// CloudWatch Logs stream: InstanceFromKey of the name, else the whole name,
// because the CloudWatch agent names a stream after the instance ID unless
// its configuration sets another name.
func InstanceFromStream(stream string) string {
	if instance := InstanceFromKey(stream); instance != "" {
		return instance
	}
	return stream
}

// IsNginxErrorLog reports whether an nginx log object is an error log rather
// than an access log: its base name contains "error", in any case, such as
// error.log, api-error.log.1 or error.log-20261203.gz.
func IsNginxErrorLog(key string) bool {
	return strings.Contains(strings.ToLower(baseName(key)), "error")
}

// IsNginxErrorLogStream reports whether an nginx log shipped to CloudWatch
// Logs is an error log rather than an access log: the log group or stream
// name contains "error", in any case, such as group /aws/ec2/nginx/error or
// stream i-0a1b2c3d-error.
func IsNginxErrorLogStream(group, stream string) bool {
	return strings.Contains(strings.ToLower(group), "error") || strings.Contains(strings.ToLower(stream), "error")
}

// isNginxErrorObject reports whether an nginx log object is an error log,
// by IsNginxErrorLogStream for a slice of a CloudWatch Logs stream and by
// IsNginxErrorLog for other objects.
func isNginxErrorObject(o Object) bool {
	if o.LogStream != "" {
		group := strings.TrimSuffix(o.Key, "/"+o.LogStream)
		return IsNginxErrorLogStream(group, o.LogStream)
	}
	return IsNginxErrorLog(o.Key)
}

// terminatorReader is the interface that the readers of packages nginx, envoy
// and haproxy share.
type terminatorReader interface {
	Read(rec *terminator.Record) error
	Line() int
	Raw() string
}

// readTerminator passes every line of a terminator log to l: as a record, a
// rejected line, or a skipped line when the reader reports it as unrelated
// to TLS (nginx.ErrNotTLSFailure, haproxy.ErrSkip).
// Records that IsHealthCheck matches are marked as health checks, and
// records from ALB nodes are split by SplitALBRecord.
func readTerminator(ctx context.Context, l Loader, o Object, body io.Reader, opts *TerminatorOptions) (loadResult, error) {
	var res loadResult
	if opts == nil {
		opts = &TerminatorOptions{}
	}
	location := opts.Location
	if o.Instance == "" {
		return res, fmt.Errorf("load %s: missing instance name: the key contains no EC2 instance ID and no folder below the source, so pass --instance NAME", o.URI)
	}

	var r terminatorReader
	// logName returns the value of column log for a record.
	var logName func(*terminator.Record) string
	switch o.Kind {
	case KindTerminatorNginx:
		if isNginxErrorObject(o) {
			er := nginx.NewErrorReader(body)
			er.Location = location
			r = er
			logName = func(*terminator.Record) string { return "error" }
		} else {
			r = nginx.NewAccessReader(body)
			logName = func(*terminator.Record) string { return "access" }
		}
	case KindTerminatorEnvoy:
		r = envoy.NewReader(body)
		logName = func(rec *terminator.Record) string {
			if rec.Kind == terminator.KindHandshake {
				return "listener"
			}
			return "http"
		}
	case KindTerminatorHAProxy:
		r = haproxy.NewReader(body, haproxy.Options{Location: location})
		logName = func(rec *terminator.Record) string {
			if rec.Kind == terminator.KindHandshake {
				return "connection_error"
			}
			return "http"
		}
	default:
		return res, fmt.Errorf("load %s: no parser for kind %s", o.URI, o.Kind)
	}

	var rec terminator.Record
	for {
		err := r.Read(&rec)
		switch {
		case err == io.EOF:
			return res, nil
		case errors.Is(err, nginx.ErrNotTLSFailure), errors.Is(err, haproxy.ErrSkip):
			res.skipped++
			l.Skip()
			continue
		}
		if err == nil {
			rec.HealthCheck = IsHealthCheck(rec.ClientIP, rec.UserAgent.String, opts.HealthCheckSubnets)
			SplitALBRecord(&rec, opts.ALBNodeSubnets)
		}
		add := func() error { return l.Terminator(ctx, &rec, logName(&rec), r.Line()) }
		if err := handle(ctx, l, err, r.Line(), r.Raw(), add, &res); err != nil {
			return res, err
		}
	}
}
