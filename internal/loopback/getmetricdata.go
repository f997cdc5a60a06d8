package loopback

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// maxMetricDataQueries is the number of queries that one GetMetricData call
// accepts, 500 as the GetMetricData documentation of
// aws-sdk-go-v2/service/cloudwatch v1.76.0 states.
const maxMetricDataQueries = 500

// Ages of a request's StartTime at which CloudWatch rounds it to 5 minutes
// and to 1 hour, and accepts only periods that are multiples of those,
// from the GetMetricData and MetricStat documentation of
// aws-sdk-go-v2/service/cloudwatch v1.76.0.
const (
	fiveMinuteDataAge = 15 * 24 * time.Hour
	oneHourDataAge    = 63 * 24 * time.Hour
)

// queryIDPattern is the form of a MetricDataQuery Id: a lower-case letter,
// then letters, digits and underscores.
var queryIDPattern = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// percentilePattern matches the percentile statistics that the loopback
// server accepts: pNN with up to two decimal places, such as p99 and
// p99.99.
var percentilePattern = regexp.MustCompile(`^p(\d{1,3})(?:\.(\d{1,2}))?$`)

// getMetricDataRequest is a validated GetMetricData request.
type getMetricDataRequest struct {
	// start is StartTime rounded down as CloudWatch rounds it by age.
	start, end    time.Time
	ascending     bool
	maxDatapoints int
	nextToken     string
	// queries are the queries with ReturnData, in request order.
	queries []metricDataQuery
}

type metricDataQuery struct {
	ID        string
	Label     string
	Namespace string
	Metric    string
	// Dimensions identify the metric as a set, in any order.
	Dimensions []Dimension
	Period     int64
	Unit       string
	Stat       statistic
}

// statistic is a parsed MetricStat.Stat.
type statistic struct {
	// Name is Sum, Average, Minimum, Maximum, SampleCount or p for a
	// percentile.
	Name string
	// Hundredths is the percentile in hundredths of a percent, so p99.9 is
	// 9990. Integers keep the rank computation exact.
	Hundredths int
}

type getMetricDataToken struct {
	Fingerprint string `json:"f"`
	// Query indexes getMetricDataRequest.queries and Offset the query's
	// datapoints in scan order: the first datapoint that the next page
	// returns.
	Query  int `json:"q"`
	Offset int `json:"o"`
}

func (c *CloudWatch) getMetricData(input cborStruct) (cbor.Value, *apiError) {
	request, apiErr := parseGetMetricData(input, c.now())
	if apiErr != nil {
		return nil, apiErr
	}

	parameters := request.fingerprint()
	position := getMetricDataToken{Fingerprint: parameters}
	if request.nextToken != "" {
		if err := decodePageToken(request.nextToken, &position); err != nil || position.Fingerprint != parameters ||
			position.Query < 0 || position.Query > len(request.queries) || position.Offset < 0 {
			return nil, invalidNextToken(request.nextToken)
		}
	}

	budget := c.MaxDatapointsPerCall
	if budget <= 0 {
		budget = defaultMaxDatapointsPerCall
	}
	if request.maxDatapoints > 0 {
		budget = min(budget, request.maxDatapoints)
	}

	// Fill the page in query order from the token's position. A query
	// whose remaining datapoints do not fit is cut and marked PartialData,
	// and the next token points at its first datapoint left out.
	var next *getMetricDataToken
	results := cbor.List{}
	for i := position.Query; i < len(request.queries); i++ {
		query := request.queries[i]
		timestamps, values := c.aggregate(query, request.start, request.end, request.ascending)
		offset := 0
		if i == position.Query {
			offset = position.Offset
		}
		if offset > len(timestamps) {
			return nil, invalidNextToken(request.nextToken)
		}
		remaining := len(timestamps) - offset
		included := min(remaining, budget)
		budget -= included

		status := "Complete"
		if included < remaining {
			status = "PartialData"
			if next == nil {
				next = &getMetricDataToken{Fingerprint: parameters, Query: i, Offset: offset + included}
			}
		}
		end := offset + included
		results = append(results, metricDataResultCBOR(query, timestamps[offset:end], values[offset:end], status))
	}

	output := cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}
	if next != nil {
		output["NextToken"] = cbor.String(encodePageToken(*next))
	}
	return output, nil
}

func metricDataResultCBOR(query metricDataQuery, timestamps []time.Time, values []float64, status string) cbor.Value {
	encodedTimes := make(cbor.List, 0, len(timestamps))
	for _, t := range timestamps {
		encodedTimes = append(encodedTimes, cborTime(t))
	}
	encodedValues := make(cbor.List, 0, len(values))
	for _, v := range values {
		encodedValues = append(encodedValues, cbor.Float64(v))
	}
	label := query.Label
	if label == "" {
		label = query.Metric
	}
	return cbor.Map{
		"Id":         cbor.String(query.ID),
		"Label":      cbor.String(label),
		"Timestamps": encodedTimes,
		"Values":     encodedValues,
		"StatusCode": cbor.String(status),
	}
}

// fingerprint covers the parameters that a request with a next-page token
// must repeat, which excludes MaxDatapoints because the SDK's paginator
// may change it between pages.
func (r getMetricDataRequest) fingerprint() string {
	return fingerprint(r.start.Unix(), r.end.UnixNano(), r.ascending, r.queries)
}

// aggregate returns the datapoints of one query: one per period bucket
// that has at least one observation, with the bucket's start as its
// timestamp. Buckets start at multiples of the period since the Unix
// epoch. Observations count from start, inclusive, to end, exclusive.
func (c *CloudWatch) aggregate(query metricDataQuery, start, end time.Time, ascending bool) ([]time.Time, []float64) {
	buckets := map[int64][]float64{}
	c.mu.Lock()
	if series, ok := c.byKey[metricKey(query.Namespace, query.Metric, query.Dimensions)]; ok {
		for _, p := range series.points {
			if p.time.Before(start) || !p.time.Before(end) {
				continue
			}
			if query.Unit != "" && p.unit != query.Unit {
				continue
			}
			bucket := floorDiv(p.time.Unix(), query.Period) * query.Period
			buckets[bucket] = append(buckets[bucket], p.value)
		}
	}
	c.mu.Unlock()

	starts := make([]int64, 0, len(buckets))
	for bucket := range buckets {
		starts = append(starts, bucket)
	}
	slices.Sort(starts)
	if !ascending {
		slices.Reverse(starts)
	}

	timestamps := make([]time.Time, 0, len(starts))
	values := make([]float64, 0, len(starts))
	for _, bucket := range starts {
		timestamps = append(timestamps, time.Unix(bucket, 0).UTC())
		values = append(values, query.Stat.compute(buckets[bucket]))
	}
	return timestamps, values
}

// compute returns the statistic of a non-empty set of observations. A
// percentile is the nearest-rank value: the smallest observation that at
// least the percentile's share of the observations is less than or equal
// to.
func (s statistic) compute(values []float64) float64 {
	switch s.Name {
	case "SampleCount":
		return float64(len(values))
	case "Sum", "Average":
		sum := 0.0
		for _, v := range values {
			sum += v
		}
		if s.Name == "Average" {
			return sum / float64(len(values))
		}
		return sum
	case "Minimum":
		return slices.Min(values)
	case "Maximum":
		return slices.Max(values)
	default:
		sorted := slices.Clone(values)
		slices.Sort(sorted)
		n := len(sorted)
		rank := (s.Hundredths*n + 9999) / 10000
		rank = max(1, min(rank, n))
		return sorted[rank-1]
	}
}

// parseStatistic reads MetricStat.Stat. It supports the basic statistics
// and percentiles, and rejects the other extended statistics, such as
// trimmed means, as not supported.
func parseStatistic(field, stat string) (statistic, *apiError) {
	switch stat {
	case "Sum", "Average", "Minimum", "Maximum", "SampleCount":
		return statistic{Name: stat}, nil
	case "":
		return statistic{}, missingParameter(field)
	}

	match := percentilePattern.FindStringSubmatch(stat)
	if match == nil {
		return statistic{}, invalidParameterValue("%s %q is invalid or not supported by the loopback server, "+
			"want Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99 or p99.9", field, stat)
	}
	whole, _ := strconv.Atoi(match[1])
	fraction := 0
	if match[2] != "" {
		fraction, _ = strconv.Atoi((match[2] + "0")[:2])
	}
	hundredths := whole*100 + fraction
	if hundredths > 10000 {
		return statistic{}, invalidParameterValue("%s %q is invalid, a percentile must be from p0 to p100", field, stat)
	}
	return statistic{Name: "p", Hundredths: hundredths}, nil
}

// parseGetMetricData reads and validates a GetMetricData request against
// the limits that the SDK's GetMetricData documentation states, with now as
// the current time.
//
// NOTE: every violated limit is reported as InvalidParameterValue. The
// codes that CloudWatch itself sends for each case were not checked.
func parseGetMetricData(input cborStruct, now time.Time) (getMetricDataRequest, *apiError) {
	var request getMetricDataRequest

	start, hasStart, err := input.timeMember("StartTime")
	if err != nil {
		return request, serializationError(err)
	}
	end, hasEnd, err := input.timeMember("EndTime")
	if err != nil {
		return request, serializationError(err)
	}
	if !hasStart {
		return request, missingParameter("StartTime")
	}
	if !hasEnd {
		return request, missingParameter("EndTime")
	}
	if !start.Before(end) {
		return request, invalidParameterValue("The parameter StartTime (%s) must be less than the parameter EndTime (%s).",
			start.Format(time.RFC3339), end.Format(time.RFC3339))
	}

	scanBy, err := input.stringMember("ScanBy")
	if err != nil {
		return request, serializationError(err)
	}
	switch scanBy {
	case "", "TimestampDescending":
	case "TimestampAscending":
		request.ascending = true
	default:
		return request, invalidParameterValue("ScanBy %q is invalid, want TimestampDescending or TimestampAscending", scanBy)
	}

	maxDatapoints, hasMax, err := input.int64Member("MaxDatapoints")
	if err != nil {
		return request, serializationError(err)
	}
	if hasMax && maxDatapoints < 1 {
		return request, invalidParameterValue("MaxDatapoints %d is invalid, want a positive number", maxDatapoints)
	}
	request.maxDatapoints = int(min(maxDatapoints, math.MaxInt32))

	if request.nextToken, err = input.stringMember("NextToken"); err != nil {
		return request, serializationError(err)
	}

	// CloudWatch rounds StartTime down to the minute, to 5 minutes or to
	// the hour by its age, and only periods that are multiples of that
	// resolution are valid.
	//
	// NOTE: CloudWatch's MetricStat documentation says that it returns no
	// datapoints for a period that does not fit the age. The loopback
	// server rejects the request with InvalidParameterValue instead, so
	// that the caller's mistake shows.
	age := now.Sub(start)
	resolution := int64(60)
	switch {
	case age > oneHourDataAge:
		resolution = 3600
	case age > fiveMinuteDataAge:
		resolution = 300
	}
	request.start = time.Unix(floorDiv(start.Unix(), resolution)*resolution, 0).UTC()
	request.end = end

	items, err := input.structListMember("MetricDataQueries")
	if err != nil {
		return request, serializationError(err)
	}
	if len(items) == 0 {
		return request, missingParameter("MetricDataQueries")
	}
	if len(items) > maxMetricDataQueries {
		return request, invalidParameterValue("MetricDataQueries has %d queries, the maximum is %d per call", len(items), maxMetricDataQueries)
	}

	seen := map[string]bool{}
	for i, item := range items {
		query, returnData, apiErr := parseMetricDataQuery(i+1, item, resolution, age)
		if apiErr != nil {
			return request, apiErr
		}
		if seen[query.ID] {
			return request, invalidParameterValue("MetricDataQueries.member.%d.Id %q is used by an earlier query, Ids must be unique", i+1, query.ID)
		}
		seen[query.ID] = true
		if returnData {
			request.queries = append(request.queries, query)
		}
	}
	return request, nil
}

// parseMetricDataQuery reads the query at 1-based index. resolution is the
// period, in seconds, that the query's period must be a multiple of, from
// the age of the request's StartTime.
func parseMetricDataQuery(index int, item cborStruct, resolution int64, age time.Duration) (metricDataQuery, bool, *apiError) {
	field := fmt.Sprintf("MetricDataQueries.member.%d", index)
	var query metricDataQuery

	id, err := item.stringMember("Id")
	if err != nil {
		return query, false, serializationError(err)
	}
	if id == "" {
		return query, false, missingParameter(field + ".Id")
	}
	if !queryIDPattern.MatchString(id) {
		return query, false, invalidParameterValue("%s.Id %q is invalid, it must start with a lower-case letter and contain only letters, digits and underscores", field, id)
	}
	query.ID = id

	if query.Label, err = item.stringMember("Label"); err != nil {
		return query, false, serializationError(err)
	}
	returnData, hasReturnData, err := item.boolMember("ReturnData")
	if err != nil {
		return query, false, serializationError(err)
	}
	if !hasReturnData {
		returnData = true
	}

	expression, err := item.stringMember("Expression")
	if err != nil {
		return query, false, serializationError(err)
	}
	metricStat, hasMetricStat, err := item.structMember("MetricStat")
	if err != nil {
		return query, false, serializationError(err)
	}
	switch {
	case expression != "" && hasMetricStat:
		return query, false, &apiError{status: http.StatusBadRequest, code: "InvalidParameterCombination",
			message: fmt.Sprintf("%s sets both Expression and MetricStat, set exactly one", field)}
	case expression != "":
		return query, false, invalidParameterValue("%s.Expression: metric math and Metrics Insights expressions are not supported by the loopback server", field)
	case !hasMetricStat:
		return query, false, missingParameter(field + ".MetricStat")
	}

	if apiErr := parseMetricStat(field+".MetricStat", metricStat, &query); apiErr != nil {
		return query, false, apiErr
	}
	if query.Period%resolution != 0 {
		return query, false, invalidParameterValue("%s.MetricStat.Period %d is invalid for a StartTime %s old, want a multiple of %d",
			field, query.Period, age.Round(time.Second), resolution)
	}
	return query, returnData, nil
}

func parseMetricStat(field string, stat cborStruct, query *metricDataQuery) *apiError {
	metric, hasMetric, err := stat.structMember("Metric")
	if err != nil {
		return serializationError(err)
	}
	if !hasMetric {
		return missingParameter(field + ".Metric")
	}
	if query.Namespace, err = metric.stringMember("Namespace"); err != nil {
		return serializationError(err)
	}
	if query.Metric, err = metric.stringMember("MetricName"); err != nil {
		return serializationError(err)
	}
	if query.Namespace == "" {
		return missingParameter(field + ".Metric.Namespace")
	}
	if query.Metric == "" {
		return missingParameter(field + ".Metric.MetricName")
	}
	dimensions, err := metric.structListMember("Dimensions")
	if err != nil {
		return serializationError(err)
	}
	for _, d := range dimensions {
		name, err := d.stringMember("Name")
		if err != nil {
			return serializationError(err)
		}
		value, err := d.stringMember("Value")
		if err != nil {
			return serializationError(err)
		}
		query.Dimensions = append(query.Dimensions, Dimension{Name: name, Value: value})
	}

	period, hasPeriod, err := stat.int64Member("Period")
	if err != nil {
		return serializationError(err)
	}
	if !hasPeriod {
		return missingParameter(field + ".Period")
	}
	// NOTE: high-resolution periods (1, 5, 10, 20 and 30 seconds) are
	// rejected, because the loopback server keeps standard-resolution
	// metrics only.
	if period <= 0 || period%60 != 0 {
		return invalidParameterValue("%s.Period %d is invalid, want a positive multiple of 60", field, period)
	}
	query.Period = period

	name, err := stat.stringMember("Stat")
	if err != nil {
		return serializationError(err)
	}
	var apiErr *apiError
	if query.Stat, apiErr = parseStatistic(field+".Stat", name); apiErr != nil {
		return apiErr
	}
	if query.Unit, err = stat.stringMember("Unit"); err != nil {
		return serializationError(err)
	}
	return nil
}

// floorDiv divides and rounds toward negative infinity, so that times
// before 1970 fall into the right bucket.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
