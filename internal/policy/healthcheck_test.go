package policy

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHealthChecksMatches(t *testing.T) {
	h := HealthChecks{
		CIDRs:      []netip.Prefix{netip.MustParsePrefix("10.0.21.0/24"), netip.MustParsePrefix("2001:db8:21::/64")},
		UserAgents: []string{"kube-probe/"},
		Paths:      []string{"/healthz"},
	}
	tests := []struct {
		name      string
		clientIP  string
		userAgent string
		request   string
		want      bool
	}{
		{"address inside a CIDR", "10.0.21.17", "", "", true},
		{"address outside the CIDRs", "10.0.22.17", "", "", false},
		{"IPv4-mapped IPv6 address", "::ffff:10.0.21.17", "", "", true},
		{"IPv6 address inside a CIDR", "2001:db8:21::5", "", "", true},
		{"client IP not an address", "-", "", "", false},
		{"ELB health checker", "198.51.100.7", "ELB-HealthChecker/2.0", "/", true},
		{"configured user agent", "198.51.100.7", "kube-probe/1.31", "/", true},
		{"user agent containing a prefix later", "198.51.100.7", "curl kube-probe/1.31", "/", false},
		{"client", "198.51.100.7", "curl/8.5.0", "/orders", false},
		{"health-check path", "198.51.100.7", "curl/8.5.0", "/healthz", true},
		{"health-check path with query", "198.51.100.7", "", "/healthz?deep=1", true},
		{"health-check path in an absolute URL", "198.51.100.7", "", "https://api.example.com:443/healthz", true},
		{"longer path", "198.51.100.7", "", "/healthz/deep", false},
		{"other path in an absolute URL", "198.51.100.7", "", "https://api.example.com:443/orders?x=/healthz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, h.Matches(tt.clientIP, tt.userAgent, tt.request))
		})
	}
}

func TestHealthChecksDefaultMatchesELBOnly(t *testing.T) {
	h := Default().Analyze.HealthChecks

	assert.True(t, h.Matches("10.0.21.17", "ELB-HealthChecker/2.0", "/"))
	assert.False(t, h.Matches("10.0.21.17", "", "/healthz"))
}
