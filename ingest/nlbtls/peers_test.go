package nlbtls

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

// goldenRecord is a Record with NULL values as JSON null, under the nlb_tls
// column names.
type goldenRecord struct {
	Type                      string `json:"type"`
	Version                   string `json:"version"`
	Time                      string `json:"time"`
	ELB                       string `json:"elb"`
	Listener                  string `json:"listener"`
	ClientIP                  string `json:"client_ip"`
	ClientPort                any    `json:"client_port"`
	DestinationIP             any    `json:"destination_ip"`
	DestinationPort           any    `json:"destination_port"`
	ConnectionTimeMS          any    `json:"connection_time_ms"`
	TLSHandshakeTimeMS        any    `json:"tls_handshake_time_ms"`
	ReceivedBytes             any    `json:"received_bytes"`
	SentBytes                 any    `json:"sent_bytes"`
	IncomingTLSAlert          any    `json:"incoming_tls_alert"`
	ChosenCertARN             any    `json:"chosen_cert_arn"`
	ChosenCertSerial          any    `json:"chosen_cert_serial"`
	TLSCipher                 any    `json:"tls_cipher"`
	TLSProtocolVersion        any    `json:"tls_protocol_version"`
	TLSNamedGroup             any    `json:"tls_named_group"`
	DomainName                any    `json:"domain_name"`
	ALPNFEProtocol            any    `json:"alpn_fe_protocol"`
	ALPNBEProtocol            any    `json:"alpn_be_protocol"`
	ALPNClientPreferenceList  any    `json:"alpn_client_preference_list"`
	TLSConnectionCreationTime any    `json:"tls_connection_creation_time"`
	Extra                     string `json:"extra"`
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
		Type:                      r.Type,
		Version:                   r.Version,
		Time:                      r.Time.Format(time.RFC3339Nano),
		ELB:                       r.ELB,
		Listener:                  r.Listener,
		ClientIP:                  r.ClientIP,
		ClientPort:                nullable(r.ClientPort.Int32, r.ClientPort.Valid),
		DestinationIP:             nullable(r.DestinationIP.String, r.DestinationIP.Valid),
		DestinationPort:           nullable(r.DestinationPort.Int32, r.DestinationPort.Valid),
		ConnectionTimeMS:          nullable(r.ConnectionTimeMS.Float64, r.ConnectionTimeMS.Valid),
		TLSHandshakeTimeMS:        nullable(r.TLSHandshakeTimeMS.Float64, r.TLSHandshakeTimeMS.Valid),
		ReceivedBytes:             nullable(r.ReceivedBytes.Int64, r.ReceivedBytes.Valid),
		SentBytes:                 nullable(r.SentBytes.Int64, r.SentBytes.Valid),
		IncomingTLSAlert:          nullable(r.IncomingTLSAlert.Int32, r.IncomingTLSAlert.Valid),
		ChosenCertARN:             nullable(r.ChosenCertARN.String, r.ChosenCertARN.Valid),
		ChosenCertSerial:          nullable(r.ChosenCertSerial.String, r.ChosenCertSerial.Valid),
		TLSCipher:                 nullable(r.TLSCipher.String, r.TLSCipher.Valid),
		TLSProtocolVersion:        nullable(r.TLSProtocolVersion.String, r.TLSProtocolVersion.Valid),
		TLSNamedGroup:             nullable(r.TLSNamedGroup.String, r.TLSNamedGroup.Valid),
		DomainName:                nullable(r.DomainName.String, r.DomainName.Valid),
		ALPNFEProtocol:            nullable(r.ALPNFEProtocol.String, r.ALPNFEProtocol.Valid),
		ALPNBEProtocol:            nullable(r.ALPNBEProtocol.String, r.ALPNBEProtocol.Valid),
		ALPNClientPreferenceList:  nullable(r.ALPNClientPreferenceList.String, r.ALPNClientPreferenceList.Valid),
		TLSConnectionCreationTime: nullable(r.TLSConnectionCreationTime.Time.Format(time.RFC3339Nano), r.TLSConnectionCreationTime.Valid),
		Extra:                     r.Extra,
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
			require.NoError(t, err, "run go test ./ingest/nlbtls -update to create it")
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

func nullTS(t *testing.T, v string) sql.NullTime {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v)
	require.NoError(t, err)
	return sql.NullTime{Time: tm, Valid: true}
}

// checkDocExampleFields asserts fields 1 to 18, which every peer line shares:
// the AWS user guide's example connection.
func checkDocExampleFields(t *testing.T, rec Record) {
	t.Helper()
	assert.Equal(t, "tls", rec.Type)
	assert.Equal(t, "2.0", rec.Version)
	assert.Equal(t, "net/my-network-loadbalancer/c6e77e28c25b2234", rec.ELB)
	assert.Equal(t, "g3d4b5e8bb8464cd", rec.Listener)
	assert.Equal(t, "72.21.218.154", rec.ClientIP)
	assert.Equal(t, i32(51341), rec.ClientPort)
	assert.Equal(t, str("172.100.100.185"), rec.DestinationIP)
	assert.Equal(t, i32(443), rec.DestinationPort)
	assert.Equal(t, f64(5), rec.ConnectionTimeMS)
	assert.Equal(t, f64(2), rec.TLSHandshakeTimeMS)
	assert.Equal(t, i64(98), rec.ReceivedBytes)
	assert.Equal(t, i64(246), rec.SentBytes)
	assert.Equal(t, sql.NullInt32{}, rec.IncomingTLSAlert)
	assert.Equal(t, str("arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99"), rec.ChosenCertARN)
	assert.Equal(t, sql.NullString{}, rec.ChosenCertSerial)
	assert.Equal(t, str("ECDHE-RSA-AES128-SHA"), rec.TLSCipher)
	assert.Equal(t, str("tlsv12"), rec.TLSProtocolVersion)
	assert.Equal(t, sql.NullString{}, rec.TLSNamedGroup)
	assert.Equal(t, str("my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com"), rec.DomainName)
	assert.Equal(t, "", rec.Extra)
}

// TestPeerExpectations checks the values that other parsers expect from
// their own test lines, where they mean the same as the AWS field
// definitions, and asserts the AWS meaning where a peer differs.
func TestPeerExpectations(t *testing.T) {
	tests := []struct {
		name   string
		folder string
		line   int
		check  func(t *testing.T, rec Record)
	}{
		{
			// The user guide's examples end with the ALPN fields, so they
			// have 21 fields. The OpenTelemetry parser demands 22 and would
			// reject them.
			name:   "aws docs without ALPN policy",
			folder: "aws-docs-examples", line: 1,
			check: func(t *testing.T, rec Record) {
				checkDocExampleFields(t, rec)
				assert.Equal(t, time.Date(2018, 12, 20, 2, 59, 40, 0, time.UTC), rec.Time)
				assert.Equal(t, sql.NullString{}, rec.ALPNFEProtocol)
				assert.Equal(t, sql.NullString{}, rec.ALPNBEProtocol)
				assert.Equal(t, sql.NullString{}, rec.ALPNClientPreferenceList)
				assert.Equal(t, sql.NullTime{}, rec.TLSConnectionCreationTime, "the line has 21 fields")
			},
		},
		{
			name:   "aws docs with ALPN policy",
			folder: "aws-docs-examples", line: 2,
			check: func(t *testing.T, rec Record) {
				checkDocExampleFields(t, rec)
				assert.Equal(t, time.Date(2020, 4, 1, 8, 51, 42, 0, time.UTC), rec.Time)
				assert.Equal(t, str("h2"), rec.ALPNFEProtocol)
				assert.Equal(t, str("h2"), rec.ALPNBEProtocol)
				assert.Equal(t, str(`"h2","http/1.1"`), rec.ALPNClientPreferenceList)
				assert.Equal(t, sql.NullTime{}, rec.TLSConnectionCreationTime, "the line has 21 fields")
			},
		},
		{
			name:   "otel without ALPN policy",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 1,
			check: func(t *testing.T, rec Record) {
				checkDocExampleFields(t, rec)
				assert.Equal(t, time.Unix(0, 1545274780000000000).UTC(), rec.Time)
				assert.Equal(t, sql.NullString{}, rec.ALPNFEProtocol)
				assert.Equal(t, sql.NullString{}, rec.ALPNBEProtocol)
				assert.Equal(t, sql.NullString{}, rec.ALPNClientPreferenceList)
				assert.Equal(t, nullTS(t, "2018-12-20T02:59:30Z"), rec.TLSConnectionCreationTime)
			},
		},
		{
			// The peer splits the list at its first closing quote, so it
			// expects alpn_client_preference_list h2 and
			// tls_connection_creation_time ,"http/1.1". The list is one
			// field, and the creation time is the 22nd.
			name:   "otel ALPN list is one field",
			folder: "otel-collector-contrib_awslogsencoding_elb", line: 2,
			check: func(t *testing.T, rec Record) {
				checkDocExampleFields(t, rec)
				assert.Equal(t, time.Unix(0, 1585731102000000000).UTC(), rec.Time)
				assert.Equal(t, str("h2"), rec.ALPNFEProtocol)
				assert.Equal(t, str("h2"), rec.ALPNBEProtocol)
				assert.Equal(t, str(`"h2","http/1.1"`), rec.ALPNClientPreferenceList)
				assert.Equal(t, nullTS(t, "2020-04-01T08:51:20Z"), rec.TLSConnectionCreationTime)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readPeerLine(t, tt.folder, tt.line)

			var pe *elblog.ParseError
			require.True(t, errors.As(res.err, &pe), "want a *elblog.ParseError, got %v", res.err)
			assert.ErrorIs(t, pe, tt.wantErr)
			assert.Equal(t, tt.line, pe.Line)
			assert.Equal(t, tt.wantField, pe.Field)
			assert.Equal(t, Record{}, res.rec)
		})
	}
}

// TestPeerLineCounts guards against a peer file losing or gaining lines, which
// would shift the line numbers the tests above use.
func TestPeerLineCounts(t *testing.T) {
	want := map[string]int{
		"aws-docs-examples":                          2,
		"otel-collector-contrib_awslogsencoding_elb": 3,
	}
	files := peerFiles(t)
	require.Len(t, files, len(want))
	for folder, n := range want {
		f, err := os.Open(files[folder])
		require.NoError(t, err, folder)
		results := readAll(t, f)
		f.Close()
		assert.Len(t, results, n, folder)
	}
}
