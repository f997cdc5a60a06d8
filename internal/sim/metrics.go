package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CloudWatch namespaces of the load balancers' metrics.
const (
	NamespaceALB = "AWS/ApplicationELB"
	NamespaceNLB = "AWS/NetworkELB"
)

// MetricDimension is one dimension of a metric: its name, such as
// "LoadBalancer", and its value, such as "app/partner-api/3f2b8c1d9e4a7b60".
type MetricDimension struct{ Name, Value string }

// Metric is one CloudWatch datapoint of a load balancer: the observations
// of one metric in one minute.
type Metric struct {
	// Namespace is NamespaceALB or NamespaceNLB, and Name the metric's
	// name, such as "RequestCount".
	Namespace, Name string
	// Dimensions in the order CloudWatch lists them: LoadBalancer
	// ("app/<name>/<id>" or "net/<name>/<id>"), then TargetGroup
	// ("targetgroup/<name>/<id>") for the host counts.
	Dimensions []MetricDimension
	// Unit is "Count", "Seconds" or "Bytes".
	Unit string
	// Time is the start of the minute, in UTC.
	Time time.Time
	// Values are the observations in that minute: one value for a count or
	// a host count, and one per request for TargetResponseTime.
	Values []float64
}

// MetricWriter receives the metrics of a run. When the ObjectWriter passed
// to Run also implements MetricWriter, Run writes metrics through it.
type MetricWriter interface {
	// WriteMetric stores m. Run passes at most one datapoint per metric
	// and minute, minutes in time order, and writes a minute's metrics
	// after the objects of the 5-minute interval that contains it. It never
	// calls WriteMetric concurrently with itself or with the ObjectWriter's
	// methods, but may call it from another goroutine than its own. m and
	// its slices belong to the writer after the call.
	WriteMetric(ctx context.Context, m Metric) error
}

// MetricTotal is the ground truth of one metric that Run wrote: the
// statistics over every datapoint of one namespace, name and dimension set.
type MetricTotal struct {
	Namespace, Name string
	Dimensions      []MetricDimension
	Unit            string
	// Datapoints counts the Metric values written, one per minute that has
	// the metric.
	Datapoints int
	// SampleCount counts the observations of all datapoints.
	SampleCount int
	// Sum, Minimum and Maximum are over all observations.
	Sum, Minimum, Maximum float64
}

// FindMetric returns the total of the metric with the given namespace, name
// and dimensions, which must be in the order of Metric.Dimensions. It
// returns false when Run wrote no datapoint of that metric.
func (s *Summary) FindMetric(namespace, name string, dims ...MetricDimension) (MetricTotal, bool) {
	for _, m := range s.Metrics {
		if m.Namespace == namespace && m.Name == name && slices.Equal(m.Dimensions, dims) {
			return m, true
		}
	}
	return MetricTotal{}, false
}

// metricTotals accumulates the MetricTotal of every metric written, in the
// order of first write.
type metricTotals struct {
	index  map[string]int // by metricKey
	totals []MetricTotal
}

// totalOf returns the MetricTotal of the single datapoint m.
func totalOf(m *Metric) MetricTotal {
	t := MetricTotal{
		Namespace:   m.Namespace,
		Name:        m.Name,
		Dimensions:  slices.Clone(m.Dimensions),
		Unit:        m.Unit,
		Datapoints:  1,
		SampleCount: len(m.Values),
	}
	for i, v := range m.Values {
		if i == 0 || v < t.Minimum {
			t.Minimum = v
		}
		if i == 0 || v > t.Maximum {
			t.Maximum = v
		}
		t.Sum += v
	}
	return t
}

// add merges part, the total of one or more datapoints, into the totals.
func (t *metricTotals) add(part MetricTotal) {
	if t.index == nil {
		t.index = make(map[string]int)
	}
	key := metricKey(part.Namespace, part.Name, part.Dimensions)
	i, ok := t.index[key]
	if !ok {
		t.index[key] = len(t.totals)
		t.totals = append(t.totals, part)
		return
	}
	total := &t.totals[i]
	if part.SampleCount > 0 {
		if total.SampleCount == 0 || part.Minimum < total.Minimum {
			total.Minimum = part.Minimum
		}
		if total.SampleCount == 0 || part.Maximum > total.Maximum {
			total.Maximum = part.Maximum
		}
	}
	total.Datapoints += part.Datapoints
	total.SampleCount += part.SampleCount
	total.Sum += part.Sum
}

// metricKey returns "<namespace> <name> <dim>=<value>,...", which
// identifies a metric within a run.
func metricKey(namespace, name string, dims []MetricDimension) string {
	var b strings.Builder
	b.WriteString(namespace)
	b.WriteByte(' ')
	b.WriteString(name)
	for i, d := range dims {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(d.Name)
		b.WriteByte('=')
		b.WriteString(d.Value)
	}
	return b.String()
}

// writeMetrics writes metrics to w in order and adds each one that w
// accepted to totals.
func writeMetrics(ctx context.Context, w MetricWriter, metrics []Metric, totals *metricTotals) error {
	for i := range metrics {
		m := &metrics[i]
		// Take the total before the call, because the writer owns m
		// afterwards.
		total := totalOf(m)
		if err := w.WriteMetric(ctx, *m); err != nil {
			return fmt.Errorf("sim: write metric %s %s at %s: %w", m.Namespace, m.Name, m.Time.Format(time.RFC3339), err)
		}
		totals.add(total)
	}
	return nil
}

// minuteMicros is the length of a metric period in µs.
const minuteMicros = int64(time.Minute / time.Microsecond)

// minuteMetrics are the observations of one minute on both paths.
type minuteMetrics struct {
	// ALB path, by the minute of the access-log or connection-log time.
	requests          int
	elb4xx, elb5xx    int
	elb502, elb504    int
	targetClasses     [4]int // by target_status_code class, 2xx to 5xx
	responseTimes     []float64
	processedBytes    int64
	clientConnections int
	tlsErrors         int
	// targetBusy is the time in µs that target connections spent on the
	// minute's requests, by node and target (node*len(Targets)+target).
	// nil when the minute has no request that reached a target.
	targetBusy []int64
	// closedByTarget counts the minute's 502 responses: the target closed
	// or reset its connection, so the node opens another one.
	closedByTarget int

	// NLB path.
	newFlows int
	// flowMicros is the time that flows were open within the minute,
	// summed over the flows.
	flowMicros   int64
	clientResets int
}

// metricRecorder collects the metrics of both load balancers from the
// connections that the sinks receive, per minute, and turns each complete
// minute into Metric values.
type metricRecorder struct {
	cfg        *Config
	start, end int64 // µs
	// next is the number of the first minute not yet taken, in minutes
	// since the Unix epoch.
	next int64
	open map[int64]*minuteMetrics
	// late counts observations for minutes already taken, which would be
	// a fault in the order of generation.
	late int
	// targetPools is the number of connections each node kept to each
	// target in the last minute taken, by node*len(Targets)+target.
	targetPools []int64
	empty       minuteMetrics
}

func newMetricRecorder(m *model) *metricRecorder {
	return &metricRecorder{
		cfg:         m.cfg,
		start:       m.start,
		end:         m.end,
		next:        floorDiv(m.start, minuteMicros),
		open:        make(map[int64]*minuteMetrics),
		targetPools: make([]int64, len(m.cfg.Nodes)*len(m.cfg.Targets)),
	}
}

// minute returns the observations of the minute that contains t (µs).
func (r *metricRecorder) minute(t int64) *minuteMetrics {
	index := floorDiv(t, minuteMicros)
	if index < r.next {
		r.late++
		return &r.empty
	}
	mm := r.open[index]
	if mm == nil {
		mm = new(minuteMetrics)
		r.open[index] = mm
	}
	return mm
}

// addALB records a connection on the ALB path. A nil recorder records
// nothing.
//
// The client connection counts in the minute of its connection-log line,
// when the handshake completed or failed, and each request in the minute of
// its access-log time field, when the response was generated.
// NOTE: AWS does not document which moment of a request or connection
// assigns it to a period. These choices make the metrics agree with the
// logs minute by minute.
func (r *metricRecorder) addALB(conn *connection) {
	if r == nil {
		return
	}
	mm := r.minute(conn.logged)
	mm.clientConnections++
	if conn.status != statusSuccess {
		// NOTE: AWS names cipher and protocol mismatches and rejected
		// server certificates as causes, and does not mention failed client
		// certificates. The simulator counts every failed handshake, as the
		// connection log shows it.
		mm.tlsErrors++
	}
	for i := range conn.requests {
		r.addALBRequest(conn.node, &conn.requests[i])
	}
}

func (r *metricRecorder) addALBRequest(node int, req *request) {
	mm := r.minute(req.done)
	mm.requests++
	mm.processedBytes += int64(req.received) + int64(req.sent)

	var busy int64
	switch {
	case req.targetStatus != 0:
		mm.targetClasses[req.targetStatus/100-2]++
		mm.responseTimes = append(mm.responseTimes, secondsAsLogged(req.targetTime))
		busy = req.targetTime + max(req.responseTime, 0)
	case req.elbStatus == 502:
		mm.elb5xx++
		mm.elb502++
		mm.closedByTarget++
		busy = req.done - req.created
	case req.elbStatus == 504:
		// No target connection was established.
		mm.elb5xx++
		mm.elb504++
	case req.elbStatus >= 500:
		mm.elb5xx++
	case req.elbStatus >= 400:
		mm.elb4xx++
	}
	if busy > 0 {
		if mm.targetBusy == nil {
			mm.targetBusy = make([]int64, len(r.targetPools))
		}
		mm.targetBusy[node*len(r.cfg.Targets)+int(req.target)] += busy
	}
}

// secondsAsLogged returns a duration of us µs in seconds, rounded to the
// millisecond as appendSeconds writes it into the access log.
func secondsAsLogged(us int64) float64 {
	return float64((us+500)/1000) / 1000
}

// addNLBFlow records a client connection on the NLB path: a new flow in the
// minute it started, open until the response to its last request was sent,
// or until its handshake failed. A nil recorder records nothing.
// NOTE: for a connection that nginx rejected with 400, the flow ends a
// little before the 400 is sent, at the moment the ALB would have failed
// the handshake.
func (r *metricRecorder) addNLBFlow(conn *connection) {
	if r == nil {
		return
	}
	r.minute(conn.start).newFlows++
	end := conn.logged
	for i := range conn.requests {
		end = max(end, conn.requests[i].written)
	}
	for t := conn.start; t < end; {
		next := min(end, (floorDiv(t, minuteMicros)+1)*minuteMicros)
		r.minute(t).flowMicros += next - t
		t = next
	}
}

// addClientReset records a reset packet that a client sent through the NLB
// at t (µs). A nil recorder records nothing.
func (r *metricRecorder) addClientReset(t int64) {
	if r == nil {
		return
	}
	r.minute(t).clientResets++
}

// take returns the metrics of the minutes that no later connection can
// change: those that end at or before to (µs), and every remaining minute
// of the run when to is its end.
func (r *metricRecorder) take(to int64) []Metric {
	var out []Metric
	for {
		from := r.next * minuteMicros
		if from >= min(to, r.end) || (from+minuteMicros > to && to < r.end) {
			return out
		}
		mm := r.open[r.next]
		delete(r.open, r.next)
		if mm == nil {
			mm = &minuteMetrics{}
		}
		at := time.UnixMicro(from).UTC()
		out = r.appendALB(out, at, mm)
		out = r.appendNLB(out, at, mm, min(r.end, from+minuteMicros)-max(r.start, from))
		r.next++
	}
}

// newMetric returns a Metric of one minute with fresh dimensions.
func newMetric(namespace, name, unit string, at time.Time, dims []MetricDimension, values ...float64) Metric {
	return Metric{
		Namespace:  namespace,
		Name:       name,
		Dimensions: slices.Clone(dims),
		Unit:       unit,
		Time:       at,
		Values:     values,
	}
}

// appendALB appends the ALB's metrics of one minute. The ALB reports its
// count metrics only in minutes where they are not zero, and the host
// counts every minute.
func (r *metricRecorder) appendALB(out []Metric, at time.Time, mm *minuteMetrics) []Metric {
	lb := []MetricDimension{{"LoadBalancer", r.cfg.ELB()}}
	count := func(name string, n int64) {
		if n > 0 {
			out = append(out, newMetric(NamespaceALB, name, "Count", at, lb, float64(n)))
		}
	}

	count("RequestCount", int64(mm.requests))
	if len(mm.responseTimes) > 0 {
		out = append(out, newMetric(NamespaceALB, "TargetResponseTime", "Seconds", at, lb, mm.responseTimes...))
	}
	// The simulated clients send no malformed requests, so the ALB
	// generates no 4XX and HTTPCode_ELB_4XX_Count has no datapoint.
	count("HTTPCode_ELB_4XX_Count", int64(mm.elb4xx))
	count("HTTPCode_ELB_5XX_Count", int64(mm.elb5xx))
	count("HTTPCode_ELB_502_Count", int64(mm.elb502))
	count("HTTPCode_ELB_504_Count", int64(mm.elb504))
	for class, n := range mm.targetClasses {
		count("HTTPCode_Target_"+strconv.Itoa(class+2)+"XX_Count", int64(n))
	}
	count("ClientTLSNegotiationErrorCount", int64(mm.tlsErrors))
	count("NewConnectionCount", int64(mm.clientConnections)+r.newTargetConnections(mm))
	if mm.processedBytes > 0 {
		out = append(out, newMetric(NamespaceALB, "ProcessedBytes", "Bytes", at, lb, float64(mm.processedBytes)))
	}

	lbtg := append(lb, MetricDimension{"TargetGroup", r.cfg.ALBTargetGroup()})
	out = append(out,
		newMetric(NamespaceALB, "HealthyHostCount", "Count", at, lbtg, float64(len(r.cfg.Targets))),
		newMetric(NamespaceALB, "UnHealthyHostCount", "Count", at, lbtg, 0))
	return out
}

// newTargetConnections returns the connections that the ALB's nodes open
// to targets in the minute of mm, and keeps each pool's size for the next
// minute.
//
// The model: each node keeps a pool of keep-alive connections per target,
// each carrying one request at a time. A pool holds as many connections as
// the minute's requests kept busy on average, rounded up, and at least one
// while it carries requests. A pool left idle for a minute closes, as the
// targets' keep-alive timeout outlasts the ALB's 60 s idle timeout. A node
// opens a connection whenever its pool grows, and after each 502, where
// the target closed a connection.
// NOTE: this is an estimate. AWS does not document how the ALB pools
// target connections.
func (r *metricRecorder) newTargetConnections(mm *minuteMetrics) int64 {
	opened := int64(mm.closedByTarget)
	for pair, previous := range r.targetPools {
		var pool int64
		if mm.targetBusy != nil && mm.targetBusy[pair] > 0 {
			pool = (mm.targetBusy[pair] + minuteMicros - 1) / minuteMicros
		}
		opened += max(0, pool-previous)
		r.targetPools[pair] = pool
	}
	return opened
}

// appendNLB appends the NLB's metrics of one minute, span µs of which are
// inside the run. Every metric has a datapoint every minute, zero included.
// NOTE: AWS does not document whether the NLB leaves out zero datapoints
// as the ALB does. The simulator writes them.
//
// ClientTLSNegotiationErrorCount is not written: the NLB passes TLS
// through to the terminators and counts no handshakes.
//
// The reset counts follow what the terminators log. A client that breaks
// off the handshake with a reset is one TCP_Client_Reset_Count, and its
// nginx error-log line reads "Connection reset by peer". Clients that
// close with a FIN ("unexpected eof"), nginx closing a connection after a
// 400, and the NLB's health checks send no reset. No simulated flow stays
// idle for the NLB's TCP idle timeout (350 s, the default of
// tcp.idle_timeout.seconds in the AWS NLB user guide), so the NLB resets
// none either. TCP_Target_Reset_Count and TCP_ELB_Reset_Count stay zero.
// NOTE: this mapping is an inference from TCP and nginx behaviour, not from
// AWS documentation.
func (r *metricRecorder) appendNLB(out []Metric, at time.Time, mm *minuteMetrics, span int64) []Metric {
	lb := []MetricDimension{{"LoadBalancer", r.cfg.NLB()}}
	// The average number of flows open during the minute.
	active := float64(mm.flowMicros) / float64(span)
	out = append(out,
		newMetric(NamespaceNLB, "NewFlowCount", "Count", at, lb, float64(mm.newFlows)),
		newMetric(NamespaceNLB, "NewFlowCount_TCP", "Count", at, lb, float64(mm.newFlows)),
		newMetric(NamespaceNLB, "ActiveFlowCount", "Count", at, lb, active),
		newMetric(NamespaceNLB, "ActiveFlowCount_TCP", "Count", at, lb, active),
		newMetric(NamespaceNLB, "TCP_Client_Reset_Count", "Count", at, lb, float64(mm.clientResets)),
		newMetric(NamespaceNLB, "TCP_Target_Reset_Count", "Count", at, lb, 0),
		newMetric(NamespaceNLB, "TCP_ELB_Reset_Count", "Count", at, lb, 0),
	)

	lbtg := append(lb, MetricDimension{"TargetGroup", r.cfg.NLBTargetGroup()})
	return append(out,
		newMetric(NamespaceNLB, "HealthyHostCount", "Count", at, lbtg, float64(len(r.cfg.Terminators))),
		newMetric(NamespaceNLB, "UnHealthyHostCount", "Count", at, lbtg, 0))
}
