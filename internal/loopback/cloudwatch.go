package loopback

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// cloudWatchService is CloudWatch's Smithy service name, which RPCv2
// request paths contain.
const cloudWatchService = "GraniteServiceVersion20100801"

const (
	// defaultListMetricsPageSize is the number of metrics on a ListMetrics
	// page, 500 as the ListMetrics documentation of
	// aws-sdk-go-v2/service/cloudwatch v1.76.0 states.
	defaultListMetricsPageSize = 500
	// defaultMaxDatapointsPerCall is the number of datapoints that one
	// GetMetricData call returns at most, 100,800 as the GetMetricData
	// documentation of aws-sdk-go-v2/service/cloudwatch v1.76.0 states.
	defaultMaxDatapointsPerCall = 100800
	// maxDimensionFilters is the number of dimension filters that
	// ListMetrics accepts, 0 to 10 in the AWS SDK for .NET documentation of
	// ListMetricsRequest.Dimensions.
	maxDimensionFilters = 10
	// recentlyActiveWindow is the only value of ListMetrics'
	// RecentlyActive, "PT3H": metrics with a datapoint in the last 3 hours.
	recentlyActiveWindow = 3 * time.Hour
)

// Dimension is a name and value pair that, with the namespace and metric
// name, identifies a CloudWatch metric.
type Dimension struct {
	Name, Value string
}

// CloudWatch stores metric observations and serves them over Smithy RPCv2
// CBOR as CloudWatch's ListMetrics and GetMetricData. Its methods are safe
// for concurrent use, and ListMetrics lists metrics in the order they were
// first put.
//
// Set the exported fields before the server handles requests.
type CloudWatch struct {
	// Faults are applied to each request before the handler responds.
	// Fault.Action matches the operation name, such as "GetMetricData".
	Faults Faults
	// ListMetricsPageSize is the number of metrics on a ListMetrics page.
	// Zero means 500, as in CloudWatch.
	ListMetricsPageSize int
	// MaxDatapointsPerCall is the number of datapoints that one
	// GetMetricData call returns at most, over all its queries. Zero means
	// 100,800, as in CloudWatch. A request's MaxDatapoints lowers it.
	MaxDatapointsPerCall int

	now func() time.Time

	mu      sync.Mutex
	metrics []*metricSeries
	byKey   map[string]*metricSeries
	calls   map[string]int
}

// metricSeries is one metric and every observation put for it.
type metricSeries struct {
	namespace  string
	name       string
	dimensions []Dimension
	points     []observation
}

type observation struct {
	time  time.Time
	unit  string
	value float64
}

// NewCloudWatch returns a CloudWatch without metrics. It measures the age
// of GetMetricData's StartTime against now, or against time.Now when now
// is nil.
func NewCloudWatch(now func() time.Time) *CloudWatch {
	if now == nil {
		now = time.Now
	}
	return &CloudWatch{now: now, byKey: map[string]*metricSeries{}, calls: map[string]int{}}
}

// metricKey identifies a metric by namespace, name and dimension set, so
// the order of dimensions does not matter.
func metricKey(namespace, name string, dimensions []Dimension) string {
	sorted := slices.Clone(dimensions)
	slices.SortFunc(sorted, func(a, b Dimension) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	var b strings.Builder
	b.WriteString(namespace)
	b.WriteByte(0)
	b.WriteString(name)
	for _, d := range sorted {
		b.WriteByte(0)
		b.WriteString(d.Name)
		b.WriteByte(1)
		b.WriteString(d.Value)
	}
	return b.String()
}

// Put adds observations of a metric at time t, each value one sample, as
// PutMetricData does with Values. The metric is namespace, name and the
// dimension set, and it exists from the first Put on, even one without
// values. ListMetrics returns the dimensions in the order of the first
// Put. An empty unit means "None".
func (c *CloudWatch) Put(namespace, metric string, dims []Dimension, unit string, t time.Time, values ...float64) {
	if unit == "" {
		unit = "None"
	}
	key := metricKey(namespace, metric, dims)

	c.mu.Lock()
	defer c.mu.Unlock()
	series, ok := c.byKey[key]
	if !ok {
		series = &metricSeries{namespace: namespace, name: metric, dimensions: slices.Clone(dims)}
		c.byKey[key] = series
		c.metrics = append(c.metrics, series)
	}
	for _, v := range values {
		series.points = append(series.points, observation{time: t, unit: unit, value: v})
	}
}

// Calls returns the number of requests for operation, such as
// "GetMetricData", that reached the server, including requests that got
// an injected fault.
func (c *CloudWatch) Calls(operation string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[operation]
}

// cloudWatchErrorTypes maps the awsQuery error codes that the SDK reports
// for CloudWatch to the error shapes' IDs, which RPCv2 sends in __type. The
// pairs are the awsQueryError traits of the CloudWatch model in
// aws-sdk-go-v2/service/cloudwatch v1.76.0.
//
// NOTE: Throttling is not in the model, so its shape ID here is a guess.
// The SDK reads the code from X-Amzn-Query-Error, so the guess does not
// change what callers see.
var cloudWatchErrorTypes = map[string]string{
	"InvalidParameterValue":       "com.amazonaws.cloudwatch#InvalidParameterValueException",
	"InvalidParameterCombination": "com.amazonaws.cloudwatch#InvalidParameterCombinationException",
	"MissingParameter":            "com.amazonaws.cloudwatch#MissingRequiredParameterException",
	"InvalidNextToken":            "com.amazonaws.cloudwatch#InvalidNextToken",
	"InternalServiceError":        "com.amazonaws.cloudwatch#InternalServiceFault",
	"Throttling":                  "com.amazon.coral.availability#ThrottlingException",
}

// writeCloudWatchError sends a CloudWatch error with the awsQuery error
// code, such as "InvalidParameterValue", which the SDK reports as the
// error code. A code outside cloudWatchErrorTypes is sent as __type alone.
func writeCloudWatchError(w http.ResponseWriter, status int, code, message string) {
	errorType, ok := cloudWatchErrorTypes[code]
	if !ok {
		writeRPCv2Error(w, status, code, "", message)
		return
	}
	writeRPCv2Error(w, status, errorType, code, message)
}

// cloudWatchErrorFormat is the ErrorFormat for faults on CloudWatch.
var cloudWatchErrorFormat = ErrorFormat{
	ThrottlingCode: "Throttling",
	Write:          writeCloudWatchError,
}

func invalidParameterValue(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterValue", message: fmt.Sprintf(format, args...)}
}

func missingParameter(name string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "MissingParameter",
		message: fmt.Sprintf("The parameter %s is required.", name)}
}

func invalidNextToken(token string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidNextToken",
		message: fmt.Sprintf("The NextToken %q is invalid, pass the NextToken of the previous response with the same parameters", token)}
}

// serializationError reports a request body that does not decode or has a
// member of the wrong type.
func serializationError(err error) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "SerializationException", message: err.Error()}
}

// ServeHTTP handles a Smithy RPCv2 CBOR request. It supports ListMetrics
// and GetMetricData and rejects other operations with
// UnknownOperationException. It does not check request signatures.
func (c *CloudWatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	service, operation, ok := parseRPCv2Path(r.URL.Path)
	if !ok || service != cloudWatchService || r.Method != http.MethodPost {
		writeCloudWatchError(w, http.StatusNotFound, "UnknownOperationException",
			fmt.Sprintf("%s %s is not a CloudWatch operation, want POST /service/%s/operation/NAME", r.Method, r.URL.Path, cloudWatchService))
		return
	}

	c.mu.Lock()
	c.calls[operation]++
	c.mu.Unlock()

	c.Faults.Serve(w, r, operation, cloudWatchErrorFormat, func(w http.ResponseWriter) {
		var handle func(cborStruct) (cbor.Value, *apiError)
		switch operation {
		case "ListMetrics":
			handle = c.listMetrics
		case "GetMetricData":
			handle = c.getMetricData
		default:
			writeCloudWatchError(w, http.StatusBadRequest, "UnknownOperationException",
				fmt.Sprintf("operation %s is not supported by the loopback server", operation))
			return
		}

		input, err := readCBORStruct(r)
		if err != nil {
			serializationError(err).write(w, cloudWatchErrorFormat)
			return
		}
		output, apiErr := handle(input)
		if apiErr != nil {
			apiErr.write(w, cloudWatchErrorFormat)
			return
		}
		writeRPCv2(w, http.StatusOK, output)
	})
}

// dimensionFilter is a ListMetrics filter: a metric matches when it has a
// dimension with the name and, unless value is empty, the value.
type dimensionFilter struct {
	Name  string
	Value string
}

type listMetricsToken struct {
	Fingerprint string `json:"f"`
	Offset      int    `json:"o"`
}

// listMetrics returns the metrics that match the request's filters.
//
// NOTE: CloudWatch leaves out metrics without data in the past two weeks,
// as its ListMetrics documentation states. The loopback server lists every
// metric that was put, however old its observations are.
func (c *CloudWatch) listMetrics(input cborStruct) (cbor.Value, *apiError) {
	namespace, err := input.stringMember("Namespace")
	if err != nil {
		return nil, serializationError(err)
	}
	metricName, err := input.stringMember("MetricName")
	if err != nil {
		return nil, serializationError(err)
	}
	recentlyActive, err := input.stringMember("RecentlyActive")
	if err != nil {
		return nil, serializationError(err)
	}
	if recentlyActive != "" && recentlyActive != "PT3H" {
		return nil, invalidParameterValue("RecentlyActive %q is invalid, want PT3H", recentlyActive)
	}
	token, err := input.stringMember("NextToken")
	if err != nil {
		return nil, serializationError(err)
	}
	filters, apiErr := parseDimensionFilters(input)
	if apiErr != nil {
		return nil, apiErr
	}

	// Select the matching metrics.
	activeSince := c.now().Add(-recentlyActiveWindow)
	var matches []cbor.Value
	c.mu.Lock()
	for _, series := range c.metrics {
		if namespace != "" && series.namespace != namespace {
			continue
		}
		if metricName != "" && series.name != metricName {
			continue
		}
		if !matchesDimensionFilters(series.dimensions, filters) {
			continue
		}
		if recentlyActive != "" && !series.hasPointSince(activeSince) {
			continue
		}
		matches = append(matches, metricCBOR(series.namespace, series.name, series.dimensions))
	}
	c.mu.Unlock()

	// Cut out the page that the token selects.
	parameters := fingerprint(namespace, metricName, recentlyActive, filters)
	offset := 0
	if token != "" {
		var position listMetricsToken
		if err := decodePageToken(token, &position); err != nil || position.Fingerprint != parameters ||
			position.Offset < 0 || position.Offset > len(matches) {
			return nil, invalidNextToken(token)
		}
		offset = position.Offset
	}
	pageSize := c.ListMetricsPageSize
	if pageSize <= 0 {
		pageSize = defaultListMetricsPageSize
	}
	end := min(offset+pageSize, len(matches))

	output := cbor.Map{"Metrics": cbor.List(append([]cbor.Value{}, matches[offset:end]...))}
	if end < len(matches) {
		output["NextToken"] = cbor.String(encodePageToken(listMetricsToken{Fingerprint: parameters, Offset: end}))
	}
	return output, nil
}

func parseDimensionFilters(input cborStruct) ([]dimensionFilter, *apiError) {
	items, err := input.structListMember("Dimensions")
	if err != nil {
		return nil, serializationError(err)
	}
	if len(items) > maxDimensionFilters {
		return nil, invalidParameterValue("Dimensions has %d filters, the maximum is %d", len(items), maxDimensionFilters)
	}
	filters := make([]dimensionFilter, 0, len(items))
	for i, item := range items {
		name, err := item.stringMember("Name")
		if err != nil {
			return nil, serializationError(err)
		}
		value, err := item.stringMember("Value")
		if err != nil {
			return nil, serializationError(err)
		}
		if name == "" {
			return nil, missingParameter(fmt.Sprintf("Dimensions.member.%d.Name", i+1))
		}
		filters = append(filters, dimensionFilter{Name: name, Value: value})
	}
	return filters, nil
}

func matchesDimensionFilters(dimensions []Dimension, filters []dimensionFilter) bool {
	for _, filter := range filters {
		found := slices.ContainsFunc(dimensions, func(d Dimension) bool {
			return d.Name == filter.Name && (filter.Value == "" || d.Value == filter.Value)
		})
		if !found {
			return false
		}
	}
	return true
}

// hasPointSince must be called with CloudWatch.mu held.
func (s *metricSeries) hasPointSince(since time.Time) bool {
	return slices.ContainsFunc(s.points, func(p observation) bool { return !p.time.Before(since) })
}

// metricCBOR encodes a Metric structure.
func metricCBOR(namespace, name string, dimensions []Dimension) cbor.Value {
	dims := cbor.List{}
	for _, d := range dimensions {
		dims = append(dims, cbor.Map{"Name": cbor.String(d.Name), "Value": cbor.String(d.Value)})
	}
	return cbor.Map{
		"Namespace":  cbor.String(namespace),
		"MetricName": cbor.String(name),
		"Dimensions": dims,
	}
}
