package analyze

import (
	"fmt"
	"strings"
)

// DescribeCohort names a group of clients for a sentence. When their
// subjects share trailing attributes that include an organization (O=), it
// names those: `12 clients with subjects ending "O=Fabrikam\, Inc.,C=US"`.
// Otherwise it counts the clients and names up to three of them. IP-only
// identities are named by address.
func DescribeCohort(clients []Client) string {
	if len(clients) == 0 {
		return "no client"
	}
	var subjects [][]string
	for _, c := range clients {
		if c.Subject == "" {
			subjects = nil
			break
		}
		subjects = append(subjects, splitRDNs(c.Subject))
	}
	noun := "clients"
	if len(clients) == 1 {
		noun = "client"
	}
	if suffix := commonSuffix(subjects); len(clients) > 1 && hasOrganization(suffix) {
		return fmt.Sprintf(`%d %s with subjects ending "%s"`, len(clients), noun, strings.Join(suffix, ","))
	}
	var names []string
	for i, c := range clients {
		if i == maxListed {
			break
		}
		names = append(names, clientName(c))
	}
	if len(clients) <= maxListed {
		return fmt.Sprintf("%d %s: %s", len(clients), noun, strings.Join(names, "; "))
	}
	return fmt.Sprintf("%d %s, such as %s", len(clients), noun, strings.Join(names, "; "))
}

// clientName names one client: its subject and serial, or its address.
func clientName(c Client) string {
	switch {
	case c.IPOnly():
		return "IP " + c.IP
	case c.Serial == "":
		return c.Subject
	}
	return c.Subject + " (serial " + c.Serial + ")"
}

// splitRDNs splits a canonical DN at the commas that are not escaped with a
// backslash.
func splitRDNs(dn string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			parts = append(parts, dn[start:i])
			start = i + 1
		}
	}
	return append(parts, dn[start:])
}

// commonSuffix returns the RDNs that every DN ends with, in order, or nil.
func commonSuffix(dns [][]string) []string {
	if len(dns) == 0 {
		return nil
	}
	suffix := dns[0]
	for _, d := range dns[1:] {
		n := 0
		for n < len(suffix) && n < len(d) && suffix[len(suffix)-1-n] == d[len(d)-1-n] {
			n++
		}
		suffix = suffix[len(suffix)-n:]
	}
	return suffix
}

func hasOrganization(rdns []string) bool {
	for _, r := range rdns {
		if strings.HasPrefix(r, "O=") {
			return true
		}
	}
	return false
}
