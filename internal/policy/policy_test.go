package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLatencyMarginLimit(t *testing.T) {
	m := LatencyMargin{Ratio: 0.10, Slack: 5 * time.Millisecond}

	assert.Equal(t, 115*time.Millisecond, m.Limit(100*time.Millisecond))
	assert.Equal(t, 5*time.Millisecond, m.Limit(0))
	assert.Equal(t, 3*time.Second+5*time.Millisecond, LatencyMargin{Ratio: 2, Slack: 5 * time.Millisecond}.Limit(time.Second))
}

func TestLatencyMarginsQuantiles(t *testing.T) {
	m := Default().Analyze.Margins.ResponseHeaderTime

	got := m.Quantiles()
	assert.Equal(t, []QuantileMargin{
		{Quantile: 0.50, LatencyMargin: LatencyMargin{Ratio: 0.10, Slack: 5 * time.Millisecond}},
		{Quantile: 0.90, LatencyMargin: LatencyMargin{Ratio: 0.10, Slack: 10 * time.Millisecond}},
		{Quantile: 0.99, LatencyMargin: LatencyMargin{Ratio: 0.20, Slack: 25 * time.Millisecond}},
	}, got)
}
