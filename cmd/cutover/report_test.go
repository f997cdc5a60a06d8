package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/reports"
)

func TestReportSimulatedDatabase(t *testing.T) {
	db, _ := simulatedDB(t, "missing-intermediate", 2*time.Hour, 25, true)
	out := filepath.Join(t.TempDir(), "report")

	code, stdout, errOut := cutover(t, "report", "--db", db, "--out", out)
	require.Equal(t, exitOK, code, errOut)

	names := []string{"report.html", "report.md", "report.json"}
	for _, name := range names {
		path := filepath.Join(out, name)
		info, err := os.Stat(path)
		require.NoError(t, err, name)
		assert.Positive(t, info.Size(), name)
		assert.Contains(t, stdout, path, "the listing names %s", name)
	}

	htmlBytes, err := os.ReadFile(filepath.Join(out, "report.html"))
	require.NoError(t, err)
	html := string(htmlBytes)
	for _, id := range reports.SectionIDs {
		assert.Contains(t, html, `id="`+id+`"`, "section %s", id)
	}
	assert.Contains(t, html, "<svg")

	want := count(t, db, "SELECT count(*) AS connections FROM tls_handshakes WHERE path = 'alb'")
	cell := regexp.MustCompile(`data-path="alb" data-metric="connections">([0-9]+)<`).FindStringSubmatch(html)
	require.NotNil(t, cell, "no ALB connections cell in the HTML totals")
	got, err := strconv.Atoi(cell[1])
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Positive(t, got)

	jsonBytes, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	var decoded map[string]any
	require.NoError(t, json.Unmarshal(jsonBytes, &decoded))
	assert.NotEmpty(t, decoded)
}

func TestReportMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report")

	code, _, errOut := cutover(t, "report", "--db", filepath.Join(dir, "none.duckdb"), "--out", out)
	assert.Equal(t, exitError, code, errOut)
	assert.Contains(t, errOut, "does not exist")
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "the report folder was created for a missing database")
}

func TestPreflightSummaryTable(t *testing.T) {
	outcomes := table{
		columns: []string{"verdict", "status", "match", "nlb_connections", "alb_connections", "alb_failed"},
		rows: [][]any{
			{"accept", "Success", "confirmed", int64(10), int64(20), int64(0)},
			{"accept", "Success", "confirmed", int64(5), int64(7), int64(1)},
			{"accept", "Success", "unseen", int64(3), int64(0), int64(0)},
			{"reject", "Failed:ClientCertExpired", "contradicted", int64(4), int64(9), int64(2)},
			{"unknown", "", nil, int64(1), int64(2), int64(0)},
		},
	}

	summary := preflightSummaryTable(outcomes)

	assert.Equal(t, []string{"verdict", "status", "match", "identities", "nlb_connections", "alb_connections", "alb_failed"}, summary.Columns)
	assert.Equal(t, [][]string{
		{"accept", "Success", "confirmed", "2", "15", "27", "1"},
		{"accept", "Success", "unseen", "1", "3", "0", "0"},
		{"reject", "Failed:ClientCertExpired", "contradicted", "1", "4", "9", "2"},
		{"unknown", "", "not judged", "1", "1", "2", "0"},
	}, summary.Rows)
}

func TestHandshakeTimeNote(t *testing.T) {
	latency := table{
		columns: []string{"path", "handshake_p50_ms"},
		rows: [][]any{
			{"alb", 12.5},
			{"nlb", nil},
			{"nlb", nil},
		},
	}

	missing := pathsWithoutValues(latency, "handshake_p50_ms")

	assert.Equal(t, []string{"nlb"}, missing)
	note := handshakeTimeNote(missing)
	assert.Contains(t, note, "No nlb connection in the window logged a TLS handshake time")
	assert.Contains(t, note, "nginx logs none")
	assert.Empty(t, handshakeTimeNote(nil))
}

func TestReportTableTruncates(t *testing.T) {
	rows := make([][]any, 30)
	for i := range rows {
		rows[i] = []any{int64(i), nil}
	}

	got := reportTable("Identities", table{columns: []string{"n", "subject"}, rows: rows}, "certs_failing", reportRowsShown)

	assert.Len(t, got.Rows, reportRowsShown)
	assert.Equal(t, 30, got.TotalRows)
	assert.Equal(t, "certs_failing", got.Query)
	assert.Equal(t, []string{"19", ""}, got.Rows[19])
}

func TestReportSectionsBounded(t *testing.T) {
	db, _ := simulatedDB(t, "missing-intermediate", 2*time.Hour, 25, true)
	out := filepath.Join(t.TempDir(), "report")

	code, _, errOut := cutover(t, "report", "--db", db, "--out", out)
	require.Equal(t, exitOK, code, errOut)

	jsonBytes, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	var doc struct {
		Sections []struct {
			ID     string `json:"id"`
			Tables []struct {
				Title     string     `json:"title"`
				Rows      [][]string `json:"rows"`
				TotalRows int        `json:"total_rows"`
			} `json:"tables"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(jsonBytes, &doc))
	// The gate decisions are not bounded, because every one of them
	// matters to the timeline.
	bounded := []string{reports.SectionHandshakes, reports.SectionClients, reports.SectionExpiring, reports.SectionPreflight}
	for _, section := range doc.Sections {
		if !slices.Contains(bounded, section.ID) {
			continue
		}
		for _, table := range section.Tables {
			assert.LessOrEqual(t, len(table.Rows), reportRowsShown, "section %s, table %q", section.ID, table.Title)
			assert.GreaterOrEqual(t, table.TotalRows, len(table.Rows), "section %s, table %q", section.ID, table.Title)
		}
	}
}

func TestDecisionLabels(t *testing.T) {
	decisions := table{columns: []string{"kind", "verdict", "alb_share_after"}, rows: [][]any{
		{"step", "GO", int64(25)},
		{"rollback", "HALT-FAIL", int64(0)},
		{"evaluation", "HALT-WAIT", int64(25)},
		{"evaluation", "HALT-FAIL", int64(25)},
		{"decommission", nil, int64(100)},
	}}
	var labels []string
	for _, row := range decisions.rows {
		labels = append(labels, decisionLabel(decisions, row))
	}
	assert.Equal(t, []string{"step to 25 %", "rollback to 0 %", "", "FAIL", "decommission"}, labels)
}

func TestFirstSentences(t *testing.T) {
	messages := table{columns: []string{"kind", "message"}, rows: [][]any{
		{"step", "Every check passes and the step has baked: next 25 % on the ALB. Route 53 holds the new weights."},
		{"evaluation", "The ALB returns 5xx for 0.52 % of requests and the NLB for 0.43 %."},
		{"decommission", nil},
	}}
	cut := firstSentences(messages, "message")
	assert.Equal(t, [][]any{
		{"step", "Every check passes and the step has baked: next 25 % on the ALB."},
		{"evaluation", "The ALB returns 5xx for 0.52 % of requests and the NLB for 0.43 %."},
		{"decommission", nil},
	}, cut.rows)
	assert.Contains(t, messages.rows[0][1], "Route 53", "the input is unchanged")
}

func TestSplitExpired(t *testing.T) {
	expiring := table{columns: []string{"subject", "days_left"}, rows: [][]any{
		{"CN=a", -107.4}, {"CN=b", 0.0}, {"CN=c", 12.5}, {"CN=d", -0.1},
	}}
	upcoming, expired := splitExpired(expiring)
	assert.Equal(t, 2, expired)
	assert.Equal(t, [][]any{{"CN=b", 0.0}, {"CN=c", 12.5}}, upcoming.rows)
}

func TestDecommissionSteps(t *testing.T) {
	message := "Decommission of partner-api-nlb. write snapshot /tmp/s: done (wrote /tmp/s/x.json); terminate instance i-0a1b: done (running -> shutting-down)."
	assert.Equal(t, []string{"write snapshot /tmp/s: done (wrote /tmp/s/x.json)", "terminate instance i-0a1b: done (running -> shutting-down)"},
		decommissionSteps(message))
	assert.Empty(t, decommissionSteps("Decommission of partner-api-nlb. "))
	assert.Empty(t, decommissionSteps("Decommission of partner-api-nlb."))
}

func TestMergeShares(t *testing.T) {
	decisions := table{columns: []string{"kind", "alb_share_before", "alb_share_after", "outcome"}, rows: [][]any{
		{"step", int64(10), int64(25), "applied"},
		{"rollback", int64(10), int64(0), "applied"},
	}}
	merged := mergeShares(decisions)
	assert.Equal(t, []string{"kind", "alb_share", "outcome"}, merged.columns)
	assert.Equal(t, [][]any{{"step", "10 → 25", "applied"}, {"rollback", "10 → 0", "applied"}}, merged.rows)

	other := table{columns: []string{"kind"}, rows: [][]any{{"step"}}}
	assert.Equal(t, other, mergeShares(other))
}

// Without a window end, days_left in the expiring section counts from the
// report's creation time, the clock of the run, not from the database's.
func TestReportExpiringCountsFromGenerated(t *testing.T) {
	db, _ := simulatedDB(t, "healthy", time.Hour, 25, false)
	out := filepath.Join(t.TempDir(), "report")
	generated := scenarioStart.Add(time.Hour)

	code, _, errOut := cutoverAt(t, generated, "report", "--db", db, "--out", out)
	require.Equal(t, exitOK, code, errOut)

	jsonBytes, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	var doc struct {
		Sections []struct {
			ID     string `json:"id"`
			Tables []struct {
				Columns []string   `json:"columns"`
				Rows    [][]string `json:"rows"`
			} `json:"tables"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(jsonBytes, &doc))
	checked := 0
	for _, section := range doc.Sections {
		if section.ID != reports.SectionExpiring {
			continue
		}
		require.NotEmpty(t, section.Tables, "the simulated clients include certificates that expire within 30 days")
		table := section.Tables[0]
		notAfter, daysLeft := slices.Index(table.Columns, "not_after"), slices.Index(table.Columns, "days_left")
		require.True(t, notAfter >= 0 && daysLeft >= 0, "columns %v", table.Columns)
		for _, row := range table.Rows {
			expiry, err := time.Parse(time.RFC3339, row[notAfter])
			require.NoError(t, err)
			days, err := strconv.ParseFloat(row[daysLeft], 64)
			require.NoError(t, err)
			assert.InDelta(t, expiry.Sub(generated).Hours()/24, days, 0.051, "certificate expiring at %s", row[notAfter])
			checked++
		}
	}
	assert.Positive(t, checked)
}
