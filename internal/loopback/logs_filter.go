package loopback

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

const (
	// maxFilterLogEventsLimit is the largest limit of FilterLogEvents, and
	// the page size when a request sets none.
	maxFilterLogEventsLimit = 10000
	// maxFilterLogEventsBytes is the most message bytes in one
	// FilterLogEvents page: the API returns as many events as fit in a 1 MB
	// response. A page holds at least one event.
	maxFilterLogEventsBytes = 1 << 20
	// maxLogStreamNames is the number of logStreamNames that
	// FilterLogEvents accepts.
	//
	// NOTE: 100 is the limit that the CloudWatch Logs API reference states
	// for StartLiveTail's logStreamNames. The FilterLogEvents limit was not
	// checked.
	maxLogStreamNames = 100
)

type filterLogEventsInput struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	StartFromHead       *bool    `json:"startFromHead"`
	NextToken           string   `json:"nextToken"`
	Limit               *int32   `json:"limit"`
}

type filterLogEventsOutput struct {
	Events    []filteredEventJSON `json:"events"`
	NextToken string              `json:"nextToken,omitempty"`
}

type filteredEventJSON struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// eventOrderKey is an event's place in FilterLogEvents results, which are
// ordered by timestamp, then stream name, then the order of PutEvents.
//
// NOTE: the FilterLogEvents documentation orders events with the same
// timestamp by ingestion time and then by PutLogEvents request instead, so
// ties between streams can come back in another order from CloudWatch Logs.
type eventOrderKey struct {
	Timestamp int64  `json:"t"`
	Stream    string `json:"s"`
	Seq       int64  `json:"q"`
}

func compareEvents(a, b eventOrderKey) int {
	return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), strings.Compare(a.Stream, b.Stream), cmp.Compare(a.Seq, b.Seq))
}

// filterLogEventsToken is the position after the last event of a page,
// and the number of the next page, counted from 0, which Logs.EmptyPages
// needs.
type filterLogEventsToken struct {
	Fingerprint string        `json:"f"`
	After       eventOrderKey `json:"a"`
	Page        int           `json:"p"`
}

func (l *Logs) filterLogEvents(r *http.Request) (any, *apiError) {
	var input filterLogEventsInput
	if apiErr := decodeLogsInput(r, &input); apiErr != nil {
		return nil, apiErr
	}
	groupName, apiErr := l.checkFilterLogEvents(input)
	if apiErr != nil {
		return nil, apiErr
	}
	limit, apiErr := checkLimit(input.Limit, maxFilterLogEventsLimit, maxFilterLogEventsLimit)
	if apiErr != nil {
		return nil, apiErr
	}
	if l.PageSize > 0 {
		limit = min(limit, l.PageSize)
	}

	parameters := fingerprint(groupName, input.LogStreamNames, input.LogStreamNamePrefix, formatBound(input.StartTime), formatBound(input.EndTime))
	position := filterLogEventsToken{Fingerprint: parameters}
	if input.NextToken != "" {
		if err := decodePageToken(input.NextToken, &position); err != nil || position.Fingerprint != parameters {
			return nil, invalidParameterException(fmt.Sprintf("nextToken %q is invalid, pass the nextToken of the previous response with the same parameters", input.NextToken))
		}
	}

	events, apiErr := l.selectEvents(groupName, input, position)
	if apiErr != nil {
		return nil, apiErr
	}

	output := filterLogEventsOutput{Events: []filteredEventJSON{}}
	next := position
	next.Page++
	switch {
	case len(events) == 0:
		return output, nil
	case l.EmptyPages && position.Page%2 == 1:
		// An empty page that only moves the page number on.
		output.NextToken = encodePageToken(next)
		return output, nil
	case len(events) > pageLength(events, limit):
		events = events[:pageLength(events, limit)]
		last := events[len(events)-1]
		next.After = eventOrderKey{Timestamp: last.Timestamp, Stream: last.LogStreamName, Seq: last.seq}
		output.NextToken = encodePageToken(next)
	}
	for _, event := range events {
		output.Events = append(output.Events, event.filteredEventJSON)
	}
	return output, nil
}

// pageLength returns how many of events fit in one page: at most limit,
// and no more than maxFilterLogEventsBytes of messages, but at least one.
func pageLength(events []selectedEvent, limit int) int {
	n := min(len(events), limit)
	size := 0
	for i := range n {
		size += len(events[i].Message)
		if size > maxFilterLogEventsBytes && i > 0 {
			return i
		}
	}
	return n
}

// formatBound returns a time bound for a fingerprint, which must not
// contain the pointer's address.
func formatBound(bound *int64) string {
	if bound == nil {
		return "none"
	}
	return fmt.Sprint(*bound)
}

// checkFilterLogEvents validates the request's filters and returns its log
// group.
func (l *Logs) checkFilterLogEvents(input filterLogEventsInput) (string, *apiError) {
	groupName, apiErr := resolveGroupName(input.LogGroupName, input.LogGroupIdentifier)
	if apiErr != nil {
		return "", apiErr
	}
	if input.FilterPattern != "" {
		return "", invalidParameterException(fmt.Sprintf("filterPattern %q: filter patterns are not supported by the loopback server, leave it empty", input.FilterPattern))
	}
	if input.StartFromHead != nil && !*input.StartFromHead {
		return "", invalidParameterException("startFromHead false is not supported by the loopback server, which returns the oldest events first")
	}
	if len(input.LogStreamNames) > 0 && input.LogStreamNamePrefix != "" {
		return "", invalidParameterException("set logStreamNames or logStreamNamePrefix, not both")
	}
	if len(input.LogStreamNames) > maxLogStreamNames {
		return "", invalidParameterException(fmt.Sprintf("logStreamNames has %d names, the maximum is %d", len(input.LogStreamNames), maxLogStreamNames))
	}
	for _, bound := range []*int64{input.StartTime, input.EndTime} {
		if bound != nil && *bound < 0 {
			return "", invalidParameterException(fmt.Sprintf("startTime and endTime must not be negative, got %d", *bound))
		}
	}
	if input.StartTime != nil && input.EndTime != nil && *input.StartTime > *input.EndTime {
		return "", invalidParameterException(fmt.Sprintf("startTime %d is after endTime %d", *input.StartTime, *input.EndTime))
	}
	return groupName, nil
}

// selectedEvent is an event in the response shape, with the order of
// PutEvents for sorting.
type selectedEvent struct {
	filteredEventJSON
	seq int64
}

// selectEvents returns the events of the group that match the request's
// stream and time filters and come after position, in result order. Both
// time bounds are inclusive, as the FilterLogEventsInput documentation of
// aws-sdk-go-v2/service/cloudwatchlogs v1.92.2 describes them.
func (l *Logs) selectEvents(groupName string, input filterLogEventsInput, position filterLogEventsToken) ([]selectedEvent, *apiError) {
	names := map[string]bool{}
	for _, name := range input.LogStreamNames {
		names[name] = true
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	group, ok := l.groups[groupName]
	if !ok {
		return nil, logGroupNotFound(groupName)
	}

	var events []selectedEvent
	for _, stream := range group.streams {
		if len(names) > 0 && !names[stream.name] {
			continue
		}
		if !strings.HasPrefix(stream.name, input.LogStreamNamePrefix) {
			continue
		}
		for _, event := range stream.events {
			if input.StartTime != nil && event.timestamp < *input.StartTime {
				continue
			}
			if input.EndTime != nil && event.timestamp > *input.EndTime {
				continue
			}
			key := eventOrderKey{Timestamp: event.timestamp, Stream: stream.name, Seq: event.seq}
			if input.NextToken != "" && compareEvents(key, position.After) <= 0 {
				continue
			}
			events = append(events, selectedEvent{
				filteredEventJSON: filteredEventJSON{
					LogStreamName: stream.name,
					Timestamp:     event.timestamp,
					Message:       event.message,
					IngestionTime: event.ingestion,
					EventID:       event.id,
				},
				seq: event.seq,
			})
		}
	}
	slices.SortFunc(events, func(a, b selectedEvent) int {
		return compareEvents(
			eventOrderKey{Timestamp: a.Timestamp, Stream: a.LogStreamName, Seq: a.seq},
			eventOrderKey{Timestamp: b.Timestamp, Stream: b.LogStreamName, Seq: b.seq})
	})
	return events, nil
}
