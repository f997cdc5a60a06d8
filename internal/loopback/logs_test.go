package loopback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const accessGroup = "/cutover-sim/nginx/access"

// eventsStart is the timestamp of the first event in the fixtures, on
// testNow's day.
var eventsStart = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

func at(ms int) time.Time {
	return eventsStart.Add(time.Duration(ms) * time.Millisecond)
}

func TestDescribeLogGroupsPrefixAndPaging(t *testing.T) {
	srv := startServer(t)
	for _, name := range []string{"/cutover-sim/nginx/error", accessGroup, "/aws/lambda/f", "/cutover-sim/envoy"} {
		srv.Logs.CreateLogGroup(name)
	}
	srv.Logs.CreateLogGroup(accessGroup)
	srv.Logs.PutEvents(accessGroup, "i-1", LogEvent{Time: at(0), Message: "12345"}, LogEvent{Time: at(1), Message: "678"})
	client := newLogsClient(srv)

	paginator := cloudwatchlogs.NewDescribeLogGroupsPaginator(client, &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupNamePrefix: aws.String("/cutover-sim/"),
		Limit:              aws.Int32(2),
	})
	var names []string
	var groups []types.LogGroup
	pages := 0
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		for _, group := range page.LogGroups {
			names = append(names, aws.ToString(group.LogGroupName))
			groups = append(groups, group)
		}
	}
	assert.Equal(t, 2, pages)
	assert.Equal(t, []string{"/cutover-sim/envoy", accessGroup, "/cutover-sim/nginx/error"}, names)

	access := groups[1]
	assert.Equal(t, "arn:aws:logs:eu-west-1:123456789012:log-group:"+accessGroup+":*", aws.ToString(access.Arn))
	assert.Equal(t, testNow.UnixMilli(), aws.ToInt64(access.CreationTime))
	assert.Equal(t, int64(8), aws.ToInt64(access.StoredBytes))

	pattern, err := client.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupNamePattern: aws.String("NGINX"),
	})
	require.NoError(t, err)
	assert.Len(t, pattern.LogGroups, 2, "the pattern matches case-insensitively")

	_, err = client.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(51)})
	var invalid *types.InvalidParameterException
	require.True(t, errors.As(err, &invalid), "error %v is not InvalidParameterException", err)
}

func TestDescribeLogStreamsPagingAndPrefix(t *testing.T) {
	srv := startServer(t)
	for i := 7; i >= 1; i-- {
		// Stream i-0N has its last event at N milliseconds, except i-03.
		stream := fmt.Sprintf("i-0%d", i)
		srv.Logs.PutEvents(accessGroup, stream, LogEvent{Time: at(0), Message: "a"}, LogEvent{Time: at(i), Message: "bc"})
	}
	srv.Logs.PutEvents(accessGroup, "i-03", LogEvent{Time: at(100), Message: "late", IngestionTime: testNow.Add(time.Second)})
	srv.Logs.PutEvents(accessGroup, "web-1", LogEvent{Time: at(50), Message: "x"})
	client := newLogsClient(srv)

	paginator := cloudwatchlogs.NewDescribeLogStreamsPaginator(client, &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupName:        aws.String(accessGroup),
		LogStreamNamePrefix: aws.String("i-0"),
		Limit:               aws.Int32(3),
	})
	var names []string
	var pageSizes []int
	var streams []types.LogStream
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pageSizes = append(pageSizes, len(page.LogStreams))
		for _, stream := range page.LogStreams {
			names = append(names, aws.ToString(stream.LogStreamName))
			streams = append(streams, stream)
		}
	}
	assert.Equal(t, []int{3, 3, 1}, pageSizes)
	assert.Equal(t, []string{"i-01", "i-02", "i-03", "i-04", "i-05", "i-06", "i-07"}, names)

	third := streams[2]
	assert.Equal(t, "arn:aws:logs:eu-west-1:123456789012:log-group:"+accessGroup+":log-stream:i-03", aws.ToString(third.Arn))
	assert.Equal(t, at(0).UnixMilli(), aws.ToInt64(third.FirstEventTimestamp))
	assert.Equal(t, at(100).UnixMilli(), aws.ToInt64(third.LastEventTimestamp))
	assert.Equal(t, testNow.Add(time.Second).UnixMilli(), aws.ToInt64(third.LastIngestionTime))

	// By last event time, newest first, through the group's ARN, in pages
	// of 2.
	byTime := cloudwatchlogs.NewDescribeLogStreamsPaginator(client, &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupIdentifier: aws.String("arn:aws:logs:eu-west-1:123456789012:log-group:" + accessGroup),
		OrderBy:            types.OrderByLastEventTime,
		Descending:         aws.Bool(true),
		Limit:              aws.Int32(2),
	})
	names = nil
	for byTime.HasMorePages() {
		page, err := byTime.NextPage(context.Background())
		require.NoError(t, err)
		for _, stream := range page.LogStreams {
			names = append(names, aws.ToString(stream.LogStreamName))
		}
	}
	assert.Equal(t, []string{"i-03", "web-1", "i-07", "i-06", "i-05", "i-04", "i-02", "i-01"}, names)

	_, err := client.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupName:        aws.String(accessGroup),
		LogStreamNamePrefix: aws.String("i-"),
		OrderBy:             types.OrderByLastEventTime,
	})
	var invalid *types.InvalidParameterException
	require.True(t, errors.As(err, &invalid), "error %v is not InvalidParameterException", err)

	_, err = client.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupName: aws.String("/missing"),
	})
	var notFound *types.ResourceNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not ResourceNotFoundException", err)
	assert.Contains(t, notFound.ErrorMessage(), "/missing")
}

// filterFixture puts events into two streams of accessGroup, a and b,
// with some in the same millisecond, and returns the messages in
// FilterLogEvents order: by timestamp, then stream, then PutEvents order.
func filterFixture(logs *Logs) []string {
	logs.PutEvents(accessGroup, "b", LogEvent{Time: at(0), Message: "b0"}, LogEvent{Time: at(2), Message: "b2"},
		LogEvent{Time: at(2), Message: "b2 again"}, LogEvent{Time: at(5), Message: "b5"})
	logs.PutEvents(accessGroup, "a", LogEvent{Time: at(2), Message: "a2"}, LogEvent{Time: at(1), Message: "a1"},
		LogEvent{Time: at(4), Message: "a4"}, LogEvent{Time: at(6), Message: "a6"})
	logs.PutEvents(accessGroup, "other", LogEvent{Time: at(3), Message: "o3"}, LogEvent{Time: at(9), Message: "o9"})
	return []string{"b0", "a1", "a2", "b2", "b2 again", "o3", "a4", "b5", "a6", "o9"}
}

func filterAll(t *testing.T, client *cloudwatchlogs.Client, input *cloudwatchlogs.FilterLogEventsInput) (messages []string, pageSizes []int) {
	t.Helper()
	paginator := cloudwatchlogs.NewFilterLogEventsPaginator(client, input)
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pageSizes = append(pageSizes, len(page.Events))
		for _, event := range page.Events {
			messages = append(messages, aws.ToString(event.Message))
		}
	}
	return messages, pageSizes
}

func TestFilterLogEventsFilters(t *testing.T) {
	srv := startServer(t)
	filterFixture(srv.Logs)
	client := newLogsClient(srv)

	tests := []struct {
		name  string
		input cloudwatchlogs.FilterLogEventsInput
		want  []string
	}{
		{
			name:  "all",
			input: cloudwatchlogs.FilterLogEventsInput{},
			want:  []string{"b0", "a1", "a2", "b2", "b2 again", "o3", "a4", "b5", "a6", "o9"},
		},
		{
			name:  "inclusive time bounds",
			input: cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(at(2).UnixMilli()), EndTime: aws.Int64(at(5).UnixMilli())},
			want:  []string{"a2", "b2", "b2 again", "o3", "a4", "b5"},
		},
		{
			name:  "single millisecond",
			input: cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(at(4).UnixMilli()), EndTime: aws.Int64(at(4).UnixMilli())},
			want:  []string{"a4"},
		},
		{
			name:  "start only",
			input: cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(at(6).UnixMilli())},
			want:  []string{"a6", "o9"},
		},
		{
			name:  "stream names",
			input: cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{"a", "other", "missing"}},
			want:  []string{"a1", "a2", "o3", "a4", "a6", "o9"},
		},
		{
			name:  "stream prefix",
			input: cloudwatchlogs.FilterLogEventsInput{LogStreamNamePrefix: aws.String("b")},
			want:  []string{"b0", "b2", "b2 again", "b5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := tt.input
			input.LogGroupName = aws.String(accessGroup)
			got, _ := filterAll(t, client, &input)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFilterLogEventsFields(t *testing.T) {
	srv := startServer(t)
	srv.Logs.PutEvents(accessGroup, "i-1",
		LogEvent{Time: at(7), Message: "GET /a 200", IngestionTime: at(1000)},
		LogEvent{Time: at(8), Message: "GET /b 403"})
	client := newLogsClient(srv)
	input := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupIdentifier: aws.String("arn:aws:logs:eu-west-1:123456789012:log-group:" + accessGroup + ":*"),
	}

	out, err := client.FilterLogEvents(context.Background(), input)
	require.NoError(t, err)
	require.Len(t, out.Events, 2)
	first, second := out.Events[0], out.Events[1]
	assert.Equal(t, "i-1", aws.ToString(first.LogStreamName))
	assert.Equal(t, at(7).UnixMilli(), aws.ToInt64(first.Timestamp))
	assert.Equal(t, "GET /a 200", aws.ToString(first.Message))
	assert.Equal(t, at(1000).UnixMilli(), aws.ToInt64(first.IngestionTime))
	assert.Equal(t, testNow.UnixMilli(), aws.ToInt64(second.IngestionTime), "a zero ingestion time is the server clock's")
	assert.NotEqual(t, aws.ToString(first.EventId), aws.ToString(second.EventId))
	assert.Nil(t, out.NextToken)

	again, err := client.FilterLogEvents(context.Background(), input)
	require.NoError(t, err)
	require.Len(t, again.Events, 2)
	assert.Equal(t, aws.ToString(first.EventId), aws.ToString(again.Events[0].EventId), "event IDs are stable")
}

func TestFilterLogEventsPaging(t *testing.T) {
	tests := []struct {
		name          string
		pageSize      int
		emptyPages    bool
		limit         *int32
		wantPageSizes []int
	}{
		{name: "server page size", pageSize: 3, wantPageSizes: []int{3, 3, 3, 1}},
		{name: "request limit", limit: aws.Int32(4), wantPageSizes: []int{4, 4, 2}},
		{name: "limit below page size", pageSize: 5, limit: aws.Int32(3), wantPageSizes: []int{3, 3, 3, 1}},
		{name: "empty pages", pageSize: 3, emptyPages: true, wantPageSizes: []int{3, 0, 3, 0, 3, 0, 1}},
		{name: "one page", wantPageSizes: []int{10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			want := filterFixture(srv.Logs)
			srv.Logs.PageSize = tt.pageSize
			srv.Logs.EmptyPages = tt.emptyPages

			got, pageSizes := filterAll(t, newLogsClient(srv), &cloudwatchlogs.FilterLogEventsInput{
				LogGroupName: aws.String(accessGroup),
				Limit:        tt.limit,
			})
			assert.Equal(t, want, got)
			assert.Equal(t, tt.wantPageSizes, pageSizes)
			assert.Equal(t, len(tt.wantPageSizes), srv.Logs.Calls("FilterLogEvents"))
		})
	}
}

func TestFilterLogEventsErrors(t *testing.T) {
	srv := startServer(t)
	filterFixture(srv.Logs)
	client := newLogsClient(srv)

	_, err := client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/missing")})
	var notFound *types.ResourceNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not ResourceNotFoundException", err)
	assert.Equal(t, "ResourceNotFoundException", notFound.ErrorCode())

	tests := []struct {
		name  string
		input cloudwatchlogs.FilterLogEventsInput
	}{
		{name: "filter pattern", input: cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(accessGroup), FilterPattern: aws.String("ERROR")}},
		{name: "names and prefix", input: cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String(accessGroup), LogStreamNames: []string{"a"}, LogStreamNamePrefix: aws.String("a"),
		}},
		{name: "start after end", input: cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String(accessGroup), StartTime: aws.Int64(at(5).UnixMilli()), EndTime: aws.Int64(at(4).UnixMilli()),
		}},
		{name: "limit too large", input: cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(accessGroup), Limit: aws.Int32(10001)}},
		{name: "name and identifier", input: cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String(accessGroup), LogGroupIdentifier: aws.String(accessGroup),
		}},
		{name: "newest first", input: cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(accessGroup), StartFromHead: aws.Bool(false)}},
		{name: "too many stream names", input: cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String(accessGroup), LogStreamNames: make([]string, 101),
		}},
		{name: "foreign token", input: cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(accessGroup), NextToken: aws.String("bm90LWEtdG9rZW4")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.FilterLogEvents(context.Background(), &tt.input)
			var invalid *types.InvalidParameterException
			require.True(t, errors.As(err, &invalid), "error %v is not InvalidParameterException", err)
		})
	}
}

func TestLogsThrottlingRetried(t *testing.T) {
	srv := startServer(t)
	want := filterFixture(srv.Logs)
	require.NoError(t, srv.Logs.Faults.Inject(Fault{Kind: FaultThrottle, Action: "FilterLogEvents", Count: 2}))
	client := newLogsClient(srv)

	got, _ := filterAll(t, client, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(accessGroup)})
	assert.Equal(t, want, got)
	assert.Equal(t, 3, srv.Logs.Calls("FilterLogEvents"))

	require.NoError(t, srv.Logs.Faults.Inject(Fault{Kind: FaultThrottle, Action: "DescribeLogStreams", Count: 10}))
	_, err := client.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(accessGroup)})
	requireAPIError(t, err, "ThrottlingException")
	assert.Equal(t, retry.DefaultMaxAttempts, srv.Logs.Calls("DescribeLogStreams"))
}

func TestLogsDroppedConnectionRetried(t *testing.T) {
	srv := startServer(t)
	want := filterFixture(srv.Logs)
	srv.Logs.PageSize = 4
	require.NoError(t, srv.Logs.Faults.Inject(Fault{Kind: FaultDrop, Action: "FilterLogEvents", Count: 1}))
	require.NoError(t, srv.Logs.Faults.Inject(Fault{Kind: FaultInternalError, Action: "FilterLogEvents", Count: 1}))

	got, pageSizes := filterAll(t, newLogsClient(srv), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(accessGroup)})
	assert.Equal(t, want, got)
	assert.Equal(t, []int{4, 4, 2}, pageSizes)
	assert.Equal(t, 3+2, srv.Logs.Calls("FilterLogEvents"))
}

func TestFilterLogEventsPageSizeCap(t *testing.T) {
	srv, err := Start(Options{})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })

	// 300 events of 10 KiB: 102 fit in 1 MiB of messages.
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	message := strings.Repeat("x", 10<<10)
	for i := range 300 {
		srv.Logs.PutEvents("big", "i-0abc", LogEvent{Time: start.Add(time.Duration(i) * time.Millisecond), Message: message})
	}
	client := newLogsClient(srv)
	var sizes []int
	pages := cloudwatchlogs.NewFilterLogEventsPaginator(client, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("big")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		require.NoError(t, err)
		sizes = append(sizes, len(page.Events))
	}
	assert.Equal(t, []int{102, 102, 96}, sizes)
}
