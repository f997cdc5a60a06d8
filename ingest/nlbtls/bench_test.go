package nlbtls

import (
	"testing"
)

// repeatReader returns its text over and over, so a benchmark reads without
// end.
type repeatReader struct {
	text string
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.text[r.off:])
		n += c
		r.off = (r.off + c) % len(r.text)
	}
	return n, nil
}

// BenchmarkRead measures one Read per op, so ns/op is the time per line and
// allocs/op the allocations per line.
//
//	go test ./ingest/nlbtls -run '^$' -bench BenchmarkRead -benchmem
func BenchmarkRead(b *testing.B) {
	benchmarks := []struct {
		name string
		line string
	}{
		{
			// 22 fields, 324 bytes: a completed handshake with an ALPN list.
			name: "completed 22 fields",
			line: lineWith(knownFields, nil),
		},
		{
			// 21 fields, 349 bytes: the AWS user guide's example with an
			// ALPN policy.
			name: "user guide 21 fields",
			line: `tls 2.0 2020-04-01T08:51:42 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com h2 h2 "h2","http/1.1"`,
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
