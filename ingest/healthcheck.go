package ingest

import (
	"net/netip"
	"strings"
)

// HealthCheckUserAgentPrefix starts the User-Agent header of the HTTP and
// HTTPS health checks of Elastic Load Balancing, such as
// "ELB-HealthChecker/2.0".
const HealthCheckUserAgentPrefix = "ELB-HealthChecker"

// IsHealthCheck reports whether a terminator record is a load balancer's
// health check rather than a client: its client IP is inside one of subnets,
// or its user agent starts with HealthCheckUserAgentPrefix. An IPv4-mapped
// IPv6 address matches the IPv4 prefixes. A client IP that is not an address
// matches no subnet.
func IsHealthCheck(clientIP, userAgent string, subnets []netip.Prefix) bool {
	if strings.HasPrefix(userAgent, HealthCheckUserAgentPrefix) {
		return true
	}
	return inSubnets(clientIP, subnets)
}

// inSubnets reports whether ip is an address inside one of subnets. An
// IPv4-mapped IPv6 address matches the IPv4 prefixes.
func inSubnets(ip string, subnets []netip.Prefix) bool {
	if len(subnets) == 0 {
		return false
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, subnet := range subnets {
		if subnet.Contains(addr) {
			return true
		}
	}
	return false
}
