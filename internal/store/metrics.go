package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// MetricRow is one row of table metrics: one statistic of one CloudWatch
// series over one period.
type MetricRow struct {
	Namespace    string
	Metric       string
	LoadBalancer string
	// Dimensions are the series' dimensions as "Name=Value" pairs sorted by
	// name and joined with commas.
	Dimensions string
	Stat       string
	Period     int32 // seconds
	Time       time.Time
	// Value is NULL in the table when Known is false.
	Value float64
	Known bool
	// Datapoint is true when CloudWatch returned the value, and false when
	// cutover filled it in: 0 for a count, unknown for anything else.
	Datapoint bool
	Unit      string
}

// The values of column metric_pulls.status.
const (
	MetricPulled  = "pulled"
	MetricMissing = "missing"
)

// MetricPull is one row of table metric_pulls: what a pull found for one
// metric of one load balancer.
type MetricPull struct {
	Namespace    string
	Metric       string
	LoadBalancer string
	Dimensions   string
	// Status is MetricPulled or MetricMissing. Reason explains why a metric is
	// missing.
	Status string
	Reason string
}

// MetricWindow is the window of one pull: the load balancers it covers and
// the periods from From, inclusive, to To, exclusive.
type MetricWindow struct {
	LoadBalancers []string
	From, To      time.Time
	Period        int32
}

// ReplacedMetrics counts what ReplaceMetrics removed and added.
type ReplacedMetrics struct {
	Deleted  int64 `json:"rows_replaced"`
	Inserted int64 `json:"rows_stored"`
}

var metricsSchema = arrow.NewSchema([]arrow.Field{
	stringColumn("namespace"),
	stringColumn("metric"),
	stringColumn("load_balancer"),
	stringColumn("dimensions"),
	stringColumn("stat"),
	column("period", arrow.PrimitiveTypes.Int32),
	column("time", utcMicros),
	column("value", arrow.PrimitiveTypes.Float64),
	stringColumn("unit"),
	column("datapoint", arrow.FixedWidthTypes.Boolean),
	column("pulled_at", utcMicros),
}, nil)

func (b *batch) appendMetric(r *MetricRow, pulledAt time.Time) {
	b.str(0, r.Namespace)
	b.str(1, r.Metric)
	b.str(2, r.LoadBalancer)
	b.str(3, r.Dimensions)
	b.str(4, r.Stat)
	b.i32(5, r.Period)
	b.ts(6, r.Time)
	b.nullF64(7, sql.NullFloat64{Float64: r.Value, Valid: r.Known})
	b.optStr(8, r.Unit)
	b.boolean(9, r.Datapoint)
	b.ts(10, pulledAt)
	b.rows++
}

// ReplaceMetrics stores the rows and findings of one pull in one
// transaction. The earlier rows of the same load balancers that overlap the
// window go first, so pulling a window again replaces it rather than adding
// to it. A row of a longer period that reaches into the window goes whole.
// Rows outside the window are an error, because they would survive the next
// pull of it.
func (d *DB) ReplaceMetrics(ctx context.Context, w MetricWindow, rows []MetricRow, pulls []MetricPull, pulledAt time.Time) (ReplacedMetrics, error) {
	var res ReplacedMetrics
	if len(w.LoadBalancers) == 0 || !w.From.Before(w.To) {
		return res, fmt.Errorf("store metrics: empty window %v to %v for %d load balancers", w.From, w.To, len(w.LoadBalancers))
	}
	inWindow := make(map[string]bool, len(w.LoadBalancers))
	for _, lb := range w.LoadBalancers {
		inWindow[lb] = true
	}
	b := newBatch(metricsSchema)
	defer b.release()
	for i := range rows {
		r := &rows[i]
		if !inWindow[r.LoadBalancer] || r.Time.Before(w.From) || !r.Time.Before(w.To) {
			return res, fmt.Errorf("store metrics: %s %s of %s at %s is outside the window %s to %s",
				r.Metric, r.Stat, r.LoadBalancer, r.Time.UTC().Format(time.RFC3339), w.From.UTC().Format(time.RFC3339), w.To.UTC().Format(time.RFC3339))
		}
		b.appendMetric(r, pulledAt)
	}

	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("store metrics: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return res, fmt.Errorf("store metrics: %w", err)
	}
	err = replaceMetrics(ctx, conn, w, b, pulls, pulledAt, &res)
	if err == nil {
		_, err = conn.ExecContext(ctx, "COMMIT")
	}
	if err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return ReplacedMetrics{}, fmt.Errorf("store metrics of %s: %w", strings.Join(w.LoadBalancers, ", "), err)
	}
	return res, nil
}

func replaceMetrics(ctx context.Context, conn *sql.Conn, w MetricWindow, b *batch, pulls []MetricPull, pulledAt time.Time, res *ReplacedMetrics) error {
	for _, lb := range w.LoadBalancers {
		// A row covers [time, time + period). Every row that overlaps the
		// window goes, so that a row of a coarser period pulled earlier
		// cannot count the same minutes twice.
		r, err := conn.ExecContext(ctx,
			"DELETE FROM metrics WHERE load_balancer = ? AND time < ? AND time + period * INTERVAL 1 SECOND > ?", lb, w.To, w.From)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		res.Deleted += n
		// A window pulled before and now covered again is forgotten; one
		// that reaches past this window keeps its findings.
		if _, err := conn.ExecContext(ctx,
			"DELETE FROM metric_pulls WHERE load_balancer = ? AND window_start >= ? AND window_end <= ?", lb, w.From, w.To); err != nil {
			return err
		}
	}
	if b.rows > 0 {
		res.Inserted = int64(b.rows)
		rec := b.take()
		defer rec.Release()
		if err := insert(ctx, conn, "metrics", []arrow.RecordBatch{rec}); err != nil {
			return err
		}
	}
	for _, p := range pulls {
		if _, err := conn.ExecContext(ctx,
			`INSERT INTO metric_pulls (namespace, metric, load_balancer, dimensions, window_start, window_end, period, status, reason, pulled_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Namespace, p.Metric, p.LoadBalancer, p.Dimensions, w.From, w.To, w.Period, p.Status, nullString(p.Reason), pulledAt); err != nil {
			return fmt.Errorf("record pull of %s: %w", p.Metric, err)
		}
	}
	return nil
}
