package preflight

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBundleReportsBadBlocks(t *testing.T) {
	pki := newTestPKI(t)
	bundle := strings.Join([]string{
		"# Example trust store",                  // line 1
		strings.TrimSuffix(pki.root.pem(), "\n"), // block 1
		"stray text",
		"-----BEGIN PRIVATE KEY-----", // block 2
		"AAAA",
		"-----END PRIVATE KEY-----",
		"-----BEGIN CERTIFICATE-----", // block 3
		"bm90IGEgY2VydGlmaWNhdGU=",
		"-----END CERTIFICATE-----",
		strings.TrimSuffix(pki.issuing.pem(), "\n"), // block 4
		"-----BEGIN CERTIFICATE-----",               // block 5
		"AAAA",
	}, "\n")
	rootLines := strings.Count(pki.root.pem(), "\n")

	certs, problems := ParseBundle([]byte(bundle))

	require.Len(t, certs, 2)
	assert.Equal(t, pki.root.cert.Raw, certs[0].Raw)
	assert.Equal(t, pki.issuing.cert.Raw, certs[1].Raw)
	require.Len(t, problems, 4, "%v", problems)
	assert.Equal(t, BundleProblem{Line: 2 + rootLines, Block: 0, Reason: problems[0].Reason}, problems[0])
	assert.Equal(t, 2, problems[1].Block)
	assert.Equal(t, 3+rootLines, problems[1].Line)
	assert.Contains(t, problems[1].Reason, `"PRIVATE KEY"`)
	assert.Equal(t, 3, problems[2].Block)
	assert.Contains(t, problems[2].Reason, "does not parse")
	assert.Equal(t, 5, problems[3].Block)
	assert.Contains(t, problems[3].Reason, "no END line")
}

func TestParseBundleMismatchedEnd(t *testing.T) {
	data := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n"

	certs, problems := ParseBundle([]byte(data))

	assert.Empty(t, certs)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].Reason, "malformed")
	assert.Equal(t, "line 1, block 1: "+problems[0].Reason, problems[0].String())
}

func TestParseBundleCASizeQuota(t *testing.T) {
	pki := newTestPKI(t)
	big := issue(t, certSpec{subject: caName("Big CA"), isCA: true, extraBytes: MaxCACertificateSize}, &pki.root)

	certs, problems := ParseBundle([]byte(pki.root.pem() + big.pem()))

	assert.Len(t, certs, 1)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].Reason, "CA certificate size quota")
}

func TestParseBundleTestdata(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bundle-with-comments.pem"))
	require.NoError(t, err)

	certs, problems := ParseBundle(data)

	assert.Empty(t, problems)
	require.Len(t, certs, 1)
	assert.Equal(t, "CN=Testdata Root CA", certs[0].Subject.String())
}

func TestParseCRLPEMAndDER(t *testing.T) {
	pki := newTestPKI(t)
	der := pki.issuingCRL.Raw
	pemText := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})

	for name, data := range map[string][]byte{"DER": der, "PEM": pemText} {
		crl, err := ParseCRL(data)
		require.NoError(t, err, name)
		require.Len(t, crl.RevokedCertificateEntries, 1, name)
		assert.Equal(t, int64(pki.revokedSerial), crl.RevokedCertificateEntries[0].SerialNumber.Int64(), name)
	}

	_, err := ParseCRL([]byte(pki.root.pem()))
	assert.ErrorContains(t, err, `"CERTIFICATE"`)
	_, err = ParseCRL([]byte("not a CRL"))
	assert.ErrorContains(t, err, "parse CRL")
}

func TestNewTrustStoreSplitsRoots(t *testing.T) {
	pki := newTestPKI(t)
	leaf := issue(t, certSpec{subject: clientName("split")}, &pki.issuing)

	// Without the root, the intermediate anchors nothing.
	store, err := NewTrustStore([]*x509.Certificate{pki.issuing.cert})
	require.NoError(t, err)
	predictor, err := NewPredictor(Config{TrustStore: store, At: judgeAt})
	require.NoError(t, err)
	client := fieldsOf(t, leaf)
	client.LeafPEM = leaf.pem()

	got := predictor.Predict(client)

	assert.Equal(t, Reject, got.Verdict, got.Explanation)
	assert.Equal(t, StatusUntrusted, got.Status)

	_, err = NewTrustStore([]*x509.Certificate{nil})
	assert.ErrorContains(t, err, "nil")
}
