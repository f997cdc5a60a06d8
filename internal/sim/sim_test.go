package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// memWriter keeps every object in memory. It copies each body, because Run
// reuses the memory after WriteObject returns.
type memWriter struct {
	objects map[string][]byte
	order   []string
}

func newMemWriter() *memWriter { return &memWriter{objects: make(map[string][]byte)} }

func (m *memWriter) WriteObject(_ context.Context, key string, body []byte) error {
	if _, ok := m.objects[key]; ok {
		return errors.New("object written twice: " + key)
	}
	m.objects[key] = bytes.Clone(body)
	m.order = append(m.order, key)
	return nil
}

var testStart = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)

// testConfig returns a one-hour run of the default population with half the
// answers going to the ALB and enough damaged lines to see every kind.
func testConfig() Config {
	cfg := DefaultConfig(testStart)
	cfg.Duration = time.Hour
	cfg.ALBWeight = 50
	cfg.MalformedRate = 0.003
	return cfg
}

// run is the output of one Run.
type run struct {
	summary Summary
	writer  *memWriter
	objects []logObject
}

// runs caches runs by name, so tests that check different properties of the
// same run generate it once.
var (
	runsMu sync.Mutex
	runs   = map[string]*run{}
)

func cachedRun(t *testing.T, name string, cfg Config) *run {
	t.Helper()
	runsMu.Lock()
	defer runsMu.Unlock()
	if r, ok := runs[name]; ok {
		return r
	}
	w := newMemWriter()
	s, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)
	r := &run{summary: s, writer: w, objects: readObjects(t, &cfg, w)}
	runs[name] = r
	return r
}

// The file routing regexes that ingest uses, anchored on the base name.
var (
	accessNamePattern     = regexp.MustCompile(`^\d{12}_elasticloadbalancing_[a-z0-9-]+_app\.[^_]+_\d{8}T\d{4}Z_[0-9a-f.:]+_[a-z0-9]+\.log(\.gz)?$`)
	connectionNamePattern = regexp.MustCompile(`^conn_log[._]\d{12}_elasticloadbalancing_[a-z0-9-]+_app\.[^_]+_\d{8}T\d{4}Z_[0-9a-f.:]+_[a-z0-9]+\.log(\.gz)?$`)
	nlbNamePattern        = regexp.MustCompile(`^\d{12}_elasticloadbalancing_[a-z0-9-]+_net\.[^_]+_\d{8}T\d{4}Z_[a-z0-9]+\.log(\.gz)?$`)
	namePartsPattern      = regexp.MustCompile(`_app\.([^_]+)_(\d{8}T\d{4}Z)_([0-9a-f.:]+)_([a-z0-9]+)\.log\.gz$`)
)

// logObject is one log object read back: its key parts and its lines.
type logObject struct {
	key    string
	kind   logKind
	folder time.Time // the yyyy/mm/dd folder
	end    time.Time // the interval end in the name
	node   string
	lines  []string
}

// readObjects gunzips every ALB log object of w and splits it into lines.
// It skips the terminator objects and the control object, and fails the
// test on any other key that is not an ALB log object.
func readObjects(t *testing.T, cfg *Config, w *memWriter) []logObject {
	t.Helper()
	folderPattern := regexp.MustCompile(`^` + regexp.QuoteMeta(awsLogsPrefix(cfg)) +
		`elasticloadbalancing/` + regexp.QuoteMeta(cfg.Region) + `/(\d{4}/\d{2}/\d{2})/([^/]+)$`)
	var objects []logObject
	for _, key := range w.order {
		if key == awsLogsPrefix(cfg)+"ELBAccessLogTestFile" || strings.HasPrefix(key, TerminatorKeyPrefix) {
			continue
		}
		m := folderPattern.FindStringSubmatch(key)
		require.NotNil(t, m, "key outside the log folders: %s", key)
		folder, err := time.Parse("2006/01/02", m[1])
		require.NoError(t, err)
		base := m[2]

		o := logObject{key: key, folder: folder}
		switch {
		case accessNamePattern.MatchString(base):
			o.kind = kindAccess
		case connectionNamePattern.MatchString(base):
			o.kind = kindConnection
		default:
			t.Fatalf("object name matches neither routing pattern: %s", base)
		}
		parts := namePartsPattern.FindStringSubmatch(base)
		require.NotNil(t, parts, key)
		o.end, err = time.Parse("20060102T1504Z", parts[2])
		require.NoError(t, err)
		o.node = parts[3]

		zr, err := gzip.NewReader(bytes.NewReader(w.objects[key]))
		require.NoError(t, err, key)
		text, err := io.ReadAll(zr)
		require.NoError(t, err, key)
		require.True(t, bytes.HasSuffix(text, []byte("\n")), "object does not end with a newline: %s", key)
		o.lines = strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
		objects = append(objects, o)
	}
	return objects
}

// lineClass is what an independent reading of a line finds.
type lineClass int

const (
	lineWellFormed lineClass = iota
	lineTruncated
	lineUnterminatedQuote
	lineBadTimestamp
	lineUnexpected
)

// classify reads a line with elblog alone: a line must have exactly want
// fields and a valid time in field timeField, or be damaged in one of the
// three ways the simulator damages lines.
func classify(line string, want, timeField int) (lineClass, []elblog.Field) {
	fields, _, err := elblog.Split(line, nil)
	switch {
	case errors.Is(err, elblog.ErrQuote):
		return lineUnterminatedQuote, nil
	case err != nil:
		return lineUnexpected, nil
	case len(fields) < want:
		return lineTruncated, nil
	case len(fields) > want:
		return lineUnexpected, nil
	}
	if _, err := elblog.ParseTime(fields[timeField-1].Value); err != nil {
		return lineBadTimestamp, nil
	}
	return lineWellFormed, fields
}

// Field numbers (1-indexed) that the tests read.
const (
	accessFieldCount       = 33
	accessTime             = 2
	accessELBStatus        = 9
	accessConnTraceID      = 30
	connectionFieldCount   = 15
	connectionTime         = 1
	connectionLatency      = 7
	connectionSubject      = 8
	connectionValidity     = 9
	connectionSerial       = 10
	connectionVerifyStatus = 11
	connectionConnTraceID  = 12
)

// tally is what the objects of a run hold, counted independently of the
// simulator's own counts.
type tally struct {
	accessObjects, connectionObjects int
	accessLines, connectionLines     int
	malformedAccess                  Malformed
	malformedConnection              Malformed
	unexpected                       []string
	byStatus                         map[string]int
	byClass                          map[string]int
	identities                       map[string]bool
	successIDs, failedIDs            map[string]bool
	accessIDs                        []string
}

func count(m *Malformed, c lineClass) {
	switch c {
	case lineTruncated:
		m.Truncated++
	case lineUnterminatedQuote:
		m.UnterminatedQuote++
	case lineBadTimestamp:
		m.BadTimestamp++
	}
}

func tallyObjects(objects []logObject) *tally {
	t := &tally{
		byStatus:   map[string]int{},
		byClass:    map[string]int{},
		identities: map[string]bool{},
		successIDs: map[string]bool{},
		failedIDs:  map[string]bool{},
	}
	for _, o := range objects {
		if o.kind == kindAccess {
			t.accessObjects++
		} else {
			t.connectionObjects++
		}
		for _, line := range o.lines {
			if o.kind == kindAccess {
				t.addAccess(line)
			} else {
				t.addConnection(line)
			}
		}
	}
	return t
}

func (t *tally) addAccess(line string) {
	class, fields := classify(line, accessFieldCount, accessTime)
	switch class {
	case lineWellFormed:
		t.accessLines++
		t.byClass[fields[accessELBStatus-1].Value[:1]+"xx"]++
		t.accessIDs = append(t.accessIDs, fields[accessConnTraceID-1].Value)
	case lineUnexpected:
		t.unexpected = append(t.unexpected, line)
	default:
		count(&t.malformedAccess, class)
	}
}

func (t *tally) addConnection(line string) {
	class, fields := classify(line, connectionFieldCount, connectionTime)
	switch class {
	case lineWellFormed:
		t.connectionLines++
		status := fields[connectionVerifyStatus-1].Value
		t.byStatus[status]++
		id := fields[connectionConnTraceID-1].Value
		if status == "Success" {
			t.successIDs[id] = true
		} else {
			t.failedIDs[id] = true
		}
		if subject := fields[connectionSubject-1].Value; subject != "-" {
			t.identities[subject+"|"+fields[connectionSerial-1].Value] = true
		}
	case lineUnexpected:
		t.unexpected = append(t.unexpected, line)
	default:
		count(&t.malformedConnection, class)
	}
}

func TestRunDeterministic(t *testing.T) {
	cfg := testConfig()
	cfg.Duration = 20 * time.Minute
	first, second := newMemWriter(), newMemWriter()
	_, err := Run(context.Background(), cfg, first)
	require.NoError(t, err)
	_, err = Run(context.Background(), cfg, second)
	require.NoError(t, err)

	assert.Equal(t, first.order, second.order, "objects written in another order")
	assert.True(t, slices.ContainsFunc(first.order, func(key string) bool { return strings.HasPrefix(key, TerminatorKeyPrefix) }),
		"no terminator objects to compare")
	for _, key := range first.order {
		assert.True(t, bytes.Equal(first.objects[key], second.objects[key]), "object differs: %s", key)
	}

	cfg.Seed++
	other := newMemWriter()
	_, err = Run(context.Background(), cfg, other)
	require.NoError(t, err)
	assert.NotEqual(t, first.order, other.order, "another seed wrote the same objects")
}

func TestRunObjectNames(t *testing.T) {
	cfg := testConfig()
	cfg.Prefix = "logs/alb"
	cfg.Duration = 30 * time.Minute
	r := cachedRun(t, "prefixed", cfg)

	control := "logs/alb/AWSLogs/123456789012/ELBAccessLogTestFile"
	require.Contains(t, r.writer.objects, control)
	assert.Equal(t, "Enable AccessLog for ELB: app/partner-api/3f2b8c1d9e4a7b60 at 2026-03-09T12:00:00.000Z",
		string(r.writer.objects[control]))

	nodeIPs := map[string]bool{}
	for _, n := range cfg.Nodes {
		nodeIPs[n.IP] = true
	}
	require.NotEmpty(t, r.objects)
	for _, o := range r.objects {
		base := o.key[strings.LastIndexByte(o.key, '/')+1:]
		assert.False(t, nlbNamePattern.MatchString(base), "ALB object matches the NLB pattern: %s", base)
		assert.Contains(t, base, "_app.partner-api.3f2b8c1d9e4a7b60_")
		assert.True(t, nodeIPs[o.node], "unknown node in %s", base)
		assert.Zero(t, o.end.Minute()%5, "interval end not on a 5-minute boundary: %s", base)
		assert.True(t, o.end.After(cfg.Start) && !o.end.After(cfg.End().Add(5*time.Minute)), "interval end outside the run: %s", base)
		assert.False(t, o.folder.Before(o.end.Truncate(24*time.Hour)), "folder date before the interval end: %s", o.key)
	}
	// readObjects has already failed the test for any key that matches
	// neither routing pattern. Both kinds must be present.
	kinds := map[logKind]int{}
	for _, o := range r.objects {
		kinds[o.kind]++
	}
	assert.Positive(t, kinds[kindAccess])
	assert.Positive(t, kinds[kindConnection])
}

func TestRunLineFieldCounts(t *testing.T) {
	r := cachedRun(t, "default", testConfig())
	tl := tallyObjects(r.objects)

	assert.Empty(t, tl.unexpected, "lines that are neither well-formed (33 or 15 fields) nor damaged as the simulator damages them")
	assert.Positive(t, tl.accessLines)
	assert.Positive(t, tl.connectionLines)
}

func TestRunSummaryMatchesObjects(t *testing.T) {
	r := cachedRun(t, "default", testConfig())
	s, tl := r.summary, tallyObjects(r.objects)

	assert.Equal(t, tl.accessObjects, s.AccessObjects, "access objects")
	assert.Equal(t, tl.connectionObjects, s.ConnectionObjects, "connection objects")
	assert.Equal(t, 1, s.ControlObjects, "control objects")
	assert.Equal(t, len(r.writer.objects), s.AccessObjects+s.ConnectionObjects+s.ControlObjects+terminatorObjects(s), "objects written")

	assert.Equal(t, tl.accessLines, s.AccessLines, "well-formed access lines")
	assert.Equal(t, tl.connectionLines, s.ConnectionLines, "well-formed connection lines")
	assert.Equal(t, tl.malformedAccess, s.MalformedAccess, "damaged access lines")
	assert.Equal(t, tl.malformedConnection, s.MalformedConnection, "damaged connection lines")
	assert.Equal(t, tl.byStatus, s.ConnectionsByStatus, "connections by tls_verify_status")
	assert.Equal(t, tl.byClass, s.RequestsByStatusClass, "requests by status class")
	assert.Equal(t, len(tl.identities), s.ALB.Identities, "distinct identities on the ALB path")

	assert.Equal(t, s.ConnectionLines+s.MalformedConnection.Total(), s.ALB.Connections, "ALB connections")
	assert.Equal(t, s.AccessLines+s.MalformedAccess.Total(), s.ALB.Requests, "ALB requests")
	failed := 0
	for status, n := range s.ConnectionsByStatus {
		if status != "Success" {
			failed += n
		}
	}
	assert.LessOrEqual(t, failed, s.ALB.FailedConnections, "failed ALB connections")

	// The test configuration must exercise every kind of damage and the
	// verification outcomes of the cohorts.
	for _, m := range []Malformed{s.MalformedAccess, s.MalformedConnection} {
		assert.Positive(t, m.Truncated, "truncated lines")
		assert.Positive(t, m.UnterminatedQuote, "lines with an unterminated quote")
		assert.Positive(t, m.BadTimestamp, "lines with a bad timestamp")
	}
	for _, status := range []string{"Success", "Failed:ClientCertUntrusted", "Failed:ClientCertExpired", "Failed:UnmappedConnectionError"} {
		assert.Positive(t, s.ConnectionsByStatus[status], status)
	}
	for _, class := range []string{"2xx", "4xx", "5xx"} {
		assert.Positive(t, s.RequestsByStatusClass[class], class)
	}
	assert.Positive(t, s.NLB.Connections, "NLB connections")
	assert.Positive(t, s.NLB.Identities, "NLB identities")
	assert.Positive(t, s.ALB.Retries, "ALB retries")
}

func TestRunFailedConnectionsHaveNoAccessLines(t *testing.T) {
	r := cachedRun(t, "default", testConfig())
	tl := tallyObjects(r.objects)
	require.NotEmpty(t, tl.failedIDs)

	withoutConnection := 0
	for _, id := range tl.accessIDs {
		assert.False(t, tl.failedIDs[id], "access line on a failed connection: %s", id)
		if !tl.successIDs[id] {
			withoutConnection++
		}
	}
	assert.Equal(t, r.summary.AccessWithoutConnection, withoutConnection,
		"access lines whose conn_trace_id is in no well-formed Success line")
}

func TestRunConnectionLineValues(t *testing.T) {
	r := cachedRun(t, "default", testConfig())
	tidPattern := regexp.MustCompile(`^TID_[0-9a-f]{32}$`)
	validityPattern := regexp.MustCompile(`^NotBefore=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ;NotAfter=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

	for _, o := range r.objects {
		if o.kind != kindConnection {
			continue
		}
		for _, line := range o.lines {
			class, f := classify(line, connectionFieldCount, connectionTime)
			if class != lineWellFormed {
				continue
			}
			status := f[connectionVerifyStatus-1].Value
			assert.Regexp(t, tidPattern, f[connectionConnTraceID-1].Value)
			assert.True(t, f[connectionSubject-1].Quoted, "subject not quoted: %s", line)
			if status == "Success" {
				assert.NotEqual(t, "-", f[connectionLatency-1].Value, "Success without handshake latency: %s", line)
			} else {
				assert.Equal(t, "-", f[connectionLatency-1].Value, "failed handshake with a latency: %s", line)
			}
			if f[connectionSubject-1].Value == "-" {
				assert.Equal(t, "Failed:UnmappedConnectionError", status, "no certificate: %s", line)
				assert.Equal(t, "-", f[connectionValidity-1].Value)
				assert.Equal(t, "-", f[connectionSerial-1].Value)
			} else {
				assert.Regexp(t, validityPattern, f[connectionValidity-1].Value)
				assert.Regexp(t, `^[0-9A-F]+$`, f[connectionSerial-1].Value)
			}
		}
	}
}

func TestRunLinesInsideObjectInterval(t *testing.T) {
	r := cachedRun(t, "default", testConfig())
	for _, o := range r.objects {
		want, timeField := accessFieldCount, accessTime
		if o.kind == kindConnection {
			want, timeField = connectionFieldCount, connectionTime
		}
		var prev time.Time
		for _, line := range o.lines {
			class, f := classify(line, want, timeField)
			if class != lineWellFormed {
				continue
			}
			at, err := elblog.ParseTime(f[timeField-1].Value)
			require.NoError(t, err)
			assert.True(t, !at.Before(o.end.Add(-5*time.Minute)) && at.Before(o.end), "line at %v in the object ending %v", at, o.end)
			assert.False(t, at.Before(testStart) || !at.Before(testStart.Add(time.Hour)), "line outside the run: %v", at)
			if o.kind == kindConnection {
				// Connection-log lines are written in time order. Access-log
				// lines are written in the order their responses finished.
				assert.False(t, at.Before(prev), "connection line out of order in %s", o.key)
				prev = at
			}
		}
	}
}

func TestRunDeliveryFolderNearMidnight(t *testing.T) {
	cfg := testConfig()
	cfg.Start = time.Date(2026, 3, 9, 23, 0, 0, 0, time.UTC)
	cfg.Nodes = defaultNodes(cfg.Start, cfg.Region, 14)
	r := cachedRun(t, "midnight", cfg)

	nextDay := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	skewed := 0
	for _, o := range r.objects {
		endDay := o.end.Truncate(24 * time.Hour)
		assert.True(t, o.folder.Equal(endDay) || o.folder.Equal(endDay.Add(24*time.Hour)), "folder %v for interval end %v", o.folder, o.end)
		if o.end.Before(nextDay) && o.folder.Equal(nextDay) {
			skewed++
		}
	}
	assert.Positive(t, skewed, "no object of 9 March was delivered into the 10 March folder")
}

func TestRunWeightZeroWritesNoALBLogs(t *testing.T) {
	cfg := testConfig()
	cfg.ALBWeight = 0
	cfg.Duration = 30 * time.Minute
	w := newMemWriter()
	s, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)

	var albKeys []string
	for _, key := range w.order {
		if !strings.HasPrefix(key, TerminatorKeyPrefix) {
			albKeys = append(albKeys, key)
		}
	}
	assert.Equal(t, []string{"AWSLogs/123456789012/ELBAccessLogTestFile"}, albKeys)
	assert.Equal(t, len(w.order)-1, terminatorObjects(s), "terminator objects")
	assert.Zero(t, s.AccessObjects)
	assert.Zero(t, s.ConnectionObjects)
	assert.Zero(t, s.ALB.Connections)
	assert.Positive(t, s.NLB.Connections)
	assert.Positive(t, s.NLB.Requests)
}

func TestRunWeightHundredSendsNothingToNLB(t *testing.T) {
	cfg := testConfig()
	cfg.ALBWeight = 100
	cfg.Duration = 15 * time.Minute
	s, err := Run(context.Background(), cfg, newMemWriter())
	require.NoError(t, err)
	assert.Zero(t, s.NLB.Connections)
	assert.Positive(t, s.ALB.Connections)
}

// dayConfig returns a whole day of the default population, all of it on the
// ALB, at a twentieth of the default rate.
func dayConfig() Config {
	cfg := DefaultConfig(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	cfg.ALBWeight = 100
	cfg.RateScale = 0.05
	cfg.MalformedRate = 0
	return cfg
}

func TestRunDiurnalCurve(t *testing.T) {
	r := cachedRun(t, "day", dayConfig())

	perHour := make([]int, 24)
	for _, o := range r.objects {
		if o.kind != kindAccess {
			continue
		}
		for _, line := range o.lines {
			_, f := classify(line, accessFieldCount, accessTime)
			at, err := elblog.ParseTime(f[accessTime-1].Value)
			require.NoError(t, err)
			perHour[at.Hour()]++
		}
	}
	t.Logf("access lines per hour: %v", perHour)
	// A few heavy clients with long keep-alive connections make single hours
	// noisy, so the test compares three-hour windows: around the 14:00 peak,
	// and around 02:00, where the curve is at 0.15 of the peak.
	peak := perHour[13] + perHour[14] + perHour[15]
	night := perHour[1] + perHour[2] + perHour[3]
	morning := perHour[7] + perHour[8] + perHour[9]
	assert.Greater(t, peak, 3*night, "peak hours against night hours")
	assert.Greater(t, peak, morning, "peak hours against morning hours")
	assert.Greater(t, morning, night, "morning hours against night hours")
}

func TestRunNodeWindows(t *testing.T) {
	cfg := dayConfig()
	r := cachedRun(t, "day", cfg)

	windows := map[string]Node{}
	for _, n := range cfg.Nodes {
		windows[n.IP] = n
	}
	seen := map[string]bool{}
	for _, o := range r.objects {
		n := windows[o.node]
		seen[o.node] = true
		intervalStart := o.end.Add(-5 * time.Minute)
		if !n.From.IsZero() {
			assert.True(t, o.end.After(n.From), "%s delivered for %v, before it joined at %v", o.node, o.end, n.From)
		}
		if !n.Until.IsZero() {
			assert.True(t, intervalStart.Before(n.Until), "%s delivered for %v, after it left at %v", o.node, o.end, n.Until)
		}
	}
	assert.Len(t, seen, len(cfg.Nodes), "every node, permanent or not, delivers objects during the day")
}

func TestRunSplitsBusyIntervals(t *testing.T) {
	cfg := testConfig()
	cfg.Duration = 15 * time.Minute
	cfg.ALBWeight = 100
	cfg.MaxLinesPerObject = 50
	w := newMemWriter()
	s, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)
	objects := readObjects(t, &cfg, w)

	perNodeInterval := map[string]int{}
	for _, o := range objects {
		assert.LessOrEqual(t, len(o.lines), 50, o.key)
		perNodeInterval[o.node+o.end.String()+string(rune('a'+o.kind))]++
	}
	assert.Greater(t, slices.Max(slices.Collect(maps.Values(perNodeInterval))), 1, "no node delivered several objects for one interval")
	assert.Equal(t, len(objects), s.AccessObjects+s.ConnectionObjects)
}

func TestRunRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		field  string
	}{
		{"short account", func(c *Config) { c.AccountID = "1234" }, "AccountID"},
		{"region", func(c *Config) { c.Region = "Europe" }, "Region"},
		{"prefix with AWSLogs", func(c *Config) { c.Prefix = "x/AWSLogs" }, "Prefix"},
		{"prefix with slash", func(c *Config) { c.Prefix = "logs/" }, "Prefix"},
		{"name with dot", func(c *Config) { c.LoadBalancerName = "a.b" }, "LoadBalancerName"},
		{"id", func(c *Config) { c.LoadBalancerID = "XYZ" }, "LoadBalancerID"},
		{"no start", func(c *Config) { c.Start = time.Time{} }, "Start"},
		{"weight", func(c *Config) { c.ALBWeight = 101 }, "ALBWeight"},
		{"clients", func(c *Config) { c.Clients = 0 }, "Clients"},
		{"no nodes", func(c *Config) { c.Nodes = nil }, "Nodes"},
		{"node address", func(c *Config) { c.Nodes[0].IP = "node-1" }, "node IP"},
		{"target", func(c *Config) { c.Targets = []string{"10.0.0.1"} }, "target"},
		{"malformed rate", func(c *Config) { c.MalformedRate = 1 }, "MalformedRate"},
		{"rate scale", func(c *Config) { c.RateScale = 0 }, "RateScale"},
		{"trough", func(c *Config) { c.TroughRatio = 0 }, "TroughRatio"},
		{"ALB target group name", func(c *Config) { c.ALBTargetGroupName = "-tg" }, "ALBTargetGroupName"},
		{"ALB target group id", func(c *Config) { c.ALBTargetGroupID = "1431F8721F6C073F" }, "ALBTargetGroupID"},
		{"NLB name", func(c *Config) { c.NLBName = "" }, "NLBName"},
		{"NLB id", func(c *Config) { c.NLBID = "8d41c07e" }, "NLBID"},
		{"NLB target group name", func(c *Config) { c.NLBTargetGroupName = "nginx_tg" }, "NLBTargetGroupName"},
		{"NLB target group id", func(c *Config) { c.NLBTargetGroupID = "" }, "NLBTargetGroupID"},
		{"no log group prefix", func(c *Config) { c.TerminatorLogGroupPrefix = "" }, "TerminatorLogGroupPrefix"},
		{"log group prefix with slash", func(c *Config) { c.TerminatorLogGroupPrefix = "/sim/" }, "TerminatorLogGroupPrefix"},
		{"log group prefix with space", func(c *Config) { c.TerminatorLogGroupPrefix = "/cutover sim" }, "TerminatorLogGroupPrefix"},
		{"long log group prefix", func(c *Config) { c.TerminatorLogGroupPrefix = "/" + strings.Repeat("a", 499) }, "TerminatorLogGroupPrefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.change(&cfg)
			_, err := Run(context.Background(), cfg, newMemWriter())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestRunFailsWithoutActiveNode(t *testing.T) {
	cfg := testConfig()
	cfg.ALBWeight = 100
	cfg.Nodes = []Node{{IP: "10.0.1.5", Zone: "eu-west-1a", Until: testStart.Add(10 * time.Minute)}}
	_, err := Run(context.Background(), cfg, newMemWriter())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no ALB node is active")
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, testConfig(), newMemWriter())
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDirWriterWritesKeyAsPath(t *testing.T) {
	root := t.TempDir()
	w := DirWriter{Root: root}
	require.NoError(t, w.WriteObject(context.Background(), "AWSLogs/1/a/b.log.gz", []byte("body")))
	got, err := os.ReadFile(filepath.Join(root, "AWSLogs", "1", "a", "b.log.gz"))
	require.NoError(t, err)
	assert.Equal(t, "body", string(got))

	err = w.WriteObject(context.Background(), "../escape", []byte("x"))
	assert.ErrorContains(t, err, "invalid object key")
}

func TestRunIntoDirWriter(t *testing.T) {
	cfg := testConfig()
	cfg.Duration = 10 * time.Minute
	root := t.TempDir()
	s, err := Run(context.Background(), cfg, DirWriter{Root: root})
	require.NoError(t, err)

	files := 0
	err = filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, s.AccessObjects+s.ConnectionObjects+s.ControlObjects+terminatorObjects(s), files)
}
