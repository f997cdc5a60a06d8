package ingest

import (
	"database/sql"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cutover-dev/cutover/ingest/terminator"
)

func TestIsHealthCheck(t *testing.T) {
	subnets := []netip.Prefix{
		netip.MustParsePrefix("10.0.21.0/24"),
		netip.MustParsePrefix("2001:db8:21::/64"),
	}
	tests := []struct {
		name      string
		clientIP  string
		userAgent string
		subnets   []netip.Prefix
		want      bool
	}{
		{"address inside subnet", "10.0.21.17", "", subnets, true},
		{"first address of subnet", "10.0.21.0", "", subnets, true},
		{"address outside subnet", "10.0.22.17", "", subnets, false},
		{"client address", "198.51.100.7", "curl/8.5.0", subnets, false},
		{"IPv4-mapped IPv6 address", "::ffff:10.0.21.17", "", subnets, true},
		{"IPv6 address inside subnet", "2001:db8:21::5", "", subnets, true},
		{"IPv6 address outside subnet", "2001:db8:22::5", "", subnets, false},
		{"health-check user agent", "198.51.100.7", "ELB-HealthChecker/2.0", subnets, true},
		{"health-check user agent without subnets", "198.51.100.7", "ELB-HealthChecker/2.0", nil, true},
		{"user agent containing the prefix later", "198.51.100.7", "Mozilla ELB-HealthChecker/2.0", subnets, false},
		{"no subnets", "10.0.21.17", "", nil, false},
		{"client IP not an address", "unix:", "", subnets, false},
		{"empty client IP", "", "", subnets, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsHealthCheck(tt.clientIP, tt.userAgent, tt.subnets))
		})
	}
}

func TestSplitALBRecord(t *testing.T) {
	albNodes := []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24")}
	tests := []struct {
		name         string
		clientIP     string
		forwarded    string
		wantPath     string
		wantClientIP string
		wantProxyIP  string
		wantPort     bool
	}{
		{name: "client through the NLB", clientIP: "198.51.100.7", wantClientIP: "198.51.100.7", wantPort: true},
		{name: "client through the ALB", clientIP: "10.0.1.25", forwarded: "203.0.113.9",
			wantPath: "alb", wantClientIP: "203.0.113.9", wantProxyIP: "10.0.1.25"},
		{name: "proxy chain before the ALB", clientIP: "10.0.1.25", forwarded: "192.0.2.1, 203.0.113.9",
			wantPath: "alb", wantClientIP: "203.0.113.9", wantProxyIP: "10.0.1.25"},
		{name: "IPv6 client through the ALB", clientIP: "10.0.1.25", forwarded: "2001:db8::7",
			wantPath: "alb", wantClientIP: "2001:db8::7", wantProxyIP: "10.0.1.25"},
		{name: "ALB health check without header", clientIP: "10.0.1.25",
			wantPath: "alb", wantClientIP: "10.0.1.25", wantPort: true},
		{name: "unreadable header", clientIP: "10.0.1.25", forwarded: "unknown",
			wantPath: "alb", wantClientIP: "10.0.1.25", wantPort: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := terminator.Record{ClientIP: tt.clientIP, ClientPort: sql.NullInt32{Int32: 40000, Valid: true},
				ForwardedFor: sql.NullString{String: tt.forwarded, Valid: tt.forwarded != ""}}
			SplitALBRecord(&rec, albNodes)
			assert.Equal(t, tt.wantPath, rec.TrafficPath)
			assert.Equal(t, tt.wantClientIP, rec.ClientIP)
			assert.Equal(t, tt.wantProxyIP, rec.ProxyIP.String)
			assert.Equal(t, tt.wantProxyIP != "", rec.ProxyIP.Valid)
			assert.Equal(t, tt.wantPort, rec.ClientPort.Valid)
		})
	}
}
