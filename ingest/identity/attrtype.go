package identity

import (
	"errors"
	"fmt"
	"strings"
)

// attributeTypes lists the attribute types that get a canonical name. The name
// is OpenSSL's short name in upper case, because nginx, HAProxy and Envoy print
// names with OpenSSL or BoringSSL. The aliases are long names, such as the
// RFC 4519 ones, and the short spellings E, EMAIL and S that other printers
// use. Every other type keeps its upper-cased name or its OID.
var attributeTypes = []struct {
	name    string
	oid     string
	aliases []string
}{
	{"CN", "2.5.4.3", []string{"COMMONNAME"}},
	{"SN", "2.5.4.4", []string{"SURNAME"}},
	{"SERIALNUMBER", "2.5.4.5", nil},
	{"C", "2.5.4.6", []string{"COUNTRYNAME"}},
	{"L", "2.5.4.7", []string{"LOCALITYNAME"}},
	{"ST", "2.5.4.8", []string{"S", "STATEORPROVINCENAME"}},
	{"STREET", "2.5.4.9", []string{"STREETADDRESS"}},
	{"O", "2.5.4.10", []string{"ORGANIZATIONNAME"}},
	{"OU", "2.5.4.11", []string{"ORGANIZATIONALUNITNAME"}},
	{"TITLE", "2.5.4.12", nil},
	{"DESCRIPTION", "2.5.4.13", nil},
	{"BUSINESSCATEGORY", "2.5.4.15", nil},
	{"POSTALCODE", "2.5.4.17", nil},
	{"GN", "2.5.4.42", []string{"GIVENNAME"}},
	{"INITIALS", "2.5.4.43", nil},
	{"GENERATIONQUALIFIER", "2.5.4.44", nil},
	{"DNQUALIFIER", "2.5.4.46", nil},
	{"PSEUDONYM", "2.5.4.65", nil},
	{"ORGANIZATIONIDENTIFIER", "2.5.4.97", nil},
	{"UID", "0.9.2342.19200300.100.1.1", []string{"USERID"}},
	{"DC", "0.9.2342.19200300.100.1.25", []string{"DOMAINCOMPONENT"}},
	{"EMAILADDRESS", "1.2.840.113549.1.9.1", []string{"E", "EMAIL"}},
	{"JURISDICTIONL", "1.3.6.1.4.1.311.60.2.1.1", []string{"JURISDICTIONLOCALITYNAME"}},
	{"JURISDICTIONST", "1.3.6.1.4.1.311.60.2.1.2", []string{"JURISDICTIONSTATEORPROVINCENAME"}},
	{"JURISDICTIONC", "1.3.6.1.4.1.311.60.2.1.3", []string{"JURISDICTIONCOUNTRYNAME"}},
}

// typeByName maps upper-case names and aliases, and typeByOID maps OIDs, to
// canonical names.
var typeByName, typeByOID = buildTypeTables()

func buildTypeTables() (map[string]string, map[string]string) {
	byName := make(map[string]string)
	byOID := make(map[string]string)
	for _, t := range attributeTypes {
		byName[t.name] = t.name
		byOID[t.oid] = t.name
		for _, alias := range t.aliases {
			byName[alias] = t.name
		}
	}
	return byName, byOID
}

// canonicalType returns the canonical spelling of an attribute type written
// as a descriptor ("cn"), an OID ("2.5.4.3") or an OID with the RFC 2253
// "OID." prefix.
func canonicalType(raw string) (string, error) {
	if len(raw) > 4 && strings.EqualFold(raw[:4], "OID.") {
		oid := raw[4:]
		if !isOID(oid) {
			return "", fmt.Errorf("attribute type %q: %q after the OID. prefix is not a dotted OID", raw, oid)
		}
		return canonicalOID(oid), nil
	}
	if raw == "" {
		return "", errors.New("attribute type is empty")
	}
	if isDigit(raw[0]) {
		if !isOID(raw) {
			return "", fmt.Errorf("attribute type %q is not a dotted OID such as 2.5.4.3", raw)
		}
		return canonicalOID(raw), nil
	}
	if !isDescriptor(raw) {
		return "", fmt.Errorf("attribute type %q must start with a letter and contain only letters, digits and '-'", raw)
	}

	upper := strings.ToUpper(raw)
	if name, ok := typeByName[upper]; ok {
		return name, nil
	}
	return upper, nil
}

func canonicalOID(oid string) string {
	if name, ok := typeByOID[oid]; ok {
		return name
	}
	return oid
}

// isOID reports whether s is a numeric OID of at least two arcs, each without
// leading zeros, as RFC 4512 writes them.
func isOID(s string) bool {
	arcs := strings.Split(s, ".")
	if len(arcs) < 2 {
		return false
	}
	for _, arc := range arcs {
		if arc == "" || len(arc) > 1 && arc[0] == '0' {
			return false
		}
		for i := range len(arc) {
			if !isDigit(arc[i]) {
				return false
			}
		}
	}
	return true
}

// isDescriptor reports whether s is an RFC 4512 descriptor: a letter followed
// by letters, digits and hyphens.
func isDescriptor(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}
