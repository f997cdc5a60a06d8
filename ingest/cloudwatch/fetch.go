package cloudwatch

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// fetcher runs GetMetricData batches and collects their datapoints.
type fetcher struct {
	api           API
	window        window
	queries       []query
	maxDatapoints int
	logger        *slog.Logger

	// values[q][p] is the datapoint of query q in period p of the window,
	// valid where present[q][p] is true.
	values  [][]float64
	present [][]bool
	// calls counts the GetMetricData requests, pages included.
	calls int
}

// newFetcher returns a fetcher with room for every query and period.
func newFetcher(api API, w window, queries []query, maxDatapoints int, logger *slog.Logger) *fetcher {
	f := &fetcher{api: api, window: w, queries: queries, maxDatapoints: maxDatapoints, logger: logger}
	f.values = make([][]float64, len(queries))
	f.present = make([][]bool, len(queries))
	for i := range queries {
		f.values[i] = make([]float64, w.periods)
		f.present[i] = make([]bool, w.periods)
	}
	return f
}

// queryID returns the MetricDataQuery Id of the i-th query of a call. Ids
// must start with a lower-case letter and be unique within the call.
func queryID(i int) string {
	return "m" + strconv.Itoa(i)
}

// parseQueryID returns i for the Id "m<i>", or false when id is not one
// that queryID returns for 0 <= i < n.
func parseQueryID(id string, n int) (int, bool) {
	digits, ok := strings.CutPrefix(id, "m")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i >= n || queryID(i) != id {
		return 0, false
	}
	return i, true
}

// fetch runs one batch as a GetMetricData call, following NextToken until
// the last page, and stores the datapoints. A result with status
// PartialData continues on the next page. InternalError, Forbidden, or a
// query left without a Complete result is an error.
func (f *fetcher) fetch(ctx context.Context, b batch) error {
	start := f.window.periodStart(b.firstPeriod)
	end := f.window.periodStart(b.endPeriod)
	input := &cloudwatch.GetMetricDataInput{
		StartTime:         aws.Time(start),
		EndTime:           aws.Time(end),
		ScanBy:            types.ScanByTimestampAscending,
		MaxDatapoints:     aws.Int32(int32(f.maxDatapoints)),
		MetricDataQueries: make([]types.MetricDataQuery, 0, b.queries()),
	}
	for i := range b.queries() {
		q := f.queries[b.firstQuery+i]
		input.MetricDataQueries = append(input.MetricDataQueries, types.MetricDataQuery{
			Id: aws.String(queryID(i)),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{
					Namespace:  aws.String(q.metric.Namespace),
					MetricName: aws.String(q.metric.Name),
					Dimensions: q.listed,
				},
				Period: aws.Int32(f.window.periodSeconds()),
				Stat:   aws.String(q.stat),
			},
		})
	}

	// status[i] is the status of query i in the latest page that had it.
	status := make([]types.StatusCode, b.queries())
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("get metric data for %s: %w", f.describeBatch(b), err)
		}
		f.logger.DebugContext(ctx, "get metric data",
			slog.Int("queries", b.queries()),
			slog.Int("datapoints", b.datapoints()),
			slog.Time("start", start),
			slog.Time("end", end),
			slog.Int("page", page))
		out, err := f.api.GetMetricData(ctx, input)
		f.calls++
		if err != nil {
			return fmt.Errorf("get metric data for %s: %w", f.describeBatch(b), err)
		}

		for _, r := range out.MetricDataResults {
			if err := f.store(b, r, status); err != nil {
				return err
			}
		}

		next := aws.ToString(out.NextToken)
		if next == "" {
			break
		}
		if next == aws.ToString(input.NextToken) {
			return fmt.Errorf("get metric data for %s: page %d returned the NextToken it was sent", f.describeBatch(b), page)
		}
		input.NextToken = aws.String(next)
	}

	// Every query must have ended with a Complete result.
	for i, s := range status {
		q := f.queries[b.firstQuery+i]
		switch s {
		case types.StatusCodeComplete:
		case "":
			return fmt.Errorf("get metric data for %s: no result for query %s", q, queryID(i))
		default:
			return fmt.Errorf("get metric data for %s: the last page left the result at status %s", q, s)
		}
	}
	return nil
}

// store checks one result of batch b and saves its datapoints.
func (f *fetcher) store(b batch, r types.MetricDataResult, status []types.StatusCode) error {
	id := aws.ToString(r.Id)
	i, ok := parseQueryID(id, b.queries())
	if !ok {
		return fmt.Errorf("get metric data for %s: the response has a result with unknown Id %q", f.describeBatch(b), id)
	}
	q := f.queries[b.firstQuery+i]

	switch r.StatusCode {
	case types.StatusCodeComplete, types.StatusCodePartialData:
	default:
		return fmt.Errorf("get metric data for %s: status %s%s", q, r.StatusCode, messagesText(r.Messages))
	}
	status[i] = r.StatusCode
	if len(r.Timestamps) != len(r.Values) {
		return fmt.Errorf("get metric data for %s: %d timestamps but %d values", q, len(r.Timestamps), len(r.Values))
	}

	for j, t := range r.Timestamps {
		offset := t.Sub(f.window.from)
		p := int(offset / f.window.period)
		if offset%f.window.period != 0 || p < b.firstPeriod || p >= b.endPeriod {
			return fmt.Errorf("get metric data for %s: datapoint at %s is not the start of a period from %s to %s",
				q, t.UTC().Format(time.RFC3339), f.window.periodStart(b.firstPeriod).Format(time.RFC3339),
				f.window.periodStart(b.endPeriod).Format(time.RFC3339))
		}
		if f.present[b.firstQuery+i][p] {
			return fmt.Errorf("get metric data for %s: two datapoints at %s", q, t.UTC().Format(time.RFC3339))
		}
		f.values[b.firstQuery+i][p] = r.Values[j]
		f.present[b.firstQuery+i][p] = true
	}
	return nil
}

// describeBatch names the load balancers and the time range of a batch for
// error messages.
func (f *fetcher) describeBatch(b batch) string {
	var lbs []string
	for _, q := range f.queries[b.firstQuery:b.endQuery] {
		if !slices.Contains(lbs, q.loadBalancer) {
			lbs = append(lbs, q.loadBalancer)
		}
	}
	return fmt.Sprintf("%d queries of load balancer %s from %s to %s", b.queries(), strings.Join(lbs, ", "),
		f.window.periodStart(b.firstPeriod).Format(time.RFC3339), f.window.periodStart(b.endPeriod).Format(time.RFC3339))
}

// messagesText returns the result's messages as ": code: value; ..." for an
// error message, or "" when there are none.
func messagesText(messages []types.MessageData) string {
	if len(messages) == 0 {
		return ""
	}
	texts := make([]string, len(messages))
	for i, m := range messages {
		texts[i] = aws.ToString(m.Code) + ": " + aws.ToString(m.Value)
	}
	return ": " + strings.Join(texts, "; ")
}

// String names the query's statistic, metric, load balancer and target
// group for error messages.
func (q query) String() string {
	s := fmt.Sprintf("%s of %s %s, load balancer %s", q.stat, q.metric.Namespace, q.metric.Name, q.loadBalancer)
	if q.targetGroup != "" {
		s += ", target group " + q.targetGroup
	}
	return s
}
