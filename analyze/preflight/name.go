package preflight

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/cutover-dev/cutover/ingest/identity"
)

// canonicalName returns a DER-encoded X.509 name, such as a certificate's
// RawSubject or RawIssuer, in identity.CanonicalDN form, so that it compares
// equal to the terminators' spellings of the same name.
//
// pkix.Name.String is not used because it writes the values of attribute
// types it has no name for, such as emailAddress, as hex, which no
// terminator does.
func canonicalName(der []byte) (string, error) {
	var sequence pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &sequence)
	if err != nil {
		return "", fmt.Errorf("parse X.509 name: %w", err)
	}
	if len(rest) > 0 {
		return "", errors.New("parse X.509 name: trailing data after the name")
	}

	// RDNSequence lists the most general RDN first, and RFC 4514 lists it last.
	var dn strings.Builder
	for i := len(sequence) - 1; i >= 0; i-- {
		if i < len(sequence)-1 {
			dn.WriteByte(',')
		}
		for j, attribute := range sequence[i] {
			if j > 0 {
				dn.WriteByte('+')
			}
			dn.WriteString(attribute.Type.String())
			dn.WriteByte('=')
			if err := writeAttributeValue(&dn, attribute.Value); err != nil {
				return "", err
			}
		}
	}
	return identity.CanonicalDN(dn.String())
}

// writeAttributeValue writes a string value with every byte other than an
// ASCII letter or digit as a \XX escape, which CanonicalDN decodes, and any
// other value as "#" and the hex of its DER encoding.
func writeAttributeValue(dn *strings.Builder, value any) error {
	text, ok := value.(string)
	if !ok {
		encoded, err := asn1.Marshal(value)
		if err != nil {
			return fmt.Errorf("encode X.509 name attribute value: %w", err)
		}
		dn.WriteByte('#')
		dn.WriteString(strings.ToUpper(hex.EncodeToString(encoded)))
		return nil
	}

	const hexDigits = "0123456789ABCDEF"
	for i := range len(text) {
		c := text[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			dn.WriteByte(c)
			continue
		}
		dn.WriteByte('\\')
		dn.WriteByte(hexDigits[c>>4])
		dn.WriteByte(hexDigits[c&0x0F])
	}
	return nil
}
