package albconn

import (
	"testing"
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
		{name: "verified 15 fields", line: fullLine},
		{
			name: "failed verification 12 fields",
			line: `2024-03-18T09:41:29.002117Z 203.0.113.77 40112 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 - ` +
				`"CN=kiosk-17.example.net,O=Unknown Vendor,C=US" ` +
				`NotBefore=2023-06-01T12:00:00Z;NotAfter=2026-06-01T12:00:00Z 0B7E44A1C9D2E3F4 Failed:ClientCertUntrusted ` +
				`TID_1f3e5d7c9b0a2e4d6c8b0a1f3e5d7c9b`,
		},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			r := NewReader(&repeatReader{text: bm.line + "\n"})
			var rec Record
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
