package main

import (
	"crypto/x509/pkix"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze/preflight"
	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/internal/testutil/testpki"
)

// fabrikamSuffix ends the canonical subject of every Fabrikam client of the
// simulator.
const fabrikamSuffix = `O=Fabrikam\, Inc.,C=DE`

// fabrikamIssuingCA is the simulator's issuer DN of the Fabrikam clients,
// whose intermediates the missing-intermediate scenario's ALB lacks.
const fabrikamIssuingCA = `CN=Fabrikam Issuing CA G2,OU=Trust Services,O=Fabrikam\, Inc.,C=DE`

// fabrikamIssuingSubject is fabrikamIssuingCA as a pkix.Name, for generated
// CAs that take the place of the simulator's Fabrikam issuing CA.
var fabrikamIssuingSubject = pkix.Name{
	CommonName:         "Fabrikam Issuing CA G2",
	OrganizationalUnit: []string{"Trust Services"},
	Organization:       []string{"Fabrikam, Inc."},
	Country:            []string{"DE"},
}

// writeBundle writes the CA certificates as a PEM bundle and returns its
// path.
func writeBundle(t *testing.T, cas ...testpki.CA) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bundle.pem")
	require.NoError(t, os.WriteFile(path, testpki.Bundle(cas...), 0o644))
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
	root := testpki.NewCA(t, pkix.Name{CommonName: "Unrelated Test Root", Organization: []string{"Nobody"}}, nil)
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
	fabrikamRoot := testpki.NewCA(t, pkix.Name{CommonName: "Fabrikam Test Root"}, nil)
	issuing := testpki.NewCA(t, fabrikamIssuingSubject, &fabrikamRoot)
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
	badCRL := filepath.Join(t.TempDir(), "bad.crl")
	require.NoError(t, os.WriteFile(badCRL, []byte("not a CRL\n"), 0o644))
	root := testpki.NewCA(t, pkix.Name{CommonName: "Usage Test Root"}, nil)
	good := writeBundle(t, root)
	missingBundle := filepath.Join(t.TempDir(), "none.pem")

	// Each case lists the parts that stderr must contain.
	cases := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"missing bundle flag", []string{"preflight", "--db", db}, []string{"the trust store is missing"}},
		{"bundle and trust store", []string{"preflight", "--db", db, "--trust-store-bundle", good, "--trust-store", "partner clients"},
			[]string{"--trust-store-bundle and --trust-store cannot be used together", "Try: cutover preflight --trust-store-bundle " + good + "\n"}},
		{"listener and trust store", []string{"preflight", "--db", db, "--listener", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/1/2", "--trust-store", "partner clients"},
			[]string{"--trust-store and --listener cannot be used together", "Try: cutover preflight --trust-store 'partner clients'\n"}},
		{"unreadable bundle", []string{"preflight", "--db", db, "--trust-store-bundle", missingBundle},
			[]string{"cannot read --trust-store-bundle file " + missingBundle + ": ", "Try: cutover preflight --trust-store-bundle"}},
		{"bad PEM block", []string{"preflight", "--db", db, "--trust-store-bundle", bad}, []string{bad + ": line 2"}},
		{"unreadable CRL", []string{"preflight", "--db", db, "--trust-store-bundle", good, "--crl", "none.crl"},
			[]string{"cannot read --crl file none.crl: ", "Try: cutover preflight --trust-store-bundle ./alb-ca-bundle.pem --crl"}},
		{"invalid CRL", []string{"preflight", "--db", db, "--trust-store-bundle", good, "--crl", badCRL}, []string{"invalid --crl " + badCRL + ": "}},
		{"invalid window", []string{"preflight", "--db", db, "--trust-store-bundle", good, "--since", "soon"}, []string{"invalid --since"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := cutover(t, c.args...)
			assert.Equal(t, exitUsage, code, errOut)
			for _, want := range c.stderr {
				assert.Contains(t, errOut, want)
			}
		})
	}
	_, err := os.Stat(db)
	assert.True(t, os.IsNotExist(err), "a usage error creates no database")
}

// A missing database, or a window without identities, never reads as "no
// client would be rejected".
func TestPreflightWithoutData(t *testing.T) {
	root := testpki.NewCA(t, pkix.Name{CommonName: "Test Root"}, nil)
	bundle := writeBundle(t, root)
	missing := filepath.Join(t.TempDir(), "missing.duckdb")

	code, _, errOut := cutover(t, "preflight", "--db", missing, "--trust-store-bundle", bundle)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, "missing.duckdb does not exist")
	assert.NoFileExists(t, missing, "preflight creates no database")

	db, _ := simulatedDB(t, "healthy", time.Hour, 10, true)
	code, _, errOut = cutover(t, "preflight", "--db", db, "--trust-store-bundle", bundle, "--from", "2026-11-01", "--to", "2026-11-02")
	assert.Equal(t, exitWait, code)
	assert.Contains(t, errOut, "no client certificate identity on the NLB path from 2026-11-01T00:00:00Z to 2026-11-02T00:00:00Z")
}
