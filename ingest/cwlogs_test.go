package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/terminator"
	"github.com/cutover-dev/cutover/internal/loopback"
)

// logsNow is the clock of the CloudWatch Logs tests: 12:30 UTC on 3 December
// 2026, so the slice from 11:00 to 12:00 is closed and the one from 12:00 is
// open.
var logsNow = time.Date(2026, 12, 3, 12, 30, 0, 0, time.UTC)

// at returns hour:minute UTC on 3 December 2026.
func at(hour, minute int) time.Time {
	return time.Date(2026, 12, 3, hour, minute, 0, 0, time.UTC)
}

type fakeLogEvent struct {
	id        string
	time      time.Time
	ingestion time.Time
	message   string
}

type fakeLogStream struct {
	name    string
	created time.Time
	events  []fakeLogEvent
}

// fakeLogs is an in-memory CloudWatch Logs service with the pagination of
// the real one: DescribeLogGroups and DescribeLogStreams return names in
// ASCII order, FilterLogEvents returns events in time order, and every
// response with more results carries a token.
type fakeLogs struct {
	// groupPageSize and streamPageSize are the maximum groups and streams
	// per response, and eventPageSize the maximum events when a request
	// sets no Limit.
	groupPageSize  int
	streamPageSize int
	eventPageSize  int
	// emptyPages puts an empty page with a token before every page of
	// events, as CloudWatch Logs may.
	emptyPages bool
	// filterErr, when set, is returned by FilterLogEvents.
	filterErr error

	mu      sync.Mutex
	groups  map[string]map[string]*fakeLogStream
	nextID  int
	filters []cloudwatchlogs.FilterLogEventsInput
	pages   int // FilterLogEvents responses
}

var _ CloudWatchLogsAPI = (*fakeLogs)(nil)

func newFakeLogs(groups ...string) *fakeLogs {
	f := &fakeLogs{groupPageSize: 2, streamPageSize: 2, eventPageSize: 3, groups: map[string]map[string]*fakeLogStream{}}
	for _, g := range groups {
		f.groups[g] = map[string]*fakeLogStream{}
	}
	return f
}

// put adds one event per message to a stream, creating the stream, at the
// times from first on, one second apart, ingested at ingestion.
func (f *fakeLogs) put(group, stream string, first, ingestion time.Time, messages ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.groups[group][stream]
	if s == nil {
		s = &fakeLogStream{name: stream, created: first}
		f.groups[group][stream] = s
	}
	for i, m := range messages {
		f.nextID++
		s.events = append(s.events, fakeLogEvent{id: fmt.Sprintf("ev%04d", f.nextID),
			time: first.Add(time.Duration(i) * time.Second), ingestion: ingestion, message: m})
	}
	slices.SortStableFunc(s.events, func(a, b fakeLogEvent) int { return a.time.Compare(b.time) })
}

// createStream adds a stream without events.
func (f *fakeLogs) createStream(group, stream string, created time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[group][stream] = &fakeLogStream{name: stream, created: created}
}

// page returns items[offset:] cut to size and the token of the rest.
func page[T any](items []T, token *string, size int) ([]T, *string, error) {
	offset := 0
	if token != nil {
		n, err := strconv.Atoi(*token)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid token %q", *token)
		}
		offset = n
	}
	end := min(offset+size, len(items))
	var next *string
	if end < len(items) {
		next = aws.String(strconv.Itoa(end))
	}
	return items[offset:end], next, nil
}

func (f *fakeLogs) DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for name := range f.groups {
		if strings.HasPrefix(name, aws.ToString(in.LogGroupNamePrefix)) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	names, next, err := page(names, in.NextToken, f.groupPageSize)
	if err != nil {
		return nil, err
	}
	out := &cloudwatchlogs.DescribeLogGroupsOutput{NextToken: next}
	for _, name := range names {
		out.LogGroups = append(out.LogGroups, types.LogGroup{LogGroupName: aws.String(name)})
	}
	return out, nil
}

func (f *fakeLogs) DescribeLogStreams(ctx context.Context, in *cloudwatchlogs.DescribeLogStreamsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogStreamsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	group, ok := f.groups[aws.ToString(in.LogGroupName)]
	if !ok {
		return nil, errors.New("ResourceNotFoundException: The specified log group does not exist.")
	}
	var streams []types.LogStream
	for _, s := range group {
		if !strings.HasPrefix(s.name, aws.ToString(in.LogStreamNamePrefix)) {
			continue
		}
		ls := types.LogStream{LogStreamName: aws.String(s.name), CreationTime: aws.Int64(s.created.UnixMilli())}
		if len(s.events) > 0 {
			ls.FirstEventTimestamp = aws.Int64(s.events[0].time.UnixMilli())
			ls.LastEventTimestamp = aws.Int64(s.events[len(s.events)-1].time.UnixMilli())
			var last time.Time
			for _, e := range s.events {
				if e.ingestion.After(last) {
					last = e.ingestion
				}
			}
			ls.LastIngestionTime = aws.Int64(last.UnixMilli())
		}
		streams = append(streams, ls)
	}
	slices.SortFunc(streams, func(a, b types.LogStream) int {
		return strings.Compare(aws.ToString(a.LogStreamName), aws.ToString(b.LogStreamName))
	})
	streams, next, err := page(streams, in.NextToken, f.streamPageSize)
	if err != nil {
		return nil, err
	}
	return &cloudwatchlogs.DescribeLogStreamsOutput{LogStreams: streams, NextToken: next}, nil
}

func (f *fakeLogs) FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, *in)
	f.pages++
	if f.filterErr != nil {
		return nil, f.filterErr
	}
	group, ok := f.groups[aws.ToString(in.LogGroupName)]
	if !ok {
		return nil, errors.New("ResourceNotFoundException: The specified log group does not exist.")
	}

	// With emptyPages, a token "empty:N" marks the empty page before the
	// page that starts at event N.
	token := in.NextToken
	if f.emptyPages {
		if rest, ok := strings.CutPrefix(aws.ToString(token), "empty:"); ok {
			token = aws.String(rest)
		} else {
			offset := "0"
			if token != nil {
				offset = *token
			}
			return &cloudwatchlogs.FilterLogEventsOutput{NextToken: aws.String("empty:" + offset)}, nil
		}
	}

	var events []types.FilteredLogEvent
	for _, name := range in.LogStreamNames {
		s := group[name]
		if s == nil {
			continue
		}
		for _, e := range s.events {
			ms := e.time.UnixMilli()
			if ms < aws.ToInt64(in.StartTime) || ms > aws.ToInt64(in.EndTime) {
				continue
			}
			events = append(events, types.FilteredLogEvent{EventId: aws.String(e.id), LogStreamName: aws.String(s.name),
				Message: aws.String(e.message), Timestamp: aws.Int64(ms), IngestionTime: aws.Int64(e.ingestion.UnixMilli())})
		}
	}
	size := f.eventPageSize
	if in.Limit != nil {
		size = int(*in.Limit)
	}
	events, next, err := page(events, token, size)
	if err != nil {
		return nil, err
	}
	return &cloudwatchlogs.FilterLogEventsOutput{Events: events, NextToken: next}, nil
}

// filterCalls returns the FilterLogEvents requests so far.
func (f *fakeLogs) filterCalls() []cloudwatchlogs.FilterLogEventsInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.filters)
}

// openLogs opens a cwlogs:// source on client with the clock at now.
func openLogs(t *testing.T, client CloudWatchLogsAPI, uri string, now time.Time) *cwlogsSource {
	t.Helper()
	src, err := NewCloudWatchLogsSource(context.Background(), client, uri, CloudWatchLogsOptions{Now: func() time.Time { return now }})
	require.NoError(t, err)
	return src.(*cwlogsSource)
}

// sliceStarts returns the UTC start times of the slices, as "15:04".
func sliceStarts(objects []Object) []string {
	starts := []string{}
	for _, o := range objects {
		starts = append(starts, o.End.Add(-time.Hour).Format("15:04"))
	}
	return starts
}

func TestParseCloudWatchLogsURI(t *testing.T) {
	for _, tc := range []struct {
		uri, path, err string
	}{
		{uri: "cwlogs://nginx-access", path: "nginx-access"},
		{uri: "cwlogs:///aws/ec2/nginx/access/i-0", path: "/aws/ec2/nginx/access/i-0"},
		{uri: "cwlogs://", err: "the log group name is missing"},
		{uri: "cwlogs:///", err: "the log group name is missing"},
		{uri: "CWLOGS://nginx-access", err: "expected cwlogs://LOG_GROUP"},
	} {
		path, err := ParseCloudWatchLogsURI(tc.uri)
		if tc.err != "" {
			require.Error(t, err, tc.uri)
			assert.Contains(t, err.Error(), tc.err, tc.uri)
			assert.Contains(t, err.Error(), strconv.Quote(tc.uri), tc.uri)
			continue
		}
		require.NoError(t, err, tc.uri)
		assert.Equal(t, tc.path, path, tc.uri)
	}
}

func TestGroupCandidates(t *testing.T) {
	assert.Equal(t, []string{"/aws/ec2/nginx/i-0", "/aws/ec2/nginx", "/aws/ec2", "/aws"}, groupCandidates("/aws/ec2/nginx/i-0"))
	assert.Equal(t, []string{"nginx/", "nginx"}, groupCandidates("nginx/"))
	assert.Equal(t, []string{"nginx"}, groupCandidates("nginx"))
}

func TestCloudWatchLogsSourceResolvesGroup(t *testing.T) {
	client := newFakeLogs("/aws/ec2/nginx/access", "/aws/ec2/nginx/accessories", "/aws/ec2/nginx", "/aws/ec2/nginx/zz",
		"nginx-access", "nginx")
	for _, tc := range []struct {
		uri, group, prefix string
	}{
		{"cwlogs:///aws/ec2/nginx/access", "/aws/ec2/nginx/access", ""},
		{"cwlogs:///aws/ec2/nginx/access/", "/aws/ec2/nginx/access", ""},
		{"cwlogs:///aws/ec2/nginx/access/i-0", "/aws/ec2/nginx/access", "i-0"},
		{"cwlogs:///aws/ec2/nginx/access/web/1", "/aws/ec2/nginx/access", "web/1"},
		{"cwlogs:///aws/ec2/nginx/acc", "/aws/ec2/nginx", "acc"},
		{"cwlogs:///aws/ec2/nginx/error-web", "/aws/ec2/nginx", "error-web"},
		{"cwlogs://nginx-access", "nginx-access", ""},
		{"cwlogs://nginx/web-1", "nginx", "web-1"},
	} {
		src := openLogs(t, client, tc.uri, logsNow)
		assert.Equal(t, tc.group, src.group, tc.uri)
		assert.Equal(t, tc.prefix, src.streamPrefix, tc.uri)
	}
}

func TestCloudWatchLogsSourceMissingGroup(t *testing.T) {
	client := newFakeLogs("/aws/ec2/nginx/access")

	_, err := NewCloudWatchLogsSource(context.Background(), client, "cwlogs:///aws/ec2/haproxy/i-0",
		CloudWatchLogsOptions{Now: func() time.Time { return logsNow }})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "open cwlogs:///aws/ec2/haproxy/i-0: log group not found")
	assert.Contains(t, err.Error(), "/aws/ec2/haproxy/i-0 or /aws/ec2/haproxy or /aws/ec2 or /aws")
}

func TestCloudWatchLogsSourceInvalidOptions(t *testing.T) {
	client := newFakeLogs("nginx")
	now := func() time.Time { return logsNow }
	for _, tc := range []struct {
		opts CloudWatchLogsOptions
		err  string
	}{
		{CloudWatchLogsOptions{}, "Now is not set"},
		{CloudWatchLogsOptions{Now: now, SliceLength: 7 * time.Hour}, "invalid slice length 7h0m0s"},
		{CloudWatchLogsOptions{Now: now, SliceLength: time.Second}, "invalid slice length 1s"},
	} {
		_, err := NewCloudWatchLogsSource(context.Background(), client, "cwlogs://nginx", tc.opts)
		require.Error(t, err, tc.err)
		assert.Contains(t, err.Error(), tc.err)
	}
}

func TestCloudWatchLogsSourceListsSlices(t *testing.T) {
	client := newFakeLogs("/aws/ec2/nginx/access")
	group := "/aws/ec2/nginx/access"
	// i-0a1b2c3d4e5f60718 has events from 08:20 to 12:10, the last
	// ingested at 12:10:30. web-1 has events from 10:05.
	client.put(group, "i-0a1b2c3d4e5f60718", at(8, 20), at(8, 21), "first")
	client.put(group, "i-0a1b2c3d4e5f60718", at(12, 10), at(12, 10).Add(30*time.Second), "last")
	client.put(group, "web-1", at(10, 5), at(10, 6), "web")
	// empty was created at 11:40 and has no events.
	client.createStream(group, "empty", at(11, 40))
	src := openLogs(t, client, "cwlogs:///aws/ec2/nginx/access", logsNow)

	objects := listAll(t, src, Window{})

	byStream := map[string][]Object{}
	for _, o := range objects {
		byStream[o.LogStream] = append(byStream[o.LogStream], o)
	}
	assert.Equal(t, []string{"11:00", "12:00"}, sliceStarts(byStream["empty"]), "from the creation time")
	assert.Equal(t, []string{"08:00", "09:00", "10:00", "11:00", "12:00"}, sliceStarts(byStream["i-0a1b2c3d4e5f60718"]))
	assert.Equal(t, []string{"10:00", "11:00", "12:00"}, sliceStarts(byStream["web-1"]))
	assert.Len(t, objects, 10)

	first := byStream["i-0a1b2c3d4e5f60718"][0]
	assert.Equal(t, "cwlogs:///aws/ec2/nginx/access/i-0a1b2c3d4e5f60718@2026-12-03T08:00:00Z", first.URI)
	assert.Equal(t, "/aws/ec2/nginx/access/i-0a1b2c3d4e5f60718", first.Key)
	assert.Equal(t, at(9, 0), first.End)
	assert.Equal(t, KindOther, first.Kind)
	assert.Equal(t, "closed", first.ETag)
	require.NotNil(t, first.LastEvent)
	id, _ := first.LastEvent.Get()
	assert.Empty(t, id, "no event read yet")

	// The slice from 11:00 ended 30 minutes ago and is closed. The one from
	// 12:00 is open, and its ETag carries the last ingestion time.
	assert.Equal(t, "closed", byStream["i-0a1b2c3d4e5f60718"][3].ETag)
	assert.Equal(t, "open:"+strconv.FormatInt(at(12, 10).Add(30*time.Second).UnixMilli(), 10), byStream["i-0a1b2c3d4e5f60718"][4].ETag)
	assert.Equal(t, "open:0", byStream["empty"][1].ETag, "no ingestion yet")

	// A prefix limits the streams.
	prefixed := listAll(t, openLogs(t, client, "cwlogs:///aws/ec2/nginx/access/web", logsNow), Window{})
	require.Len(t, prefixed, 3)
	assert.Equal(t, "web-1", prefixed[0].LogStream)
}

func TestCloudWatchLogsSourceWindow(t *testing.T) {
	client := newFakeLogs("nginx")
	client.put("nginx", "web-1", at(8, 20), at(8, 21), "first")
	src := openLogs(t, client, "cwlogs://nginx", logsNow)
	for _, tc := range []struct {
		name string
		w    Window
		want []string
	}{
		{"whole stream", Window{}, []string{"08:00", "09:00", "10:00", "11:00", "12:00"}},
		{"one hour", Window{From: at(10, 0), To: at(11, 0)}, []string{"10:00"}},
		{"across a slice boundary", Window{From: at(10, 30), To: at(11, 30)}, []string{"10:00", "11:00"}},
		{"end after now", Window{From: at(11, 59), To: at(18, 0)}, []string{"11:00", "12:00"}},
		{"start before the first event", Window{From: at(1, 0), To: at(9, 30)}, []string{"08:00", "09:00"}},
		{"before the first event", Window{From: at(1, 0), To: at(8, 0)}, []string{}},
		{"open start", Window{To: at(9, 0)}, []string{"08:00"}},
		{"after now", Window{From: at(13, 0), To: at(14, 0)}, []string{}},
	} {
		assert.Equal(t, tc.want, sliceStarts(listAll(t, src, tc.w)), tc.name)
	}
}

func TestCloudWatchLogsSourceEscapesStreamNames(t *testing.T) {
	client := newFakeLogs("nginx")
	client.put("nginx", "web/1 a", at(12, 5), at(12, 6), "x")
	src := openLogs(t, client, "cwlogs://nginx", logsNow)

	objects := listAll(t, src, Window{})

	require.Len(t, objects, 1)
	assert.Equal(t, "cwlogs://nginx/web%2F1%20a@2026-12-03T12:00:00Z", objects[0].URI)
	assert.Equal(t, "nginx/web/1 a", objects[0].Key)
	assert.Equal(t, "web/1 a", objects[0].LogStream)
}

func TestCloudWatchLogsSourceReadsPages(t *testing.T) {
	for _, emptyPages := range []bool{false, true} {
		t.Run(fmt.Sprintf("empty pages %v", emptyPages), func(t *testing.T) {
			client := newFakeLogs("nginx")
			client.emptyPages = emptyPages
			// An event at 09:59:59 and one at 11:00:00 lie outside the
			// slice from 10:00.
			client.put("nginx", "web-1", at(9, 59).Add(59*time.Second), at(10, 0), "before")
			client.put("nginx", "web-1", at(10, 0), at(10, 1),
				"one", "two\n", "three\nfour", "", "five", "six", "seven")
			client.put("nginx", "web-1", at(11, 0), at(11, 1), "after")
			client.put("nginx", "web-2", at(10, 30), at(10, 31), "other stream")
			src := openLogs(t, client, "cwlogs://nginx", logsNow)
			var slice Object
			for _, o := range listAll(t, src, Window{}) {
				if o.LogStream == "web-1" && o.End.Equal(at(11, 0)) {
					slice = o
				}
			}
			require.NotEmpty(t, slice.URI)

			body := readAll(t, src, slice)

			assert.Equal(t, "one\ntwo\nthree\nfour\n\nfive\nsix\nseven\n", body)
			id, last := slice.LastEvent.Get()
			assert.Equal(t, "ev0008", id, "seven")
			assert.Equal(t, at(10, 0).Add(6*time.Second), last)

			calls := client.filterCalls()
			// 7 events at 3 per page are 3 pages, each after an empty
			// page when emptyPages is set.
			if emptyPages {
				require.Len(t, calls, 6)
			} else {
				require.Len(t, calls, 3)
			}
			for _, call := range calls {
				assert.Equal(t, "nginx", aws.ToString(call.LogGroupName))
				assert.Equal(t, []string{"web-1"}, call.LogStreamNames)
				assert.Equal(t, at(10, 0).UnixMilli(), aws.ToInt64(call.StartTime))
				assert.Equal(t, at(11, 0).UnixMilli()-1, aws.ToInt64(call.EndTime), "both bounds are inclusive")
			}
			assert.Nil(t, calls[0].NextToken)
		})
	}
}

func TestCloudWatchLogsSourcePageSize(t *testing.T) {
	client := newFakeLogs("nginx")
	client.put("nginx", "web-1", at(10, 0), at(10, 1), "1", "2", "3", "4", "5")
	src, err := NewCloudWatchLogsSource(context.Background(), client, "cwlogs://nginx",
		CloudWatchLogsOptions{Now: func() time.Time { return logsNow }, PageSize: 2})
	require.NoError(t, err)
	objects := listAll(t, src, Window{From: at(10, 0), To: at(11, 0)})
	require.Len(t, objects, 1)

	assert.Equal(t, "1\n2\n3\n4\n5\n", readAll(t, src, objects[0]))
	calls := client.filterCalls()
	require.Len(t, calls, 3)
	assert.Equal(t, int32(2), aws.ToInt32(calls[0].Limit))
}

func TestCloudWatchLogsSourceReadError(t *testing.T) {
	client := newFakeLogs("nginx")
	client.put("nginx", "web-1", at(10, 0), at(10, 1), "one")
	src := openLogs(t, client, "cwlogs://nginx", logsNow)
	objects := listAll(t, src, Window{From: at(10, 0), To: at(11, 0)})
	require.Len(t, objects, 1)
	client.filterErr = errors.New("AccessDeniedException: not authorized to perform logs:FilterLogEvents")

	body, err := src.Open(context.Background(), objects[0])
	require.NoError(t, err)
	_, err = io.ReadAll(body)

	require.ErrorIs(t, err, client.filterErr)
	assert.Equal(t, "read cwlogs://nginx/web-1@2026-12-03T10:00:00Z: "+client.filterErr.Error(), err.Error())
	require.NoError(t, body.Close())
}

func TestOpenSourceCloudWatchLogs(t *testing.T) {
	client := newFakeLogs("/aws/ec2/nginx/access")
	client.put("/aws/ec2/nginx/access", "i-0a1b2c3d", at(12, 5), at(12, 6), "x")
	calls := 0
	newClient := func() (CloudWatchLogsAPI, error) {
		calls++
		return client, nil
	}
	noS3 := func() (S3API, error) {
		t.Error("OpenSource created an S3 client for a cwlogs:// URI")
		return nil, errors.New("no S3 client in this test")
	}
	opt := WithCloudWatchLogs(newClient, CloudWatchLogsOptions{Now: func() time.Time { return logsNow }})

	src, err := OpenSource(context.Background(), "cwlogs:///aws/ec2/nginx/access/i-0", noS3, opt)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	assert.Equal(t, 1, calls, "client creations")
	require.Len(t, objects, 1)
	assert.Equal(t, "cwlogs:///aws/ec2/nginx/access/i-0a1b2c3d@2026-12-03T12:00:00Z", objects[0].URI)

	// An invalid URI fails before a client is created.
	_, err = OpenSource(context.Background(), "CWLOGS://nginx", noS3, opt)
	require.Error(t, err)
	assert.Equal(t, 1, calls, "client creations")

	// Without WithCloudWatchLogs, OpenSource cannot open the URI.
	_, err = OpenSource(context.Background(), "cwlogs://nginx", noS3)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs WithCloudWatchLogs")

	// The client's error names the URI.
	failure := errors.New("no credentials")
	failing := WithCloudWatchLogs(func() (CloudWatchLogsAPI, error) { return nil, failure }, CloudWatchLogsOptions{})
	_, err = OpenSource(context.Background(), "cwlogs://nginx", noS3, failing)
	require.ErrorIs(t, err, failure)
	assert.Contains(t, err.Error(), "cwlogs://nginx")
}

// logsRun runs Run over the cwlogs:// source uri of client with the clock at
// now, on a fake store that starts with manifest, and returns the summary
// and the store.
func logsRun(t *testing.T, client CloudWatchLogsAPI, uri string, now time.Time, manifest map[string]Loaded, w Window) (Summary, *fakeStore) {
	t.Helper()
	src := openLogs(t, client, uri, now)
	st := newFakeStore(t)
	maps.Copy(st.manifest, manifest)
	sum, err := Run(context.Background(), st, []Source{src}, Options{Window: w, Terminator: &TerminatorOptions{
		Proxy: terminator.SourceNginx, TrafficPath: TrafficPathNLB,
	}})
	require.NoError(t, err)
	return sum, st
}

// manifestAfter returns the store's manifest with the objects it committed
// added, as the DuckDB store's manifest contains them after a run.
func manifestAfter(st *fakeStore) map[string]Loaded {
	st.mu.Lock()
	defer st.mu.Unlock()
	manifest := maps.Clone(st.manifest)
	for _, l := range st.loads {
		if l.committed.Load() {
			manifest[l.obj.URI] = Loaded{ETag: l.obj.ETag, ParserVersion: l.parserVersion}
		}
	}
	return manifest
}

// nginxKind returns the summary of the nginx terminator logs.
func nginxKind(t *testing.T, sum Summary) KindSummary {
	t.Helper()
	for _, k := range sum.Kinds {
		if k.Kind == KindTerminatorNginx {
			return k
		}
	}
	t.Fatalf("no %s in %+v", KindTerminatorNginx, sum.Kinds)
	return KindSummary{}
}

func TestRunCloudWatchLogsNginx(t *testing.T) {
	accessLines := strings.Split(strings.TrimSuffix(string(readTestdata(t, "nginx/testdata/access.log")), "\n"), "\n")
	errorLines := strings.Split(strings.TrimSuffix(string(readTestdata(t, "nginx/testdata/error.log")), "\n"), "\n")
	client := newFakeLogs("/aws/ec2/nginx/access", "/aws/ec2/nginx/error")
	client.put("/aws/ec2/nginx/access", "i-0123456789abcdef0", at(10, 5), at(10, 6), accessLines...)
	client.put("/aws/ec2/nginx/access", "ip-10-0-3-41.ec2.internal", at(10, 5), at(10, 6), accessLines[:2]...)
	client.put("/aws/ec2/nginx/error", "i-0123456789abcdef0", at(10, 5), at(10, 6), errorLines...)
	w := Window{From: at(10, 0), To: at(11, 0)}

	accessSum, accessStore := logsRun(t, client, "cwlogs:///aws/ec2/nginx/access", logsNow, nil, w)
	errorSum, errorStore := logsRun(t, client, "cwlogs:///aws/ec2/nginx/error", logsNow, nil, w)

	// testdata/access.log has 11 records and 1 rejected line, error.log 11
	// records, 1 rejected line and 6 lines unrelated to TLS.
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, Loaded: 2, Rows: 13, Rejected: 1}, nginxKind(t, accessSum))
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, Loaded: 1, Rows: 11, Rejected: 1, SkippedLines: 6}, nginxKind(t, errorSum))
	assert.Equal(t, 2, accessSum.LogObjects)

	access := accessStore.load(t, "cwlogs:///aws/ec2/nginx/access/i-0123456789abcdef0@2026-12-03T10:00:00Z")
	assert.Equal(t, KindTerminatorNginx, access.obj.Kind)
	assert.Equal(t, nginx.ParserVersion, access.parserVersion)
	assert.Equal(t, "i-0123456789abcdef0", access.obj.Instance, "instance ID in the stream name")
	assert.Equal(t, TrafficPathNLB, access.obj.TrafficPath)
	assert.Equal(t, at(11, 0), access.obj.End, "the slice keeps its end")
	assert.Equal(t, "closed", access.obj.ETag)
	assert.False(t, access.replace)
	assert.Equal(t, map[string]int{"access": 11}, logsOf(access))
	require.Len(t, access.rejected, 1)
	id, last := access.obj.LastEvent.Get()
	assert.Equal(t, "ev0012", id, "the 12th event of the stream")
	assert.Equal(t, at(10, 5).Add(11*time.Second), last)

	host := accessStore.load(t, "cwlogs:///aws/ec2/nginx/access/ip-10-0-3-41.ec2.internal@2026-12-03T10:00:00Z")
	assert.Equal(t, "ip-10-0-3-41.ec2.internal", host.obj.Instance, "the stream name")
	assert.Equal(t, map[string]int{"access": 2}, logsOf(host))

	errorLog := errorStore.load(t, "cwlogs:///aws/ec2/nginx/error/i-0123456789abcdef0@2026-12-03T10:00:00Z")
	assert.Equal(t, map[string]int{"error": 11}, logsOf(errorLog))
	assert.Equal(t, 6, errorLog.skipped)
	require.NotEmpty(t, errorLog.terminators)
	assert.Equal(t, 3, errorLog.terminators[0].line, "line numbers count lines of the slice")
}

func TestRunCloudWatchLogsResumes(t *testing.T) {
	client := newFakeLogs("nginx")
	accessLines := strings.Split(strings.TrimSuffix(string(readTestdata(t, "nginx/testdata/access.log")), "\n"), "\n")
	// Two events in the closed slice from 11:00, three in the open one
	// from 12:00.
	client.put("nginx", "i-0a1b2c3d", at(11, 10), at(11, 11), accessLines[0:2]...)
	client.put("nginx", "i-0a1b2c3d", at(12, 10), at(12, 11), accessLines[2:5]...)
	w := Window{From: at(11, 0)}
	closedURI := "cwlogs://nginx/i-0a1b2c3d@2026-12-03T11:00:00Z"
	openURI := "cwlogs://nginx/i-0a1b2c3d@2026-12-03T12:00:00Z"

	// The first run loads both slices.
	sum, st := logsRun(t, client, "cwlogs://nginx", logsNow, nil, w)
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, Loaded: 2, Rows: 5}, nginxKind(t, sum))
	assert.Equal(t, "open:"+strconv.FormatInt(at(12, 11).UnixMilli(), 10), st.load(t, openURI).obj.ETag)
	manifest := manifestAfter(st)

	// A second run at the same time loads nothing.
	sum, st = logsRun(t, client, "cwlogs://nginx", logsNow, manifest, w)
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, AlreadyLoaded: 2}, nginxKind(t, sum))
	assert.Empty(t, st.begunURIs())
	manifest = manifestAfter(st)

	// New events in the open slice reload it, with its earlier rows
	// replaced, and leave the closed one.
	client.put("nginx", "i-0a1b2c3d", at(12, 20), at(12, 21), accessLines[5:7]...)
	sum, st = logsRun(t, client, "cwlogs://nginx", logsNow.Add(2*time.Minute), manifest, w)
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, Loaded: 1, AlreadyLoaded: 1, Rows: 5}, nginxKind(t, sum))
	assert.Equal(t, []string{openURI}, st.begunURIs())
	reloaded := st.load(t, openURI)
	assert.True(t, reloaded.replace, "the earlier rows are replaced")
	assert.Len(t, reloaded.terminators, 5)
	manifest = manifestAfter(st)

	// Once the slice closes, the next run reads it once more, and the run
	// after that reads nothing.
	closing := at(13, 15)
	client.put("nginx", "i-0a1b2c3d", at(12, 59), at(13, 0), accessLines[7])
	sum, st = logsRun(t, client, "cwlogs://nginx", closing, manifest, Window{From: at(11, 0), To: at(13, 0)})
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, Loaded: 1, AlreadyLoaded: 1, Rows: 6}, nginxKind(t, sum))
	closed := st.load(t, openURI)
	assert.Equal(t, "closed", closed.obj.ETag)
	assert.True(t, closed.replace)
	manifest = manifestAfter(st)

	sum, st = logsRun(t, client, "cwlogs://nginx", closing.Add(time.Hour), manifest, Window{From: at(11, 0), To: at(13, 0)})
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, AlreadyLoaded: 2}, nginxKind(t, sum))
	assert.Empty(t, st.begunURIs())
	assert.Contains(t, manifest, closedURI)
}

func TestRunCloudWatchLogsReadFailure(t *testing.T) {
	client := newFakeLogs("nginx")
	client.put("nginx", "i-0a1b2c3d", at(10, 10), at(10, 11), "x")
	client.filterErr = errors.New("ThrottlingException: Rate exceeded")
	src := openLogs(t, client, "cwlogs://nginx", logsNow)
	st := newFakeStore(t)

	sum, err := Run(context.Background(), st, []Source{src}, Options{
		Window:     Window{From: at(10, 0), To: at(11, 0)},
		Terminator: &TerminatorOptions{Proxy: terminator.SourceNginx, TrafficPath: TrafficPathNLB},
	})

	require.ErrorIs(t, err, ErrObjectsFailed)
	uri := "cwlogs://nginx/i-0a1b2c3d@2026-12-03T10:00:00Z"
	require.Len(t, sum.Failures, 1)
	assert.Equal(t, uri, sum.Failures[0].URI)
	assert.Equal(t, "read "+uri+": ThrottlingException: Rate exceeded", sum.Failures[0].Err)
	assert.Equal(t, 1, st.load(t, uri).rollbacks)
	assert.Empty(t, manifestAfter(st), "a failed slice stays out of the manifest")
}

func TestRunCloudWatchLogsWithoutTerminator(t *testing.T) {
	client := newFakeLogs("nginx")
	client.put("nginx", "i-0a1b2c3d", at(10, 10), at(10, 11), "x")
	src := openLogs(t, client, "cwlogs://nginx", logsNow)
	st := newFakeStore(t)

	_, err := Run(context.Background(), st, []Source{src}, Options{})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "cwlogs://nginx")
	assert.Contains(t, err.Error(), "pass --terminator")
	assert.Empty(t, st.begunURIs())
}

// startLogsLoopback starts a loopback server whose clock is at logsNow,
// points the SDK's configuration at it, and returns it with a CloudWatch
// Logs client built as the command builds it, except that retries do not
// wait.
func startLogsLoopback(t *testing.T) (*loopback.Server, CloudWatchLogsAPI) {
	t.Helper()
	srv, err := loopback.Start(loopback.Options{Now: func() time.Time { return logsNow }})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	setAWSEnv(t, srv.URL)

	cfg, err := LoadAWSConfig(context.Background(), "")
	require.NoError(t, err)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	return srv, NewCloudWatchLogsClient(cfg, "")
}

// putLines stores one event per line in a stream of the loopback server, at
// the times from first on, one second apart, ingested a second after each.
func putLines(srv *loopback.Server, group, stream string, first time.Time, lines ...string) {
	for i, line := range lines {
		t := first.Add(time.Duration(i) * time.Second)
		srv.Logs.PutEvents(group, stream, loopback.LogEvent{Time: t, Message: line, IngestionTime: t.Add(time.Second)})
	}
}

func TestLoopbackResolvesGroup(t *testing.T) {
	srv, client := startLogsLoopback(t)
	for _, group := range []string{"/aws/ec2/nginx", "/aws/ec2/nginx/access", "/aws/ec2/nginx/access-old"} {
		srv.Logs.CreateLogGroup(group)
	}
	putLines(srv, "/aws/ec2/nginx/access", "i-0a1b2c3d", at(12, 5), "a")
	putLines(srv, "/aws/ec2/nginx/access", "i-0e4f5a6b", at(12, 5), "b")
	putLines(srv, "/aws/ec2/nginx/access", "web-1", at(12, 5), "c")

	src := openLogs(t, client, "cwlogs:///aws/ec2/nginx/access/i-0", logsNow)
	objects := listAll(t, src, Window{})

	assert.Equal(t, "/aws/ec2/nginx/access", src.group)
	assert.Equal(t, "i-0", src.streamPrefix)
	require.Len(t, objects, 2)
	assert.Equal(t, "cwlogs:///aws/ec2/nginx/access/i-0a1b2c3d@2026-12-03T12:00:00Z", objects[0].URI)
	assert.Equal(t, "cwlogs:///aws/ec2/nginx/access/i-0e4f5a6b@2026-12-03T12:00:00Z", objects[1].URI)

	src = openLogs(t, client, "cwlogs:///aws/ec2/nginx/access-new", logsNow)
	assert.Equal(t, "/aws/ec2/nginx", src.group)
	assert.Equal(t, "access-new", src.streamPrefix)
}

func TestLoopbackMissingGroup(t *testing.T) {
	srv, client := startLogsLoopback(t)
	srv.Logs.CreateLogGroup("/aws/ec2/nginx/access")

	_, err := NewCloudWatchLogsSource(context.Background(), client, "cwlogs://nginx-access/i-0",
		CloudWatchLogsOptions{Now: func() time.Time { return logsNow }})

	require.Error(t, err)
	assert.Equal(t, "open cwlogs://nginx-access/i-0: log group not found: no log group is named nginx-access/i-0 or nginx-access. Check the name and the Region",
		err.Error())
}

func TestLoopbackReadsEmptyPages(t *testing.T) {
	srv, client := startLogsLoopback(t)
	srv.Logs.PageSize = 2
	srv.Logs.EmptyPages = true
	var lines []string
	for i := range 7 {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	putLines(srv, "nginx", "web-1", at(10, 30), lines...)
	putLines(srv, "nginx", "web-1", at(11, 0), "next slice")
	src := openLogs(t, client, "cwlogs://nginx", logsNow)
	objects := listAll(t, src, Window{From: at(10, 0), To: at(11, 0)})
	require.Len(t, objects, 1)

	body := readAll(t, src, objects[0])

	assert.Equal(t, strings.Join(lines, "\n")+"\n", body)
	// 7 events at 2 per page are 4 pages, with an empty page between each
	// two of them.
	assert.Equal(t, 7, srv.Logs.Calls("FilterLogEvents"))
	id, last := objects[0].LastEvent.Get()
	assert.NotEmpty(t, id)
	assert.Equal(t, at(10, 30).Add(6*time.Second), last)
}

func TestLoopbackThrottlingRetried(t *testing.T) {
	srv, client := startLogsLoopback(t)
	putLines(srv, "nginx", "web-1", at(10, 30), "one", "two")
	src := openLogs(t, client, "cwlogs://nginx", logsNow)
	objects := listAll(t, src, Window{From: at(10, 0), To: at(11, 0)})
	require.Len(t, objects, 1)
	require.NoError(t, srv.Logs.Faults.Inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "FilterLogEvents", Count: 2}))

	body := readAll(t, src, objects[0])

	assert.Equal(t, "one\ntwo\n", body)
	assert.Equal(t, 3, srv.Logs.Calls("FilterLogEvents"), "two throttled requests and one answered")
	assert.Equal(t, 0, srv.Logs.Faults.Remaining())
}

func TestLoopbackRunNginxGroups(t *testing.T) {
	srv, client := startLogsLoopback(t)
	accessLines := strings.Split(strings.TrimSuffix(string(readTestdata(t, "nginx/testdata/access.log")), "\n"), "\n")
	errorLines := strings.Split(strings.TrimSuffix(string(readTestdata(t, "nginx/testdata/error.log")), "\n"), "\n")
	putLines(srv, "/aws/ec2/nginx/access", "i-0123456789abcdef0", at(10, 5), accessLines...)
	putLines(srv, "/aws/ec2/nginx/error", "i-0123456789abcdef0", at(10, 5), errorLines...)
	w := Window{From: at(10, 0), To: at(11, 0)}

	accessSum, accessStore := logsRun(t, client, "cwlogs:///aws/ec2/nginx/access", logsNow, nil, w)
	errorSum, errorStore := logsRun(t, client, "cwlogs:///aws/ec2/nginx/error", logsNow, nil, w)

	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, Loaded: 1, Rows: 11, Rejected: 1}, nginxKind(t, accessSum))
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, Loaded: 1, Rows: 11, Rejected: 1, SkippedLines: 6}, nginxKind(t, errorSum))
	access := accessStore.load(t, "cwlogs:///aws/ec2/nginx/access/i-0123456789abcdef0@2026-12-03T10:00:00Z")
	assert.Equal(t, map[string]int{"access": 11}, logsOf(access))
	assert.Equal(t, "i-0123456789abcdef0", access.obj.Instance)
	errorLog := errorStore.load(t, "cwlogs:///aws/ec2/nginx/error/i-0123456789abcdef0@2026-12-03T10:00:00Z")
	assert.Equal(t, map[string]int{"error": 11}, logsOf(errorLog))
	_, last := errorLog.obj.LastEvent.Get()
	assert.Equal(t, at(10, 5).Add(17*time.Second), last, "the 18th line")

	// A second run loads nothing.
	sum, st := logsRun(t, client, "cwlogs:///aws/ec2/nginx/access", logsNow, manifestAfter(accessStore), w)
	assert.Equal(t, KindSummary{Kind: KindTerminatorNginx, AlreadyLoaded: 1}, nginxKind(t, sum))
	assert.Empty(t, st.begunURIs())
}

func TestCloudWatchLogsClientAttempts(t *testing.T) {
	client := NewCloudWatchLogsClient(aws.Config{Region: "eu-west-1"}, "http://127.0.0.1:1")
	assert.Equal(t, cloudWatchLogsAttempts, client.Options().RetryMaxAttempts)
	assert.Equal(t, "http://127.0.0.1:1", aws.ToString(client.Options().BaseEndpoint))

	// A maximum from the configuration wins.
	client = NewCloudWatchLogsClient(aws.Config{Region: "eu-west-1", RetryMaxAttempts: 2}, "")
	assert.Equal(t, 2, client.Options().RetryMaxAttempts)
}
