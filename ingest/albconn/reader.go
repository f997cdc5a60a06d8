package albconn

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// ParserVersion is the version of the mapping from a log line to a Record.
// Increase it with every change that would load the same line into different
// values.
const ParserVersion = 2

// fieldNames lists the AWS names of the fields that this version maps to
// Record fields, in log order.
var fieldNames = [...]string{
	"timestamp",
	"client_ip",
	"client_port",
	"listener_port",
	"tls_protocol",
	"tls_cipher",
	"tls_handshake_latency",
	"leaf_client_cert_subject",
	"leaf_client_cert_validity",
	"leaf_client_cert_serial_number",
	"tls_verify_status",
	"conn_trace_id",
	"tls_keyexchange",
	"elb",
	"ip_address",
}

const (
	// minFields is the number of fields up to conn_trace_id, which every line
	// has.
	minFields = 12
	// knownFields is the number of fields this version maps to Record fields.
	// The fields after them go to Record.Extra.
	knownFields = len(fieldNames)
)

// Reader reads Records from an ALB connection log, one per line. It does not
// decompress: wrap a gzip file in a gzip.Reader first.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	lines  *elblog.LineReader
	fields []elblog.Field
	raw    string

	// err is the io.EOF or underlying reader error that ended reading, which
	// every later Read returns again.
	err error
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{
		lines:  elblog.NewLineReader(r),
		fields: make([]elblog.Field, 0, knownFields+1),
	}
}

// Read resets rec and fills it from the next line. It returns io.EOF after the
// last line.
//
// A line that cannot be parsed yields a *elblog.ParseError that wraps one of
// the elblog sentinel errors, and leaves rec zero. The next Read goes on with
// the following line. Any other error comes from the underlying reader, such
// as a corrupt gzip stream. Read returns it as it is, and returns it again on
// every later call.
func (r *Reader) Read(rec *Record) error {
	*rec = Record{}
	if r.err != nil {
		return r.err
	}

	line, err := r.lines.Next()
	r.raw = line
	if err != nil {
		if errors.Is(err, elblog.ErrEmptyLine) || errors.Is(err, elblog.ErrLineTooLong) {
			return &elblog.ParseError{Line: r.lines.Line(), Err: err}
		}
		r.err = err
		return err
	}

	if err := r.parseLine(line, rec); err != nil {
		*rec = Record{}
		return err
	}
	return nil
}

// Line returns the 1-indexed number of the line the last Read read.
func (r *Reader) Line() int { return r.lines.Line() }

// Raw returns the line the last Read read, without its line ending. After an
// elblog.ErrLineTooLong error it holds the first elblog.MaxLineBytes bytes of
// the line. The string stays valid after the next Read.
func (r *Reader) Raw() string { return r.raw }

func (r *Reader) parseLine(line string, rec *Record) error {
	fields, n, err := elblog.Split(line, r.fields[:0])
	r.fields = fields[:0]
	if err != nil && n <= knownFields {
		text := fieldText(line, fieldStart(line, n-1))
		return r.fieldError(n, fmt.Errorf("%w: %s", err, elblog.Quote(text)))
	}
	// A split error after the known fields concerns only the text that goes
	// to Extra, which is kept as logged.
	hasExtra := len(fields) > knownFields || err != nil
	if len(fields) < minFields {
		return &elblog.ParseError{
			Line: r.lines.Line(),
			Err: fmt.Errorf("%w: the line has %d, but at least %d (timestamp to conn_trace_id) are required",
				elblog.ErrFieldCount, len(fields), minFields),
		}
	}

	if err := r.fillRequired(rec, fields); err != nil {
		return err
	}
	if err := r.fillOptional(rec, fields); err != nil {
		return err
	}
	if hasExtra {
		rec.Extra = line[fieldStart(line, knownFields):]
	}
	return nil
}

// fillRequired fills rec from fields 1 to 12, which every line has.
func (r *Reader) fillRequired(rec *Record, fields []elblog.Field) error {
	var err error
	var ok bool

	if rec.Time, err = elblog.ParseTime(fields[0].Value); err != nil {
		return r.invalid(1, fields[0].Value, "an ISO 8601 UTC time such as 2023-10-04T17:05:15.514108Z")
	}
	if _, err := netip.ParseAddr(fields[1].Value); err != nil {
		return r.invalid(2, fields[1].Value, "an IPv4 or IPv6 address")
	}
	rec.ClientIP = fields[1].Value
	if rec.ClientPort, ok = parsePort(fields[2].Value); !ok {
		return r.invalid(3, fields[2].Value, `a port number from 0 to 65535 or "-"`)
	}
	if rec.ListenerPort, ok = parsePort(fields[3].Value); !ok {
		return r.invalid(4, fields[3].Value, `a port number from 0 to 65535 or "-"`)
	}
	if rec.TLSProtocol, ok = parseString(fields[4]); !ok {
		return r.invalid(5, "", `a value or "-"`)
	}
	if rec.TLSCipher, ok = parseString(fields[5]); !ok {
		return r.invalid(6, "", `a value or "-"`)
	}
	if rec.TLSHandshakeLatency, ok = parseSeconds(fields[6].Value); !ok {
		return r.invalid(7, fields[6].Value, `a number of seconds such as 0.004, or "-"`)
	}
	if rec.LeafClientCertSubject, ok = parseString(fields[7]); !ok {
		return r.invalid(8, "", `a quoted subject or "-"`)
	}
	if rec.LeafClientCertValidity, ok = parseString(fields[8]); !ok {
		return r.invalid(9, "", `NotBefore=<time>;NotAfter=<time> or "-"`)
	}
	if rec.LeafClientCertValidity.Valid {
		rec.CertNotBefore, rec.CertNotAfter = parseValidity(rec.LeafClientCertValidity.String)
	}
	if rec.LeafClientCertSerialNumber, ok = parseString(fields[9]); !ok {
		return r.invalid(10, "", `a serial number or "-"`)
	}
	if rec.TLSVerifyStatus, ok = parseString(fields[10]); !ok {
		return r.invalid(11, "", `a status such as Success, or "-"`)
	}
	if rec.ConnTraceID, ok = parseString(fields[11]); !ok {
		return r.invalid(12, "", `a trace ID or "-"`)
	}
	return nil
}

// fillOptional fills rec from fields 13 to 15, which older lines lack.
func (r *Reader) fillOptional(rec *Record, fields []elblog.Field) error {
	targets := [...]*sql.NullString{&rec.TLSKeyExchange, &rec.ELB, &rec.IPAddress}
	for i, target := range targets {
		n := minFields + 1 + i
		if len(fields) < n {
			break
		}
		v, ok := parseString(fields[n-1])
		if !ok {
			return r.invalid(n, "", `a value or "-"`)
		}
		*target = v
	}
	return nil
}

// invalid returns the ParseError for field n (1-indexed) holding value v,
// which is not the expected kind of value.
func (r *Reader) invalid(n int, v, expected string) error {
	return r.fieldError(n, fmt.Errorf("%w: %s, expected %s", elblog.ErrSyntax, elblog.Quote(v), expected))
}

func (r *Reader) fieldError(n int, err error) error {
	return &elblog.ParseError{Line: r.lines.Line(), Field: n, Name: fieldNames[n-1], Err: err}
}

// parseString maps "-" to a value that is not Valid. It reports false for an
// empty bare field, which only a doubled or trailing space produces, because
// the load balancer writes "-" for a missing value. An empty quoted field is
// a valid empty string.
func parseString(f elblog.Field) (sql.NullString, bool) {
	if elblog.IsNull(f.Value) {
		return sql.NullString{}, true
	}
	if f.Value == "" && !f.Quoted {
		return sql.NullString{}, false
	}
	return sql.NullString{String: f.Value, Valid: true}, true
}

func parsePort(v string) (sql.NullInt32, bool) {
	if elblog.IsNull(v) {
		return sql.NullInt32{}, true
	}
	port, err := elblog.ParseUint(v, 65535)
	if err != nil {
		return sql.NullInt32{}, false
	}
	return sql.NullInt32{Int32: int32(port), Valid: true}, true
}

// parseSeconds parses a latency in seconds. It rejects negative values,
// because a duration cannot be negative and AWS documents "-" for a missing
// latency.
func parseSeconds(v string) (sql.NullFloat64, bool) {
	if elblog.IsNull(v) {
		return sql.NullFloat64{}, true
	}
	f, err := elblog.ParseFloat(v)
	if err != nil || f < 0 {
		return sql.NullFloat64{}, false
	}
	return sql.NullFloat64{Float64: f, Valid: true}, true
}

// parseValidity parses "NotBefore=<time>;NotAfter=<time>". When v has another
// shape or a time does not parse, neither result is Valid. The caller keeps
// the line anyway, because the certificate dates matter less than the
// verification status in the same line.
func parseValidity(v string) (notBefore, notAfter sql.NullTime) {
	rest, found := strings.CutPrefix(v, "NotBefore=")
	if !found {
		return notBefore, notAfter
	}
	before, after, found := strings.Cut(rest, ";NotAfter=")
	if !found {
		return notBefore, notAfter
	}
	beforeTime, err := elblog.ParseTime(before)
	if err != nil {
		return notBefore, notAfter
	}
	afterTime, err := elblog.ParseTime(after)
	if err != nil {
		return notBefore, notAfter
	}
	return validTime(beforeTime), validTime(afterTime)
}

func validTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: true} }

// fieldStart returns the byte offset of the field that follows the first n
// fields of line, or len(line) when there is none. It expects those n fields
// to be well formed, as elblog.Split found them.
func fieldStart(line string, n int) int {
	i := 0
	for range n {
		i = fieldEnd(line, i) + 1 // skip the space after the field
	}
	return min(i, len(line))
}

// fieldEnd returns the offset just past the field that starts at offset start
// of line. A quoted field ends after its closing quote, or at the end of the
// line when it has none. Any text between the closing quote and the next space,
// which elblog.Split rejects, counts as part of the field.
func fieldEnd(line string, start int) int {
	i := start
	if i < len(line) && line[i] == '"' {
		i++
		for i < len(line) && line[i] != '"' {
			if line[i] == '\\' {
				i++
			}
			i++
		}
	}
	for i < len(line) && line[i] != ' ' {
		i++
	}
	return min(i, len(line))
}

// fieldText returns the field that starts at offset start of line, as logged.
func fieldText(line string, start int) string {
	return line[start:fieldEnd(line, start)]
}
