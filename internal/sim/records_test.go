package sim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// collectRecords returns copies of every Connection that Records passes
// for cfg.
func collectRecords(t *testing.T, cfg Config) []Connection {
	t.Helper()
	var recs []Connection
	err := Records(context.Background(), cfg, func(c *Connection) error {
		cp := *c
		cp.Requests = append([]Request(nil), c.Requests...)
		recs = append(recs, cp)
		return nil
	})
	require.NoError(t, err)
	return recs
}

// pathRows is what one path's logs hold after ingest, reduced to the values
// that Connection and Request carry: a multiset of connection rows of view
// tls_handshakes and one of request rows of view requests.
type pathRows struct {
	connections map[string]int // by connectionKey
	requests    map[string]int // by requestKey
	bySubject   map[string]int // by subject "|" serial
	byOutcome   map[outcome.Outcome]int
	requestRows int
	status4xx   int
	status5xx   int
	headerCount int // requests with a header time
	headerSum   float64
}

func newPathRows() *pathRows {
	return &pathRows{
		connections: map[string]int{},
		requests:    map[string]int{},
		bySubject:   map[string]int{},
		byOutcome:   map[outcome.Outcome]int{},
	}
}

func (p *pathRows) addConnection(at time.Time, clientIP, subject, serial string, word outcome.Outcome, reason string) {
	key := fmt.Sprintf("%s %s %q %q %s %q", at.UTC().Format(time.RFC3339Nano), clientIP, subject, serial, word, reason)
	p.connections[key]++
	p.bySubject[subject+"|"+serial]++
	p.byOutcome[word]++
}

// addRequest adds a request row. header is the header time in seconds, or
// -1 when the store holds NULL.
func (p *pathRows) addRequest(at time.Time, status int, header float64) {
	p.requests[fmt.Sprintf("%s %d %v", at.UTC().Format(time.RFC3339Nano), status, header)]++
	p.requestRows++
	switch status / 100 {
	case 4:
		p.status4xx++
	case 5:
		p.status5xx++
	}
	if header != -1 {
		p.headerCount++
		p.headerSum += header
	}
}

// canonicalOrEmpty returns the canonical form of raw, or "" where ingest
// stores NULL: a missing, empty or unreadable value.
func canonicalOrEmpty(raw sql.NullString, canonical func(string) (string, error)) string {
	if !raw.Valid {
		return ""
	}
	v, err := canonical(raw.String)
	if err != nil {
		return ""
	}
	return v
}

// nullSeconds returns a parsed duration, or -1 for NULL.
func nullSeconds(v sql.NullFloat64) float64 {
	if !v.Valid {
		return -1
	}
	return v.Float64
}

// ingestRows reads Run's objects with the project's parsers and reduces
// them as views tls_handshakes and requests of internal/store do. ALB
// connections come from the connection log, with subject, serial and
// outcome derived as the store's loader derives them. NLB connections come
// from the first access-log line of each nginx connection and from each
// error-log line that no access-log line repeats, without health checks.
func ingestRows(t *testing.T, cfg *Config, w *memWriter) map[string]*pathRows {
	t.Helper()
	alb, nlb := newPathRows(), newPathRows()

	for _, o := range readObjects(t, cfg, w) {
		text := strings.NewReader(strings.Join(o.lines, "\n") + "\n")
		if o.kind == kindAccess {
			reader := albaccess.NewReader(text)
			for {
				var rec albaccess.Record
				err := reader.Read(&rec)
				if err == io.EOF {
					break
				}
				require.NoError(t, err, "%s line %d", o.key, reader.Line())
				alb.addRequest(rec.Time, int(rec.ELBStatusCode.Int32), nullSeconds(rec.TargetProcessingTime))
			}
			continue
		}
		reader := albconn.NewReader(text)
		for {
			var rec albconn.Record
			err := reader.Read(&rec)
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "%s line %d", o.key, reader.Line())
			subject := canonicalOrEmpty(rec.LeafClientCertSubject, identity.CanonicalDN)
			serial := canonicalOrEmpty(rec.LeafClientCertSerialNumber, identity.CanonicalSerial)
			status := rec.TLSVerifyStatus.String
			alb.addConnection(rec.Time, rec.ClientIP, subject, serial, outcome.FromALB(status, subject != "" || serial != ""), status)
		}
	}

	for _, logs := range readNginxLogs(t, w, cfg.ErrorLogLocation) {
		byConnection := map[string][]terminator.Record{}
		for _, rec := range logs.access {
			byConnection[rec.ConnectionID.String] = append(byConnection[rec.ConnectionID.String], rec)
			nlb.addRequest(rec.Time, int(rec.Status.Int32), nullSeconds(rec.UpstreamHeaderTime))
			if rec.ConnectionRequests.Int64 == 1 {
				nlb.addConnection(rec.Time, rec.ClientIP, rec.Subject.String, rec.Serial.String,
					outcome.Outcome(rec.Outcome), rec.VerifyRaw.String)
			}
		}
		for _, rec := range logs.errors {
			if fromSubnets(t, rec.ClientIP, cfg.NLBSubnets) {
				continue // a health check
			}
			paired := false
			for _, access := range byConnection[rec.ConnectionID.String] {
				paired = paired || nginx.SameEvent(access, rec)
			}
			if !paired {
				nlb.addConnection(rec.Time, rec.ClientIP, rec.Subject.String, rec.Serial.String,
					outcome.Outcome(rec.Outcome), rec.VerifyRaw.String)
			}
		}
	}
	return map[string]*pathRows{PathALB: alb, PathNLB: nlb}
}

// recordRows reduces the logged records as ingestRows reduces the logs.
func recordRows(recs []Connection) map[string]*pathRows {
	rows := map[string]*pathRows{PathALB: newPathRows(), PathNLB: newPathRows()}
	for i := range recs {
		c := &recs[i]
		if !c.Logged {
			continue
		}
		p := rows[c.Path]
		p.addConnection(c.Time, c.ClientIP, c.Subject, c.Serial, c.Outcome, c.Reason)
		for _, r := range c.Requests {
			p.addRequest(r.Time, r.Status, r.HeaderSeconds)
		}
	}
	return rows
}

// TestRecordsMatchIngestedLogs compares Records with what the project's
// parsers read from Run's objects for the same Config. MalformedRate is 0
// because Records cannot tell which lines Run damages, and ingest rejects
// those lines, so with damage the counts would differ by the damaged lines.
func TestRecordsMatchIngestedLogs(t *testing.T) {
	for _, name := range []string{"healthy", "missing-intermediate", "revoked-cohort"} {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", name, seed), func(t *testing.T) {
				cfg, _, err := ScenarioConfig(name, testStart, 30*time.Minute, seed)
				require.NoError(t, err)
				cfg.MalformedRate = 0
				cfg.ALBWeight = 50
				if seed == 3 {
					cfg.ErrorLogLocation = time.FixedZone("CET", 3600)
				}
				compareRecordsWithRun(t, cfg)
			})
		}
	}
}

func compareRecordsWithRun(t *testing.T, cfg Config) {
	t.Helper()
	w := newMemWriter()
	summary, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)
	recs := collectRecords(t, cfg)

	want := ingestRows(t, &cfg, w)
	got := recordRows(recs)
	for _, path := range []string{PathALB, PathNLB} {
		wp, gp := want[path], got[path]
		assert.Positive(t, len(wp.connections), "%s connections in the logs", path)
		assert.Equal(t, wp.bySubject, gp.bySubject, "%s connections by subject and serial", path)
		assert.Equal(t, wp.byOutcome, gp.byOutcome, "%s connections by outcome", path)
		assert.Equal(t, wp.connections, gp.connections, "%s connections by time, client, identity and reason", path)

		assert.Equal(t, wp.requestRows, gp.requestRows, "%s requests", path)
		assert.Equal(t, wp.status4xx, gp.status4xx, "%s 4xx responses", path)
		assert.Equal(t, wp.status5xx, gp.status5xx, "%s 5xx responses", path)
		assert.Equal(t, wp.headerCount, gp.headerCount, "%s requests with a header time", path)
		assert.InDelta(t, wp.headerSum, gp.headerSum, 1e-6, "%s sum of header times", path)
		assert.Equal(t, wp.requests, gp.requests, "%s requests by time, status and header time", path)
	}

	checkRecordsAgainstSummary(t, recs, summary)
}

// checkRecordsAgainstSummary compares the totals of recs with Run's
// Summary, which counts every connection attempt whether logged or not.
func checkRecordsAgainstSummary(t *testing.T, recs []Connection, s Summary) {
	t.Helper()
	var alb, nlb PathSummary
	albClients, nlbClients := map[int]bool{}, map[int]bool{}
	nlbAccessLines := 0
	nlbByOutcome := map[string]int{}
	for i := range recs {
		c := &recs[i]
		switch c.Path {
		case PathALB:
			alb.Connections++
			if c.Reason != "Success" {
				alb.FailedConnections++
			}
			if c.Attempt > 0 {
				alb.Retries++
			}
			alb.Requests += len(c.Requests)
			if c.Subject != "" {
				albClients[c.Client] = true
			}
		case PathNLB:
			nlb.Connections++
			if c.Outcome != outcome.OK {
				nlb.FailedConnections++
			}
			if c.Attempt > 0 {
				nlb.Retries++
			}
			nlbAccessLines += len(c.Requests)
			if c.Subject != "" {
				nlbClients[c.Client] = true
			}
			if c.Logged {
				nlbByOutcome[string(c.Outcome)]++
			} else {
				nlb.UnloggedConnections++
			}
		default:
			t.Fatalf("record with unknown path %q", c.Path)
		}
		if c.Path == PathALB {
			assert.True(t, c.Logged, "ALB record of client %d not logged", c.Client)
		} else if c.Outcome != outcome.HandshakeError {
			// nginx logs a connection that completed its handshake with
			// its requests, and logs none of it when it has none.
			assert.Equal(t, c.Logged, len(c.Requests) > 0, "Logged and requests of an NLB record of client %d", c.Client)
		}
	}

	assert.Equal(t, s.ALB.Connections, alb.Connections, "ALB connections")
	assert.Equal(t, s.ALB.FailedConnections, alb.FailedConnections, "ALB failed connections")
	assert.Equal(t, s.ALB.Retries, alb.Retries, "ALB retries")
	assert.Equal(t, s.ALB.Requests, alb.Requests, "ALB requests")
	assert.Equal(t, s.ALB.Identities, len(albClients), "ALB identities")
	assert.Equal(t, s.NLB.Connections, nlb.Connections, "NLB connections")
	assert.Equal(t, s.NLB.UnloggedConnections, nlb.UnloggedConnections, "NLB connections without a line")
	assert.Zero(t, s.ALB.UnloggedConnections, "ALB connections without a line")
	assert.Equal(t, s.NLB.FailedConnections, nlb.FailedConnections, "NLB failed connections")
	assert.Equal(t, s.NLB.Retries, nlb.Retries, "NLB retries")
	assert.Equal(t, s.NLB.Identities, len(nlbClients), "NLB identities")

	// Summary.NLB.Requests counts the requests that the generator drew,
	// and the terminators' access lines the ones that nginx logged, 400
	// responses to rejected connections included.
	accessLines := 0
	summaryByOutcome := map[string]int{}
	for _, ts := range s.Terminators {
		accessLines += ts.AccessLines
		for word, n := range ts.ConnectionsByOutcome {
			summaryByOutcome[word] += n
		}
	}
	assert.Equal(t, accessLines, nlbAccessLines, "NLB requests against the terminators' access lines")
	assert.Equal(t, summaryByOutcome, nlbByOutcome, "logged NLB connections by outcome")
}

func TestRecordsDeterministic(t *testing.T) {
	cfg := DefaultConfig(testStart)
	cfg.Duration = 20 * time.Minute
	first := collectRecords(t, cfg)
	second := collectRecords(t, cfg)
	require.NotEmpty(t, first)
	assert.Equal(t, first, second)
}

func TestRecordsStopsAtCallbackError(t *testing.T) {
	cfg := DefaultConfig(testStart)
	cfg.Duration = 20 * time.Minute
	stop := errors.New("stop")
	calls := 0
	err := Records(context.Background(), cfg, func(*Connection) error {
		calls++
		if calls == 10 {
			return stop
		}
		return nil
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 10, calls, "calls of fn")
}

func TestRecordsStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Records(ctx, DefaultConfig(testStart), func(*Connection) error { return nil })
	assert.ErrorIs(t, err, context.Canceled)
}

func TestRecordsRejectsInvalidConfig(t *testing.T) {
	cfg := DefaultConfig(testStart)
	cfg.Clients = 0
	err := Records(context.Background(), cfg, func(*Connection) error { return nil })
	assert.Error(t, err)
}

// TestRecordsHandshakeFailures checks the NLB records of broken-off
// handshakes, which are too rare for the short runs of
// TestRecordsMatchIngestedLogs to be sure to have any.
func TestRecordsHandshakeFailures(t *testing.T) {
	cfg := DefaultConfig(testStart)
	cfg.Duration = 3 * time.Hour
	cfg.ErrorLogLocation = time.FixedZone("CET", 3600)
	failures := 0
	err := Records(context.Background(), cfg, func(c *Connection) error {
		if c.Path != PathNLB || c.Outcome != outcome.HandshakeError {
			return nil
		}
		failures++
		assert.Zero(t, c.Time.Nanosecond(), "error-log time with a fraction of a second")
		assert.Contains(t, []string{nginxHandshakeFailures[0].message, nginxHandshakeFailures[1].message}, c.Reason)
		assert.Empty(t, c.Subject, "subject of a broken-off handshake")
		assert.Empty(t, c.Requests, "requests of a broken-off handshake")
		return nil
	})
	require.NoError(t, err)
	assert.Positive(t, failures, "broken-off handshakes in 3 hours")
}

// TestErrorLogTimeMatchesReader checks errorLogTime against the nginx
// error-log reader around the end of daylight saving time in Berlin, where
// a local hour repeats.
func TestErrorLogTimeMatchesReader(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	start := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)
	for offset := time.Duration(0); offset < 2*time.Hour; offset += 7*time.Minute + 300*time.Millisecond {
		at := start.Add(offset)
		line := at.In(loc).Format("2006/01/02 15:04:05") + " [info] 1#1: *1 client sent no required SSL certificate" +
			" while reading client request headers, client: 192.0.2.1, server: example.com"
		reader := nginx.NewErrorReader(strings.NewReader(line + "\n"))
		reader.Location = loc
		var rec terminator.Record
		require.NoError(t, reader.Read(&rec))
		assert.Equal(t, rec.Time, errorLogTime(at.UnixMicro(), loc), "time of %s", at)
	}
}

func TestALBSecondsMatchesLog(t *testing.T) {
	for _, us := range []int64{0, 499, 500, 1499, 34_567, 999_500, 55_000_000} {
		text := string(appendSeconds(nil, us))
		var want float64
		_, err := fmt.Sscan(text, &want)
		require.NoError(t, err)
		assert.Equal(t, want, albSeconds(us), "seconds of %d µs written as %s", us, text)
	}
}

// sixHourConfig is the 6-hour DefaultConfig run of the benchmarks.
func sixHourConfig() Config {
	cfg := DefaultConfig(time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC))
	cfg.Duration = 6 * time.Hour
	return cfg
}

// BenchmarkRecords passes the records of a 6-hour DefaultConfig run to a
// callback that counts them. Compare it with BenchmarkRunSixHours, which
// formats, compresses and discards the objects of the same run.
func BenchmarkRecords(b *testing.B) {
	cfg := sixHourConfig()
	var connections, requests int
	for b.Loop() {
		connections, requests = 0, 0
		err := Records(context.Background(), cfg, func(c *Connection) error {
			connections++
			requests += len(c.Requests)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(connections), "connections/op")
	b.ReportMetric(float64(requests), "requests/op")
}

// BenchmarkRunSixHours runs the Config of BenchmarkRecords with a writer
// that discards the objects.
func BenchmarkRunSixHours(b *testing.B) {
	cfg := sixHourConfig()
	var s Summary
	for b.Loop() {
		var err error
		s, err = Run(context.Background(), cfg, &countingWriter{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.ALB.Connections+s.NLB.Connections), "connections/op")
	b.ReportMetric(float64(s.ALB.Requests+s.NLB.Requests), "requests/op")
}
