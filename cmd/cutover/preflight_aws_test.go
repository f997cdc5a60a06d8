package main

import (
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze/preflight"
	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/testutil/testpki"
)

// fabrikamPKI is a generated Fabrikam root and an issuing CA whose subject
// is the simulator's Fabrikam issuer DN, so the simulated Fabrikam clients
// chain to the root.
type fabrikamPKI struct {
	root, issuing testpki.CA
	bundle        []byte
}

func newFabrikamPKI(t *testing.T) fabrikamPKI {
	t.Helper()
	root := testpki.NewCA(t, pkix.Name{CommonName: "Fabrikam Test Root", Organization: []string{"Fabrikam, Inc."}}, nil)
	issuing := testpki.NewCA(t, fabrikamIssuingSubject, &root)
	return fabrikamPKI{root: root, issuing: issuing, bundle: testpki.Bundle(root, issuing)}
}

// revoke returns a PEM CRL of the issuing CA that revokes the serials,
// given in hex as the predictions carry them.
func (p fabrikamPKI) revoke(t *testing.T, serials ...string) []byte {
	t.Helper()
	var numbers []*big.Int
	for _, serial := range serials {
		n, ok := new(big.Int).SetString(serial, 16)
		require.True(t, ok, "serial %q is not hex", serial)
		numbers = append(numbers, n)
	}
	return testpki.EncodeCRLPEM(testpki.NewCRLBigSerials(t, p.issuing, numbers...))
}

// acceptedFabrikamSerial runs preflight on a local copy of the bundle and
// returns the serial of an accepted Fabrikam client and the report.
func acceptedFabrikamSerial(t *testing.T, db string, pki fabrikamPKI) (string, preflightReport) {
	t.Helper()
	bundle := filepath.Join(t.TempDir(), "fabrikam.pem")
	require.NoError(t, os.WriteFile(bundle, pki.bundle, 0o644))
	// Clients of the simulator's other issuers are rejected as untrusted,
	// so the exit code is 3 either way.
	_, report := preflightJSON(t, db, "--trust-store-bundle", bundle)
	assert.Equal(t, "file "+bundle, report.TrustStoreSource)
	for _, p := range report.Predictions {
		if strings.HasSuffix(p.Subject, fabrikamSuffix) && p.Verdict == preflight.Accept {
			return p.Serial, report
		}
	}
	require.FailNow(t, "no Fabrikam client is accepted with the Fabrikam root and issuing CA")
	return "", report
}

// assertRevokedOnly checks that the report rejects the revoked serial for
// a CRL hit and gives every other identity its verdict in baseline.
func assertRevokedOnly(t *testing.T, report, baseline preflightReport, revoked string) {
	t.Helper()
	want := make(map[string]preflight.Verdict, len(baseline.Predictions))
	for _, p := range baseline.Predictions {
		want[p.Subject+"|"+p.Serial] = p.Verdict
	}
	require.Len(t, report.Predictions, len(baseline.Predictions))
	hits := 0
	for _, p := range report.Predictions {
		if p.Serial == revoked {
			hits++
			assert.Equal(t, preflight.Reject, p.Verdict, "%s serial %s: %s", p.Subject, p.Serial, p.Explanation)
			assert.Equal(t, preflight.StatusCrlHit, p.Status, "%s serial %s", p.Subject, p.Serial)
			continue
		}
		assert.Equal(t, want[p.Subject+"|"+p.Serial], p.Verdict, "%s serial %s: %s", p.Subject, p.Serial, p.Explanation)
	}
	assert.Equal(t, 1, hits, "the revoked serial is predicted once")
}

// seedPartnerClients adds the trust store partner-clients with the bundle
// and CRL, an ALB, and two HTTPS listeners that use the trust store: one in
// verify mode with IgnoreClientCertificateExpiry on, one in passthrough
// mode. It returns the trust store's ARN and both listeners' ARNs.
func seedPartnerClients(t *testing.T, srv *loopback.Server, bundle, crl []byte) (trustStoreARN, verifyARN, passthroughARN string) {
	t.Helper()
	ts, err := srv.ELBv2.AddTrustStore(loopback.TrustStore{
		Name:                 "partner-clients",
		CACertificatesBundle: bundle,
		Revocations:          []loopback.TrustStoreRevocation{{Content: crl}},
	})
	require.NoError(t, err)
	lb, err := srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{Name: "partner-api"})
	require.NoError(t, err)
	verify, err := srv.ELBv2.AddListener(loopback.Listener{LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 443,
		MutualAuthentication: &loopback.MutualAuthentication{Mode: "verify", TrustStoreARN: ts.ARN,
			IgnoreClientCertificateExpiry: true, TrustStoreAssociationStatus: "active"}})
	require.NoError(t, err)
	passthrough, err := srv.ELBv2.AddListener(loopback.Listener{LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443,
		MutualAuthentication: &loopback.MutualAuthentication{Mode: "passthrough"}})
	require.NoError(t, err)
	return ts.ARN, verify.ARN, passthrough.ARN
}

// putObject stores an object in the loopback server's S3.
func putObject(t *testing.T, srv *loopback.Server, bucket, key string, body []byte) {
	t.Helper()
	cfg, err := ingest.LoadAWSConfig(context.Background(), srv.URL)
	require.NoError(t, err)
	w := s3Writer{client: ingest.NewS3Client(cfg, srv.URL), bucket: bucket}
	require.NoError(t, w.WriteObject(context.Background(), key, body))
}

func TestPreflightTrustStoreFromAWS(t *testing.T) {
	db, _ := simulatedDB(t, "missing-intermediate", time.Hour, 10, true)
	pki := newFabrikamPKI(t)
	revoked, baseline := acceptedFabrikamSerial(t, db, pki)
	crl := pki.revoke(t, revoked)

	srv := useLoopbackAWS(t, loopback.Options{})
	trustStoreARN, verifyARN, _ := seedPartnerClients(t, srv, pki.bundle, crl)
	require.NoError(t, srv.CreateBucket("pki-artifacts"))
	putObject(t, srv, "pki-artifacts", "alb/ca-bundle.pem", pki.bundle)
	putObject(t, srv, "pki-artifacts", "alb/fabrikam.crl", crl)

	cases := []struct {
		name         string
		args         []string
		source       string
		ignoreExpiry bool
		stderr       string
	}{
		{name: "trust store by name", args: []string{"--trust-store", "partner-clients"}, source: trustStoreARN},
		{name: "trust store by ARN", args: []string{"--trust-store", trustStoreARN}, source: trustStoreARN},
		{name: "listener", args: []string{"--listener", verifyARN},
			source: trustStoreARN + " of listener " + verifyARN, ignoreExpiry: true},
		{name: "listener with expiry flag", args: []string{"--listener", verifyARN, "--ignore-client-certificate-expiry=false"},
			source: trustStoreARN + " of listener " + verifyARN, ignoreExpiry: false,
			stderr: "--ignore-client-certificate-expiry overrides the listener's IgnoreClientCertificateExpiry"},
		{name: "S3 bundle and CRL", args: []string{"--trust-store-bundle", "s3://pki-artifacts/alb/ca-bundle.pem",
			"--crl", "s3://pki-artifacts/alb/fabrikam.crl"}, source: "s3://pki-artifacts/alb/ca-bundle.pem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"preflight", "--db", db, "--output", "json", "--endpoint-url", srv.URL}, c.args...)
			code, out, errOut := cutover(t, args...)
			require.Equal(t, exitFail, code, "the revoked client and the clients of other issuers are rejected: %s", errOut)
			report := decodePreflightReport(t, out)
			assert.Equal(t, c.source, report.TrustStoreSource)
			assert.Equal(t, 2, report.TrustStoreCAs)
			assert.Equal(t, 1, report.CRLs)
			assert.Equal(t, c.ignoreExpiry, report.IgnoreClientCertificateExpiry)
			assertRevokedOnly(t, report, baseline, revoked)
			if c.stderr != "" {
				assert.Contains(t, errOut, c.stderr)
			}
		})
	}

	// A --crl adds to the trust store's own revocation files.
	localCRL := filepath.Join(t.TempDir(), "extra.crl")
	require.NoError(t, os.WriteFile(localCRL, pki.revoke(t, "7E57"), 0o644))
	code, out, errOut := cutover(t, "preflight", "--db", db, "--output", "json", "--endpoint-url", srv.URL,
		"--trust-store", "partner-clients", "--crl", localCRL)
	require.Equal(t, exitFail, code, errOut)
	report := decodePreflightReport(t, out)
	assert.Equal(t, 2, report.CRLs)
	assertRevokedOnly(t, report, baseline, revoked)
}

// decodePreflightReport decodes the output of preflight --output json.
func decodePreflightReport(t *testing.T, out string) preflightReport {
	t.Helper()
	var report preflightReport
	require.NoError(t, json.Unmarshal([]byte(out), &report), out)
	return report
}

func TestPreflightAWSErrors(t *testing.T) {
	pki := newFabrikamPKI(t)
	srv := useLoopbackAWS(t, loopback.Options{})
	_, _, passthroughARN := seedPartnerClients(t, srv, pki.bundle, pki.revoke(t, "7E57"))
	require.NoError(t, srv.CreateBucket("pki-artifacts"))
	putObject(t, srv, "pki-artifacts", "alb/ca-bundle.pem", pki.bundle)
	putObject(t, srv, "pki-artifacts", "alb/not-a-crl.crl", []byte("not a CRL"))
	db := filepath.Join(t.TempDir(), "cutover.duckdb")

	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{name: "unknown trust store", args: []string{"--trust-store", "unknown-clients"},
			code: exitError, stderr: "trust store unknown-clients not found"},
		{name: "missing S3 bundle", args: []string{"--trust-store-bundle", "s3://pki-artifacts/alb/missing.pem"},
			code: exitError, stderr: "s3://pki-artifacts/alb/missing.pem not found"},
		{name: "missing S3 CRL", args: []string{"--trust-store", "partner-clients", "--crl", "s3://pki-artifacts/alb/missing.crl"},
			code: exitError, stderr: "s3://pki-artifacts/alb/missing.crl not found"},
		{name: "passthrough listener", args: []string{"--listener", passthroughARN},
			code: exitError, stderr: "is in mutual TLS passthrough mode: the ALB does not verify client certificates, so there is nothing to predict"},
		{name: "invalid S3 CRL", args: []string{"--trust-store-bundle", "s3://pki-artifacts/alb/ca-bundle.pem", "--crl", "s3://pki-artifacts/alb/not-a-crl.crl"},
			code: exitUsage, stderr: "s3://pki-artifacts/alb/not-a-crl.crl"},
		{name: "no trust store", args: nil,
			code: exitUsage, stderr: "the trust store is missing: give --trust-store-bundle FILE, --trust-store NAME or --listener ARN"},
		{name: "bundle and trust store", args: []string{"--trust-store-bundle", "s3://pki-artifacts/alb/ca-bundle.pem", "--trust-store", "partner-clients"},
			code: exitUsage, stderr: "--trust-store-bundle and --trust-store cannot be used together"},
		{name: "trust store and listener", args: []string{"--trust-store", "partner-clients", "--listener", passthroughARN},
			code: exitUsage, stderr: "--trust-store and --listener cannot be used together"},
		{name: "listener name", args: []string{"--listener", "partner-api"},
			code: exitUsage, stderr: `invalid --listener "partner-api": expected the listener's ARN`},
		{name: "all three", args: []string{"--trust-store-bundle", "ca.pem", "--trust-store", "partner-clients", "--listener", passthroughARN},
			code: exitUsage, stderr: "--trust-store-bundle, --trust-store and --listener cannot be used together"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"preflight", "--db", db, "--endpoint-url", srv.URL}, c.args...)
			code, _, errOut := cutover(t, args...)
			assert.Equal(t, c.code, code, errOut)
			assert.Contains(t, errOut, c.stderr)
		})
	}
	_, err := os.Stat(db)
	assert.True(t, os.IsNotExist(err), "a failed trust store load creates no database")
}
