package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/nlbtls"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.duckdb")
	db, err := Open(context.Background(), Options{Path: path})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// load writes one object through a writer of its own and returns what Commit
// reported.
func load(t *testing.T, db *DB, obj Object, replace bool, fill func(ctx context.Context, l *Load)) (LoadedObject, error) {
	t.Helper()
	ctx := context.Background()
	w := db.NewWriter(ctx)
	l := w.Begin(obj, replace)
	fill(ctx, l)
	var res LoadedObject
	var err error
	l.Commit(ctx, func(o LoadedObject, e error) { res, err = o, e })
	w.Close()
	return res, err
}

func sampleAccess() albaccess.Record {
	return albaccess.Record{
		Type:                   "https",
		Time:                   time.Date(2026, 12, 3, 10, 4, 59, 123456000, time.UTC),
		ELB:                    "app/shop/50dc6c495c0c9188",
		ClientIP:               "2001:db8::7",
		ClientPort:             sql.NullInt32{Int32: 50718, Valid: true},
		TargetPort:             sql.NullInt32{},
		TargetProcessingTime:   sql.NullFloat64{Float64: 0.048, Valid: true},
		ELBStatusCode:          sql.NullInt32{Int32: 502, Valid: true},
		ReceivedBytes:          sql.NullInt64{Int64: 34, Valid: true},
		RequestURL:             sql.NullString{String: "https://shop.example.com:443/a b", Valid: true},
		MatchedRulePriority:    sql.NullInt32{Int32: -1, Valid: true},
		RequestCreationTime:    sql.NullTime{Time: time.Date(2026, 12, 3, 10, 4, 59, 100000000, time.UTC), Valid: true},
		ConnTraceID:            sql.NullString{String: "TID_1c2b3a4d5e6f708192a3b4c5d6e7f809", Valid: true},
		Extra:                  "10.0.3.7",
		RequestTransformStatus: sql.NullString{},
	}
}

func sampleConnection() albconn.Record {
	return albconn.Record{
		Time:                       time.Date(2026, 12, 3, 10, 4, 58, 5000, time.UTC),
		ClientIP:                   "203.0.113.9",
		ClientPort:                 sql.NullInt32{Int32: 36280, Valid: true},
		ListenerPort:               sql.NullInt32{Int32: 443, Valid: true},
		TLSProtocol:                sql.NullString{String: "TLSv1.3", Valid: true},
		LeafClientCertSubject:      sql.NullString{String: "CN=pos-17,O=Shops Ltd,C=GB", Valid: true},
		CertNotAfter:               sql.NullTime{Time: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Valid: true},
		LeafClientCertSerialNumber: sql.NullString{String: "FEF257372D5C14D4", Valid: true},
		TLSVerifyStatus:            sql.NullString{String: "Failed:ClientCertUntrusted", Valid: true},
	}
}

func TestOpenCreatesSchema(t *testing.T) {
	db, path := openTemp(t)
	res, err := db.Query(context.Background(), "SELECT max(version) FROM schema_version")
	require.NoError(t, err)
	assert.Equal(t, int32(SchemaVersion), res.Rows[0][0])
	require.NoError(t, db.Close())

	// A second open finds the schema and applies nothing twice.
	db2, err := Open(context.Background(), Options{Path: path})
	require.NoError(t, err)
	defer db2.Close()
	res, err = db2.Query(context.Background(), "SELECT count(*) FROM schema_version")
	require.NoError(t, err)
	assert.Equal(t, int64(SchemaVersion), res.Rows[0][0])
}

func TestOpenReadOnlyMissingFile(t *testing.T) {
	_, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "none.duckdb"), ReadOnly: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "none.duckdb does not exist")
}

func TestOpenNewerSchema(t *testing.T) {
	db, path := openTemp(t)
	_, err := db.sql.Exec("INSERT INTO schema_version VALUES (99, now())")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = Open(context.Background(), Options{Path: path})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "schema version 99, newer than this cutover's")
}

func TestLoadCommitsRowsAndManifest(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	end := time.Date(2026, 12, 3, 10, 5, 0, 0, time.UTC)
	obj := Object{URI: "s3://logs/a.log.gz", ETag: "abc", Size: 1234, Kind: "alb_access", ParserVersion: 1,
		IntervalEnd: end, LoadBalancer: "shop.50dc6c495c0c9188", Node: "10.0.3.7"}
	rec := sampleAccess()
	done, err := load(t, db, obj, false, func(ctx context.Context, l *Load) {
		require.NoError(t, l.Access(ctx, &rec, 1))
		require.NoError(t, l.Reject(ctx, 2, "field 2 (time): invalid value", strings.Repeat("é", 600)))
		require.NoError(t, l.Access(ctx, &rec, 3))
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), done.Rows)
	assert.Equal(t, int64(1), done.Rejected)

	res, err := db.Query(ctx, `SELECT type, time, client_ip, client_port, target_ip, target_port, target_processing_time,
		elb_status_code, request_url, matched_rule_priority, request_creation_time, conn_trace_id, extra_fields,
		request_transform_status, source_uri, source_line FROM alb_access ORDER BY source_line`)
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)
	row := res.Rows[0]
	assert.Equal(t, "https", row[0])
	assert.Equal(t, rec.Time, row[1].(time.Time).UTC())
	assert.Equal(t, "2001:db8::7", row[2])
	assert.Equal(t, int32(50718), row[3])
	assert.Nil(t, row[4])
	assert.Nil(t, row[5])
	assert.Equal(t, 0.048, row[6])
	assert.Equal(t, int32(502), row[7])
	assert.Equal(t, "https://shop.example.com:443/a b", row[8])
	assert.Equal(t, int32(-1), row[9])
	assert.Equal(t, rec.RequestCreationTime.Time, row[10].(time.Time).UTC())
	assert.Equal(t, "TID_1c2b3a4d5e6f708192a3b4c5d6e7f809", row[11])
	assert.Equal(t, "10.0.3.7", row[12])
	assert.Nil(t, row[13])
	assert.Equal(t, "s3://logs/a.log.gz", row[14])
	assert.Equal(t, int32(1), row[15])
	assert.Equal(t, int32(3), res.Rows[1][15])

	res, err = db.Query(ctx, "SELECT uri, line, reason, octet_length(encode(raw)) FROM rejected_lines")
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	assert.Equal(t, []any{"s3://logs/a.log.gz", int32(2), "field 2 (time): invalid value", int64(1024)}, res.Rows[0])

	objs, err := db.Objects(ctx)
	require.NoError(t, err)
	got := objs["s3://logs/a.log.gz"]
	assert.Equal(t, obj, got.Object)
	assert.Equal(t, int64(2), got.Rows)
	assert.Equal(t, int64(1), got.Rejected)
}

func TestLoadConnection(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	rec := sampleConnection()
	_, err := load(t, db, Object{URI: "/logs/conn.log", ETag: "sha256:00", Kind: "alb_connection", ParserVersion: 1}, false,
		func(ctx context.Context, l *Load) { require.NoError(t, l.Connection(ctx, &rec, 7)) })
	require.NoError(t, err)
	res, err := db.Query(ctx, `SELECT client_ip, listener_port, tls_handshake_latency, leaf_client_cert_subject,
		cert_not_before, cert_not_after, tls_verify_status, source_line FROM alb_connection`)
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	row := res.Rows[0]
	assert.Equal(t, "203.0.113.9", row[0])
	assert.Equal(t, int32(443), row[1])
	assert.Nil(t, row[2])
	assert.Equal(t, "CN=pos-17,O=Shops Ltd,C=GB", row[3])
	assert.Nil(t, row[4])
	assert.Equal(t, rec.CertNotAfter.Time, row[5].(time.Time).UTC())
	assert.Equal(t, "Failed:ClientCertUntrusted", row[6])
	assert.Equal(t, int32(7), row[7])
}

func TestLoadWrongKindRecord(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	w := db.NewWriter(ctx)
	defer w.Close()
	l := w.Begin(Object{URI: "/logs/conn.log", ETag: "x", Kind: "alb_connection", ParserVersion: 1}, false)
	defer l.Rollback()
	rec := sampleAccess()
	err := l.Access(ctx, &rec, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "access-log record in a alb_connection object")
}

func TestLoadManyChunks(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	rec := sampleAccess()
	n := 2*chunkRows + 17
	done, err := load(t, db, Object{URI: "/logs/big.log", ETag: "x", Kind: "alb_access", ParserVersion: 1}, false,
		func(ctx context.Context, l *Load) {
			for i := 1; i <= n; i++ {
				require.NoError(t, l.Access(ctx, &rec, i))
			}
			require.NotNil(t, l.conn, "an object larger than a chunk streams in its own transaction")
		})
	require.NoError(t, err)
	assert.Equal(t, int64(n), done.Rows)
	res, err := db.Query(ctx, "SELECT count(*), count(DISTINCT source_line), max(source_line) FROM alb_access")
	require.NoError(t, err)
	assert.Equal(t, []any{int64(n), int64(n), int32(n)}, res.Rows[0])
}

func TestRollbackLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	w := db.NewWriter(ctx)
	defer w.Close()
	l := w.Begin(Object{URI: "/logs/big.log", ETag: "x", Kind: "alb_access", ParserVersion: 1}, false)
	rec := sampleAccess()
	for i := 1; i <= chunkRows+5; i++ { // one chunk reaches the table before the rollback
		require.NoError(t, l.Access(ctx, &rec, i))
	}
	require.NoError(t, l.Reject(ctx, 1, "bad", "x"))
	require.NoError(t, l.Rollback())
	res, err := db.Query(ctx, `SELECT (SELECT count(*) FROM alb_access), (SELECT count(*) FROM rejected_lines),
		(SELECT count(*) FROM objects)`)
	require.NoError(t, err)
	assert.Equal(t, []any{int64(0), int64(0), int64(0)}, res.Rows[0])
}

func TestReplaceDeletesEarlierLoad(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	obj := Object{URI: "/logs/a.log", ETag: "v1", Kind: "alb_access", ParserVersion: 1}
	rec := sampleAccess()
	loadRows := func(obj Object, replace bool, rows int) {
		_, err := load(t, db, obj, replace, func(ctx context.Context, l *Load) {
			for i := 1; i <= rows; i++ {
				require.NoError(t, l.Access(ctx, &rec, i))
			}
			require.NoError(t, l.Reject(ctx, rows+1, "bad", "x"))
		})
		require.NoError(t, err)
	}
	loadRows(obj, false, 3)
	obj.ParserVersion = 2
	loadRows(obj, true, 2)
	res, err := db.Query(ctx, `SELECT (SELECT count(*) FROM alb_access), (SELECT count(*) FROM rejected_lines),
		(SELECT count(*) FROM objects), (SELECT max(parser_version) FROM objects)`)
	require.NoError(t, err)
	assert.Equal(t, []any{int64(2), int64(1), int64(1), int32(2)}, res.Rows[0])
}

func TestGroupCommitOfSmallObjects(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	rec := sampleAccess()
	conn := sampleConnection()
	w := db.NewWriter(ctx)
	var mu sync.Mutex
	var errs []error
	const objects = 300
	for i := range objects {
		kind := "alb_access"
		if i%3 == 0 {
			kind = "alb_connection"
		}
		l := w.Begin(Object{URI: fmt.Sprintf("/logs/%03d.log", i), ETag: "x", Kind: kind, ParserVersion: 1}, false)
		for line := 1; line <= i%5+1; line++ {
			if kind == "alb_access" {
				require.NoError(t, l.Access(ctx, &rec, line))
			} else {
				require.NoError(t, l.Connection(ctx, &conn, line))
			}
		}
		require.NoError(t, l.Reject(ctx, 99, "bad", "x"))
		l.Commit(ctx, func(_ LoadedObject, err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	w.Close()
	require.Len(t, errs, objects)
	for _, err := range errs {
		require.NoError(t, err)
	}
	res, err := db.Query(ctx, `SELECT (SELECT count(*) FROM alb_access), (SELECT count(*) FROM alb_connection),
		(SELECT count(*) FROM rejected_lines), (SELECT count(*) FROM objects), (SELECT sum(rows) FROM objects),
		(SELECT count(*) FROM alb_access a JOIN objects o ON o.uri = a.source_uri WHERE o.kind <> 'alb_access')`)
	require.NoError(t, err)
	var access, connections int64
	for i := range objects {
		if i%3 == 0 {
			connections += int64(i%5 + 1)
		} else {
			access += int64(i%5 + 1)
		}
	}
	assert.Equal(t, []any{access, connections, int64(objects), int64(objects), big.NewInt(access + connections), int64(0)}, res.Rows[0])
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		name string
		give string
		max  int
		want string
	}{
		{name: "short", give: "abc", max: 10, want: "abc"},
		{name: "cut ascii", give: "abcdef", max: 4, want: "abcd"},
		{name: "no split rune", give: "aé", max: 2, want: "a"},
		{name: "invalid byte", give: "a\xffb", max: 10, want: "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, truncateUTF8(tt.give, tt.max))
		})
	}
}

// TestHoldDatabase is not a test: TestLockedDatabase runs the test binary
// with CUTOVER_HOLD_DB set so that this function holds the database open in
// another process until its standard input closes.
func TestHoldDatabase(t *testing.T) {
	path := os.Getenv("CUTOVER_HOLD_DB")
	if path == "" {
		t.Skip("helper process for TestLockedDatabase")
	}
	db, err := Open(context.Background(), Options{Path: path})
	require.NoError(t, err)
	os.Stdout.WriteString("ready\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
	db.Close()
}

func TestLockedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldDatabase$")
	cmd.Env = append(os.Environ(), "CUTOVER_HOLD_DB="+path)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)

	_, err = Open(context.Background(), Options{Path: path})
	var locked *LockedError
	require.True(t, errors.As(err, &locked), "got %v", err)
	assert.Equal(t, cmd.Process.Pid, locked.PID)
	assert.Contains(t, err.Error(), "held.duckdb is in use by process")
	assert.Contains(t, err.Error(), "--wait")

	// With --wait, Open gets the file once the other process lets go of it.
	go func() {
		time.Sleep(300 * time.Millisecond)
		stdin.Write([]byte("\n"))
	}()
	db, err := Open(context.Background(), Options{Path: path, Wait: 20 * time.Second})
	require.NoError(t, err)
	db.Close()
}

func TestGroupCommitIsolatesFailedObject(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	rec := sampleAccess()
	w := db.NewWriter(ctx)
	var mu sync.Mutex
	errs := map[string][]error{}
	// The same URI twice breaks the manifest's primary key, which fails the
	// group commit that holds both.
	for _, uri := range []string{"/logs/a.log", "/logs/dup.log", "/logs/b.log", "/logs/dup.log"} {
		l := w.Begin(Object{URI: uri, ETag: "x", Kind: "alb_access", ParserVersion: 1}, false)
		require.NoError(t, l.Access(ctx, &rec, 1))
		l.Commit(ctx, func(_ LoadedObject, err error) {
			mu.Lock()
			errs[uri] = append(errs[uri], err)
			mu.Unlock()
		})
	}
	w.Close()

	assert.Equal(t, []error{nil}, errs["/logs/a.log"])
	assert.Equal(t, []error{nil}, errs["/logs/b.log"])
	require.Len(t, errs["/logs/dup.log"], 2)
	failed := 0
	for _, err := range errs["/logs/dup.log"] {
		if err != nil {
			failed++
		}
	}
	assert.Equal(t, 1, failed, "one copy of the duplicate commits, the other fails")
	res, err := db.Query(ctx, "SELECT (SELECT count(*) FROM alb_access), (SELECT count(*) FROM objects)")
	require.NoError(t, err)
	assert.Equal(t, []any{int64(3), int64(3)}, res.Rows[0])
}

func sampleNLB() nlbtls.Record {
	return nlbtls.Record{
		Type:                      "tls",
		Version:                   "2.0",
		Time:                      time.Date(2026, 12, 3, 10, 4, 59, 0, time.UTC),
		ELB:                       "net/tls-edge/c6e77e28c25b2234",
		Listener:                  "g3d4b5e8bb8464cd",
		ClientIP:                  "2001:db8::9",
		ClientPort:                sql.NullInt32{Int32: 51341, Valid: true},
		DestinationIP:             sql.NullString{String: "10.0.3.7", Valid: true},
		DestinationPort:           sql.NullInt32{Int32: 443, Valid: true},
		ConnectionTimeMS:          sql.NullFloat64{Float64: 5, Valid: true},
		TLSHandshakeTimeMS:        sql.NullFloat64{Float64: 2.5, Valid: true},
		ReceivedBytes:             sql.NullInt64{Int64: 98, Valid: true},
		SentBytes:                 sql.NullInt64{Int64: 246, Valid: true},
		ChosenCertARN:             sql.NullString{String: "arn:aws:acm:us-east-1:123456789012:certificate/2a108f19", Valid: true},
		ChosenCertSerial:          sql.NullString{String: "0A1B2C3D", Valid: true},
		TLSCipher:                 sql.NullString{String: "ECDHE-RSA-AES128-SHA", Valid: true},
		TLSProtocolVersion:        sql.NullString{String: "tlsv12", Valid: true},
		TLSNamedGroup:             sql.NullString{String: "x25519", Valid: true},
		DomainName:                sql.NullString{String: "shop.example.com", Valid: true},
		ALPNFEProtocol:            sql.NullString{String: "h2", Valid: true},
		ALPNClientPreferenceList:  sql.NullString{String: `"h2","http/1.1"`, Valid: true},
		TLSConnectionCreationTime: sql.NullTime{Time: time.Date(2026, 12, 3, 10, 4, 58, 995000000, time.UTC), Valid: true},
		Extra:                     "future-field",
	}
}

func TestLoadNLB(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	rec := sampleNLB()
	done, err := load(t, db, Object{URI: "/logs/nlb.log", ETag: "sha256:00", Kind: "nlb", ParserVersion: 1}, false,
		func(ctx context.Context, l *Load) { require.NoError(t, l.NLB(ctx, &rec, 4)) })
	require.NoError(t, err)
	assert.Equal(t, int64(1), done.Rows)

	res, err := db.Query(ctx, `SELECT type, version, time, elb, listener, client_ip, client_port, destination_ip,
		destination_port, connection_time_ms, tls_handshake_time_ms, received_bytes, sent_bytes, incoming_tls_alert,
		chosen_cert_arn, chosen_cert_serial, tls_cipher, tls_protocol_version, tls_named_group, domain_name,
		alpn_fe_protocol, alpn_be_protocol, alpn_client_preference_list, tls_connection_creation_time,
		extra_fields, source_uri, source_line FROM nlb_tls`)
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	row := res.Rows[0]
	assert.Equal(t, "tls", row[0])
	assert.Equal(t, "2.0", row[1])
	assert.Equal(t, rec.Time, row[2].(time.Time).UTC())
	assert.Equal(t, "net/tls-edge/c6e77e28c25b2234", row[3])
	assert.Equal(t, "g3d4b5e8bb8464cd", row[4])
	assert.Equal(t, "2001:db8::9", row[5])
	assert.Equal(t, int32(51341), row[6])
	assert.Equal(t, "10.0.3.7", row[7])
	assert.Equal(t, int32(443), row[8])
	assert.Equal(t, 5.0, row[9])
	assert.Equal(t, 2.5, row[10])
	assert.Equal(t, int64(98), row[11])
	assert.Equal(t, int64(246), row[12])
	assert.Nil(t, row[13], "incoming_tls_alert")
	assert.Equal(t, rec.ChosenCertARN.String, row[14])
	assert.Equal(t, "0A1B2C3D", row[15])
	assert.Equal(t, "ECDHE-RSA-AES128-SHA", row[16])
	assert.Equal(t, "tlsv12", row[17])
	assert.Equal(t, "x25519", row[18])
	assert.Equal(t, "shop.example.com", row[19])
	assert.Equal(t, "h2", row[20])
	assert.Nil(t, row[21], "alpn_be_protocol")
	assert.Equal(t, `"h2","http/1.1"`, row[22])
	assert.Equal(t, rec.TLSConnectionCreationTime.Time, row[23].(time.Time).UTC())
	assert.Equal(t, "future-field", row[24])
	assert.Equal(t, "/logs/nlb.log", row[25])
	assert.Equal(t, int32(4), row[26])
}

func TestReplaceDeletesEarlierNLBLoad(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	obj := Object{URI: "/logs/nlb.log", ETag: "v1", Kind: "nlb", ParserVersion: 1}
	rec := sampleNLB()
	loadRows := func(obj Object, replace bool, rows int) {
		_, err := load(t, db, obj, replace, func(ctx context.Context, l *Load) {
			for i := 1; i <= rows; i++ {
				require.NoError(t, l.NLB(ctx, &rec, i))
			}
		})
		require.NoError(t, err)
	}
	loadRows(obj, false, 3)
	obj.ETag = "v2"
	loadRows(obj, true, 2)
	res, err := db.Query(ctx, `SELECT (SELECT count(*) FROM nlb_tls), (SELECT count(*) FROM objects),
		(SELECT etag FROM objects)`)
	require.NoError(t, err)
	assert.Equal(t, []any{int64(2), int64(1), "v2"}, res.Rows[0])
}

// TestOpenUpgradesVersion1 builds a database as a cutover of schema version
// 1 left it, by running only the first migration, and opens it.
func TestOpenUpgradesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.duckdb")
	old, err := sql.Open("duckdb", path)
	require.NoError(t, err)
	for _, q := range []string{
		"CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
		migrations[0],
		"INSERT INTO schema_version VALUES (1, now())",
		`INSERT INTO objects (uri, etag, size, kind, parser_version, rows, rejected, loaded_at)
			VALUES ('/logs/a.log', 'v1', 10, 'alb_access', 1, 1, 0, now())`,
		"INSERT INTO alb_access (type, client_ip, source_uri, source_line) VALUES ('https', '192.0.2.10', '/logs/a.log', 1)",
	} {
		_, err := old.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, old.Close())

	db, err := Open(ctx, Options{Path: path})
	require.NoError(t, err)
	defer db.Close()

	res, err := db.Query(ctx, "SELECT list(version ORDER BY version) FROM schema_version")
	require.NoError(t, err)
	assert.Equal(t, allVersions(), res.Rows[0][0])
	res, err = db.Query(ctx, `SELECT (SELECT count(*) FROM nlb_tls), (SELECT count(*) FROM objects),
		(SELECT client_ip FROM alb_access)`)
	require.NoError(t, err)
	assert.Equal(t, []any{int64(0), int64(1), "192.0.2.10"}, res.Rows[0])

	rec := sampleNLB()
	_, err = load(t, db, Object{URI: "/logs/nlb.log", ETag: "x", Kind: "nlb", ParserVersion: 1}, false,
		func(ctx context.Context, l *Load) { require.NoError(t, l.NLB(ctx, &rec, 1)) })
	require.NoError(t, err)
	res, err = db.Query(ctx, "SELECT count(*) FROM nlb_tls")
	require.NoError(t, err)
	assert.Equal(t, int64(1), res.Rows[0][0])
}

// terminatorColumns are the columns of terminator_tls in the order of
// terminator.Record's fields, after instance, path and log.
const terminatorColumns = `instance, path, log, source, kind, time, connection_id, connection_requests, client_ip,
	client_port, forwarded_for, sni, tls_protocol, tls_cipher, verify_raw, outcome, subject_raw, issuer_raw,
	serial_raw, subject, issuer, serial, cert_not_after, cert_pem, method, uri, status, user_agent, bytes_sent,
	request_time, upstream_header_time, handshake_time, detail, source_uri, source_line`

func validString(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }

// sampleNginxRequest has every field of a terminator.Record set.
func sampleNginxRequest() terminator.Record {
	return terminator.Record{
		Source:             terminator.SourceNginx,
		Kind:               terminator.KindRequest,
		Time:               time.Date(2025, 9, 16, 12, 5, 3, 412000000, time.UTC),
		ConnectionID:       validString("1042"),
		ConnectionRequests: sql.NullInt64{Int64: 1, Valid: true},
		ClientIP:           "198.51.100.77",
		ClientPort:         sql.NullInt32{Int32: 50312, Valid: true},
		ForwardedFor:       validString("203.0.113.5"),
		SNI:                validString("api.example.com"),
		TLSProtocol:        validString("TLSv1.3"),
		TLSCipher:          validString("TLS_AES_256_GCM_SHA384"),
		VerifyRaw:          validString("FAILED:certificate has expired"),
		Outcome:            "expired",
		SubjectRaw:         validString("CN=pos-17,O=Shops Ltd,C=GB"),
		IssuerRaw:          validString("CN=Shops CA,O=Shops Ltd,C=GB"),
		SerialRaw:          validString("0A1B2C3D"),
		Subject:            validString("C=GB,O=Shops Ltd,CN=pos-17"),
		Issuer:             validString("C=GB,O=Shops Ltd,CN=Shops CA"),
		Serial:             validString("0a1b2c3d"),
		CertNotAfter:       sql.NullTime{Time: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), Valid: true},
		CertPEM:            validString("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		Method:             validString("GET"),
		URI:                validString("/v1/reports/daily"),
		Status:             sql.NullInt32{Int32: 400, Valid: true},
		UserAgent:          validString("curl/8.5.0"),
		BytesSent:          sql.NullInt64{Int64: 255, Valid: true},
		RequestTime:        sql.NullFloat64{Float64: 0.001, Valid: true},
		UpstreamHeaderTime: sql.NullFloat64{Float64: 0.004, Valid: true},
		HandshakeTime:      sql.NullFloat64{Float64: 0.002, Valid: true},
		Detail:             validString("certificate has expired"),
	}
}

func TestLoadTerminatorRecords(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	nginxRec := sampleNginxRequest()
	envoyRec := terminator.Record{
		Source:       terminator.SourceEnvoy,
		Kind:         terminator.KindHandshake,
		Time:         time.Date(2026, 12, 3, 10, 0, 1, 250000000, time.UTC),
		ConnectionID: validString("77"),
		ClientIP:     "2001:db8::9",
		VerifyRaw:    validString("TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED"),
		Outcome:      "untrusted",
	}
	haproxyRec := terminator.Record{
		Source:   terminator.SourceHAProxy,
		Kind:     terminator.KindRequest,
		Time:     time.Date(2026, 12, 3, 13, 0, 2, 0, time.UTC),
		ClientIP: "203.0.113.77",
		Status:   sql.NullInt32{Int32: 200, Valid: true},
	}
	for _, tc := range []struct {
		uri, kind, log string
		rec            terminator.Record
	}{
		{"/logs/web-1/access.log", "terminator_nginx", "access", nginxRec},
		{"/logs/web-1/listener.log", "terminator_envoy", "listener", envoyRec},
		{"/logs/web-1/haproxy.log", "terminator_haproxy", "http", haproxyRec},
	} {
		obj := Object{URI: tc.uri, ETag: "e", Kind: tc.kind, ParserVersion: 1, Instance: "i-0123456789abcdef0", TrafficPath: "alb"}
		done, err := load(t, db, obj, false, func(ctx context.Context, l *Load) {
			require.NoError(t, l.Terminator(ctx, &tc.rec, tc.log, 7))
			l.Skip()
			l.Skip()
		})
		require.NoError(t, err, tc.kind)
		assert.Equal(t, int64(1), done.Rows, tc.kind)
		assert.Equal(t, int64(2), done.SkippedLines, tc.kind)
	}

	res, err := db.Query(ctx, "SELECT "+terminatorColumns+" FROM terminator_tls ORDER BY source")
	require.NoError(t, err)
	require.Len(t, res.Rows, 3)
	assert.Equal(t, []any{
		"i-0123456789abcdef0", "alb", "listener", "envoy", "handshake", envoyRec.Time, "77", nil, "2001:db8::9",
		nil, nil, nil, nil, nil, envoyRec.VerifyRaw.String, "untrusted", nil, nil,
		nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
		nil, nil, nil, nil, "/logs/web-1/listener.log", int32(7),
	}, utcTimes(res.Rows[0]))
	assert.Equal(t, []any{
		"i-0123456789abcdef0", "alb", "http", "haproxy", "request", haproxyRec.Time, nil, nil, "203.0.113.77",
		nil, nil, nil, nil, nil, nil, nil, nil, nil,
		nil, nil, nil, nil, nil, nil, nil, nil, int32(200), nil, nil,
		nil, nil, nil, nil, "/logs/web-1/haproxy.log", int32(7),
	}, utcTimes(res.Rows[1]), "an empty Outcome is NULL")
	assert.Equal(t, []any{
		"i-0123456789abcdef0", "alb", "access", "nginx", "request", nginxRec.Time, "1042", int64(1), "198.51.100.77",
		int32(50312), "203.0.113.5", "api.example.com", "TLSv1.3", "TLS_AES_256_GCM_SHA384",
		"FAILED:certificate has expired", "expired", "CN=pos-17,O=Shops Ltd,C=GB", "CN=Shops CA,O=Shops Ltd,C=GB",
		"0A1B2C3D", "C=GB,O=Shops Ltd,CN=pos-17", "C=GB,O=Shops Ltd,CN=Shops CA", "0a1b2c3d",
		nginxRec.CertNotAfter.Time, nginxRec.CertPEM.String, "GET", "/v1/reports/daily", int32(400), "curl/8.5.0",
		int64(255), 0.001, 0.004, 0.002, "certificate has expired", "/logs/web-1/access.log", int32(7),
	}, utcTimes(res.Rows[2]))

	objs, err := db.Objects(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(2), objs["/logs/web-1/access.log"].SkippedLines)
	assert.Equal(t, "terminator_nginx", objs["/logs/web-1/access.log"].Kind)
}

// utcTimes returns row with its time.Time values in UTC, so that they
// compare equal to the UTC times of the records.
func utcTimes(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		if tm, ok := v.(time.Time); ok {
			v = tm.UTC()
		}
		out[i] = v
	}
	return out
}

func TestReplaceDeletesEarlierTerminatorLoad(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	obj := Object{URI: "/logs/web-1/access.log", ETag: "v1", Kind: "terminator_nginx", ParserVersion: 1,
		Instance: "web-1", TrafficPath: "nlb"}
	rec := sampleNginxRequest()
	for _, etag := range []string{"v1", "v2"} {
		obj.ETag = etag
		_, err := load(t, db, obj, etag == "v2", func(ctx context.Context, l *Load) {
			require.NoError(t, l.Terminator(ctx, &rec, "access", 1))
			require.NoError(t, l.Terminator(ctx, &rec, "access", 2))
		})
		require.NoError(t, err)
	}

	res, err := db.Query(ctx, `SELECT (SELECT count(*) FROM terminator_tls), (SELECT count(*) FROM objects),
		(SELECT etag FROM objects)`)
	require.NoError(t, err)
	assert.Equal(t, []any{int64(2), int64(1), "v2"}, res.Rows[0])
}

// TestOpenUpgradesVersion2 builds a database as a cutover of schema version
// 2 left it, by running only the first two migrations, and opens it.
func TestOpenUpgradesVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.duckdb")
	old, err := sql.Open("duckdb", path)
	require.NoError(t, err)
	for _, q := range []string{
		"CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
		migrations[0],
		"INSERT INTO schema_version VALUES (1, now())",
		migrations[1],
		"INSERT INTO schema_version VALUES (2, now())",
		`INSERT INTO objects (uri, etag, size, kind, parser_version, rows, rejected, loaded_at)
			VALUES ('/logs/nlb.log', 'v1', 10, 'nlb', 1, 1, 0, now())`,
		"INSERT INTO nlb_tls (type, client_ip, source_uri, source_line) VALUES ('tls', '192.0.2.10', '/logs/nlb.log', 1)",
	} {
		_, err := old.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, old.Close())

	db, err := Open(ctx, Options{Path: path})
	require.NoError(t, err)
	defer db.Close()

	res, err := db.Query(ctx, "SELECT list(version ORDER BY version) FROM schema_version")
	require.NoError(t, err)
	assert.Equal(t, allVersions(), res.Rows[0][0])
	res, err = db.Query(ctx, `SELECT (SELECT count(*) FROM terminator_tls), (SELECT skipped_lines FROM objects),
		(SELECT client_ip FROM nlb_tls)`)
	require.NoError(t, err)
	assert.Equal(t, []any{int64(0), int64(0), "192.0.2.10"}, res.Rows[0], "an older object has 0 skipped lines")

	rec := sampleNginxRequest()
	done, err := load(t, db, Object{URI: "/logs/web-1/error.log", ETag: "x", Kind: "terminator_nginx", ParserVersion: 1,
		Instance: "web-1", TrafficPath: "nlb"}, false,
		func(ctx context.Context, l *Load) {
			require.NoError(t, l.Terminator(ctx, &rec, "error", 3))
			l.Skip()
		})
	require.NoError(t, err)
	assert.Equal(t, int64(1), done.SkippedLines)
	res, err = db.Query(ctx, "SELECT count(*), (SELECT skipped_lines FROM objects WHERE uri = '/logs/web-1/error.log') FROM terminator_tls")
	require.NoError(t, err)
	assert.Equal(t, []any{int64(1), int64(1)}, res.Rows[0])
}

func TestLoadTerminatorRecordPathOverride(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	viaALB := terminator.Record{Source: terminator.SourceNginx, Kind: terminator.KindRequest,
		Time: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), ClientIP: "203.0.113.9", TrafficPath: "alb",
		ProxyIP: sql.NullString{String: "10.0.1.25", Valid: true}}
	viaNLB := terminator.Record{Source: terminator.SourceNginx, Kind: terminator.KindRequest,
		Time: time.Date(2026, 12, 3, 10, 0, 1, 0, time.UTC), ClientIP: "198.51.100.7"}
	_, err := load(t, db, Object{URI: "/logs/web-1/access.log", ETag: "e", Kind: "terminator_nginx", ParserVersion: 1,
		Instance: "web-1", TrafficPath: "nlb"}, false, func(ctx context.Context, l *Load) {
		require.NoError(t, l.Terminator(ctx, &viaALB, "access", 1))
		require.NoError(t, l.Terminator(ctx, &viaNLB, "access", 2))
	})
	require.NoError(t, err)
	res, err := db.Query(ctx, "SELECT path, client_ip, proxy_ip FROM terminator_tls ORDER BY source_line")
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"alb", "203.0.113.9", "10.0.1.25"}, {"nlb", "198.51.100.7", nil}}, res.Rows)
}

func TestQueryWindowSetsVariables(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	from := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

	res, err := db.QueryWindow(ctx, Window{From: from}, "SELECT epoch(getvariable('window_start'))::BIGINT, getvariable('window_end') IS NULL")
	require.NoError(t, err)
	assert.Equal(t, [][]any{{from.Unix(), true}}, res.Rows)

	res, err = db.QueryWindow(ctx, Window{From: from, To: from.Add(time.Hour)},
		"SELECT (getvariable('window_end') - getvariable('window_start'))::VARCHAR")
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"01:00:00"}}, res.Rows)
}

func TestMigrationsMatchSchemaVersion(t *testing.T) {
	assert.Len(t, migrations, SchemaVersion, "each schema version needs its migration")
}

// allVersions returns the schema versions 1 to SchemaVersion as DuckDB's
// list of INTEGER comes back.
func allVersions() []any {
	var out []any
	for v := int32(1); v <= SchemaVersion; v++ {
		out = append(out, v)
	}
	return out
}
