package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
	"github.com/cutover-dev/cutover/internal/simaws"
)

// startSimulatedAWS starts a loopback AWS server whose clock is the tests'
// clock, points the SDK at it, and writes two hours of a simulated migration
// into it: load balancers, ALB logs, metrics and terminator log events.
func startSimulatedAWS(t *testing.T) (*loopback.Server, sim.Config, sim.Summary) {
	t.Helper()
	srv := useLoopbackAWS(t, loopback.Options{Now: func() time.Time { return now }})

	cfg := sim.DefaultConfig(time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC))
	cfg.Duration = 2 * time.Hour
	cfg.Clients = 60
	cfg.ALBWeight = 50
	cfg.TerminatorLogEvents = true
	require.NoError(t, simaws.AddLoadBalancers(srv, &cfg))
	w, err := simaws.NewWriter(srv, "sim-logs", "eu-west-1")
	require.NoError(t, err)
	truth, err := sim.Run(context.Background(), cfg, w)
	require.NoError(t, err)
	require.NotEmpty(t, truth.Metrics)
	return srv, cfg, truth
}

// useLoopbackAWS starts a loopback AWS server for the test and points the
// SDK's standard configuration at it.
func useLoopbackAWS(t *testing.T, opts loopback.Options) *loopback.Server {
	t.Helper()
	srv, err := loopback.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	for _, kv := range srv.Env() {
		name, value, _ := strings.Cut(kv, "=")
		t.Setenv(name, value)
	}
	return srv
}

// canonicalDimensions renders dimensions as table metrics stores them.
func canonicalDimensions(dims []sim.MetricDimension) string {
	pairs := make([]string, len(dims))
	for i, d := range dims {
		pairs[i] = d.Name + "=" + d.Value
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// storedTotals returns, per "namespace metric dimensions stat", the sum,
// minimum and maximum of the stored values and the number of rows.
func storedTotals(t *testing.T, db string) map[string][4]float64 {
	t.Helper()
	rows := queryJSON(t, db, `SELECT namespace || ' ' || metric || ' ' || dimensions || ' ' || stat AS series,
		coalesce(sum(value), 0) AS total, coalesce(min(value), 0) AS low, coalesce(max(value), 0) AS high, count(*) AS periods
		FROM metrics GROUP BY ALL`)
	totals := make(map[string][4]float64, len(rows))
	for _, r := range rows {
		totals[r["series"].(string)] = [4]float64{r["total"].(float64), r["low"].(float64), r["high"].(float64), r["periods"].(float64)}
	}
	return totals
}

func TestCloudWatchPullMatchesSimulator(t *testing.T) {
	srv, cfg, truth := startSimulatedAWS(t)
	db := filepath.Join(t.TempDir(), "x.duckdb")
	args := []string{"cloudwatch", "pull", "--alb", cfg.LoadBalancerName, "--nlb", cfg.NLBName,
		"--from", "2026-12-03T13:00:00Z", "--to", "2026-12-03T15:00:00Z", "--db", db, "--output", "json"}

	// Throttling and a 5xx reply on the way are retried by the SDK.
	require.NoError(t, srv.CloudWatch.Faults.Inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "GetMetricData", Count: 1}))
	require.NoError(t, srv.CloudWatch.Faults.Inject(loopback.Fault{Kind: loopback.FaultInternalError, Action: "ListMetrics", Count: 1}))
	code, _, errOut := cutover(t, args...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 0, srv.CloudWatch.Faults.Remaining())

	totals := storedTotals(t, db)
	compared := 0
	for _, m := range truth.Metrics {
		prefix := fmt.Sprintf("%s %s %s ", m.Namespace, m.Name, canonicalDimensions(m.Dimensions))
		if got, ok := totals[prefix+"Sum"]; ok {
			assert.InDelta(t, m.Sum, got[0], 1e-6*math.Max(1, m.Sum), prefix+"Sum")
			assert.Equal(t, 120.0, got[3], prefix+"periods")
			compared++
		}
		if got, ok := totals[prefix+"Minimum"]; ok {
			assert.Equal(t, m.Minimum, got[1], prefix+"Minimum")
			compared++
		}
		if got, ok := totals[prefix+"Maximum"]; ok {
			assert.Equal(t, m.Maximum, got[2], prefix+"Maximum")
			compared++
		}
	}
	// Each simulated series but the latency has a Sum, or a Minimum and a
	// Maximum, or an Average and a Maximum.
	assert.Equal(t, 26, compared)
	requests, ok := truth.FindMetric(sim.NamespaceALB, "RequestCount", sim.MetricDimension{Name: "LoadBalancer", Value: cfg.ELB()})
	require.True(t, ok)
	assert.Equal(t, requests.Sum, totals[fmt.Sprintf("%s RequestCount LoadBalancer=%s Sum", sim.NamespaceALB, cfg.ELB())][0])
	assert.Greater(t, requests.Sum, 1000.0)

	// A minute without requests is a filled 0, and a minute without a
	// latency datapoint is unknown.
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM metrics WHERE NOT datapoint AND stat = 'Sum' AND value IS DISTINCT FROM 0"))
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM metrics WHERE NOT datapoint AND metric = 'TargetResponseTime' AND value IS NOT NULL"))

	// The NLB passes TCP through: its TLS negotiation errors are missing, with
	// no rows, never zeros.
	missing := queryJSON(t, db, "SELECT metric, status FROM metric_pulls WHERE namespace = 'AWS/NetworkELB' AND metric = 'ClientTLSNegotiationErrorCount'")
	assert.Equal(t, []map[string]any{{"metric": "ClientTLSNegotiationErrorCount", "status": "missing"}}, missing)
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM metrics WHERE namespace = 'AWS/NetworkELB' AND metric = 'ClientTLSNegotiationErrorCount'"))

	// Pulling the same window again replaces it.
	rowsBefore := count(t, db, "SELECT count(*) FROM metrics")
	pullsBefore := count(t, db, "SELECT count(*) FROM metric_pulls")
	code, _, errOut = cutover(t, args...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, rowsBefore, count(t, db, "SELECT count(*) FROM metrics"))
	assert.Equal(t, pullsBefore, count(t, db, "SELECT count(*) FROM metric_pulls"))
	assert.Equal(t, totals, storedTotals(t, db))
}

func TestCloudWatchPullByDimension(t *testing.T) {
	_, cfg, _ := startSimulatedAWS(t)
	db := filepath.Join(t.TempDir(), "x.duckdb")

	// The NLB named as CloudWatch names it, net/NAME/ID.
	code, out, errOut := cutover(t, "cloudwatch", "pull", "--nlb", cfg.NLB(), "--from", "2026-12-03T13:00:00Z", "--to", "2026-12-03T14:00:00Z",
		"--db", db, "--output", "json")
	require.Equal(t, 0, code, errOut)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rows), out)
	statuses := map[string]int{}
	for _, r := range rows {
		assert.Equal(t, cfg.NLB(), r["load_balancer"])
		assert.Equal(t, 60.0, r["period_seconds"])
		statuses[r["status"].(string)]++
		if r["status"] == "missing" {
			assert.NotEmpty(t, r["reason"])
		}
	}
	assert.Greater(t, statuses["pulled"], 10)
	assert.Equal(t, 6, statuses["missing"])
	assert.Equal(t, 60, count(t, db, "SELECT count(DISTINCT time) FROM metrics"))
}

func TestCloudWatchPullErrors(t *testing.T) {
	_, cfg, _ := startSimulatedAWS(t)
	db := filepath.Join(t.TempDir(), "x.duckdb")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no load balancer", []string{"--since", "1h"}, exitUsage, "name at least one load balancer with --alb or --nlb"},
		{"NLB given as ALB", []string{"--alb", cfg.NLBName, "--since", "1h"}, exitUsage, "has type network, expected type application"},
		{"unknown name", []string{"--alb", "no-such-alb", "--since", "1h"}, exitError, "no-such-alb"},
		{"window inside the settle time", []string{"--alb", cfg.LoadBalancerName, "--since", "2m"}, exitUsage, "is empty once the newest 5m0s are left out"},
		{"window older than CloudWatch keeps", []string{"--alb", cfg.LoadBalancerName, "--since", "500d"}, exitUsage, "more than 455 days ago"},
		{"dimension with another ID", []string{"--alb", "app/" + cfg.LoadBalancerName + "/0000000000000000", "--since", "1h"}, exitError,
			"is " + cfg.ELB() + ", not app/" + cfg.LoadBalancerName + "/0000000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cutover(t, append([]string{"cloudwatch", "pull", "--db", db}, tt.args...)...)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, errOut, tt.want)
		})
	}
}
