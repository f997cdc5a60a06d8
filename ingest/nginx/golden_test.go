package nginx

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/terminator"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from what the readers return")

// sampleLocation is the time zone of the instance that wrote
// testdata/error.log.
const sampleLocation = "Europe/Berlin"

// goldenLine is one line of a golden file: the record read from the line,
// the error, or for the error log a line that is not about TLS.
type goldenLine struct {
	Line      int           `json:"line"`
	Record    *goldenRecord `json:"record,omitempty"`
	Error     string        `json:"error,omitempty"`
	Unrelated bool          `json:"unrelated,omitempty"`
	// SameEventAs is the line of the access-log record that SameEvent
	// matches with this error-log record.
	SameEventAs int `json:"same_event_as_access_line,omitempty"`
}

// goldenRecord is a Record with NULL values as JSON null.
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

// sampleResult is what a reader returned for one line of a sample file.
type sampleResult struct {
	line int
	rec  terminator.Record
	err  error
}

// readSample reads a file of testdata with read, which wraps a reader's
// Read and Line, until io.EOF.
func readSample(t *testing.T, name string, newReader func(io.Reader) func(*terminator.Record) (int, error)) []sampleResult {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()

	read := newReader(f)
	var results []sampleResult
	for {
		var rec terminator.Record
		line, err := read(&rec)
		if err == io.EOF {
			return results
		}
		results = append(results, sampleResult{line: line, rec: rec, err: err})
	}
}

func readAccessSample(t *testing.T) []sampleResult {
	return readSample(t, "access.log", func(f io.Reader) func(*terminator.Record) (int, error) {
		r := NewAccessReader(f)
		return func(rec *terminator.Record) (int, error) {
			err := r.Read(rec)
			return r.Line(), err
		}
	})
}

func readErrorSample(t *testing.T) []sampleResult {
	location, err := time.LoadLocation(sampleLocation)
	require.NoError(t, err)
	return readSample(t, "error.log", func(f io.Reader) func(*terminator.Record) (int, error) {
		r := NewErrorReader(f)
		r.Location = location
		return func(rec *terminator.Record) (int, error) {
			err := r.Read(rec)
			return r.Line(), err
		}
	})
}

// checkGolden compares lines, rendered as JSON, with testdata/name, or
// writes them there under -update.
func checkGolden(t *testing.T, name string, lines []goldenLine) {
	t.Helper()
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(lines))

	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./ingest/nginx -update to create it")
	assert.Equal(t, string(want), got.String())
}

func TestAccessSampleGolden(t *testing.T) {
	var lines []goldenLine
	for _, res := range readAccessSample(t) {
		entry := goldenLine{Line: res.line}
		if res.err != nil {
			entry.Error = res.err.Error()
		} else {
			entry.Record = toGolden(&res.rec)
		}
		lines = append(lines, entry)
	}
	checkGolden(t, "access.golden.json", lines)
}

func TestErrorSampleGolden(t *testing.T) {
	accessResults := readAccessSample(t)

	var lines []goldenLine
	for _, res := range readErrorSample(t) {
		entry := goldenLine{Line: res.line}
		switch {
		case errors.Is(res.err, ErrNotTLSFailure):
			entry.Unrelated = true
		case res.err != nil:
			entry.Error = res.err.Error()
		default:
			entry.Record = toGolden(&res.rec)
			for _, access := range accessResults {
				if access.err == nil && SameEvent(access.rec, res.rec) {
					entry.SameEventAs = access.line
				}
			}
		}
		lines = append(lines, entry)
	}
	checkGolden(t, "error.golden.json", lines)
}

// TestSampleCounts checks that every line of the sample logs is accounted
// for, and that the four requests rejected for their TLS state pair up.
func TestSampleCounts(t *testing.T) {
	var accessRecords, accessRejected int
	for _, res := range readAccessSample(t) {
		if res.err != nil {
			accessRejected++
		} else {
			accessRecords++
		}
	}
	assert.Equal(t, 11, accessRecords, "access-log records")
	assert.Equal(t, 1, accessRejected, "rejected access-log lines")

	accessResults := readAccessSample(t)
	var errorRecords, errorRejected, unrelated, pairs int
	for _, res := range readErrorSample(t) {
		switch {
		case errors.Is(res.err, ErrNotTLSFailure):
			unrelated++
		case res.err != nil:
			errorRejected++
		default:
			errorRecords++
			for _, access := range accessResults {
				if access.err == nil && SameEvent(access.rec, res.rec) {
					pairs++
				}
			}
		}
	}
	assert.Equal(t, 11, errorRecords, "error-log records")
	assert.Equal(t, 1, errorRejected, "rejected error-log lines")
	assert.Equal(t, 6, unrelated, "unrelated error-log lines")
	assert.Equal(t, 4, pairs, "events in both logs")
}
