package nginx

import (
	"os"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/ingest/terminator"
)

// repeatReader returns its text over and over, so that a benchmark reads
// as many lines as it needs through a single reader.
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

// sampleLine returns line n (1-indexed) of a file in testdata.
func sampleLine(b *testing.B, name string, n int) string {
	b.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return strings.Split(string(data), "\n")[n-1]
}

func BenchmarkAccessRead(b *testing.B) {
	benchmarks := []struct {
		name string
		line string
	}{
		{name: "verified with certificate", line: sampleLine(b, "access.log", 1)},
		{name: "verified without certificate", line: accessLine(map[string]any{"ssl_client_escaped_cert": `""`})},
		{name: "no certificate", line: sampleLine(b, "access.log", 5)},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			r := NewAccessReader(&repeatReader{text: bm.line + "\n"})
			var rec terminator.Record
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.line) + 1))
			for b.Loop() {
				if err := r.Read(&rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkErrorRead(b *testing.B) {
	benchmarks := []struct {
		name string
		line string
		want error
	}{
		{name: "verify error", line: sampleLine(b, "error.log", 3)},
		{name: "handshake failure", line: sampleLine(b, "error.log", 9)},
		{name: "unrelated", line: sampleLine(b, "error.log", 2), want: ErrNotTLSFailure},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			r := NewErrorReader(&repeatReader{text: bm.line + "\n"})
			var rec terminator.Record
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.line) + 1))
			for b.Loop() {
				if err := r.Read(&rec); err != bm.want {
					b.Fatal(err)
				}
			}
		})
	}
}
