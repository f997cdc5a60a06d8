package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze/preflight"
	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/internal/sim"
)

// simulateInto simulates the scenario for a duration from start at an ALB
// weight, ingests the logs of both paths into db and returns the folder of
// the logs.
func simulateInto(t *testing.T, db, scenario string, start time.Time, duration time.Duration, albWeight int) string {
	t.Helper()
	logs := filepath.Join(t.TempDir(), "logs")
	code, _, errOut := cutover(t, "simulate", "--quiet", "--out", logs, "--scenario", scenario,
		"--start", start.Format(time.RFC3339), "--duration", duration.String(), "--alb-weight", strconv.Itoa(albWeight))
	require.Equal(t, exitOK, code, errOut)

	if albWeight > 0 {
		code, _, errOut = cutover(t, "ingest", "--quiet", "--db", db, filepath.Join(logs, "AWSLogs"))
		require.Equal(t, exitOK, code, errOut)
	}
	args := []string{"ingest", "--quiet", "--db", db, "--terminator", "nginx"}
	for _, subnet := range sim.DefaultConfig(start).NLBSubnets {
		args = append(args, "--health-check-cidr", subnet)
	}
	code, _, errOut = cutover(t, append(args, filepath.Join(logs, "terminators"))...)
	require.Equal(t, exitOK, code, errOut)
	return logs
}

// Before any traffic moves, preflight on the NLB path's logs names the
// Fabrikam cohort and Failed:ClientCertUntrusted, because the ALB trust store
// lacks its intermediate CAs. After the first shift, certs left-behind names
// the same clients.
func TestPreflightPredictsLeftBehindCohort(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and ingests three hours of traffic")
	}
	db := filepath.Join(t.TempDir(), "cutover.duckdb")
	before := simulateInto(t, db, "missing-intermediate", scenarioStart, time.Hour, 0)
	trustStore := filepath.Join(before, "trust-store")
	crls, err := filepath.Glob(filepath.Join(trustStore, "alb-crl-*.pem"))
	require.NoError(t, err)
	require.NotEmpty(t, crls)

	args := []string{"--trust-store-bundle", filepath.Join(trustStore, "alb-ca-bundle.pem")}
	for _, crl := range crls {
		args = append(args, "--crl", crl)
	}
	code, report := preflightJSON(t, db, args...)
	require.Equal(t, exitFail, code, "some identities are rejected")

	fabrikamIssuer, err := identity.CanonicalDN(fabrikamIssuingCA)
	require.NoError(t, err)
	untrusted := map[string]bool{}
	statuses := map[string]int{}
	for _, p := range report.Predictions {
		statuses[p.Status]++
		isFabrikam := p.Issuer == fabrikamIssuer
		assert.Equal(t, isFabrikam, p.Status == preflight.StatusUntrusted,
			"%s serial %s issued by %s: %s %s", p.Subject, p.Serial, p.Issuer, p.Status, p.Explanation)
		if isFabrikam {
			assert.True(t, strings.HasSuffix(p.Subject, fabrikamSuffix), "%s", p.Subject)
			untrusted[p.Subject+" / "+p.Serial] = true
		}
	}
	assert.NotEmpty(t, untrusted, "Fabrikam identities are predicted untrusted")
	assert.Positive(t, statuses[preflight.StatusSuccess], "most clients are accepted")
	assert.Positive(t, statuses[preflight.StatusExpired], "the expired cohort is rejected as expired")
	assert.Positive(t, statuses[preflight.StatusCrlHit], "the revoked cohort hits the CRL")
	assert.Positive(t, statuses[preflight.StatusNotYetValid], "the terminators' not-yet-valid verdicts carry over")

	require.NotEmpty(t, report.Cohorts)
	var cohort *preflightCohort
	for i := range report.Cohorts {
		if report.Cohorts[i].Status == preflight.StatusUntrusted {
			require.Nil(t, cohort, "one untrusted cohort")
			cohort = &report.Cohorts[i]
		}
	}
	require.NotNil(t, cohort)
	assert.Equal(t, fabrikamIssuer, cohort.Issuer)
	assert.Equal(t, len(untrusted), cohort.Identities)
	assert.Contains(t, cohort.Description, `O=Fabrikam\, Inc.,C=DE"`)
	assert.Equal(t, preflight.AssumeNoIntermediatesSent, cohort.Assumption)

	code, out, errOut := cutover(t, append([]string{"preflight", "--db", db}, args...)...)
	require.Equal(t, exitFail, code, errOut)
	assert.Contains(t, out, "Failed:ClientCertUntrusted: "+cohort.Description)

	// A quarter of the traffic moves to the ALB for the next two hours.
	shift := scenarioStart.Add(time.Hour)
	simulateInto(t, db, "missing-intermediate", shift, 2*time.Hour, 25)
	left := certsRows(t, "left-behind", "--db", db, "--from", shift.Format(time.RFC3339))
	require.NotEmpty(t, left)
	for _, row := range left {
		key := row["subject"].(string) + " / " + row["serial"].(string)
		assert.True(t, untrusted[key], "%s is left behind but was not predicted untrusted", key)
		assert.Equal(t, preflight.StatusUntrusted, row["alb_failure_reasons"], key)
	}
}

// On the healthy scenario every client that the ALB would reject fails on
// the NLB already, so preflight lists them apart and exits 0.
func TestPreflightHealthyExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and ingests an hour of traffic")
	}
	db := filepath.Join(t.TempDir(), "cutover.duckdb")
	logs := simulateInto(t, db, "healthy", scenarioStart, time.Hour, 0)
	trustStore := filepath.Join(logs, "trust-store")
	args := []string{"--trust-store-bundle", filepath.Join(trustStore, "alb-ca-bundle.pem")}
	crls, err := filepath.Glob(filepath.Join(trustStore, "alb-crl-*.pem"))
	require.NoError(t, err)
	for _, crl := range crls {
		args = append(args, "--crl", crl)
	}

	code, report := preflightJSON(t, db, args...)
	assert.Equal(t, exitOK, code)
	rejected := 0
	for _, p := range report.Predictions {
		if p.Verdict == preflight.Reject {
			rejected++
			assert.Zero(t, p.NLBOK, "%s serial %s fails on the NLB already", p.Subject, p.Serial)
		}
	}
	assert.Positive(t, rejected, "the failing cohorts are still predicted")
	for _, c := range report.Cohorts {
		assert.True(t, c.FailingOnNLB, "%s %s", c.Status, c.Description)
	}

	code, out, errOut := cutover(t, append([]string{"preflight", "--db", db}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "The ALB would also reject these clients, which fail on the NLB already:")
	assert.NotContains(t, out, "which the NLB accepts")
}
