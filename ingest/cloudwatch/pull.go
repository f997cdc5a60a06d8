package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// API is the part of the CloudWatch client that [Pull] uses.
// *cloudwatch.Client implements it.
type API interface {
	ListMetrics(ctx context.Context, params *cloudwatch.ListMetricsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.ListMetricsOutput, error)
	GetMetricData(ctx context.Context, params *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var _ API = (*cloudwatch.Client)(nil)

// Request is the input of [Pull]: the load balancers, the window, the clock
// and the per-call limits.
type Request struct {
	// LoadBalancers are the load balancers to pull, as [Resolve] returns
	// them. Each must appear once.
	LoadBalancers []LoadBalancer
	// From and To bound the window [From, To). Pull rounds both down to
	// whole periods and cuts To at Now.
	From, To time.Time
	// Now is the current time. It chooses the period and is never read from
	// the system clock.
	Now time.Time
	// Logger receives a debug record for each API call. Nil discards them.
	Logger *slog.Logger
	// MaxQueriesPerCall limits the queries in one GetMetricData call. 0
	// means GetMetricDataMaxQueries, which is also the maximum.
	MaxQueriesPerCall int
	// MaxDatapointsPerCall limits the datapoints that one GetMetricData
	// call can return, counted as queries times periods. 0 means
	// GetMetricDataMaxDatapoints, which is also the maximum.
	MaxDatapointsPerCall int
}

// Datapoint is one row of the result: the value of one series and
// statistic in one period.
type Datapoint struct {
	Namespace string
	Metric    string
	// LoadBalancer is the load balancer's dimension value, such as
	// "app/web/0123456789abcdef".
	LoadBalancer string
	// Dimensions are the series' dimensions as "Name=Value" pairs sorted by
	// name and joined with ",".
	Dimensions string
	Stat       string
	// Period is the length of the period in seconds.
	Period int32
	// Time is the start of the period, in UTC.
	Time time.Time
	// Value is 0 when Known is false.
	Value float64
	// Known is false when CloudWatch has no datapoint for a gauge or
	// latency period, whose value is then unknown.
	Known bool
	// FromCloudWatch is false for a row that cutover added: a count period
	// without a datapoint, filled with 0, or a period whose value is unknown.
	FromCloudWatch bool
	// Unit is the catalogue unit of the metric, such as "Count".
	Unit string
}

// SeriesSummary counts the rows of one series and statistic.
type SeriesSummary struct {
	Namespace    string
	Metric       string
	LoadBalancer string
	Dimensions   string
	Stat         string
	// Datapoints is the number of periods CloudWatch had a datapoint for.
	Datapoints int
	// Filled is the number of count periods set to 0 by cutover.
	Filled int
	// Unknown is the number of periods whose value is unknown.
	Unknown int
}

// MissingMetric is a catalogue metric that ListMetrics did not return for a
// load balancer or target group. Pull does not query it and returns no rows
// for it.
type MissingMetric struct {
	Namespace    string
	Metric       string
	LoadBalancer string
	Dimensions   string
	Reason       string
}

// Result is the output of [Pull]: the rounded window, one row per series,
// statistic and period, and the catalogue metrics that do not exist.
type Result struct {
	// From and To bound the window after rounding, [From, To).
	From, To time.Time
	// Period is the length of each period in seconds.
	Period int32
	// Points has one row per series, statistic and period, sorted by
	// namespace, load balancer, metric, dimensions, statistic and time.
	Points []Datapoint
	// Series has one entry per series and statistic, in the order of Points.
	Series []SeriesSummary
	// Missing is sorted by namespace, load balancer, metric and dimensions.
	Missing []MissingMetric
	// Calls is the number of GetMetricData requests sent, each NextToken
	// page included. Retries by the SDK are not counted.
	Calls int
}

// Pull reads the catalogue metrics of the request's load balancers for the
// window, as the package documentation describes.
//
// It calls ListMetrics first and queries only the series it lists. ListMetrics
// lists only metrics that have datapoints from the past two weeks, so for a
// window that starts earlier, a metric with datapoints only before then is
// reported as missing. A metric can also take up to 15 minutes to appear in
// ListMetrics after its first datapoint.
//
// NOTE: the datapoints of the last few minutes before Now may not have
// reached CloudWatch yet. A count period among them is filled with 0 even
// though its datapoint may still arrive, so callers should end the window a
// few minutes before Now.
func Pull(ctx context.Context, api API, req Request) (Result, error) {
	logger := req.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	maxQueries, maxDatapoints, err := callLimits(req)
	if err != nil {
		return Result{}, err
	}
	if err := checkLoadBalancers(req.LoadBalancers); err != nil {
		return Result{}, err
	}
	w, err := newWindow(req.From, req.To, req.Now)
	if err != nil {
		return Result{}, fmt.Errorf("pull metrics: %w", err)
	}

	// List the series that exist.
	var queries []query
	var missing []MissingMetric
	oldWindow := req.Now.Sub(w.from) > listMetricsLookback
	for _, lb := range req.LoadBalancers {
		found, lbMissing, err := discover(ctx, api, lb, oldWindow, logger)
		if err != nil {
			return Result{}, err
		}
		queries = append(queries, found...)
		missing = append(missing, lbMissing...)
	}
	sortQueries(queries)
	sortMissing(missing)

	// Fetch the datapoints.
	f := newFetcher(api, w, queries, maxDatapoints, logger)
	for _, b := range planBatches(len(queries), w.periods, maxQueries, maxDatapoints) {
		if err := f.fetch(ctx, b); err != nil {
			return Result{}, err
		}
	}

	result := Result{
		From:    w.from,
		To:      w.to,
		Period:  w.periodSeconds(),
		Missing: missing,
		Calls:   f.calls,
	}
	result.Points, result.Series = buildRows(w, queries, f.values, f.present)
	return result, nil
}

// callLimits returns the request's per-call limits with 0 replaced by the
// API limits.
func callLimits(req Request) (maxQueries, maxDatapoints int, err error) {
	maxQueries = req.MaxQueriesPerCall
	if maxQueries == 0 {
		maxQueries = GetMetricDataMaxQueries
	}
	if maxQueries < 1 || maxQueries > GetMetricDataMaxQueries {
		return 0, 0, fmt.Errorf("pull metrics: MaxQueriesPerCall is %d, expected 1 to %d (0 for the maximum)",
			req.MaxQueriesPerCall, GetMetricDataMaxQueries)
	}

	maxDatapoints = req.MaxDatapointsPerCall
	if maxDatapoints == 0 {
		maxDatapoints = GetMetricDataMaxDatapoints
	}
	if maxDatapoints < 1 || maxDatapoints > GetMetricDataMaxDatapoints {
		return 0, 0, fmt.Errorf("pull metrics: MaxDatapointsPerCall is %d, expected 1 to %d (0 for the maximum)",
			req.MaxDatapointsPerCall, GetMetricDataMaxDatapoints)
	}
	return maxQueries, maxDatapoints, nil
}

// checkLoadBalancers rejects an empty list, a load balancer without a
// namespace or dimension value, and a load balancer listed twice.
func checkLoadBalancers(lbs []LoadBalancer) error {
	if len(lbs) == 0 {
		return errors.New("pull metrics: no load balancers in the request")
	}
	seen := make(map[string]bool, len(lbs))
	for _, lb := range lbs {
		if lb.Namespace() == "" {
			return fmt.Errorf("pull metrics of load balancer %s: type %q is not supported, expected %s or %s",
				lb.Name, lb.Type, TypeApplication, TypeNetwork)
		}
		if lb.Dimension == "" {
			return fmt.Errorf("pull metrics of load balancer %s: the dimension value is empty, resolve the load balancer first", lb.Name)
		}
		if seen[lb.Dimension] {
			return fmt.Errorf("pull metrics: load balancer %s is listed twice", lb.Dimension)
		}
		seen[lb.Dimension] = true
	}
	return nil
}

// sortQueries orders queries as Result.Points is sorted.
func sortQueries(queries []query) {
	sort.Slice(queries, func(i, j int) bool {
		a, b := queries[i], queries[j]
		if a.metric.Namespace != b.metric.Namespace {
			return a.metric.Namespace < b.metric.Namespace
		}
		if a.loadBalancer != b.loadBalancer {
			return a.loadBalancer < b.loadBalancer
		}
		if a.metric.Name != b.metric.Name {
			return a.metric.Name < b.metric.Name
		}
		if a.dimensions != b.dimensions {
			return a.dimensions < b.dimensions
		}
		return a.stat < b.stat
	})
}

// sortMissing orders missing metrics as Result.Missing is sorted.
func sortMissing(missing []MissingMetric) {
	sort.Slice(missing, func(i, j int) bool {
		a, b := missing[i], missing[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.LoadBalancer != b.LoadBalancer {
			return a.LoadBalancer < b.LoadBalancer
		}
		if a.Metric != b.Metric {
			return a.Metric < b.Metric
		}
		return a.Dimensions < b.Dimensions
	})
}
