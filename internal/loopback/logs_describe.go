package loopback

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// maxDescribeLimit is the largest limit of DescribeLogGroups and
// DescribeLogStreams, and the page size when a request sets none.
const maxDescribeLimit = 50

type describeLogGroupsInput struct {
	LogGroupNamePrefix  string   `json:"logGroupNamePrefix"`
	LogGroupNamePattern string   `json:"logGroupNamePattern"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	NextToken           string   `json:"nextToken"`
	Limit               *int32   `json:"limit"`
}

type describeLogGroupsOutput struct {
	LogGroups []logGroupJSON `json:"logGroups"`
	NextToken string         `json:"nextToken,omitempty"`
}

type logGroupJSON struct {
	LogGroupName      string `json:"logGroupName"`
	ARN               string `json:"arn"`
	LogGroupARN       string `json:"logGroupArn"`
	CreationTime      int64  `json:"creationTime"`
	StoredBytes       int64  `json:"storedBytes"`
	MetricFilterCount int32  `json:"metricFilterCount"`
	LogGroupClass     string `json:"logGroupClass"`
}

// describeLogGroupsToken is the position after the last group of a page.
// Groups are listed by name, so groups created between pages do not shift
// the next page.
type describeLogGroupsToken struct {
	Fingerprint string `json:"f"`
	After       string `json:"a"`
}

func (l *Logs) describeLogGroups(r *http.Request) (any, *apiError) {
	var input describeLogGroupsInput
	if apiErr := decodeLogsInput(r, &input); apiErr != nil {
		return nil, apiErr
	}
	limit, apiErr := checkLimit(input.Limit, maxDescribeLimit, maxDescribeLimit)
	if apiErr != nil {
		return nil, apiErr
	}
	filters := 0
	for _, used := range []bool{input.LogGroupNamePrefix != "", input.LogGroupNamePattern != "", len(input.LogGroupIdentifiers) > 0} {
		if used {
			filters++
		}
	}
	if filters > 1 {
		return nil, invalidParameterException("use only one of logGroupNamePrefix, logGroupNamePattern and logGroupIdentifiers")
	}
	identified := map[string]bool{}
	for _, identifier := range input.LogGroupIdentifiers {
		name, apiErr := resolveGroupName("", identifier)
		if apiErr != nil {
			return nil, apiErr
		}
		identified[name] = true
	}

	parameters := fingerprint(input.LogGroupNamePrefix, input.LogGroupNamePattern, input.LogGroupIdentifiers)
	var after string
	if input.NextToken != "" {
		var position describeLogGroupsToken
		if err := decodePageToken(input.NextToken, &position); err != nil || position.Fingerprint != parameters {
			return nil, invalidParameterException(fmt.Sprintf("nextToken %q is invalid, pass the nextToken of the previous response with the same parameters", input.NextToken))
		}
		after = position.After
	}

	// Select the groups after the token, by name.
	pattern := strings.ToLower(input.LogGroupNamePattern)
	var selected []logGroupJSON
	l.mu.Lock()
	for _, group := range l.groups {
		switch {
		case input.NextToken != "" && group.name <= after:
		case !strings.HasPrefix(group.name, input.LogGroupNamePrefix):
		case !strings.Contains(strings.ToLower(group.name), pattern):
		case len(identified) > 0 && !identified[group.name]:
		default:
			selected = append(selected, l.groupJSON(group))
		}
	}
	l.mu.Unlock()
	slices.SortFunc(selected, func(a, b logGroupJSON) int { return strings.Compare(a.LogGroupName, b.LogGroupName) })

	output := describeLogGroupsOutput{LogGroups: []logGroupJSON{}}
	if len(selected) > limit {
		selected = selected[:limit]
		output.NextToken = encodePageToken(describeLogGroupsToken{Fingerprint: parameters, After: selected[limit-1].LogGroupName})
	}
	output.LogGroups = append(output.LogGroups, selected...)
	return output, nil
}

// groupJSON must be called with l.mu held.
func (l *Logs) groupJSON(group *logGroup) logGroupJSON {
	var storedBytes int64
	for _, stream := range group.streams {
		storedBytes += stream.storedBytes
	}
	arn := l.groupARN(group.name)
	return logGroupJSON{
		LogGroupName:  group.name,
		ARN:           arn + ":*",
		LogGroupARN:   arn,
		CreationTime:  group.created.UnixMilli(),
		StoredBytes:   storedBytes,
		LogGroupClass: "STANDARD",
	}
}

type describeLogStreamsInput struct {
	LogGroupName        string `json:"logGroupName"`
	LogGroupIdentifier  string `json:"logGroupIdentifier"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	OrderBy             string `json:"orderBy"`
	Descending          bool   `json:"descending"`
	NextToken           string `json:"nextToken"`
	Limit               *int32 `json:"limit"`
}

type describeLogStreamsOutput struct {
	LogStreams []logStreamJSON `json:"logStreams"`
	NextToken  string          `json:"nextToken,omitempty"`
}

type logStreamJSON struct {
	LogStreamName       string `json:"logStreamName"`
	ARN                 string `json:"arn"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	StoredBytes         int64  `json:"storedBytes"`
}

// streamOrderKey is a stream's place in a DescribeLogStreams listing:
// LastEvent is zero when the listing is by name, and a stream without
// events sorts as if its last event were at epoch 0.
type streamOrderKey struct {
	LastEvent int64  `json:"t"`
	Name      string `json:"n"`
}

type describeLogStreamsToken struct {
	Fingerprint string         `json:"f"`
	After       streamOrderKey `json:"a"`
}

func (l *Logs) describeLogStreams(r *http.Request) (any, *apiError) {
	var input describeLogStreamsInput
	if apiErr := decodeLogsInput(r, &input); apiErr != nil {
		return nil, apiErr
	}
	groupName, apiErr := resolveGroupName(input.LogGroupName, input.LogGroupIdentifier)
	if apiErr != nil {
		return nil, apiErr
	}
	limit, apiErr := checkLimit(input.Limit, maxDescribeLimit, maxDescribeLimit)
	if apiErr != nil {
		return nil, apiErr
	}
	byLastEvent := false
	switch input.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		byLastEvent = true
		if input.LogStreamNamePrefix != "" {
			return nil, invalidParameterException("logStreamNamePrefix cannot be used with orderBy LastEventTime")
		}
	default:
		return nil, invalidParameterException(fmt.Sprintf("orderBy %q is invalid, want LogStreamName or LastEventTime", input.OrderBy))
	}

	// compare orders two streams as the request lists them.
	compare := func(a, b streamOrderKey) int {
		c := cmp.Or(cmp.Compare(a.LastEvent, b.LastEvent), strings.Compare(a.Name, b.Name))
		if input.Descending {
			return -c
		}
		return c
	}

	parameters := fingerprint(groupName, input.LogStreamNamePrefix, input.OrderBy, input.Descending)
	var after *streamOrderKey
	if input.NextToken != "" {
		var position describeLogStreamsToken
		if err := decodePageToken(input.NextToken, &position); err != nil || position.Fingerprint != parameters {
			return nil, invalidParameterException(fmt.Sprintf("nextToken %q is invalid, pass the nextToken of the previous response with the same parameters", input.NextToken))
		}
		after = &position.After
	}

	type listedStream struct {
		key  streamOrderKey
		json logStreamJSON
	}
	var selected []listedStream
	l.mu.Lock()
	group, ok := l.groups[groupName]
	if !ok {
		l.mu.Unlock()
		return nil, logGroupNotFound(groupName)
	}
	for _, stream := range group.streams {
		key := streamOrderKey{Name: stream.name}
		if byLastEvent && len(stream.events) > 0 {
			key.LastEvent = stream.lastEvent
		}
		if !strings.HasPrefix(stream.name, input.LogStreamNamePrefix) || (after != nil && compare(key, *after) <= 0) {
			continue
		}
		selected = append(selected, listedStream{key: key, json: l.streamJSON(group.name, stream)})
	}
	l.mu.Unlock()
	slices.SortFunc(selected, func(a, b listedStream) int { return compare(a.key, b.key) })

	output := describeLogStreamsOutput{LogStreams: []logStreamJSON{}}
	if len(selected) > limit {
		selected = selected[:limit]
		output.NextToken = encodePageToken(describeLogStreamsToken{Fingerprint: parameters, After: selected[limit-1].key})
	}
	for _, stream := range selected {
		output.LogStreams = append(output.LogStreams, stream.json)
	}
	return output, nil
}

// streamJSON must be called with l.mu held.
func (l *Logs) streamJSON(groupName string, stream *logStream) logStreamJSON {
	// StoredBytes stays zero, because CloudWatch Logs has reported zero for
	// log streams since June 17, 2019 and counts stored bytes per log group
	// only (LogStream documentation of aws-sdk-go-v2/service/cloudwatchlogs
	// v1.92.2).
	out := logStreamJSON{
		LogStreamName: stream.name,
		ARN:           fmt.Sprintf("%s:log-stream:%s", l.groupARN(groupName), stream.name),
		CreationTime:  stream.created.UnixMilli(),
	}
	if len(stream.events) > 0 {
		first, last, ingestion := stream.firstEvent, stream.lastEvent, stream.lastIngestion
		out.FirstEventTimestamp = &first
		out.LastEventTimestamp = &last
		out.LastIngestionTime = &ingestion
	}
	return out
}
