package loopback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testRegion    = "eu-west-1"
	testAccountID = "123456789012"
)

// startELBv2 serves state on 127.0.0.1 and returns an SDK client for it,
// with static credentials and retries without backoff. The counter counts
// the HTTP requests that reach the server.
func startELBv2(t *testing.T, state *ELBv2) (*elbv2.Client, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		state.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	require.True(t, strings.HasPrefix(server.URL, "http://127.0.0.1:"), "server URL %s", server.URL)

	client := elbv2.New(elbv2.Options{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", ""),
		BaseEndpoint: aws.String(server.URL),
		HTTPClient:   server.Client(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	return client, &requests
}

func seedLoadBalancers(t *testing.T, state *ELBv2, n int) []LoadBalancer {
	t.Helper()
	var added []LoadBalancer
	for i := range n {
		lb, err := state.AddLoadBalancer(LoadBalancer{Name: fmt.Sprintf("lb-%02d", i), VPCID: "vpc-0abc"})
		require.NoError(t, err)
		added = append(added, lb)
	}
	return added
}

func TestDescribeLoadBalancersByName(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb, err := state.AddLoadBalancer(LoadBalancer{
		Name:                  "edge-nlb",
		Type:                  "network",
		CanonicalHostedZoneID: "ZNLBTEST",
		VPCID:                 "vpc-0abc",
	})
	require.NoError(t, err)
	_, err = state.AddLoadBalancer(LoadBalancer{Name: "edge-alb", Scheme: "internal"})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)

	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{
		Names: []string{"edge-nlb"},
	})
	require.NoError(t, err)
	require.Len(t, out.LoadBalancers, 1)
	got := out.LoadBalancers[0]
	assert.Equal(t, "edge-nlb", aws.ToString(got.LoadBalancerName))
	assert.Equal(t, nlb.ARN, aws.ToString(got.LoadBalancerArn))
	assert.True(t, strings.HasPrefix(nlb.ARN, "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/edge-nlb/"), nlb.ARN)
	assert.Equal(t, types.LoadBalancerTypeEnumNetwork, got.Type)
	assert.Equal(t, types.LoadBalancerSchemeEnumInternetFacing, got.Scheme)
	assert.Equal(t, nlb.DNSName, aws.ToString(got.DNSName))
	assert.Equal(t, "ZNLBTEST", aws.ToString(got.CanonicalHostedZoneId))
	assert.Equal(t, "vpc-0abc", aws.ToString(got.VpcId))
	require.NotNil(t, got.State)
	assert.Equal(t, types.LoadBalancerStateEnumActive, got.State.Code)
	assert.Nil(t, out.NextMarker)
}

func TestDescribeLoadBalancersByARNAndAll(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	added := seedLoadBalancers(t, state, 3)
	client, _ := startELBv2(t, state)

	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{
		LoadBalancerArns: []string{added[2].ARN, added[0].ARN},
	})
	require.NoError(t, err)
	require.Len(t, out.LoadBalancers, 2)
	assert.Equal(t, "lb-02", aws.ToString(out.LoadBalancers[0].LoadBalancerName))
	assert.Equal(t, "lb-00", aws.ToString(out.LoadBalancers[1].LoadBalancerName))
	assert.Equal(t, types.LoadBalancerTypeEnumApplication, out.LoadBalancers[0].Type)

	all, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.Len(t, all.LoadBalancers, 3)
}

func TestDescribeLoadBalancersNotFound(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 1)
	client, requests := startELBv2(t, state)

	_, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{
		Names: []string{"lb-00", "missing-lb"},
	})
	require.Error(t, err)
	var notFound *types.LoadBalancerNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not LoadBalancerNotFoundException", err)
	assert.Equal(t, "LoadBalancerNotFound", notFound.ErrorCode())
	assert.Contains(t, notFound.ErrorMessage(), "missing-lb")
	assert.Equal(t, int64(1), requests.Load(), "a not-found error must not be retried")
}

func TestDescribeTargetGroupsFilters(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	lbs := seedLoadBalancers(t, state, 2)
	web, err := state.AddTargetGroup(TargetGroup{
		Name: "web", Protocol: "HTTPS", Port: 443, TargetType: "ip",
		LoadBalancerARNs: []string{lbs[0].ARN}, VPCID: "vpc-0abc",
	})
	require.NoError(t, err)
	_, err = state.AddTargetGroup(TargetGroup{Name: "api", Protocol: "TCP", Port: 8443, LoadBalancerARNs: []string{lbs[1].ARN}})
	require.NoError(t, err)
	_, err = state.AddTargetGroup(TargetGroup{Name: "orphan", LoadBalancerARNs: []string{"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/none/0"}})
	require.Error(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	byLB, err := client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(lbs[0].ARN)})
	require.NoError(t, err)
	require.Len(t, byLB.TargetGroups, 1)
	got := byLB.TargetGroups[0]
	assert.Equal(t, web.ARN, aws.ToString(got.TargetGroupArn))
	assert.Equal(t, "web", aws.ToString(got.TargetGroupName))
	assert.Equal(t, types.ProtocolEnumHttps, got.Protocol)
	assert.Equal(t, int32(443), aws.ToInt32(got.Port))
	assert.Equal(t, types.TargetTypeEnumIp, got.TargetType)
	assert.Equal(t, []string{lbs[0].ARN}, got.LoadBalancerArns)
	assert.Equal(t, "vpc-0abc", aws.ToString(got.VpcId))

	byName, err := client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"api"}})
	require.NoError(t, err)
	require.Len(t, byName.TargetGroups, 1)
	assert.Equal(t, types.TargetTypeEnumInstance, byName.TargetGroups[0].TargetType)

	all, err := client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	require.NoError(t, err)
	assert.Len(t, all.TargetGroups, 2)

	_, err = client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"missing-tg"}})
	var tgNotFound *types.TargetGroupNotFoundException
	require.True(t, errors.As(err, &tgNotFound), "error %v is not TargetGroupNotFoundException", err)

	_, err = client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/none/0")})
	var lbNotFound *types.LoadBalancerNotFoundException
	require.True(t, errors.As(err, &lbNotFound), "error %v is not LoadBalancerNotFoundException", err)
}

func TestDescribeLoadBalancersPaginator(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 7)
	client, requests := startELBv2(t, state)

	paginator := elbv2.NewDescribeLoadBalancersPaginator(client, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(3)})
	var names []string
	var pageSizes []int
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pageSizes = append(pageSizes, len(page.LoadBalancers))
		for _, lb := range page.LoadBalancers {
			names = append(names, aws.ToString(lb.LoadBalancerName))
		}
	}
	assert.Equal(t, []int{3, 3, 1}, pageSizes)
	assert.Equal(t, []string{"lb-00", "lb-01", "lb-02", "lb-03", "lb-04", "lb-05", "lb-06"}, names)
	assert.Equal(t, int64(3), requests.Load())
}

func TestDescribeTargetGroupsPaginator(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	lbs := seedLoadBalancers(t, state, 1)
	for i := range 5 {
		_, err := state.AddTargetGroup(TargetGroup{Name: fmt.Sprintf("tg-%d", i), LoadBalancerARNs: []string{lbs[0].ARN}})
		require.NoError(t, err)
	}
	client, _ := startELBv2(t, state)

	paginator := elbv2.NewDescribeTargetGroupsPaginator(client, &elbv2.DescribeTargetGroupsInput{
		LoadBalancerArn: aws.String(lbs[0].ARN),
		PageSize:        aws.Int32(2),
	})
	var names []string
	pages := 0
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		for _, tg := range page.TargetGroups {
			names = append(names, aws.ToString(tg.TargetGroupName))
		}
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, []string{"tg-0", "tg-1", "tg-2", "tg-3", "tg-4"}, names)
}

func TestInvalidPageSizeAndMarker(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 2)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	for _, input := range []*elbv2.DescribeLoadBalancersInput{
		{PageSize: aws.Int32(401)},
		{Marker: aws.String("not-a-marker")},
		{Marker: aws.String("3")},
	} {
		_, err := client.DescribeLoadBalancers(ctx, input)
		var apiErr smithy.APIError
		require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
		assert.Equal(t, "ValidationError", apiErr.ErrorCode())
	}
}

func TestThrottledRequestRetried(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 1)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultThrottle, Action: "DescribeLoadBalancers", Count: 1}))
	client, requests := startELBv2(t, state)

	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.Len(t, out.LoadBalancers, 1)
	assert.Equal(t, int64(2), requests.Load())
	assert.Equal(t, 0, state.Faults.Remaining())
}

func TestInternalErrorRetried(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 1)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultInternalError, Count: 2}))
	client, requests := startELBv2(t, state)

	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.Len(t, out.LoadBalancers, 1)
	assert.Equal(t, int64(3), requests.Load())
}

func TestFaultsExhaustRetries(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultThrottle, Count: 5}))
	client, requests := startELBv2(t, state)

	_, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, "Throttling", apiErr.ErrorCode())
	assert.Equal(t, int64(retry.DefaultMaxAttempts), requests.Load())
	assert.Equal(t, 5-retry.DefaultMaxAttempts, state.Faults.Remaining())
}

func TestFaultActionFilter(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 1)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultInternalError, Action: "DescribeTargetGroups", Count: 1}))
	client, requests := startELBv2(t, state)

	_, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), requests.Load())
	assert.Equal(t, 1, state.Faults.Remaining())
}

func TestDelayFault(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 1)
	const delay = 100 * time.Millisecond
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultDelay, Delay: delay, Count: 1}))
	client, _ := startELBv2(t, state)

	started := time.Now()
	_, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(started), delay)
}

func TestFaultInjectRejectsInvalid(t *testing.T) {
	var faults Faults
	assert.Error(t, faults.Inject(Fault{Kind: FaultThrottle}))
	assert.Error(t, faults.Inject(Fault{Kind: FaultDelay, Count: 1}))
	assert.Error(t, faults.Inject(Fault{Kind: FaultKind(99), Count: 1}))
	assert.Equal(t, 0, faults.Remaining())
}

func TestUnknownActionRawXML(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	server := httptest.NewServer(state)
	t.Cleanup(server.Close)

	form := url.Values{"Action": {"DeleteEverything"}, "Version": {"2015-12-01"}}
	resp, err := server.Client().PostForm(server.URL, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	body := string(raw)

	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, `<ErrorResponse xmlns="`+ELBv2Namespace+`">`)
	assert.Contains(t, body, "<Type>Sender</Type><Code>InvalidAction</Code>")
	assert.Contains(t, body, "<RequestId>")
}

func TestAddLoadBalancerRejectsInvalid(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	_, err := state.AddLoadBalancer(LoadBalancer{Name: "gw", Type: "gateway"})
	assert.Error(t, err)
	_, err = state.AddLoadBalancer(LoadBalancer{Name: "lb", Scheme: "public"})
	assert.Error(t, err)
	_, err = state.AddLoadBalancer(LoadBalancer{})
	assert.Error(t, err)
	_, err = state.AddLoadBalancer(LoadBalancer{Name: "lb"})
	require.NoError(t, err)
	_, err = state.AddLoadBalancer(LoadBalancer{Name: "lb"})
	assert.Error(t, err, "duplicate name")
}
