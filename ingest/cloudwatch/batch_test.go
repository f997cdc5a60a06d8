package cloudwatch

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanBatches(t *testing.T) {
	tests := []struct {
		name          string
		queries       int
		periods       int
		maxQueries    int
		maxDatapoints int
		wantBatches   int
	}{
		{name: "one batch", queries: 30, periods: 60, maxQueries: 500, maxDatapoints: 100800, wantBatches: 1},
		{name: "query limit", queries: 600, periods: 60, maxQueries: 500, maxDatapoints: 100800, wantBatches: 2},
		// 100800 / 21600 = 4 queries per call, so 30 queries take 8 calls.
		{name: "15 days of minutes", queries: 30, periods: 15 * 24 * 60, maxQueries: 500, maxDatapoints: 100800, wantBatches: 8},
		{name: "datapoint limit", queries: 10, periods: 100, maxQueries: 500, maxDatapoints: 250, wantBatches: 5},
		// 250000 periods need chunks of 100800, 100800 and 48400 periods.
		{name: "one long series", queries: 1, periods: 250000, maxQueries: 500, maxDatapoints: 100800, wantBatches: 3},
		// Chunks of 10, 10 and 5 periods: one query per call in the first
		// two, two per call in the last.
		{name: "chunks and queries", queries: 3, periods: 25, maxQueries: 500, maxDatapoints: 10, wantBatches: 3 + 3 + 2},
		{name: "one query per call", queries: 4, periods: 7, maxQueries: 1, maxDatapoints: 100800, wantBatches: 4},
		{name: "exact fit", queries: 4, periods: 25, maxQueries: 500, maxDatapoints: 100, wantBatches: 1},
		{name: "no queries", queries: 0, periods: 25, maxQueries: 500, maxDatapoints: 100, wantBatches: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches := planBatches(tt.queries, tt.periods, tt.maxQueries, tt.maxDatapoints)
			assert.Len(t, batches, tt.wantBatches)

			// Each batch keeps to both limits, and the batches cover every
			// query and period exactly once.
			covered := make(map[[2]int]int)
			for _, b := range batches {
				assert.LessOrEqual(t, b.queries(), tt.maxQueries, "queries in %+v", b)
				assert.LessOrEqual(t, b.datapoints(), tt.maxDatapoints, "datapoints in %+v", b)
				require.Positive(t, b.queries(), "queries in %+v", b)
				require.Less(t, b.firstPeriod, b.endPeriod, "periods in %+v", b)
				for q := b.firstQuery; q < b.endQuery; q++ {
					for p := b.firstPeriod; p < b.endPeriod; p++ {
						covered[[2]int{q, p}]++
					}
				}
			}
			assert.Len(t, covered, tt.queries*tt.periods, "covered query-period pairs")
			for pair, n := range covered {
				if n != 1 {
					assert.Fail(t, fmt.Sprintf("query %d period %d is covered %d times", pair[0], pair[1], n))
				}
			}
		})
	}
}

func TestQueryIDs(t *testing.T) {
	seen := make(map[string]bool)
	for i := range GetMetricDataMaxQueries {
		id := queryID(i)
		assert.Regexp(t, `^[a-z][A-Za-z0-9_]*$`, id)
		assert.False(t, seen[id], "id %s repeats", id)
		seen[id] = true

		got, ok := parseQueryID(id, GetMetricDataMaxQueries)
		assert.True(t, ok, "parse %s", id)
		assert.Equal(t, i, got, "parse %s", id)
	}

	for _, id := range []string{"", "m", "x1", "m-1", "m01", "m+1", "M1", "m500"} {
		_, ok := parseQueryID(id, GetMetricDataMaxQueries)
		assert.False(t, ok, "parse %q", id)
	}
}
