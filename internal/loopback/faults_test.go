package loopback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDropFaultRetriedOnELBv2(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedLoadBalancers(t, state, 2)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultDrop, Action: "DescribeLoadBalancers", Count: 2}))
	client, requests := startELBv2(t, state)

	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.Len(t, out.LoadBalancers, 2)
	assert.Equal(t, int64(3), requests.Load())
	assert.Equal(t, 0, state.Faults.Remaining())
}

// The SDK reports a response body cut short as a deserialization error
// and does not retry it, so the call fails and the next one succeeds.
func TestTruncateFaultFailsCall(t *testing.T) {
	srv := startServer(t)
	want := filterFixture(srv.Logs)
	srv.CloudWatch.Put("AWS/NetworkELB", "NewFlowCount", []Dimension{nlbN}, "Count", testNow, 1)
	require.NoError(t, srv.Logs.Faults.Inject(Fault{Kind: FaultTruncate, Action: "FilterLogEvents", Count: 1}))
	require.NoError(t, srv.CloudWatch.Faults.Inject(Fault{Kind: FaultTruncate, Action: "ListMetrics", Count: 1}))
	logsClient := newLogsClient(srv)
	cwClient := newCloudWatchClient(srv)
	input := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(accessGroup)}

	_, err := logsClient.FilterLogEvents(context.Background(), input)
	var deserialization *smithy.DeserializationError
	require.True(t, errors.As(err, &deserialization), "error %v is not a DeserializationError", err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, 1, srv.Logs.Calls("FilterLogEvents"))

	_, err = cwClient.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{})
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	got, _ := filterAll(t, logsClient, input)
	assert.Equal(t, want, got)
	metrics, err := cwClient.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{})
	require.NoError(t, err)
	assert.Len(t, metrics.Metrics, 1)
}

func TestFaultKindNames(t *testing.T) {
	tests := []struct {
		kind FaultKind
		want string
	}{
		{FaultThrottle, "throttle"},
		{FaultInternalError, "internal error"},
		{FaultDelay, "delay"},
		{FaultDrop, "drop"},
		{FaultTruncate, "truncate"},
		{FaultDropAfter, "drop after handler"},
		{FaultAPIError, "API error"},
		{FaultKind(42), "FaultKind(42)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.kind.String())
	}

	var faults Faults
	require.NoError(t, faults.Inject(Fault{Kind: FaultDrop, Count: 1}))
	require.NoError(t, faults.Inject(Fault{Kind: FaultTruncate, Count: 2}))
	assert.Equal(t, 3, faults.Remaining())
}

// FaultDropAfter runs the handler, so its side effect happens, but the
// client gets no response.
func TestDropAfterFaultRunsHandler(t *testing.T) {
	var faults Faults
	require.NoError(t, faults.Inject(Fault{Kind: FaultDropAfter, Action: "Apply", Count: 1}))
	var applied atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		faults.Serve(w, r, "Apply", jsonErrorFormat, func(w http.ResponseWriter) {
			applied.Add(1)
			_, _ = io.WriteString(w, "applied")
		})
	}))
	t.Cleanup(server.Close)

	resp, err := server.Client().Post(server.URL, "text/plain", strings.NewReader("change"))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	assert.Equal(t, int64(1), applied.Load())
	assert.Equal(t, 0, faults.Remaining())

	resp, err = server.Client().Post(server.URL, "text/plain", strings.NewReader("change"))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, "applied", string(body))
	assert.Equal(t, int64(2), applied.Load())
}

func TestAPIErrorFault(t *testing.T) {
	var faults Faults
	assert.Error(t, faults.Inject(Fault{Kind: FaultAPIError, Count: 1}), "a fault without a code")
	assert.Error(t, faults.Inject(Fault{Kind: FaultAPIError, Code: "Busy", Status: http.StatusOK, Count: 1}), "a fault with a success status")
	require.NoError(t, faults.Inject(Fault{Kind: FaultAPIError, Code: "PriorRequestNotComplete", Count: 1}))
	require.NoError(t, faults.Inject(Fault{Kind: FaultAPIError, Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable, Count: 1}))

	tests := []struct {
		wantStatus int
		wantCode   string
	}{
		{http.StatusBadRequest, "PriorRequestNotComplete"},
		{http.StatusServiceUnavailable, "ServiceUnavailable"},
	}
	for _, tt := range tests {
		rec := &bufferedResponse{header: http.Header{}}
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		faults.Serve(rec, req, "Apply", jsonErrorFormat, func(w http.ResponseWriter) {
			t.Error("the handler ran despite an API error fault")
		})
		assert.Equal(t, tt.wantStatus, rec.status)
		assert.Equal(t, tt.wantCode, rec.header.Get("X-Amzn-Errortype"))
	}
}
