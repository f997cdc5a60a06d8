package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/sim"
)

func TestSimulateScenario(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := cutover(t, "simulate", "--out", out, "--scenario", "missing-intermediate",
		"--start", "2026-03-09T12:00:00Z", "--duration", "30m", "--alb-weight", "50", "--output", "json")
	require.Equal(t, exitOK, code, errOut)

	var rows []struct {
		Measure string `json:"measure"`
		Value   any    `json:"value"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rows), stdout)
	values := map[string]any{}
	for _, r := range rows {
		values[r.Measure] = r.Value
	}
	assert.Equal(t, "missing-intermediate", values["scenario"])
	assert.Equal(t, true, values["scenario_fault"])
	assert.Equal(t, `O=Fabrikam\, Inc.`, values["scenario_cohort"])
	assert.Equal(t, "Failed:ClientCertUntrusted", values["scenario_alb_reason"])
	assert.Equal(t, false, values["scenario_latency"])
	assert.Contains(t, values["scenario_description"], "intermediate")
	assert.Greater(t, values["alb_failed_connections"], 0.0)

	// The objects are those of the scenario with the flags given.
	start := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	cfg, _, err := sim.ScenarioConfig("missing-intermediate", start, 30*time.Minute, 1)
	require.NoError(t, err)
	cfg.ALBWeight = 50
	sum, err := sim.Run(t.Context(), cfg, sim.DirWriter{Root: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, float64(sum.ALB.FailedConnections), values["alb_failed_connections"])
	assert.Equal(t, float64(sum.NLB.Connections), values["nlb_connections"])
	assert.Equal(t, float64(sum.NLB.UnloggedConnections), values["nlb_unlogged_connections"])
	entries, err := os.ReadDir(filepath.Join(out, "terminators"))
	require.NoError(t, err)
	assert.Len(t, entries, 3, "terminator folders")

	// The scenario's ALB trust store lacks the Fabrikam issuing CA, which
	// the terminators' bundle has, and the ALB checks CRLs.
	const fabrikamIssuingCA = `CN=Fabrikam Issuing CA G2,OU=Trust Services,O=Fabrikam\, Inc.,C=DE`
	trustDir := filepath.Join(out, "trust-store")
	albCAs := readPEMCertificates(t, filepath.Join(trustDir, "alb-ca-bundle.pem"))
	terminatorCAs := readPEMCertificates(t, filepath.Join(trustDir, "terminator-ca-bundle.pem"))
	assert.NotContains(t, certificateSubjects(albCAs), fabrikamIssuingCA, "ALB bundle")
	assert.Contains(t, certificateSubjects(terminatorCAs), fabrikamIssuingCA, "terminator bundle")
	assert.Greater(t, len(terminatorCAs), len(albCAs), "terminator bundle size")

	crlFiles, err := filepath.Glob(filepath.Join(trustDir, "alb-crl-*.pem"))
	require.NoError(t, err)
	assert.NotEmpty(t, crlFiles, "ALB CRL files")
	for i := range crlFiles {
		name := filepath.Join(trustDir, fmt.Sprintf("alb-crl-%d.pem", i+1))
		content, err := os.ReadFile(name)
		require.NoError(t, err)
		block, _ := pem.Decode(content)
		require.NotNil(t, block, "%s: no PEM block", name)
		assert.Equal(t, "X509 CRL", block.Type, name)
		_, err = x509.ParseRevocationList(block.Bytes)
		assert.NoError(t, err, name)
	}
}

// readPEMCertificates returns the certificates of a PEM file, and fails the
// test when the file is missing, empty or holds a block that is not a
// parsable certificate.
func readPEMCertificates(t *testing.T, name string) []*x509.Certificate {
	t.Helper()
	content, err := os.ReadFile(name)
	require.NoError(t, err)
	var certs []*x509.Certificate
	for block, rest := pem.Decode(content); block != nil; block, rest = pem.Decode(rest) {
		require.Equal(t, "CERTIFICATE", block.Type, name)
		cert, err := x509.ParseCertificate(block.Bytes)
		require.NoError(t, err, name)
		certs = append(certs, cert)
	}
	require.NotEmpty(t, certs, "%s: no certificate", name)
	return certs
}

func certificateSubjects(certs []*x509.Certificate) []string {
	subjects := make([]string, len(certs))
	for i, cert := range certs {
		subjects[i] = cert.Subject.String()
	}
	return subjects
}

func TestSimulateListScenarios(t *testing.T) {
	for _, args := range [][]string{
		{"simulate", "--list-scenarios", "--output", "json"},
		{"simulate", "--scenario", "list", "--output", "json"},
	} {
		code, stdout, errOut := cutover(t, args...)
		require.Equal(t, exitOK, code, errOut)
		var rows []struct {
			Scenario  string `json:"scenario"`
			ALBReason string `json:"alb_reason"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &rows), stdout)
		var names []string
		for _, r := range rows {
			names = append(names, r.Scenario)
		}
		assert.Equal(t, sim.ScenarioNames(), names, "%v", args)
		assert.Equal(t, "Failed:ClientCertCrlHit", rows[2].ALBReason, "%v", args)
	}
}

func TestSimulateUnknownScenario(t *testing.T) {
	code, stdout, errOut := cutover(t, "simulate", "--out", t.TempDir(), "--scenario", "slow-nlb")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, errOut, `unknown scenario "slow-nlb"`)
	for _, name := range sim.ScenarioNames() {
		assert.Contains(t, errOut, name)
	}
}
