package sim

import (
	"context"
	"testing"
	"time"
)

// countingWriter discards objects and counts their bytes.
type countingWriter struct{ objects, bytes int }

func (w *countingWriter) WriteObject(_ context.Context, _ string, body []byte) error {
	w.objects++
	w.bytes += len(body)
	return nil
}

// BenchmarkRunMillionAccessLines generates two peak hours of the default
// population, all on the ALB, at a rate that gives a little over one
// million access-log lines. Run it with -benchtime=1x for one timing.
func BenchmarkRunMillionAccessLines(b *testing.B) {
	cfg := DefaultConfig(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	cfg.Duration = 2 * time.Hour
	cfg.ALBWeight = 100
	cfg.RateScale = 4

	var s Summary
	var w countingWriter
	for b.Loop() {
		w = countingWriter{}
		var err error
		s, err = Run(context.Background(), cfg, &w)
		if err != nil {
			b.Fatal(err)
		}
	}
	if s.AccessLines < 1_000_000 {
		b.Fatalf("generated %d access lines, want at least 1,000,000: raise RateScale", s.AccessLines)
	}
	b.ReportMetric(float64(s.AccessLines), "access_lines/op")
	b.ReportMetric(float64(s.ConnectionLines), "connection_lines/op")
	b.ReportMetric(float64(w.bytes)/float64(1<<20), "gzip_MiB/op")
}
