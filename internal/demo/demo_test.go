package demo

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuoteArgs(t *testing.T) {
	got := quoteArgs([]string{"query", "SELECT * FROM t", "it's", "", "--db", "demo/cutover.duckdb"})
	assert.Equal(t, `query 'SELECT * FROM t' 'it'\''s' '' --db demo/cutover.duckdb`, got)
}

// setEnv restores each variable as it was: set to its old value, or unset.
func TestSetEnvRestores(t *testing.T) {
	t.Setenv("CUTOVER_DEMO_TEST_SET", "before")
	os.Unsetenv("CUTOVER_DEMO_TEST_UNSET")
	restore := setEnv([]string{"CUTOVER_DEMO_TEST_SET=during", "CUTOVER_DEMO_TEST_UNSET=during"})
	assert.Equal(t, "during", os.Getenv("CUTOVER_DEMO_TEST_SET"))
	assert.Equal(t, "during", os.Getenv("CUTOVER_DEMO_TEST_UNSET"))
	restore()
	assert.Equal(t, "before", os.Getenv("CUTOVER_DEMO_TEST_SET"))
	_, set := os.LookupEnv("CUTOVER_DEMO_TEST_UNSET")
	assert.False(t, set)
}

// A command that ends with another exit code than the story expects stops
// the demo with an error that names the command, and the loopback server's
// environment is gone afterwards.
func TestRunStopsOnUnexpectedExitCode(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	var commands []string
	runner := func(_ context.Context, clock func() time.Time, args []string, stdout, _ io.Writer) int {
		commands = append(commands, args[0])
		assert.True(t, strings.HasPrefix(os.Getenv("AWS_ENDPOINT_URL"), "http://127.0.0.1:"))
		assert.Equal(t, "true", os.Getenv("AWS_EC2_METADATA_DISABLED"))
		assert.Equal(t, 9, clock().Hour(), "the first command runs after an hour of traffic")
		return 0
	}
	var out strings.Builder
	_, err := Run(context.Background(), Options{Dir: t.TempDir(), Stdout: &out, Cutover: runner,
		Day: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cutover preflight --listener arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/partner-api/")
	assert.Contains(t, err.Error(), "exit code 0, expected 3")
	assert.Equal(t, []string{"ingest", "ingest", "preflight"}, commands)
	assert.Contains(t, out.String(), "== 09:00  Before moving any traffic")
	assert.Equal(t, "http://127.0.0.1:1", os.Getenv("AWS_ENDPOINT_URL"))
}

func TestFirstSentence(t *testing.T) {
	assert.Equal(t, "The ALB returns 5xx for 0.52 % of requests.", firstSentence("The ALB returns 5xx for 0.52 % of requests. The difference lies between -0.46 pt and +0.65 pt."))
	assert.Equal(t, "no full stop", firstSentence("no full stop"))
}

// The demo empties a folder it wrote before, and rejects one with other
// files, which it leaves as it is.
func TestPrepareDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	require.NoError(t, prepareDir(dir))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cutover.duckdb"), []byte("old"), 0o644))
	require.NoError(t, prepareDir(dir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, markerFile, entries[0].Name())

	other := t.TempDir()
	notes := filepath.Join(other, "notes.txt")
	require.NoError(t, os.WriteFile(notes, []byte("keep"), 0o644))
	err = prepareDir(other)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not empty and was not written by cutover demo")
	_, err = os.Stat(notes)
	assert.NoError(t, err, "the other folder's file stays")
}
