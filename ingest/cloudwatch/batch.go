package cloudwatch

// Limits of one GetMetricData call, from the GetMetricData documentation of
// aws-sdk-go-v2/service/cloudwatch v1.76.0.
const (
	// GetMetricDataMaxQueries is the maximum number of MetricDataQuery
	// entries in one call.
	GetMetricDataMaxQueries = 500
	// GetMetricDataMaxDatapoints is the maximum number of datapoints that
	// one call returns across its pages.
	GetMetricDataMaxDatapoints = 100800
)

// batch is the work of one GetMetricData call: a run of consecutive queries
// over a run of consecutive periods of the window.
type batch struct {
	// firstQuery and endQuery bound the queries [firstQuery, endQuery).
	firstQuery, endQuery int
	// firstPeriod and endPeriod bound the periods [firstPeriod, endPeriod).
	firstPeriod, endPeriod int
}

// queries returns the number of queries in the batch.
func (b batch) queries() int { return b.endQuery - b.firstQuery }

// datapoints returns the most datapoints the batch can return: one per
// query and period.
func (b batch) datapoints() int {
	return b.queries() * (b.endPeriod - b.firstPeriod)
}

// planBatches splits numQueries queries over numPeriods periods into
// batches of at most maxQueries queries and maxDatapoints datapoints, and
// covers every query and period exactly once. When one query over the whole
// window exceeds maxDatapoints, the window is split into time chunks of
// maxDatapoints periods (the last one shorter), each batched on its own.
// Both limits must be at least 1, which Pull checks before it calls this.
func planBatches(numQueries, numPeriods, maxQueries, maxDatapoints int) []batch {
	var batches []batch
	chunk := min(numPeriods, maxDatapoints)
	for firstPeriod := 0; firstPeriod < numPeriods; firstPeriod += chunk {
		endPeriod := min(firstPeriod+chunk, numPeriods)
		perBatch := min(maxQueries, maxDatapoints/(endPeriod-firstPeriod))
		for firstQuery := 0; firstQuery < numQueries; firstQuery += perBatch {
			batches = append(batches, batch{
				firstQuery:  firstQuery,
				endQuery:    min(firstQuery+perBatch, numQueries),
				firstPeriod: firstPeriod,
				endPeriod:   endPeriod,
			})
		}
	}
	return batches
}
