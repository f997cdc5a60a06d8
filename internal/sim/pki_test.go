package sim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/identity"
)

// pkiTestConfig returns DefaultConfig with a deep-chain cohort, so its
// population has certificates of every issuing CA.
func pkiTestConfig() Config {
	cfg := DefaultConfig(testStart)
	cfg.Cohorts = append(cfg.Cohorts, CohortShare{CohortDeepChain, 0.05})
	return cfg
}

func newTestPKI(t *testing.T, cfg Config) (*PKI, []Identity) {
	t.Helper()
	p, err := NewPKI(&cfg)
	require.NoError(t, err)
	ids, err := Identities(cfg)
	require.NoError(t, err)
	return p, ids
}

// parseBundle returns the certificates of a PEM bundle, and fails the test
// on any block that is not a parsable certificate.
func parseBundle(t *testing.T, bundle []byte) []*x509.Certificate {
	t.Helper()
	var certs []*x509.Certificate
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			require.Empty(t, bytes.TrimSpace(rest), "text after the last PEM block")
			return certs
		}
		require.Equal(t, "CERTIFICATE", block.Type)
		cert, err := x509.ParseCertificate(block.Bytes)
		require.NoError(t, err)
		certs = append(certs, cert)
	}
}

// verifyOptions returns options that verify against bundle, whose
// self-signed certificates are the roots and whose others are the
// intermediates.
func verifyOptions(t *testing.T, bundle []byte) x509.VerifyOptions {
	t.Helper()
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	for _, cert := range parseBundle(t, bundle) {
		if bytes.Equal(cert.RawIssuer, cert.RawSubject) {
			roots.AddCert(cert)
		} else {
			intermediates.AddCert(cert)
		}
	}
	return x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   testStart,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

// issueLeaf signs a client certificate with the subject, serial and
// validity of cert, issued by the PKI's CA for cert.Issuer.
func issueLeaf(t *testing.T, p *PKI, cert *Certificate) *x509.Certificate {
	t.Helper()
	chain := p.chainOf(cert.Issuer)
	require.NotNil(t, chain, "issuer %q", cert.Issuer)
	subject, err := marshalDN(cert.Subject)
	require.NoError(t, err)
	serial, ok := new(big.Int).SetString(cert.Serial, 16)
	require.True(t, ok, "serial %q", cert.Serial)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	template := &x509.Certificate{
		SerialNumber: serial,
		RawSubject:   subject,
		NotBefore:    cert.NotBefore,
		NotAfter:     cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	issuer := chain.issuing()
	der, err := x509.CreateCertificate(rand.Reader, template, issuer.cert, &key.PublicKey, issuer.key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return leaf
}

// firstClientOf returns the first valid-cohort certificate, or the first
// certificate of any cohort, that issuer issued.
func firstClientOf(ids []Identity, issuer string) *Certificate {
	var found *Certificate
	for _, id := range ids {
		cert := id.Certificate
		if cert == nil || cert.Issuer != issuer {
			continue
		}
		if id.Cohort == CohortValid || id.Cohort == CohortMissingIntermediate || id.Cohort == CohortDeepChain {
			return cert
		}
		if found == nil {
			found = cert
		}
	}
	return found
}

// hasSubject reports whether one of certs has the subject DN dn.
func hasSubject(t *testing.T, certs []*x509.Certificate, dn string) bool {
	t.Helper()
	raw, err := marshalDN(dn)
	require.NoError(t, err)
	return slices.ContainsFunc(certs, func(c *x509.Certificate) bool { return bytes.Equal(c.RawSubject, raw) })
}

func allIssuingCAs() []issuingCA {
	return append(slices.Clone(issuingCAs), deepChainCA)
}

func TestPKIIssuingCASubjects(t *testing.T) {
	p, ids := newTestPKI(t, pkiTestConfig())
	for _, ca := range allIssuingCAs() {
		t.Run(ca.subject, func(t *testing.T) {
			cert := p.IssuingCA(ca.subject)
			require.NotNil(t, cert)
			client := firstClientOf(ids, ca.subject)
			require.NotNil(t, client, "no client certificate from this CA")

			want, err := identity.CanonicalDN(client.Issuer)
			require.NoError(t, err)
			got, err := identity.CanonicalDN(rdnString(t, cert.RawSubject))
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.Equal(t, ca.subject, rdnString(t, cert.RawSubject), "RFC 4514 string")
		})
	}
}

func TestPKIChainDepths(t *testing.T) {
	cfg := pkiTestConfig()
	p, ids := newTestPKI(t, cfg)
	opts := verifyOptions(t, p.CABundle(cfg.TerminatorTrust))
	for _, ca := range allIssuingCAs() {
		t.Run(ca.subject, func(t *testing.T) {
			issuing := p.IssuingCA(ca.subject)
			require.NotNil(t, issuing)
			chains, err := issuing.Verify(opts)
			require.NoError(t, err)
			require.Len(t, chains, 1)
			assert.Len(t, chains[0], ca.chainDepth-1, "issuing CA to root")
			assert.Equal(t, ca.chainDepth == 2, bytes.Equal(issuing.RawIssuer, issuing.RawSubject), "self-signed")

			client := firstClientOf(ids, ca.subject)
			require.NotNil(t, client)
			chains, err = issueLeaf(t, p, client).Verify(opts)
			require.NoError(t, err)
			require.Len(t, chains, 1)
			assert.Len(t, chains[0], client.ChainDepth, "leaf to root")
		})
	}
}

func TestPKIMissingIntermediateBundle(t *testing.T) {
	cfg := DefaultConfig(testStart)
	p, ids := newTestPKI(t, cfg)
	fabrikam := issuingCAs[missingIntermediateCA]
	issuing := p.IssuingCA(fabrikam.subject)
	require.NotNil(t, issuing)
	client := firstClientOf(ids, fabrikam.subject)
	require.NotNil(t, client)
	leaf := issueLeaf(t, p, client)

	inBundle := func(bundle []byte, subject string) bool {
		return hasSubject(t, parseBundle(t, bundle), subject)
	}
	const (
		root         = `CN=Fabrikam Root CA,O=Fabrikam\, Inc.,C=DE`
		intermediate = `CN=Fabrikam Intermediate CA G2,OU=Trust Services,O=Fabrikam\, Inc.,C=DE`
	)

	t.Run("with intermediates", func(t *testing.T) {
		require.True(t, cfg.TerminatorTrust.Intermediates)
		bundle := p.CABundle(cfg.TerminatorTrust)
		assert.True(t, inBundle(bundle, root), "root")
		assert.True(t, inBundle(bundle, intermediate), "intermediate")
		assert.True(t, inBundle(bundle, fabrikam.subject), "issuing CA")

		chains, err := issuing.Verify(verifyOptions(t, bundle))
		require.NoError(t, err)
		require.Len(t, chains, 1)
		chain := chains[0]
		require.Len(t, chain, 3)
		assert.Equal(t, intermediate, rdnString(t, chain[1].RawSubject))
		assert.Equal(t, root, rdnString(t, chain[2].RawSubject))

		_, err = leaf.Verify(verifyOptions(t, bundle))
		assert.NoError(t, err, "client leaf")
	})

	t.Run("without intermediates", func(t *testing.T) {
		require.False(t, cfg.ALBTrust.Intermediates)
		bundle := p.CABundle(cfg.ALBTrust)
		assert.True(t, inBundle(bundle, root), "root")
		assert.False(t, inBundle(bundle, intermediate), "intermediate")
		assert.False(t, inBundle(bundle, fabrikam.subject), "issuing CA")

		_, err := leaf.Verify(verifyOptions(t, bundle))
		var unknown x509.UnknownAuthorityError
		assert.True(t, errors.As(err, &unknown), "client leaf: got %v, want x509.UnknownAuthorityError", err)
	})
}

func TestPKIBundleOtherCAs(t *testing.T) {
	cfg := pkiTestConfig()
	p, _ := newTestPKI(t, cfg)
	withoutIntermediates := parseBundle(t, p.CABundle(cfg.ALBTrust))
	withIntermediates := parseBundle(t, p.CABundle(cfg.TerminatorTrust))

	// The full bundle has 4 roots, because the Example Corp CAs share one
	// and the Woodgrove issuing CA is its own root. It also has the other
	// 5 issuing CAs, the 3 intermediates of the deep chain and Fabrikam's 1.
	assert.Equal(t, 13, len(withIntermediates), "with the Fabrikam issuing and intermediate CAs")
	assert.Equal(t, 11, len(withoutIntermediates), "without the Fabrikam issuing and intermediate CAs")
	for _, ca := range allIssuingCAs() {
		if ca.subject == issuingCAs[missingIntermediateCA].subject {
			continue
		}
		assert.True(t, hasSubject(t, withoutIntermediates, ca.subject), "issuing CA %q", ca.subject)
	}
}

func TestPKIDeepChainCA(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		inPKI  bool
		cohort bool
	}{
		{"default cohorts", DefaultConfig(testStart), false, false},
		{"deep-chain cohort", pkiTestConfig(), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ids := newTestPKI(t, tt.cfg)
			assert.Equal(t, tt.cohort, usesIssuer(ids, deepChainCA.subject), "population uses the deep-chain CA")
			assert.Equal(t, tt.inPKI, p.IssuingCA(deepChainCA.subject) != nil, "IssuingCA")
			inBundle := hasSubject(t, parseBundle(t, p.CABundle(tt.cfg.ALBTrust)), deepChainCA.subject)
			assert.Equal(t, tt.inPKI, inBundle, "ALB bundle")
		})
	}
}

func TestPKICRLs(t *testing.T) {
	cfg := pkiTestConfig()
	cfg.Cohorts = slices.DeleteFunc(cfg.Cohorts, func(cs CohortShare) bool { return cs.Cohort == CohortRevoked })
	cfg.Cohorts = append(cfg.Cohorts, CohortShare{CohortRevoked, 0.05})
	p, ids := newTestPKI(t, cfg)

	wantIssuer := map[string]string{} // serial to issuer DN
	for _, id := range ids {
		if id.Cohort == CohortRevoked {
			wantIssuer[id.Certificate.Serial] = id.Certificate.Issuer
		}
	}
	require.GreaterOrEqual(t, len(wantIssuer), 10, "revoked certificates")

	crls := p.CRLs(cfg.TerminatorTrust)
	require.Equal(t, len(allIssuingCAs()), len(crls), "one CRL per issuing CA")
	gotIssuers := map[string][]string{} // serial to the issuers of the CRLs that list it
	for i, content := range crls {
		block, rest := pem.Decode(content)
		require.NotNil(t, block, "CRL %d", i)
		require.Empty(t, rest, "CRL %d", i)
		require.Equal(t, "X509 CRL", block.Type, "CRL %d", i)
		crl, err := x509.ParseRevocationList(block.Bytes)
		require.NoError(t, err, "CRL %d", i)

		issuerDN := rdnString(t, crl.RawIssuer)
		issuer := p.IssuingCA(issuerDN)
		require.NotNil(t, issuer, "CRL %d: issuer %q", i, issuerDN)
		require.NoError(t, crl.CheckSignatureFrom(issuer), "CRL %d", i)
		assert.True(t, crl.ThisUpdate.Before(cfg.Start), "CRL %d: ThisUpdate %v", i, crl.ThisUpdate)
		assert.True(t, crl.NextUpdate.After(cfg.End()), "CRL %d: NextUpdate %v", i, crl.NextUpdate)
		for _, entry := range crl.RevokedCertificateEntries {
			serial := entry.SerialNumber.Text(16)
			gotIssuers[serial] = append(gotIssuers[serial], issuerDN)
			assert.True(t, entry.RevocationTime.Before(crl.ThisUpdate) || entry.RevocationTime.Equal(crl.ThisUpdate),
				"serial %s: revocation time %v", serial, entry.RevocationTime)
		}
	}

	for serial, issuer := range wantIssuer {
		assert.Equal(t, []string{issuer}, gotIssuers[bigHexKey(t, serial)], "revoked serial %s", serial)
	}
	assert.Len(t, gotIssuers, len(wantIssuer), "serials on the CRLs")
}

// bigHexKey returns serial as big.Int.Text(16) writes it.
func bigHexKey(t *testing.T, serial string) string {
	t.Helper()
	n, ok := new(big.Int).SetString(serial, 16)
	require.True(t, ok, "serial %q", serial)
	return n.Text(16)
}

func TestPKICRLsByTrust(t *testing.T) {
	cfg := pkiTestConfig()
	p, _ := newTestPKI(t, cfg)
	tests := []struct {
		name  string
		trust TrustPolicy
		want  int
	}{
		{"intermediates and CRL", TrustPolicy{Intermediates: true, CheckCRL: true, MaxChainDepth: 4}, 6},
		{"CRL without intermediates", TrustPolicy{CheckCRL: true, MaxChainDepth: 4}, 5},
		{"no CRL check", TrustPolicy{Intermediates: true, MaxChainDepth: 4}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, len(p.CRLs(tt.trust)))
		})
	}
}

func TestNewPKIInvalidConfig(t *testing.T) {
	cfg := DefaultConfig(testStart)
	cfg.Clients = 0
	_, err := NewPKI(&cfg)
	assert.Error(t, err)
}

func TestMarshalDN(t *testing.T) {
	tests := []struct {
		dn      string
		wantErr bool
	}{
		{"CN=Example Corp Root CA,O=Example Corp,C=US", false},
		{`CN=Fabrikam Root CA,O=Fabrikam\, Inc.,C=DE`, false},
		{`CN=Fabrikam Root CA,O=Fabrikam\2C Inc.,C=DE`, false},
		{"CN=ledger-03.contoso.example,OU=Settlement,O=Contoso Ltd,L=Seattle,ST=Washington,C=US", false},
		{"CN=a+OU=b,C=US", true},
		{"CN=a,DC=example", true},
		{"CN=a,C", true},
		{`CN=a\`, true},
	}
	for _, tt := range tests {
		t.Run(tt.dn, func(t *testing.T) {
			raw, err := marshalDN(tt.dn)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			want, err := identity.CanonicalDN(tt.dn)
			require.NoError(t, err)
			got, err := identity.CanonicalDN(rdnString(t, raw))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// rdnString returns the RFC 4514 string of a DER subject, in the order of
// its RDNs. pkix.Name.String would reorder the attributes by type.
func rdnString(t *testing.T, raw []byte) string {
	t.Helper()
	var sequence pkix.RDNSequence
	rest, err := asn1.Unmarshal(raw, &sequence)
	require.NoError(t, err)
	require.Empty(t, rest)
	return sequence.String()
}
