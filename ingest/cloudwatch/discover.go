package cloudwatch

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// listMetricsLookback is how far back ListMetrics looks. It lists only
// metrics with datapoints from the past two weeks, according to the
// ListMetrics documentation of aws-sdk-go-v2/service/cloudwatch v1.76.0.
const listMetricsLookback = 14 * day

// Reasons in MissingMetric.Reason.
const (
	reasonNotPublishedLB = "not published for this load balancer in this region"
	reasonNotPublishedTG = "not published for this target group in this region"
	reasonNoTargetGroups = "the load balancer has no target groups"
	reasonOldWindow      = " (ListMetrics lists only metrics with datapoints from the past two weeks, and the window starts earlier)"
)

// query is one series and statistic that GetMetricData fetches.
type query struct {
	metric Metric
	// loadBalancer is the LoadBalancer dimension value.
	loadBalancer string
	// listed are the dimensions as ListMetrics returned them, which the
	// query sends back unchanged.
	listed []types.Dimension
	// dimensions is the canonical form of listed.
	dimensions string
	// targetGroup is the TargetGroup dimension value, or "" for a metric at
	// LevelLoadBalancer.
	targetGroup string
	stat        string
}

// discover lists the metrics of one load balancer and returns a query for
// each catalogue series and statistic that exists, and the catalogue series
// that do not. oldWindow adds the ListMetrics lookback to the reason of each
// missing series.
func discover(ctx context.Context, api API, lb LoadBalancer, oldWindow bool, logger *slog.Logger) ([]query, []MissingMetric, error) {
	namespace := lb.Namespace()
	listed, err := listMetrics(ctx, api, namespace, lb.Dimension, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("list %s metrics of load balancer %s: %w", namespace, lb.Dimension, err)
	}

	var queries []query
	var missing []MissingMetric
	addMissing := func(m Metric, dimensions, reason string) {
		if oldWindow && reason != reasonNoTargetGroups {
			reason += reasonOldWindow
		}
		missing = append(missing, MissingMetric{
			Namespace:    namespace,
			Metric:       m.Name,
			LoadBalancer: lb.Dimension,
			Dimensions:   dimensions,
			Reason:       reason,
		})
	}

	for _, m := range catalogueFor(namespace) {
		lbDimension := types.Dimension{Name: aws.String(DimensionLoadBalancer), Value: aws.String(lb.Dimension)}
		var expected []catalogueSeries
		reason := reasonNotPublishedLB
		switch m.Level {
		case LevelLoadBalancer:
			expected = append(expected, catalogueSeries{dims: []types.Dimension{lbDimension}})
		case LevelTargetGroup:
			reason = reasonNotPublishedTG
			if len(lb.TargetGroups) == 0 {
				addMissing(m, canonicalDimensions([]types.Dimension{lbDimension}), reasonNoTargetGroups)
			}
			for _, tg := range lb.TargetGroups {
				tgDimension := types.Dimension{Name: aws.String(DimensionTargetGroup), Value: aws.String(tg.Dimension)}
				expected = append(expected, catalogueSeries{
					dims:        []types.Dimension{lbDimension, tgDimension},
					targetGroup: tg.Dimension,
				})
			}
		}

		for _, series := range expected {
			dimensions := canonicalDimensions(series.dims)
			found, ok := listed[seriesKey(m.Name, dimensions)]
			if !ok {
				addMissing(m, dimensions, reason)
				continue
			}
			for _, stat := range m.Stats {
				queries = append(queries, query{
					metric:       m,
					loadBalancer: lb.Dimension,
					listed:       found.Dimensions,
					dimensions:   dimensions,
					targetGroup:  series.targetGroup,
					stat:         stat,
				})
			}
		}
	}
	return queries, missing, nil
}

// catalogueSeries is the dimensions of a catalogue series that discover
// looks for.
type catalogueSeries struct {
	dims        []types.Dimension
	targetGroup string
}

// listMetrics returns every metric of the namespace that has the
// LoadBalancer dimension value, keyed by seriesKey.
func listMetrics(ctx context.Context, api API, namespace, loadBalancer string, logger *slog.Logger) (map[string]types.Metric, error) {
	listed := make(map[string]types.Metric)
	pages := cloudwatch.NewListMetricsPaginator(api, &cloudwatch.ListMetricsInput{
		Namespace: aws.String(namespace),
		Dimensions: []types.DimensionFilter{{
			Name:  aws.String(DimensionLoadBalancer),
			Value: aws.String(loadBalancer),
		}},
	})
	for page := 1; pages.HasMorePages(); page++ {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		logger.DebugContext(ctx, "list metrics",
			slog.String("namespace", namespace),
			slog.String("load_balancer", loadBalancer),
			slog.Int("page", page),
			slog.Int("metrics", len(out.Metrics)))
		for _, m := range out.Metrics {
			listed[seriesKey(aws.ToString(m.MetricName), canonicalDimensions(m.Dimensions))] = m
		}
	}
	return listed, nil
}

// canonicalDimensions returns dimensions as "Name=Value" pairs sorted by
// name and joined with ",", so that the order CloudWatch lists them in does
// not matter.
func canonicalDimensions(dims []types.Dimension) string {
	sorted := append([]types.Dimension(nil), dims...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := aws.ToString(sorted[i].Name), aws.ToString(sorted[j].Name)
		if a != b {
			return a < b
		}
		return aws.ToString(sorted[i].Value) < aws.ToString(sorted[j].Value)
	})
	pairs := make([]string, len(sorted))
	for i, d := range sorted {
		pairs[i] = aws.ToString(d.Name) + "=" + aws.ToString(d.Value)
	}
	return strings.Join(pairs, ",")
}

// seriesKey identifies a series of one namespace by its metric name and
// canonical dimensions.
func seriesKey(metric, dimensions string) string {
	return metric + "|" + dimensions
}
