package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
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
