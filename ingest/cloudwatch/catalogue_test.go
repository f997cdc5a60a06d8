package cloudwatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogueEntries(t *testing.T) {
	count := func(namespace, name, unit string) Metric {
		return Metric{Namespace: namespace, Name: name, Stats: []string{StatSum}, Kind: KindCount, Level: LevelLoadBalancer, Unit: unit}
	}
	tests := []Metric{
		count(NamespaceALB, "RequestCount", UnitCount),
		count(NamespaceALB, "HTTPCode_ELB_5XX_Count", UnitCount),
		count(NamespaceALB, "HTTPCode_ELB_502_Count", UnitCount),
		count(NamespaceALB, "HTTPCode_Target_4XX_Count", UnitCount),
		count(NamespaceALB, "ClientTLSNegotiationErrorCount", UnitCount),
		count(NamespaceALB, "ProcessedBytes", UnitBytes),
		{NamespaceALB, "ActiveConnectionCount", []string{StatSum}, KindGauge, LevelLoadBalancer, UnitCount},
		{NamespaceALB, "TargetResponseTime", []string{StatAverage, StatP50, StatP90, StatP99}, KindLatency, LevelLoadBalancer, UnitSeconds},
		{NamespaceALB, "HealthyHostCount", []string{StatMinimum, StatMaximum}, KindGauge, LevelTargetGroup, UnitCount},
		{NamespaceALB, "UnHealthyHostCount", []string{StatMinimum, StatMaximum}, KindGauge, LevelTargetGroup, UnitCount},
		count(NamespaceNLB, "NewFlowCount_TLS", UnitCount),
		count(NamespaceNLB, "ProcessedBytes", UnitBytes),
		count(NamespaceNLB, "TCP_Target_Reset_Count", UnitCount),
		count(NamespaceNLB, "PortAllocationErrorCount", UnitCount),
		{NamespaceNLB, "ActiveFlowCount_TCP", []string{StatAverage, StatMaximum}, KindGauge, LevelLoadBalancer, UnitCount},
		{NamespaceNLB, "UnHealthyHostCount", []string{StatMinimum, StatMaximum}, KindGauge, LevelTargetGroup, UnitCount},
	}
	catalogue := Catalogue()
	for _, want := range tests {
		t.Run(want.Namespace+" "+want.Name, func(t *testing.T) {
			for _, m := range catalogue {
				if m.Namespace == want.Namespace && m.Name == want.Name {
					assert.Equal(t, want, m)
					return
				}
			}
			assert.Fail(t, "not in the catalogue")
		})
	}
}

func TestCatalogueSize(t *testing.T) {
	assert.Len(t, catalogueFor(NamespaceALB), 22)
	assert.Len(t, catalogueFor(NamespaceNLB), 15)
}

func TestCatalogueRules(t *testing.T) {
	seen := make(map[string]bool)
	for _, m := range Catalogue() {
		key := m.Namespace + " " + m.Name
		assert.False(t, seen[key], "%s appears twice", key)
		seen[key] = true

		assert.Contains(t, []string{NamespaceALB, NamespaceNLB}, m.Namespace, key)
		assert.Contains(t, []Kind{KindCount, KindGauge, KindLatency}, m.Kind, key)
		assert.Contains(t, []Level{LevelLoadBalancer, LevelTargetGroup}, m.Level, key)
		assert.Contains(t, []string{UnitCount, UnitSeconds, UnitBytes}, m.Unit, key)
		require.NotEmpty(t, m.Stats, key)
		if m.Kind == KindCount {
			// Only a Sum can be filled with 0 for a period without traffic.
			assert.Equal(t, []string{StatSum}, m.Stats, key)
		}
		if m.Kind == KindLatency {
			assert.Equal(t, UnitSeconds, m.Unit, key)
		}
	}
}

func TestCatalogueReturnsCopy(t *testing.T) {
	first := Catalogue()
	first[0].Name = "Changed"
	first[0].Stats[0] = "Changed"

	second := Catalogue()
	assert.NotEqual(t, "Changed", second[0].Name)
	assert.NotEqual(t, "Changed", second[0].Stats[0])
}
