package sim

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// terminatorObjects returns the number of terminator objects in s.
func terminatorObjects(s Summary) int {
	n := 0
	for _, t := range s.Terminators {
		n += t.AccessObjects + t.ErrorObjects
	}
	return n
}

var terminatorKeyPattern = regexp.MustCompile(
	`^terminators/(i-[0-9a-f]{17})/nginx/(access|error)/(\d{4}/\d{2}/\d{2})/(i-[0-9a-f]{17})-(access|error)-(\d{8}T\d{4}Z)\.log\.gz$`)

// nginxLogs are the records of one terminator's logs, read back with the
// ingest/nginx readers.
type nginxLogs struct {
	accessObjects, errorObjects int
	access                      []terminator.Record
	errors                      []terminator.Record
}

// readNginxLogs reads every terminator object of w with the ingest/nginx
// readers, by instance ID. It fails the test on a key outside the layout,
// on a line the readers reject, and on an error-log line that is not about
// a TLS failure.
func readNginxLogs(t *testing.T, w *memWriter, loc *time.Location) map[string]*nginxLogs {
	t.Helper()
	logs := map[string]*nginxLogs{}
	for _, key := range w.order {
		if !strings.HasPrefix(key, TerminatorKeyPrefix) {
			continue
		}
		m := terminatorKeyPattern.FindStringSubmatch(key)
		require.NotNil(t, m, "terminator key outside the layout: %s", key)
		require.Equal(t, m[1], m[4], "instance ID in the folder and the name: %s", key)
		require.Equal(t, m[2], m[5], "log name in the folder and the name: %s", key)
		start, err := time.Parse("20060102T1504Z", m[6])
		require.NoError(t, err)
		assert.Equal(t, m[3], start.Format("2006/01/02"), "date folder: %s", key)
		assert.Zero(t, start.Minute()%5, "object start not on a 5-minute boundary: %s", key)

		l := logs[m[1]]
		if l == nil {
			l = &nginxLogs{}
			logs[m[1]] = l
		}
		zr, err := gzip.NewReader(bytes.NewReader(w.objects[key]))
		require.NoError(t, err, key)
		if m[2] == "access" {
			l.accessObjects++
			reader := nginx.NewAccessReader(zr)
			for {
				var rec terminator.Record
				err := reader.Read(&rec)
				if err == io.EOF {
					break
				}
				require.NoError(t, err, "%s line %d: %s", key, reader.Line(), reader.Raw())
				assert.False(t, rec.Time.Before(start) || !rec.Time.Before(start.Add(5*time.Minute)),
					"access line at %v in the object starting %v", rec.Time, start)
				l.access = append(l.access, rec)
			}
			continue
		}
		l.errorObjects++
		reader := nginx.NewErrorReader(zr)
		reader.Location = loc
		for {
			var rec terminator.Record
			err := reader.Read(&rec)
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "%s line %d: %s", key, reader.Line(), reader.Raw())
			l.errors = append(l.errors, rec)
		}
	}
	return logs
}

// fromSubnets reports whether ip is in one of the CIDRs.
func fromSubnets(t *testing.T, ip string, subnets []string) bool {
	a, err := netip.ParseAddr(ip)
	require.NoError(t, err)
	for _, s := range subnets {
		if netip.MustParsePrefix(s).Contains(a) {
			return true
		}
	}
	return false
}

// nginxTruth is what the records of one terminator show, counted as
// TerminatorSummary counts.
type nginxTruth struct {
	byOutcome    map[string]int
	healthChecks int
	unpaired     []terminator.Record // rejected connections without an error-log record
}

// countNginxLogs counts connections by outcome from the records: one per
// $connection in the access log, plus each error-log record that
// nginx.SameEvent pairs with no access-log record.
func countNginxLogs(t *testing.T, l *nginxLogs, subnets []string) nginxTruth {
	truth := nginxTruth{byOutcome: map[string]int{}}
	byConnection := map[string][]terminator.Record{}
	for _, rec := range l.access {
		require.True(t, rec.ConnectionID.Valid)
		byConnection[rec.ConnectionID.String] = append(byConnection[rec.ConnectionID.String], rec)
	}
	for id, recs := range byConnection {
		// Lines are in the order nginx wrote them, which on an HTTP/2
		// connection is not the order of the requests.
		slices.SortFunc(recs, func(a, b terminator.Record) int {
			return cmp.Compare(a.ConnectionRequests.Int64, b.ConnectionRequests.Int64)
		})
		for i, rec := range recs {
			assert.Equal(t, int64(i+1), rec.ConnectionRequests.Int64, "connection_requests on connection %s", id)
			assert.Equal(t, recs[0].Outcome, rec.Outcome, "outcome changes on connection %s", id)
			assert.Equal(t, recs[0].ClientPort, rec.ClientPort, "client port changes on connection %s", id)
			if rec.UpstreamHeaderTime.Valid {
				assert.Greater(t, rec.RequestTime.Float64, rec.UpstreamHeaderTime.Float64, "request_time on connection %s", id)
			}
		}
		truth.byOutcome[recs[0].Outcome]++
	}

	paired := map[string]bool{}
	for _, rec := range l.errors {
		if fromSubnets(t, rec.ClientIP, subnets) {
			truth.healthChecks++
			assert.Equal(t, "client closed connection", rec.VerifyRaw.String)
			assert.Equal(t, terminator.KindHandshake, rec.Kind)
			_, taken := byConnection[rec.ConnectionID.String]
			assert.False(t, taken, "health check %s shares $connection with a client", rec.ConnectionID.String)
			continue
		}
		recs := byConnection[rec.ConnectionID.String]
		if len(recs) == 1 && nginx.SameEvent(recs[0], rec) {
			assert.Equal(t, recs[0].Outcome, rec.Outcome, "outcome of connection %s in the two logs", rec.ConnectionID.String)
			paired[rec.ConnectionID.String] = true
			continue
		}
		assert.Empty(t, recs, "error record of connection %s matches no access record", rec.ConnectionID.String)
		truth.byOutcome[rec.Outcome]++
	}
	for id, recs := range byConnection {
		if recs[0].Outcome != "ok" && !paired[id] {
			truth.unpaired = append(truth.unpaired, recs[0])
		}
	}
	return truth
}

func TestNginxLogsMatchSummary(t *testing.T) {
	cfg := testConfig()
	r := cachedRun(t, "default", cfg)
	logs := readNginxLogs(t, r.writer, nil)
	require.Len(t, r.summary.Terminators, len(cfg.Terminators))

	total := map[string]int{}
	for i, ts := range r.summary.Terminators {
		require.Equal(t, cfg.Terminators[i].InstanceID, ts.InstanceID)
		l := logs[ts.InstanceID]
		require.NotNil(t, l, "no objects for %s", ts.InstanceID)

		assert.Equal(t, ts.AccessObjects, l.accessObjects, "access objects of %s", ts.InstanceID)
		assert.Equal(t, ts.ErrorObjects, l.errorObjects, "error objects of %s", ts.InstanceID)
		assert.Equal(t, ts.AccessLines, len(l.access), "access lines of %s", ts.InstanceID)
		assert.Equal(t, ts.ErrorLines, len(l.errors), "error lines of %s", ts.InstanceID)

		truth := countNginxLogs(t, l, cfg.NLBSubnets)
		assert.Equal(t, ts.ConnectionsByOutcome, truth.byOutcome, "connections by outcome on %s", ts.InstanceID)
		assert.Equal(t, ts.HealthChecks, truth.healthChecks, "health checks on %s", ts.InstanceID)
		assert.Empty(t, truth.unpaired, "rejected connections without an error-log line on %s", ts.InstanceID)
		for word, n := range truth.byOutcome {
			total[word] += n
		}
	}

	// One hour of the default population must show the common outcomes.
	// Broken-off handshakes ("handshake_error") are too rare to count on.
	for _, word := range []string{"ok", "expired", "no_cert"} {
		assert.Positive(t, total[word], word)
	}
	assert.Zero(t, total["untrusted"], "the terminators hold the intermediate CAs")
}

// TestNginxUnloggedConnectionAtRunEnd checks that Summary.NLB counts an
// NLB connection that nginx had not logged when the run ended, and that the
// logs contain the others. In this run one connection, from 192.0.2.30 with
// its handshake ending at 10:59:59.964053, would get the response to its
// first request after 11:00:00, so nginx writes no line for it.
func TestNginxUnloggedConnectionAtRunEnd(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cfg, _, err := ScenarioConfig("missing-intermediate", start, time.Hour, 1)
	require.NoError(t, err)
	cfg.ALBWeight = 0
	w := newMemWriter()
	s, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)

	logged := 0
	for instance, l := range readNginxLogs(t, w, nil) {
		truth := countNginxLogs(t, l, cfg.NLBSubnets)
		for _, n := range truth.byOutcome {
			logged += n
		}
		assert.Empty(t, truth.unpaired, "rejected connections without an error-log line on %s", instance)
	}
	assert.Equal(t, 23543, s.NLB.Connections, "NLB connections")
	assert.Equal(t, 1, s.NLB.UnloggedConnections, "NLB connections without a line")
	assert.Equal(t, s.NLB.Connections-s.NLB.UnloggedConnections, logged, "NLB connections in the nginx logs")
	assert.Zero(t, s.ALB.UnloggedConnections, "ALB connections without a line")
}

func TestNginxHealthChecksFromSubnets(t *testing.T) {
	cfg := testConfig()
	r := cachedRun(t, "default", cfg)
	logs := readNginxLogs(t, r.writer, nil)

	for _, ts := range r.summary.Terminators {
		l := logs[ts.InstanceID]
		sources := map[string]bool{}
		for _, rec := range l.errors {
			if fromSubnets(t, rec.ClientIP, cfg.NLBSubnets) {
				sources[rec.ClientIP] = true
			}
		}
		for _, rec := range l.access {
			assert.False(t, fromSubnets(t, rec.ClientIP, cfg.NLBSubnets), "access line from an NLB subnet: %s", rec.ClientIP)
		}
		assert.Len(t, sources, len(cfg.NLBSubnets), "health-check sources of %s", ts.InstanceID)

		// One check per subnet every 10 s, except a last one that would
		// close after the end of the run.
		perHour := len(cfg.NLBSubnets) * int(time.Hour/healthCheckInterval)
		assert.InDelta(t, perHour, ts.HealthChecks, float64(len(cfg.NLBSubnets)), "health checks on %s", ts.InstanceID)
	}
}

// albIdentities returns the canonical "subject|serial" of every
// well-formed ALB connection line, with its tls_verify_status.
func albIdentities(t *testing.T, r *run) map[string]string {
	ids := map[string]string{}
	eachConnection(t, r, func(rec *albconn.Record) {
		if !rec.LeafClientCertSubject.Valid || rec.LeafClientCertSubject.String == "-" {
			return
		}
		subject, err := identity.CanonicalDN(rec.LeafClientCertSubject.String)
		require.NoError(t, err)
		serial, err := identity.CanonicalSerial(rec.LeafClientCertSerialNumber.String)
		require.NoError(t, err)
		ids[subject+"|"+serial] = rec.TLSVerifyStatus.String
	})
	return ids
}

// eachConnection calls fn with every well-formed ALB connection-log record
// of the run, skipping the lines damaged on purpose.
func eachConnection(t *testing.T, r *run, fn func(rec *albconn.Record)) {
	t.Helper()
	for _, o := range r.objects {
		if o.kind != kindConnection {
			continue
		}
		reader := albconn.NewReader(strings.NewReader(strings.Join(o.lines, "\n") + "\n"))
		for {
			var rec albconn.Record
			err := reader.Read(&rec)
			if err == io.EOF {
				break
			}
			var perr *elblog.ParseError
			if errors.As(err, &perr) {
				continue
			}
			require.NoError(t, err)
			fn(&rec)
		}
	}
}

func TestNginxIdentitiesOnBothPaths(t *testing.T) {
	cfg := testConfig()
	r := cachedRun(t, "default", cfg)
	alb := albIdentities(t, r)

	nlb := map[string]string{} // by identity, the nginx outcome
	nlbIssuers := map[string]string{}
	for _, l := range readNginxLogs(t, r.writer, nil) {
		for _, rec := range l.access {
			if !rec.SubjectRaw.Valid {
				continue
			}
			require.True(t, rec.Subject.Valid, "subject the reader cannot read: %s", rec.SubjectRaw.String)
			require.True(t, rec.Serial.Valid, "serial the reader cannot read: %s", rec.SerialRaw.String)
			require.True(t, rec.CertNotAfter.Valid, "end date the reader cannot read")
			key := rec.Subject.String + "|" + rec.Serial.String
			nlb[key] = rec.Outcome
			nlbIssuers[key] = rec.IssuerRaw.String
		}
	}
	// A connection whose request would come after the end of the run
	// leaves no line, so the logs may show fewer identities.
	assert.LessOrEqual(t, len(nlb), r.summary.NLB.Identities, "identities in the nginx access logs")
	assert.Greater(t, len(nlb), r.summary.NLB.Identities*9/10, "identities in the nginx access logs")

	both, missingIntermediate := 0, 0
	for key, outcome := range nlb {
		status, ok := alb[key]
		if !ok {
			continue
		}
		both++
		if nlbIssuers[key] == issuingCAs[missingIntermediateCA].subject {
			missingIntermediate++
			assert.Equal(t, "ok", outcome, "missing-intermediate client on the NLB: %s", key)
			assert.Equal(t, "Failed:ClientCertUntrusted", status, "missing-intermediate client on the ALB: %s", key)
		}
	}
	assert.Positive(t, both, "identities seen on both paths")
	assert.Positive(t, missingIntermediate, "missing-intermediate identities seen on both paths")
}

func TestNginxErrorLogLocation(t *testing.T) {
	cfg := testConfig()
	cfg.Duration = 15 * time.Minute
	cfg.ErrorLogLocation = time.FixedZone("CET", 3600)
	w := newMemWriter()
	s, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)

	// Read in the zone they were written in, the rejected requests pair up.
	for _, ts := range s.Terminators {
		l := readNginxLogs(t, w, cfg.ErrorLogLocation)[ts.InstanceID]
		truth := countNginxLogs(t, l, cfg.NLBSubnets)
		assert.Equal(t, ts.ConnectionsByOutcome, truth.byOutcome, "connections by outcome on %s", ts.InstanceID)
	}

	// The first health check of each terminator is in the first seconds,
	// written as 13:00 in CET for a run that starts at 12:00 UTC.
	text := gunzipString(t, w.objects[terminatorKey(cfg.Terminators[0].InstanceID, kindError, cfg.Start)])
	assert.True(t, strings.HasPrefix(text, "2026/03/09 13:00:"), "first error line: %.60s", text)
}

func gunzipString(t *testing.T, body []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	require.NoError(t, err)
	text, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(text)
}
