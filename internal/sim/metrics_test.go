package sim

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// logEvent is one event that a cloudWriter received.
type logEvent struct {
	group, stream string
	at            time.Time
	message       string
}

// cloudWriter keeps objects, metrics and log events in memory, in the
// order Run writes them.
type cloudWriter struct {
	*memWriter
	metrics []Metric
	events  []logEvent
}

func newCloudWriter() *cloudWriter { return &cloudWriter{memWriter: newMemWriter()} }

func (w *cloudWriter) WriteMetric(_ context.Context, m Metric) error {
	w.metrics = append(w.metrics, m)
	return nil
}

func (w *cloudWriter) WriteLogEvent(_ context.Context, group, stream string, at time.Time, message string) error {
	w.events = append(w.events, logEvent{group: group, stream: stream, at: at, message: message})
	return nil
}

// cloudRun is the output of one Run into a cloudWriter.
type cloudRun struct {
	cfg     Config
	summary Summary
	writer  *cloudWriter
	objects []logObject
}

var (
	cloudRunsMu sync.Mutex
	cloudRuns   = map[string]*cloudRun{}
)

// cachedCloudRun runs cfg into a cloudWriter once per name.
func cachedCloudRun(t *testing.T, name string, cfg Config) *cloudRun {
	t.Helper()
	cloudRunsMu.Lock()
	defer cloudRunsMu.Unlock()
	if r, ok := cloudRuns[name]; ok {
		return r
	}
	w := newCloudWriter()
	s, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)
	r := &cloudRun{cfg: cfg, summary: s, writer: w, objects: readObjects(t, &cfg, w.memWriter)}
	cloudRuns[name] = r
	return r
}

// metricsConfig returns an hour of the default population, half of it on
// each path, without damaged lines, starting in the middle of a minute.
func metricsConfig() Config {
	cfg := testConfig()
	cfg.Start = testStart.Add(30 * time.Second)
	cfg.MalformedRate = 0
	return cfg
}

// series maps each minute of one metric to its observations.
type series map[time.Time][]float64

// seriesOf returns the metrics of w with the given namespace, name and
// dimensions by minute, and fails the test on a minute written twice.
func seriesOf(t *testing.T, w *cloudWriter, namespace, name string, dims []MetricDimension) series {
	t.Helper()
	s := series{}
	for _, m := range w.metrics {
		if m.Namespace != namespace || m.Name != name || !slices.Equal(m.Dimensions, dims) {
			continue
		}
		_, seen := s[m.Time]
		require.False(t, seen, "%s %s written twice for %v", namespace, name, m.Time)
		s[m.Time] = m.Values
	}
	return s
}

// counts returns the single value of every minute of a count metric.
func (s series) counts(t *testing.T) map[time.Time]float64 {
	t.Helper()
	out := map[time.Time]float64{}
	for at, values := range s {
		require.Len(t, values, 1, "count datapoint at %v", at)
		out[at] = values[0]
	}
	return out
}

func (s series) sum() float64 {
	total := 0.0
	for _, values := range s {
		for _, v := range values {
			total += v
		}
	}
	return total
}

// albLogMetrics holds the ALB metrics as counted from the written log lines
// alone, by metric name and minute.
type albLogMetrics struct {
	counts        map[string]map[time.Time]float64
	responseTimes series
	connections   map[time.Time]float64 // connection-log lines
	targetGroups  map[string]bool       // target_group_arn values
}

// countALBLogMetrics reads the well-formed access and connection lines of
// objects and counts what the ALB's metrics should show.
func countALBLogMetrics(t *testing.T, objects []logObject) albLogMetrics {
	t.Helper()
	lm := albLogMetrics{
		counts:        map[string]map[time.Time]float64{},
		responseTimes: series{},
		connections:   map[time.Time]float64{},
		targetGroups:  map[string]bool{},
	}
	add := func(name string, at time.Time, v float64) {
		if lm.counts[name] == nil {
			lm.counts[name] = map[time.Time]float64{}
		}
		lm.counts[name][at] += v
	}
	for _, o := range objects {
		for _, line := range o.lines {
			if o.kind == kindConnection {
				class, f := classify(line, connectionFieldCount, connectionTime)
				require.Equal(t, lineWellFormed, class, line)
				at := minuteOfField(t, f[connectionTime-1].Value)
				lm.connections[at]++
				if f[connectionVerifyStatus-1].Value != "Success" {
					add("ClientTLSNegotiationErrorCount", at, 1)
				}
				continue
			}

			class, f := classify(line, accessFieldCount, accessTime)
			require.Equal(t, lineWellFormed, class, line)
			at := minuteOfField(t, f[accessTime-1].Value)
			lm.targetGroups[f[accessTargetGroup-1].Value] = true
			if f[accessTarget-1].Value == "-" {
				continue
			}
			add("RequestCount", at, 1)
			add("ProcessedBytes", at, parseNumber(t, f[accessReceivedBytes-1].Value)+parseNumber(t, f[accessSentBytes-1].Value))
			elbStatus, targetStatus := f[accessELBStatus-1].Value, f[accessTargetStatus-1].Value
			if targetStatus != "-" {
				add("HTTPCode_Target_"+targetStatus[:1]+"XX_Count", at, 1)
				lm.responseTimes[at] = append(lm.responseTimes[at], parseNumber(t, f[accessTargetTime-1].Value))
				continue
			}
			add("HTTPCode_ELB_"+elbStatus[:1]+"XX_Count", at, 1)
			if elbStatus == "502" || elbStatus == "504" {
				add("HTTPCode_ELB_"+elbStatus+"_Count", at, 1)
			}
		}
	}
	return lm
}

// More access-log field numbers (1-indexed).
const (
	accessTarget        = 5
	accessTargetTime    = 7
	accessTargetStatus  = 10
	accessReceivedBytes = 11
	accessSentBytes     = 12
	accessTargetGroup   = 17
)

func minuteOfField(t *testing.T, value string) time.Time {
	t.Helper()
	at, err := elblog.ParseTime(value)
	require.NoError(t, err)
	return at.Truncate(time.Minute)
}

func parseNumber(t *testing.T, value string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(value, 64)
	require.NoError(t, err)
	return v
}

// runMinutes returns the start of every minute that overlaps the run.
func runMinutes(cfg *Config) []time.Time {
	var minutes []time.Time
	for at := cfg.Start.Truncate(time.Minute); at.Before(cfg.End()); at = at.Add(time.Minute) {
		minutes = append(minutes, at)
	}
	return minutes
}

func albDims(cfg *Config) []MetricDimension {
	return []MetricDimension{{"LoadBalancer", cfg.ELB()}}
}

func nlbDims(cfg *Config) []MetricDimension {
	return []MetricDimension{{"LoadBalancer", cfg.NLB()}}
}

func TestMetricsALBCountsMatchLogs(t *testing.T) {
	r := cachedCloudRun(t, "metrics", metricsConfig())
	lm := countALBLogMetrics(t, r.objects)
	require.NotEmpty(t, lm.counts["RequestCount"])

	names := []string{
		"RequestCount", "ProcessedBytes", "ClientTLSNegotiationErrorCount",
		"HTTPCode_Target_2XX_Count", "HTTPCode_Target_3XX_Count", "HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count",
		"HTTPCode_ELB_4XX_Count", "HTTPCode_ELB_5XX_Count", "HTTPCode_ELB_502_Count", "HTTPCode_ELB_504_Count",
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			got := seriesOf(t, r.writer, NamespaceALB, name, albDims(&r.cfg)).counts(t)
			want := lm.counts[name]
			if want == nil {
				want = map[time.Time]float64{}
			}
			assert.Equal(t, want, got, "datapoints by minute")
		})
	}
	// The run must exercise the ALB's own 5XX and client TLS failures.
	for _, name := range []string{"HTTPCode_ELB_502_Count", "HTTPCode_ELB_504_Count", "ClientTLSNegotiationErrorCount"} {
		assert.NotEmpty(t, lm.counts[name], name)
	}
}

func TestMetricsTargetResponseTimeMatchesLogs(t *testing.T) {
	r := cachedCloudRun(t, "metrics", metricsConfig())
	lm := countALBLogMetrics(t, r.objects)
	got := seriesOf(t, r.writer, NamespaceALB, "TargetResponseTime", albDims(&r.cfg))
	require.NotEmpty(t, got)

	for _, s := range []series{got, lm.responseTimes} {
		for _, values := range s {
			slices.Sort(values)
		}
	}
	assert.Equal(t, lm.responseTimes, got, "target_processing_time values by minute")
	for at := range got {
		assert.Equal(t, "Seconds", findMetric(t, r.writer, NamespaceALB, "TargetResponseTime", at).Unit)
	}
}

// findMetric returns the datapoint of a metric with LoadBalancer as its
// only dimension at the given minute.
func findMetric(t *testing.T, w *cloudWriter, namespace, name string, at time.Time) Metric {
	t.Helper()
	for _, m := range w.metrics {
		if m.Namespace == namespace && m.Name == name && m.Time.Equal(at) && len(m.Dimensions) == 1 {
			return m
		}
	}
	t.Fatalf("no %s %s at %v", namespace, name, at)
	return Metric{}
}

func TestMetricsNewConnectionCountCoversClients(t *testing.T) {
	r := cachedCloudRun(t, "metrics", metricsConfig())
	lm := countALBLogMetrics(t, r.objects)
	got := seriesOf(t, r.writer, NamespaceALB, "NewConnectionCount", albDims(&r.cfg)).counts(t)
	require.NotEmpty(t, lm.connections)

	// NewConnectionCount counts client connections and the nodes'
	// connections to targets together.
	clients, total := 0.0, 0.0
	for at, n := range lm.connections {
		assert.GreaterOrEqual(t, got[at], n, "NewConnectionCount at %v against connection-log lines", at)
		clients += n
	}
	for _, n := range got {
		total += n
	}
	assert.Greater(t, total, clients, "no connection to a target")
	assert.Equal(t, float64(r.summary.ALB.Connections), clients, "connection-log lines")
}

func TestMetricsALBWritesNoZeroCounts(t *testing.T) {
	r := cachedCloudRun(t, "metrics", metricsConfig())
	seen := 0
	for _, m := range r.writer.metrics {
		if m.Namespace != NamespaceALB || m.Name == "HealthyHostCount" || m.Name == "UnHealthyHostCount" {
			continue
		}
		seen++
		require.NotEmpty(t, m.Values, "%s at %v", m.Name, m.Time)
		if m.Name == "TargetResponseTime" {
			continue
		}
		assert.Len(t, m.Values, 1, "%s at %v", m.Name, m.Time)
		assert.Positive(t, m.Values[0], "%s at %v", m.Name, m.Time)
	}
	assert.Positive(t, seen)

	// No request in the simulation draws a 4XX from the ALB itself.
	_, found := r.summary.FindMetric(NamespaceALB, "HTTPCode_ELB_4XX_Count", albDims(&r.cfg)...)
	assert.False(t, found, "HTTPCode_ELB_4XX_Count written")
}

func TestMetricsHostCountsEveryMinute(t *testing.T) {
	cfg := metricsConfig()
	r := cachedCloudRun(t, "metrics", cfg)
	minutes := runMinutes(&cfg)
	require.Len(t, minutes, 61, "an hour that starts in the middle of a minute")

	tests := []struct {
		namespace, loadBalancer, targetGroup string
		healthy                              int
	}{
		{NamespaceALB, "app/partner-api/3f2b8c1d9e4a7b60", "targetgroup/partner-api-tg/1431f8721f6c073f", len(cfg.Targets)},
		{NamespaceNLB, "net/partner-api-nlb/8d41c07e2b96f305", "targetgroup/partner-api-nginx/5e0a9f3c71b2d648", len(cfg.Terminators)},
	}
	for _, tt := range tests {
		t.Run(tt.namespace, func(t *testing.T) {
			dims := []MetricDimension{{"LoadBalancer", tt.loadBalancer}, {"TargetGroup", tt.targetGroup}}
			healthy := seriesOf(t, r.writer, tt.namespace, "HealthyHostCount", dims).counts(t)
			unhealthy := seriesOf(t, r.writer, tt.namespace, "UnHealthyHostCount", dims).counts(t)
			assert.Len(t, healthy, len(minutes), "HealthyHostCount datapoints")
			assert.Len(t, unhealthy, len(minutes), "UnHealthyHostCount datapoints")
			for _, at := range minutes {
				assert.Equal(t, float64(tt.healthy), healthy[at], "HealthyHostCount at %v", at)
				assert.Contains(t, unhealthy, at, "UnHealthyHostCount at %v", at)
				assert.Zero(t, unhealthy[at], "UnHealthyHostCount at %v", at)
			}
		})
	}
}

func TestMetricsTargetGroupMatchesAccessLog(t *testing.T) {
	r := cachedCloudRun(t, "metrics", metricsConfig())
	lm := countALBLogMetrics(t, r.objects)
	want := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:" + r.cfg.ALBTargetGroup()
	assert.Equal(t, map[string]bool{want: true}, lm.targetGroups, "target_group_arn values")
}

func TestMetricsNLBFlows(t *testing.T) {
	cfg := metricsConfig()
	r := cachedCloudRun(t, "metrics", cfg)
	dims := nlbDims(&cfg)
	flows := seriesOf(t, r.writer, NamespaceNLB, "NewFlowCount", dims).counts(t)
	tcpFlows := seriesOf(t, r.writer, NamespaceNLB, "NewFlowCount_TCP", dims).counts(t)
	active := seriesOf(t, r.writer, NamespaceNLB, "ActiveFlowCount", dims).counts(t)

	minutes := runMinutes(&cfg)
	assert.Len(t, flows, len(minutes), "NewFlowCount datapoints")
	assert.Len(t, active, len(minutes), "ActiveFlowCount datapoints")
	assert.Equal(t, flows, tcpFlows, "NewFlowCount_TCP against NewFlowCount")

	total, started := 0.0, 0.0
	for _, at := range minutes {
		total += flows[at]
		started += flows[at]
		assert.GreaterOrEqual(t, active[at], 0.0, "ActiveFlowCount at %v", at)
		assert.LessOrEqual(t, active[at], started, "ActiveFlowCount at %v above the flows started so far", at)
		if flows[at] > 0 {
			assert.Positive(t, active[at], "ActiveFlowCount at %v with new flows", at)
		}
	}
	assert.Equal(t, float64(r.summary.NLB.Connections), total, "NewFlowCount against NLB connections")

	// Each connection that left a line in the terminators' logs is a flow;
	// a connection whose first line would fall after the run leaves none.
	logged := 0
	for _, ts := range r.summary.Terminators {
		for _, n := range ts.ConnectionsByOutcome {
			logged += n
		}
	}
	assert.Positive(t, logged)
	assert.LessOrEqual(t, float64(logged), total, "connections in the terminators' logs")
}

func TestMetricsNLBHasNoTLSNegotiationErrors(t *testing.T) {
	r := cachedCloudRun(t, "metrics", metricsConfig())
	nlb := 0
	for _, m := range r.writer.metrics {
		if m.Namespace != NamespaceNLB {
			continue
		}
		nlb++
		assert.NotEqual(t, "ClientTLSNegotiationErrorCount", m.Name, "NLB metric at %v", m.Time)
		assert.NotEqual(t, "TargetTLSNegotiationErrorCount", m.Name, "NLB metric at %v", m.Time)
	}
	assert.Positive(t, nlb)
	_, found := r.summary.FindMetric(NamespaceNLB, "ClientTLSNegotiationErrorCount", nlbDims(&r.cfg)...)
	assert.False(t, found)
	_, found = r.summary.FindMetric(NamespaceALB, "ClientTLSNegotiationErrorCount", albDims(&r.cfg)...)
	assert.True(t, found, "the ALB's ClientTLSNegotiationErrorCount")
}

// resetConfig returns 20 minutes with every client on the NLB at eight
// times the default rate, enough handshakes for clients that reset them.
func resetConfig() Config {
	cfg := metricsConfig()
	cfg.Duration = 20 * time.Minute
	cfg.ALBWeight = 0
	cfg.RateScale = 8
	return cfg
}

func TestMetricsClientResetsMatchErrorLog(t *testing.T) {
	cfg := resetConfig()
	r := cachedCloudRun(t, "resets", cfg)

	// Count the error-log lines of clients that reset the handshake, by
	// minute of the line.
	want := map[time.Time]float64{}
	for _, key := range r.writer.order {
		if !strings.HasPrefix(key, TerminatorKeyPrefix) || !strings.Contains(key, "/nginx/error/") {
			continue
		}
		for _, line := range strings.Split(gunzipString(t, r.writer.objects[key]), "\n") {
			if !strings.Contains(line, "(104: Connection reset by peer) while SSL handshaking") {
				continue
			}
			at, err := time.ParseInLocation("2006/01/02 15:04:05", line[:19], cfg.ErrorLogLocation)
			require.NoError(t, err)
			want[at.UTC().Truncate(time.Minute)]++
		}
	}
	require.NotEmpty(t, want, "no client reset a handshake: raise RateScale")

	dims := nlbDims(&cfg)
	got := seriesOf(t, r.writer, NamespaceNLB, "TCP_Client_Reset_Count", dims).counts(t)
	assert.Len(t, got, len(runMinutes(&cfg)), "TCP_Client_Reset_Count datapoints")
	for at, n := range got {
		assert.Equal(t, want[at], n, "TCP_Client_Reset_Count at %v", at)
	}
	for _, name := range []string{"TCP_Target_Reset_Count", "TCP_ELB_Reset_Count"} {
		s := seriesOf(t, r.writer, NamespaceNLB, name, dims)
		assert.Len(t, s, len(runMinutes(&cfg)), "%s datapoints", name)
		assert.Zero(t, s.sum(), name)
	}
}

func TestMetricsSummaryTotalsMatchWritten(t *testing.T) {
	for _, name := range []string{"metrics", "resets"} {
		t.Run(name, func(t *testing.T) {
			cfg := metricsConfig()
			if name == "resets" {
				cfg = resetConfig()
			}
			r := cachedCloudRun(t, name, cfg)

			// Recompute each metric's total from the datapoints written.
			type total struct {
				datapoints, samples   int
				sum, minimum, maximum float64
			}
			want := map[string]*total{}
			for _, m := range r.writer.metrics {
				key := metricKey(m.Namespace, m.Name, m.Dimensions)
				tt := want[key]
				if tt == nil {
					tt = &total{minimum: m.Values[0], maximum: m.Values[0]}
					want[key] = tt
				}
				tt.datapoints++
				for _, v := range m.Values {
					tt.samples++
					tt.sum += v
					tt.minimum = min(tt.minimum, v)
					tt.maximum = max(tt.maximum, v)
				}
			}

			require.Len(t, r.summary.Metrics, len(want), "metrics in the Summary")
			for _, got := range r.summary.Metrics {
				key := metricKey(got.Namespace, got.Name, got.Dimensions)
				w := want[key]
				require.NotNil(t, w, "Summary has a metric never written: %s", key)
				assert.Equal(t, w.datapoints, got.Datapoints, "datapoints of %s", key)
				assert.Equal(t, w.samples, got.SampleCount, "samples of %s", key)
				assert.InDelta(t, w.sum, got.Sum, 1e-6*max(1, w.sum), "sum of %s", key)
				assert.Equal(t, w.minimum, got.Minimum, "minimum of %s", key)
				assert.Equal(t, w.maximum, got.Maximum, "maximum of %s", key)

				found, ok := r.summary.FindMetric(got.Namespace, got.Name, got.Dimensions...)
				assert.True(t, ok, "FindMetric %s", key)
				assert.Equal(t, got, found, "FindMetric %s", key)
			}
		})
	}
}

func TestMetricsSumsMatchSummaryWithDamagedLines(t *testing.T) {
	r := cachedCloudRun(t, "damaged", testConfig())
	s := r.summary
	require.Positive(t, s.MalformedAccess.Total(), "damaged access lines")

	// Metrics do not see how the logs are damaged.
	requests, ok := s.FindMetric(NamespaceALB, "RequestCount", albDims(&r.cfg)...)
	require.True(t, ok)
	assert.Equal(t, float64(s.AccessLines+s.MalformedAccess.Total()), requests.Sum, "RequestCount against access lines")
	tlsErrors, ok := s.FindMetric(NamespaceALB, "ClientTLSNegotiationErrorCount", albDims(&r.cfg)...)
	require.True(t, ok)
	assert.Equal(t, float64(s.ALB.FailedConnections), tlsErrors.Sum, "ClientTLSNegotiationErrorCount against failed handshakes")
	flows, ok := s.FindMetric(NamespaceNLB, "NewFlowCount", nlbDims(&r.cfg)...)
	require.True(t, ok)
	assert.Equal(t, float64(s.NLB.Connections), flows.Sum, "NewFlowCount against NLB connections")
}

func TestMetricsTimesAreMinutesOfRun(t *testing.T) {
	cfg := metricsConfig()
	r := cachedCloudRun(t, "metrics", cfg)
	first, end := cfg.Start.Truncate(time.Minute), cfg.End()
	var previous time.Time
	for _, m := range r.writer.metrics {
		assert.Equal(t, time.UTC, m.Time.Location(), "%s at %v", m.Name, m.Time)
		assert.True(t, m.Time.Equal(m.Time.Truncate(time.Minute)), "%s at %v", m.Name, m.Time)
		assert.False(t, m.Time.Before(first) || !m.Time.Before(end), "%s at %v outside the run", m.Name, m.Time)
		assert.False(t, m.Time.Before(previous), "%s at %v written after %v", m.Name, m.Time, previous)
		previous = m.Time
	}
}

func TestMetricsDeterministic(t *testing.T) {
	cfg := metricsConfig()
	cfg.Duration = 15 * time.Minute
	first, second := newCloudWriter(), newCloudWriter()
	_, err := Run(context.Background(), cfg, first)
	require.NoError(t, err)
	_, err = Run(context.Background(), cfg, second)
	require.NoError(t, err)
	require.NotEmpty(t, first.metrics)
	assert.Equal(t, first.metrics, second.metrics, "metrics of two runs")

	cfg.Seed++
	other := newCloudWriter()
	_, err = Run(context.Background(), cfg, other)
	require.NoError(t, err)
	assert.NotEqual(t, first.metrics, other.metrics, "another seed wrote the same metrics")
}

func TestMetricsLeaveObjectsUnchanged(t *testing.T) {
	cfg := metricsConfig()
	cfg.Duration = 15 * time.Minute
	plain, cloud := newMemWriter(), newCloudWriter()
	_, err := Run(context.Background(), cfg, plain)
	require.NoError(t, err)
	s, err := Run(context.Background(), cfg, cloud)
	require.NoError(t, err)

	assert.NotEmpty(t, cloud.metrics)
	assert.Equal(t, plain.order, cloud.order, "objects written")
	for _, key := range plain.order {
		assert.True(t, bytes.Equal(plain.objects[key], cloud.objects[key]), "object differs: %s", key)
	}
	assert.False(t, s.TerminatorLogEvents)
}

func TestRunWithoutMetricWriterHasNoMetrics(t *testing.T) {
	cfg := metricsConfig()
	cfg.Duration = 5 * time.Minute
	s, err := Run(context.Background(), cfg, newMemWriter())
	require.NoError(t, err)
	assert.Empty(t, s.Metrics)
}

// failingWriter fails the first metric or log event it receives.
type failingWriter struct {
	*cloudWriter
	failMetric, failEvent bool
}

func (w *failingWriter) WriteMetric(ctx context.Context, m Metric) error {
	if w.failMetric {
		return errors.New("quota exceeded")
	}
	return w.cloudWriter.WriteMetric(ctx, m)
}

func (w *failingWriter) WriteLogEvent(ctx context.Context, group, stream string, at time.Time, message string) error {
	if w.failEvent {
		return errors.New("quota exceeded")
	}
	return w.cloudWriter.WriteLogEvent(ctx, group, stream, at, message)
}

func TestRunStopsAtWriterError(t *testing.T) {
	tests := []struct {
		name      string
		writer    *failingWriter
		wantError string
	}{
		{"metric", &failingWriter{cloudWriter: newCloudWriter(), failMetric: true}, "sim: write metric AWS/ApplicationELB RequestCount at 2026-03-09T12:00:00Z: quota exceeded"},
		{"log event", &failingWriter{cloudWriter: newCloudWriter(), failEvent: true}, "sim: write log event to group /cutover-sim/nginx/access stream i-0a1b2c3d4e5f60718: quota exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := metricsConfig()
			cfg.Duration = 15 * time.Minute
			cfg.TerminatorLogEvents = true
			s, err := Run(context.Background(), cfg, tt.writer)
			require.Error(t, err)
			assert.EqualError(t, err, tt.wantError)
			assert.Empty(t, s.Metrics, "metrics counted although none was accepted")
		})
	}
}
