package loopback

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// logsTargetPrefix is the X-Amz-Target prefix of CloudWatch Logs
// operations, as in "Logs_20140328.FilterLogEvents".
const logsTargetPrefix = "Logs_20140328"

// LogEvent is one CloudWatch Logs event to store with [Logs.PutEvents].
type LogEvent struct {
	// Time is the event's timestamp. The API reports it in whole
	// milliseconds, so finer precision is dropped.
	Time    time.Time
	Message string
	// IngestionTime is when CloudWatch Logs received the event. Zero means
	// the server clock's time at PutEvents.
	IngestionTime time.Time
}

// Logs stores log groups, log streams and events, and serves them over AWS
// JSON 1.1 as CloudWatch Logs' DescribeLogGroups, DescribeLogStreams and
// FilterLogEvents. Its methods are safe for concurrent use.
//
// Set the exported fields before the server handles requests.
type Logs struct {
	// Faults are applied to each request before the handler responds.
	// Fault.Action matches the operation name, such as "FilterLogEvents".
	Faults Faults
	// PageSize caps the events on a FilterLogEvents page below the
	// request's limit, so tests can page through few events. Zero means
	// no cap.
	PageSize int
	// EmptyPages makes FilterLogEvents return an empty page with a
	// nextToken before every page after the first. The FilterLogEvents
	// documentation warns that pages may be empty while more events remain.
	EmptyPages bool

	region    string
	accountID string
	now       func() time.Time

	mu      sync.Mutex
	groups  map[string]*logGroup
	nextSeq int64
	calls   map[string]int
}

type logGroup struct {
	name    string
	created time.Time
	streams map[string]*logStream
}

type logStream struct {
	name        string
	created     time.Time
	events      []storedEvent
	storedBytes int64
	// firstEvent, lastEvent and lastIngestion are epoch milliseconds and
	// are valid only when events is not empty.
	firstEvent    int64
	lastEvent     int64
	lastIngestion int64
}

type storedEvent struct {
	// seq is the order of PutEvents over all streams, which breaks ties
	// between events with the same timestamp in one stream.
	seq       int64
	id        string
	timestamp int64
	ingestion int64
	message   string
}

// NewLogs returns a Logs without log groups whose ARNs use region and
// accountID, and whose clock is now, or time.Now when now is nil.
func NewLogs(region, accountID string, now func() time.Time) *Logs {
	if now == nil {
		now = time.Now
	}
	return &Logs{
		region:    region,
		accountID: accountID,
		now:       now,
		groups:    map[string]*logGroup{},
		calls:     map[string]int{},
	}
}

// CreateLogGroup creates an empty log group, or does nothing when the
// group exists.
func (l *Logs) CreateLogGroup(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.groupLocked(name)
}

// groupLocked returns the group, which it creates when missing. It must be
// called with l.mu held.
func (l *Logs) groupLocked(name string) *logGroup {
	group, ok := l.groups[name]
	if !ok {
		group = &logGroup{name: name, created: l.now(), streams: map[string]*logStream{}}
		l.groups[name] = group
	}
	return group
}

// PutEvents appends events to a log stream, and creates the group and the
// stream when they are missing. Each event gets an ID that is unique in
// the Logs and stays the same in every response.
func (l *Logs) PutEvents(group, stream string, events ...LogEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.groupLocked(group)
	s, ok := g.streams[stream]
	if !ok {
		s = &logStream{name: stream, created: l.now()}
		g.streams[stream] = s
	}

	for _, event := range events {
		ingestion := event.IngestionTime
		if ingestion.IsZero() {
			ingestion = l.now()
		}
		l.nextSeq++
		stored := storedEvent{
			seq:       l.nextSeq,
			id:        fmt.Sprintf("%056d", l.nextSeq),
			timestamp: event.Time.UnixMilli(),
			ingestion: ingestion.UnixMilli(),
			message:   event.Message,
		}
		if len(s.events) == 0 {
			s.firstEvent, s.lastEvent, s.lastIngestion = stored.timestamp, stored.timestamp, stored.ingestion
		}
		s.firstEvent = min(s.firstEvent, stored.timestamp)
		s.lastEvent = max(s.lastEvent, stored.timestamp)
		s.lastIngestion = max(s.lastIngestion, stored.ingestion)
		s.storedBytes += int64(len(stored.message))
		s.events = append(s.events, stored)
	}
}

// Calls returns the number of requests for operation, such as
// "FilterLogEvents", that reached the server, including requests that got
// an injected fault.
func (l *Logs) Calls(operation string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[operation]
}

func (l *Logs) groupARN(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", l.region, l.accountID, name)
}

// resolveGroupName returns the log group that a request names by
// logGroupName or by logGroupIdentifier, which is a name or an ARN.
func resolveGroupName(name, identifier string) (string, *apiError) {
	switch {
	case name != "" && identifier != "":
		return "", invalidParameterException("set logGroupName or logGroupIdentifier, not both")
	case name != "":
		return name, nil
	case identifier == "":
		return "", invalidParameterException("logGroupName or logGroupIdentifier is required")
	}
	if !strings.HasPrefix(identifier, "arn:") {
		return identifier, nil
	}
	_, rest, found := strings.Cut(identifier, ":log-group:")
	if !found || rest == "" {
		return "", invalidParameterException(fmt.Sprintf("logGroupIdentifier %q is not a log group ARN", identifier))
	}
	return strings.TrimSuffix(rest, ":*"), nil
}

func invalidParameterException(message string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterException", message: message}
}

func logGroupNotFound(name string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "ResourceNotFoundException",
		message: fmt.Sprintf("The specified log group does not exist: %s", name)}
}

// checkLimit validates a request's limit and returns it, or fallback when
// the request sets none.
func checkLimit(limit *int32, fallback, maximum int) (int, *apiError) {
	if limit == nil {
		return fallback, nil
	}
	if *limit < 1 || int(*limit) > maximum {
		return 0, invalidParameterException(fmt.Sprintf("limit %d is invalid, want 1 to %d", *limit, maximum))
	}
	return int(*limit), nil
}

// ServeHTTP handles an AWS JSON 1.1 request. It supports DescribeLogGroups,
// DescribeLogStreams and FilterLogEvents and rejects other operations with
// UnknownOperationException. It does not check request signatures.
func (l *Logs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix, operation, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if prefix != logsTargetPrefix || operation == "" || r.Method != http.MethodPost {
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("%s with X-Amz-Target %q is not a CloudWatch Logs operation, want POST with %s.NAME",
				r.Method, r.Header.Get("X-Amz-Target"), logsTargetPrefix))
		return
	}

	l.mu.Lock()
	l.calls[operation]++
	l.mu.Unlock()

	l.Faults.Serve(w, r, operation, jsonErrorFormat, func(w http.ResponseWriter) {
		var output any
		var apiErr *apiError
		switch operation {
		case "DescribeLogGroups":
			output, apiErr = l.describeLogGroups(r)
		case "DescribeLogStreams":
			output, apiErr = l.describeLogStreams(r)
		case "FilterLogEvents":
			output, apiErr = l.filterLogEvents(r)
		default:
			apiErr = &apiError{status: http.StatusBadRequest, code: "UnknownOperationException",
				message: fmt.Sprintf("operation %s is not supported by the loopback server", operation)}
		}
		if apiErr != nil {
			apiErr.write(w, jsonErrorFormat)
			return
		}
		writeJSON(w, http.StatusOK, output)
	})
}

// decodeLogsInput reads the request body into input, and returns the
// error for a body that does not decode.
func decodeLogsInput(r *http.Request, input any) *apiError {
	if err := readJSONInput(r, input); err != nil {
		return &apiError{status: http.StatusBadRequest, code: "SerializationException", message: err.Error()}
	}
	return nil
}
