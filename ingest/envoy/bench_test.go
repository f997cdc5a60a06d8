package envoy

import (
	"os"
	"strings"
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
	benchmarks := []struct {
		name string
		line string
	}{
		{name: "listener entry verified", line: fileLine(b, "testdata/listener.log", 1)},
		{name: "listener entry failed", line: fileLine(b, "testdata/listener.log", 3)},
		{name: "listener entry with certificate", line: fileLine(b, "testdata/listener.log", 12)},
		{name: "HTTP entry", line: fileLine(b, "testdata/http.log", 1)},
		{name: "HTTP entry typed JSON", line: fileLine(b, "testdata/typed.log", 2)},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			r := NewReader(&repeatReader{text: bm.line + "\n"})
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

// fileLine returns line n (1-indexed) of a test file.
func fileLine(b *testing.B, path string, n int) string {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return strings.Split(string(data), "\n")[n-1]
}
