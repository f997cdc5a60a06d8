package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/envoy"
	"github.com/cutover-dev/cutover/ingest/haproxy"
	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/nlbtls"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// Loaded is the manifest entry of an object loaded earlier.
type Loaded struct {
	ETag          string
	ParserVersion int
}

// Loader receives one object's records.
type Loader interface {
	Access(ctx context.Context, r *albaccess.Record, line int) error
	Connection(ctx context.Context, r *albconn.Record, line int) error
	NLB(ctx context.Context, r *nlbtls.Record, line int) error
	// Terminator adds a record of a TLS-terminating proxy; log names the
	// proxy's log that held the line, such as "access" or "error".
	Terminator(ctx context.Context, r *terminator.Record, log string, line int) error
	Reject(ctx context.Context, line int, reason, raw string) error
	// Skip counts a line that is neither a record nor a rejected line,
	// because the parser reports it as unrelated to TLS.
	Skip()
	// Commit hands the object over; its rows and manifest entry become
	// visible together. done is called once that happened or failed, possibly
	// later and on another goroutine.
	Commit(ctx context.Context, done func(error))
	// Rollback abandons the object.
	Rollback() error
}

// Writer loads the objects of one run.
type Writer interface {
	// Begin starts loading o. With replace set, the rows an earlier load of
	// the same URI wrote are removed in the same transaction.
	Begin(o Object, parserVersion int, replace bool) Loader
	// Close waits until every object handed over is committed or failed.
	Close()
}

// Store is the database side of ingest.
type Store interface {
	// Manifest returns the objects loaded before, keyed by URI.
	Manifest(ctx context.Context) (map[string]Loaded, error)
	NewWriter(ctx context.Context) Writer
}

// Options configure Run.
type Options struct {
	Window Window
	// Reparse reloads objects that an older parser version loaded.
	Reparse bool
	// Concurrency is how many objects are read and loaded at once; 0 means
	// one per CPU.
	Concurrency int
	Logger      *slog.Logger
	// Progress, when set, is called after each object with the counts so far.
	Progress func(done, total int, rows int64)
	// Terminator, when set, makes every object of the sources a log of one
	// TLS-terminating proxy, whatever its name. The window still selects
	// objects whose names carry an ELB interval end, and selects every other
	// object. Run rejects CloudWatch Logs sources without it, because they
	// contain only terminator logs.
	Terminator *TerminatorOptions
}

// ParserVersion returns the version of the parser that reads objects of
// kind k, or 0 when this version of cutover cannot parse that kind.
func ParserVersion(k Kind) int {
	switch k {
	case KindALBAccess:
		return albaccess.ParserVersion
	case KindALBConnection:
		return albconn.ParserVersion
	case KindNLB:
		return nlbtls.ParserVersion
	case KindTerminatorNginx:
		return nginx.ParserVersion
	case KindTerminatorEnvoy:
		return envoy.ParserVersion
	case KindTerminatorHAProxy:
		return haproxy.ParserVersion
	case KindControl:
		return 1
	}
	return 0
}

// KindSummary counts what one ingest run did with the objects of one kind.
type KindSummary struct {
	Kind Kind `json:"kind"`
	// Loaded objects were read and committed by this run.
	Loaded int `json:"objects_loaded"`
	// AlreadyLoaded objects were in the manifest with the same ETag.
	AlreadyLoaded int `json:"objects_already_loaded"`
	// Outdated objects were loaded by an older parser version and kept,
	// because Reparse was not set.
	Outdated int `json:"objects_outdated"`
	// Skipped objects are of a kind this version cannot parse; they are not
	// recorded, so a later version loads them.
	Skipped  int   `json:"objects_skipped"`
	Failed   int   `json:"objects_failed"`
	Rows     int64 `json:"rows"`
	Rejected int64 `json:"rejected_lines"`
	// SkippedLines counts the lines that are neither rows nor rejected
	// lines, because the parser reports them as unrelated to TLS.
	SkippedLines int64 `json:"skipped_lines"`
}

// Failure is an object that could not be read or loaded.
type Failure struct {
	URI string `json:"uri"`
	Err string `json:"error"`
}

// Summary is the outcome of Run.
type Summary struct {
	Kinds    []KindSummary `json:"kinds"`
	Failures []Failure     `json:"failures"`
	// Skipped lists the URIs of the objects counted as skipped.
	Skipped []string `json:"skipped"`
	// LogObjects counts the log objects the window selected (ALB, NLB and
	// terminator logs; not the control object or other files), loaded or not.
	LogObjects int           `json:"log_objects_selected"`
	Duration   time.Duration `json:"-"`
}

// Total adds up the counts of every kind.
func (s Summary) Total() KindSummary {
	t := KindSummary{Kind: "total"}
	for _, k := range s.Kinds {
		t.Loaded += k.Loaded
		t.AlreadyLoaded += k.AlreadyLoaded
		t.Outdated += k.Outdated
		t.Skipped += k.Skipped
		t.Failed += k.Failed
		t.Rows += k.Rows
		t.Rejected += k.Rejected
		t.SkippedLines += k.SkippedLines
	}
	return t
}

// ErrObjectsFailed is returned by Run when at least one object could not be
// read or loaded; the others are loaded all the same.
var ErrObjectsFailed = errors.New("some objects could not be loaded")

type job struct {
	src     Source
	obj     Object
	replace bool
	// terminator is Options.Terminator, for terminator logs.
	terminator *TerminatorOptions
}

// Run lists every source, loads each object the manifest does not hold yet
// into st, and returns what it did. An object that several sources list is
// loaded and counted once. It returns ErrObjectsFailed, with the summary
// filled, when some objects failed; those stay out of the manifest so the
// next run retries them.
func Run(ctx context.Context, st Store, sources []Source, opts Options) (Summary, error) {
	start := time.Now()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Terminator == nil {
		for _, src := range sources {
			if s, ok := src.(*cwlogsSource); ok {
				return Summary{}, fmt.Errorf("ingest %s: missing --terminator: a CloudWatch Logs source contains only terminator logs, so pass --terminator nginx, envoy or haproxy", s.uri)
			}
		}
	}
	manifest, err := st.Manifest(ctx)
	if err != nil {
		return Summary{}, err
	}

	// List every source and decide what to do with each object.
	counts := map[Kind]*KindSummary{}
	count := func(k Kind) *KindSummary {
		if counts[k] == nil {
			counts[k] = &KindSummary{Kind: k}
		}
		return counts[k]
	}
	sum := Summary{Failures: []Failure{}, Skipped: []string{}}
	var jobs []job
	// Overlapping sources, such as a folder and one of its subfolders, list
	// some objects twice. A second job for one URI would write a second
	// manifest row for it, and the store would then fail the whole group
	// commit that holds both.
	listed := make(map[string]bool)
	for _, src := range sources {
		err := src.List(ctx, opts.Window, func(o Object) error {
			if listed[o.URI] {
				return nil
			}
			listed[o.URI] = true
			if opts.Terminator != nil {
				o = asTerminatorObject(src, o, opts.Terminator)
			}
			if o.Kind != KindControl && o.Kind != KindOther {
				sum.LogObjects++
			}
			c := count(o.Kind)
			version := ParserVersion(o.Kind)
			prev, seen := manifest[o.URI]
			switch {
			case version == 0:
				c.Skipped++
				sum.Skipped = append(sum.Skipped, o.URI)
				log.Debug("object skipped: kind not parsed yet", "uri", o.URI, "kind", o.Kind)
			case !seen:
				jobs = append(jobs, job{src: src, obj: o, terminator: opts.Terminator})
			case prev.ETag != o.ETag:
				log.Info("object changed since it was loaded: reloading", "uri", o.URI)
				jobs = append(jobs, job{src: src, obj: o, replace: true, terminator: opts.Terminator})
			case prev.ParserVersion < version && opts.Reparse:
				jobs = append(jobs, job{src: src, obj: o, replace: true, terminator: opts.Terminator})
			case prev.ParserVersion < version:
				c.Outdated++
			default:
				c.AlreadyLoaded++
			}
			return nil
		})
		if err != nil {
			return sum, err
		}
	}
	// The summary lists the kinds a run can load even when it found none of
	// them. A terminator run loads its proxy's kind only.
	if opts.Terminator != nil {
		count(TerminatorKind(opts.Terminator.Proxy))
	} else {
		for _, k := range []Kind{KindALBAccess, KindALBConnection, KindNLB, KindControl} {
			count(k)
		}
	}

	// Load the objects, several at a time.
	workers := opts.Concurrency
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	finished := 0
	var rowsSoFar int64
	finish := func(o Object, res loadResult, err error) {
		mu.Lock()
		defer mu.Unlock()
		c := count(o.Kind)
		if err != nil {
			c.Failed++
			sum.Failures = append(sum.Failures, Failure{URI: o.URI, Err: err.Error()})
			log.Error("object not loaded", "uri", o.URI, "err", err)
		} else {
			c.Loaded++
			c.Rows += res.rows
			c.Rejected += res.rejected
			c.SkippedLines += res.skipped
			rowsSoFar += res.rows
			log.Debug("object loaded", "uri", o.URI, "rows", res.rows, "rejected", res.rejected, "skipped_lines", res.skipped)
		}
		finished++
		if opts.Progress != nil {
			opts.Progress(finished, len(jobs), rowsSoFar)
		}
	}
	writer := st.NewWriter(ctx)
	queue := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				loadObject(ctx, writer, j, finish)
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case queue <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	writer.Close()

	for _, c := range counts {
		sum.Kinds = append(sum.Kinds, *c)
	}
	sort.Slice(sum.Kinds, func(i, j int) bool { return sum.Kinds[i].Kind < sum.Kinds[j].Kind })
	sort.Slice(sum.Failures, func(i, j int) bool { return sum.Failures[i].URI < sum.Failures[j].URI })
	sum.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if len(sum.Failures) > 0 {
		return sum, ErrObjectsFailed
	}
	return sum, nil
}

type loadResult struct {
	rows, rejected, skipped int64
}

// loadObject reads one object and hands it to the writer, which commits it
// whole or not at all; finish is called with the outcome.
func loadObject(ctx context.Context, w Writer, j job, finish func(Object, loadResult, error)) {
	o := j.obj
	if err := ctx.Err(); err != nil {
		finish(o, loadResult{}, err)
		return
	}
	l := w.Begin(o, ParserVersion(o.Kind), j.replace)
	res, err := readObject(ctx, l, j)
	if err != nil {
		l.Rollback()
		finish(o, loadResult{}, err)
		return
	}
	l.Commit(ctx, func(err error) { finish(o, res, err) })
}

// readObject passes every line of the object to l, as a record or a
// rejected line.
func readObject(ctx context.Context, l Loader, j job) (loadResult, error) {
	var res loadResult
	o := j.obj
	if o.Kind == KindControl {
		return res, nil
	}
	body, err := j.src.Open(ctx, o)
	if err != nil {
		return res, err
	}
	defer body.Close()

	switch o.Kind {
	case KindALBAccess:
		r := albaccess.NewReader(body)
		var rec albaccess.Record
		for {
			err := r.Read(&rec)
			if err == io.EOF {
				return res, nil
			}
			if err := handle(ctx, l, err, r.Line(), r.Raw(), func() error { return l.Access(ctx, &rec, r.Line()) }, &res); err != nil {
				return res, err
			}
		}
	case KindALBConnection:
		r := albconn.NewReader(body)
		var rec albconn.Record
		for {
			err := r.Read(&rec)
			if err == io.EOF {
				return res, nil
			}
			if err := handle(ctx, l, err, r.Line(), r.Raw(), func() error { return l.Connection(ctx, &rec, r.Line()) }, &res); err != nil {
				return res, err
			}
		}
	case KindTerminatorNginx, KindTerminatorEnvoy, KindTerminatorHAProxy:
		return readTerminator(ctx, l, o, body, j.terminator)
	case KindNLB:
		r := nlbtls.NewReader(body)
		var rec nlbtls.Record
		for {
			err := r.Read(&rec)
			if err == io.EOF {
				return res, nil
			}
			if err := handle(ctx, l, err, r.Line(), r.Raw(), func() error { return l.NLB(ctx, &rec, r.Line()) }, &res); err != nil {
				return res, err
			}
		}
	}
	return res, fmt.Errorf("load %s: no parser for kind %s", o.URI, o.Kind)
}

// handle stores one Read outcome: the record through add, a parse error as a
// rejected line. Any other error is returned and ends the object.
func handle(ctx context.Context, l Loader, readErr error, line int, raw string, add func() error, res *loadResult) error {
	var perr *elblog.ParseError
	switch {
	case readErr == nil:
		res.rows++
		return add()
	case errors.As(readErr, &perr):
		res.rejected++
		return l.Reject(ctx, line, RejectReason(perr), raw)
	default:
		return readErr
	}
}

// RejectReason renders a parse error without its line number, which the
// rejected_lines table keeps in a column of its own.
func RejectReason(e *elblog.ParseError) string {
	if e.Field == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("field %d (%s): %v", e.Field, e.Name, e.Err)
}
