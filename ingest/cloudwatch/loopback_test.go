package cloudwatch_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awscloudwatch "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/cloudwatch"
	"github.com/cutover-dev/cutover/internal/loopback"
)

// loopbackNow is the clock of the loopback server and of every request.
var loopbackNow = time.Date(2026, 8, 10, 12, 0, 0, 0, time.UTC)

// loopbackEnv is a loopback server with SDK clients aimed at it.
type loopbackEnv struct {
	server     *loopback.Server
	cloudWatch *awscloudwatch.Client
	elbv2      *elbv2.Client
}

// startLoopback starts a loopback server on 127.0.0.1 and builds SDK
// clients for it with static credentials and the standard retryer, without
// its backoff delays so that retries do not slow the tests.
func startLoopback(t *testing.T) loopbackEnv {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	server, err := loopback.Start(loopback.Options{
		Region:    "eu-west-1",
		AccountID: "123456789012",
		Now:       func() time.Time { return loopbackNow },
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Close() })
	require.True(t, strings.HasPrefix(server.URL, "http://127.0.0.1:"), "server URL %s", server.URL)

	credentialsProvider := credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", "")
	newRetryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	return loopbackEnv{
		server: server,
		cloudWatch: awscloudwatch.New(awscloudwatch.Options{
			Region:       "eu-west-1",
			Credentials:  credentialsProvider,
			BaseEndpoint: aws.String(server.URL),
			Retryer:      newRetryer(),
		}),
		elbv2: elbv2.New(elbv2.Options{
			Region:       "eu-west-1",
			Credentials:  credentialsProvider,
			BaseEndpoint: aws.String(server.URL),
			Retryer:      newRetryer(),
		}),
	}
}

// testTraffic is the state the loopback tests put into the server: an ALB
// "web" and an NLB "edge", each with one target group, and their metrics
// for the two hours before loopbackNow.
type testTraffic struct {
	alb, nlb cloudwatch.LoadBalancer
	// requestSums is the Sum of RequestCount per minute, for minutes with
	// requests.
	requestSums map[int]float64
	// latencyMinutes are the minutes with TargetResponseTime samples.
	latencyMinutes map[int]bool
	// newFlows is the sum of every NewFlowCount sample.
	newFlows float64
}

const trafficMinutes = 120

// trafficStart is the first minute of the traffic and of the test window.
var trafficStart = loopbackNow.Add(-trafficMinutes * time.Minute)

// addTraffic adds the load balancers, resolves them through ELBv2 and puts
// their metrics. Within each minute the samples are spread over the
// seconds, so that the server has to add them up.
func addTraffic(t *testing.T, env loopbackEnv) testTraffic {
	t.Helper()
	ctx := context.Background()
	for _, lb := range []loopback.LoadBalancer{{Name: "web", Type: "application"}, {Name: "edge", Type: "network"}} {
		added, err := env.server.ELBv2.AddLoadBalancer(lb)
		require.NoError(t, err)
		_, err = env.server.ELBv2.AddTargetGroup(loopback.TargetGroup{Name: lb.Name + "-tg", LoadBalancerARNs: []string{added.ARN}})
		require.NoError(t, err)
	}

	var traffic testTraffic
	var err error
	traffic.alb, err = cloudwatch.Resolve(ctx, env.elbv2, "web")
	require.NoError(t, err)
	traffic.nlb, err = cloudwatch.Resolve(ctx, env.elbv2, "edge")
	require.NoError(t, err)
	require.Len(t, traffic.alb.TargetGroups, 1)
	require.Len(t, traffic.nlb.TargetGroups, 1)

	cw := env.server.CloudWatch
	albDims := []loopback.Dimension{{Name: "LoadBalancer", Value: traffic.alb.Dimension}}
	albTGDims := []loopback.Dimension{
		{Name: "TargetGroup", Value: traffic.alb.TargetGroups[0].Dimension},
		{Name: "LoadBalancer", Value: traffic.alb.Dimension},
	}
	nlbDims := []loopback.Dimension{{Name: "LoadBalancer", Value: traffic.nlb.Dimension}}
	nlbTGDims := []loopback.Dimension{
		{Name: "TargetGroup", Value: traffic.nlb.TargetGroups[0].Dimension},
		{Name: "LoadBalancer", Value: traffic.nlb.Dimension},
	}

	traffic.requestSums = make(map[int]float64)
	traffic.latencyMinutes = make(map[int]bool)
	for m := range trafficMinutes {
		minute := trafficStart.Add(time.Duration(m) * time.Minute)

		// Every seventh minute, counting from minute 3, has no requests.
		if m%7 != 3 {
			first, second := float64(m%5+1), 2.0
			cw.Put(cloudwatch.NamespaceALB, "RequestCount", albDims, "Count", minute.Add(5*time.Second), first)
			cw.Put(cloudwatch.NamespaceALB, "RequestCount", albDims, "Count", minute.Add(40*time.Second), second)
			traffic.requestSums[m] = first + second
		}
		// Every fourth minute has latency samples.
		if m%4 == 0 {
			cw.Put(cloudwatch.NamespaceALB, "TargetResponseTime", albDims, "Seconds", minute.Add(10*time.Second), 0.1, 0.2, 0.3)
			traffic.latencyMinutes[m] = true
		}
		cw.Put(cloudwatch.NamespaceALB, "HealthyHostCount", albTGDims, "Count", minute, 2, 3)
		cw.Put(cloudwatch.NamespaceNLB, "NewFlowCount", nlbDims, "Count", minute.Add(30*time.Second), 10, float64(m))
		traffic.newFlows += 10 + float64(m)
		cw.Put(cloudwatch.NamespaceNLB, "ActiveFlowCount", nlbDims, "Count", minute, 40, 60)
		cw.Put(cloudwatch.NamespaceNLB, "HealthyHostCount", nlbTGDims, "Count", minute, 4)
	}
	cw.Put(cloudwatch.NamespaceALB, "ClientTLSNegotiationErrorCount", albDims, "Count", trafficStart.Add(10*time.Minute), 4)
	// HTTPCode_ELB_5XX_Count exists only per Availability Zone, so the
	// load balancer series does not exist.
	cw.Put(cloudwatch.NamespaceALB, "HTTPCode_ELB_5XX_Count",
		append(albDims, loopback.Dimension{Name: "AvailabilityZone", Value: "eu-west-1a"}), "Count", trafficStart, 1)
	return traffic
}

// requestTotals returns the ALB's RequestCount summed over the pulled rows,
// and the sum the test put into the server.
func requestTotals(result cloudwatch.Result, traffic testTraffic) (pulled, put float64) {
	for _, row := range rowsOf(result.Points, cloudwatch.NamespaceALB, "RequestCount", cloudwatch.StatSum) {
		pulled += row.Value
	}
	for _, sum := range traffic.requestSums {
		put += sum
	}
	return pulled, put
}

// rowsOf returns the rows of one metric and statistic in time order.
func rowsOf(points []cloudwatch.Datapoint, namespace, metric, stat string) []cloudwatch.Datapoint {
	var rows []cloudwatch.Datapoint
	for _, p := range points {
		if p.Namespace == namespace && p.Metric == metric && p.Stat == stat {
			rows = append(rows, p)
		}
	}
	return rows
}

func TestLoopbackPull(t *testing.T) {
	env := startLoopback(t)
	traffic := addTraffic(t, env)
	// Pages of at most 30 datapoints, and ListMetrics pages of 2 metrics.
	env.server.CloudWatch.MaxDatapointsPerCall = 30
	env.server.CloudWatch.ListMetricsPageSize = 2

	result, err := cloudwatch.Pull(context.Background(), env.cloudWatch, cloudwatch.Request{
		LoadBalancers: []cloudwatch.LoadBalancer{traffic.alb, traffic.nlb},
		From:          trafficStart,
		To:            loopbackNow,
		Now:           loopbackNow,
		// 120 periods exceed 100 datapoints, so every series is fetched in
		// a chunk of 100 periods and one of 20.
		MaxDatapointsPerCall: 100,
	})
	require.NoError(t, err)

	assert.Equal(t, trafficStart, result.From, "From")
	assert.Equal(t, loopbackNow, result.To, "To")
	assert.Equal(t, int32(60), result.Period, "Period")

	// 8 ALB queries (RequestCount, 4 TargetResponseTime, 2 HealthyHostCount,
	// ClientTLSNegotiationErrorCount) and 5 NLB queries (NewFlowCount, 2
	// ActiveFlowCount, 2 HealthyHostCount) make 13 calls for the chunk of
	// 100 periods and 3 calls of 5 queries for the chunk of 20. Pages of 30
	// datapoints add more requests.
	require.Len(t, result.Series, 13)
	require.Len(t, result.Points, 13*trafficMinutes)
	assert.Greater(t, result.Calls, 13+3, "GetMetricData requests with pages")
	assert.Equal(t, env.server.CloudWatch.Calls("GetMetricData"), result.Calls, "requests that reached the server")

	t.Run("count sums", func(t *testing.T) {
		rows := rowsOf(result.Points, cloudwatch.NamespaceALB, "RequestCount", cloudwatch.StatSum)
		require.Len(t, rows, trafficMinutes)
		var got, want float64
		for m, row := range rows {
			assert.Equal(t, trafficStart.Add(time.Duration(m)*time.Minute), row.Time, "minute %d", m)
			assert.InDelta(t, traffic.requestSums[m], row.Value, 0, "RequestCount minute %d", m)
			got += row.Value
			want += traffic.requestSums[m]
		}
		assert.InDelta(t, want, got, 0, "RequestCount total")

		var flows float64
		for _, row := range rowsOf(result.Points, cloudwatch.NamespaceNLB, "NewFlowCount", cloudwatch.StatSum) {
			flows += row.Value
		}
		assert.InDelta(t, traffic.newFlows, flows, 0, "NewFlowCount total")
	})

	t.Run("count minute without datapoint", func(t *testing.T) {
		rows := rowsOf(result.Points, cloudwatch.NamespaceALB, "RequestCount", cloudwatch.StatSum)
		require.Len(t, rows, trafficMinutes)
		assert.InDelta(t, 0, rows[3].Value, 0, "minute 3 value")
		assert.True(t, rows[3].Known, "minute 3 known")
		assert.False(t, rows[3].FromCloudWatch, "minute 3 filled")
		assert.True(t, rows[4].FromCloudWatch, "minute 4 from CloudWatch")

		tlsErrors := rowsOf(result.Points, cloudwatch.NamespaceALB, "ClientTLSNegotiationErrorCount", cloudwatch.StatSum)
		require.Len(t, tlsErrors, trafficMinutes)
		assert.InDelta(t, 4, tlsErrors[10].Value, 0, "TLS errors at minute 10")
		assert.True(t, tlsErrors[10].FromCloudWatch, "TLS errors at minute 10 from CloudWatch")
		assert.InDelta(t, 0, tlsErrors[11].Value, 0, "TLS errors at minute 11")
		assert.False(t, tlsErrors[11].FromCloudWatch, "TLS errors at minute 11 filled")
	})

	t.Run("latency minute without datapoint", func(t *testing.T) {
		for _, stat := range []string{cloudwatch.StatAverage, cloudwatch.StatP50, cloudwatch.StatP90, cloudwatch.StatP99} {
			rows := rowsOf(result.Points, cloudwatch.NamespaceALB, "TargetResponseTime", stat)
			require.Len(t, rows, trafficMinutes, stat)
			for m, row := range rows {
				assert.Equal(t, traffic.latencyMinutes[m], row.Known, "%s minute %d known", stat, m)
				assert.Equal(t, traffic.latencyMinutes[m], row.FromCloudWatch, "%s minute %d from CloudWatch", stat, m)
				assert.Equal(t, cloudwatch.UnitSeconds, row.Unit)
			}
		}
		average := rowsOf(result.Points, cloudwatch.NamespaceALB, "TargetResponseTime", cloudwatch.StatAverage)
		assert.InDelta(t, 0.2, average[0].Value, 1e-9, "average of 0.1, 0.2 and 0.3")
		p99 := rowsOf(result.Points, cloudwatch.NamespaceALB, "TargetResponseTime", cloudwatch.StatP99)
		assert.InDelta(t, 0.3, p99[0].Value, 1e-9, "p99 of 0.1, 0.2 and 0.3")
	})

	t.Run("gauges", func(t *testing.T) {
		minimum := rowsOf(result.Points, cloudwatch.NamespaceALB, "HealthyHostCount", cloudwatch.StatMinimum)
		require.Len(t, minimum, trafficMinutes)
		wantDims := "LoadBalancer=" + traffic.alb.Dimension + ",TargetGroup=" + traffic.alb.TargetGroups[0].Dimension
		for m, row := range minimum {
			assert.InDelta(t, 2, row.Value, 0, "HealthyHostCount Minimum minute %d", m)
			assert.Equal(t, wantDims, row.Dimensions)
		}
		maximum := rowsOf(result.Points, cloudwatch.NamespaceNLB, "ActiveFlowCount", cloudwatch.StatMaximum)
		require.Len(t, maximum, trafficMinutes)
		assert.InDelta(t, 60, maximum[0].Value, 0, "ActiveFlowCount Maximum")
		average := rowsOf(result.Points, cloudwatch.NamespaceNLB, "ActiveFlowCount", cloudwatch.StatAverage)
		require.Len(t, average, trafficMinutes)
		assert.InDelta(t, 50, average[0].Value, 0, "ActiveFlowCount Average")
	})

	t.Run("missing metrics", func(t *testing.T) {
		missing := make(map[string]cloudwatch.MissingMetric)
		for _, m := range result.Missing {
			missing[m.Namespace+" "+m.Metric] = m
		}
		require.Contains(t, missing, cloudwatch.NamespaceALB+" HTTPCode_ELB_5XX_Count")
		assert.Equal(t, cloudwatch.MissingMetric{
			Namespace:    cloudwatch.NamespaceALB,
			Metric:       "HTTPCode_ELB_5XX_Count",
			LoadBalancer: traffic.alb.Dimension,
			Dimensions:   "LoadBalancer=" + traffic.alb.Dimension,
			Reason:       "not published for this load balancer in this region",
		}, missing[cloudwatch.NamespaceALB+" HTTPCode_ELB_5XX_Count"])
		assert.Contains(t, missing, cloudwatch.NamespaceNLB+" TCP_Target_Reset_Count")
		assert.Contains(t, missing, cloudwatch.NamespaceNLB+" UnHealthyHostCount")
		assert.NotContains(t, missing, cloudwatch.NamespaceALB+" RequestCount")

		for _, row := range result.Points {
			assert.NotContains(t, missing, row.Namespace+" "+row.Metric, "row of a missing metric")
		}
	})
}

func TestLoopbackPullRetriesFaults(t *testing.T) {
	// The standard retryer makes 3 attempts, so the first GetMetricData
	// request can take both faults and still succeed.
	tests := []struct {
		name   string
		faults []loopback.FaultKind
	}{
		{name: "throttle then 500", faults: []loopback.FaultKind{loopback.FaultThrottle, loopback.FaultInternalError}},
		{name: "dropped connection then throttle", faults: []loopback.FaultKind{loopback.FaultDrop, loopback.FaultThrottle}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startLoopback(t)
			traffic := addTraffic(t, env)
			faults := &env.server.CloudWatch.Faults
			require.NoError(t, faults.Inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "ListMetrics", Count: 1}))
			for _, kind := range tt.faults {
				require.NoError(t, faults.Inject(loopback.Fault{Kind: kind, Action: "GetMetricData", Count: 1}))
			}

			result, err := cloudwatch.Pull(context.Background(), env.cloudWatch, cloudwatch.Request{
				LoadBalancers:     []cloudwatch.LoadBalancer{traffic.alb},
				From:              trafficStart,
				To:                loopbackNow,
				Now:               loopbackNow,
				MaxQueriesPerCall: 2,
			})
			require.NoError(t, err)

			assert.Equal(t, 0, faults.Remaining(), "faults left")
			assert.Equal(t, 4, result.Calls, "8 queries at 2 per call")
			assert.Equal(t, result.Calls+len(tt.faults), env.server.CloudWatch.Calls("GetMetricData"),
				"requests that reached the server, retries included")
			assert.Equal(t, 2, env.server.CloudWatch.Calls("ListMetrics"), "ListMetrics requests, the retry included")

			got, want := requestTotals(result, traffic)
			assert.InDelta(t, want, got, 0, "RequestCount total after retries")
		})
	}
}

func TestLoopbackPullGivesUp(t *testing.T) {
	env := startLoopback(t)
	traffic := addTraffic(t, env)
	require.NoError(t, env.server.CloudWatch.Faults.Inject(loopback.Fault{Kind: loopback.FaultInternalError, Action: "GetMetricData", Count: 3}))

	_, err := cloudwatch.Pull(context.Background(), env.cloudWatch, cloudwatch.Request{
		LoadBalancers: []cloudwatch.LoadBalancer{traffic.alb},
		From:          trafficStart,
		To:            loopbackNow,
		Now:           loopbackNow,
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), traffic.alb.Dimension)
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "InternalFailure", apiErr.ErrorCode())
}

func TestLoopbackResolve(t *testing.T) {
	env := startLoopback(t)
	traffic := addTraffic(t, env)
	ctx := context.Background()

	t.Run("ARN", func(t *testing.T) {
		lb, err := cloudwatch.Resolve(ctx, env.elbv2, traffic.nlb.ARN)
		require.NoError(t, err)
		assert.Equal(t, traffic.nlb, lb)
		assert.Equal(t, cloudwatch.TypeNetwork, lb.Type)
		assert.True(t, strings.HasPrefix(lb.Dimension, "net/edge/"), "dimension %s", lb.Dimension)
		assert.True(t, strings.HasSuffix(lb.ARN, ":loadbalancer/"+lb.Dimension), "ARN %s", lb.ARN)
		assert.True(t, strings.HasPrefix(lb.TargetGroups[0].Dimension, "targetgroup/edge-tg/"), "target group %s", lb.TargetGroups[0].Dimension)
	})

	t.Run("unknown name", func(t *testing.T) {
		_, err := cloudwatch.Resolve(ctx, env.elbv2, "nope")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "load balancer nope not found")
		var notFound *elbv2types.LoadBalancerNotFoundException
		assert.True(t, errors.As(err, &notFound), "LoadBalancerNotFoundException in %v", err)
	})

	t.Run("type mismatch", func(t *testing.T) {
		lb, err := cloudwatch.Resolve(ctx, env.elbv2, "edge")
		require.NoError(t, err)
		err = lb.CheckType(cloudwatch.TypeApplication)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "has type network, expected type application")
	})
}

// faultingAPI injects faults into the loopback server just before the
// GetMetricData request with the given number, counted from 1.
type faultingAPI struct {
	cloudwatch.API
	server  *loopback.Server
	at      int
	faults  []loopback.FaultKind
	request int
}

func (f *faultingAPI) GetMetricData(ctx context.Context, in *awscloudwatch.GetMetricDataInput, opts ...func(*awscloudwatch.Options)) (*awscloudwatch.GetMetricDataOutput, error) {
	f.request++
	if f.request == f.at {
		for _, kind := range f.faults {
			if err := f.server.CloudWatch.Faults.Inject(loopback.Fault{Kind: kind, Action: "GetMetricData", Count: 1}); err != nil {
				return nil, err
			}
		}
	}
	return f.API.GetMetricData(ctx, in, opts...)
}

func TestLoopbackPullFaultsMidPaging(t *testing.T) {
	env := startLoopback(t)
	traffic := addTraffic(t, env)
	// Pages of 30 datapoints, so that each call of 120 periods takes several
	// NextToken pages, and the faults hit the third page of the first call.
	env.server.CloudWatch.MaxDatapointsPerCall = 30
	api := &faultingAPI{API: env.cloudWatch, server: env.server, at: 3,
		faults: []loopback.FaultKind{loopback.FaultThrottle, loopback.FaultDrop}}

	result, err := cloudwatch.Pull(context.Background(), api, cloudwatch.Request{
		LoadBalancers:     []cloudwatch.LoadBalancer{traffic.alb},
		From:              trafficStart,
		To:                loopbackNow,
		Now:               loopbackNow,
		MaxQueriesPerCall: 2,
	})
	require.NoError(t, err)

	assert.Equal(t, 0, env.server.CloudWatch.Faults.Remaining(), "faults left")
	assert.Greater(t, result.Calls, 8, "each call of 240 datapoints takes 8 pages of 30")
	assert.Equal(t, result.Calls+2, env.server.CloudWatch.Calls("GetMetricData"), "requests, the two retries included")
	got, want := requestTotals(result, traffic)
	assert.Equal(t, want, got, "RequestCount total after faults in the middle of paging")
	assert.Len(t, rowsOf(result.Points, cloudwatch.NamespaceALB, "RequestCount", cloudwatch.StatSum), trafficMinutes)
}
