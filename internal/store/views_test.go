package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

func TestLoadConnectionIdentityAndOutcome(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)

	untrusted := sampleConnection()
	untrusted.LeafClientCertSubject = validString("cn=pos-17, o=Shops Ltd, c=GB")
	untrusted.LeafClientCertSerialNumber = validString("00fe:f2:57:37:2d:5c:14:d4")
	noCert := sampleConnection()
	noCert.LeafClientCertSubject = sql.NullString{}
	noCert.LeafClientCertSerialNumber = sql.NullString{}
	noCert.TLSVerifyStatus = validString("Failed:UnmappedConnectionError")
	notVerified := sampleConnection()
	notVerified.LeafClientCertSubject = sql.NullString{}
	notVerified.LeafClientCertSerialNumber = sql.NullString{}
	notVerified.TLSVerifyStatus = sql.NullString{}
	unreadable := sampleConnection()
	unreadable.LeafClientCertSubject = validString("CN=pos-17,O")
	unreadable.LeafClientCertSerialNumber = validString("not hex")
	unreadable.TLSVerifyStatus = validString("Failed:UnmappedConnectionError")

	_, err := load(t, db, Object{URI: "/logs/conn.log", ETag: "x", Kind: "alb_connection", ParserVersion: 2}, false,
		func(ctx context.Context, l *Load) {
			for i, rec := range []albconn.Record{untrusted, noCert, notVerified, unreadable} {
				require.NoError(t, l.Connection(ctx, &rec, i+1))
			}
		})
	require.NoError(t, err)

	res, err := db.Query(ctx, "SELECT subject, serial, outcome FROM alb_connection ORDER BY source_line")
	require.NoError(t, err)
	require.Len(t, res.Rows, 4)
	assert.Equal(t, []any{"CN=pos-17,O=Shops Ltd,C=GB", "FEF257372D5C14D4", "untrusted"}, res.Rows[0], "canonical identity")
	assert.Equal(t, []any{nil, nil, "no_cert"}, res.Rows[1], "no certificate")
	assert.Equal(t, []any{nil, nil, nil}, res.Rows[2], "not verified")
	assert.Equal(t, []any{nil, nil, "no_cert"}, res.Rows[3], "unreadable certificate fields")
}

// viewTime returns 2026-12-03 at hh:mm:ss.000 UTC plus offset.
func viewTime(clock string, offset time.Duration) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", "2026-12-03 "+clock)
	if err != nil {
		panic(err)
	}
	return t.Add(offset)
}

// nginxRecord returns an nginx record of connection id from clientIP.
func nginxRecord(kind terminator.Kind, id string, requests int64, clientIP, clock, outcome string) terminator.Record {
	rec := terminator.Record{
		Source:       terminator.SourceNginx,
		Kind:         kind,
		Time:         viewTime(clock, 0),
		ConnectionID: validString(id),
		ClientIP:     clientIP,
		Outcome:      outcome,
	}
	if kind == terminator.KindRequest {
		rec.ConnectionRequests = sql.NullInt64{Int64: requests, Valid: true}
		rec.Method = validString("GET")
		rec.URI = validString("/v1/orders")
		rec.Status = sql.NullInt32{Int32: 200, Valid: true}
		rec.UpstreamHeaderTime = sql.NullFloat64{Float64: 0.012, Valid: true}
		rec.Subject = validString("CN=pos-17,O=Shops Ltd,C=GB")
	}
	if outcome != "" {
		rec.VerifyRaw = validString("raw " + outcome)
	}
	return rec
}

type terminatorLine struct {
	log string
	rec terminator.Record
}

func loadTerminatorLines(t *testing.T, db *DB, uri, instance, path string, lines []terminatorLine) {
	t.Helper()
	kind := "terminator_" + string(lines[0].rec.Source)
	_, err := load(t, db, Object{URI: uri, ETag: "x", Kind: kind, ParserVersion: 1, Instance: instance, TrafficPath: path}, false,
		func(ctx context.Context, l *Load) {
			for i, line := range lines {
				require.NoError(t, l.Terminator(ctx, &line.rec, line.log, i+1))
			}
		})
	require.NoError(t, err)
}

func TestViewsBothPaths(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)

	// ALB: one verified connection with two requests, one expired certificate.
	ok := sampleConnection()
	ok.TLSVerifyStatus = validString("Success")
	ok.ConnTraceID = validString("TID_ok")
	expired := sampleConnection()
	expired.TLSVerifyStatus = validString("Failed:ClientCertExpired")
	_, err := load(t, db, Object{URI: "/logs/conn.log", ETag: "x", Kind: "alb_connection", ParserVersion: 2, LoadBalancer: "shop.1"}, false,
		func(ctx context.Context, l *Load) {
			require.NoError(t, l.Connection(ctx, &ok, 1))
			require.NoError(t, l.Connection(ctx, &expired, 2))
		})
	require.NoError(t, err)
	_, err = load(t, db, Object{URI: "/logs/access.log", ETag: "x", Kind: "alb_access", ParserVersion: 1}, false,
		func(ctx context.Context, l *Load) {
			for i := range 2 {
				rec := sampleAccess()
				rec.ConnTraceID = validString("TID_ok")
				require.NoError(t, l.Access(ctx, &rec, i+1))
			}
		})
	require.NoError(t, err)

	// nginx on the NLB path. Connection 1 verified and sent two requests.
	// Connection 2 had an expired certificate: nginx answered its request
	// with 400 and logged it in both logs, which is one handshake.
	// Connection 3 is a TCP health check, connection 4 a handshake the
	// client broke off, connection 5 an HTTP health check.
	healthCheck := nginxRecord(terminator.KindHandshake, "3", 0, "10.0.21.5", "10:00:03", "handshake_error")
	healthCheck.HealthCheck = true
	httpCheck := nginxRecord(terminator.KindRequest, "5", 1, "10.0.21.5", "10:00:05", "")
	httpCheck.UserAgent = validString("ELB-HealthChecker/2.0")
	httpCheck.HealthCheck = true
	loadTerminatorLines(t, db, "/logs/web-1/access.log", "web-1", "nlb", []terminatorLine{
		{"access", nginxRecord(terminator.KindRequest, "1", 1, "198.51.100.7", "10:00:01", "ok")},
		{"access", nginxRecord(terminator.KindRequest, "1", 2, "198.51.100.7", "10:00:02", "ok")},
		{"access", nginxRecord(terminator.KindRequest, "2", 1, "198.51.100.8", "10:00:02", "expired")},
		{"access", httpCheck},
	})
	// nginx logs the rejected request in its error log as well.
	sameEvent := nginxRecord(terminator.KindRequest, "2", 0, "198.51.100.8", "10:00:02", "expired")
	sameEvent.ConnectionRequests = sql.NullInt64{}
	sameEvent.Time = sameEvent.Time.Add(-500 * time.Millisecond)
	// The error log has no user agent, so the HTTP health check's line there
	// is not marked. Its access-log line is marked, and that keeps it out.
	httpCheckTwin := nginxRecord(terminator.KindRequest, "5", 0, "10.0.21.5", "10:00:05", "no_cert")
	httpCheckTwin.ConnectionRequests = sql.NullInt64{}
	loadTerminatorLines(t, db, "/logs/web-1/error.log", "web-1", "nlb", []terminatorLine{
		{"error", sameEvent},
		{"error", healthCheck},
		{"error", httpCheckTwin},
		{"error", nginxRecord(terminator.KindHandshake, "4", 0, "198.51.100.9", "10:00:04", "handshake_error")},
	})
	// An instance behind the ALB is not the NLB path.
	loadTerminatorLines(t, db, "/logs/web-9/access.log", "web-9", "alb", []terminatorLine{
		{"access", nginxRecord(terminator.KindRequest, "1", 1, "10.0.1.7", "10:00:01", "ok")},
	})
	// Envoy: connection 7 has a listener-log row and a request, connection
	// 8 only a request.
	envoyRecord := func(kind terminator.Kind, id string) terminator.Record {
		return terminator.Record{Source: terminator.SourceEnvoy, Kind: kind, Time: viewTime("10:00:07", 0),
			ConnectionID: validString(id), ClientIP: "198.51.100.10", Outcome: "ok"}
	}
	loadTerminatorLines(t, db, "/logs/proxy-1/envoy.log", "proxy-1", "nlb", []terminatorLine{
		{"listener", envoyRecord(terminator.KindHandshake, "7")},
		{"http", envoyRecord(terminator.KindRequest, "7")},
		{"http", envoyRecord(terminator.KindRequest, "8")},
		{"http", envoyRecord(terminator.KindRequest, "8")},
	})

	res, err := db.Query(ctx, `SELECT path, outcome, count(*)::INTEGER FROM tls_handshakes GROUP BY ALL ORDER BY ALL`)
	require.NoError(t, err)
	assert.Equal(t, [][]any{
		{"alb", "expired", int32(1)},
		{"alb", "ok", int32(1)},
		{"nlb", "expired", int32(1)},
		{"nlb", "handshake_error", int32(1)},
		{"nlb", "ok", int32(3)},
	}, res.Rows)

	res, err = db.Query(ctx, `SELECT instance_or_elb, subject, reason_raw FROM tls_handshakes
		WHERE path = 'nlb' AND outcome = 'expired'`)
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"web-1", "CN=pos-17,O=Shops Ltd,C=GB", "raw expired"}}, res.Rows, "the access-log row stands for the event")

	res, err = db.Query(ctx, `SELECT DISTINCT instance_or_elb FROM tls_handshakes WHERE path = 'alb'`)
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"app/shop/1"}}, res.Rows, "load balancer from the object key, in the elb field's form")

	res, err = db.Query(ctx, `SELECT path, count(*)::INTEGER, count(outcome)::INTEGER FROM requests GROUP BY ALL ORDER BY ALL`)
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"alb", int32(2), int32(2)}, {"nlb", int32(6), int32(6)}}, res.Rows)

	res, err = db.Query(ctx, `SELECT status, upstream_header_seconds, outcome FROM requests WHERE path = 'alb' LIMIT 1`)
	require.NoError(t, err)
	assert.Equal(t, []any{int32(502), 0.048, "ok"}, res.Rows[0], "outcome joined on conn_trace_id")
}
