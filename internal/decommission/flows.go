package decommission

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cutover-dev/cutover/internal/timefmt"
)

// The CloudWatch metric that counts new connections to a Network Load
// Balancer.
const (
	nlbNamespace       = "AWS/NetworkELB"
	newFlowCountMetric = "NewFlowCount"
)

// checkFlowMetrics checks that CloudWatch has the NLB's NewFlowCount
// metric, so that checkNewFlows measures the NLB and not a metric that is
// missing because the region or the name is wrong.
//
// NOTE: ListMetrics lists only metrics with datapoints in the past two
// weeks (ListMetrics documentation of aws-sdk-go-v2/service/cloudwatch
// v1.76.0), so an NLB without any flow for that long fails this check too.
func checkFlowMetrics(ctx context.Context, api CloudWatchAPI, inv *Inventory) (Check, error) {
	check := Check{Name: CheckNLBFlowMetrics}
	dimension := metricDimension(inv.ARN())
	pages := cloudwatch.NewListMetricsPaginator(api, &cloudwatch.ListMetricsInput{
		Namespace:  aws.String(nlbNamespace),
		MetricName: aws.String(newFlowCountMetric),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("LoadBalancer"), Value: aws.String(dimension)}},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Check{}, fmt.Errorf("list the %s metrics of LoadBalancer=%s: %w", nlbNamespace, dimension, err)
		}
		for _, m := range page.Metrics {
			if len(m.Dimensions) == 1 && aws.ToString(m.Dimensions[0].Name) == "LoadBalancer" {
				check.Passed = true
				check.Message = fmt.Sprintf("CloudWatch has the metric %s in %s for LoadBalancer=%s.", newFlowCountMetric, nlbNamespace, dimension)
				return check, nil
			}
		}
	}
	check.Message = fmt.Sprintf("CloudWatch has no metric %s in %s for LoadBalancer=%s, so the NLB's traffic cannot be measured. Check that the command runs in the NLB's region; CloudWatch lists only metrics with datapoints in the past two weeks.",
		newFlowCountMetric, nlbNamespace, dimension)
	return check, nil
}

// checkNewFlows checks that the NLB had at most the background level of
// new flows in every minute of the last drain time. CloudWatch leaves out
// minutes without flows, and those count as 0.
func checkNewFlows(ctx context.Context, api CloudWatchAPI, inv *Inventory, in CheckInput) (Check, error) {
	check := Check{Name: CheckNLBNewFlows}
	dimension := metricDimension(inv.ARN())
	end := in.Now.UTC().Truncate(time.Minute)
	start := end.Add(-in.Settings.DrainTime)

	pages := cloudwatch.NewGetMetricDataPaginator(api, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start),
		EndTime:   aws.Time(end),
		ScanBy:    cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("flows"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{
					Namespace:  aws.String(nlbNamespace),
					MetricName: aws.String(newFlowCountMetric),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(dimension)}},
				},
				Period: aws.Int32(60),
				Stat:   aws.String("Sum"),
			},
		}},
	})
	perMinute := map[time.Time]float64{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Check{}, fmt.Errorf("read %s of LoadBalancer=%s from %s to %s: %w", newFlowCountMetric, dimension,
				start.Format(time.RFC3339), end.Format(time.RFC3339), err)
		}
		for _, result := range page.MetricDataResults {
			for i, t := range result.Timestamps {
				if i < len(result.Values) {
					perMinute[t.UTC()] += result.Values[i]
				}
			}
		}
	}

	var peak float64
	var peakAt time.Time
	var above int
	minutes := slices.SortedFunc(maps.Keys(perMinute), time.Time.Compare)
	for _, t := range minutes {
		if v := perMinute[t]; v > peak {
			peak, peakAt = v, t
		}
		if perMinute[t] > in.Settings.BackgroundNewFlows {
			above++
		}
	}

	window := timefmt.Duration(in.Settings.DrainTime)
	background := in.Settings.BackgroundNewFlows
	switch {
	case above > 0:
		check.Message = fmt.Sprintf("The NLB had up to %g new flows per minute in the last %s (the minute from %s), above the background level of %g in %d of %d minutes, so clients still connect to it. Find them, move them to the ALB and run the command again once the NLB has stayed at the background level for the drain time.",
			peak, window, peakAt.Format(time.RFC3339), background, above, int(in.Settings.DrainTime/time.Minute))
	case peak == 0:
		check.Passed = true
		check.Message = fmt.Sprintf("The NLB had no new flows in the last %s (background level %g per minute).", window, background)
	default:
		check.Passed = true
		check.Message = fmt.Sprintf("The NLB had at most %g new flows per minute in the last %s (the minute from %s), within the background level of %g.",
			peak, window, peakAt.Format(time.RFC3339), background)
	}
	return check, nil
}
