package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testALB = "app/partner-api/50dc6c495c0c9188"
	testNLB = "net/partner-nlb/6b1b3f0c9d2e4a57"
)

// minuteRows returns one Sum row per minute from start, with the given
// values, for the ALB's RequestCount.
func minuteRows(start time.Time, values ...float64) []MetricRow {
	rows := make([]MetricRow, len(values))
	for i, v := range values {
		rows[i] = MetricRow{
			Namespace: "AWS/ApplicationELB", Metric: "RequestCount", LoadBalancer: testALB,
			Dimensions: "LoadBalancer=" + testALB, Stat: "Sum", Period: 60,
			Time: start.Add(time.Duration(i) * time.Minute), Value: v, Known: true, Datapoint: v != 0, Unit: "Count",
		}
	}
	return rows
}

func TestReplaceMetricsReplacesWindow(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

	first := MetricWindow{LoadBalancers: []string{testALB}, From: start, To: start.Add(4 * time.Minute), Period: 60}
	pulls := []MetricPull{
		{Namespace: "AWS/ApplicationELB", Metric: "RequestCount", LoadBalancer: testALB, Dimensions: "LoadBalancer=" + testALB, Status: MetricPulled},
		{Namespace: "AWS/ApplicationELB", Metric: "TargetTLSNegotiationErrorCount", LoadBalancer: testALB, Dimensions: "LoadBalancer=" + testALB,
			Status: MetricMissing, Reason: "not published for this load balancer"},
	}
	res, err := db.ReplaceMetrics(ctx, first, minuteRows(start, 5, 0, 7, 9), pulls, at)
	require.NoError(t, err)
	assert.Equal(t, ReplacedMetrics{Deleted: 0, Inserted: 4}, res)

	// An unknown latency is NULL, not zero.
	unknown := MetricRow{Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", LoadBalancer: testALB,
		Dimensions: "LoadBalancer=" + testALB, Stat: "p99", Period: 60, Time: start.Add(5 * time.Minute), Unit: "Seconds"}
	other := MetricRow{Namespace: "AWS/NetworkELB", Metric: "NewFlowCount", LoadBalancer: testNLB,
		Dimensions: "LoadBalancer=" + testNLB, Stat: "Sum", Period: 60, Time: start.Add(2 * time.Minute), Value: 3, Known: true, Datapoint: true}
	_, err = db.ReplaceMetrics(ctx, MetricWindow{LoadBalancers: []string{testALB}, From: start.Add(5 * time.Minute), To: start.Add(6 * time.Minute), Period: 60},
		[]MetricRow{unknown}, nil, at)
	require.NoError(t, err)
	_, err = db.ReplaceMetrics(ctx, MetricWindow{LoadBalancers: []string{testNLB}, From: start, To: start.Add(4 * time.Minute), Period: 60},
		[]MetricRow{other}, nil, at)
	require.NoError(t, err)

	// Pulling minutes 1 to 3 again replaces those three and keeps minute 0,
	// the later latency row and the other load balancer's row.
	again := MetricWindow{LoadBalancers: []string{testALB}, From: start.Add(time.Minute), To: start.Add(4 * time.Minute), Period: 60}
	res, err = db.ReplaceMetrics(ctx, again, minuteRows(start.Add(time.Minute), 1, 8, 10), nil, at.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, ReplacedMetrics{Deleted: 3, Inserted: 3}, res)

	got, err := db.Query(ctx, `SELECT metric, load_balancer, stat, epoch(time)::BIGINT, value, datapoint FROM metrics ORDER BY load_balancer, metric, time`)
	require.NoError(t, err)
	s := start.Unix()
	assert.Equal(t, [][]any{
		{"RequestCount", testALB, "Sum", s, 5.0, true},
		{"RequestCount", testALB, "Sum", s + 60, 1.0, true},
		{"RequestCount", testALB, "Sum", s + 120, 8.0, true},
		{"RequestCount", testALB, "Sum", s + 180, 10.0, true},
		{"TargetResponseTime", testALB, "p99", s + 300, nil, false},
		{"NewFlowCount", testNLB, "Sum", s + 120, 3.0, true},
	}, got.Rows)

	// The first pull's findings reach past the second window, so they stay.
	pulled, err := db.Query(ctx, `SELECT metric, status, reason FROM metric_pulls ORDER BY metric`)
	require.NoError(t, err)
	assert.Equal(t, [][]any{
		{"RequestCount", "pulled", nil},
		{"TargetTLSNegotiationErrorCount", "missing", "not published for this load balancer"},
	}, pulled.Rows)
}

func TestReplaceMetricsRejectsOutsideRows(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	w := MetricWindow{LoadBalancers: []string{testALB}, From: start, To: start.Add(2 * time.Minute), Period: 60}

	_, err := db.ReplaceMetrics(ctx, w, minuteRows(start, 1, 2, 3), nil, start)
	require.ErrorContains(t, err, "RequestCount Sum of "+testALB+" at 2026-12-03T10:02:00Z is outside the window")

	_, err = db.ReplaceMetrics(ctx, MetricWindow{LoadBalancers: []string{testALB}, From: start, To: start}, nil, nil, start)
	require.ErrorContains(t, err, "empty window")

	// Nothing was stored by the failed calls.
	got, err := db.Query(ctx, `SELECT count(*) FROM metrics`)
	require.NoError(t, err)
	assert.Equal(t, int64(0), got.Rows[0][0])
}

func TestReplaceMetricsReplacesCoarserRows(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

	// Two 300-second rows, 10:00 and 10:05, from a pull of older data.
	coarse := minuteRows(start, 50, 40)
	coarse[1].Time = start.Add(5 * time.Minute)
	for i := range coarse {
		coarse[i].Period = 300
	}
	_, err := db.ReplaceMetrics(ctx, MetricWindow{LoadBalancers: []string{testALB}, From: start, To: start.Add(10 * time.Minute), Period: 300}, coarse, nil, start)
	require.NoError(t, err)

	// A 60-second pull of 10:02 to 10:04 overlaps the row of 10:00 only.
	res, err := db.ReplaceMetrics(ctx, MetricWindow{LoadBalancers: []string{testALB}, From: start.Add(2 * time.Minute), To: start.Add(4 * time.Minute), Period: 60},
		minuteRows(start.Add(2*time.Minute), 7, 9), nil, start)
	require.NoError(t, err)
	assert.Equal(t, ReplacedMetrics{Deleted: 1, Inserted: 2}, res)

	got, err := db.Query(ctx, `SELECT strftime(time, '%H:%M'), period, value FROM metrics ORDER BY time`)
	require.NoError(t, err)
	assert.Equal(t, [][]any{
		{"10:02", int32(60), 7.0},
		{"10:03", int32(60), 9.0},
		{"10:05", int32(300), 40.0},
	}, got.Rows)
}
