package cloudwatch

// CloudWatch namespaces of the load balancer metrics.
const (
	NamespaceALB = "AWS/ApplicationELB"
	NamespaceNLB = "AWS/NetworkELB"
)

// CloudWatch dimension names of the load balancer metrics.
const (
	DimensionLoadBalancer = "LoadBalancer"
	DimensionTargetGroup  = "TargetGroup"
)

// Statistics that the catalogue requests. Percentiles use the extended
// statistic syntax "pNN".
const (
	StatSum     = "Sum"
	StatAverage = "Average"
	StatMinimum = "Minimum"
	StatMaximum = "Maximum"
	StatP50     = "p50"
	StatP90     = "p90"
	StatP99     = "p99"
)

// Units of the catalogue metrics, spelled as CloudWatch spells them.
const (
	UnitCount   = "Count"
	UnitSeconds = "Seconds"
	UnitBytes   = "Bytes"
)

// Kind is the class of a metric, which decides what a period without a
// datapoint means.
type Kind string

const (
	// KindCount is a metric that counts events or bytes. A period without
	// a datapoint had none, so its Sum is 0.
	KindCount Kind = "count"
	// KindGauge is a level sampled in each period, such as a number of
	// connections or hosts. A period without a datapoint is unknown.
	KindGauge Kind = "gauge"
	// KindLatency is a duration of requests. A period without a datapoint
	// had no requests, so its latency is unknown.
	KindLatency Kind = "latency"
)

// Level is the set of dimensions a catalogue metric is pulled at.
type Level string

const (
	// LevelLoadBalancer is the LoadBalancer dimension alone.
	LevelLoadBalancer Level = "LoadBalancer"
	// LevelTargetGroup is the LoadBalancer and TargetGroup dimensions,
	// pulled once for each target group of the load balancer.
	LevelTargetGroup Level = "LoadBalancer,TargetGroup"
)

// Metric is one entry of the catalogue: a CloudWatch metric and the
// statistics that [Pull] requests for it.
type Metric struct {
	Namespace string
	Name      string
	// Stats are requested in this order. A KindCount metric has only Sum.
	Stats []string
	Kind  Kind
	Level Level
	// Unit is the CloudWatch unit of the values, such as "Count".
	Unit string
}

// catalogueTable lists the metrics that Pull reads, grouped by namespace and
// level.
var catalogueTable = []Metric{
	// Application Load Balancer, LoadBalancer dimension.
	{NamespaceALB, "RequestCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_ELB_3XX_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_ELB_4XX_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_ELB_5XX_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_ELB_500_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_ELB_502_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_ELB_503_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_ELB_504_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_Target_2XX_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_Target_3XX_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_Target_4XX_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "HTTPCode_Target_5XX_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "ClientTLSNegotiationErrorCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "TargetTLSNegotiationErrorCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "TargetConnectionErrorCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "NewConnectionCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "RejectedConnectionCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "ProcessedBytes", sumOnly, KindCount, LevelLoadBalancer, UnitBytes},
	// The Sum of ActiveConnectionCount over the load balancer's nodes is
	// the number of open connections, a level rather than a count of events.
	{NamespaceALB, "ActiveConnectionCount", sumOnly, KindGauge, LevelLoadBalancer, UnitCount},
	{NamespaceALB, "TargetResponseTime", []string{StatAverage, StatP50, StatP90, StatP99}, KindLatency, LevelLoadBalancer, UnitSeconds},

	// Application Load Balancer, LoadBalancer and TargetGroup dimensions.
	{NamespaceALB, "HealthyHostCount", minMax, KindGauge, LevelTargetGroup, UnitCount},
	{NamespaceALB, "UnHealthyHostCount", minMax, KindGauge, LevelTargetGroup, UnitCount},

	// Network Load Balancer, LoadBalancer dimension.
	{NamespaceNLB, "NewFlowCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "NewFlowCount_TCP", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "NewFlowCount_TLS", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "ProcessedBytes", sumOnly, KindCount, LevelLoadBalancer, UnitBytes},
	{NamespaceNLB, "TCP_Client_Reset_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "TCP_ELB_Reset_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "TCP_Target_Reset_Count", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "ClientTLSNegotiationErrorCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "TargetTLSNegotiationErrorCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "RejectedFlowCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "PortAllocationErrorCount", sumOnly, KindCount, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "ActiveFlowCount", []string{StatAverage, StatMaximum}, KindGauge, LevelLoadBalancer, UnitCount},
	{NamespaceNLB, "ActiveFlowCount_TCP", []string{StatAverage, StatMaximum}, KindGauge, LevelLoadBalancer, UnitCount},

	// Network Load Balancer, LoadBalancer and TargetGroup dimensions.
	{NamespaceNLB, "HealthyHostCount", minMax, KindGauge, LevelTargetGroup, UnitCount},
	{NamespaceNLB, "UnHealthyHostCount", minMax, KindGauge, LevelTargetGroup, UnitCount},
}

var (
	sumOnly = []string{StatSum}
	minMax  = []string{StatMinimum, StatMaximum}
)

// Catalogue returns the metrics that [Pull] reads, in a fixed order. The
// slice and its Stats are copies, so the caller may change them.
func Catalogue() []Metric {
	metrics := make([]Metric, len(catalogueTable))
	for i, m := range catalogueTable {
		m.Stats = append([]string(nil), m.Stats...)
		metrics[i] = m
	}
	return metrics
}

// catalogueFor returns the catalogue entries of one namespace. The entries
// share their Stats with the table and must not be changed.
func catalogueFor(namespace string) []Metric {
	var metrics []Metric
	for _, m := range catalogueTable {
		if m.Namespace == namespace {
			metrics = append(metrics, m)
		}
	}
	return metrics
}
