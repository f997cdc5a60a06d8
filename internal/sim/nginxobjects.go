package sim

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// TerminatorKeyPrefix is the first part of every terminator log key. The
// keys follow the layout of a log shipper that uploads each instance's
// nginx logs every 5 minutes:
//
//	terminators/<instance-id>/nginx/access/<yyyy>/<mm>/<dd>/<instance-id>-access-<yyyymmddThhmmZ>.log.gz
//	terminators/<instance-id>/nginx/error/<yyyy>/<mm>/<dd>/<instance-id>-error-<yyyymmddThhmmZ>.log.gz
//
// The date folders and the time in the name are the UTC start of the
// 5-minute interval whose lines the object holds, whatever
// Config.ErrorLogLocation is. Config.Prefix does not apply to these keys.
const TerminatorKeyPrefix = "terminators/"

// LogEventWriter receives terminator log lines as CloudWatch Logs events.
// When Config.TerminatorLogEvents is set and the ObjectWriter passed to Run
// also implements LogEventWriter, Run sends the terminators' nginx lines
// through it instead of writing objects.
type LogEventWriter interface {
	// WriteLogEvent stores one event: message is one log line without its
	// newline, group is Config.TerminatorAccessLogGroup or
	// Config.TerminatorErrorLogGroup, and stream is the terminator's
	// instance ID. t is the moment nginx wrote the line, in UTC and
	// truncated to the millisecond: $msec for an access-log line, and a
	// moment within the second that an error-log line shows.
	//
	// Run passes the events of each stream in time order. It never calls
	// WriteLogEvent concurrently with itself or with the ObjectWriter's
	// methods, but may call it from another goroutine than its own.
	WriteLogEvent(ctx context.Context, group, stream string, t time.Time, message string) error
}

// nginxFlusher turns the terminators' lines of complete intervals into
// gzip objects, one per terminator, log and interval, and writes them, or
// sends the lines as log events when events is set.
type nginxFlusher struct {
	cfg     *Config
	w       ObjectWriter
	events  LogEventWriter
	groups  [numLogKinds]string // log groups of the events, by logKind
	summary *counts
	jobs    []objectJob
	compressor
}

// newNginxFlusher returns a flusher that writes objects to w, or sends
// events through w when Config.TerminatorLogEvents is set and w is a
// LogEventWriter.
func newNginxFlusher(cfg *Config, w ObjectWriter, summary *counts) *nginxFlusher {
	f := &nginxFlusher{cfg: cfg, w: w, summary: summary}
	if events, ok := w.(LogEventWriter); ok && cfg.TerminatorLogEvents {
		f.events = events
		f.groups[kindAccess] = cfg.TerminatorAccessLogGroup()
		f.groups[kindError] = cfg.TerminatorErrorLogGroup()
	}
	return f
}

// flush writes the objects or the events of one complete interval: per
// terminator, the access log and then the error log.
func (f *nginxFlusher) flush(ctx context.Context, il *intervalLines) error {
	if f.events != nil {
		return f.sendEvents(ctx, il)
	}
	f.jobs = f.jobs[:0]
	for instance := range f.cfg.Terminators {
		for _, kind := range []logKind{kindAccess, kindError} {
			refs := il.refs[kind][instance]
			if len(refs) == 0 {
				continue
			}
			slices.SortFunc(refs, compareLineRefs)
			f.jobs = append(f.jobs, objectJob{kind: kind, node: instance, refs: refs})
		}
	}
	if len(f.jobs) == 0 {
		return nil
	}
	f.compress(il, f.jobs)

	start := time.Unix(il.index*intervalSeconds, 0).UTC()
	for i := range f.jobs {
		job := &f.jobs[i]
		key := terminatorKey(f.cfg.Terminators[job.node].InstanceID, job.kind, start)
		if err := f.w.WriteObject(ctx, key, job.body.Bytes()); err != nil {
			return fmt.Errorf("sim: write object %s: %w", key, err)
		}
		t := &f.summary.terminators[job.node]
		if job.kind == kindAccess {
			t.accessObjects++
		} else {
			t.errorObjects++
		}
	}
	return nil
}

// sendEvents sends the lines of one complete interval as log events: per
// terminator, the access log and then the error log, each in time order.
func (f *nginxFlusher) sendEvents(ctx context.Context, il *intervalLines) error {
	for instance, t := range f.cfg.Terminators {
		for _, kind := range []logKind{kindAccess, kindError} {
			refs := il.refs[kind][instance]
			slices.SortFunc(refs, compareLineRefs)
			group := f.groups[kind]
			for _, ref := range refs {
				// An nginx line's key is its time in µs.
				at := time.UnixMilli(floorDiv(ref.key, 1000)).UTC()
				line := il.line(ref)
				message := string(line[:len(line)-1])
				if err := f.events.WriteLogEvent(ctx, group, t.InstanceID, at, message); err != nil {
					return fmt.Errorf("sim: write log event to group %s stream %s: %w", group, t.InstanceID, err)
				}
			}
		}
	}
	return nil
}

// terminatorKey returns the key of one terminator log object, as
// TerminatorKeyPrefix describes.
func terminatorKey(instanceID string, kind logKind, start time.Time) string {
	name := "access"
	if kind == kindError {
		name = "error"
	}
	b := make([]byte, 0, 128)
	b = append(b, TerminatorKeyPrefix...)
	b = append(b, instanceID...)
	b = append(b, "/nginx/"...)
	b = append(b, name...)
	b = append(b, '/')
	b = start.AppendFormat(b, "2006/01/02/")
	b = append(b, instanceID...)
	b = append(b, '-')
	b = append(b, name...)
	b = append(b, '-')
	b = start.AppendFormat(b, "20060102T1504Z")
	b = append(b, ".log.gz"...)
	return string(b)
}
