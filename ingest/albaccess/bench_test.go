package albaccess

import (
	"testing"
)

// benchLine is a 33-field https line of 749 bytes, with a browser user
// agent, a query string and every TLS and rule field set.
const benchLine = `https 2025-11-03T10:15:30.123456Z app/web-lb/0123456789abcdef 203.0.113.7:51234 10.0.1.15:8443 0.001 0.025 0.000 200 200 512 2048 "GET https://shop.example.com:443/api/v1/products/12345/reviews?page=2&sort=recent&lang=en-GB HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/shop-api/0123456789abcdef "Root=1-6728a1b2-0123456789abcdef01234567" "shop.example.com" "arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555" 12 2025-11-03T10:15:30.098000Z "waf,forward" "-" "-" "10.0.1.15:8443" "200" "-" "-" TID_0123456789abcdef0123456789abcdef "-" "-" "-"`

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
//	go test ./ingest/albaccess -run XXX -bench BenchmarkRead -benchmem
func BenchmarkRead(b *testing.B) {
	r := NewReader(&repeatReader{text: benchLine + "\n"})
	var rec Record
	b.ReportAllocs()
	b.SetBytes(int64(len(benchLine) + 1))

	for b.Loop() {
		if err := r.Read(&rec); err != nil {
			b.Fatal(err)
		}
	}
}
