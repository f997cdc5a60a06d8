package nlbtls

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// ParserVersion is the version of the rules that turn a line into a Record.
// Bump it with every change that would load the same line differently, so
// that objects loaded by an older version can be found and loaded again.
const ParserVersion = 1

const (
	// minFields is the field count of the oldest NLB lines, which end with
	// domain_name.
	minFields = 18
	// knownFields is the field count of the newest lines this version reads,
	// which end with tls_connection_creation_time.
	knownFields = 22
	// maxAlert is the largest incoming_tls_alert accepted. A TLS alert
	// message is two bytes (level and description), so any integer form of
	// one alert fits.
	maxAlert = math.MaxUint16
)

// Field numbers, 1-indexed as in ParseError.Field.
const (
	fieldType = iota + 1
	fieldVersion
	fieldTime
	fieldELB
	fieldListener
	fieldClient
	fieldDestination
	fieldConnectionTime
	fieldTLSHandshakeTime
	fieldReceivedBytes
	fieldSentBytes
	fieldIncomingTLSAlert
	fieldChosenCertARN
	fieldChosenCertSerial
	fieldTLSCipher
	fieldTLSProtocolVersion
	fieldTLSNamedGroup
	fieldDomainName
	fieldALPNFEProtocol
	fieldALPNBEProtocol
	fieldALPNClientPreferenceList
	fieldTLSConnectionCreationTime
)

// fieldNames contains the AWS name of each field, indexed by field number - 1.
var fieldNames = [knownFields]string{
	"type", "version", "time", "elb", "listener", "client:port",
	"destination:port", "connection_time", "tls_handshake_time",
	"received_bytes", "sent_bytes", "incoming_tls_alert", "chosen_cert_arn",
	"chosen_cert_serial", "tls_cipher", "tls_protocol_version",
	"tls_named_group", "domain_name", "alpn_fe_protocol", "alpn_be_protocol",
	"alpn_client_preference_list", "tls_connection_creation_time",
}

// fieldName returns the AWS name of field n, or "" for a field past the
// known ones.
func fieldName(n int) string {
	if n < 1 || n > knownFields {
		return ""
	}
	return fieldNames[n-1]
}

// Reader reads Records from an NLB TLS access log, one line at a time, in the
// manner of encoding/csv. A Reader is not safe for concurrent use.
type Reader struct {
	lines  *elblog.LineReader
	fields []string // reused by every Read
	raw    string
	err    error // the final error, once the input has ended or failed
}

// NewReader returns a Reader that reads from r, which must yield the
// uncompressed log text.
func NewReader(r io.Reader) *Reader {
	return &Reader{
		lines:  elblog.NewLineReader(r),
		fields: make([]string, 0, knownFields),
	}
}

// Read reads the next line into rec, which it resets first, so one Record
// can be reused for every line.
//
// Read returns io.EOF after the last line. For a line it cannot read, it
// returns an *elblog.ParseError and leaves rec zero. The error's Err wraps
// one of ErrFieldCount, ErrBareQuote, ErrSyntax, ErrEmptyLine and
// ErrLineTooLong from package elblog, and the next call reads the next line.
// An error of the underlying reader, such as a corrupt gzip stream, is
// returned as it is, and every later call returns it again.
func (r *Reader) Read(rec *Record) error {
	*rec = Record{}
	if r.err != nil {
		return r.err
	}

	line, err := r.lines.Next()
	switch {
	case err == nil:
	case errors.Is(err, elblog.ErrEmptyLine), errors.Is(err, elblog.ErrLineTooLong):
		r.raw = line
		return &elblog.ParseError{Line: r.Line(), Err: err}
	default:
		r.raw = ""
		r.err = err
		return err
	}
	r.raw = line

	if err := r.parse(line, rec); err != nil {
		*rec = Record{}
		return err
	}
	return nil
}

// Line returns the 1-indexed number of the line that Read read last.
func (r *Reader) Line() int { return r.lines.Line() }

// Raw returns the text of the line that Read read last, without its line
// ending, so that a rejected line can be stored as it was logged. After an
// elblog.ErrLineTooLong error it holds the first elblog.MaxLineBytes bytes of
// the line. It is "" once Read has returned io.EOF or an error of the
// underlying reader.
func (r *Reader) Raw() string { return r.raw }

// parse fills rec from the fields of line.
func (r *Reader) parse(line string, rec *Record) error {
	fields, extra, err := r.split(line)
	if err != nil {
		return err
	}

	p := fieldParser{elblog.Fields{Values: fields, Line: r.Line(), Name: fieldName, Check: checkValue}}

	// Fields 1 to 7: which listener, who connected to which address, and
	// when the connection ended.
	rec.Type = p.Required(fieldType)
	rec.Version = p.Required(fieldVersion)
	rec.Time = p.RequiredTime(fieldTime)
	rec.ELB = p.Required(fieldELB)
	rec.Listener = p.Required(fieldListener)
	rec.ClientIP, rec.ClientPort = p.Client(fieldClient)
	rec.DestinationIP, rec.DestinationPort = p.HostPort(fieldDestination)

	// Fields 8 to 12: timings, sizes and the alert the client sent.
	rec.ConnectionTimeMS = p.milliseconds(fieldConnectionTime)
	rec.TLSHandshakeTimeMS = p.milliseconds(fieldTLSHandshakeTime)
	rec.ReceivedBytes = p.byteCount(fieldReceivedBytes)
	rec.SentBytes = p.byteCount(fieldSentBytes)
	rec.IncomingTLSAlert = p.alert(fieldIncomingTLSAlert)

	// Fields 13 to 18: the TLS session, present in every line.
	rec.ChosenCertARN = p.NullString(fieldChosenCertARN)
	rec.ChosenCertSerial = p.NullString(fieldChosenCertSerial)
	rec.TLSCipher = p.NullString(fieldTLSCipher)
	rec.TLSProtocolVersion = p.NullString(fieldTLSProtocolVersion)
	rec.TLSNamedGroup = p.NullString(fieldTLSNamedGroup)
	rec.DomainName = p.NullString(fieldDomainName)

	// Fields 19 to 22, appended later: older lines lack them.
	rec.ALPNFEProtocol = p.NullString(fieldALPNFEProtocol)
	rec.ALPNBEProtocol = p.NullString(fieldALPNBEProtocol)
	rec.ALPNClientPreferenceList = p.NullString(fieldALPNClientPreferenceList)
	rec.TLSConnectionCreationTime = p.NullTime(fieldTLSConnectionCreationTime)

	rec.Extra = extra
	return p.Err
}

// split splits line into its known fields and the raw text of the fields
// after them, and checks that the line has at least minFields fields. The
// fields themselves are checked as parse reads them, so the first fault in
// field order is the one reported.
func (r *Reader) split(line string) ([]string, string, error) {
	fields, extra := splitFields(line, r.fields[:0])
	r.fields = fields[:0]

	if len(fields) < minFields {
		return nil, "", &elblog.ParseError{
			Line: r.Line(),
			Err:  fmt.Errorf("%w: found %d, need at least %d", elblog.ErrFieldCount, len(fields), minFields),
		}
	}
	return fields, extra, nil
}

// splitFields appends the first knownFields fields of line to dst and
// returns the extended slice with the text after the space that ends the
// last of them. Fields are separated by single spaces, and a double quote
// does not group them: the NLB quotes no whole field, and the quotes inside
// alpn_client_preference_list ("h2","http/1.1") belong to its value. The
// values are substrings of line, so splitting allocates nothing once dst has
// room for knownFields fields.
func splitFields(line string, dst []string) ([]string, string) {
	for len(dst) < knownFields {
		end := strings.IndexByte(line, ' ')
		if end < 0 {
			return append(dst, line), ""
		}
		dst = append(dst, line[:end])
		line = line[end+1:]
	}
	return dst, line
}

// checkValue rejects an empty field and a double quote outside
// alpn_client_preference_list.
func checkValue(n int, v string) error {
	switch {
	case v == "":
		// The NLB separates fields by single spaces and writes "-" for an
		// empty value.
		return fmt.Errorf("%w: empty field (two spaces in a row, or a space at the end of the line)", elblog.ErrSyntax)
	case n != fieldALPNClientPreferenceList && strings.IndexByte(v, '"') >= 0:
		return fmt.Errorf("%w: %s", elblog.ErrBareQuote, elblog.Quote(v))
	}
	return nil
}

// fieldParser adds this format's value types to elblog.Fields.
type fieldParser struct {
	elblog.Fields
}

// milliseconds reads connection_time or tls_handshake_time. A negative value
// is invalid, because a duration cannot be negative. AWS documents no
// placeholder for either timing, and "-" reads as not Valid.
func (p *fieldParser) milliseconds(n int) sql.NullFloat64 {
	v, ok := p.Optional(n)
	if !ok {
		return sql.NullFloat64{}
	}
	if strings.HasPrefix(v, "-") {
		p.Fail(n, v)
		return sql.NullFloat64{}
	}
	ms, err := elblog.ParseFloat(v)
	if err != nil {
		p.Fail(n, v)
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: ms, Valid: true}
}

func (p *fieldParser) byteCount(n int) sql.NullInt64 {
	v, ok := p.Optional(n)
	if !ok {
		return sql.NullInt64{}
	}
	count, err := elblog.ParseUint(v, math.MaxInt64)
	if err != nil {
		p.Fail(n, v)
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(count), Valid: true}
}

// alert reads incoming_tls_alert as a decimal integer.
//
// NOTE: no logged line with an alert value has been seen. Decimal follows
// the AWS field definition ("the integer value") and the Athena table AWS
// documents for this log (an int column matched by [-0-9]*). A value in
// another form, such as hexadecimal, makes the line a ParseError.
func (p *fieldParser) alert(n int) sql.NullInt32 {
	v, ok := p.Optional(n)
	if !ok {
		return sql.NullInt32{}
	}
	alert, err := elblog.ParseUint(v, maxAlert)
	if err != nil {
		p.Fail(n, v)
		return sql.NullInt32{}
	}
	return sql.NullInt32{Int32: int32(alert), Valid: true}
}
