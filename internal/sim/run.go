package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// Summary is the ground truth of a run: what Run wrote and what happened
// on each path. Counts of lines and of their values cover well-formed lines
// only, which are the lines a reader can parse; the Malformed counts cover
// the others.
type Summary struct {
	// Objects written per kind. ControlObjects is 1: the
	// ELBAccessLogTestFile.
	AccessObjects     int
	ConnectionObjects int
	ControlObjects    int

	// Well-formed lines.
	AccessLines     int
	ConnectionLines int
	// Damaged lines, by the way they are damaged.
	MalformedAccess     Malformed
	MalformedConnection Malformed

	// ConnectionsByStatus counts well-formed connection-log lines by
	// tls_verify_status, such as "Success" or "Failed:ClientCertExpired".
	ConnectionsByStatus map[string]int
	// RequestsByStatusClass counts well-formed access-log lines by the class
	// of elb_status_code: "2xx", "3xx", "4xx" or "5xx".
	RequestsByStatusClass map[string]int
	// AccessWithoutConnection counts well-formed access-log lines whose
	// connection-log line is damaged, so a join on conn_trace_id finds no
	// connection for them.
	AccessWithoutConnection int

	// ALB and NLB describe the traffic on each path, whether logged or not.
	ALB PathSummary
	NLB PathSummary

	// Terminators describe the nginx logs of each Config.Terminators
	// instance, in the same order.
	Terminators []TerminatorSummary
	// TerminatorLogEvents is true when the terminators' lines went out as
	// log events instead of objects.
	TerminatorLogEvents bool

	// Metrics holds one total per metric written: per namespace, metric
	// name and dimensions (compared in order), in the order of each
	// metric's first datapoint. FindMetric looks one up. It is empty when
	// the writer is not a MetricWriter.
	Metrics []MetricTotal
}

// TerminatorSummary is the ground truth of one terminator's nginx logs.
// Config.MalformedRate does not apply to them: every line is well-formed.
type TerminatorSummary struct {
	InstanceID string
	// Objects written per log, zero when the lines went out as log events.
	AccessObjects int
	ErrorObjects  int
	// Lines written per log, as objects or as log events. Every error-log
	// line is one that nginx.ErrorReader returns as a record.
	AccessLines int
	ErrorLines  int
	// ConnectionsByOutcome counts the client connections that left a line,
	// by their word of package outcome. A connection whose certificate
	// verified and that has access lines counts as "ok". A connection whose
	// one request nginx rejected with 400 counts as "expired",
	// "not_yet_valid", "revoked" or "no_cert", once, although both logs
	// show it. A handshake that the client broke off counts as
	// "handshake_error" and has an error-log line only. Health checks are
	// not counted here.
	ConnectionsByOutcome map[string]int
	// HealthChecks counts the NLB's TCP health checks, each one error-log
	// line "client closed connection while SSL handshaking" from an
	// address in Config.NLBSubnets.
	HealthChecks int
}

// Malformed counts damaged lines by the way they are damaged.
type Malformed struct {
	// Truncated lines end inside their leading unquoted fields.
	Truncated int
	// UnterminatedQuote lines end inside a quoted field.
	UnterminatedQuote int
	// BadTimestamp lines have an out-of-range month, day or hour in their
	// time field.
	BadTimestamp int
}

// Total returns the number of damaged lines.
func (m Malformed) Total() int { return m.Truncated + m.UnterminatedQuote + m.BadTimestamp }

// PathSummary describes the traffic on one path.
type PathSummary struct {
	// Connections counts connection attempts, retries included, whose
	// handshake ended before the end of the run. On the ALB path it equals
	// the connection-log lines, damaged ones included. On the NLB path it
	// includes UnloggedConnections, so view tls_handshakes contains
	// Connections minus UnloggedConnections NLB rows when ingest skips the
	// health checks by their subnets.
	Connections int
	// UnloggedConnections counts the attempts in Connections that left no
	// log line because nginx would write their first line at or after the
	// end of the run. Such an attempt is an established connection whose
	// first response comes too late, or a rejected one whose 400 response
	// comes too late. Records passes them with Logged false. It is 0 on the
	// ALB path, which logs each connection when its handshake ends.
	UnloggedConnections int
	// FailedConnections counts attempts whose handshake failed.
	FailedConnections int
	// Retries counts the attempts that were retries of a failed handshake.
	Retries int
	// Requests counts requests. On the ALB path it equals the access-log
	// lines, damaged ones included.
	Requests int
	// Identities counts the distinct certificate identities (subject DN and
	// serial) that presented a certificate on the path. On the ALB path only
	// well-formed connection-log lines count, because a damaged line names
	// no identity a reader can trust.
	Identities int
}

// counts is the Summary while a run is in progress, in the generator's
// indexes.
type counts struct {
	accessObjects, connectionObjects int
	controlObjects                   int
	accessLines, connectionLines     int
	malformedAccess                  [4]int // by damageKind
	malformedConnection              [4]int
	connectionsByStatus              [len(verifyStatusText)]int
	requestsByClass                  [6]int // by elb_status_code / 100
	accessWithoutConnection          int
	alb, nlb                         PathSummary
	albIdentities, nlbIdentities     []bool // by client index
	terminators                      []terminatorCounts
	terminatorLogEvents              bool
	metrics                          metricTotals
}

// terminatorCounts is a TerminatorSummary while a run is in progress.
type terminatorCounts struct {
	accessObjects, errorObjects int
	accessLines, errorLines     int
	byOutcome                   map[outcome.Outcome]int
	healthChecks                int
}

func (c *counts) summary(instanceIDs []string) Summary {
	s := Summary{
		AccessObjects:           c.accessObjects,
		ConnectionObjects:       c.connectionObjects,
		ControlObjects:          c.controlObjects,
		AccessLines:             c.accessLines,
		ConnectionLines:         c.connectionLines,
		MalformedAccess:         malformedOf(c.malformedAccess),
		MalformedConnection:     malformedOf(c.malformedConnection),
		ConnectionsByStatus:     make(map[string]int),
		RequestsByStatusClass:   make(map[string]int),
		AccessWithoutConnection: c.accessWithoutConnection,
		ALB:                     c.alb,
		NLB:                     c.nlb,
		TerminatorLogEvents:     c.terminatorLogEvents,
		Metrics:                 slices.Clone(c.metrics.totals),
	}
	for status, n := range c.connectionsByStatus {
		if n > 0 {
			s.ConnectionsByStatus[verifyStatusText[status]] = n
		}
	}
	for class, n := range c.requestsByClass {
		if n > 0 {
			s.RequestsByStatusClass[strconv.Itoa(class)+"xx"] = n
		}
	}
	s.ALB.Identities = countDistinct(c.albIdentities)
	s.NLB.Identities = countDistinct(c.nlbIdentities)
	for i, t := range c.terminators {
		ts := TerminatorSummary{
			InstanceID:           instanceIDs[i],
			AccessObjects:        t.accessObjects,
			ErrorObjects:         t.errorObjects,
			AccessLines:          t.accessLines,
			ErrorLines:           t.errorLines,
			ConnectionsByOutcome: make(map[string]int, len(t.byOutcome)),
			HealthChecks:         t.healthChecks,
		}
		for word, n := range t.byOutcome {
			ts.ConnectionsByOutcome[string(word)] = n
		}
		s.Terminators = append(s.Terminators, ts)
	}
	return s
}

func malformedOf(byKind [4]int) Malformed {
	return Malformed{
		Truncated:         byKind[damageTruncated],
		UnterminatedQuote: byKind[damageUnterminatedQuote],
		BadTimestamp:      byKind[damageBadTimestamp],
	}
}

// countDistinct counts the marked clients. Every certificate has its own
// serial, so each marked client is one distinct identity.
func countDistinct(seen []bool) int {
	n := 0
	for _, s := range seen {
		if s {
			n++
		}
	}
	return n
}

// Run simulates cfg and writes the ALB's access-log and connection-log
// objects, the ELBAccessLogTestFile, and the terminators' nginx access-log
// and error-log objects (under TerminatorKeyPrefix) to w. When
// Config.TerminatorLogEvents is set and w is a LogEventWriter, the
// terminators' lines go out as log events instead. When w is a
// MetricWriter, Run also writes both load balancers' CloudWatch metrics,
// one datapoint per metric and minute, derived from the same connections
// and requests as the logs.
//
// Run generates one 5-minute interval at a time and writes each interval's
// objects, events and metrics once no later line can fall into it. It stops
// at the first error of w or when ctx ends, and returns the Summary of what
// it wrote until then.
func Run(ctx context.Context, cfg Config, w ObjectWriter) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	cfg.Start = cfg.Start.UTC()

	m := newModel(&cfg)
	c := &counts{
		albIdentities: make([]bool, len(m.clients)),
		nlbIdentities: make([]bool, len(m.clients)),
	}
	instanceIDs := make([]string, len(cfg.Terminators))
	for i, t := range cfg.Terminators {
		instanceIDs[i] = t.InstanceID
		c.terminators = append(c.terminators, terminatorCounts{byOutcome: make(map[outcome.Outcome]int)})
	}
	summary := func() Summary { return c.summary(instanceIDs) }

	metricWriter, _ := w.(MetricWriter)
	var metrics *metricRecorder
	if metricWriter != nil {
		metrics = newMetricRecorder(m)
	}
	pending := newPendingLines(len(cfg.Nodes))
	nginxPending := newPendingLines(len(cfg.Terminators))
	nginx := newNginxLog(m, nginxPending, c, metrics)
	gen := newGenerator(m, nginx, newALBLog(m, pending, c, metrics))
	out := &outputWriter{
		objects:      newObjectFlusher(&cfg, w, c),
		nginx:        newNginxFlusher(&cfg, w, c),
		metrics:      metricWriter,
		metricTotals: &c.metrics,
	}
	c.terminatorLogEvents = out.nginx.events != nil

	if err := writeControlObject(ctx, &cfg, w); err != nil {
		return summary(), err
	}
	c.controlObjects++
	// While the generator draws one interval, a goroutine writes the
	// previous one: the ALB's objects, then the terminators' objects or
	// events, then the metrics of its minutes. Everything is still written
	// in interval order, one call at a time.
	var inFlight *intervalOutput
	var flushed chan error
	waitForFlush := func() error {
		if flushed == nil {
			return nil
		}
		err := <-flushed
		if inFlight.alb != nil {
			pending.release(inFlight.alb)
		}
		if inFlight.nginx != nil {
			nginxPending.release(inFlight.nginx)
		}
		inFlight, flushed = nil, nil
		return err
	}

	first, last := intervalOf(m.start), intervalOf(m.end-1)
	for index := first; index <= last; index++ {
		if err := ctx.Err(); err != nil {
			_ = waitForFlush()
			return summary(), err
		}
		from := max(index*intervalSeconds*1e6, m.start)
		to := min((index+1)*intervalSeconds*1e6, m.end)
		if err := gen.generate(from, to); err != nil {
			_ = waitForFlush()
			return summary(), err
		}
		nginx.release(from, to)
		if err := waitForFlush(); err != nil {
			return summary(), err
		}
		// Every line and observation is at or after the start of its
		// connection, so no later interval adds any to this one.
		next := &intervalOutput{alb: pending.take(index), nginx: nginxPending.take(index)}
		if metrics != nil {
			next.metrics = metrics.take(to)
		}
		if next.alb != nil || next.nginx != nil || len(next.metrics) > 0 {
			inFlight, flushed = next, make(chan error, 1)
			go func() { flushed <- out.write(ctx, next) }()
		}
	}
	if err := waitForFlush(); err != nil {
		return summary(), err
	}
	if n := len(pending.open) + len(nginxPending.open); n != 0 {
		return summary(), fmt.Errorf("sim: internal error: %d intervals still hold lines after the run", n)
	}
	if metrics != nil && (metrics.late > 0 || len(metrics.open) > 0) {
		return summary(), fmt.Errorf("sim: internal error: %d metric observations came after their minute was written, %d minutes were never written",
			metrics.late, len(metrics.open))
	}
	return summary(), nil
}

// intervalOutput is the output of one complete interval: the lines of the
// ALB and of the terminators (nil when there are none), and the metrics of
// the minutes that became complete with it.
type intervalOutput struct {
	alb, nginx *intervalLines
	metrics    []Metric
}

// outputWriter writes the output of each interval.
type outputWriter struct {
	objects      *objectFlusher
	nginx        *nginxFlusher
	metrics      MetricWriter // nil when the run writes no metrics
	metricTotals *metricTotals
}

func (o *outputWriter) write(ctx context.Context, out *intervalOutput) error {
	if out.alb != nil {
		if err := o.objects.flush(ctx, out.alb); err != nil {
			return err
		}
	}
	if out.nginx != nil {
		if err := o.nginx.flush(ctx, out.nginx); err != nil {
			return err
		}
	}
	if o.metrics != nil {
		return writeMetrics(ctx, o.metrics, out.metrics, o.metricTotals)
	}
	return nil
}

// writeControlObject writes the ELBAccessLogTestFile that ELB writes when
// access logging is turned on, stamped with Config.Start.
func writeControlObject(ctx context.Context, cfg *Config, w ObjectWriter) error {
	key := awsLogsPrefix(cfg) + "ELBAccessLogTestFile"
	body := "Enable AccessLog for ELB: " + cfg.ELB() + " at " + cfg.Start.Format("2006-01-02T15:04:05.000Z")
	if err := w.WriteObject(ctx, key, []byte(body)); err != nil {
		return fmt.Errorf("sim: write object %s: %w", key, err)
	}
	return nil
}
