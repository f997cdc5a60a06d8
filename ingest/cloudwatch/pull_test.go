package cloudwatch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testALBDimension = "app/web/50dc6c495c0c9188"
	testNLBDimension = "net/edge/2b8e6c0a41d3f7e5"
	testTGDimension  = "targetgroup/web-tg/73e2d6bc24d8a067"
	testNLBTG        = "targetgroup/edge-tg/0f1e2d3c4b5a6978"
)

var (
	testALB = LoadBalancer{
		Name:      "web",
		ARN:       "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/" + testALBDimension,
		Type:      TypeApplication,
		Dimension: testALBDimension,
		TargetGroups: []TargetGroup{{
			Name:      "web-tg",
			ARN:       "arn:aws:elasticloadbalancing:eu-west-1:123456789012:" + testTGDimension,
			Dimension: testTGDimension,
		}},
	}
	testNLB = LoadBalancer{
		Name:      "edge",
		ARN:       "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/" + testNLBDimension,
		Type:      TypeNetwork,
		Dimension: testNLBDimension,
		TargetGroups: []TargetGroup{{
			Name:      "edge-tg",
			ARN:       "arn:aws:elasticloadbalancing:eu-west-1:123456789012:" + testNLBTG,
			Dimension: testNLBTG,
		}},
	}
)

// albDims returns the dimensions of an ALB series at LevelLoadBalancer.
func albDims() []types.Dimension {
	return dims(DimensionLoadBalancer, testALBDimension)
}

// albTGDims returns the dimensions of an ALB target group series in the
// order CloudWatch lists them, TargetGroup first.
func albTGDims() []types.Dimension {
	return dims(DimensionTargetGroup, testTGDimension, DimensionLoadBalancer, testALBDimension)
}

// minute returns the start of minute i of a window that starts 10 minutes
// before testNow.
func minute(i int) time.Time {
	return testNow.Add(-10 * time.Minute).Add(time.Duration(i) * time.Minute)
}

// pointsOf returns the rows of one series and statistic in time order.
func pointsOf(points []Datapoint, metric, dimensions, stat string) []Datapoint {
	var out []Datapoint
	for _, p := range points {
		if p.Metric == metric && p.Dimensions == dimensions && p.Stat == stat {
			out = append(out, p)
		}
	}
	return out
}

// seriesOf returns the summary of one series and statistic.
func seriesOf(t *testing.T, series []SeriesSummary, metric, dimensions, stat string) SeriesSummary {
	t.Helper()
	for _, s := range series {
		if s.Metric == metric && s.Dimensions == dimensions && s.Stat == stat {
			return s
		}
	}
	require.Failf(t, "series not found", "%s %s %s", metric, dimensions, stat)
	return SeriesSummary{}
}

func lastMinutes(n int) Request {
	return Request{
		LoadBalancers: []LoadBalancer{testALB},
		From:          testNow.Add(-time.Duration(n) * time.Minute),
		To:            testNow,
		Now:           testNow,
	}
}

func TestPullFillsCountsAndMarksUnknown(t *testing.T) {
	api := &fakeCloudWatch{listPageSize: 2}
	api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(0), 5)
	api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(1), 7)
	api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(3), 2)
	api.put(NamespaceALB, "TargetResponseTime", albDims(), StatAverage, minute(0), 0.25)
	api.put(NamespaceALB, "TargetResponseTime", albDims(), StatAverage, minute(3), 0.5)
	api.put(NamespaceALB, "TargetResponseTime", albDims(), StatP99, minute(0), 0.9)
	for i := range 5 {
		api.put(NamespaceALB, "HealthyHostCount", albTGDims(), StatMinimum, minute(i), 2)
		api.put(NamespaceALB, "HealthyHostCount", albTGDims(), StatMaximum, minute(i), 3)
	}

	result, err := Pull(context.Background(), api, lastMinutes(10))
	require.NoError(t, err)

	assert.Equal(t, minute(0), result.From, "From")
	assert.Equal(t, testNow, result.To, "To")
	assert.Equal(t, int32(60), result.Period, "Period")
	assert.Equal(t, 1, result.Calls, "Calls")
	// RequestCount 1 statistic, TargetResponseTime 4, HealthyHostCount 2.
	require.Len(t, result.Points, (1+4+2)*10)
	require.Len(t, result.Series, 1+4+2)

	lbDims := "LoadBalancer=" + testALBDimension
	requests := pointsOf(result.Points, "RequestCount", lbDims, StatSum)
	require.Len(t, requests, 10)
	wantValues := []float64{5, 7, 0, 2, 0, 0, 0, 0, 0, 0}
	for i, p := range requests {
		assert.Equal(t, minute(i), p.Time, "time of minute %d", i)
		assert.InDelta(t, wantValues[i], p.Value, 0, "RequestCount minute %d", i)
		assert.True(t, p.Known, "RequestCount minute %d known", i)
		wantFromCloudWatch := i == 0 || i == 1 || i == 3
		assert.Equal(t, wantFromCloudWatch, p.FromCloudWatch, "RequestCount minute %d from CloudWatch", i)
		assert.Equal(t, UnitCount, p.Unit)
		assert.Equal(t, int32(60), p.Period)
		assert.Equal(t, testALBDimension, p.LoadBalancer)
		assert.Equal(t, NamespaceALB, p.Namespace)
	}
	assert.Equal(t, SeriesSummary{
		Namespace: NamespaceALB, Metric: "RequestCount", LoadBalancer: testALBDimension,
		Dimensions: lbDims, Stat: StatSum, Datapoints: 3, Filled: 7,
	}, seriesOf(t, result.Series, "RequestCount", lbDims, StatSum))

	latency := pointsOf(result.Points, "TargetResponseTime", lbDims, StatAverage)
	require.Len(t, latency, 10)
	assert.InDelta(t, 0.25, latency[0].Value, 1e-12, "latency minute 0")
	assert.True(t, latency[0].Known, "latency minute 0 known")
	assert.False(t, latency[2].Known, "latency minute 2 known")
	assert.False(t, latency[2].FromCloudWatch, "latency minute 2 from CloudWatch")
	assert.InDelta(t, 0, latency[2].Value, 0, "latency minute 2 value")
	assert.Equal(t, UnitSeconds, latency[2].Unit)
	assert.Equal(t, 2, seriesOf(t, result.Series, "TargetResponseTime", lbDims, StatAverage).Datapoints)
	assert.Equal(t, 8, seriesOf(t, result.Series, "TargetResponseTime", lbDims, StatAverage).Unknown)
	assert.Equal(t, 0, seriesOf(t, result.Series, "TargetResponseTime", lbDims, StatAverage).Filled)
	assert.Equal(t, 10, seriesOf(t, result.Series, "TargetResponseTime", lbDims, StatP50).Unknown,
		"p50 has no datapoints in the window")

	tgDims := "LoadBalancer=" + testALBDimension + ",TargetGroup=" + testTGDimension
	healthy := pointsOf(result.Points, "HealthyHostCount", tgDims, StatMinimum)
	require.Len(t, healthy, 10, "HealthyHostCount found whatever the dimension order")
	assert.InDelta(t, 2, healthy[4].Value, 0, "healthy minute 4")
	assert.True(t, healthy[4].Known, "healthy minute 4 known")
	assert.False(t, healthy[5].Known, "healthy minute 5 known")
	assert.Equal(t, 5, seriesOf(t, result.Series, "HealthyHostCount", tgDims, StatMaximum).Unknown)

	assert.True(t, sort.SliceIsSorted(result.Points, func(i, j int) bool {
		return pointLess(result.Points[i], result.Points[j])
	}), "points sorted")
}

// pointLess orders points as Result.Points is documented to be sorted.
func pointLess(a, b Datapoint) bool {
	ka := []string{a.Namespace, a.LoadBalancer, a.Metric, a.Dimensions, a.Stat}
	kb := []string{b.Namespace, b.LoadBalancer, b.Metric, b.Dimensions, b.Stat}
	for i := range ka {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	return a.Time.Before(b.Time)
}

func TestPullReportsMissingMetrics(t *testing.T) {
	api := &fakeCloudWatch{}
	api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(0), 5)
	api.list(NamespaceALB, "HealthyHostCount", albTGDims())
	// A listed series with other dimensions does not stand in for the
	// catalogue series.
	api.list(NamespaceALB, "HTTPCode_ELB_5XX_Count", dims(DimensionLoadBalancer, testALBDimension, "AvailabilityZone", "eu-west-1a"))

	result, err := Pull(context.Background(), api, lastMinutes(10))
	require.NoError(t, err)

	albMetrics := catalogueFor(NamespaceALB)
	require.Len(t, result.Missing, len(albMetrics)-2, "every ALB metric but RequestCount and HealthyHostCount")
	missing := make(map[string]MissingMetric)
	for _, m := range result.Missing {
		missing[m.Metric] = m
		assert.Equal(t, NamespaceALB, m.Namespace)
		assert.Equal(t, testALBDimension, m.LoadBalancer)
	}
	assert.NotContains(t, missing, "RequestCount")
	assert.NotContains(t, missing, "HealthyHostCount")
	assert.Equal(t, MissingMetric{
		Namespace:    NamespaceALB,
		Metric:       "HTTPCode_ELB_5XX_Count",
		LoadBalancer: testALBDimension,
		Dimensions:   "LoadBalancer=" + testALBDimension,
		Reason:       "not published for this load balancer in this region",
	}, missing["HTTPCode_ELB_5XX_Count"])
	assert.Equal(t, MissingMetric{
		Namespace:    NamespaceALB,
		Metric:       "UnHealthyHostCount",
		LoadBalancer: testALBDimension,
		Dimensions:   "LoadBalancer=" + testALBDimension + ",TargetGroup=" + testTGDimension,
		Reason:       "not published for this target group in this region",
	}, missing["UnHealthyHostCount"])

	// Missing metrics are neither queried nor filled.
	for _, p := range result.Points {
		assert.NotContains(t, missing, p.Metric, "row of missing metric at %s", p.Time)
	}
	require.Len(t, api.getInputs, 1)
	assert.Len(t, api.getInputs[0].MetricDataQueries, 1+2, "RequestCount Sum, HealthyHostCount Minimum and Maximum")
	assert.True(t, sort.SliceIsSorted(result.Missing, func(i, j int) bool {
		return result.Missing[i].Metric < result.Missing[j].Metric
	}), "missing sorted by metric")
}

func TestPullMissingReasons(t *testing.T) {
	t.Run("old window", func(t *testing.T) {
		api := &fakeCloudWatch{}
		api.list(NamespaceALB, "RequestCount", albDims())
		req := lastMinutes(10)
		req.From = testNow.Add(-20 * day)
		req.To = req.From.Add(time.Hour)

		result, err := Pull(context.Background(), api, req)
		require.NoError(t, err)
		assert.Equal(t, int32(300), result.Period)
		require.NotEmpty(t, result.Missing)
		assert.Contains(t, result.Missing[0].Reason, "past two weeks")
	})

	t.Run("no target groups", func(t *testing.T) {
		api := &fakeCloudWatch{}
		api.list(NamespaceNLB, "NewFlowCount", dims(DimensionLoadBalancer, testNLBDimension))
		lb := testNLB
		lb.TargetGroups = nil
		req := lastMinutes(10)
		req.LoadBalancers = []LoadBalancer{lb}

		result, err := Pull(context.Background(), api, req)
		require.NoError(t, err)
		var reasons []string
		for _, m := range result.Missing {
			if m.Metric == "HealthyHostCount" || m.Metric == "UnHealthyHostCount" {
				reasons = append(reasons, m.Reason)
				assert.Equal(t, "LoadBalancer="+testNLBDimension, m.Dimensions)
			}
		}
		assert.Equal(t, []string{"the load balancer has no target groups", "the load balancer has no target groups"}, reasons)
	})
}

func TestPullBatchesWithinLimits(t *testing.T) {
	const periods = 30
	api := &fakeCloudWatch{maxQueries: 3, maxDatapoints: 20}
	type series struct {
		namespace, metric string
		dims              []types.Dimension
		stat              string
	}
	var all []series
	for _, m := range Catalogue() {
		d := dims(DimensionLoadBalancer, testALBDimension)
		switch {
		case m.Namespace == NamespaceNLB && m.Level == LevelLoadBalancer:
			d = dims(DimensionLoadBalancer, testNLBDimension)
		case m.Namespace == NamespaceNLB:
			d = dims(DimensionTargetGroup, testNLBTG, DimensionLoadBalancer, testNLBDimension)
		case m.Level == LevelTargetGroup:
			d = albTGDims()
		}
		for _, stat := range m.Stats {
			all = append(all, series{m.Namespace, m.Name, d, stat})
		}
	}
	// Give every series and statistic a datapoint in every period, with a
	// value unique to the series, statistic and period.
	for si, s := range all {
		for p := range periods {
			start := testNow.Add(-periods * time.Minute).Add(time.Duration(p) * time.Minute)
			api.put(s.namespace, s.metric, s.dims, s.stat, start, float64(si*1000+p))
		}
	}

	req := lastMinutes(periods)
	req.LoadBalancers = []LoadBalancer{testNLB, testALB}
	req.MaxQueriesPerCall = 3
	req.MaxDatapointsPerCall = 20
	result, err := Pull(context.Background(), api, req)
	require.NoError(t, err)

	// Chunks of 20 and 10 periods: 1 query per call in the first, 2 in the
	// second.
	n := len(all)
	assert.Equal(t, n+(n+1)/2, result.Calls, "calls for %d queries", n)
	assert.Len(t, api.getInputs, result.Calls)
	assert.Empty(t, result.Missing)
	require.Len(t, result.Points, n*periods)

	// Each row holds the value put for its series, statistic and period,
	// so the rows of each series add up to the values put.
	index := make(map[string]int)
	for si, s := range all {
		index[fakeKey(s.namespace, s.metric, s.dims, s.stat)] = si
	}
	sums := make(map[string]float64)
	for _, p := range result.Points {
		key := p.Namespace + "|" + p.Metric + "|" + p.Dimensions + "|" + p.Stat
		si, ok := index[key]
		require.True(t, ok, "row of unknown series %s", key)
		period := int(p.Time.Sub(result.From) / time.Minute)
		assert.InDelta(t, float64(si*1000+period), p.Value, 0, "%s at %s", key, p.Time)
		assert.True(t, p.FromCloudWatch, "%s at %s from CloudWatch", key, p.Time)
		sums[key] += p.Value
	}
	for si, s := range all {
		key := fakeKey(s.namespace, s.metric, s.dims, s.stat)
		wantSum := float64(si*1000*periods + periods*(periods-1)/2)
		assert.InDelta(t, wantSum, sums[key], 0, "sum of %s", key)
	}

	// Ids restart at m0 in each call.
	for _, in := range api.getInputs {
		for i, q := range in.MetricDataQueries {
			assert.Equal(t, queryID(i), aws.ToString(q.Id))
			assert.Equal(t, int32(60), aws.ToInt32(q.MetricStat.Period))
		}
		assert.Equal(t, int32(20), aws.ToInt32(in.MaxDatapoints), "MaxDatapoints")
	}
}

func TestPullFollowsPartialData(t *testing.T) {
	api := &fakeCloudWatch{pageLimit: 4}
	var wantRequests, wantBytes float64
	for i := range 10 {
		api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(i), float64(i+1))
		wantRequests += float64(i + 1)
	}
	for _, i := range []int{2, 5, 9} {
		api.put(NamespaceALB, "ProcessedBytes", albDims(), StatSum, minute(i), 1000*float64(i))
		wantBytes += 1000 * float64(i)
	}

	result, err := Pull(context.Background(), api, lastMinutes(10))
	require.NoError(t, err)

	// 13 datapoints at 4 per page.
	assert.Equal(t, 4, result.Calls, "calls")
	lbDims := "LoadBalancer=" + testALBDimension
	requests := pointsOf(result.Points, "RequestCount", lbDims, StatSum)
	require.Len(t, requests, 10)
	var gotRequests float64
	for i, p := range requests {
		assert.InDelta(t, float64(i+1), p.Value, 0, "RequestCount minute %d", i)
		assert.True(t, p.FromCloudWatch, "RequestCount minute %d from CloudWatch", i)
		gotRequests += p.Value
	}
	assert.InDelta(t, wantRequests, gotRequests, 0, "RequestCount sum")

	var gotBytes float64
	bytesPoints := pointsOf(result.Points, "ProcessedBytes", lbDims, StatSum)
	for _, p := range bytesPoints {
		gotBytes += p.Value
	}
	assert.InDelta(t, wantBytes, gotBytes, 0, "ProcessedBytes sum")
	assert.Equal(t, UnitBytes, bytesPoints[0].Unit)
	assert.Equal(t, 3, seriesOf(t, result.Series, "ProcessedBytes", lbDims, StatSum).Datapoints)
	assert.Equal(t, 7, seriesOf(t, result.Series, "ProcessedBytes", lbDims, StatSum).Filled)

	// Every page after the first carries the NextToken of the one before.
	require.Len(t, api.getInputs, 4)
	assert.Nil(t, api.getInputs[0].NextToken)
	for i, in := range api.getInputs[1:] {
		assert.NotEmpty(t, aws.ToString(in.NextToken), "page %d", i+2)
	}
}

func TestPullErrorStatus(t *testing.T) {
	for _, status := range []types.StatusCode{types.StatusCodeInternalError, types.StatusCodeForbidden} {
		t.Run(string(status), func(t *testing.T) {
			api := &fakeCloudWatch{statuses: map[string]types.StatusCode{
				fakeKey(NamespaceALB, "TargetResponseTime", albDims(), StatP90): status,
			}}
			api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(0), 5)
			api.put(NamespaceALB, "TargetResponseTime", albDims(), StatP90, minute(0), 0.3)

			_, err := Pull(context.Background(), api, lastMinutes(10))
			require.Error(t, err)
			for _, want := range []string{string(status), "TargetResponseTime", "p90", testALBDimension, "forced status"} {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestPullRejectsBadResponses(t *testing.T) {
	listed := []types.Metric{{
		Namespace:  aws.String(NamespaceALB),
		MetricName: aws.String("RequestCount"),
		Dimensions: albDims(),
	}}
	complete := func(id string, times []time.Time, values []float64) types.MetricDataResult {
		return types.MetricDataResult{Id: aws.String(id), StatusCode: types.StatusCodeComplete, Timestamps: times, Values: values}
	}
	partial := func(id string, times []time.Time, values []float64) types.MetricDataResult {
		r := complete(id, times, values)
		r.StatusCode = types.StatusCodePartialData
		return r
	}
	page := func(next string, results ...types.MetricDataResult) *cloudwatch.GetMetricDataOutput {
		out := &cloudwatch.GetMetricDataOutput{MetricDataResults: results}
		if next != "" {
			out.NextToken = aws.String(next)
		}
		return out
	}

	tests := []struct {
		name       string
		pages      []*cloudwatch.GetMetricDataOutput
		wantErrSub string
	}{
		{
			name:       "unknown id",
			pages:      []*cloudwatch.GetMetricDataOutput{page("", complete("m7", nil, nil))},
			wantErrSub: `unknown Id "m7"`,
		},
		{
			name:       "lengths differ",
			pages:      []*cloudwatch.GetMetricDataOutput{page("", complete("m0", []time.Time{minute(0)}, nil))},
			wantErrSub: "1 timestamps but 0 values",
		},
		{
			name:       "timestamp inside a period",
			pages:      []*cloudwatch.GetMetricDataOutput{page("", complete("m0", []time.Time{minute(1).Add(time.Second)}, []float64{1}))},
			wantErrSub: "is not the start of a period",
		},
		{
			name:       "timestamp after the window",
			pages:      []*cloudwatch.GetMetricDataOutput{page("", complete("m0", []time.Time{minute(10)}, []float64{1}))},
			wantErrSub: "is not the start of a period",
		},
		{
			name: "timestamp twice",
			pages: []*cloudwatch.GetMetricDataOutput{
				page("t1", partial("m0", []time.Time{minute(1)}, []float64{1})),
				page("", complete("m0", []time.Time{minute(1)}, []float64{1})),
			},
			wantErrSub: "two datapoints at",
		},
		{
			name:       "no result",
			pages:      []*cloudwatch.GetMetricDataOutput{page("")},
			wantErrSub: "no result for query m0",
		},
		{
			name:       "partial data on the last page",
			pages:      []*cloudwatch.GetMetricDataOutput{page("", partial("m0", []time.Time{minute(1)}, []float64{1}))},
			wantErrSub: "left the result at status PartialData",
		},
		{
			name: "same token twice",
			pages: []*cloudwatch.GetMetricDataOutput{
				page("t1", partial("m0", []time.Time{minute(1)}, []float64{1})),
				page("t1", partial("m0", []time.Time{minute(2)}, []float64{1})),
			},
			wantErrSub: "returned the NextToken it was sent",
		},
		{
			name:       "unknown status",
			pages:      []*cloudwatch.GetMetricDataOutput{page("", types.MetricDataResult{Id: aws.String("m0")})},
			wantErrSub: "Sum of AWS/ApplicationELB RequestCount, load balancer " + testALBDimension + ": status ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &scriptedCloudWatch{listed: listed, pages: tt.pages}
			_, err := Pull(context.Background(), api, lastMinutes(10))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErrSub)
		})
	}
}

func TestPullWrapsCallError(t *testing.T) {
	callErr := errors.New("connection reset")
	api := &scriptedCloudWatch{
		listed: []types.Metric{{Namespace: aws.String(NamespaceALB), MetricName: aws.String("RequestCount"), Dimensions: albDims()}},
		err:    callErr,
	}
	_, err := Pull(context.Background(), api, lastMinutes(10))
	require.ErrorIs(t, err, callErr)
	assert.Contains(t, err.Error(), "get metric data for 1 queries of load balancer "+testALBDimension)
}

func TestPullRequestErrors(t *testing.T) {
	gateway := LoadBalancer{Name: "gw", Type: "gateway", Dimension: "gwy/gw/1"}
	unresolved := LoadBalancer{Name: "web", Type: TypeApplication}
	tests := []struct {
		name       string
		change     func(*Request)
		wantErrSub string
	}{
		{name: "no load balancers", change: func(r *Request) { r.LoadBalancers = nil }, wantErrSub: "no load balancers"},
		{name: "listed twice", change: func(r *Request) { r.LoadBalancers = []LoadBalancer{testALB, testALB} }, wantErrSub: "listed twice"},
		{name: "gateway", change: func(r *Request) { r.LoadBalancers = []LoadBalancer{gateway} }, wantErrSub: `type "gateway" is not supported`},
		{name: "no dimension", change: func(r *Request) { r.LoadBalancers = []LoadBalancer{unresolved} }, wantErrSub: "resolve the load balancer first"},
		{name: "too many queries", change: func(r *Request) { r.MaxQueriesPerCall = 501 }, wantErrSub: "MaxQueriesPerCall is 501"},
		{name: "negative queries", change: func(r *Request) { r.MaxQueriesPerCall = -1 }, wantErrSub: "MaxQueriesPerCall is -1"},
		{name: "too many datapoints", change: func(r *Request) { r.MaxDatapointsPerCall = 100801 }, wantErrSub: "MaxDatapointsPerCall is 100801"},
		{name: "empty window", change: func(r *Request) { r.To = r.From }, wantErrSub: "is empty once rounded down"},
		{name: "no clock", change: func(r *Request) { r.Now = time.Time{} }, wantErrSub: "Now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeCloudWatch{}
			req := lastMinutes(10)
			tt.change(&req)
			_, err := Pull(context.Background(), api, req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErrSub)
			assert.Equal(t, 0, api.listCalls, "ListMetrics calls")
			assert.Empty(t, api.getInputs, "GetMetricData calls")
		})
	}
}

func TestPullCanceled(t *testing.T) {
	api := &fakeCloudWatch{}
	api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(0), 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := Pull(ctx, api, lastMinutes(10))
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, api.getInputs, "GetMetricData calls")
}

func TestPullLogsCalls(t *testing.T) {
	api := &fakeCloudWatch{}
	api.put(NamespaceALB, "RequestCount", albDims(), StatSum, minute(0), 5)
	api.put(NamespaceALB, "ProcessedBytes", albDims(), StatSum, minute(0), 5)
	var logs bytes.Buffer
	req := lastMinutes(10)
	req.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	_, err := Pull(context.Background(), api, req)
	require.NoError(t, err)

	var getLines []string
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(line, `msg="get metric data"`) {
			getLines = append(getLines, line)
		}
	}
	require.Len(t, getLines, 1)
	assert.Contains(t, getLines[0], "level=DEBUG")
	assert.Contains(t, getLines[0], "queries=2")
	assert.Contains(t, getLines[0], "datapoints=20")
	assert.Contains(t, logs.String(), `msg="list metrics"`)
}
