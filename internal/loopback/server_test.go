package loopback

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testNow is the server clock in tests that start a Server.
var testNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

var testCredentials = credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", "")

// startServer starts a Server whose clock is fixed at testNow.
func startServer(t *testing.T) *Server {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv, err := Start(Options{Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), "server URL %s", srv.URL)
	return srv
}

// noBackoffRetryer is the SDK's standard retryer with its default attempts
// and retryable errors, but without waits between attempts.
func noBackoffRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func newCloudWatchClient(srv *Server) *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      noBackoffRetryer(),
	})
}

func newLogsClient(srv *Server) *cloudwatchlogs.Client {
	return cloudwatchlogs.New(cloudwatchlogs.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      noBackoffRetryer(),
	})
}

// requireAPIError asserts that err is an API error with the code.
func requireAPIError(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, code, apiErr.ErrorCode(), "error message: %s", apiErr.ErrorMessage())
	return apiErr
}

func TestServerAllServicesOnOnePort(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()

	require.NoError(t, srv.CreateBucket("logs"))
	assert.Error(t, srv.CreateBucket("logs"), "a second bucket with the same name")
	lb, err := srv.ELBv2.AddLoadBalancer(LoadBalancer{Name: "edge-alb"})
	require.NoError(t, err)
	srv.CloudWatch.Put("AWS/ApplicationELB", "RequestCount", []Dimension{{Name: "LoadBalancer", Value: "app/edge-alb/1"}},
		"Count", testNow.Add(-time.Hour), 5)
	srv.Logs.PutEvents("/cutover/nginx", "i-0abc", LogEvent{Time: testNow.Add(-time.Minute), Message: "GET / 200"})

	// S3 through the SDK, path-style, on the server's URL.
	s3Client := s3.New(s3.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Retryer:      noBackoffRetryer(),
	})
	_, err = s3Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("logs"), Key: aws.String("a/b.log"), Body: strings.NewReader("line 1\n"),
	})
	require.NoError(t, err)
	object, err := s3Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("a/b.log")})
	require.NoError(t, err)
	body, err := io.ReadAll(object.Body)
	require.NoError(t, err)
	require.NoError(t, object.Body.Close())
	assert.Equal(t, "line 1\n", string(body))

	// ELBv2 over awsQuery.
	elbClient := elbv2.New(elbv2.Options{
		Region: testRegion, Credentials: testCredentials, BaseEndpoint: aws.String(srv.URL), Retryer: noBackoffRetryer(),
	})
	lbs, err := elbClient.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	require.Len(t, lbs.LoadBalancers, 1)
	assert.Equal(t, lb.ARN, aws.ToString(lbs.LoadBalancers[0].LoadBalancerArn))

	// CloudWatch over RPCv2 CBOR.
	metrics, err := newCloudWatchClient(srv).ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
	require.NoError(t, err)
	require.Len(t, metrics.Metrics, 1)
	assert.Equal(t, "RequestCount", aws.ToString(metrics.Metrics[0].MetricName))

	// CloudWatch Logs over AWS JSON 1.1.
	groups, err := newLogsClient(srv).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	require.NoError(t, err)
	require.Len(t, groups.LogGroups, 1)
	assert.Equal(t, "/cutover/nginx", aws.ToString(groups.LogGroups[0].LogGroupName))
	assert.Equal(t, "arn:aws:logs:eu-west-1:123456789012:log-group:/cutover/nginx", aws.ToString(groups.LogGroups[0].LogGroupArn))

	assert.Equal(t, 1, srv.CloudWatch.Calls("ListMetrics"))
	assert.Equal(t, 1, srv.Logs.Calls("DescribeLogGroups"))
}

func TestServerEnv(t *testing.T) {
	srv, err := Start(Options{Region: "us-east-2"})
	require.NoError(t, err)
	defer srv.Close()

	env := srv.Env()
	assert.Contains(t, env, "AWS_ENDPOINT_URL="+srv.URL)
	assert.Contains(t, env, "AWS_REGION=us-east-2")
	assert.Contains(t, env, "AWS_EC2_METADATA_DISABLED=true")
}

func TestStartS3DefaultOptions(t *testing.T) {
	srv, err := StartS3()
	require.NoError(t, err)
	defer srv.Close()

	assert.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	assert.Contains(t, srv.Env(), "AWS_REGION=eu-west-1")
	lb, err := srv.ELBv2.AddLoadBalancer(LoadBalancer{Name: "lb"})
	require.NoError(t, err)
	assert.Contains(t, lb.ARN, ":eu-west-1:123456789012:")
}

// rawPost sends a POST with headers to the server and returns the status,
// the response headers and the body.
func rawPost(t *testing.T, target, contentType string, headers map[string]string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	for name, value := range headers {
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, raw
}

func TestRouterUnknownServices(t *testing.T) {
	srv := startServer(t)

	tests := []struct {
		name        string
		path        string
		contentType string
		headers     map[string]string
		body        string
		wantStatus  int
		wantBody    string
	}{
		{
			name:        "json target",
			path:        "/",
			contentType: "application/x-amz-json-1.1",
			headers:     map[string]string{"X-Amz-Target": "DynamoDB_20120810.ListTables"},
			body:        "{}",
			wantStatus:  http.StatusBadRequest,
			wantBody:    `"__type":"UnknownOperationException"`,
		},
		{
			name:        "query version",
			path:        "/",
			contentType: "application/x-www-form-urlencoded",
			body:        url.Values{"Action": {"DescribeAutoScalingGroups"}, "Version": {"2011-01-01"}}.Encode(),
			wantStatus:  http.StatusBadRequest,
			wantBody:    "<Code>InvalidAction</Code>",
		},
		{
			name:        "logs operation",
			path:        "/",
			contentType: "application/x-amz-json-1.1",
			headers:     map[string]string{"X-Amz-Target": "Logs_20140328.PutLogEvents"},
			body:        "{}",
			wantStatus:  http.StatusBadRequest,
			wantBody:    `"__type":"UnknownOperationException"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := rawPost(t, srv.URL+tt.path, tt.contentType, tt.headers, []byte(tt.body))
			assert.Equal(t, tt.wantStatus, status)
			assert.Contains(t, string(body), tt.wantBody)
		})
	}
}

func TestRouterPrefixAndFallback(t *testing.T) {
	prefixed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "route53") })
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "s3") })
	query := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The router must leave the form body for the service to read.
		require.NoError(t, r.ParseForm())
		_, _ = io.WriteString(w, "query "+r.Form.Get("Action"))
	})
	routes := newRouter(fallback)
	routes.handlePrefix("/2013-04-01/", prefixed)
	routes.handleQuery("2016-11-15", query)

	tests := []struct {
		name, method, target, contentType, body, want string
	}{
		{name: "rest prefix", method: http.MethodGet, target: "/2013-04-01/hostedzone", want: "route53"},
		{name: "s3 object", method: http.MethodGet, target: "/bucket/2013-04-01/key", want: "s3"},
		{name: "query post", method: http.MethodPost, target: "/", contentType: "application/x-www-form-urlencoded; charset=utf-8",
			body: "Action=DescribeInstances&Version=2016-11-15", want: "query DescribeInstances"},
		{name: "query get", method: http.MethodGet, target: "/?Action=DescribeRegions&Version=2016-11-15", want: "query DescribeRegions"},
		{name: "form post to a key", method: http.MethodPost, target: "/bucket/key", contentType: "application/x-www-form-urlencoded",
			body: "Action=DescribeInstances&Version=2016-11-15", want: "s3"},
		{name: "form without version", method: http.MethodPost, target: "/", contentType: "application/x-www-form-urlencoded",
			body: "Action=DescribeInstances", want: "s3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://127.0.0.1"+tt.target, strings.NewReader(tt.body))
			require.NoError(t, err)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := &bufferedResponse{header: http.Header{}}
			routes.ServeHTTP(rec, req)
			assert.Equal(t, tt.want, rec.body.String())
		})
	}
}

// cwMetric builds the SDK's Metric value.
func cwMetric(namespace, name string, dims ...Dimension) *cwtypes.Metric {
	metric := &cwtypes.Metric{Namespace: aws.String(namespace), MetricName: aws.String(name)}
	for _, d := range dims {
		metric.Dimensions = append(metric.Dimensions, cwtypes.Dimension{Name: aws.String(d.Name), Value: aws.String(d.Value)})
	}
	return metric
}
