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

// nginxFlusher turns the terminators' lines of complete intervals into
// gzip objects, one per terminator, log and interval, and writes them.
type nginxFlusher struct {
	cfg     *Config
	w       ObjectWriter
	summary *counts
	jobs    []objectJob
	compressor
}

func newNginxFlusher(cfg *Config, w ObjectWriter, summary *counts) *nginxFlusher {
	return &nginxFlusher{cfg: cfg, w: w, summary: summary}
}

// flush writes the objects of one complete interval: per terminator, the
// access log and then the error log.
func (f *nginxFlusher) flush(ctx context.Context, il *intervalLines) error {
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
