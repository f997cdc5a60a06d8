package policy

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// elbHealthCheckUserAgent starts the User-Agent header of the HTTP and HTTPS
// health checks of Elastic Load Balancing, such as "ELB-HealthChecker/2.0".
const elbHealthCheckUserAgent = "ELB-HealthChecker"

// Matches reports whether a record is a health check: its client IP is
// inside one of CIDRs, its user agent starts with "ELB-HealthChecker" or
// one of UserAgents, or its request path is one of Paths. Pass "" for a
// value that the record does not have.
//
// request is the request path, with or without a query string, or an
// absolute URL as the ALB access log writes it
// (https://api.example.com:443/healthz). An IPv4-mapped IPv6 client IP
// matches the IPv4 CIDRs, and a client IP that is not an address matches
// none.
func (h HealthChecks) Matches(clientIP, userAgent, request string) bool {
	if h.matchesUserAgent(userAgent) {
		return true
	}
	if request != "" && slices.Contains(h.Paths, requestPath(request)) {
		return true
	}

	addr, err := netip.ParseAddr(clientIP)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	return slices.ContainsFunc(h.CIDRs, func(prefix netip.Prefix) bool { return prefix.Contains(addr) })
}

// matchesUserAgent reports whether userAgent starts with the prefix of ELB
// health checks or with one of UserAgents.
func (h HealthChecks) matchesUserAgent(userAgent string) bool {
	if userAgent == "" {
		return false
	}
	if strings.HasPrefix(userAgent, elbHealthCheckUserAgent) {
		return true
	}
	return slices.ContainsFunc(h.UserAgents, func(prefix string) bool {
		return prefix != "" && strings.HasPrefix(userAgent, prefix)
	})
}

// requestPath returns the path of request, a path or an absolute URL,
// without the query string.
func requestPath(request string) string {
	if !strings.HasPrefix(request, "/") {
		if u, err := url.Parse(request); err == nil && u.IsAbs() {
			return u.EscapedPath()
		}
	}
	path, _, _ := strings.Cut(request, "?")
	return path
}
