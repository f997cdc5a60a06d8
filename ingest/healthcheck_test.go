package ingest

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
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
