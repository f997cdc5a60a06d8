package haproxy

import (
	"testing"

	"github.com/cutover-dev/cutover/ingest/terminator"
)

// repeatReader returns its text over and over, so that a benchmark reads
// as many lines as it needs through a single Reader.
type repeatReader struct {
	text   string
	offset int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		copied := copy(p[n:], r.text[r.offset:])
		n += copied
		r.offset = (r.offset + copied) % len(r.text)
	}
	return n, nil
}

func BenchmarkRead(b *testing.B) {
	const syslogPrefix = "Dec  3 14:00:01 lb-1 haproxy[2290]: "
	benchmarks := []struct {
		name string
		line string
	}{
		{name: "httpslog", line: plainLine},
		{name: "httpslog with syslog header", line: syslogPrefix + plainLine},
		{name: "recommended with syslog header", line: syslogPrefix + recommendedLine},
		{name: "connection error with syslog header", line: syslogPrefix + connErrorLine},
		{name: "skipped message", line: syslogPrefix + "Server be_payments/app3 is DOWN, reason: Layer4 connection problem."},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			r := NewReader(&repeatReader{text: bm.line + "\n"}, Options{})
			var rec terminator.Record
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.line) + 1))
			for b.Loop() {
				if err := r.Read(&rec); err != nil && err != ErrSkip {
					b.Fatal(err)
				}
			}
		})
	}
}
