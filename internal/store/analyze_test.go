package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// Client identities of the analyze fixture.
const (
	pos17Subject = "CN=pos-17,O=Shops Ltd,C=GB"
	pos17Serial  = "FEF257372D5C14D4"
	pos18Subject = "CN=pos-18,O=Shops Ltd,C=GB"
	pos18Serial  = "A1B2C3E"
	pos17Key     = pos17Subject + " / " + pos17Serial
	pos18Key     = pos18Subject + " / " + pos18Serial
)

// The analyze fixture's windows on 3 December 2026: the judged hour and a
// baseline hour before it.
var (
	analyzeWindow  = analyze.Window{From: viewTime("10:00:00", 0), To: viewTime("11:00:00", 0)}
	baselineWindow = analyze.Window{From: viewTime("08:00:00", 0), To: viewTime("09:00:00", 0)}
)

// albConnectionRow returns an ALB connection-log record. Empty subject,
// serial or status are fields logged as "-".
func albConnectionRow(clock, clientIP, subject, serial, status, traceID string) albconn.Record {
	return albconn.Record{
		Time:                       viewTime(clock, 0),
		ClientIP:                   clientIP,
		ClientPort:                 sql.NullInt32{Int32: 36280, Valid: true},
		ListenerPort:               sql.NullInt32{Int32: 443, Valid: true},
		LeafClientCertSubject:      optionalString(subject),
		LeafClientCertSerialNumber: optionalString(serial),
		TLSVerifyStatus:            optionalString(status),
		ConnTraceID:                optionalString(traceID),
	}
}

// albAccessRow returns an ALB access-log record. A targetSeconds of -1 is
// the logged -1, stored as NULL.
func albAccessRow(clock, clientIP, traceID string, status int32, targetSeconds float64) albaccess.Record {
	return albaccess.Record{
		Type:                 "https",
		Time:                 viewTime(clock, 0),
		ELB:                  "app/shop/1",
		ClientIP:             clientIP,
		ClientPort:           sql.NullInt32{Int32: 50718, Valid: true},
		TargetProcessingTime: optionalSeconds(targetSeconds),
		ELBStatusCode:        sql.NullInt32{Int32: status, Valid: true},
		ConnTraceID:          optionalString(traceID),
	}
}

// nginxRequest returns an nginx access-log request: the requests-th request
// of connection id. Empty subject and serial mean no client certificate.
func nginxRequest(clock, id string, requests int64, clientIP, subject, serial, verdict, verifyRaw string,
	status int32, headerSeconds float64) terminator.Record {
	return terminator.Record{
		Source:             terminator.SourceNginx,
		Kind:               terminator.KindRequest,
		Time:               viewTime(clock, 0),
		ConnectionID:       validString(id),
		ConnectionRequests: sql.NullInt64{Int64: requests, Valid: true},
		ClientIP:           clientIP,
		Outcome:            verdict,
		VerifyRaw:          optionalString(verifyRaw),
		Subject:            optionalString(subject),
		Serial:             optionalString(serial),
		Method:             validString("GET"),
		URI:                validString("/v1/orders"),
		Status:             sql.NullInt32{Int32: status, Valid: true},
		UpstreamHeaderTime: sql.NullFloat64{Float64: headerSeconds, Valid: true},
	}
}

// nginxHandshakeError returns an nginx error-log line of a handshake that
// failed before any request.
func nginxHandshakeError(clock, id, clientIP string) terminator.Record {
	return terminator.Record{
		Source:       terminator.SourceNginx,
		Kind:         terminator.KindHandshake,
		Time:         viewTime(clock, 0),
		ConnectionID: validString(id),
		ClientIP:     clientIP,
		Outcome:      string(outcome.HandshakeError),
		VerifyRaw:    validString("SSL_do_handshake() failed"),
	}
}

// healthCheck returns an HTTP health check of the load balancer at clock.
func healthCheck(clock, id string) terminator.Record {
	rec := nginxRequest(clock, id, 1, "10.0.21.5", "", "", "", "", 200, 0.001)
	rec.UserAgent = validString("ELB-HealthChecker/2.0")
	rec.HealthCheck = true
	return rec
}

// openAnalyzeFixture returns a database with both paths' logs of the judged
// hour and the baseline hour:
//
//   - ALB connection log: pos-17 verified twice at 10:01 and 10:02 (trace
//     TID_a), pos-18 untrusted at 10:03, a connection from 203.0.113.50
//     without certificate or verify status at 10:04, pos-17 at 11:30 (after
//     the window) and at 08:10 (baseline hour).
//   - ALB access log: two requests of TID_a (200 and 503, 20 ms each), a 404
//     from 2001:db8::7 without a connection-log row (10 ms), and one request
//     at 08:10.
//   - web-1 (NLB path): pos-17's connection 1 with three requests (30, 12
//     and 30 ms), pos-18's expired certificate rejected with status 400,
//     and a 400 to 198.51.100.8 without certificate. Then a health check,
//     a handshake error of 198.51.100.9 in the error log, and pos-17's
//     connection 9 at 08:20.
//   - web-9 (behind the ALB, path alb): pos-17's connection 21 with two
//     requests, pos-18 untrusted in both the access and the error log, a
//     health check, a handshake error of 198.51.100.11, and pos-17 at 08:30.
func openAnalyzeFixture(t *testing.T) *DB {
	t.Helper()
	db, _ := openTemp(t)

	connections := []albconn.Record{
		albConnectionRow("10:01:00", "203.0.113.9", pos17Subject, pos17Serial, "Success", "TID_a"),
		albConnectionRow("10:02:00", "203.0.113.9", pos17Subject, pos17Serial, "Success", "TID_b"),
		albConnectionRow("10:03:00", "203.0.113.10", pos18Subject, "0A1B2C3E", "Failed:ClientCertUntrusted", ""),
		albConnectionRow("10:04:00", "203.0.113.50", "", "", "", ""),
		albConnectionRow("11:30:00", "203.0.113.9", pos17Subject, pos17Serial, "Success", ""),
		albConnectionRow("08:10:00", "203.0.113.9", pos17Subject, pos17Serial, "Success", "TID_c"),
	}
	_, err := load(t, db, Object{URI: "/logs/shop/conn.log", ETag: "c", Kind: "alb_connection", ParserVersion: 2,
		LoadBalancer: "shop.1"}, false,
		func(ctx context.Context, l *Load) {
			for i, rec := range connections {
				require.NoError(t, l.Connection(ctx, &rec, i+1))
			}
		})
	require.NoError(t, err)

	accesses := []albaccess.Record{
		albAccessRow("10:01:01", "203.0.113.9", "TID_a", 200, 0.020),
		albAccessRow("10:01:02", "203.0.113.9", "TID_a", 503, 0.020),
		albAccessRow("10:05:00", "2001:db8::7", "", 404, 0.010),
		albAccessRow("08:10:01", "203.0.113.9", "TID_c", 200, 0.500),
	}
	_, err = load(t, db, Object{URI: "/logs/shop/access.log", ETag: "a", Kind: "alb_access", ParserVersion: 1,
		LoadBalancer: "shop.1"}, false,
		func(ctx context.Context, l *Load) {
			for i, rec := range accesses {
				require.NoError(t, l.Access(ctx, &rec, i+1))
			}
		})
	require.NoError(t, err)

	loadTerminatorLines(t, db, "/logs/web-1/access.log", "web-1", "nlb", []terminatorLine{
		{"access", nginxRequest("10:10:00", "1", 1, "192.0.2.17", pos17Subject, pos17Serial, "ok", "SUCCESS", 200, 0.030)},
		{"access", nginxRequest("10:10:01", "1", 2, "192.0.2.17", pos17Subject, pos17Serial, "ok", "SUCCESS", 200, 0.012)},
		{"access", nginxRequest("10:10:02", "1", 3, "192.0.2.17", pos17Subject, pos17Serial, "ok", "SUCCESS", 200, 0.030)},
		{"access", nginxRequest("10:11:00", "2", 1, "192.0.2.18", pos18Subject, pos18Serial, "expired",
			"FAILED:certificate has expired", 400, 0.001)},
		{"access", nginxRequest("10:12:00", "3", 1, "198.51.100.8", "", "", "no_cert", "NONE", 400, 0.002)},
		{"access", healthCheck("10:12:30", "4")},
		{"access", nginxRequest("08:20:00", "9", 1, "192.0.2.17", pos17Subject, pos17Serial, "ok", "SUCCESS", 200, 0.050)},
	})
	loadTerminatorLines(t, db, "/logs/web-1/error.log", "web-1", "nlb", []terminatorLine{
		{"error", nginxHandshakeError("10:13:00", "5", "198.51.100.9")},
	})

	loadTerminatorLines(t, db, "/logs/web-9/access.log", "web-9", "alb", []terminatorLine{
		{"access", nginxRequest("10:20:00", "21", 1, "203.0.113.9", pos17Subject, pos17Serial, "ok", "SUCCESS", 200, 0.020)},
		{"access", nginxRequest("10:20:01", "21", 2, "203.0.113.9", pos17Subject, pos17Serial, "ok", "SUCCESS", 200, 0.020)},
		{"access", nginxRequest("10:21:00", "22", 1, "203.0.113.10", pos18Subject, pos18Serial, "untrusted",
			"FAILED:unable to get local issuer certificate", 400, 0.001)},
		{"access", healthCheck("10:22:00", "23")},
		{"access", nginxRequest("08:30:00", "29", 1, "203.0.113.9", pos17Subject, pos17Serial, "ok", "SUCCESS", 200, 0.020)},
	})
	// nginx logs the rejected request of connection 22 in its error log as
	// well, which is the same connection.
	repeated := nginxRequest("10:21:00", "22", 1, "203.0.113.10", pos18Subject, pos18Serial, "untrusted",
		"FAILED:unable to get local issuer certificate", 400, 0.001)
	repeated.Time = repeated.Time.Add(500 * time.Millisecond)
	repeated.ConnectionRequests = sql.NullInt64{}
	repeated.Status = sql.NullInt32{}
	repeated.UpstreamHeaderTime = sql.NullFloat64{}
	loadTerminatorLines(t, db, "/logs/web-9/error.log", "web-9", "alb", []terminatorLine{
		{"error", repeated},
		{"error", nginxHandshakeError("10:23:00", "24", "198.51.100.11")},
	})
	return db
}

// handshakeCounts returns the connection count of each group as
// "path | client key | outcome | reason".
func handshakeCounts(groups []analyze.HandshakeGroup) map[string]int {
	counts := map[string]int{}
	for _, g := range groups {
		counts[fmt.Sprintf("%s | %s | %s | %s", g.Path, g.Client.Key, g.Outcome, g.Reason)] += g.Count
	}
	return counts
}

// requestCounts returns each group's requests, 5xx and 4xx as
// "path | client key".
func requestCounts(groups []analyze.RequestCounts) map[string][3]int {
	counts := map[string][3]int{}
	for _, g := range groups {
		counts[g.Path+" | "+g.Client.Key] = [3]int{g.Requests, g.Status5xx, g.Status4xx}
	}
	return counts
}

// headerTimes returns each group's parallel seconds and counts as
// "path | client key".
func headerTimes(groups []analyze.HeaderTimes) map[string][2][]float64 {
	times := map[string][2][]float64{}
	for _, g := range groups {
		counts := make([]float64, len(g.Counts))
		for i, c := range g.Counts {
			counts[i] = float64(c)
		}
		times[g.Path+" | "+g.Client.Key] = [2][]float64{g.Seconds, counts}
	}
	return times
}

func TestAnalyzeInputsHandshakesPerMode(t *testing.T) {
	db := openAnalyzeFixture(t)
	nlb := map[string]int{
		"nlb | " + pos17Key + " | ok | SUCCESS":                               1,
		"nlb | " + pos18Key + " | expired | FAILED:certificate has expired":   1,
		"nlb | ip:198.51.100.8 | no_cert | NONE":                              1,
		"nlb | ip:198.51.100.9 | handshake_error | SSL_do_handshake() failed": 1,
	}
	cases := []struct {
		mode string
		alb  map[string]int
	}{
		{
			mode: analyze.ModeVerify,
			alb: map[string]int{
				"alb | " + pos17Key + " | ok | Success":                           2,
				"alb | " + pos18Key + " | untrusted | Failed:ClientCertUntrusted": 1,
				"alb | ip:203.0.113.50 |  | ":                                     1,
			},
		},
		{
			mode: analyze.ModePassthrough,
			alb: map[string]int{
				"alb | " + pos17Key + " | ok | SUCCESS":                                              1,
				"alb | " + pos18Key + " | untrusted | FAILED:unable to get local issuer certificate": 1,
				"alb | ip:198.51.100.11 | handshake_error | SSL_do_handshake() failed":               1,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			in, err := db.AnalyzeInputs(context.Background(), analyzeWindow, tc.mode, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.mode, in.Mode)
			assert.Equal(t, analyzeWindow, in.Window)
			assert.Nil(t, in.Baseline)

			want := map[string]int{}
			for k, v := range nlb {
				want[k] = v
			}
			for k, v := range tc.alb {
				want[k] = v
			}
			assert.Equal(t, want, handshakeCounts(in.Handshakes))
		})
	}
}

func TestAnalyzeInputsHandshakeGroupFields(t *testing.T) {
	db := openAnalyzeFixture(t)
	in, err := db.AnalyzeInputs(context.Background(), analyzeWindow, analyze.ModeVerify, nil)
	require.NoError(t, err)

	var verified, unknown *analyze.HandshakeGroup
	for i, g := range in.Handshakes {
		switch {
		case g.Path == analyze.PathALB && g.Client.Key == pos17Key:
			verified = &in.Handshakes[i]
		case g.Path == analyze.PathALB && g.Client.IPOnly():
			unknown = &in.Handshakes[i]
		}
	}
	require.NotNil(t, verified, "ALB group of pos-17")
	require.NotNil(t, unknown, "ALB group without certificate")

	assert.Equal(t, analyze.Client{Key: pos17Key, Subject: pos17Subject, Serial: pos17Serial}, verified.Client)
	assert.Equal(t, outcome.OK, verified.Outcome)
	assert.Equal(t, viewTime("10:01:00", 0), verified.First)
	assert.Equal(t, viewTime("10:02:00", 0), verified.Last)
	assert.Equal(t, time.UTC, verified.First.Location())

	assert.Equal(t, analyze.Client{Key: "ip:203.0.113.50", IP: "203.0.113.50"}, unknown.Client)
	assert.Equal(t, outcome.NotVerified, unknown.Outcome, "a NULL outcome")
	assert.Equal(t, "", unknown.Reason)
}

func TestAnalyzeInputsRequestsAndHeaderTimes(t *testing.T) {
	db := openAnalyzeFixture(t)
	for _, mode := range []string{analyze.ModeVerify, analyze.ModePassthrough} {
		t.Run(mode, func(t *testing.T) {
			in, err := db.AnalyzeInputs(context.Background(), analyzeWindow, mode, nil)
			require.NoError(t, err)

			// The ALB side comes from the ALB access log in both modes.
			assert.Equal(t, map[string][3]int{
				"alb | " + pos17Key:     {2, 1, 0},
				"alb | ip:2001:db8::7":  {1, 0, 1},
				"nlb | " + pos17Key:     {3, 0, 0},
				"nlb | " + pos18Key:     {1, 0, 1},
				"nlb | ip:198.51.100.8": {1, 0, 1},
			}, requestCounts(in.Requests))

			assert.Equal(t, map[string][2][]float64{
				"alb | " + pos17Key:     {{0.020}, {2}},
				"alb | ip:2001:db8::7":  {{0.010}, {1}},
				"nlb | " + pos17Key:     {{0.012, 0.030}, {1, 2}},
				"nlb | " + pos18Key:     {{0.001}, {1}},
				"nlb | ip:198.51.100.8": {{0.002}, {1}},
			}, headerTimes(in.HeaderTimes))
		})
	}
}

func TestAnalyzeInputsBaselineNLBOnly(t *testing.T) {
	db := openAnalyzeFixture(t)
	baseline := baselineWindow
	in, err := db.AnalyzeInputs(context.Background(), analyzeWindow, analyze.ModePassthrough, &baseline)
	require.NoError(t, err)
	require.NotNil(t, in.Baseline)

	assert.Equal(t, baselineWindow, in.Baseline.Window)
	// The ALB connection log, the ALB access log and web-9 each have a row
	// in the baseline hour, and none may appear.
	assert.Equal(t, map[string]int{"nlb | " + pos17Key + " | ok | SUCCESS": 1}, handshakeCounts(in.Baseline.Handshakes))
	assert.Equal(t, map[string][3]int{"nlb | " + pos17Key: {1, 0, 0}}, requestCounts(in.Baseline.Requests))
	assert.Equal(t, map[string][2][]float64{"nlb | " + pos17Key: {{0.050}, {1}}}, headerTimes(in.Baseline.HeaderTimes))

	// Reading the baseline leaves the judged window's inputs as they were.
	assert.Equal(t, 1, handshakeCounts(in.Handshakes)["alb | "+pos17Key+" | ok | SUCCESS"], "ALB side of the judged window")
	assert.Len(t, in.Handshakes, 7)
}

func TestAnalyzeInputsSources(t *testing.T) {
	db := openAnalyzeFixture(t)
	in, err := db.AnalyzeInputs(context.Background(), analyzeWindow, analyze.ModeVerify, nil)
	require.NoError(t, err)

	got := map[string]analyze.Source{}
	for _, s := range in.Sources {
		got[s.Kind+" "+s.Name+" "+s.Log] = s
	}
	want := []analyze.Source{
		{Kind: "alb_access", Name: "app/shop/1", Path: analyze.PathALB, Newest: viewTime("10:05:00", 0), Rows: 3},
		{Kind: "alb_connection", Name: "app/shop/1", Path: analyze.PathALB, Newest: viewTime("10:04:00", 0), Rows: 4},
		{Kind: "terminator_nginx", Name: "web-1", Log: "access", Path: analyze.PathNLB, Newest: viewTime("10:12:30", 0), Rows: 6},
		{Kind: "terminator_nginx", Name: "web-1", Log: "error", Path: analyze.PathNLB, Newest: viewTime("10:13:00", 0), Rows: 1},
		{Kind: "terminator_nginx", Name: "web-9", Log: "access", Path: analyze.PathALB, Newest: viewTime("10:22:00", 0), Rows: 4},
		{Kind: "terminator_nginx", Name: "web-9", Log: "error", Path: analyze.PathALB, Newest: viewTime("10:23:00", 0), Rows: 2},
	}
	assert.Len(t, in.Sources, len(want))
	for _, w := range want {
		assert.Equal(t, w, got[w.Kind+" "+w.Name+" "+w.Log], "source %s %s %s", w.Kind, w.Name, w.Log)
	}
}

func TestAnalyzeInputsSourceWithoutRowsInWindow(t *testing.T) {
	db := openAnalyzeFixture(t)
	late := analyze.Window{From: viewTime("11:00:00", 0), To: viewTime("12:00:00", 0)}
	in, err := db.AnalyzeInputs(context.Background(), late, analyze.ModeVerify, nil)
	require.NoError(t, err)

	for _, s := range in.Sources {
		if s.Kind == "alb_connection" {
			assert.Equal(t, viewTime("11:30:00", 0), s.Newest)
			assert.Equal(t, 1, s.Rows)
			continue
		}
		assert.True(t, s.Newest.IsZero(), "newest of %s %s %s", s.Kind, s.Name, s.Log)
		assert.Zero(t, s.Rows, "rows of %s %s %s", s.Kind, s.Name, s.Log)
	}
}

// loadNodeObjects stores one empty ALB access-log object of load balancer
// shop.1 per interval end, delivered by node.
func loadNodeObjects(t *testing.T, db *DB, node string, intervalEnds ...string) {
	t.Helper()
	for _, end := range intervalEnds {
		at := viewTime(end, 0)
		uri := fmt.Sprintf("/logs/shop/nodes/%s_%s.log.gz", at.Format("20060102T1504Z"), node)
		_, err := load(t, db, Object{URI: uri, ETag: uri, Kind: "alb_access", ParserVersion: 1,
			IntervalEnd: at, LoadBalancer: "shop.1", Node: node}, false, func(context.Context, *Load) {})
		require.NoError(t, err)
	}
}

func TestAnalyzeInputsGaps(t *testing.T) {
	cases := []struct {
		name  string
		nodes map[string][]string // node to the interval ends of its objects
		want  []analyze.Gap
	}{
		{
			name: "node joins and another leaves",
			nodes: map[string][]string{
				"10.0.1.7": {"10:05:00", "10:10:00", "10:15:00", "10:20:00"},
				"10.0.2.9": {"10:15:00", "10:20:00"},
				"10.0.3.5": {"10:05:00", "10:10:00"},
			},
		},
		{
			name: "missing intervals between first and last object",
			nodes: map[string][]string{
				"10.0.1.7": {"10:05:00", "10:10:00", "10:20:00", "10:25:00"},
				"10.0.2.9": {"10:20:00", "10:25:00"},
				"10.0.4.4": {"10:05:00", "10:25:00"},
			},
			want: []analyze.Gap{
				{Kind: "alb_access", LoadBalancer: "shop.1", IntervalEnd: viewTime("10:10:00", 0), Missing: []string{"10.0.4.4"}},
				{Kind: "alb_access", LoadBalancer: "shop.1", IntervalEnd: viewTime("10:15:00", 0), Missing: []string{"10.0.1.7", "10.0.4.4"}},
				{Kind: "alb_access", LoadBalancer: "shop.1", IntervalEnd: viewTime("10:20:00", 0), Missing: []string{"10.0.4.4"}},
			},
		},
		{
			name: "objects outside the window",
			nodes: map[string][]string{
				"10.0.1.7": {"09:50:00", "10:05:00", "11:05:00"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openTemp(t)
			for node, ends := range tc.nodes {
				loadNodeObjects(t, db, node, ends...)
			}
			in, err := db.AnalyzeInputs(context.Background(), analyzeWindow, analyze.ModeVerify, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, in.Gaps)
		})
	}
}

func TestAnalyzeInputsInvalidMode(t *testing.T) {
	db, _ := openTemp(t)
	for _, mode := range []string{"", "Verify", "off"} {
		_, err := db.AnalyzeInputs(context.Background(), analyzeWindow, mode, nil)
		assert.ErrorContains(t, err, "invalid ALB mode", "mode %q", mode)
	}
}
