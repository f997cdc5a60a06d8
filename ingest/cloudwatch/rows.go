package cloudwatch

// buildRows returns one Datapoint per query and period of the window, and
// one SeriesSummary per query, in query order. values and present hold the
// datapoints CloudWatch returned, indexed by query and period.
//
// A period without a datapoint becomes 0, marked as filled, for a KindCount
// metric's Sum, because load balancers publish those only while they are
// not zero. For every other metric and statistic, the period's value is
// unknown.
func buildRows(w window, queries []query, values [][]float64, present [][]bool) ([]Datapoint, []SeriesSummary) {
	points := make([]Datapoint, 0, len(queries)*w.periods)
	summaries := make([]SeriesSummary, 0, len(queries))
	period := w.periodSeconds()

	for qi, q := range queries {
		summary := SeriesSummary{
			Namespace:    q.metric.Namespace,
			Metric:       q.metric.Name,
			LoadBalancer: q.loadBalancer,
			Dimensions:   q.dimensions,
			Stat:         q.stat,
		}
		fillsZero := q.metric.Kind == KindCount && q.stat == StatSum

		for p := range w.periods {
			point := Datapoint{
				Namespace:    q.metric.Namespace,
				Metric:       q.metric.Name,
				LoadBalancer: q.loadBalancer,
				Dimensions:   q.dimensions,
				Stat:         q.stat,
				Period:       period,
				Time:         w.periodStart(p),
				Unit:         q.metric.Unit,
			}
			switch {
			case present[qi][p]:
				point.Value = values[qi][p]
				point.Known = true
				point.FromCloudWatch = true
				summary.Datapoints++
			case fillsZero:
				point.Known = true
				summary.Filled++
			default:
				summary.Unknown++
			}
			points = append(points, point)
		}
		summaries = append(summaries, summary)
	}
	return points, summaries
}
