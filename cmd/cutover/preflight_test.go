package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze/preflight"
	"github.com/cutover-dev/cutover/ingest/identity"
)

// fabrikamSuffix ends the canonical subject of every Fabrikam client of the
// simulator.
const fabrikamSuffix = `O=Fabrikam\, Inc.,C=DE`

// fabrikamIssuingCA is the simulator's issuer DN of the Fabrikam clients,
// whose intermediates the missing-intermediate scenario's ALB lacks.
const fabrikamIssuingCA = `CN=Fabrikam Issuing CA G2,OU=Trust Services,O=Fabrikam\, Inc.,C=DE`

// newTestCA returns a CA certificate with the subject, signed by parent and
// parentKey, or self-signed when parent is nil.
func newTestCA(t *testing.T, subject pkix.Name, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               subject,
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	signer, signerKey := template, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signer, &key.PublicKey, signerKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert, key
}

// writeBundle writes the certificates as a PEM bundle and returns its path.
func writeBundle(t *testing.T, certs ...*x509.Certificate) string {
	t.Helper()
	var text []byte
	for _, cert := range certs {
		text = append(text, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	path := filepath.Join(t.TempDir(), "bundle.pem")
	require.NoError(t, os.WriteFile(path, text, 0o644))
	return path
}

// preflightJSON runs preflight with --output json and decodes its report.
func preflightJSON(t *testing.T, db string, args ...string) (int, preflightReport) {
	t.Helper()
	code, out, errOut := cutover(t, append([]string{"preflight", "--db", db, "--output", "json"}, args...)...)
	require.Contains(t, []int{exitOK, exitFail}, code, errOut)
	var report preflightReport
	require.NoError(t, json.Unmarshal([]byte(out), &report), out)
	return code, report
}

// storedPredictions counts the rows of preflight_predictions.
func storedPredictions(t *testing.T, db string) int {
	t.Helper()
	rows := queryJSON(t, db, "SELECT count(*) AS n FROM preflight_predictions")
	require.Len(t, rows, 1)
	return int(rows[0]["n"].(float64))
}

// An unrelated CA leaves every issuer outside the trust store. The sent
// intermediates are not logged, so every identity is predicted as untrusted
// on the assumption that its client sends none.
func TestPreflightUnrelatedCARejectsOnAssumption(t *testing.T) {
	db, _ := simulatedDB(t, "missing-intermediate", time.Hour, 10, true)
	root, _ := newTestCA(t, pkix.Name{CommonName: "Unrelated Test Root", Organization: []string{"Nobody"}}, nil, nil)
	bundle := writeBundle(t, root)

	code, report := preflightJSON(t, db, "--trust-store-bundle", bundle)
	assert.Equal(t, exitFail, code, "every identity is rejected")
	require.NotEmpty(t, report.Predictions)
	assert.Equal(t, 1, report.TrustStoreCAs)
	assert.Positive(t, report.NLBConnections)

	fabrikam := 0
	for _, p := range report.Predictions {
		assert.Equal(t, preflight.Reject, p.Verdict, "%s serial %s: %s", p.Subject, p.Serial, p.Explanation)
		assert.Equal(t, preflight.StatusUntrusted, p.Status, "%s serial %s", p.Subject, p.Serial)
		assert.Equal(t, preflight.AssumeNoIntermediatesSent, p.Assumption, "%s serial %s", p.Subject, p.Serial)
		assert.Positive(t, p.Connections, "%s serial %s", p.Subject, p.Serial)
		if strings.HasSuffix(p.Subject, fabrikamSuffix) {
			fabrikam++
		}
	}
	assert.Positive(t, fabrikam, "the rejected identities include Fabrikam clients")
	assert.Equal(t, len(report.Predictions), storedPredictions(t, db), "one stored row per identity")

	code, _, errOut := cutover(t, "preflight", "--db", db, "--trust-store-bundle", bundle)
	require.Equal(t, exitFail, code, errOut)
	assert.Equal(t, 2*len(report.Predictions), storedPredictions(t, db), "a second run adds its rows")
}

// An intermediate named like Fabrikam's issuing CA, without its root in the
// bundle, does not chain to a trust-store root, so the ALB rejects its
// clients as untrusted whatever they send. The other clients' issuers are not
// in the bundle, so they are rejected on an assumption.
func TestPreflightFabrikamWithoutRootRejected(t *testing.T) {
	db, _ := simulatedDB(t, "missing-intermediate", time.Hour, 10, true)
	fabrikamRoot, fabrikamRootKey := newTestCA(t, pkix.Name{CommonName: "Fabrikam Test Root"}, nil, nil)
	issuing, _ := newTestCA(t, pkix.Name{
		CommonName:         "Fabrikam Issuing CA G2",
		OrganizationalUnit: []string{"Trust Services"},
		Organization:       []string{"Fabrikam, Inc."},
		Country:            []string{"DE"},
	}, fabrikamRoot, fabrikamRootKey)
	bundle := writeBundle(t, issuing)

	code, report := preflightJSON(t, db, "--trust-store-bundle", bundle)
	assert.Equal(t, exitFail, code)
	wantIssuer, err := identity.CanonicalDN(fabrikamIssuingCA)
	require.NoError(t, err)
	rejected := 0
	for _, p := range report.Predictions {
		if p.Issuer == wantIssuer {
			rejected++
			assert.Equal(t, preflight.Reject, p.Verdict, "%s serial %s: %s", p.Subject, p.Serial, p.Explanation)
			assert.Equal(t, preflight.StatusUntrusted, p.Status, "%s serial %s", p.Subject, p.Serial)
			assert.Empty(t, p.Assumption, "%s serial %s: the trust store decides", p.Subject, p.Serial)
			assert.True(t, strings.HasSuffix(p.Subject, fabrikamSuffix), "%s is not a Fabrikam client", p.Subject)
		} else {
			assert.Equal(t, preflight.AssumeNoIntermediatesSent, p.Assumption, "%s serial %s: %s", p.Subject, p.Serial, p.Explanation)
		}
	}
	assert.Positive(t, rejected, "Fabrikam clients are rejected")

	code, out, errOut := cutover(t, "preflight", "--db", db, "--trust-store-bundle", bundle)
	require.Equal(t, exitFail, code, errOut)
	assert.Contains(t, out, "Rejected by the ALB")
	assert.Contains(t, out, preflight.StatusUntrusted)
	assert.Contains(t, out, fabrikamSuffix)
	assert.Contains(t, out, "Summary: 0 accepted")
}

func TestPreflightUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cutover.duckdb")
	bad := filepath.Join(t.TempDir(), "bad.pem")
	require.NoError(t, os.WriteFile(bad, []byte("# partner CAs\n-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"), 0o644))
	root, _ := newTestCA(t, pkix.Name{CommonName: "Usage Test Root"}, nil, nil)
	good := writeBundle(t, root)

	cases := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing bundle flag", []string{"preflight", "--db", db}, "the trust store is missing"},
		{"unreadable bundle", []string{"preflight", "--db", db, "--trust-store-bundle", filepath.Join(t.TempDir(), "none.pem")}, "none.pem"},
		{"bad PEM block", []string{"preflight", "--db", db, "--trust-store-bundle", bad}, bad + ": line 2"},
		{"unreadable CRL", []string{"preflight", "--db", db, "--trust-store-bundle", good, "--crl", "none.crl"}, "none.crl"},
		{"invalid window", []string{"preflight", "--db", db, "--trust-store-bundle", good, "--since", "soon"}, "invalid --since"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := cutover(t, c.args...)
			assert.Equal(t, exitUsage, code, errOut)
			assert.Contains(t, errOut, c.stderr)
		})
	}
	_, err := os.Stat(db)
	assert.True(t, os.IsNotExist(err), "a usage error creates no database")
}
