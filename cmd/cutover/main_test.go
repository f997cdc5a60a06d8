package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
	"github.com/cutover-dev/cutover/internal/store"
	"github.com/cutover-dev/cutover/internal/testutil/s3fake"
)

// TestMain lets a test run this binary as the cutover command: with
// CUTOVER_RUN_MAIN set, the binary runs main instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("CUTOVER_RUN_MAIN") != "" {
		main()
		return
	}
	os.Exit(m.Run())
}

// now is the clock the tests pass in.
var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// cutover runs the command in this process and returns its exit code and
// output.
func cutover(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, env{stdout: &stdout, stderr: &stderr, now: func() time.Time { return now }})
	return code, stdout.String(), stderr.String()
}

// queryJSON runs a query through the command and decodes its JSON rows.
func queryJSON(t *testing.T, db, sql string) []map[string]any {
	t.Helper()
	code, out, errOut := cutover(t, "query", "--db", db, "--output", "json", sql)
	require.Equal(t, 0, code, errOut)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rows), out)
	return rows
}

func count(t *testing.T, db, sql string) int {
	t.Helper()
	rows := queryJSON(t, db, sql)
	require.Len(t, rows, 1)
	for _, v := range rows[0] {
		return int(v.(float64))
	}
	return 0
}

// simulate writes two hours of simulated logs and returns their ground truth.
func simulate(t *testing.T, w sim.ObjectWriter) sim.Summary {
	t.Helper()
	cfg := sim.DefaultConfig(time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC))
	cfg.Duration = 2 * time.Hour
	cfg.Clients = 60
	cfg.ALBWeight = 50
	cfg.MalformedRate = 1.0 / 500
	sum, err := sim.Run(context.Background(), cfg, w)
	require.NoError(t, err)
	require.Greater(t, sum.AccessLines, 1000)
	require.Greater(t, sum.MalformedAccess.Total(), 0)
	return sum
}

func TestIngestFolderTwice(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, sim.DirWriter{Root: filepath.Join(dir, "logs")})
	db := filepath.Join(dir, "x.duckdb")

	albLogs := filepath.Join(dir, "logs", "AWSLogs")
	code, out, errOut := cutover(t, "ingest", albLogs, "--db", db, "--output", "json")
	require.Equal(t, 0, code, errOut)
	var sum struct {
		Kinds []struct {
			Kind     string `json:"kind"`
			Loaded   int    `json:"objects_loaded"`
			Rows     int    `json:"rows"`
			Rejected int    `json:"rejected_lines"`
		} `json:"kinds"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sum))
	byKind := map[string]int{}
	for _, k := range sum.Kinds {
		byKind[k.Kind] = k.Loaded
	}
	assert.Equal(t, truth.AccessObjects, byKind["alb_access"])
	assert.Equal(t, truth.ConnectionObjects, byKind["alb_connection"])
	assert.Equal(t, 1, byKind["control"])

	// Every line is a row or a rejected line.
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(*) FROM alb_access"))
	assert.Equal(t, truth.ConnectionLines, count(t, db, "SELECT count(*) FROM alb_connection"))
	assert.Equal(t, truth.MalformedAccess.Total()+truth.MalformedConnection.Total(),
		count(t, db, "SELECT count(*) FROM rejected_lines"))
	assert.Equal(t, truth.ConnectionsByStatus["Success"],
		count(t, db, "SELECT count(*) FROM alb_connection WHERE tls_verify_status = 'Success'"))
	assert.Equal(t, truth.ConnectionsByStatus["Failed:ClientCertUntrusted"],
		count(t, db, "SELECT count(*) FROM alb_connection WHERE tls_verify_status = 'Failed:ClientCertUntrusted'"))

	// The parsed values are there, not just the rows.
	rows := queryJSON(t, db, `SELECT type, elb, ssl_protocol, conn_trace_id, source_uri, source_line
		FROM alb_access ORDER BY time LIMIT 1`)
	require.Len(t, rows, 1)
	assert.Contains(t, []any{"https", "h2"}, rows[0]["type"])
	assert.Equal(t, "app/partner-api/3f2b8c1d9e4a7b60", rows[0]["elb"])
	assert.Regexp(t, `^TID_[0-9a-f]{32}$`, rows[0]["conn_trace_id"])
	assert.Contains(t, rows[0]["source_uri"], "_app.partner-api.3f2b8c1d9e4a7b60_")

	// A second ingest of the same folder adds nothing.
	code, out, errOut = cutover(t, "ingest", albLogs, "--db", db)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `(?m)^total\s+0\s+\d+\s+0\s+0\s+0\s+0\s+0\s+0\s*$`, out)
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(*) FROM alb_access"))
	assert.Equal(t, truth.ConnectionLines, count(t, db, "SELECT count(*) FROM alb_connection"))
}

func TestIngestSimulatedTerminatorLogs(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, sim.DirWriter{Root: filepath.Join(dir, "logs")})
	db := filepath.Join(dir, "x.duckdb")
	code, _, errOut := cutover(t, "ingest", "--terminator", "nginx", filepath.Join(dir, "logs", "terminators"), "--db", db)
	require.Equal(t, 0, code, errOut)

	require.Len(t, truth.Terminators, 3)
	for _, term := range truth.Terminators {
		where := " FROM terminator_tls WHERE instance = '" + term.InstanceID + "'"
		assert.Equal(t, term.AccessLines, count(t, db, "SELECT count(*)"+where+" AND log = 'access'"), term.InstanceID)
		assert.Equal(t, term.ErrorLines, count(t, db, "SELECT count(*)"+where+" AND log = 'error'"), term.InstanceID)
		assert.Equal(t, "nlb", queryJSON(t, db, "SELECT DISTINCT path"+where)[0]["path"])
	}
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM rejected_lines"))
}

func TestHandshakesMatchSimulatorTruth(t *testing.T) {
	dir := t.TempDir()
	cfg := sim.DefaultConfig(time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC))
	cfg.Duration = 30 * time.Minute
	cfg.Clients = 60
	cfg.ALBWeight = 50
	truth, err := sim.Run(context.Background(), cfg, sim.DirWriter{Root: filepath.Join(dir, "logs")})
	require.NoError(t, err)
	db := filepath.Join(dir, "x.duckdb")

	code, _, errOut := cutover(t, "ingest", filepath.Join(dir, "logs", "AWSLogs"), "--db", db)
	require.Equal(t, 0, code, errOut)
	args := []string{"ingest", "--terminator", "nginx", filepath.Join(dir, "logs", "terminators"), "--db", db}
	for _, subnet := range cfg.NLBSubnets {
		args = append(args, "--health-check-cidr", subnet)
	}
	code, _, errOut = cutover(t, args...)
	require.Equal(t, 0, code, errOut)

	want := map[string]int{}
	for status, n := range truth.ConnectionsByStatus {
		// The simulator writes certificate fields on every line except
		// those of clients that sent no certificate.
		hasCert := status != outcome.ALBUnmappedConnectionError
		want["alb "+string(outcome.FromALB(status, hasCert))] += n
	}
	for _, term := range truth.Terminators {
		for word, n := range term.ConnectionsByOutcome {
			want["nlb "+word] += n
		}
	}
	got := map[string]int{}
	for _, row := range queryJSON(t, db, "SELECT path, coalesce(outcome, 'NULL') AS outcome, count(*) AS n FROM tls_handshakes GROUP BY ALL") {
		got[row["path"].(string)+" "+row["outcome"].(string)] = int(row["n"].(float64))
	}
	assert.Equal(t, want, got)

	healthChecks := 0
	for _, term := range truth.Terminators {
		healthChecks += term.HealthChecks
	}
	assert.Equal(t, healthChecks, count(t, db, "SELECT count(*) FROM terminator_tls WHERE health_check"))
}

func TestReparseReloadsOlderParserObjects(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, sim.DirWriter{Root: filepath.Join(dir, "logs")})
	db := filepath.Join(dir, "x.duckdb")
	code, _, errOut := cutover(t, "ingest", filepath.Join(dir, "logs"), "--db", db)
	require.Equal(t, 0, code, errOut)

	// Pretend an older parser loaded the access logs.
	execSQL(t, db, "UPDATE objects SET parser_version = 0 WHERE kind = 'alb_access'")
	code, out, _ := cutover(t, "ingest", filepath.Join(dir, "logs"), "--db", db)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "--reparse reloads them")
	assert.Equal(t, truth.AccessObjects, count(t, db, "SELECT count(*) FROM objects WHERE parser_version = 0"))

	code, _, errOut = cutover(t, "ingest", filepath.Join(dir, "logs"), "--db", db, "--reparse")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM objects WHERE parser_version = 0"))
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(*) FROM alb_access"))
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(DISTINCT (source_uri, source_line)) FROM alb_access"))
	assert.Equal(t, truth.MalformedAccess.Total()+truth.MalformedConnection.Total(),
		count(t, db, "SELECT count(*) FROM rejected_lines"))
}

// execSQL changes the database directly, as no cutover command does.
func execSQL(t *testing.T, path, sql string) {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{Path: path})
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Query(context.Background(), sql)
	require.NoError(t, err)
}

// s3Writer puts simulated objects into a fake S3 bucket.
type s3Writer struct {
	client *s3.Client
	bucket string
}

func (w s3Writer) WriteObject(ctx context.Context, key string, body []byte) error {
	_, err := w.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(key),
		Body: bytes.NewReader(body)})
	return err
}

// useFakeS3 points the SDK's standard configuration at srv, with static
// credentials and no instance metadata.
func useFakeS3(t *testing.T, srv *s3fake.Server) {
	t.Setenv("AWS_ACCESS_KEY_ID", s3fake.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3fake.SecretAccessKey)
	t.Setenv("AWS_REGION", s3fake.Region)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

func TestIngestS3(t *testing.T) {
	srv := s3fake.Start(t)
	srv.CreateBucket(t, "logs")
	truth := simulate(t, s3Writer{client: srv.Client, bucket: "logs"})
	useFakeS3(t, srv)
	db := filepath.Join(t.TempDir(), "x.duckdb")

	code, _, errOut := cutover(t, "ingest", "s3://logs/AWSLogs/", "--db", db)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(*) FROM alb_access"))
	assert.Equal(t, truth.ConnectionLines, count(t, db, "SELECT count(*) FROM alb_connection"))
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM alb_access WHERE source_uri NOT LIKE 's3://logs/AWSLogs/%'"))

	// The window selects objects by the interval end in their names.
	db2 := filepath.Join(t.TempDir(), "window.duckdb")
	code, _, errOut = cutover(t, "ingest", "s3://logs/", "--db", db2,
		"--from", "2026-12-03T14:00:00Z", "--to", "2026-12-03T14:30:00Z")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 0, count(t, db2, `SELECT count(*) FROM objects WHERE kind = 'alb_access'
		AND (interval_end < TIMESTAMPTZ '2026-12-03 14:00:00Z' OR interval_end >= TIMESTAMPTZ '2026-12-03 14:35:00Z')`))
	assert.Greater(t, count(t, db2, "SELECT count(*) FROM objects WHERE kind = 'alb_access'"), 0)

	// --endpoint-url wins over the environment.
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	db3 := filepath.Join(t.TempDir(), "flag.duckdb")
	code, _, errOut = cutover(t, "ingest", "s3://logs/AWSLogs/", "--db", db3, "--endpoint-url", srv.URL)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, truth.AccessLines, count(t, db3, "SELECT count(*) FROM alb_access"))
}

func TestIngestCorruptObject(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, sim.DirWriter{Root: filepath.Join(dir, "logs")})
	var victim string
	filepath.WalkDir(filepath.Join(dir, "logs"), func(path string, d os.DirEntry, err error) error {
		if victim == "" && strings.HasSuffix(path, ".log.gz") && !strings.Contains(path, "conn_log") {
			victim = path
		}
		return nil
	})
	good, err := os.ReadFile(victim)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(victim, good[:len(good)/2], 0o644))
	db := filepath.Join(dir, "x.duckdb")

	code, out, errOut := cutover(t, "ingest", filepath.Join(dir, "logs"), "--db", db)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, "objects not loaded: 1 (listed above)")
	assert.Contains(t, out, "failed: inflate gzip object "+victim+": ")
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM objects WHERE uri = '"+victim+"'"))
	loadedBefore := count(t, db, "SELECT count(*) FROM alb_access")
	assert.Less(t, loadedBefore, truth.AccessLines)

	// Once the object is whole again, the next run loads it and only it.
	require.NoError(t, os.WriteFile(victim, good, 0o644))
	code, out, errOut = cutover(t, "ingest", filepath.Join(dir, "logs"), "--db", db)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `(?m)^alb_access\s+1\s`, out)
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(*) FROM alb_access"))
}

// TestIngestKilledMidObject kills an ingest while it is inside a large
// object whose first rows already reached the database, and checks that a
// rerun ends with exactly the rows of a clean run.
func TestIngestKilledMidObject(t *testing.T) {
	srv := s3fake.Start(t)
	srv.CreateBucket(t, "logs")
	cfg := sim.DefaultConfig(time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC))
	cfg.Duration = 10 * time.Minute
	cfg.ALBWeight = 100
	cfg.RateScale = 80
	cfg.MaxLinesPerObject = 1 << 30
	var big string
	var bigSize int
	var keys []string
	collect := writerFunc(func(ctx context.Context, key string, body []byte) error {
		if !strings.HasPrefix(key, sim.TerminatorKeyPrefix) {
			keys = append(keys, key) // the ELB objects, which ingest records
		}
		if len(body) > bigSize && !strings.Contains(key, "conn_log") {
			big, bigSize = key, len(body)
		}
		return s3Writer{client: srv.Client, bucket: "logs"}.WriteObject(ctx, key, body)
	})
	truth, err := sim.Run(context.Background(), cfg, collect)
	require.NoError(t, err)
	useFakeS3(t, srv)
	db := filepath.Join(t.TempDir(), "x.duckdb")

	// Stall the largest object at 90 percent of its bytes. It has more lines
	// than the store's chunk of 122,880 rows, so it loads in a transaction of
	// its own, and its first chunk reaches the database before the kill.
	reached, release := srv.Stall("logs", big, bigSize*9/10)
	defer release()
	cmd := exec.Command(os.Args[0], "ingest", "s3://logs/", "--db", db, "--concurrency", "1", "-q")
	cmd.Env = append(os.Environ(), "CUTOVER_RUN_MAIN=1")
	require.NoError(t, cmd.Start())
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the ingest never reached the middle of the large object")
	}
	time.Sleep(2 * time.Second) // let the first chunks of the object reach DuckDB
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()
	release()

	code, _, errOut := cutover(t, "ingest", "s3://logs/", "--db", db)
	require.Equal(t, 0, code, errOut)
	// TODO: one run in about 30, on a loaded machine and with smaller
	// objects that all went through group commits, counted 212,036 more
	// alb_access rows than lines, each extra row a copy of another with the
	// same object and line, while the manifest had each object once. The cause is not found. A commit or checkpoint
	// that the kill cut short, replayed on open, would explain it.
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(*) FROM alb_access"))
	assert.Equal(t, truth.AccessLines, count(t, db, "SELECT count(DISTINCT (source_uri, source_line)) FROM alb_access"))
	assert.Equal(t, truth.ConnectionLines, count(t, db, "SELECT count(*) FROM alb_connection"))
	assert.Equal(t, len(keys), count(t, db, "SELECT count(*) FROM objects"))
	assert.Greater(t, count(t, db, "SELECT rows FROM objects WHERE uri = 's3://logs/"+big+"'"), 122_880)
}

type writerFunc func(ctx context.Context, key string, body []byte) error

func (f writerFunc) WriteObject(ctx context.Context, key string, body []byte) error {
	return f(ctx, key, body)
}

func TestQuery(t *testing.T) {
	dir := t.TempDir()
	simulate(t, sim.DirWriter{Root: filepath.Join(dir, "logs")})
	db := filepath.Join(dir, "x.duckdb")
	code, _, errOut := cutover(t, "ingest", filepath.Join(dir, "logs"), "--db", db)
	require.Equal(t, 0, code, errOut)

	for _, name := range []string{"verify_status_by_hour", "handshake_latency", "request_latency_by_target_group",
		"top_failing_subjects", "ingest_status", "rejected_reasons"} {
		t.Run(name, func(t *testing.T) {
			rows := queryJSON(t, db, name)
			assert.NotEmpty(t, rows)
		})
	}

	code, out, _ := cutover(t, "query", "--db", db, "--output", "csv",
		"SELECT tls_verify_status, count(*) AS n FROM alb_connection WHERE tls_verify_status = 'Success' GROUP BY 1")
	require.Equal(t, 0, code)
	assert.Regexp(t, `^tls_verify_status,n\nSuccess,\d+\n$`, out)

	code, out, _ = cutover(t, "query", "--db", db, "--list")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "top_failing_subjects")

	// The window flags reach the windowed named queries: the simulation's
	// two hours split into two windows add up to the whole.
	total := 0
	for _, window := range [][]string{
		{"--from", "2026-12-03T13:00:00Z", "--to", "2026-12-03T14:00:00Z"},
		{"--from", "2026-12-03T14:00:00Z", "--to", "2026-12-03T15:00:00Z"},
	} {
		code, out, errOut := cutover(t, append([]string{"query", "client_handshakes", "--db", db, "--output", "json"}, window...)...)
		require.Equal(t, 0, code, errOut)
		var rows []map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &rows))
		part := 0
		for _, r := range rows {
			part += int(r["connections"].(float64))
		}
		assert.Positive(t, part)
		total += part
	}
	assert.Equal(t, count(t, db, "SELECT count(*) FROM tls_handshakes"), total)

	// A query cannot change the database.
	code, _, errOut = cutover(t, "query", "--db", db, "DELETE FROM alb_access")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, "read-only")
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown command", args: []string{"ingets"}, want: "unknown command"},
		{name: "ingest without source", args: []string{"ingest"}, want: "ingest needs at least one SOURCE"},
		{name: "unknown flag", args: []string{"ingest", ".", "--sinse", "2h"}, want: "unknown flag: --sinse"},
		{name: "bad since", args: []string{"ingest", ".", "--since", "yesterday"}, want: `invalid --since "yesterday"`},
		{name: "since and from", args: []string{"ingest", ".", "--since", "2h", "--from", "2026-12-01"}, want: "use one"},
		{name: "from after to", args: []string{"ingest", ".", "--from", "2026-12-03", "--to", "2026-12-02"}, want: "is not before its end"},
		{name: "bad output", args: []string{"query", "--output", "xml", "SELECT 1"}, want: `invalid --output "xml"`},
		{name: "unknown query", args: []string{"query", "no_such_query"}, want: `no named query "no_such_query"`},
		{name: "simulate without out", args: []string{"simulate"}, want: "--out is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cutover(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
}

func TestIngestEmptyWindowWarns(t *testing.T) {
	dir := t.TempDir()
	simulate(t, sim.DirWriter{Root: filepath.Join(dir, "logs")})
	db := filepath.Join(dir, "x.duckdb")
	code, out, errOut := cutover(t, "ingest", filepath.Join(dir, "logs"), "--db", db, "--since", "2h")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "no ALB log object has an interval ending in the window")
	assert.Regexp(t, `(?m)^alb_access\s+0\s+0\s`, out)
}

func TestQueryMissingDatabase(t *testing.T) {
	code, _, errOut := cutover(t, "query", "--db", filepath.Join(t.TempDir(), "none.duckdb"), "SELECT 1")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, "does not exist: create it with cutover ingest")
}

// writeGzipLines writes the lines, each ended by "\n", as a gzip object at
// key under root.
func writeGzipLines(t *testing.T, root, key string, lines []string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(key))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, line := range lines {
		_, err := zw.Write([]byte(line + "\n"))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// readLines returns the lines of a text file.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimRight(string(text), "\n"), "\n")
}

func TestIngestALBAndNLBObjects(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	day := "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2020/04/01/"
	albLines := readLines(t, "../../ingest/albaccess/testdata/peers/aws-docs-examples.log")
	writeGzipLines(t, logs,
		day+"123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20200401T0855Z_10.0.0.1_2b3c4d5e.log.gz",
		albLines[:1])
	nlbKey := day + "123456789012_elasticloadbalancing_us-east-2_net.my-network-loadbalancer.c6e77e28c25b2234_20200401T0855Z_5f6b2c1a.log.gz"
	// The two lines of the AWS documentation's NLB examples: the first
	// without the ALPN fields, the second with them.
	writeGzipLines(t, logs, nlbKey, readLines(t, "../../ingest/nlbtls/testdata/peers/aws-docs-examples.log"))
	db := filepath.Join(dir, "x.duckdb")

	code, out, errOut := cutover(t, "ingest", logs, "--db", db)

	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `(?m)^alb_access\s+1\s+0\s+0\s+0\s+0\s+1\s+0\s+0\s*$`, out)
	assert.Regexp(t, `(?m)^nlb\s+1\s+0\s+0\s+0\s+0\s+2\s+0\s+0\s*$`, out)
	assert.NotContains(t, out, "skipped nlb objects")
	assert.Equal(t, 1, count(t, db, "SELECT count(*) FROM alb_access"))
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM rejected_lines"))

	rows := queryJSON(t, db, `SELECT client_ip, destination_port, tls_handshake_time_ms, alpn_client_preference_list,
		strftime(time AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS time_utc, source_uri, source_line
		FROM nlb_tls ORDER BY source_line`)
	require.Len(t, rows, 2)
	assert.Equal(t, "72.21.218.154", rows[0]["client_ip"])
	assert.Equal(t, float64(443), rows[0]["destination_port"])
	assert.Equal(t, float64(2), rows[0]["tls_handshake_time_ms"])
	assert.Nil(t, rows[0]["alpn_client_preference_list"])
	assert.Equal(t, "2018-12-20T02:59:40Z", rows[0]["time_utc"])
	assert.Equal(t, filepath.Join(logs, filepath.FromSlash(nlbKey)), rows[0]["source_uri"])
	assert.Equal(t, float64(1), rows[0]["source_line"])
	assert.Equal(t, `"h2","http/1.1"`, rows[1]["alpn_client_preference_list"])
	assert.Equal(t, "2020-04-01T08:51:42Z", rows[1]["time_utc"])
	assert.Equal(t, float64(2), rows[1]["source_line"])

	rows = queryJSON(t, db, "SELECT kind, load_balancer, parser_version FROM objects WHERE kind = 'nlb'")
	require.Len(t, rows, 1)
	assert.Equal(t, "my-network-loadbalancer.c6e77e28c25b2234", rows[0]["load_balancer"])
	assert.Equal(t, float64(1), rows[0]["parser_version"])
}

// TestIngestNginxTerminatorLogs loads the nginx parser's sample logs, which
// an instance in Europe/Berlin wrote, as the logs of instance web-1.
func TestIngestNginxTerminatorLogs(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	for _, name := range []string{"access.log", "error.log"} {
		body, err := os.ReadFile(filepath.Join("../../ingest/nginx/testdata", name))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(logs, "web-1"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(logs, "web-1", name), body, 0o644))
	}
	db := filepath.Join(dir, "x.duckdb")

	code, out, errOut := cutover(t, "ingest", logs, "--db", db, "--terminator", "nginx", "--log-timezone", "Europe/Berlin")

	require.Equal(t, 0, code, errOut)
	// access.log: 11 records and 1 rejected line. error.log: 11 records, 1
	// rejected line and 6 lines unrelated to TLS.
	assert.Regexp(t, `(?m)^terminator_nginx\s+2\s+0\s+0\s+0\s+0\s+22\s+2\s+6\s*$`, out)
	rows := queryJSON(t, db, `SELECT log, coalesce(outcome, 'NULL') AS outcome, count(*) AS n FROM terminator_tls
		WHERE instance = 'web-1' AND path = 'nlb' GROUP BY ALL ORDER BY log, outcome`)
	assert.Equal(t, []map[string]any{
		{"log": "access", "outcome": "NULL", "n": float64(1)},
		{"log": "access", "outcome": "expired", "n": float64(1)},
		{"log": "access", "outcome": "no_cert", "n": float64(2)},
		{"log": "access", "outcome": "ok", "n": float64(6)},
		{"log": "access", "outcome": "untrusted", "n": float64(1)},
		{"log": "error", "outcome": "expired", "n": float64(1)},
		{"log": "error", "outcome": "handshake_error", "n": float64(6)},
		{"log": "error", "outcome": "incompatible", "n": float64(2)},
		{"log": "error", "outcome": "no_cert", "n": float64(1)},
		{"log": "error", "outcome": "untrusted", "n": float64(1)},
	}, rows)
	assert.Equal(t, 2, count(t, db, "SELECT count(*) FROM rejected_lines"))
	assert.Equal(t, 6, count(t, db, "SELECT sum(skipped_lines) FROM objects WHERE kind = 'terminator_nginx'"))

	// The error log's four rejected requests are the access log's lines 3, 5,
	// 7 and 8, which only the Berlin time zone puts within 2 seconds.
	code, out, errOut = cutover(t, "query", "--db", db, "--output", "csv", "terminator_outcomes")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "instance,path,outcome,events\n"+
		"web-1,nlb,expired,1\n"+
		"web-1,nlb,handshake_error,6\n"+
		"web-1,nlb,incompatible,2\n"+
		"web-1,nlb,no_cert,1\n"+ // the ELB-HealthChecker request is left out
		"web-1,nlb,ok,6\n"+
		"web-1,nlb,untrusted,1\n", out)
}

func TestIngestTerminatorFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--terminator", "apache"}, `invalid --terminator "apache"`},
		{[]string{"--terminator", "nginx", "--path", "gwlb"}, `invalid --path "gwlb"`},
		{[]string{"--terminator", "nginx", "--log-timezone", "Mars/Olympus"}, `invalid --log-timezone "Mars/Olympus"`},
		{[]string{"--instance", "web-1"}, "--instance applies only to --terminator logs"},
		{[]string{"--terminator", "nginx", "--health-check-cidr", "10.0.21.0"}, `invalid --health-check-cidr "10.0.21.0"`},
		{[]string{"--health-check-cidr", "10.0.21.0/24"}, "--health-check-cidr applies only to --terminator logs"},
		{[]string{"--terminator", "nginx", "--alb-node-cidr", "alb"}, `invalid --alb-node-cidr "alb"`},
		{[]string{"--alb-node-cidr", "10.0.1.0/24"}, "--alb-node-cidr applies only to --terminator logs"},
	} {
		args := append([]string{"ingest", dir, "--db", filepath.Join(dir, "x.duckdb")}, tc.args...)
		code, _, errOut := cutover(t, args...)
		assert.Equal(t, 2, code, "%v", tc.args)
		assert.Contains(t, errOut, tc.want)
	}
}

// cutoverAt runs the command in this process with the clock at clock, and
// returns its exit code and output.
func cutoverAt(t *testing.T, clock time.Time, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, env{stdout: &stdout, stderr: &stderr, now: func() time.Time { return clock }})
	return code, stdout.String(), stderr.String()
}

// simLogEvent is a terminator's log line that the simulator wrote as a
// CloudWatch Logs event.
type simLogEvent struct {
	group, stream string
	time          time.Time
	message       string
}

// logEventCollector keeps the simulator's log events and drops its
// objects.
type logEventCollector struct {
	events []simLogEvent
}

func (c *logEventCollector) WriteObject(context.Context, string, []byte) error { return nil }

func (c *logEventCollector) WriteLogEvent(_ context.Context, group, stream string, at time.Time, message string) error {
	c.events = append(c.events, simLogEvent{group: group, stream: stream, time: at, message: message})
	return nil
}

// ingestSummary returns the objects loaded and already loaded of kind
// terminator_nginx from the JSON output of ingest.
func ingestSummary(t *testing.T, out string) (loaded, alreadyLoaded int) {
	t.Helper()
	var sum struct {
		Kinds []struct {
			Kind          string `json:"kind"`
			Loaded        int    `json:"objects_loaded"`
			AlreadyLoaded int    `json:"objects_already_loaded"`
		} `json:"kinds"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sum), out)
	for _, k := range sum.Kinds {
		if k.Kind == "terminator_nginx" {
			return k.Loaded, k.AlreadyLoaded
		}
	}
	t.Fatalf("no terminator_nginx in %s", out)
	return 0, 0
}

func TestIngestCloudWatchLogs(t *testing.T) {
	srv := useLoopbackAWS(t, loopback.Options{})

	// Two hours of the three terminators' nginx logs, from 13:00, as
	// CloudWatch Logs events, one stream per instance.
	cfg := sim.DefaultConfig(time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC))
	cfg.Duration = 2 * time.Hour
	cfg.Clients = 60
	cfg.ALBWeight = 50
	cfg.TerminatorLogEvents = true
	var collector logEventCollector
	truth, err := sim.Run(context.Background(), cfg, &collector)
	require.NoError(t, err)
	require.Len(t, truth.Terminators, 3)
	accessGroup, errorGroup := cfg.TerminatorAccessLogGroup(), cfg.TerminatorErrorLogGroup()
	require.Equal(t, "/cutover-sim/nginx/access", accessGroup)

	// put stores the events that keep selects, each ingested two seconds
	// after it was written, and returns how many access-log events it
	// stored.
	put := func(keep func(time.Time) bool) int {
		access := 0
		for _, e := range collector.events {
			if !keep(e.time) {
				continue
			}
			srv.Logs.PutEvents(e.group, e.stream, loopback.LogEvent{Time: e.time, Message: e.message, IngestionTime: e.time.Add(2 * time.Second)})
			if e.group == accessGroup {
				access++
			}
		}
		return access
	}
	split := time.Date(2026, 12, 3, 14, 20, 0, 0, time.UTC)
	accessEvents := put(func(at time.Time) bool { return at.Before(split) })
	require.Greater(t, accessEvents, 100)

	db := filepath.Join(t.TempDir(), "x.duckdb")
	args := []string{"ingest", "--terminator", "nginx", "cwlogs://" + accessGroup, "cwlogs://" + errorGroup,
		"--from", "2026-12-03T13:00:00Z", "--db", db, "--output", "json"}
	accessRows := "SELECT count(*) FROM terminator_tls WHERE log = 'access'"
	duplicates := "SELECT count(*) - count(DISTINCT (source_uri, source_line)) FROM terminator_tls"

	// At 14:25 the slice from 13:00 of each of the 6 streams is closed and
	// the one from 14:00 is open.
	code, out, errOut := cutoverAt(t, split.Add(5*time.Minute), args...)
	require.Equal(t, 0, code, errOut)
	loaded, already := ingestSummary(t, out)
	assert.Equal(t, []int{12, 0}, []int{loaded, already})
	assert.Equal(t, accessEvents, count(t, db, accessRows))

	// The rest of the events arrive. At 15:05 the slices from 14:00 are
	// read again because their streams received events, and those from
	// 15:00 for the first time.
	accessEvents += put(func(at time.Time) bool { return !at.Before(split) })
	code, out, errOut = cutoverAt(t, time.Date(2026, 12, 3, 15, 5, 0, 0, time.UTC), args...)
	require.Equal(t, 0, code, errOut)
	loaded, already = ingestSummary(t, out)
	assert.Equal(t, []int{12, 6}, []int{loaded, already})
	assert.Equal(t, accessEvents, count(t, db, accessRows))
	assert.Equal(t, 0, count(t, db, duplicates))

	// At 15:20 the slices from 14:00 have closed and are read once more.
	// Those from 15:00 are open, and their streams received nothing since.
	closing := time.Date(2026, 12, 3, 15, 20, 0, 0, time.UTC)
	code, out, errOut = cutoverAt(t, closing, args...)
	require.Equal(t, 0, code, errOut)
	loaded, already = ingestSummary(t, out)
	assert.Equal(t, []int{6, 12}, []int{loaded, already})

	// A run at the same time loads nothing.
	code, out, errOut = cutoverAt(t, closing, args...)
	require.Equal(t, 0, code, errOut)
	loaded, already = ingestSummary(t, out)
	assert.Equal(t, []int{0, 18}, []int{loaded, already})

	// Every line is in the table once, under its instance and log.
	for _, term := range truth.Terminators {
		where := " FROM terminator_tls WHERE instance = '" + term.InstanceID + "'"
		assert.Equal(t, term.AccessLines, count(t, db, "SELECT count(*)"+where+" AND log = 'access'"), term.InstanceID)
		assert.Equal(t, term.ErrorLines, count(t, db, "SELECT count(*)"+where+" AND log = 'error'"), term.InstanceID)
	}
	assert.Equal(t, 0, count(t, db, duplicates))
	assert.Equal(t, 0, count(t, db, "SELECT count(*) FROM rejected_lines"))

	// The manifest records each slice's stream and last event.
	instance := truth.Terminators[0].InstanceID
	sliceStart := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	var lastEvent time.Time
	for _, e := range collector.events {
		if e.group == accessGroup && e.stream == instance && !e.time.Before(sliceStart) && e.time.Before(sliceStart.Add(time.Hour)) {
			lastEvent = e.time
		}
	}
	rows := queryJSON(t, db, `SELECT etag, log_stream, last_event_id IS NOT NULL AS has_event_id,
		strftime(last_event_time AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') AS last_event_time,
		strftime(interval_end AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS interval_end
		FROM objects WHERE uri = 'cwlogs://`+accessGroup+"/"+instance+`@2026-12-03T14:00:00Z'`)
	require.Len(t, rows, 1)
	assert.Equal(t, map[string]any{
		"etag": "closed", "log_stream": instance, "has_event_id": true,
		"last_event_time": lastEvent.Format("2006-01-02T15:04:05.000"), "interval_end": "2026-12-03T15:00:00",
	}, rows[0])

	// A cwlogs:// SOURCE needs --terminator, and the group must exist.
	code, _, errOut = cutoverAt(t, closing, "ingest", "cwlogs://"+accessGroup, "--db", db)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "pass --terminator nginx, envoy or haproxy")
	code, _, errOut = cutoverAt(t, closing, "ingest", "--terminator", "nginx", "cwlogs:///cutover-sim/haproxy", "--db", db)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, "open cwlogs:///cutover-sim/haproxy: log group not found")

	// A cwlogs:// SOURCE without a group is a usage error.
	code, _, errOut = cutoverAt(t, closing, "ingest", "--terminator", "nginx", "cwlogs://", "--db", db)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "the log group name is missing")
}
