package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/ingest/cloudwatch"
	"github.com/cutover-dev/cutover/internal/store"
)

// defaultMetricsWindow is the window of cloudwatch pull without window flags.
const defaultMetricsWindow = 6 * time.Hour

func newCloudWatchCommand(g *globals, e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cloudwatch",
		Short: "Pull the load balancers' CloudWatch metrics into the database",
	}
	cmd.AddCommand(newCloudWatchPullCommand(g, e))
	return cmd
}

func newCloudWatchPullCommand(g *globals, e env) *cobra.Command {
	var (
		window   windowFlags
		alb, nlb string
		settle   time.Duration
		wait     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "pull --alb NAME_OR_ARN --nlb NAME_OR_ARN",
		Short: "Pull the CloudWatch metrics of the ALB and the NLB for a window into table metrics",
		Long: `Pull the CloudWatch metrics of the ALB (namespace AWS/ApplicationELB) and
the NLB (AWS/NetworkELB) for a window into table metrics, with GetMetricData.

Names are resolved to the metrics' dimensions with ELBv2 DescribeLoadBalancers
and DescribeTargetGroups; the target-group dimension is used for the health
metrics. ListMetrics is asked first, so a metric that CloudWatch does not
publish for a load balancer is reported as missing (table metric_pulls),
never stored as zero.

The period follows the age of the window's start: 60 seconds within 15 days,
300 within 63 days, 3600 beyond, as CloudWatch keeps them. Every period of
the window gets one row per series and statistic. A count without a
datapoint is 0, because CloudWatch leaves out the periods of a count that are
zero; a gauge or latency without one is NULL (unknown). Column datapoint is
false on those filled rows.

Pulling a window again replaces its rows. The newest --settle of the window
is left out, because CloudWatch publishes load balancer datapoints a few
minutes after each minute ends. Without window flags the window is the last
6 hours.`,
		Example: `  cutover cloudwatch pull --alb partner-api --nlb partner-nlb --since 6h
  cutover cloudwatch pull --alb arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/partner-api/50dc6c495c0c9188 --from 2026-12-03 --to 2026-12-04`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if alb == "" && nlb == "" {
				return newUsageError("cutover cloudwatch pull --alb NAME --nlb NAME --since 6h",
					"name at least one load balancer with --alb or --nlb")
			}
			now := e.now().UTC()
			w, err := window.window(now)
			if err != nil {
				return err
			}
			if w.From.IsZero() {
				w.From = now.Add(-defaultMetricsWindow)
			}
			if now.Sub(w.From) > cloudwatch.MaxAge {
				return newUsageError("--since 14d", "the window starts %s, more than %d days ago: CloudWatch keeps no older datapoints",
					w.From.Format(time.RFC3339), int(cloudwatch.MaxAge.Hours()/24))
			}
			if w.To.IsZero() || w.To.After(now.Add(-settle)) {
				w.To = now.Add(-settle)
			}
			if !w.From.Before(w.To) {
				return newUsageError("--since 6h", "the window from %s to %s is empty once the newest %v are left out: start it earlier",
					w.From.Format(time.RFC3339), w.To.Format(time.RFC3339), settle)
			}
			ctx := cmd.Context()
			res, lbs, err := pullMetrics(ctx, g, w, now, alb, nlb)
			if err != nil {
				return err
			}

			db, err := openStore(ctx, g, store.Options{Path: g.db, Wait: wait})
			if err != nil {
				return err
			}
			defer db.Close()
			stored, err := db.ReplaceMetrics(ctx, metricWindow(res, lbs), metricRows(res), metricPulls(res), now)
			if err != nil {
				return err
			}
			g.log.Info("metrics stored",
				"from", res.From.Format(time.RFC3339), "to", res.To.Format(time.RFC3339), "period_seconds", res.Period,
				"series", len(res.Series), "missing_metrics", len(res.Missing), "get_metric_data_calls", res.Calls,
				"rows_stored", stored.Inserted, "rows_replaced", stored.Deleted)
			return pullTable(res).write(e.stdout, g.output)
		},
	}
	window.register(cmd)
	cmd.Flags().Lookup("since").Usage = "only the last DURATION before now, such as 2h, 90m or 7d (default 6h)"
	cmd.Flags().StringVar(&alb, "alb", "", "the ALB's name, ARN or app/NAME/ID dimension")
	cmd.Flags().StringVar(&nlb, "nlb", "", "the NLB's name, ARN or net/NAME/ID dimension")
	cmd.Flags().DurationVar(&settle, "settle", 5*time.Minute, "leave out this newest part of the window, whose datapoints CloudWatch may not have published yet")
	cmd.Flags().DurationVar(&wait, "wait", 0, "how long to wait for another process that holds the database, such as 30s")
	return cmd
}

// pullMetrics resolves the load balancers and pulls their metrics.
func pullMetrics(ctx context.Context, g *globals, w ingest.Window, now time.Time, alb, nlb string) (cloudwatch.Result, []cloudwatch.LoadBalancer, error) {
	cfg, err := ingest.LoadAWSConfig(ctx, g.endpointURL)
	if err != nil {
		return cloudwatch.Result{}, nil, err
	}
	elbClient := elbv2.NewFromConfig(cfg, func(o *elbv2.Options) {
		if g.endpointURL != "" {
			o.BaseEndpoint = aws.String(g.endpointURL)
		}
	})
	cwClient := cw.NewFromConfig(cfg, func(o *cw.Options) {
		if g.endpointURL != "" {
			o.BaseEndpoint = aws.String(g.endpointURL)
		}
	})

	var lbs []cloudwatch.LoadBalancer
	for _, want := range []struct{ nameOrARN, typ string }{{alb, cloudwatch.TypeApplication}, {nlb, cloudwatch.TypeNetwork}} {
		if want.nameOrARN == "" {
			continue
		}
		// CloudWatch names a load balancer app/NAME/ID or net/NAME/ID, so
		// that form is accepted too: the name resolves it, and the ID must
		// match.
		nameOrARN, dimension := want.nameOrARN, ""
		if parts := strings.Split(nameOrARN, "/"); len(parts) == 3 && (parts[0] == "app" || parts[0] == "net") {
			nameOrARN, dimension = parts[1], want.nameOrARN
		}
		lb, err := cloudwatch.Resolve(ctx, elbClient, nameOrARN)
		if err != nil {
			return cloudwatch.Result{}, nil, err
		}
		if dimension != "" && lb.Dimension != dimension {
			return cloudwatch.Result{}, nil, fmt.Errorf("load balancer %s is %s, not %s: check the ID", lb.Name, lb.Dimension, dimension)
		}
		if err := lb.CheckType(want.typ); err != nil {
			return cloudwatch.Result{}, nil, newUsageError("cutover cloudwatch pull --alb ALB_NAME --nlb NLB_NAME", "%v", err)
		}
		g.log.Debug("load balancer resolved", "name", lb.Name, "dimension", lb.Dimension, "target_groups", len(lb.TargetGroups))
		lbs = append(lbs, lb)
	}
	res, err := cloudwatch.Pull(ctx, cwClient, cloudwatch.Request{
		LoadBalancers: lbs, From: w.From, To: w.To, Now: now, Logger: g.log,
	})
	if err != nil {
		return cloudwatch.Result{}, nil, err
	}
	return res, lbs, nil
}

func metricWindow(res cloudwatch.Result, lbs []cloudwatch.LoadBalancer) store.MetricWindow {
	w := store.MetricWindow{From: res.From, To: res.To, Period: res.Period}
	for _, lb := range lbs {
		w.LoadBalancers = append(w.LoadBalancers, lb.Dimension)
	}
	return w
}

func metricRows(res cloudwatch.Result) []store.MetricRow {
	rows := make([]store.MetricRow, len(res.Points))
	for i, p := range res.Points {
		rows[i] = store.MetricRow{
			Namespace: p.Namespace, Metric: p.Metric, LoadBalancer: p.LoadBalancer, Dimensions: p.Dimensions,
			Stat: p.Stat, Period: p.Period, Time: p.Time, Value: p.Value, Known: p.Known,
			Datapoint: p.FromCloudWatch, Unit: p.Unit,
		}
	}
	return rows
}

// metricPulls lists each metric the pull found, once per series, and each
// one it found missing.
func metricPulls(res cloudwatch.Result) []store.MetricPull {
	var pulls []store.MetricPull
	seen := make(map[store.MetricPull]bool)
	for _, s := range res.Series {
		p := store.MetricPull{Namespace: s.Namespace, Metric: s.Metric, LoadBalancer: s.LoadBalancer, Dimensions: s.Dimensions, Status: store.MetricPulled}
		if !seen[p] {
			seen[p] = true
			pulls = append(pulls, p)
		}
	}
	for _, m := range res.Missing {
		pulls = append(pulls, store.MetricPull{Namespace: m.Namespace, Metric: m.Metric, LoadBalancer: m.LoadBalancer,
			Dimensions: m.Dimensions, Status: store.MetricMissing, Reason: m.Reason})
	}
	return pulls
}

// pullTable lists every series and statistic pulled, then every metric
// found missing.
func pullTable(res cloudwatch.Result) table {
	t := table{columns: []string{"namespace", "metric", "load_balancer", "dimensions", "stat", "status", "reason", "period_seconds",
		"periods", "datapoints", "filled_zero", "unknown", "sum"}}
	sums := make(map[string]float64)
	for _, p := range res.Points {
		if p.Known {
			sums[seriesID(p.Namespace, p.Metric, p.Dimensions, p.Stat)] += p.Value
		}
	}
	for _, s := range res.Series {
		periods := s.Datapoints + s.Filled + s.Unknown
		var sum any
		if s.Stat == cloudwatch.StatSum {
			sum = sums[seriesID(s.Namespace, s.Metric, s.Dimensions, s.Stat)]
		}
		t.rows = append(t.rows, []any{s.Namespace, s.Metric, s.LoadBalancer, s.Dimensions, s.Stat, store.MetricPulled, nil, res.Period,
			periods, s.Datapoints, s.Filled, s.Unknown, sum})
	}
	for _, m := range res.Missing {
		t.rows = append(t.rows, []any{m.Namespace, m.Metric, m.LoadBalancer, m.Dimensions, nil, store.MetricMissing, m.Reason, res.Period,
			0, 0, 0, 0, nil})
	}
	return t
}

func seriesID(namespace, metric, dimensions, stat string) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s", namespace, metric, dimensions, stat)
}
