package loopback

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	albA = Dimension{Name: "LoadBalancer", Value: "app/alb-a/1111"}
	albB = Dimension{Name: "LoadBalancer", Value: "app/alb-b/2222"}
	tgA  = Dimension{Name: "TargetGroup", Value: "targetgroup/tg-a/3333"}
	nlbN = Dimension{Name: "LoadBalancer", Value: "net/nlb-n/4444"}
)

// metricNames returns "namespace name dim=value,..." for each metric, in
// response order.
func metricNames(metrics []cwtypes.Metric) []string {
	var names []string
	for _, m := range metrics {
		var dims []string
		for _, d := range m.Dimensions {
			dims = append(dims, aws.ToString(d.Name)+"="+aws.ToString(d.Value))
		}
		names = append(names, fmt.Sprintf("%s %s %s", aws.ToString(m.Namespace), aws.ToString(m.MetricName), strings.Join(dims, ",")))
	}
	return names
}

func TestListMetricsFilters(t *testing.T) {
	srv := startServer(t)
	cw := srv.CloudWatch
	cw.Put("AWS/ApplicationELB", "RequestCount", []Dimension{albA}, "Count", testNow.Add(-time.Hour), 3)
	cw.Put("AWS/ApplicationELB", "RequestCount", []Dimension{albB}, "Count", testNow.Add(-5*time.Hour), 4)
	cw.Put("AWS/ApplicationELB", "HealthyHostCount", []Dimension{albA, tgA}, "Count", testNow.Add(-time.Minute), 2)
	cw.Put("AWS/NetworkELB", "NewFlowCount", []Dimension{nlbN}, "Count", testNow.Add(-2*time.Hour), 7)
	// A metric exists from its first Put, even without values.
	cw.Put("AWS/NetworkELB", "ActiveFlowCount", []Dimension{nlbN}, "Count", testNow)
	// The same dimension set in another order is the same metric.
	cw.Put("AWS/ApplicationELB", "HealthyHostCount", []Dimension{tgA, albA}, "Count", testNow.Add(-time.Minute), 2)
	client := newCloudWatchClient(srv)

	tests := []struct {
		name  string
		input cloudwatch.ListMetricsInput
		want  []string
	}{
		{
			name:  "all",
			input: cloudwatch.ListMetricsInput{},
			want: []string{
				"AWS/ApplicationELB RequestCount LoadBalancer=app/alb-a/1111",
				"AWS/ApplicationELB RequestCount LoadBalancer=app/alb-b/2222",
				"AWS/ApplicationELB HealthyHostCount LoadBalancer=app/alb-a/1111,TargetGroup=targetgroup/tg-a/3333",
				"AWS/NetworkELB NewFlowCount LoadBalancer=net/nlb-n/4444",
				"AWS/NetworkELB ActiveFlowCount LoadBalancer=net/nlb-n/4444",
			},
		},
		{
			name:  "namespace",
			input: cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/NetworkELB")},
			want: []string{
				"AWS/NetworkELB NewFlowCount LoadBalancer=net/nlb-n/4444",
				"AWS/NetworkELB ActiveFlowCount LoadBalancer=net/nlb-n/4444",
			},
		},
		{
			name:  "metric name",
			input: cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("RequestCount")},
			want: []string{
				"AWS/ApplicationELB RequestCount LoadBalancer=app/alb-a/1111",
				"AWS/ApplicationELB RequestCount LoadBalancer=app/alb-b/2222",
			},
		},
		{
			name:  "dimension name only",
			input: cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("TargetGroup")}}},
			want:  []string{"AWS/ApplicationELB HealthyHostCount LoadBalancer=app/alb-a/1111,TargetGroup=targetgroup/tg-a/3333"},
		},
		{
			name: "dimension value",
			input: cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{
				{Name: aws.String("LoadBalancer"), Value: aws.String(albA.Value)},
			}},
			want: []string{
				"AWS/ApplicationELB RequestCount LoadBalancer=app/alb-a/1111",
				"AWS/ApplicationELB HealthyHostCount LoadBalancer=app/alb-a/1111,TargetGroup=targetgroup/tg-a/3333",
			},
		},
		{
			name: "every filter dimension required",
			input: cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{
				{Name: aws.String("LoadBalancer"), Value: aws.String(albB.Value)},
				{Name: aws.String("TargetGroup")},
			}},
			want: nil,
		},
		{
			name:  "recently active",
			input: cloudwatch.ListMetricsInput{RecentlyActive: cwtypes.RecentlyActivePt3h},
			want: []string{
				"AWS/ApplicationELB RequestCount LoadBalancer=app/alb-a/1111",
				"AWS/ApplicationELB HealthyHostCount LoadBalancer=app/alb-a/1111,TargetGroup=targetgroup/tg-a/3333",
				"AWS/NetworkELB NewFlowCount LoadBalancer=net/nlb-n/4444",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.ListMetrics(context.Background(), &tt.input)
			require.NoError(t, err)
			assert.Equal(t, tt.want, metricNames(out.Metrics))
			assert.Nil(t, out.NextToken)
		})
	}
}

func TestListMetricsPaging(t *testing.T) {
	srv := startServer(t)
	srv.CloudWatch.ListMetricsPageSize = 2
	var want []string
	for i := range 5 {
		dim := Dimension{Name: "LoadBalancer", Value: fmt.Sprintf("app/lb-%d/%d", i, i)}
		srv.CloudWatch.Put("AWS/ApplicationELB", "RequestCount", []Dimension{dim}, "Count", testNow, 1)
		want = append(want, "AWS/ApplicationELB RequestCount LoadBalancer="+dim.Value)
	}
	srv.CloudWatch.Put("Custom", "RequestCount", nil, "Count", testNow, 1)
	client := newCloudWatchClient(srv)

	paginator := cloudwatch.NewListMetricsPaginator(client, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/ApplicationELB")})
	var got []string
	var pageSizes []int
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pageSizes = append(pageSizes, len(page.Metrics))
		got = append(got, metricNames(page.Metrics)...)
	}
	assert.Equal(t, []int{2, 2, 1}, pageSizes)
	assert.Equal(t, want, got)
	assert.Equal(t, 3, srv.CloudWatch.Calls("ListMetrics"))

	// A token from other filters is rejected.
	first, err := client.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/ApplicationELB")})
	require.NoError(t, err)
	require.NotNil(t, first.NextToken)
	_, err = client.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{NextToken: first.NextToken})
	var invalidToken *cwtypes.InvalidNextToken
	require.True(t, errors.As(err, &invalidToken), "error %v is not InvalidNextToken", err)
}

// statsFixture puts one metric with known observations around
// 10:00 to 10:10 on testNow's day, two hours before testNow.
//
//	10:00:00  1, 2      10:00:30  3, 4
//	10:01:00  10
//	10:02:00  999 with unit Percent
//	10:03:59  5, 7
//	10:07:10  100
//
// plus observations just outside [10:00, 10:10) and on a metric with
// other dimensions, which no query in the range may count.
func statsFixture(cw *CloudWatch) time.Time {
	base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	dims := []Dimension{albA, tgA}
	at := func(minutes, seconds int) time.Time {
		return base.Add(time.Duration(minutes)*time.Minute + time.Duration(seconds)*time.Second)
	}
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Count", at(0, 0), 1, 2)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Count", at(0, 30), 3, 4)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Count", at(1, 0), 10)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Percent", at(2, 0), 999)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Count", at(3, 59), 5, 7)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Count", at(7, 10), 100)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Count", at(-1, 59), 600)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", dims, "Count", at(10, 0), 500)
	cw.Put("AWS/ApplicationELB", "TargetResponseTime", []Dimension{albA}, "Count", at(1, 0), 42)
	return base
}

func statQuery(id, stat string, period int32, unit cwtypes.StandardUnit) cwtypes.MetricDataQuery {
	return cwtypes.MetricDataQuery{
		Id: aws.String(id),
		MetricStat: &cwtypes.MetricStat{
			Metric: cwMetric("AWS/ApplicationELB", "TargetResponseTime", tgA, albA),
			Period: aws.Int32(period),
			Stat:   aws.String(stat),
			Unit:   unit,
		},
	}
}

func utcTimes(times []time.Time) []time.Time {
	out := make([]time.Time, len(times))
	for i, t := range times {
		out[i] = t.UTC()
	}
	return out
}

func TestGetMetricDataStatistics(t *testing.T) {
	srv := startServer(t)
	base := statsFixture(srv.CloudWatch)
	minute := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	byMinute := []time.Time{minute(0), minute(1), minute(3), minute(7)}
	byFive := []time.Time{minute(0), minute(5)}

	tests := []struct {
		id         string
		stat       string
		period     int32
		unit       cwtypes.StandardUnit
		wantTimes  []time.Time
		wantValues []float64
	}{
		{id: "sum60", stat: "Sum", period: 60, unit: "Count", wantTimes: byMinute, wantValues: []float64{10, 10, 12, 100}},
		{id: "avg60", stat: "Average", period: 60, unit: "Count", wantTimes: byMinute, wantValues: []float64{2.5, 10, 6, 100}},
		{id: "min60", stat: "Minimum", period: 60, unit: "Count", wantTimes: byMinute, wantValues: []float64{1, 10, 5, 100}},
		{id: "max60", stat: "Maximum", period: 60, unit: "Count", wantTimes: byMinute, wantValues: []float64{4, 10, 7, 100}},
		{id: "n60", stat: "SampleCount", period: 60, unit: "Count", wantTimes: byMinute, wantValues: []float64{4, 1, 2, 1}},
		{id: "p99_60", stat: "p99", period: 60, unit: "Count", wantTimes: byMinute, wantValues: []float64{4, 10, 7, 100}},
		{id: "p50_60", stat: "p50", period: 60, unit: "Count", wantTimes: byMinute, wantValues: []float64{2, 10, 5, 100}},
		{id: "sum300", stat: "Sum", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{32, 100}},
		{id: "avg300", stat: "Average", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{32.0 / 7, 100}},
		{id: "min300", stat: "Minimum", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{1, 100}},
		{id: "max300", stat: "Maximum", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{10, 100}},
		{id: "n300", stat: "SampleCount", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{7, 1}},
		{id: "p99_300", stat: "p99", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{10, 100}},
		{id: "p50_300", stat: "p50", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{4, 100}},
		{id: "p28_5_300", stat: "p28.5", period: 300, unit: "Count", wantTimes: byFive, wantValues: []float64{2, 100}},
		{id: "anyunit", stat: "Sum", period: 60, wantTimes: []time.Time{minute(0), minute(1), minute(2), minute(3), minute(7)},
			wantValues: []float64{10, 10, 999, 12, 100}},
		{id: "otherunit", stat: "Sum", period: 60, unit: "Seconds", wantTimes: []time.Time{}, wantValues: []float64{}},
	}

	// All queries go in one call, in ascending order.
	var queries []cwtypes.MetricDataQuery
	for _, tt := range tests {
		queries = append(queries, statQuery(tt.id, tt.stat, tt.period, tt.unit))
	}
	out, err := newCloudWatchClient(srv).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime:         aws.Time(base),
		EndTime:           aws.Time(base.Add(10 * time.Minute)),
		MetricDataQueries: queries,
		ScanBy:            cwtypes.ScanByTimestampAscending,
	})
	require.NoError(t, err)
	require.Len(t, out.MetricDataResults, len(tests))
	assert.Nil(t, out.NextToken)

	for i, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			result := out.MetricDataResults[i]
			assert.Equal(t, tt.id, aws.ToString(result.Id))
			assert.Equal(t, "TargetResponseTime", aws.ToString(result.Label))
			assert.Equal(t, cwtypes.StatusCodeComplete, result.StatusCode)
			assert.Equal(t, tt.wantTimes, utcTimes(result.Timestamps))
			assert.InDeltaSlice(t, tt.wantValues, result.Values, 1e-12)
			assert.Len(t, result.Values, len(tt.wantValues))
		})
	}
}

func TestGetMetricDataScanByAndLabel(t *testing.T) {
	srv := startServer(t)
	base := statsFixture(srv.CloudWatch)
	query := statQuery("sum", "Sum", 60, "Count")
	query.Label = aws.String("requests per minute")
	hidden := statQuery("hidden", "Maximum", 60, "Count")
	hidden.ReturnData = aws.Bool(false)

	out, err := newCloudWatchClient(srv).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime:         aws.Time(base),
		EndTime:           aws.Time(base.Add(10 * time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{query, hidden},
	})
	require.NoError(t, err)
	require.Len(t, out.MetricDataResults, 1, "a query with ReturnData false returns no result")
	result := out.MetricDataResults[0]
	assert.Equal(t, "requests per minute", aws.ToString(result.Label))
	minute := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	assert.Equal(t, []time.Time{minute(7), minute(3), minute(1), minute(0)}, utcTimes(result.Timestamps), "newest first by default")
	assert.Equal(t, []float64{100, 12, 10, 10}, result.Values)
}

// pagingFixture puts three metrics: one with a datapoint in each of 50
// minutes, one with 30 and one without datapoints in the range. It
// returns the request for all three at 1-minute periods.
func pagingFixture(cw *CloudWatch) *cloudwatch.GetMetricDataInput {
	base := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	counts := map[string]int{"app/a/1": 50, "app/b/2": 30, "app/c/3": 0}
	input := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(base),
		EndTime:   aws.Time(base.Add(time.Hour)),
	}
	for i, lb := range []string{"app/a/1", "app/b/2", "app/c/3"} {
		dims := []Dimension{{Name: "LoadBalancer", Value: lb}}
		cw.Put("AWS/ApplicationELB", "RequestCount", dims, "Count", base.Add(-2*time.Hour), 1)
		for m := range counts[lb] {
			cw.Put("AWS/ApplicationELB", "RequestCount", dims, "Count", base.Add(time.Duration(m)*time.Minute), float64(100*i+m))
		}
		input.MetricDataQueries = append(input.MetricDataQueries, cwtypes.MetricDataQuery{
			Id: aws.String(fmt.Sprintf("q%d", i)),
			MetricStat: &cwtypes.MetricStat{
				Metric: cwMetric("AWS/ApplicationELB", "RequestCount", dims...),
				Period: aws.Int32(60),
				Stat:   aws.String("Sum"),
			},
		})
	}
	return input
}

type series struct {
	Timestamps []time.Time
	Values     []float64
}

// collectPages runs the SDK's paginator and merges the results by query
// Id. It also returns each page's status codes by Id.
func collectPages(t *testing.T, paginator *cloudwatch.GetMetricDataPaginator) (map[string]series, []map[string]cwtypes.StatusCode) {
	t.Helper()
	merged := map[string]series{}
	var statuses []map[string]cwtypes.StatusCode
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pageStatuses := map[string]cwtypes.StatusCode{}
		for _, result := range page.MetricDataResults {
			id := aws.ToString(result.Id)
			s := merged[id]
			s.Timestamps = append(s.Timestamps, utcTimes(result.Timestamps)...)
			s.Values = append(s.Values, result.Values...)
			merged[id] = s
			pageStatuses[id] = result.StatusCode
		}
		statuses = append(statuses, pageStatuses)
	}
	return merged, statuses
}

func TestGetMetricDataPartialDataPages(t *testing.T) {
	const (
		complete = cwtypes.StatusCodeComplete
		partial  = cwtypes.StatusCodePartialData
	)
	srv := startServer(t)
	input := pagingFixture(srv.CloudWatch)
	client := newCloudWatchClient(srv)

	// The whole series in one call.
	full, err := client.GetMetricData(context.Background(), input)
	require.NoError(t, err)
	require.Nil(t, full.NextToken)
	want := map[string]series{}
	for _, result := range full.MetricDataResults {
		assert.Equal(t, complete, result.StatusCode)
		// Appending to nil slices, as collectPages does, keeps an empty
		// series comparable.
		want[aws.ToString(result.Id)] = series{
			Timestamps: append([]time.Time(nil), utcTimes(result.Timestamps)...),
			Values:     append([]float64(nil), result.Values...),
		}
	}
	require.Len(t, want["q0"].Values, 50)
	require.Len(t, want["q1"].Values, 30)
	require.Empty(t, want["q2"].Values)

	// A server limit of 30 datapoints per call splits 80 datapoints into
	// three pages.
	srv.CloudWatch.MaxDatapointsPerCall = 30
	got, statuses := collectPages(t, cloudwatch.NewGetMetricDataPaginator(client, input))
	assert.Equal(t, want, got)
	assert.Equal(t, []map[string]cwtypes.StatusCode{
		{"q0": partial, "q1": partial, "q2": complete},
		{"q0": complete, "q1": partial, "q2": complete},
		{"q1": complete, "q2": complete},
	}, statuses)
	assert.Equal(t, 1+3, srv.CloudWatch.Calls("GetMetricData"))

	// The request's MaxDatapoints, which the paginator's Limit sets, lowers
	// the server limit: 80 datapoints in pages of 25.
	got, statuses = collectPages(t, cloudwatch.NewGetMetricDataPaginator(client, input, func(o *cloudwatch.GetMetricDataPaginatorOptions) {
		o.Limit = 25
	}))
	assert.Equal(t, want, got)
	assert.Len(t, statuses, 4)

	// Ascending order pages the same way.
	ascending := *input
	ascending.ScanBy = cwtypes.ScanByTimestampAscending
	got, _ = collectPages(t, cloudwatch.NewGetMetricDataPaginator(client, &ascending))
	require.Len(t, got["q0"].Timestamps, 50)
	assert.True(t, got["q0"].Timestamps[0].Before(got["q0"].Timestamps[49]), "oldest first")
	assert.Equal(t, 100.0, got["q1"].Values[0])

	// A token is valid only with the queries it was issued for.
	first, err := client.GetMetricData(context.Background(), input)
	require.NoError(t, err)
	require.NotNil(t, first.NextToken)
	other := *input
	other.MetricDataQueries = input.MetricDataQueries[1:]
	other.NextToken = first.NextToken
	_, err = client.GetMetricData(context.Background(), &other)
	var invalidToken *cwtypes.InvalidNextToken
	require.True(t, errors.As(err, &invalidToken), "error %v is not InvalidNextToken", err)
}

func TestGetMetricDataQueryLimit(t *testing.T) {
	srv := startServer(t)
	client := newCloudWatchClient(srv)
	queries := func(n int) []cwtypes.MetricDataQuery {
		var out []cwtypes.MetricDataQuery
		for i := range n {
			out = append(out, statQuery(fmt.Sprintf("q%d", i), "Sum", 60, ""))
		}
		return out
	}
	input := func(n int) *cloudwatch.GetMetricDataInput {
		return &cloudwatch.GetMetricDataInput{
			StartTime:         aws.Time(testNow.Add(-time.Hour)),
			EndTime:           aws.Time(testNow),
			MetricDataQueries: queries(n),
		}
	}

	out, err := client.GetMetricData(context.Background(), input(500))
	require.NoError(t, err)
	assert.Len(t, out.MetricDataResults, 500)

	_, err = client.GetMetricData(context.Background(), input(501))
	var invalid *cwtypes.InvalidParameterValueException
	require.True(t, errors.As(err, &invalid), "error %v is not InvalidParameterValueException", err)
	assert.Equal(t, "InvalidParameterValue", invalid.ErrorCode())
	assert.Contains(t, invalid.ErrorMessage(), "501")
}

func TestGetMetricDataPeriodByAge(t *testing.T) {
	srv := startServer(t)
	client := newCloudWatchClient(srv)
	day := 24 * time.Hour

	tests := []struct {
		name   string
		age    time.Duration
		period int32
		valid  bool
	}{
		{name: "1 day 60", age: day, period: 60, valid: true},
		{name: "1 day 120", age: day, period: 120, valid: true},
		{name: "1 day 90", age: day, period: 90},
		{name: "1 day 30", age: day, period: 30},
		{name: "1 day negative", age: day, period: -60},
		{name: "15 days 60", age: 15 * day, period: 60, valid: true},
		{name: "16 days 60", age: 16 * day, period: 60},
		{name: "16 days 300", age: 16 * day, period: 300, valid: true},
		{name: "16 days 600", age: 16 * day, period: 600, valid: true},
		{name: "64 days 300", age: 64 * day, period: 300},
		{name: "64 days 3600", age: 64 * day, period: 3600, valid: true},
		{name: "64 days 86400", age: 64 * day, period: 86400, valid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := testNow.Add(-tt.age)
			_, err := client.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
				StartTime:         aws.Time(start),
				EndTime:           aws.Time(start.Add(24 * time.Hour)),
				MetricDataQueries: []cwtypes.MetricDataQuery{statQuery("m", "Sum", tt.period, "")},
			})
			if tt.valid {
				require.NoError(t, err)
				return
			}
			requireAPIError(t, err, "InvalidParameterValue")
		})
	}
}

func TestGetMetricDataStartRoundedByAge(t *testing.T) {
	srv := startServer(t)
	dims := []Dimension{albA}
	// 20 days old, so StartTime is rounded down to 5 minutes.
	old := time.Date(2026, 11, 13, 6, 0, 0, 0, time.UTC)
	srv.CloudWatch.Put("AWS/ApplicationELB", "RequestCount", dims, "Count", old.Add(time.Minute), 8)

	out, err := newCloudWatchClient(srv).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(old.Add(2*time.Minute + 30*time.Second)),
		EndTime:   aws.Time(old.Add(time.Hour)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("m"),
			MetricStat: &cwtypes.MetricStat{
				Metric: cwMetric("AWS/ApplicationELB", "RequestCount", dims...),
				Period: aws.Int32(300),
				Stat:   aws.String("Sum"),
			},
		}},
	})
	require.NoError(t, err)
	require.Len(t, out.MetricDataResults, 1)
	assert.Equal(t, []time.Time{old}, utcTimes(out.MetricDataResults[0].Timestamps))
	assert.Equal(t, []float64{8}, out.MetricDataResults[0].Values)
}

func TestGetMetricDataRejectsInvalid(t *testing.T) {
	srv := startServer(t)
	client := newCloudWatchClient(srv)
	start, end := testNow.Add(-time.Hour), testNow
	expression := cwtypes.MetricDataQuery{Id: aws.String("e"), Expression: aws.String("SUM(METRICS())")}

	tests := []struct {
		name     string
		start    time.Time
		end      time.Time
		queries  []cwtypes.MetricDataQuery
		wantCode string
	}{
		{name: "duplicate id", start: start, end: end,
			queries: []cwtypes.MetricDataQuery{statQuery("m", "Sum", 60, ""), statQuery("m", "Average", 60, "")}, wantCode: "InvalidParameterValue"},
		{name: "upper-case id", start: start, end: end,
			queries: []cwtypes.MetricDataQuery{statQuery("M1", "Sum", 60, "")}, wantCode: "InvalidParameterValue"},
		{name: "expression", start: start, end: end,
			queries: []cwtypes.MetricDataQuery{expression}, wantCode: "InvalidParameterValue"},
		{name: "trimmed mean", start: start, end: end,
			queries: []cwtypes.MetricDataQuery{statQuery("m", "tm99", 60, "")}, wantCode: "InvalidParameterValue"},
		{name: "percentile over 100", start: start, end: end,
			queries: []cwtypes.MetricDataQuery{statQuery("m", "p100.5", 60, "")}, wantCode: "InvalidParameterValue"},
		{name: "start after end", start: end, end: start,
			queries: []cwtypes.MetricDataQuery{statQuery("m", "Sum", 60, "")}, wantCode: "InvalidParameterValue"},
		{name: "no queries", start: start, end: end,
			queries: []cwtypes.MetricDataQuery{}, wantCode: "MissingParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
				StartTime: aws.Time(tt.start), EndTime: aws.Time(tt.end), MetricDataQueries: tt.queries,
			})
			requireAPIError(t, err, tt.wantCode)
		})
	}
}

func TestCloudWatchFaultsRetried(t *testing.T) {
	tests := []struct {
		name string
		kind FaultKind
	}{
		{name: "throttle", kind: FaultThrottle},
		{name: "internal error", kind: FaultInternalError},
		{name: "dropped connection", kind: FaultDrop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			base := statsFixture(srv.CloudWatch)
			require.NoError(t, srv.CloudWatch.Faults.Inject(Fault{Kind: tt.kind, Action: "GetMetricData", Count: 2}))

			out, err := newCloudWatchClient(srv).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
				StartTime:         aws.Time(base),
				EndTime:           aws.Time(base.Add(10 * time.Minute)),
				MetricDataQueries: []cwtypes.MetricDataQuery{statQuery("m", "Sum", 300, "Count")},
			})
			require.NoError(t, err)
			require.Len(t, out.MetricDataResults, 1)
			assert.Equal(t, []float64{100, 32}, out.MetricDataResults[0].Values)
			assert.Equal(t, 3, srv.CloudWatch.Calls("GetMetricData"))
			assert.Equal(t, 0, srv.CloudWatch.Faults.Remaining())
		})
	}
}

func TestCloudWatchThrottlingExhaustsRetries(t *testing.T) {
	srv := startServer(t)
	require.NoError(t, srv.CloudWatch.Faults.Inject(Fault{Kind: FaultThrottle, Action: "ListMetrics", Count: 10}))

	_, err := newCloudWatchClient(srv).ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{})
	requireAPIError(t, err, "Throttling")
	assert.Equal(t, retry.DefaultMaxAttempts, srv.CloudWatch.Calls("ListMetrics"))
}

func TestCloudWatchErrorWire(t *testing.T) {
	srv := startServer(t)
	body := cbor.Encode(cbor.Map{
		"StartTime":         &cbor.Tag{ID: 1, Value: cbor.Uint(testNow.Unix())},
		"EndTime":           &cbor.Tag{ID: 1, Value: cbor.Float64(float64(testNow.Unix()) - 60)},
		"MetricDataQueries": cbor.List{},
	})
	status, header, raw := rawPost(t, srv.URL+"/service/GraniteServiceVersion20100801/operation/GetMetricData",
		"application/cbor", map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, body)

	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "rpc-v2-cbor", header.Get("Smithy-Protocol"))
	assert.Equal(t, "application/cbor", header.Get("Content-Type"))
	assert.Equal(t, "InvalidParameterValue;Sender", header.Get("X-Amzn-Query-Error"))
	decoded, err := cbor.Decode(raw)
	require.NoError(t, err)
	m, ok := decoded.(cbor.Map)
	require.True(t, ok, "error body is a %T", decoded)
	assert.Equal(t, cbor.String("com.amazonaws.cloudwatch#InvalidParameterValueException"), m["__type"])
	assert.Contains(t, string(m["message"].(cbor.String)), "StartTime")
}

func TestCloudWatchUnknownOperation(t *testing.T) {
	srv := startServer(t)
	_, err := newCloudWatchClient(srv).PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
		Namespace:  aws.String("Custom"),
		MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("x"), Value: aws.Float64(1)}},
	})
	requireAPIError(t, err, "UnknownOperationException")
	assert.Equal(t, 1, srv.CloudWatch.Calls("PutMetricData"))
}
