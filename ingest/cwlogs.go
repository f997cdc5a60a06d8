package ingest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// CloudWatchLogsScheme starts the URI of a CloudWatch Logs source:
// "cwlogs://LOG_GROUP" or "cwlogs://LOG_GROUP/STREAM_PREFIX".
const CloudWatchLogsScheme = "cwlogs://"

// The defaults of CloudWatchLogsOptions.
const (
	DefaultSliceLength = time.Hour
	DefaultSettleTime  = 15 * time.Minute
)

// closedETag is the ETag of a slice that ended more than the settle time
// before now.
const closedETag = "closed"

// CloudWatchLogsAPI is the part of the CloudWatch Logs client that a
// cwlogs:// source uses. *cloudwatchlogs.Client implements it.
type CloudWatchLogsAPI interface {
	cloudwatchlogs.DescribeLogGroupsAPIClient
	cloudwatchlogs.DescribeLogStreamsAPIClient
	cloudwatchlogs.FilterLogEventsAPIClient
}

// CloudWatchLogsOptions configure a cwlogs:// source.
type CloudWatchLogsOptions struct {
	// Now returns the current time. It decides which slices exist and which
	// are closed. It is required.
	Now func() time.Time
	// SliceLength is the length of the slices each stream is read in,
	// aligned to multiples of it since midnight UTC. It must divide 24 hours
	// and be at least a minute. 0 means DefaultSliceLength.
	//
	// NOTE: slice URIs carry the slice start only. Changing the length for
	// a database that contains slices of another length can load some events
	// twice, under the URIs of both lengths.
	SliceLength time.Duration
	// SettleTime is how long after its end a slice counts as open, so that
	// a later run reads it again for the events that arrived late. 0 means
	// DefaultSettleTime.
	SettleTime time.Duration
	// PageSize is the maximum number of events per FilterLogEvents
	// response. 0 leaves the service's default, 10,000 events or 1 MB.
	PageSize int32
	// Logger receives a debug message per FilterLogEvents page. Nil
	// discards them.
	Logger *slog.Logger
}

// LastEvent records the last event that the reader of a CloudWatch Logs
// slice returned, for the slice's manifest entry. It is safe for concurrent
// use.
type LastEvent struct {
	mu sync.Mutex
	id string
	at time.Time
}

// Get returns the ID and time of the last event read, or "" and the zero
// time when the reader has returned no event.
func (e *LastEvent) Get() (id string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.id, e.at
}

func (e *LastEvent) set(id string, at time.Time) {
	e.mu.Lock()
	e.id, e.at = id, at
	e.mu.Unlock()
}

// cwlogsSource reads the streams of one CloudWatch Logs group whose names
// start with a prefix.
//
// Objects are slices: each stream is cut into slices [start, end) of
// SliceLength, and each slice is one Object, read with FilterLogEvents. List
// passes the slices that overlap the window (see List).
//
// The ETag of a slice decides whether a later run reads it again, through
// the manifest: Run reloads an object whose ETag changed and replaces its
// earlier rows in the same transaction. A slice whose end lies at least
// SettleTime before now is closed, and its ETag is "closed". A younger
// slice is open, and its ETag is "open:" followed by the stream's
// lastIngestionTime in milliseconds. So a rerun skips the closed slices it
// loaded, reads an open slice again only when the stream received events
// since, and reads each slice loaded while open once more after it closes.
// Every reload replaces the earlier rows, so no event is loaded twice, and
// the reload after closing reads every event that arrived while the slice
// was open.
//
// NOTE: CloudWatch Logs accepts events up to 14 days old, so an agent that
// delivers a backlog more than SettleTime after a slice's end adds events
// to a slice that a run already loaded as closed. Those events are not
// read.
//
// NOTE: each slice costs at least one FilterLogEvents request, which
// CloudWatch Logs throttles per account and Region. The client retries
// throttled requests (see NewCloudWatchLogsClient), and a slice that still
// fails is retried by the next run.
type cwlogsSource struct {
	client CloudWatchLogsAPI
	// uri is the source's URI as given. group and streamPrefix are its
	// parts, which resolveGroup finds.
	uri          string
	group        string
	streamPrefix string
	now          func() time.Time
	sliceLength  time.Duration
	settleTime   time.Duration
	pageSize     int32
	log          *slog.Logger
}

// NewCloudWatchLogsSource returns a source for the log streams that
// "cwlogs://LOG_GROUP[/STREAM_PREFIX]" names. A log group name may contain
// "/", so the group is the longest leading part of the path, ending before
// a "/" or at the end, that DescribeLogGroups finds as an existing group.
// The rest after that "/" is a stream name prefix, and an empty rest selects
// every stream of the group. For example, cwlogs:///aws/ec2/nginx/access/i-0
// is group /aws/ec2/nginx/access with prefix i-0 when that group exists.
//
// Each stream is read in slices of opts.SliceLength, one Object each, and
// List passes the slices that overlap [w.From, w.To) and start before now.
// A slice's ETag is "closed" from SettleTime after its end on, and "open:"
// with the stream's last ingestion time before that, so Run reads a slice
// again while its stream receives events and once more after it closes.
//
// It returns an error naming the URI when no leading part is a log group.
func NewCloudWatchLogsSource(ctx context.Context, client CloudWatchLogsAPI, uri string, opts CloudWatchLogsOptions) (Source, error) {
	path, err := ParseCloudWatchLogsURI(uri)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		return nil, fmt.Errorf("open %s: CloudWatchLogsOptions.Now is not set", uri)
	}
	s := &cwlogsSource{client: client, uri: uri, now: opts.Now, sliceLength: opts.SliceLength,
		settleTime: opts.SettleTime, pageSize: opts.PageSize, log: opts.Logger}
	if s.sliceLength == 0 {
		s.sliceLength = DefaultSliceLength
	}
	if s.sliceLength < time.Minute || (24*time.Hour)%s.sliceLength != 0 {
		return nil, fmt.Errorf("open %s: invalid slice length %v: expected at least a minute and a divisor of 24h", uri, s.sliceLength)
	}
	if s.settleTime == 0 {
		s.settleTime = DefaultSettleTime
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.group, s.streamPrefix, err = s.resolveGroup(ctx, path)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ParseCloudWatchLogsURI returns the path of a cwlogs:// URI: the log group
// and the optional stream prefix.
func ParseCloudWatchLogsURI(uri string) (string, error) {
	path, ok := strings.CutPrefix(uri, CloudWatchLogsScheme)
	if !ok {
		return "", fmt.Errorf("invalid CloudWatch Logs URI %q: expected cwlogs://LOG_GROUP or cwlogs://LOG_GROUP/STREAM_PREFIX", uri)
	}
	if strings.Trim(path, "/") == "" {
		return "", fmt.Errorf("invalid CloudWatch Logs URI %q: the log group name is missing", uri)
	}
	return path, nil
}

// groupCandidates returns the leading parts of path that could be a log
// group name, longest first: path itself and each part that ends before a
// "/".
func groupCandidates(path string) []string {
	candidates := []string{path}
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '/' {
			candidates = append(candidates, path[:i])
		}
	}
	return candidates
}

// resolveGroup splits path into the longest leading part that is an
// existing log group and the stream prefix after it.
func (s *cwlogsSource) resolveGroup(ctx context.Context, path string) (group, streamPrefix string, err error) {
	candidates := groupCandidates(path)
	for _, candidate := range candidates {
		found, err := s.groupExists(ctx, candidate)
		if err != nil {
			return "", "", err
		}
		if found {
			return candidate, strings.TrimPrefix(path[len(candidate):], "/"), nil
		}
	}
	return "", "", fmt.Errorf("open %s: log group not found: no log group is named %s. Check the name and the Region",
		s.uri, strings.Join(candidates, " or "))
}

// groupExists reports whether a log group is named exactly name.
// DescribeLogGroups returns the groups in ASCII order of their names, so
// the exact name comes before every longer one that it prefixes, and the
// search stops at the first greater name.
func (s *cwlogsSource) groupExists(ctx context.Context, name string) (bool, error) {
	pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(s.client, &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupNamePrefix: aws.String(name),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("open %s: describe log groups with prefix %s: %w", s.uri, name, err)
		}
		for _, g := range page.LogGroups {
			switch got := aws.ToString(g.LogGroupName); {
			case got == name:
				return true, nil
			case got > name:
				return false, nil
			}
		}
	}
	return false, nil
}

// List calls fn with the slices of every stream of the group whose name
// starts with the prefix, stream by stream in the order DescribeLogStreams
// returns them (by name), and each stream's slices in time order.
//
// A stream's slices start with the one that contains the later of w.From and
// the stream's firstEventTimestamp (its creationTime when it has none), and
// end with the one that starts before the earlier of w.To and now. So a
// slice is listed when it overlaps [w.From, w.To), and an open side of the
// window stops at the stream's first event or at now. A stream that
// reports neither a first event nor a creation time has no slices.
func (s *cwlogsSource) List(ctx context.Context, w Window, fn func(Object) error) error {
	now := s.now().UTC()
	input := &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(s.group)}
	if s.streamPrefix != "" {
		input.LogStreamNamePrefix = aws.String(s.streamPrefix)
	}
	pages := cloudwatchlogs.NewDescribeLogStreamsPaginator(s.client, input)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list log streams of %s: %w", s.uri, err)
		}
		for _, stream := range page.LogStreams {
			if err := s.listSlices(stream, w, now, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// listSlices calls fn with the slices of one stream that List selects.
func (s *cwlogsSource) listSlices(stream types.LogStream, w Window, now time.Time, fn func(Object) error) error {
	name := aws.ToString(stream.LogStreamName)
	from := streamStart(stream)
	if from.IsZero() {
		return nil
	}
	if from.Before(w.From) {
		from = w.From
	}
	to := now
	if !w.To.IsZero() && w.To.Before(to) {
		to = w.To
	}

	for start := from.UTC().Truncate(s.sliceLength); start.Before(to); start = start.Add(s.sliceLength) {
		end := start.Add(s.sliceLength)
		o := Object{
			URI:       sliceURI(s.group, name, start),
			Key:       s.group + "/" + name,
			ETag:      s.sliceETag(stream, end, now),
			Kind:      KindOther,
			End:       end,
			LogStream: name,
			LastEvent: &LastEvent{},
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// streamStart returns the time of a stream's first event, or its creation
// time when it reports no first event, or the zero time.
func streamStart(stream types.LogStream) time.Time {
	switch {
	case stream.FirstEventTimestamp != nil:
		return time.UnixMilli(*stream.FirstEventTimestamp).UTC()
	case stream.CreationTime != nil:
		return time.UnixMilli(*stream.CreationTime).UTC()
	}
	return time.Time{}
}

// sliceURI names the slice of a stream that starts at start:
// "cwlogs://" + group + "/" + stream + "@" + start in RFC 3339 UTC, such as
// cwlogs:///aws/ec2/nginx/access/i-0a1b2c3d@2026-12-03T10:00:00Z. The
// stream name is escaped with url.PathEscape, so a "/" in it becomes %2F
// and the last "/" of the URI always separates group and stream: group
// names contain no "%" and no "@".
func sliceURI(group, stream string, start time.Time) string {
	return CloudWatchLogsScheme + group + "/" + url.PathEscape(stream) + "@" + start.UTC().Format(time.RFC3339)
}

// sliceETag returns "closed" for a slice that ended at least the settle
// time before now, and "open:" and the stream's lastIngestionTime in
// milliseconds (0 when the stream reports none) for a younger one.
func (s *cwlogsSource) sliceETag(stream types.LogStream, end, now time.Time) string {
	if !now.Before(end.Add(s.settleTime)) {
		return closedETag
	}
	return "open:" + strconv.FormatInt(aws.ToInt64(stream.LastIngestionTime), 10)
}

// Open returns the events of the slice o as lines: each event's message,
// followed by "\n" unless it ends with one. A message that contains
// newlines stays as it is, so it becomes several lines. The reader requests
// one FilterLogEvents page at a time while it is read, and records each
// event it returns in o.LastEvent.
func (s *cwlogsSource) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	if o.LogStream == "" || o.End.IsZero() {
		return nil, fmt.Errorf("open %s: not a slice of a CloudWatch Logs stream", o.URI)
	}
	// AWS documents both bounds as inclusive, so the slice's end, which
	// belongs to the next slice, is excluded by ending a millisecond before.
	start := o.End.Add(-s.sliceLength)
	input := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName:   aws.String(s.group),
		LogStreamNames: []string{o.LogStream},
		StartTime:      aws.Int64(start.UnixMilli()),
		EndTime:        aws.Int64(o.End.UnixMilli() - 1),
	}
	if s.pageSize > 0 {
		input.Limit = aws.Int32(s.pageSize)
	}
	// StopOnDuplicateToken ends the paging if the service ever returns the
	// token it was sent, which would repeat the same request forever.
	pages := cloudwatchlogs.NewFilterLogEventsPaginator(s.client, input, func(p *cloudwatchlogs.FilterLogEventsPaginatorOptions) {
		p.StopOnDuplicateToken = true
	})
	return &eventReader{ctx: ctx, pages: pages, uri: o.URI, last: o.LastEvent, log: s.log}, nil
}

// eventReader reads the events of one slice as lines, one FilterLogEvents
// page at a time.
type eventReader struct {
	ctx   context.Context
	pages *cloudwatchlogs.FilterLogEventsPaginator
	uri   string
	last  *LastEvent
	log   *slog.Logger

	// events are the events of the current page not yet returned, and
	// line is the unread rest of the event being returned, in buf.
	events []types.FilteredLogEvent
	buf    []byte
	line   []byte
	page   int
	err    error
}

// Read fills p from the current event's line, moving to the next event and
// the next page as each runs out.
func (r *eventReader) Read(p []byte) (int, error) {
	for len(r.line) == 0 {
		if len(r.events) > 0 {
			r.takeEvent()
			continue
		}
		if r.err != nil {
			return 0, r.err
		}
		if !r.pages.HasMorePages() {
			r.err = io.EOF
			return 0, r.err
		}
		page, err := r.pages.NextPage(r.ctx)
		if err != nil {
			r.err = fmt.Errorf("read %s: %w", r.uri, err)
			return 0, r.err
		}
		r.page++
		r.events = page.Events
		r.log.Debug("log events page read", "uri", r.uri, "page", r.page, "events", len(page.Events),
			"more", page.NextToken != nil)
	}
	n := copy(p, r.line)
	r.line = r.line[n:]
	return n, nil
}

// takeEvent moves the first pending event into line and records it as the
// last event read.
func (r *eventReader) takeEvent() {
	e := r.events[0]
	r.events = r.events[1:]
	message := aws.ToString(e.Message)
	r.buf = append(r.buf[:0], message...)
	if !strings.HasSuffix(message, "\n") {
		r.buf = append(r.buf, '\n')
	}
	r.line = r.buf
	if r.last != nil {
		r.last.set(aws.ToString(e.EventId), time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC())
	}
}

// Close ends the reader. It makes no request.
func (r *eventReader) Close() error {
	r.events, r.buf, r.line = nil, nil, nil
	if r.err == nil {
		r.err = fmt.Errorf("read %s: reader closed", r.uri)
	}
	return nil
}

// cloudWatchLogsAttempts is the default maximum of attempts per CloudWatch
// Logs request.
const cloudWatchLogsAttempts = 8

// NewCloudWatchLogsClient returns a CloudWatch Logs client for cfg, which
// LoadAWSConfig returns. A non-empty endpointURL becomes the client's
// endpoint, even when cfg was loaded some other way.
//
// Unless the configuration sets a maximum (AWS_MAX_ATTEMPTS or max_attempts),
// the client makes up to cloudWatchLogsAttempts attempts per request instead
// of the SDK's 3, because a backfill reads many slices at once and
// FilterLogEvents is throttled per account and Region.
func NewCloudWatchLogsClient(cfg aws.Config, endpointURL string) *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) {
		if cfg.RetryMaxAttempts == 0 {
			o.RetryMaxAttempts = cloudWatchLogsAttempts
		}
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
		}
	})
}
