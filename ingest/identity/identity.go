package identity

import (
	"net/netip"
	"strings"
)

// Identity is the client identity that joins records of the NLB path and the
// ALB path.
type Identity struct {
	// Subject is the leaf certificate's subject DN in CanonicalDN form.
	Subject string
	// Serial is the leaf certificate's serial number in CanonicalSerial form.
	Serial string
	// Issuer is the issuer DN in CanonicalDN form, or "" where the source does
	// not log it. The ALB connection log has no issuer, so Key leaves it out.
	Issuer string
	// IP is the client IP address. It is the key only when Weak is set.
	IP string
	// Weak marks an identity keyed by the client IP address because no
	// certificate was logged. NAT and proxies can put many clients behind one
	// address, so such an identity may stand for several clients.
	Weak bool
}

// FromCertificate returns the identity of a leaf certificate from the subject,
// serial number and issuer as a log source printed them. The issuer may be
// absent. The result is false, with a zero Identity, when the subject or the
// serial number is absent or when any present value is not a valid DN or
// serial number. An empty or all-space value and the log placeholder "-"
// count as absent. Callers then fall back to FromIP and keep the raw values.
func FromCertificate(subject, serial, issuer string) (Identity, bool) {
	if absent(subject) || absent(serial) {
		return Identity{}, false
	}

	canonicalSubject, err := CanonicalDN(subject)
	if err != nil {
		return Identity{}, false
	}
	canonicalSerial, err := CanonicalSerial(serial)
	if err != nil {
		return Identity{}, false
	}
	var canonicalIssuer string
	if !absent(issuer) {
		canonicalIssuer, err = CanonicalDN(issuer)
		if err != nil {
			return Identity{}, false
		}
	}

	return Identity{Subject: canonicalSubject, Serial: canonicalSerial, Issuer: canonicalIssuer}, true
}

// FromIP returns the weak identity of a client known only by its IP address.
// A valid address is written in its standard form, with an IPv4-mapped IPv6
// address such as ::ffff:192.0.2.1 written as IPv4. Any other value is kept
// with surrounding spaces removed, and "-" becomes "".
func FromIP(ip string) Identity {
	ip = strings.TrimSpace(ip)
	if ip == "-" {
		ip = ""
	}
	if addr, err := netip.ParseAddr(ip); err == nil {
		ip = addr.Unmap().String()
	}
	return Identity{IP: ip, Weak: true}
}

// Key returns a string to join identities on. A certificate identity returns
// "cert:" + Serial + ":" + Subject, which splits at the second ':' because a
// canonical serial contains none. A weak identity returns "ip:" + IP. The
// issuer is left out because the ALB connection log does not have it. Key
// returns "" for an identity without a serial and subject or without an IP
// address, and callers must not join on "".
func (id Identity) Key() string {
	if id.Weak {
		if id.IP == "" {
			return ""
		}
		return "ip:" + id.IP
	}
	if id.Serial == "" || id.Subject == "" {
		return ""
	}
	return "cert:" + id.Serial + ":" + id.Subject
}

func absent(value string) bool {
	trimmed := strings.TrimSpace(value)
	return trimmed == "" || trimmed == "-"
}
