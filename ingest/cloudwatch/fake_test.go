package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// fakeCloudWatch is an in-memory API that checks each GetMetricData request
// against the API's rules and the limits set on it, and pages its responses.
type fakeCloudWatch struct {
	mu sync.Mutex

	// listPageSize is the number of metrics per ListMetrics page; 0 means
	// all in one page.
	listPageSize int
	// pageLimit is the number of datapoints per GetMetricData page; 0
	// means all in one page.
	pageLimit int
	// maxQueries and maxDatapoints reject requests above them; 0 means the
	// API limits.
	maxQueries    int
	maxDatapoints int
	// statuses forces the status of a series and statistic, keyed by
	// fakeKey.
	statuses map[string]types.StatusCode

	listed []types.Metric
	// values are keyed by fakeKey, then by the period start.
	values map[string]map[time.Time]float64

	getInputs []cloudwatch.GetMetricDataInput
	listCalls int
}

// fakeKey identifies a series and statistic in the fake.
func fakeKey(namespace, metric string, dims []types.Dimension, stat string) string {
	return namespace + "|" + metric + "|" + canonicalDimensions(dims) + "|" + stat
}

// dims builds dimensions from name and value pairs.
func dims(pairs ...string) []types.Dimension {
	var out []types.Dimension
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, types.Dimension{Name: aws.String(pairs[i]), Value: aws.String(pairs[i+1])})
	}
	return out
}

// list makes ListMetrics return the series.
func (f *fakeCloudWatch) list(namespace, metric string, dimensions []types.Dimension) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := fakeKey(namespace, metric, dimensions, "")
	for _, m := range f.listed {
		if fakeKey(aws.ToString(m.Namespace), aws.ToString(m.MetricName), m.Dimensions, "") == key {
			return
		}
	}
	f.listed = append(f.listed, types.Metric{
		Namespace:  aws.String(namespace),
		MetricName: aws.String(metric),
		Dimensions: dimensions,
	})
}

// put lists the series and stores the value of one statistic at t.
func (f *fakeCloudWatch) put(namespace, metric string, dimensions []types.Dimension, stat string, t time.Time, value float64) {
	f.list(namespace, metric, dimensions)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.values == nil {
		f.values = make(map[string]map[time.Time]float64)
	}
	key := fakeKey(namespace, metric, dimensions, stat)
	if f.values[key] == nil {
		f.values[key] = make(map[time.Time]float64)
	}
	f.values[key][t.UTC()] = value
}

func (f *fakeCloudWatch) ListMetrics(ctx context.Context, in *cloudwatch.ListMetricsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.ListMetricsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listCalls++

	var matched []types.Metric
	for _, m := range f.listed {
		if in.Namespace != nil && aws.ToString(m.Namespace) != aws.ToString(in.Namespace) {
			continue
		}
		if hasDimensions(m.Dimensions, in.Dimensions) {
			matched = append(matched, m)
		}
	}

	start, end, next, err := fakePage(in.NextToken, len(matched), f.listPageSize)
	if err != nil {
		return nil, err
	}
	return &cloudwatch.ListMetricsOutput{Metrics: matched[start:end], NextToken: next}, nil
}

// hasDimensions reports whether dims has every filter's name, and its value
// where the filter sets one.
func hasDimensions(dims []types.Dimension, filters []types.DimensionFilter) bool {
	for _, filter := range filters {
		found := false
		for _, d := range dims {
			if aws.ToString(d.Name) == aws.ToString(filter.Name) &&
				(filter.Value == nil || aws.ToString(d.Value) == aws.ToString(filter.Value)) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// fakePage returns the items [start, end) of a page that starts at the
// decimal offset in token, and the token of the next page.
func fakePage(token *string, n, size int) (start, end int, next *string, err error) {
	if token != nil {
		start, err = strconv.Atoi(*token)
		if err != nil || start < 0 || start > n {
			return 0, 0, nil, fmt.Errorf("fake: invalid NextToken %q", *token)
		}
	}
	end = n
	if size > 0 {
		end = min(start+size, n)
	}
	if end < n {
		next = aws.String(strconv.Itoa(end))
	}
	return start, end, next, nil
}

var validQueryID = regexp.MustCompile(`^[a-z][A-Za-z0-9_]*$`)

// fakeItem is one datapoint of a GetMetricData response.
type fakeItem struct {
	query int
	time  time.Time
	value float64
}

func (f *fakeCloudWatch) GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getInputs = append(f.getInputs, *in)

	if err := f.checkGetInput(in); err != nil {
		return nil, err
	}
	start, end := *in.StartTime, *in.EndTime

	// Collect the datapoints of every query, in query order and then in
	// time order.
	var items []fakeItem
	counts := make([]int, len(in.MetricDataQueries))
	forced := make(map[int]types.StatusCode)
	for qi, q := range in.MetricDataQueries {
		stat := q.MetricStat
		key := fakeKey(aws.ToString(stat.Metric.Namespace), aws.ToString(stat.Metric.MetricName), stat.Metric.Dimensions, aws.ToString(stat.Stat))
		if status, ok := f.statuses[key]; ok {
			forced[qi] = status
			continue
		}
		var times []time.Time
		for t := range f.values[key] {
			if !t.Before(start) && t.Before(end) {
				times = append(times, t)
			}
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		for _, t := range times {
			items = append(items, fakeItem{query: qi, time: t, value: f.values[key][t]})
		}
		counts[qi] = len(times)
	}

	limit := f.pageLimit
	if in.MaxDatapoints != nil && (limit == 0 || int(*in.MaxDatapoints) < limit) {
		limit = int(*in.MaxDatapoints)
	}
	first, last, next, err := fakePage(in.NextToken, len(items), limit)
	if err != nil {
		return nil, err
	}

	// Return a result for every query that has datapoints on this page,
	// and on the first page also for every query without datapoints and
	// every forced status.
	results := make(map[int]*types.MetricDataResult)
	order := []int{}
	result := func(qi int) *types.MetricDataResult {
		if r, ok := results[qi]; ok {
			return r
		}
		r := &types.MetricDataResult{Id: in.MetricDataQueries[qi].Id, StatusCode: types.StatusCodeComplete}
		results[qi] = r
		order = append(order, qi)
		return r
	}
	delivered := make([]int, len(in.MetricDataQueries))
	for _, item := range items[:last] {
		delivered[item.query]++
	}
	for _, item := range items[first:last] {
		r := result(item.query)
		r.Timestamps = append(r.Timestamps, item.time)
		r.Values = append(r.Values, item.value)
	}
	for qi := range in.MetricDataQueries {
		if first == 0 && counts[qi] == 0 {
			r := result(qi)
			if status, ok := forced[qi]; ok {
				r.StatusCode = status
				r.Messages = []types.MessageData{{Code: aws.String("Fake"), Value: aws.String("forced status")}}
			}
		}
		if r, ok := results[qi]; ok && delivered[qi] < counts[qi] {
			r.StatusCode = types.StatusCodePartialData
		}
	}

	out := &cloudwatch.GetMetricDataOutput{NextToken: next}
	for _, qi := range order {
		out.MetricDataResults = append(out.MetricDataResults, *results[qi])
	}
	return out, nil
}

// checkGetInput applies the GetMetricData rules that Pull must keep.
func (f *fakeCloudWatch) checkGetInput(in *cloudwatch.GetMetricDataInput) error {
	maxQueries := f.maxQueries
	if maxQueries == 0 {
		maxQueries = GetMetricDataMaxQueries
	}
	maxDatapoints := f.maxDatapoints
	if maxDatapoints == 0 {
		maxDatapoints = GetMetricDataMaxDatapoints
	}

	n := len(in.MetricDataQueries)
	if n == 0 || n > maxQueries {
		return fmt.Errorf("fake: %d queries, expected 1 to %d", n, maxQueries)
	}
	if in.StartTime == nil || in.EndTime == nil || !in.EndTime.After(*in.StartTime) {
		return errors.New("fake: StartTime and EndTime must be set and in order")
	}
	if in.ScanBy != types.ScanByTimestampAscending {
		return fmt.Errorf("fake: ScanBy is %q, expected TimestampAscending", in.ScanBy)
	}

	ids := make(map[string]bool)
	for _, q := range in.MetricDataQueries {
		id := aws.ToString(q.Id)
		if !validQueryID.MatchString(id) || ids[id] {
			return fmt.Errorf("fake: query Id %q is invalid or repeated", id)
		}
		ids[id] = true
		if q.MetricStat == nil || q.MetricStat.Period == nil || q.MetricStat.Stat == nil || q.MetricStat.Metric == nil {
			return fmt.Errorf("fake: query %s has no complete MetricStat", id)
		}
		period := time.Duration(*q.MetricStat.Period) * time.Second
		if period <= 0 || !in.StartTime.Equal(in.StartTime.Truncate(period)) || !in.EndTime.Equal(in.EndTime.Truncate(period)) {
			return fmt.Errorf("fake: query %s: start and end are not whole periods of %v", id, period)
		}
		periods := int(in.EndTime.Sub(*in.StartTime) / period)
		if n*periods > maxDatapoints {
			return fmt.Errorf("fake: %d queries of %d periods exceed %d datapoints", n, periods, maxDatapoints)
		}
	}
	return nil
}

// scriptedCloudWatch lists fixed metrics and returns fixed GetMetricData
// pages in turn, for responses the fake would never send.
type scriptedCloudWatch struct {
	listed []types.Metric
	pages  []*cloudwatch.GetMetricDataOutput
	err    error
	calls  int
}

func (s *scriptedCloudWatch) ListMetrics(context.Context, *cloudwatch.ListMetricsInput, ...func(*cloudwatch.Options)) (*cloudwatch.ListMetricsOutput, error) {
	return &cloudwatch.ListMetricsOutput{Metrics: s.listed}, nil
}

func (s *scriptedCloudWatch) GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	if s.calls > len(s.pages) {
		return nil, fmt.Errorf("scripted: call %d has no page", s.calls)
	}
	return s.pages[s.calls-1], nil
}
