package store

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/nlbtls"
	"github.com/cutover-dev/cutover/ingest/terminator"
	"github.com/cutover-dev/cutover/queries"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestNamedQueries with the current results")

// goldenDir contains one <query name>.golden file per named query.
const goldenDir = "testdata/queries"

// Load balancers and target groups of the fixture. shopLB and apiLB are
// spelled as in object names, and shopELB as in the elb field of log lines.
const (
	shopLB    = "shop.50dc6c495c0c9188"
	shopELB   = "app/shop/50dc6c495c0c9188"
	apiLB     = "api.7f3a9c2b1d0e4f56"
	edgeLB    = "edge.1a2b3c4d5e6f7081"
	edgeELB   = "net/edge/1a2b3c4d5e6f7081"
	mqttELB   = "net/mqtt/2b3c4d5e6f708192"
	webTarget = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067"
	apiTarget = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-api/0a1b2c3d4e5f6071"
)

// fixtureRequest is one access-log row. A targetTime of -1 is the logged -1,
// which the parser stores as NULL.
type fixtureRequest struct {
	line        int
	at          string // time of day on 3 December 2026, UTC
	targetGroup string // "" for none
	targetTime  float64
	elbStatus   int32
}

// fixtureConnection is one connection-log row. A latency of -1 is the logged
// "-", and an empty string is a field logged as "-". Both are stored as NULL.
type fixtureConnection struct {
	line         int
	at           string // time of day on 3 December 2026, UTC
	clientIP     string
	listenerPort int32
	latency      float64
	subject      string
	serial       string
	verifyStatus string
	elb          string
	// connTraceID and notAfter (RFC 3339) are "" where not logged.
	connTraceID string
	notAfter    string
}

// fixtureNLB is one NLB TLS access-log row. A handshake time of -1 is the
// logged "-", and an empty cipher is a field logged as "-". Both are stored as
// NULL, as for a handshake that failed.
type fixtureNLB struct {
	line        int
	at          string // time of day on 3 December 2026, UTC
	elb         string
	handshakeMS float64
	cipher      string
}

// fixtureTerminator is one terminator_tls row of a proxy's log.
type fixtureTerminator struct {
	line     int
	at       string // time of day on 3 December 2026, UTC, with fractions
	kind     terminator.Kind
	connID   string
	clientIP string
	outcome  string
	method   string
	uri      string
	// subject and serial are canonical, as the parsers store them. A status
	// or upstreamHeader of 0 is stored as NULL (not logged).
	subject        string
	serial         string
	status         int32
	upstreamHeader float64
	notAfter       string // RFC 3339, "" where not logged
}

type fixtureReject struct {
	line   int
	reason string
	raw    string
}

// fixtureObject is one object of the query fixture and its lines.
type fixtureObject struct {
	obj         Object
	requests    []fixtureRequest
	connections []fixtureConnection
	nlbs        []fixtureNLB
	terminators []fixtureTerminator
	// log is the value of column log for the terminators, and skipped the
	// object's count of lines unrelated to TLS.
	log      string
	skipped  int
	rejected []fixtureReject
}

const (
	reasonEmpty    = "empty line"
	reasonTime     = `field 2 (time): invalid value: "yesterday"`
	reasonClientIP = `field 2 (client_ip): invalid value: "not-an-ip", expected an IPv4 or IPv6 address`
)

// queryFixture is the data behind the golden files. The values were chosen
// so that each query's result can be worked out by hand:
//
//   - request_latency_by_target_group: shop-web has 5 requests, 4 timed
//     (0.010, 0.020, 0.030, 0.100 s) and one 502. shop-api has 2 requests
//     (0.200 and 0.400 s, one 500). "-" has 3 untimed requests, one 503.
//     quantile_cont interpolates linearly at position q*(n-1) of the sorted
//     values, so shop-web's p90 is 0.030 + 0.7*(0.100-0.030) = 0.079.
//   - handshake_latency: shop on port 443 has 7 connections, 3 timed (0.004,
//     0.006, 0.020 s). Its first object's lines have no elb field, so the
//     query must derive app/shop/... from the objects table to group them
//     with the second object's lines, which have one.
//   - nlb_handshakes: edge has 5 connections in hour 10, 4 completed (1, 2,
//     4 and 10 ms), so p50 is 3 ms and p90 is 4 + 0.7*(10-4) = 8.2 ms. One
//     connection has neither cipher nor handshake time. In hour 11 it has 3
//     connections: 3 and 5 ms completed, and one with a handshake time but no
//     cipher, which counts as failed and stays out of the quantiles. The
//     first object also holds one line of a second load balancer, mqtt.
//   - rejected_reasons: "empty line" occurs on lines 2 and 10 of one object,
//     so a string minimum of "uri:line" would pick line 10.
//   - terminator_outcomes: web-1's error log repeats access-log lines 2 and
//     3, which count once, and line 3 (plain HTTP, no outcome in the access
//     log) takes the error log's handshake_error. Error line 3 is 3 s after
//     access line 4, and error line 5 names another URI than access line 1,
//     so both count. web-2's error line matches web-1's access line 2 in all
//     but the instance, so it counts for web-2. Envoy on i-0a1b2c3d has one
//     failed handshake and two requests.
//   - clients_left_behind: pos-18 serial A1B2C3E fails twice on the ALB
//     (untrusted) and connects on the NLB through web-3, once for two
//     requests. pos-17 FEF257372D5C14D4 connects on both paths, and serial
//     A1B2C3D fails on the ALB only, so neither is left behind.
//   - client_4xx and response_time_by_client: pos-17's connection through
//     web-3 has a 401, a 403 and a 404, whose response headers took 5, 3 and
//     10 ms.
//   - certs_expiring, with the window ending at 12:00: pos-17 DEADBEEF
//     expired 2.5 days before, FEF257372D5C14D4 expires in 16.5 days and
//     pos-18 A1B2C3E in 28 days. pos-18's 11:01 connection logs no expiry
//     but still counts. batch's certificate expires after the 30 days.
//   - certs_client: pos-18 A1B2C3E's 11:01 ALB connection has a
//     conn_trace_id that no access-log row has, so it carried 0 requests,
//     and its 10:03 connection has none, so its requests are unknown.
//   - source_completeness: the shop ALB's nodes 10.0.1.7 and 10.0.2.9 each
//     deliver one access-log interval, and its connection logs leave the
//     intervals from 10:10 to 11:00 empty.
var queryFixture = []fixtureObject{
	{
		obj: Object{
			URI: "s3://alb-logs/shop/access/20261203T1005Z_10.0.1.7.log.gz", ETag: "e1", Size: 2048,
			Kind: "alb_access", ParserVersion: 1, IntervalEnd: fixtureTime("10:05:00"), LoadBalancer: shopLB, Node: "10.0.1.7",
		},
		requests: []fixtureRequest{
			{line: 1, at: "10:00:01", targetGroup: webTarget, targetTime: 0.010, elbStatus: 200},
			{line: 3, at: "10:00:03", targetGroup: webTarget, targetTime: 0.030, elbStatus: 200},
			{line: 4, at: "10:00:04", targetGroup: webTarget, targetTime: -1, elbStatus: 502},
			{line: 5, at: "10:00:05", targetGroup: webTarget, targetTime: 0.100, elbStatus: 200},
			{line: 6, at: "10:00:06", targetTime: -1, elbStatus: 301},
			{line: 7, at: "10:00:07", targetTime: -1, elbStatus: 503},
			{line: 8, at: "10:00:08", targetTime: -1, elbStatus: 200},
			{line: 9, at: "10:00:09", targetGroup: apiTarget, targetTime: 0.400, elbStatus: 500},
		},
		rejected: []fixtureReject{
			{line: 2, reason: reasonEmpty, raw: ""},
			{line: 10, reason: reasonEmpty, raw: ""},
		},
	},
	{
		obj: Object{
			URI: "s3://alb-logs/shop/access/20261203T1010Z_10.0.2.9.log.gz", ETag: "e2", Size: 1024,
			Kind: "alb_access", ParserVersion: 1, IntervalEnd: fixtureTime("10:10:00"), LoadBalancer: shopLB, Node: "10.0.2.9",
		},
		requests: []fixtureRequest{
			{line: 1, at: "10:05:01", targetGroup: webTarget, targetTime: 0.020, elbStatus: 200},
			{line: 2, at: "10:05:02", targetGroup: apiTarget, targetTime: 0.200, elbStatus: 200},
		},
		rejected: []fixtureReject{
			{line: 3, reason: reasonTime, raw: "https yesterday app/shop/50dc6c495c0c9188 192.0.2.12:50720"},
		},
	},
	{
		obj: Object{
			URI: "s3://alb-logs/shop/conn/20261203T1005Z_10.0.1.7.log.gz", ETag: "c1", Size: 512,
			Kind: "alb_connection", ParserVersion: 1, IntervalEnd: fixtureTime("10:05:00"), LoadBalancer: shopLB, Node: "10.0.1.7",
		},
		connections: []fixtureConnection{
			{line: 1, at: "10:01:00", clientIP: "203.0.113.9", listenerPort: 443, latency: 0.004,
				subject: "CN=pos-17,O=Shops Ltd,C=GB", serial: "FEF257372D5C14D4", verifyStatus: "Success",
				notAfter: "2026-12-20T00:00:00Z"},
			{line: 2, at: "10:02:00", clientIP: "203.0.113.10", listenerPort: 443, latency: -1,
				subject: "CN=pos-18,O=Shops Ltd,C=GB", serial: "0A1B2C3D", verifyStatus: "Failed:ClientCertUntrusted"},
			{line: 3, at: "10:03:00", clientIP: "203.0.113.10", listenerPort: 443, latency: -1,
				subject: "CN=pos-18,O=Shops Ltd,C=GB", serial: "0A1B2C3E", verifyStatus: "Failed:ClientCertUntrusted",
				notAfter: "2026-12-31T12:00:00Z"},
			{line: 5, at: "10:04:00", clientIP: "198.51.100.7", listenerPort: 8443, latency: 0.012},
			{line: 6, at: "10:04:30", clientIP: "203.0.113.11", listenerPort: 443, latency: -1,
				verifyStatus: "Failed:ClientCertMaxSizeExceeded"},
		},
		rejected: []fixtureReject{
			{line: 4, reason: reasonEmpty, raw: ""},
			{line: 7, reason: reasonClientIP, raw: "2026-12-03T10:04:58.300000Z not-an-ip 36282 443"},
		},
	},
	{
		obj: Object{
			URI: "s3://alb-logs/shop/conn/20261203T1105Z_10.0.2.9.log.gz", ETag: "c2", Size: 512,
			Kind: "alb_connection", ParserVersion: 1, IntervalEnd: fixtureTime("11:05:00"), LoadBalancer: shopLB, Node: "10.0.2.9",
		},
		connections: []fixtureConnection{
			{line: 1, at: "11:00:10", clientIP: "203.0.113.9", listenerPort: 443, latency: 0.006,
				subject: "CN=pos-17,O=Shops Ltd,C=GB", serial: "FEF257372D5C14D4", verifyStatus: "Success", elb: shopELB,
				notAfter: "2026-12-20T00:00:00Z"},
			{line: 2, at: "11:01:00", clientIP: "203.0.113.12", listenerPort: 443, latency: -1,
				subject: "CN=pos-18,O=Shops Ltd,C=GB", serial: "0A1B2C3E", verifyStatus: "Failed:ClientCertUntrusted", elb: shopELB,
				connTraceID: "TID_5f0e1d2c3b4a59687766554433221100"},
			{line: 3, at: "11:02:00", clientIP: "203.0.113.9", listenerPort: 443, latency: 0.020,
				subject: "CN=pos-17,O=Shops Ltd,C=GB", serial: "FEF257372D5C14D4", verifyStatus: "Success", elb: shopELB,
				notAfter: "2026-12-20T00:00:00Z"},
		},
	},
	{
		obj: Object{
			URI: "s3://alb-logs/api/conn/20261203T1010Z_10.0.3.5.log.gz", ETag: "c3", Size: 256,
			Kind: "alb_connection", ParserVersion: 1, IntervalEnd: fixtureTime("10:10:00"), LoadBalancer: apiLB, Node: "10.0.3.5",
		},
		connections: []fixtureConnection{
			{line: 1, at: "10:06:00", clientIP: "192.0.2.50", listenerPort: 443, latency: 0.002,
				subject: "CN=batch,O=Shops Ltd,C=GB", serial: "11", verifyStatus: "Success",
				notAfter: "2027-03-01T00:00:00Z"},
			{line: 2, at: "10:07:00", clientIP: "192.0.2.51", listenerPort: 443, latency: -1,
				subject: "CN=pos-17,O=Shops Ltd,C=GB", serial: "DEADBEEF", verifyStatus: "Failed:ClientCertExpired",
				notAfter: "2026-12-01T00:00:00Z"},
		},
	},
	{
		obj: Object{
			URI: "s3://nlb-logs/edge/20261203T1005Z_1a2b3c4d.log.gz", ETag: "n1", Size: 768,
			Kind: "nlb", ParserVersion: 1, IntervalEnd: fixtureTime("10:05:00"), LoadBalancer: edgeLB,
		},
		nlbs: []fixtureNLB{
			{line: 1, at: "10:00:10", elb: edgeELB, handshakeMS: 4, cipher: "ECDHE-RSA-AES128-GCM-SHA256"},
			{line: 2, at: "10:01:00", elb: edgeELB, handshakeMS: 1, cipher: "ECDHE-RSA-AES128-GCM-SHA256"},
			{line: 3, at: "10:02:00", elb: edgeELB, handshakeMS: -1},
			{line: 4, at: "10:03:00", elb: edgeELB, handshakeMS: 10, cipher: "TLS_AES_128_GCM_SHA256"},
			{line: 5, at: "10:04:00", elb: edgeELB, handshakeMS: 2, cipher: "TLS_AES_128_GCM_SHA256"},
			{line: 6, at: "10:04:00", elb: mqttELB, handshakeMS: 7, cipher: "TLS_AES_128_GCM_SHA256"},
		},
	},
	{
		obj: Object{
			URI: "s3://nlb-logs/edge/20261203T1105Z_1a2b3c4d.log.gz", ETag: "n2", Size: 512,
			Kind: "nlb", ParserVersion: 1, IntervalEnd: fixtureTime("11:05:00"), LoadBalancer: edgeLB,
		},
		nlbs: []fixtureNLB{
			{line: 1, at: "11:00:10", elb: edgeELB, handshakeMS: 5, cipher: "TLS_AES_128_GCM_SHA256"},
			{line: 2, at: "11:01:00", elb: edgeELB, handshakeMS: 3, cipher: "TLS_AES_128_GCM_SHA256"},
			{line: 3, at: "11:02:00", elb: edgeELB, handshakeMS: 50},
		},
	},
	{
		obj: Object{URI: "s3://proxy-logs/web-1/access.log", ETag: "w1", Size: 4096,
			Kind: "terminator_nginx", ParserVersion: 1, Instance: "web-1", TrafficPath: "nlb"},
		log: "access",
		terminators: []fixtureTerminator{
			{line: 1, at: "10:00:01.200", connID: "1", clientIP: "192.0.2.1", outcome: "ok", method: "GET", uri: "/"},
			{line: 2, at: "10:00:02.500", connID: "2", clientIP: "192.0.2.2", outcome: "expired", method: "GET", uri: "/a"},
			{line: 3, at: "10:00:03.000", connID: "3", clientIP: "192.0.2.3", method: "GET", uri: "/"},
			{line: 4, at: "10:00:09.000", connID: "4", clientIP: "192.0.2.4", outcome: "no_cert", method: "GET", uri: "/b"},
		},
	},
	{
		obj: Object{URI: "s3://proxy-logs/web-1/error.log", ETag: "w2", Size: 2048,
			Kind: "terminator_nginx", ParserVersion: 1, Instance: "web-1", TrafficPath: "nlb"},
		log:     "error",
		skipped: 2,
		terminators: []fixtureTerminator{
			{line: 1, at: "10:00:02", connID: "2", clientIP: "192.0.2.2", outcome: "expired", method: "GET", uri: "/a"},
			{line: 3, at: "10:00:03", connID: "3", clientIP: "192.0.2.3", outcome: "handshake_error", method: "GET", uri: "/"},
			{line: 4, at: "10:00:12", connID: "4", clientIP: "192.0.2.4", outcome: "no_cert", method: "GET", uri: "/b"},
			{line: 5, at: "10:00:05", kind: terminator.KindHandshake, connID: "5", clientIP: "192.0.2.5", outcome: "incompatible"},
			{line: 6, at: "10:00:01", connID: "1", clientIP: "192.0.2.1", outcome: "no_cert", method: "GET", uri: "/other"},
		},
	},
	{
		obj: Object{URI: "s3://proxy-logs/web-2/error.log", ETag: "w3", Size: 512,
			Kind: "terminator_nginx", ParserVersion: 1, Instance: "web-2", TrafficPath: "nlb"},
		log: "error",
		terminators: []fixtureTerminator{
			{line: 1, at: "10:00:02", connID: "2", clientIP: "192.0.2.2", outcome: "expired", method: "GET", uri: "/a"},
		},
	},
	{
		obj: Object{URI: "s3://proxy-logs/web-3/access.log", ETag: "w4", Size: 1024,
			Kind: "terminator_nginx", ParserVersion: 1, Instance: "web-3", TrafficPath: "nlb"},
		log: "access",
		terminators: []fixtureTerminator{
			{line: 1, at: "10:20:00", connID: "31", clientIP: "192.0.2.31", outcome: "ok", method: "GET", uri: "/",
				subject: "CN=pos-18,O=Shops Ltd,C=GB", serial: "A1B2C3E", status: 200, upstreamHeader: 0.040, notAfter: "2026-12-31T12:00:00Z"},
			{line: 2, at: "10:20:01", connID: "31", clientIP: "192.0.2.31", outcome: "ok", method: "GET", uri: "/cart",
				subject: "CN=pos-18,O=Shops Ltd,C=GB", serial: "A1B2C3E", status: 200, upstreamHeader: 0.060, notAfter: "2026-12-31T12:00:00Z"},
			{line: 3, at: "10:21:00", connID: "32", clientIP: "192.0.2.32", outcome: "ok", method: "GET", uri: "/orders",
				subject: "CN=pos-17,O=Shops Ltd,C=GB", serial: "FEF257372D5C14D4", status: 401, upstreamHeader: 0.005, notAfter: "2026-12-20T00:00:00Z"},
			{line: 4, at: "10:21:01", connID: "32", clientIP: "192.0.2.32", outcome: "ok", method: "POST", uri: "/orders",
				subject: "CN=pos-17,O=Shops Ltd,C=GB", serial: "FEF257372D5C14D4", status: 403, upstreamHeader: 0.003, notAfter: "2026-12-20T00:00:00Z"},
			{line: 5, at: "10:21:02", connID: "32", clientIP: "192.0.2.32", outcome: "ok", method: "GET", uri: "/status",
				subject: "CN=pos-17,O=Shops Ltd,C=GB", serial: "FEF257372D5C14D4", status: 404, upstreamHeader: 0.010, notAfter: "2026-12-20T00:00:00Z"},
		},
	},
	{
		obj: Object{URI: "s3://proxy-logs/i-0a1b2c3d/envoy.log", ETag: "v1", Size: 1024,
			Kind: "terminator_envoy", ParserVersion: 1, Instance: "i-0a1b2c3d", TrafficPath: "alb"},
		log: "http",
		terminators: []fixtureTerminator{
			{line: 1, at: "10:00:00", kind: terminator.KindHandshake, connID: "7", clientIP: "198.51.100.1", outcome: "untrusted"},
			{line: 2, at: "10:00:01", connID: "8", clientIP: "198.51.100.2", outcome: "ok", method: "GET", uri: "/"},
			{line: 3, at: "10:00:02", connID: "8", clientIP: "198.51.100.2", outcome: "ok", method: "GET", uri: "/"},
		},
	},
	{
		obj: Object{URI: "s3://alb-logs/AWSLogs/123456789012/ELBAccessLogTestFile", ETag: "t1", Size: 60,
			Kind: "control", ParserVersion: 1},
	},
}

// fixtureTime returns the time of day hms ("15:04:05") on 3 December 2026,
// UTC.
func fixtureTime(hms string) time.Time {
	t, err := time.Parse(time.DateTime, "2026-12-03 "+hms)
	if err != nil {
		panic(err)
	}
	return t
}

func (f fixtureTerminator) record(source terminator.Source) terminator.Record {
	at, err := time.Parse("2006-01-02 15:04:05.999", "2026-12-03 "+f.at)
	if err != nil {
		panic(err)
	}
	kind := f.kind
	if kind == "" {
		kind = terminator.KindRequest
	}
	return terminator.Record{
		Source:             source,
		Kind:               kind,
		Time:               at,
		ConnectionID:       optionalString(f.connID),
		ClientIP:           f.clientIP,
		Outcome:            f.outcome,
		Method:             optionalString(f.method),
		URI:                optionalString(f.uri),
		Subject:            optionalString(f.subject),
		Serial:             optionalString(f.serial),
		Status:             sql.NullInt32{Int32: f.status, Valid: f.status != 0},
		UpstreamHeaderTime: sql.NullFloat64{Float64: f.upstreamHeader, Valid: f.upstreamHeader != 0},
		CertNotAfter:       optionalTime(f.notAfter),
	}
}

func optionalString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// optionalTime parses an RFC 3339 time, and "" as NULL.
func optionalTime(s string) sql.NullTime {
	if s == "" {
		return sql.NullTime{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return sql.NullTime{Time: t, Valid: true}
}

// optionalSeconds maps the logged -1 or "-" to NULL, as the parsers do.
func optionalSeconds(v float64) sql.NullFloat64 {
	return sql.NullFloat64{Float64: v, Valid: v >= 0}
}

func (r fixtureRequest) record() albaccess.Record {
	return albaccess.Record{
		Type:                 "https",
		Time:                 fixtureTime(r.at),
		ELB:                  shopELB,
		ClientIP:             "192.0.2.10",
		ClientPort:           sql.NullInt32{Int32: 50718, Valid: true},
		TargetProcessingTime: optionalSeconds(r.targetTime),
		ELBStatusCode:        sql.NullInt32{Int32: r.elbStatus, Valid: true},
		TargetGroupARN:       optionalString(r.targetGroup),
	}
}

func (c fixtureConnection) record() albconn.Record {
	return albconn.Record{
		Time:                       fixtureTime(c.at),
		ClientIP:                   c.clientIP,
		ClientPort:                 sql.NullInt32{Int32: 36280, Valid: true},
		ListenerPort:               sql.NullInt32{Int32: c.listenerPort, Valid: true},
		TLSHandshakeLatency:        optionalSeconds(c.latency),
		LeafClientCertSubject:      optionalString(c.subject),
		LeafClientCertSerialNumber: optionalString(c.serial),
		TLSVerifyStatus:            optionalString(c.verifyStatus),
		ELB:                        optionalString(c.elb),
		ConnTraceID:                optionalString(c.connTraceID),
		CertNotAfter:               optionalTime(c.notAfter),
	}
}

func (n fixtureNLB) record() nlbtls.Record {
	return nlbtls.Record{
		Type:               "tls",
		Version:            "2.0",
		Time:               fixtureTime(n.at),
		ELB:                n.elb,
		Listener:           "g3d4b5e8bb8464cd",
		ClientIP:           "198.51.100.20",
		ClientPort:         sql.NullInt32{Int32: 51341, Valid: true},
		DestinationIP:      sql.NullString{String: "10.0.4.8", Valid: true},
		DestinationPort:    sql.NullInt32{Int32: 443, Valid: true},
		TLSHandshakeTimeMS: sql.NullFloat64{Float64: n.handshakeMS, Valid: n.handshakeMS >= 0},
		TLSCipher:          optionalString(n.cipher),
	}
}

// openQueryFixture returns a database that contains queryFixture, loaded
// through the writer as ingest loads it.
func openQueryFixture(t *testing.T) *DB {
	t.Helper()
	db, _ := openTemp(t)
	for _, f := range queryFixture {
		loaded, err := load(t, db, f.obj, false, func(ctx context.Context, l *Load) {
			for _, r := range f.requests {
				rec := r.record()
				require.NoError(t, l.Access(ctx, &rec, r.line))
			}
			for _, c := range f.connections {
				rec := c.record()
				require.NoError(t, l.Connection(ctx, &rec, c.line))
			}
			for _, n := range f.nlbs {
				rec := n.record()
				require.NoError(t, l.NLB(ctx, &rec, n.line))
			}
			source := terminator.Source(strings.TrimPrefix(f.obj.Kind, "terminator_"))
			for _, r := range f.terminators {
				rec := r.record(source)
				log := f.log
				if source == terminator.SourceEnvoy && rec.Kind == terminator.KindHandshake {
					log = "listener"
				}
				require.NoError(t, l.Terminator(ctx, &rec, log, r.line))
			}
			for range f.skipped {
				l.Skip()
			}
			for _, r := range f.rejected {
				require.NoError(t, l.Reject(ctx, r.line, r.reason, r.raw))
			}
		})
		require.NoError(t, err, "load %s", f.obj.URI)
		require.Equal(t, int64(len(f.requests)+len(f.connections)+len(f.nlbs)+len(f.terminators)), loaded.Rows, "rows of %s", f.obj.URI)
	}
	loadMetricFixture(t, db)
	loadGateFixture(t, db)
	loadPreflightFixture(t, db)
	return db
}

// loadGateFixture stores three gate runs of one state. A step from 0 to 10
// percent at 10:10 passed all checks, an evaluation at 10:40 halted on two
// failed checks and changed nothing, and a rollback to 0 percent followed
// at 10:50. report_share_by_interval's 15-minute buckets then have no
// weight at 10:00, 10 percent from 10:15 to 10:45 (the rollback comes
// after 10:45), and 0 percent at 11:00.
func loadGateFixture(t *testing.T, db *DB) {
	t.Helper()
	passed := `[{"name":"freshness","verdict":"PASS","summary":"newest 0s before end"},` +
		`{"name":"handshake_failure_rate","verdict":"PASS","summary":"0.10 % of 400"}]`
	failed := `[{"name":"freshness","verdict":"PASS","summary":"newest 0s before end"},` +
		`{"name":"handshake_failure_rate","verdict":"FAIL","summary":"35.43 % of 400"},` +
		`{"name":"traffic_share","verdict":"WAIT","summary":"too few connections"},` +
		`{"name":"clients_left_behind","verdict":"FAIL","summary":"2 left behind"}]`
	rows := []GateDecision{
		{Seq: 0, Time: fixtureTime("10:10:00"), Kind: "step", Verdict: "GO", Executed: true,
			ALBShareBefore: 0, ALBShareAfter: 10, NLBWeightBefore: 100, ALBWeightBefore: 0, NLBWeightAfter: 90, ALBWeightAfter: 10,
			Outcome: "applied", ChangeIDs: "C0123456789ABCDEFGHIJ", Checks: passed, Message: "Moved the ALB from 0 to 10 percent."},
		{Seq: 1, Time: fixtureTime("10:40:00"), Kind: "evaluation", Verdict: "HALT-FAIL",
			ALBShareBefore: 10, ALBShareAfter: 10, NLBWeightBefore: 90, ALBWeightBefore: 10, NLBWeightAfter: 90, ALBWeightAfter: 10,
			Outcome: "none", Checks: failed, Message: "Two checks failed.", ExitCode: 3},
		{Seq: 2, Time: fixtureTime("10:50:00"), Kind: "rollback", Verdict: "ROLLBACK", Executed: true,
			ALBShareBefore: 10, ALBShareAfter: 0, NLBWeightBefore: 90, ALBWeightBefore: 10, NLBWeightAfter: 100, ALBWeightAfter: 0,
			Outcome: "applied", ChangeIDs: "C1123456789ABCDEFGHIJ", Message: "Moved the ALB from 10 to 0 percent."},
	}
	require.NoError(t, db.ReplaceGateDecisions(context.Background(), "s3://gate-state/shop.json", rows))
}

// loadPreflightFixture stores two preflight runs. The older one, at 09:30,
// must not show in report_preflight_vs_outcome. The latest, at 10:05:30
// over a window that ends at 10:05, predicts for the identities of the ALB
// connection log, whose connections from 10:05 on decide the match:
//   - pos-17 FEF257372D5C14D4, accept: 2 successful connections, confirmed.
//   - pos-18 A1B2C3E, reject as untrusted: failed so at 11:01 (its 10:03
//     failure is before the window's end), confirmed.
//   - pos-17 DEADBEEF, reject as untrusted: failed as expired at 10:07,
//     contradicted by the status.
//   - batch 11, reject as expired: succeeded at 10:06, contradicted.
//   - pos-18 A1B2C3D, unknown: its one connection is at 10:02, unseen.
func loadPreflightFixture(t *testing.T, db *DB) {
	t.Helper()
	const (
		pos17 = "CN=pos-17,O=Shops Ltd,C=GB"
		pos18 = "CN=pos-18,O=Shops Ltd,C=GB"
		batch = "CN=batch,O=Shops Ltd,C=GB"
	)
	ctx := context.Background()
	older := PreflightRun{
		At:     fixtureTime("09:30:00"),
		Window: Window{From: fixtureTime("08:00:00"), To: fixtureTime("09:30:00")},
		Predictions: []PreflightPrediction{
			{Subject: pos18, Serial: "A1B2C3D", Verdict: "accept", Status: "Success", Connections: 9, NLBOKConnections: 9, Share: 1},
		},
	}
	latest := PreflightRun{
		At:     fixtureTime("10:05:30"),
		Window: Window{From: fixtureTime("09:00:00"), To: fixtureTime("10:05:00")},
		Predictions: []PreflightPrediction{
			{Subject: pos17, Serial: "FEF257372D5C14D4", Verdict: "accept", Status: "Success", Connections: 5, NLBOKConnections: 5, Share: 0.5},
			{Subject: pos18, Serial: "A1B2C3E", Verdict: "reject", Status: "Failed:ClientCertUntrusted", Connections: 2, NLBOKConnections: 2, Share: 0.2},
			{Subject: pos17, Serial: "DEADBEEF", Verdict: "reject", Status: "Failed:ClientCertUntrusted", Connections: 1, NLBOKConnections: 1, Share: 0.1},
			{Subject: batch, Serial: "11", Verdict: "reject", Status: "Failed:ClientCertExpired", Connections: 1, NLBOKConnections: 0, Share: 0.1},
			{Subject: pos18, Serial: "A1B2C3D", Verdict: "unknown", Missing: "issuer", Connections: 1, Share: 0.1},
		},
	}
	for _, run := range []PreflightRun{older, latest} {
		_, err := db.InsertPreflightRun(ctx, run)
		require.NoError(t, err)
	}
}

// loadMetricFixture stores three minutes of CloudWatch metrics, from
// 10:59 to 11:02, of the shop ALB and the edge NLB.
func loadMetricFixture(t *testing.T, db *DB) {
	t.Helper()
	type point struct {
		metric, stat, dimensions string
		at                       string // time of day on 3 December 2026, UTC
		value                    float64
		known, datapoint         bool
	}
	shopTG := "LoadBalancer=" + shopELB + ",TargetGroup=targetgroup/shop-web/73e2d6bc24d8a067"
	edgeTG := "LoadBalancer=" + edgeELB + ",TargetGroup=targetgroup/edge-tcp/5e0a9f3c71b2d648"
	series := map[string][]point{
		shopELB: {
			{"RequestCount", "Sum", "", "10:59:00", 12, true, true},
			{"RequestCount", "Sum", "", "11:00:00", 0, true, false},
			{"RequestCount", "Sum", "", "11:01:00", 30, true, true},
			{"ClientTLSNegotiationErrorCount", "Sum", "", "11:01:00", 2, true, true},
			{"HTTPCode_ELB_5XX_Count", "Sum", "", "10:59:00", 1, true, true},
			{"HTTPCode_Target_5XX_Count", "Sum", "", "11:01:00", 3, true, true},
			{"TargetResponseTime", "p99", "", "10:59:00", 0.41, true, true},
			{"TargetResponseTime", "p99", "", "11:00:00", 0, false, false},
			{"TargetResponseTime", "p99", "", "11:01:00", 0.25, true, true},
			{"HealthyHostCount", "Minimum", shopTG, "11:00:00", 2, true, true},
			{"HealthyHostCount", "Minimum", shopTG, "11:01:00", 1, true, true},
			{"UnHealthyHostCount", "Maximum", shopTG, "11:01:00", 1, true, true},
		},
		edgeELB: {
			{"NewFlowCount", "Sum", "", "11:00:00", 40, true, true},
			{"NewFlowCount", "Sum", "", "11:01:00", 35, true, true},
			{"TCP_Client_Reset_Count", "Sum", "", "11:01:00", 4, true, true},
			{"TCP_Target_Reset_Count", "Sum", "", "11:01:00", 0, true, false},
			{"HealthyHostCount", "Minimum", edgeTG, "11:00:00", 0, false, false},
			{"HealthyHostCount", "Minimum", edgeTG, "11:01:00", 3, true, true},
		},
	}
	for lb, points := range series {
		namespace := "AWS/NetworkELB"
		if lb == shopELB {
			namespace = "AWS/ApplicationELB"
		}
		rows := make([]MetricRow, len(points))
		for i, p := range points {
			dims := p.dimensions
			if dims == "" {
				dims = "LoadBalancer=" + lb
			}
			rows[i] = MetricRow{Namespace: namespace,
				Metric: p.metric, LoadBalancer: lb, Dimensions: dims, Stat: p.stat, Period: 60, Time: fixtureTime(p.at),
				Value: p.value, Known: p.known, Datapoint: p.datapoint}
		}
		w := MetricWindow{LoadBalancers: []string{lb}, From: fixtureTime("10:59:00"), To: fixtureTime("11:02:00"), Period: 60}
		_, err := db.ReplaceMetrics(context.Background(), w, rows, nil, fixtureTime("11:10:00"))
		require.NoError(t, err)
	}
}

func goldenPath(name string) string {
	return filepath.Join(goldenDir, name+".golden")
}

func TestNamedQueries(t *testing.T) {
	db := openQueryFixture(t)
	all := queries.All()
	require.NotEmpty(t, all)

	for _, q := range all {
		t.Run(q.Name, func(t *testing.T) {
			res := queryWithVariables(t, db, queryVariables[q.Name], q.SQL)
			got := renderResult(t, res)

			path := goldenPath(q.Name)
			if *updateGolden {
				require.NoError(t, os.MkdirAll(goldenDir, 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "read the golden file; create it with: go test -tags duckdb_arrow ./internal/store -run TestNamedQueries -update")
			assert.Equal(t, string(want), got, "result of %s differs from %s", q.Name, path)
		})
	}
}

// queryVariables are the DuckDB variables, as SQL expressions, that
// TestNamedQueries sets for a query whose golden file would otherwise be
// empty or change with the clock. certs_client selects pos-18's serial
// 0A1B2C3E spelled with separators in lower case, and certs_expiring counts
// days from a fixed window end instead of now(). report_latency_by_interval
// gets its bucket width as a string, as DB.QueryVariables passes it, so
// that the query's cast to INTERVAL is tested.
var queryVariables = map[string]map[string]string{
	"certs_client":               {"client": "'0a:1b:2c:3e'"},
	"certs_expiring":             {"window_end": "'2026-12-03 12:00:00Z'::TIMESTAMPTZ"},
	"report_latency_by_interval": {"bucket": "'30 minutes'"},
}

// queryWithVariables runs query on one connection after setting variables
// there, because DuckDB variables belong to a connection. It resets them
// afterwards, so that the pooled connection does not pass them on.
func queryWithVariables(t *testing.T, db *DB, variables map[string]string, query string) *Result {
	t.Helper()
	ctx := context.Background()
	conn, err := db.sql.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	for name, value := range variables {
		_, err := conn.ExecContext(ctx, "SET VARIABLE "+name+" = "+value)
		require.NoError(t, err, "set variable %s", name)
	}

	rows, err := conn.QueryContext(ctx, query)
	require.NoError(t, err)
	res, err := collect(rows)
	require.NoError(t, err)

	for name := range variables {
		_, err := conn.ExecContext(ctx, "RESET VARIABLE "+name)
		require.NoError(t, err, "reset variable %s", name)
	}
	return res
}

// TestQueryGoldenFiles checks that every named query has a golden file and
// every golden file a query, so that a new query cannot go untested and a
// renamed one leaves no stale file behind.
func TestQueryGoldenFiles(t *testing.T) {
	var names []string
	for _, q := range queries.All() {
		names = append(names, q.Name)
	}
	paths, err := filepath.Glob(filepath.Join(goldenDir, "*.golden"))
	require.NoError(t, err)
	var goldens []string
	for _, p := range paths {
		goldens = append(goldens, strings.TrimSuffix(filepath.Base(p), ".golden"))
	}
	sort.Strings(goldens)

	assert.Equal(t, names, goldens,
		"named queries (queries/*.sql) and golden files (%s/*.golden) differ: create missing goldens with -update and delete stale ones", goldenDir)
}

// renderResult renders a query result as an aligned text table: column
// names, DuckDB types, then one line per row. Strings are quoted, so that
// NULL and the string "NULL" differ.
func renderResult(t *testing.T, res *Result) string {
	t.Helper()
	table := [][]string{res.Columns, res.Types}
	for _, row := range res.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = renderValue(t, v)
		}
		table = append(table, cells)
	}

	widths := make([]int, len(res.Columns))
	for _, cells := range table {
		for i, c := range cells {
			widths[i] = max(widths[i], len(c))
		}
	}
	var out strings.Builder
	writeLine := func(cells []string) {
		var line strings.Builder
		for i, c := range cells {
			if i > 0 {
				line.WriteString(" | ")
			}
			fmt.Fprintf(&line, "%-*s", widths[i], c)
		}
		out.WriteString(strings.TrimRight(line.String(), " "))
		out.WriteString("\n")
	}
	writeLine(table[0])
	writeLine(table[1])
	separators := make([]string, len(widths))
	for i, w := range widths {
		separators[i] = strings.Repeat("-", w)
	}
	out.WriteString(strings.Join(separators, "-+-") + "\n")
	for _, cells := range table[2:] {
		writeLine(cells)
	}
	fmt.Fprintf(&out, "(%d rows)\n", len(res.Rows))
	return out.String()
}

// renderValue renders one value as the DuckDB driver returns it. It fails
// the test on a type it does not know, so that a changed column type shows
// up here rather than as a confusing golden diff.
func renderValue(t *testing.T, v any) string {
	t.Helper()
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return fmt.Sprint(v)
	case *big.Int:
		return v.String()
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case duckdb.Decimal:
		return v.String()
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	t.Fatalf("renderValue: no rendering for %T value %v", v, v)
	return ""
}

// TestWindowedQueriesFollowWindow checks that windowed named queries count
// only the rows of the window that QueryWindow sets.
func TestWindowedQueriesFollowWindow(t *testing.T) {
	db := openQueryFixture(t)
	ctx := context.Background()
	window := Window{From: fixtureTime("10:00:05"), To: fixtureTime("10:05:00")}

	// total runs query in the window and adds up one column.
	total := func(name, column string) float64 {
		q, ok := queries.Lookup(name)
		require.True(t, ok, name)
		res, err := db.QueryWindow(ctx, window, q.SQL)
		require.NoError(t, err, name)
		index := -1
		for i, c := range res.Columns {
			if c == column {
				index = i
			}
		}
		require.GreaterOrEqual(t, index, 0, "column %s of %s", column, name)
		sum := 0.0
		for _, row := range res.Rows {
			switch v := row[index].(type) {
			case int64:
				sum += float64(v)
			case float64:
				sum += v
			}
		}
		return sum
	}
	count := func(sql string) float64 {
		res, err := db.Query(ctx, sql, window.From, window.To)
		require.NoError(t, err)
		return float64(res.Rows[0][0].(int64))
	}

	all := count("SELECT count(*) FROM tls_handshakes WHERE time >= ? AND time < ?")
	failed := count("SELECT count(*) FROM tls_handshakes WHERE outcome <> 'ok' AND time >= ? AND time < ?")
	requests := count("SELECT count(*) FROM requests WHERE time >= ? AND time < ?")
	require.Positive(t, all)
	require.Less(t, all, count("SELECT count(*) FROM tls_handshakes WHERE ? IS NOT NULL AND ? IS NOT NULL"), "the window must leave rows out")

	assert.Equal(t, all, total("client_handshakes", "connections"))
	assert.Equal(t, failed, total("failure_reasons_by_path", "connections"))
	assert.Equal(t, requests, total("response_time_by_client", "requests"))
	assert.Equal(t, requests, total("client_4xx", "requests"))

	assert.Equal(t, all, total("report_totals", "connections"))
	assert.Equal(t, failed, total("report_totals", "failed"))
	assert.Equal(t, all, total("report_handshakes_by_interval", "connections"))
	assert.Equal(t, failed, total("report_handshakes_by_interval", "failed"))
	assert.Equal(t, failed, total("report_failures_by_reason", "connections"))
	assert.Equal(t, all, total("report_share_by_interval", "alb_connections")+total("report_share_by_interval", "nlb_connections"))
}
