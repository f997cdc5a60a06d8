package envoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/terminator"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from what Read returns")

// goldenLine is one line of a golden file: the record read from the line, or
// the error.
type goldenLine struct {
	Line   int           `json:"line"`
	Record *goldenRecord `json:"record,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// goldenRecord is a terminator.Record with NULL values as JSON null.
type goldenRecord struct {
	Source             string `json:"source"`
	Kind               string `json:"kind"`
	Time               string `json:"time"`
	ConnectionID       any    `json:"connection_id"`
	ConnectionRequests any    `json:"connection_requests"`
	ClientIP           string `json:"client_ip"`
	ClientPort         any    `json:"client_port"`
	ForwardedFor       any    `json:"forwarded_for"`
	SNI                any    `json:"sni"`
	TLSProtocol        any    `json:"tls_protocol"`
	TLSCipher          any    `json:"tls_cipher"`
	VerifyRaw          any    `json:"verify_raw"`
	Outcome            string `json:"outcome"`
	SubjectRaw         any    `json:"subject_raw"`
	IssuerRaw          any    `json:"issuer_raw"`
	SerialRaw          any    `json:"serial_raw"`
	Subject            any    `json:"subject"`
	Issuer             any    `json:"issuer"`
	Serial             any    `json:"serial"`
	CertNotAfter       any    `json:"cert_not_after"`
	CertPEM            any    `json:"cert_pem"`
	Method             any    `json:"method"`
	URI                any    `json:"uri"`
	Status             any    `json:"status"`
	UserAgent          any    `json:"user_agent"`
	BytesSent          any    `json:"bytes_sent"`
	RequestTime        any    `json:"request_time"`
	UpstreamHeaderTime any    `json:"upstream_header_time"`
	HandshakeTime      any    `json:"handshake_time"`
	Detail             any    `json:"detail"`
}

// nullable returns v, or nil (JSON null) when it is not valid.
func nullable[T any](v T, valid bool) any {
	if !valid {
		return nil
	}
	return v
}

func toGolden(r *terminator.Record) *goldenRecord {
	return &goldenRecord{
		Source:             string(r.Source),
		Kind:               string(r.Kind),
		Time:               r.Time.Format(time.RFC3339Nano),
		ConnectionID:       nullable(r.ConnectionID.String, r.ConnectionID.Valid),
		ConnectionRequests: nullable(r.ConnectionRequests.Int64, r.ConnectionRequests.Valid),
		ClientIP:           r.ClientIP,
		ClientPort:         nullable(r.ClientPort.Int32, r.ClientPort.Valid),
		ForwardedFor:       nullable(r.ForwardedFor.String, r.ForwardedFor.Valid),
		SNI:                nullable(r.SNI.String, r.SNI.Valid),
		TLSProtocol:        nullable(r.TLSProtocol.String, r.TLSProtocol.Valid),
		TLSCipher:          nullable(r.TLSCipher.String, r.TLSCipher.Valid),
		VerifyRaw:          nullable(r.VerifyRaw.String, r.VerifyRaw.Valid),
		Outcome:            r.Outcome,
		SubjectRaw:         nullable(r.SubjectRaw.String, r.SubjectRaw.Valid),
		IssuerRaw:          nullable(r.IssuerRaw.String, r.IssuerRaw.Valid),
		SerialRaw:          nullable(r.SerialRaw.String, r.SerialRaw.Valid),
		Subject:            nullable(r.Subject.String, r.Subject.Valid),
		Issuer:             nullable(r.Issuer.String, r.Issuer.Valid),
		Serial:             nullable(r.Serial.String, r.Serial.Valid),
		CertNotAfter:       nullable(r.CertNotAfter.Time.Format(time.RFC3339Nano), r.CertNotAfter.Valid),
		CertPEM:            nullable(r.CertPEM.String, r.CertPEM.Valid),
		Method:             nullable(r.Method.String, r.Method.Valid),
		URI:                nullable(r.URI.String, r.URI.Valid),
		Status:             nullable(r.Status.Int32, r.Status.Valid),
		UserAgent:          nullable(r.UserAgent.String, r.UserAgent.Valid),
		BytesSent:          nullable(r.BytesSent.Int64, r.BytesSent.Valid),
		RequestTime:        nullable(r.RequestTime.Float64, r.RequestTime.Valid),
		UpstreamHeaderTime: nullable(r.UpstreamHeaderTime.Float64, r.UpstreamHeaderTime.Valid),
		HandshakeTime:      nullable(r.HandshakeTime.Float64, r.HandshakeTime.Valid),
		Detail:             nullable(r.Detail.String, r.Detail.Valid),
	}
}

// TestGolden reads each testdata/*.log file and compares every record and
// error with testdata/*.golden.json. Run go test ./ingest/envoy -update to
// rewrite the golden files, and review the difference before committing it.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.log"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)

	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			file, err := os.Open(path)
			require.NoError(t, err)
			defer file.Close()

			var lines []goldenLine
			r := NewReader(file)
			for {
				var rec terminator.Record
				err := r.Read(&rec)
				if errors.Is(err, io.EOF) {
					break
				}
				entry := goldenLine{Line: r.Line()}
				if err != nil {
					entry.Error = err.Error()
				} else {
					entry.Record = toGolden(&rec)
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
			require.NoError(t, err, "run go test ./ingest/envoy -update to create it")
			assert.Equal(t, string(want), got.String())
		})
	}
}
