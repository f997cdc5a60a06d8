package albaccess

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

var update = flag.Bool("update", false, "rewrite testdata/peers/*.golden.json from what Read returns")

// goldenLine is one line of a golden file: the record read from the line, or
// the error.
type goldenLine struct {
	Line   int           `json:"line"`
	Record *goldenRecord `json:"record,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// goldenRecord is a Record with NULL values as JSON null, under the
// alb_access column names.
type goldenRecord struct {
	Type                   string `json:"type"`
	Time                   string `json:"time"`
	ELB                    string `json:"elb"`
	ClientIP               string `json:"client_ip"`
	ClientPort             any    `json:"client_port"`
	TargetIP               any    `json:"target_ip"`
	TargetPort             any    `json:"target_port"`
	RequestProcessingTime  any    `json:"request_processing_time"`
	TargetProcessingTime   any    `json:"target_processing_time"`
	ResponseProcessingTime any    `json:"response_processing_time"`
	ELBStatusCode          any    `json:"elb_status_code"`
	TargetStatusCode       any    `json:"target_status_code"`
	ReceivedBytes          any    `json:"received_bytes"`
	SentBytes              any    `json:"sent_bytes"`
	RequestVerb            any    `json:"request_verb"`
	RequestURL             any    `json:"request_url"`
	RequestProto           any    `json:"request_proto"`
	UserAgent              any    `json:"user_agent"`
	SSLCipher              any    `json:"ssl_cipher"`
	SSLProtocol            any    `json:"ssl_protocol"`
	TargetGroupARN         any    `json:"target_group_arn"`
	TraceID                any    `json:"trace_id"`
	DomainName             any    `json:"domain_name"`
	ChosenCertARN          any    `json:"chosen_cert_arn"`
	MatchedRulePriority    any    `json:"matched_rule_priority"`
	RequestCreationTime    any    `json:"request_creation_time"`
	ActionsExecuted        any    `json:"actions_executed"`
	RedirectURL            any    `json:"redirect_url"`
	ErrorReason            any    `json:"error_reason"`
	TargetPortList         any    `json:"target_port_list"`
	TargetStatusCodeList   any    `json:"target_status_code_list"`
	Classification         any    `json:"classification"`
	ClassificationReason   any    `json:"classification_reason"`
	ConnTraceID            any    `json:"conn_trace_id"`
	TransformedHost        any    `json:"transformed_host"`
	TransformedURI         any    `json:"transformed_uri"`
	RequestTransformStatus any    `json:"request_transform_status"`
	Extra                  string `json:"extra"`
}

// nullable returns v, or nil (JSON null) when it is not valid.
func nullable[T any](v T, valid bool) any {
	if !valid {
		return nil
	}
	return v
}

func toGolden(r *Record) *goldenRecord {
	return &goldenRecord{
		Type:                   r.Type,
		Time:                   r.Time.Format(time.RFC3339Nano),
		ELB:                    r.ELB,
		ClientIP:               r.ClientIP,
		ClientPort:             nullable(r.ClientPort.Int32, r.ClientPort.Valid),
		TargetIP:               nullable(r.TargetIP.String, r.TargetIP.Valid),
		TargetPort:             nullable(r.TargetPort.Int32, r.TargetPort.Valid),
		RequestProcessingTime:  nullable(r.RequestProcessingTime.Float64, r.RequestProcessingTime.Valid),
		TargetProcessingTime:   nullable(r.TargetProcessingTime.Float64, r.TargetProcessingTime.Valid),
		ResponseProcessingTime: nullable(r.ResponseProcessingTime.Float64, r.ResponseProcessingTime.Valid),
		ELBStatusCode:          nullable(r.ELBStatusCode.Int32, r.ELBStatusCode.Valid),
		TargetStatusCode:       nullable(r.TargetStatusCode.Int32, r.TargetStatusCode.Valid),
		ReceivedBytes:          nullable(r.ReceivedBytes.Int64, r.ReceivedBytes.Valid),
		SentBytes:              nullable(r.SentBytes.Int64, r.SentBytes.Valid),
		RequestVerb:            nullable(r.RequestVerb.String, r.RequestVerb.Valid),
		RequestURL:             nullable(r.RequestURL.String, r.RequestURL.Valid),
		RequestProto:           nullable(r.RequestProto.String, r.RequestProto.Valid),
		UserAgent:              nullable(r.UserAgent.String, r.UserAgent.Valid),
		SSLCipher:              nullable(r.SSLCipher.String, r.SSLCipher.Valid),
		SSLProtocol:            nullable(r.SSLProtocol.String, r.SSLProtocol.Valid),
		TargetGroupARN:         nullable(r.TargetGroupARN.String, r.TargetGroupARN.Valid),
		TraceID:                nullable(r.TraceID.String, r.TraceID.Valid),
		DomainName:             nullable(r.DomainName.String, r.DomainName.Valid),
		ChosenCertARN:          nullable(r.ChosenCertARN.String, r.ChosenCertARN.Valid),
		MatchedRulePriority:    nullable(r.MatchedRulePriority.Int32, r.MatchedRulePriority.Valid),
		RequestCreationTime:    nullable(r.RequestCreationTime.Time.Format(time.RFC3339Nano), r.RequestCreationTime.Valid),
		ActionsExecuted:        nullable(r.ActionsExecuted.String, r.ActionsExecuted.Valid),
		RedirectURL:            nullable(r.RedirectURL.String, r.RedirectURL.Valid),
		ErrorReason:            nullable(r.ErrorReason.String, r.ErrorReason.Valid),
		TargetPortList:         nullable(r.TargetPortList.String, r.TargetPortList.Valid),
		TargetStatusCodeList:   nullable(r.TargetStatusCodeList.String, r.TargetStatusCodeList.Valid),
		Classification:         nullable(r.Classification.String, r.Classification.Valid),
		ClassificationReason:   nullable(r.ClassificationReason.String, r.ClassificationReason.Valid),
		ConnTraceID:            nullable(r.ConnTraceID.String, r.ConnTraceID.Valid),
		TransformedHost:        nullable(r.TransformedHost.String, r.TransformedHost.Valid),
		TransformedURI:         nullable(r.TransformedURI.String, r.TransformedURI.Valid),
		RequestTransformStatus: nullable(r.RequestTransformStatus.String, r.RequestTransformStatus.Valid),
		Extra:                  r.Extra,
	}
}

// peerFiles returns the peer logs in testdata/peers, by folder name.
func peerFiles(t testing.TB) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "peers", "*.log"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	files := make(map[string]string, len(paths))
	for _, path := range paths {
		files[strings.TrimSuffix(filepath.Base(path), ".log")] = path
	}
	return files
}

func TestPeersGolden(t *testing.T) {
	for folder, path := range peerFiles(t) {
		t.Run(folder, func(t *testing.T) {
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()

			var lines []goldenLine
			for _, res := range readAll(t, f) {
				entry := goldenLine{Line: res.line}
				if res.err != nil {
					entry.Error = res.err.Error()
				} else {
					entry.Record = toGolden(&res.rec)
				}
				lines = append(lines, entry)
			}
			var got bytes.Buffer
			enc := json.NewEncoder(&got)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(lines))

			goldenPath := strings.TrimSuffix(path, ".log") + ".golden.json"
			if *update {
				require.NoError(t, os.WriteFile(goldenPath, got.Bytes(), 0o644))
			}
			want, err := os.ReadFile(goldenPath)
			require.NoError(t, err, "run go test ./ingest/albaccess -update to create it")
			assert.Equal(t, string(want), got.String())
		})
	}
}

// readPeerLine reads line n (1-indexed) of a peer file.
func readPeerLine(t *testing.T, folder string, n int) result {
	t.Helper()
	f, err := os.Open(peerFiles(t)[folder])
	require.NoError(t, err)
	defer f.Close()

	results := readAll(t, f)
	require.GreaterOrEqual(t, len(results), n)
	return results[n-1]
}

func ts(t *testing.T, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, v)
	require.NoError(t, err)
	return tm
}

func nullTS(t *testing.T, v string) sql.NullTime {
	t.Helper()
	return sql.NullTime{Time: ts(t, v), Valid: true}
}

// TestPeerExpectations checks the values that other parsers expect from
// their own test lines, where they mean the same as the AWS field
// definitions. It asserts our values where a peer differs: NULL for "-",
// numbers for status codes, and the lists as one string.
func TestPeerExpectations(t *testing.T) {
	tests := []struct {
		name   string
		folder string
		line   int
		check  func(t *testing.T, rec Record)
	}{
		{
			name:   "vrl unquoted target lists",
			folder: "vrl_parse_aws_alb_log", line: 1,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "http", rec.Type)
				assert.Equal(t, ts(t, "2018-07-02T22:23:00.186641Z"), rec.Time)
				assert.Equal(t, "192.168.131.39", rec.ClientIP)
				assert.Equal(t, i32(2817), rec.ClientPort)
				assert.Equal(t, str("10.0.0.1"), rec.TargetIP)
				assert.Equal(t, i32(80), rec.TargetPort)
				assert.Equal(t, i32(200), rec.ELBStatusCode)
				assert.Equal(t, i32(200), rec.TargetStatusCode)
				assert.Equal(t, i64(34), rec.ReceivedBytes)
				assert.Equal(t, i64(366), rec.SentBytes)
				assert.Equal(t, str("GET"), rec.RequestVerb)
				assert.Equal(t, str("http://www.example.com:80/"), rec.RequestURL)
				assert.Equal(t, str("HTTP/1.1"), rec.RequestProto)
				assert.Equal(t, sql.NullString{}, rec.SSLCipher)
				assert.Equal(t, i32(0), rec.MatchedRulePriority)
				assert.Equal(t, nullTS(t, "2018-07-02T22:22:48.364Z"), rec.RequestCreationTime)
				assert.Equal(t, str("10.0.0.1:80"), rec.TargetPortList)
				assert.Equal(t, str("200"), rec.TargetStatusCodeList)
				assert.Equal(t, sql.NullString{}, rec.Classification)
				assert.Equal(t, str("TID_dc57cebed65b444ebc8177bb698fe166"), rec.ConnTraceID)
				assert.Equal(t, sql.NullString{}, rec.TransformedHost, "the line has 30 fields")
			},
		},
		{
			name:   "vrl redirect",
			folder: "vrl_parse_aws_alb_log", line: 3,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "h2", rec.Type)
				assert.Equal(t, "10.0.1.252", rec.ClientIP)
				assert.Equal(t, i32(48160), rec.ClientPort)
				assert.Equal(t, str("HTTP/2.0"), rec.RequestProto)
				assert.Equal(t, str("redirect"), rec.ActionsExecuted)
				assert.Equal(t, str("https://example.com:80/"), rec.RedirectURL)
				assert.Equal(t, i32(1), rec.MatchedRulePriority)
			},
		},
		{
			name:   "vrl Lambda failure",
			folder: "vrl_parse_aws_alb_log", line: 7,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullString{}, rec.TargetIP)
				assert.Equal(t, sql.NullInt32{}, rec.TargetPort)
				assert.Equal(t, i32(502), rec.ELBStatusCode)
				assert.Equal(t, sql.NullInt32{}, rec.TargetStatusCode)
				assert.Equal(t, str("LambdaInvalidResponse"), rec.ErrorReason)
				assert.Equal(t, sql.NullString{}, rec.TargetPortList)
				assert.Equal(t, sql.NullString{}, rec.TargetStatusCodeList)
				assert.Equal(t, str("TID_dc57cebed65b444ebc8177bb698fe166"), rec.ConnTraceID)
			},
		},
		{
			name:   "vrl malformed request",
			folder: "vrl_parse_aws_alb_log", line: 9,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "113.241.19.90", rec.ClientIP)
				assert.Equal(t, i32(15070), rec.ClientPort)
				assert.Equal(t, sql.NullString{}, rec.TargetIP)
				assert.Equal(t, sql.NullFloat64{}, rec.RequestProcessingTime, "-1 is NULL")
				assert.Equal(t, sql.NullFloat64{}, rec.TargetProcessingTime, "-1 is NULL")
				assert.Equal(t, sql.NullFloat64{}, rec.ResponseProcessingTime, "-1 is NULL")
				assert.Equal(t, i32(400), rec.ELBStatusCode)
				assert.Equal(t, sql.NullInt32{}, rec.TargetStatusCode)
				assert.Equal(t, sql.NullString{}, rec.RequestVerb)
				assert.Equal(t, str("http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80-"), rec.RequestURL)
				assert.Equal(t, sql.NullString{}, rec.RequestProto)
				assert.Equal(t, sql.NullString{}, rec.UserAgent)
				assert.Equal(t, sql.NullString{}, rec.TargetGroupARN)
				assert.Equal(t, sql.NullString{}, rec.TraceID)
				assert.Equal(t, sql.NullInt32{}, rec.MatchedRulePriority)
				assert.Equal(t, nullTS(t, "2021-03-17T18:54:13.967Z"), rec.RequestCreationTime)
				assert.Equal(t, sql.NullString{}, rec.ActionsExecuted)
				assert.Equal(t, str("TID_dc57cebed65b444ebc8177bb698fe166"), rec.ConnTraceID)
			},
		},
		{
			name:   "vrl IPv6 without brackets",
			folder: "vrl_parse_aws_alb_log", line: 11,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc", rec.ClientIP)
				assert.Equal(t, i32(50599), rec.ClientPort)
				assert.Equal(t, str("fd6d:6bbc:c529:6::face:ed83:f46"), rec.TargetIP)
				assert.Equal(t, i32(80), rec.TargetPort)
				assert.Equal(t, str("POST"), rec.RequestVerb)
				assert.Equal(t, str("https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50"), rec.RequestURL)
				assert.Equal(t, str("User 1.0"), rec.UserAgent)
				assert.Equal(t, str("waf,forward"), rec.ActionsExecuted)
				assert.Equal(t, str("fd6d:6bbc:c529:27ff:b::dead:ed84:80"), rec.TargetPortList)
				assert.Equal(t, str("TID_dc57cebed65b444ebc8177bb698fe166"), rec.ConnTraceID)
			},
		},
		{
			name:   "vrl 29 fields has no conn_trace_id",
			folder: "vrl_parse_aws_alb_log", line: 12,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullString{}, rec.ConnTraceID)
				assert.Equal(t, "", rec.Extra)
			},
		},
		{
			name:   "vrl transform fields of -",
			folder: "vrl_parse_aws_alb_log", line: 15,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, str("TID_12345"), rec.ConnTraceID)
				assert.Equal(t, sql.NullString{}, rec.TransformedHost)
				assert.Equal(t, sql.NullString{}, rec.TransformedURI)
				assert.Equal(t, sql.NullString{}, rec.RequestTransformStatus)
				assert.Equal(t, "", rec.Extra)
			},
		},
		{
			name:   "igtm 18 fields",
			folder: "igtm_node-alb-log-parser", line: 1,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "http", rec.Type)
				assert.Equal(t, ts(t, "2015-05-13T23:39:43.945958Z"), rec.Time)
				assert.Equal(t, "my-loadbalancer", rec.ELB)
				assert.Equal(t, f64(0.000073), rec.RequestProcessingTime)
				assert.Equal(t, f64(0.001048), rec.TargetProcessingTime)
				assert.Equal(t, f64(0.000057), rec.ResponseProcessingTime)
				assert.Equal(t, i64(0), rec.ReceivedBytes)
				assert.Equal(t, i64(29), rec.SentBytes)
				assert.Equal(t, str("curl/7.38.0"), rec.UserAgent)
				assert.Equal(t, str("Root=1-58337262-36d228ad5d99923122bbe354"), rec.TraceID)
				assert.Equal(t, sql.NullString{}, rec.DomainName)
			},
		},
		{
			name:   "igtm never-parsed request",
			folder: "igtm_node-alb-log-parser", line: 4,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullString{}, rec.RequestVerb)
				assert.Equal(t, sql.NullString{}, rec.RequestURL)
				assert.Equal(t, sql.NullString{}, rec.RequestProto)
				assert.Equal(t, sql.NullString{}, rec.UserAgent)
				assert.Equal(t, sql.NullInt32{}, rec.ELBStatusCode)
			},
		},
		{
			name:   "igtm IPv6 client",
			folder: "igtm_node-alb-log-parser", line: 6,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "2001:db8:85a3:0:0:8a2e:370:7334", rec.ClientIP)
				assert.Equal(t, i32(2817), rec.ClientPort)
			},
		},
		{
			name:   "igtm no target",
			folder: "igtm_node-alb-log-parser", line: 7,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullString{}, rec.TargetIP)
				assert.Equal(t, sql.NullInt32{}, rec.TargetPort)
			},
		},
		{
			name:   "igtm Lambda failure",
			folder: "igtm_node-alb-log-parser", line: 10,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(502), rec.ELBStatusCode)
				assert.Equal(t, sql.NullInt32{}, rec.TargetStatusCode)
				assert.Equal(t, sql.NullString{}, rec.DomainName)
				assert.Equal(t, i32(0), rec.MatchedRulePriority)
				assert.Equal(t, nullTS(t, "2018-11-30T22:22:48.364Z"), rec.RequestCreationTime)
				assert.Equal(t, str("forward"), rec.ActionsExecuted)
				assert.Equal(t, sql.NullString{}, rec.RedirectURL)
				assert.Equal(t, str("LambdaInvalidResponse"), rec.ErrorReason)
			},
		},
		{
			// igtm expects "FOO BAR" and BAZ to be ignored, but since 2023
			// and 2025 fields 30 and 31 are conn_trace_id and transformed_host.
			name:   "igtm fields 30 and 31",
			folder: "igtm_node-alb-log-parser", line: 13,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullString{}, rec.Classification)
				assert.Equal(t, sql.NullString{}, rec.ClassificationReason)
				assert.Equal(t, str("FOO BAR"), rec.ConnTraceID)
				assert.Equal(t, str("BAZ"), rec.TransformedHost)
				assert.Equal(t, "", rec.Extra)
			},
		},
		{
			name:   "igtm -1 timings",
			folder: "igtm_node-alb-log-parser", line: 14,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullFloat64{}, rec.RequestProcessingTime)
				assert.Equal(t, sql.NullFloat64{}, rec.TargetProcessingTime)
				assert.Equal(t, sql.NullFloat64{}, rec.ResponseProcessingTime)
			},
		},
		{
			name:   "otel IPv4",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 1,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "https", rec.Type)
				assert.Equal(t, time.Unix(0, 1530570180186641000).UTC(), rec.Time)
				assert.Equal(t, "app/my-loadbalancer/50dc6c495c0c9188", rec.ELB)
				assert.Equal(t, "192.168.131.39", rec.ClientIP)
				assert.Equal(t, i32(2817), rec.ClientPort)
				assert.Equal(t, str("10.0.0.1"), rec.TargetIP)
				assert.Equal(t, i32(80), rec.TargetPort)
				assert.Equal(t, i32(200), rec.ELBStatusCode)
				assert.Equal(t, i32(200), rec.TargetStatusCode)
				assert.Equal(t, str("GET"), rec.RequestVerb)
				assert.Equal(t, str("https://www.example.com:443/"), rec.RequestURL)
				assert.Equal(t, str("HTTP/1.1"), rec.RequestProto)
				assert.Equal(t, str("TLSv1.2"), rec.SSLProtocol)
				assert.Equal(t, str("www.example.com"), rec.DomainName)
				assert.Equal(t, str("authenticate,forward"), rec.ActionsExecuted)
				assert.Equal(t, f64(0.086), rec.RequestProcessingTime)
				assert.Equal(t, f64(0.048), rec.TargetProcessingTime)
				assert.Equal(t, f64(0.037), rec.ResponseProcessingTime)
				assert.Equal(t, str("TID_1234abcd5678ef90"), rec.ConnTraceID)
			},
		},
		{
			// The peer expects the addresses without brackets; they are
			// stored as logged here.
			name:   "otel IPv6 in brackets",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 2,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "[fe80::202:b3ff:fe1e:8329]", rec.ClientIP)
				assert.Equal(t, i32(443), rec.ClientPort)
				assert.Equal(t, str("[2001:db8::1]"), rec.TargetIP)
				assert.Equal(t, i32(80), rec.TargetPort)
			},
		},
		{
			// The peer rejects types it does not list. AWS adds types over
			// time (grpcs came later) and documents that readers should
			// ignore values it does not list, so the line is kept with its
			// type as logged.
			name:   "otel unknown type",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 4,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "invalid", rec.Type)
				assert.Equal(t, str("forward,redirect"), rec.ActionsExecuted)
				assert.Equal(t, str("TID_1234abcd5678ef90"), rec.ConnTraceID)
			},
		},
		{
			name:   "cloud-gov redirect",
			folder: "cloud-gov_cg-elb-log-ingestor", line: 2,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "h2", rec.Type)
				assert.Equal(t, ts(t, "2018-07-02T22:23:00.186641Z"), rec.Time)
				assert.Equal(t, "10.0.1.252", rec.ClientIP)
				assert.Equal(t, i32(48160), rec.ClientPort)
				assert.Equal(t, str("10.0.0.66"), rec.TargetIP)
				assert.Equal(t, i32(9000), rec.TargetPort)
				assert.Equal(t, f64(0.002), rec.TargetProcessingTime)
				assert.Equal(t, i64(5), rec.ReceivedBytes)
				assert.Equal(t, i64(257), rec.SentBytes)
				assert.Equal(t, str("https://10.0.2.105:773/"), rec.RequestURL)
				assert.Equal(t, str("HTTP/2.0"), rec.RequestProto)
				assert.Equal(t, i32(1), rec.MatchedRulePriority)
				assert.Equal(t, str("https://example.com:80/"), rec.RedirectURL)
			},
		},
		{
			name:   "cloud-gov websocket",
			folder: "cloud-gov_cg-elb-log-ingestor", line: 3,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "ws", rec.Type)
				assert.Equal(t, i32(101), rec.ELBStatusCode)
				assert.Equal(t, i32(101), rec.TargetStatusCode)
				assert.Equal(t, str("10.0.1.192"), rec.TargetIP)
				assert.Equal(t, i32(8010), rec.TargetPort)
				assert.Equal(t, sql.NullString{}, rec.UserAgent)
			},
		},
		{
			name:   "cloud-gov Lambda",
			folder: "cloud-gov_cg-elb-log-ingestor", line: 5,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, ts(t, "2018-11-30T22:23:00.186641Z"), rec.Time)
				assert.Equal(t, sql.NullString{}, rec.TargetIP)
				assert.Equal(t, sql.NullInt32{}, rec.TargetPort)
				assert.Equal(t, i32(200), rec.TargetStatusCode)
				assert.Equal(t, nullTS(t, "2018-11-30T22:22:48.364Z"), rec.RequestCreationTime)
			},
		},
		{
			name:   "cloud-gov https",
			folder: "cloud-gov_cg-elb-log-ingestor", line: 6,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, str("www.example.com"), rec.DomainName)
				assert.Equal(t, str("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"), rec.ChosenCertARN)
				assert.Equal(t, str("authenticate,forward"), rec.ActionsExecuted)
				assert.Equal(t, f64(0.086), rec.RequestProcessingTime)
				assert.Equal(t, f64(0.037), rec.ResponseProcessingTime)
			},
		},
		{
			name:   "honeycomb classification",
			folder: "honeycombio_honeyaws", line: 1,
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "spline_reticulation_lb", rec.ELB)
				assert.Equal(t, f64(0.000021), rec.RequestProcessingTime)
				assert.Equal(t, sql.NullFloat64{}, rec.ResponseProcessingTime, "-1 is NULL")
				assert.Equal(t, i32(504), rec.TargetStatusCode)
				assert.Equal(t, str("http://redirect.com"), rec.RedirectURL)
				assert.Equal(t, str("AWSALBTGCookieInvalid"), rec.ErrorReason)
				assert.Equal(t, str("10.11.12.13:80"), rec.TargetPortList)
				assert.Equal(t, str("201"), rec.TargetStatusCodeList)
				assert.Equal(t, str("Acceptable"), rec.Classification)
				assert.Equal(t, str("NonCompliantVersion"), rec.ClassificationReason)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readPeerLine(t, tt.folder, tt.line)
			require.NoError(t, res.err)
			tt.check(t, res.rec)
		})
	}
}

func TestPeerTransformFields(t *testing.T) {
	// The OpenTelemetry expectations hold a third record with rule-transform
	// values whose input line was not kept. This line is the peer's first
	// line with those three values appended.
	first := readPeerLine(t, "otel-collector-contrib_awslogsencoding_elb", 1)
	require.NoError(t, first.err)
	line := first.raw + ` "transformed.example.com" "https://transformed.example.com/index.html" "TransformSuccess"`

	rec := readOne(t, line)

	assert.Equal(t, str("TID_1234abcd5678ef90"), rec.ConnTraceID)
	assert.Equal(t, str("transformed.example.com"), rec.TransformedHost)
	assert.Equal(t, str("https://transformed.example.com/index.html"), rec.TransformedURI)
	assert.Equal(t, str("TransformSuccess"), rec.RequestTransformStatus)
	assert.Equal(t, "", rec.Extra)
}

func TestPeerRejectedLines(t *testing.T) {
	tests := []struct {
		name      string
		folder    string
		line      int
		wantErr   error
		wantField int
	}{
		{
			name:   "otel three fields",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 3,
			wantErr: elblog.ErrFieldCount,
		},
		{
			// The peer skips the logging test file by its content. This
			// package leaves that to the loader, which has the object key
			// (ELBAccessLogTestFile), so as a line it is rejected.
			name:   "otel logging test file",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 5,
			wantErr: elblog.ErrFieldCount,
		},
		{
			name:   "otel unterminated quote",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 6,
			wantErr: elblog.ErrQuote, wantField: 2,
		},
		{
			// igtm reads this line, which has four spaces after the type and
			// no space after chosen_cert_arn's closing quote. ALB writes
			// neither, so the line is rejected, naming the first fault.
			name:   "igtm malformed spacing",
			folder: "igtm_node-alb-log-parser", line: 2,
			wantErr: elblog.ErrSyntax, wantField: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readPeerLine(t, tt.folder, tt.line)

			var pe *elblog.ParseError
			require.True(t, errors.As(res.err, &pe), "want a *elblog.ParseError, got %v", res.err)
			assert.ErrorIs(t, pe, tt.wantErr)
			assert.Equal(t, tt.line, pe.Line)
			assert.Equal(t, tt.wantField, pe.Field)
		})
	}
}
