package sim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// caParents lists, for each issuing CA, the subject DNs of the CAs above it,
// from the root down. An issuing CA with a chain depth of 2 is its own root
// and has none. CAs with the same DN are one certificate, so the Example
// Corp CAs share a root.
var caParents = map[string][]string{
	issuingCAs[0].subject: {"CN=Example Corp Root CA,O=Example Corp,C=US"},
	issuingCAs[1].subject: {"CN=Example Corp Root CA,O=Example Corp,C=US"},
	issuingCAs[2].subject: nil,
	issuingCAs[3].subject: {"CN=Contoso Root CA,O=Contoso Ltd,C=GB"},
	issuingCAs[missingIntermediateCA].subject: {
		"CN=Fabrikam Root CA,O=Fabrikam\\, Inc.,C=DE",
		"CN=Fabrikam Intermediate CA G2,OU=Trust Services,O=Fabrikam\\, Inc.,C=DE",
	},
	deepChainCA.subject: {
		"CN=Example Corp Root CA,O=Example Corp,C=US",
		"CN=Example Corp Policy CA,O=Example Corp,C=US",
		"CN=Example Partner Devices CA,OU=Devices,O=Example Corp,C=US",
		"CN=Example Partner Device Sub-CA Tier 2,OU=Devices,O=Example Corp,C=US",
	},
}

// The CA validity that NewPKI widens when a client certificate of the
// population starts earlier or ends later.
var (
	caNotBefore = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	caNotAfter  = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
)

// PKI is the set of CA certificates and CRLs behind the client
// certificates of one Config's population. Its keys are new random ECDSA
// P-256 keys, so two PKIs of the same Config differ in their bytes but not
// in their subjects or in the serials that their CRLs revoke.
//
// The CA bundle of a TrustPolicy without Intermediates, such as
// DefaultALBTrust, holds the Fabrikam root but neither the Fabrikam issuing
// CA nor its intermediate. A CohortMissingIntermediate client does not send
// them either, so a verifier with that bundle cannot build the client's
// chain and rejects it as untrusted.
type PKI struct {
	// cas holds every CA once, in bundle order: each chain from its root
	// down, in the order of issuingCAs, then the deep chain.
	cas []*pkiCA
	// chains holds one entry per issuing CA, in the same order.
	chains []*pkiChain
}

// pkiCA is one CA certificate and its key.
type pkiCA struct {
	subject string
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	// withheld is true for the non-root CAs of the CohortMissingIntermediate
	// chain, which only a trust store with TrustPolicy.Intermediates contains.
	withheld bool
}

// pkiChain is the chain of one issuing CA and the CRL it signs.
type pkiChain struct {
	// cas runs from the root to the issuing CA, both included.
	cas []*pkiCA
	// revoked are the CohortRevoked certificates that the issuing CA
	// issued, in population order.
	revoked []revokedCert
	// crl is the PEM "X509 CRL" block that revokes them.
	crl []byte
}

func (c *pkiChain) issuing() *pkiCA { return c.cas[len(c.cas)-1] }

// revokedCert is a CRL entry before signing.
type revokedCert struct {
	serial    *big.Int
	notBefore time.Time
}

// NewPKI builds the CAs of every issuing CA in issuingCAs, plus the
// deep-chain CA when cfg's population has certificates from it, and one CRL
// per issuing CA. Each CRL revokes the CohortRevoked certificates of that
// issuing CA, with a ThisUpdate a day before cfg.Start and a NextUpdate a
// week after the end of the run. NewPKI returns an error when cfg is
// invalid or a key or certificate cannot be created.
func NewPKI(cfg *Config) (*PKI, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	population := newPopulation(cfg)

	issuers := append([]issuingCA(nil), issuingCAs...)
	if usesIssuer(population, deepChainCA.subject) {
		issuers = append(issuers, deepChainCA)
	}
	notBefore, notAfter := caValidity(population)

	p := &PKI{}
	bySubject := map[string]*pkiCA{}
	for i, ca := range issuers {
		chain, err := p.buildChain(ca, i == missingIntermediateCA, bySubject, notBefore, notAfter)
		if err != nil {
			return nil, err
		}
		p.chains = append(p.chains, chain)
	}

	if err := p.collectRevoked(population); err != nil {
		return nil, err
	}
	thisUpdate := cfg.Start.Add(-24 * time.Hour).Truncate(time.Second)
	nextUpdate := cfg.End().Add(7 * 24 * time.Hour).Truncate(time.Second)
	for _, chain := range p.chains {
		crl, err := chain.signCRL(thisUpdate, nextUpdate)
		if err != nil {
			return nil, err
		}
		chain.crl = crl
	}
	return p, nil
}

// usesIssuer reports whether a certificate of the population has the
// issuer DN subject.
func usesIssuer(population []Identity, subject string) bool {
	for _, id := range population {
		if id.Certificate != nil && id.Certificate.Issuer == subject {
			return true
		}
	}
	return false
}

// caValidity returns the validity period of every CA: caNotBefore to
// caNotAfter, widened to cover each client certificate of the population.
func caValidity(population []Identity) (time.Time, time.Time) {
	notBefore, notAfter := caNotBefore, caNotAfter
	for _, id := range population {
		if cert := id.Certificate; cert != nil {
			notBefore = minTime(notBefore, cert.NotBefore)
			notAfter = maxTime(notAfter, cert.NotAfter)
		}
	}
	return notBefore, notAfter
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// buildChain returns the chain of ca, creating the CAs that bySubject does
// not hold yet. The chain has ca.chainDepth-1 certificates because the
// client's leaf completes it. withheld marks the chain's non-root CAs as
// those of CohortMissingIntermediate.
func (p *PKI) buildChain(ca issuingCA, withheld bool, bySubject map[string]*pkiCA, notBefore, notAfter time.Time) (*pkiChain, error) {
	parents, ok := caParents[ca.subject]
	if !ok {
		return nil, fmt.Errorf("build CA chain: issuing CA %q has no entry in caParents", ca.subject)
	}
	subjects := append(append([]string(nil), parents...), ca.subject)
	if len(subjects) != ca.chainDepth-1 {
		return nil, fmt.Errorf("build CA chain of %q: caParents gives %d CAs, want %d for a chain depth of %d",
			ca.subject, len(subjects), ca.chainDepth-1, ca.chainDepth)
	}

	chain := &pkiChain{}
	var parent *pkiCA
	for level, subject := range subjects {
		isIssuing := level == len(subjects)-1
		node := bySubject[subject]
		if node == nil {
			var err error
			node, err = newCA(subject, parent, isIssuing, notBefore, notAfter)
			if err != nil {
				return nil, err
			}
			node.withheld = withheld && parent != nil
			bySubject[subject] = node
			p.cas = append(p.cas, node)
		} else if !sameParent(node, parent) {
			return nil, fmt.Errorf("build CA chain of %q: CA %q already has another parent", ca.subject, subject)
		}
		chain.cas = append(chain.cas, node)
		parent = node
	}
	return chain, nil
}

// sameParent reports whether ca was signed by parent, or is a root when
// parent is nil.
func sameParent(ca, parent *pkiCA) bool {
	if parent == nil {
		return bytes.Equal(ca.cert.RawIssuer, ca.cert.RawSubject)
	}
	return bytes.Equal(ca.cert.RawIssuer, parent.cert.RawSubject)
}

// newCA creates a CA certificate with a new P-256 key, signed by parent, or
// self-signed when parent is nil. An issuing CA may sign end-entity
// certificates only.
func newCA(subject string, parent *pkiCA, isIssuing bool, notBefore, notAfter time.Time) (*pkiCA, error) {
	rawSubject, err := marshalDN(subject)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key of CA %q: %w", subject, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("generate serial of CA %q: %w", subject, err)
	}

	template := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            rawSubject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        isIssuing,
	}
	signer, signerKey := template, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate of CA %q: %w", subject, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate of CA %q: %w", subject, err)
	}
	return &pkiCA{subject: subject, cert: cert, key: key}, nil
}

// randomSerial returns a positive serial number of at most 128 bits.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

// collectRevoked assigns the serial of each CohortRevoked certificate to
// the chain of its issuer.
func (p *PKI) collectRevoked(population []Identity) error {
	for _, id := range population {
		if id.Cohort != CohortRevoked || id.Certificate == nil {
			continue
		}
		chain := p.chainOf(id.Certificate.Issuer)
		if chain == nil {
			return fmt.Errorf("revoke certificate %s: issuer %q is not a CA of the PKI", id.Certificate.Serial, id.Certificate.Issuer)
		}
		serial, ok := new(big.Int).SetString(id.Certificate.Serial, 16)
		if !ok {
			return fmt.Errorf("revoke certificate of %q: invalid hex serial %q", id.Certificate.Subject, id.Certificate.Serial)
		}
		chain.revoked = append(chain.revoked, revokedCert{serial: serial, notBefore: id.Certificate.NotBefore})
	}
	return nil
}

// signCRL returns the chain's CRL as a PEM block, signed by its issuing CA.
// Each certificate counts as revoked halfway between its NotBefore and
// thisUpdate.
func (c *pkiChain) signCRL(thisUpdate, nextUpdate time.Time) ([]byte, error) {
	issuer := c.issuing()
	template := &x509.RevocationList{
		Number:     big.NewInt(thisUpdate.Unix()),
		ThisUpdate: thisUpdate,
		NextUpdate: nextUpdate,
	}
	for _, revoked := range c.revoked {
		revokedAt := thisUpdate
		if revoked.notBefore.Before(thisUpdate) {
			revokedAt = revoked.notBefore.Add(thisUpdate.Sub(revoked.notBefore) / 2).Truncate(time.Second)
		}
		template.RevokedCertificateEntries = append(template.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber:   revoked.serial,
			RevocationTime: revokedAt,
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, template, issuer.cert, issuer.key)
	if err != nil {
		return nil, fmt.Errorf("create CRL of %q: %w", issuer.subject, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), nil
}

// chainOf returns the chain whose issuing CA has the subject DN issuer, or
// nil.
func (p *PKI) chainOf(issuer string) *pkiChain {
	for _, chain := range p.chains {
		if chain.issuing().subject == issuer {
			return chain
		}
	}
	return nil
}

// CABundle returns the PEM CA certificates bundle of a trust store with
// trust: every root and every other CA, except the Fabrikam issuing CA and
// its intermediate when trust.Intermediates is false. Roots come before the
// CAs they sign.
func (p *PKI) CABundle(trust TrustPolicy) []byte {
	var bundle []byte
	for _, ca := range p.cas {
		if ca.withheld && !trust.Intermediates {
			continue
		}
		bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
	}
	return bundle
}

// CRLs returns the PEM CRLs of a trust store with trust: none when
// trust.CheckCRL is false, and otherwise one per issuing CA that
// CABundle(trust) contains, including CRLs that revoke nothing.
func (p *PKI) CRLs(trust TrustPolicy) [][]byte {
	if !trust.CheckCRL {
		return nil
	}
	var crls [][]byte
	for _, chain := range p.chains {
		if chain.issuing().withheld && !trust.Intermediates {
			continue
		}
		crls = append(crls, chain.crl)
	}
	return crls
}

// IssuingCA returns the certificate of the issuing CA whose subject is the
// DN issuer, as Certificate.Issuer writes it, or nil when the PKI has no
// such CA.
func (p *PKI) IssuingCA(issuer string) *x509.Certificate {
	if chain := p.chainOf(issuer); chain != nil {
		return chain.issuing().cert
	}
	return nil
}

// dnAttributeTypes are the OIDs of the attribute types that the simulated
// DNs use.
var dnAttributeTypes = map[string]asn1.ObjectIdentifier{
	"CN": {2, 5, 4, 3},
	"C":  {2, 5, 4, 6},
	"L":  {2, 5, 4, 7},
	"ST": {2, 5, 4, 8},
	"O":  {2, 5, 4, 10},
	"OU": {2, 5, 4, 11},
}

// marshalDN returns the DER subject of an RFC 4514 DN string, with its RDNs
// in reverse string order, as RFC 4514 requires. It accepts only the
// single-valued RDNs and attribute types of dnAttributeTypes that the
// simulated DNs use.
func marshalDN(dn string) ([]byte, error) {
	rdns, err := splitDN(dn)
	if err != nil {
		return nil, fmt.Errorf("invalid DN %q: %w", dn, err)
	}
	var sequence pkix.RDNSequence
	for i := len(rdns) - 1; i >= 0; i-- {
		attrType, value, ok := strings.Cut(rdns[i], "=")
		oid, known := dnAttributeTypes[attrType]
		if !ok || !known {
			return nil, fmt.Errorf("invalid DN %q: RDN %q is not TYPE=value with a type of CN, OU, O, L, ST or C", dn, rdns[i])
		}
		unescaped, err := unescapeDNValue(value)
		if err != nil {
			return nil, fmt.Errorf("invalid DN %q: %w", dn, err)
		}
		sequence = append(sequence, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: unescaped}})
	}
	return asn1.Marshal(sequence)
}

// splitDN splits dn at the commas that no backslash escapes, keeping the
// escapes in the parts.
func splitDN(dn string) ([]string, error) {
	var rdns []string
	start := 0
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case '+':
			return nil, errors.New("multi-valued RDNs are not supported")
		case ',':
			rdns = append(rdns, dn[start:i])
			start = i + 1
		}
	}
	return append(rdns, dn[start:]), nil
}

// unescapeDNValue removes the RFC 4514 escapes of value: a backslash
// followed by a special character or by two hex digits.
func unescapeDNValue(value string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(value) {
			return "", fmt.Errorf("value %q ends in a backslash", value)
		}
		if decoded, err := hex.DecodeString(value[i+1 : min(i+3, len(value))]); err == nil && len(decoded) == 1 {
			b.WriteByte(decoded[0])
			i += 2
			continue
		}
		b.WriteByte(value[i+1])
		i++
	}
	return b.String(), nil
}
