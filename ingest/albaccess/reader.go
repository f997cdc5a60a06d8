package albaccess

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
	// minFields is the field count of the oldest ALB lines, which end with
	// trace_id.
	minFields = 18
	// knownFields is the field count of the newest lines this version reads,
	// which end with request_transform_status.
	knownFields = 33
)

// Field numbers, 1-indexed as in ParseError.Field.
const (
	fieldType = iota + 1
	fieldTime
	fieldELB
	fieldClient
	fieldTarget
	fieldRequestProcessingTime
	fieldTargetProcessingTime
	fieldResponseProcessingTime
	fieldELBStatusCode
	fieldTargetStatusCode
	fieldReceivedBytes
	fieldSentBytes
	fieldRequest
	fieldUserAgent
	fieldSSLCipher
	fieldSSLProtocol
	fieldTargetGroupARN
	fieldTraceID
	fieldDomainName
	fieldChosenCertARN
	fieldMatchedRulePriority
	fieldRequestCreationTime
	fieldActionsExecuted
	fieldRedirectURL
	fieldErrorReason
	fieldTargetPortList
	fieldTargetStatusCodeList
	fieldClassification
	fieldClassificationReason
	fieldConnTraceID
	fieldTransformedHost
	fieldTransformedURI
	fieldRequestTransformStatus
)

// fieldNames holds the AWS name of each field, indexed by field number - 1.
var fieldNames = [knownFields]string{
	"type", "time", "elb", "client:port", "target:port",
	"request_processing_time", "target_processing_time", "response_processing_time",
	"elb_status_code", "target_status_code", "received_bytes", "sent_bytes",
	"request", "user_agent", "ssl_cipher", "ssl_protocol", "target_group_arn",
	"trace_id", "domain_name", "chosen_cert_arn", "matched_rule_priority",
	"request_creation_time", "actions_executed", "redirect_url", "error_reason",
	"target:port_list", "target_status_code_list", "classification",
	"classification_reason", "conn_trace_id", "transformed_host",
	"transformed_uri", "request_transform_status",
}

// fieldName returns the AWS name of field n, or "" for a field past the
// known ones.
func fieldName(n int) string {
	if n < 1 || n > knownFields {
		return ""
	}
	return fieldNames[n-1]
}

// Reader reads Records from an ALB access log, one line at a time, in the
// manner of encoding/csv. A Reader is not safe for concurrent use.
type Reader struct {
	lines  *elblog.LineReader
	fields []elblog.Field // reused by every Read
	values []string       // the fields' values, reused by every Read
	raw    string
	err    error // the final error, once the input has ended or failed
}

// NewReader returns a Reader that reads from r, which must yield the
// uncompressed log text.
func NewReader(r io.Reader) *Reader {
	return &Reader{
		lines:  elblog.NewLineReader(r),
		fields: make([]elblog.Field, 0, knownFields+4),
		values: make([]string, 0, knownFields),
	}
}

// Read reads the next line into rec, which it resets first, so one Record
// can be reused for every line.
//
// Read returns io.EOF after the last line. For a line it cannot read, it
// returns an *elblog.ParseError and leaves rec zero. The error's Err wraps
// one of ErrFieldCount, ErrQuote, ErrBareQuote, ErrSyntax, ErrEmptyLine and
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
// ending, so that a rejected line can be stored as it was logged. It is ""
// once Read has returned io.EOF or an error of the underlying reader.
func (r *Reader) Raw() string { return r.raw }

// parse fills rec from the fields of line.
func (r *Reader) parse(line string, rec *Record) error {
	fields, extra, err := r.split(line)
	if err != nil {
		return err
	}

	r.values = r.values[:0]
	for _, f := range fields {
		r.values = append(r.values, f.Value)
	}
	p := fieldParser{elblog.Fields{Values: r.values, Line: r.Line(), Name: fieldName}}

	// Fields 1 to 5: who talked to whom, and when.
	rec.Type = p.Required(fieldType)
	rec.Time = p.RequiredTime(fieldTime)
	rec.ELB = p.Required(fieldELB)
	rec.ClientIP, rec.ClientPort = p.Client(fieldClient)
	rec.TargetIP, rec.TargetPort = p.HostPort(fieldTarget)

	// Fields 6 to 12: timings, status codes and sizes.
	rec.RequestProcessingTime = p.seconds(fieldRequestProcessingTime)
	rec.TargetProcessingTime = p.seconds(fieldTargetProcessingTime)
	rec.ResponseProcessingTime = p.seconds(fieldResponseProcessingTime)
	rec.ELBStatusCode = p.statusCode(fieldELBStatusCode)
	rec.TargetStatusCode = p.statusCode(fieldTargetStatusCode)
	rec.ReceivedBytes = p.byteCount(fieldReceivedBytes)
	rec.SentBytes = p.byteCount(fieldSentBytes)

	// Fields 13 to 18, present in every line.
	rec.RequestVerb, rec.RequestURL, rec.RequestProto = splitRequest(p.Optional(fieldRequest))
	rec.UserAgent = p.NullString(fieldUserAgent)
	rec.SSLCipher = p.NullString(fieldSSLCipher)
	rec.SSLProtocol = p.NullString(fieldSSLProtocol)
	rec.TargetGroupARN = p.NullString(fieldTargetGroupARN)
	rec.TraceID = p.NullString(fieldTraceID)

	// Fields 19 to 33, appended over the years: older lines lack them.
	rec.DomainName = p.NullString(fieldDomainName)
	rec.ChosenCertARN = p.NullString(fieldChosenCertARN)
	rec.MatchedRulePriority = p.rulePriority(fieldMatchedRulePriority)
	rec.RequestCreationTime = p.NullTime(fieldRequestCreationTime)
	rec.ActionsExecuted = p.NullString(fieldActionsExecuted)
	rec.RedirectURL = p.NullString(fieldRedirectURL)
	rec.ErrorReason = p.NullString(fieldErrorReason)
	rec.TargetPortList = p.NullString(fieldTargetPortList)
	rec.TargetStatusCodeList = p.NullString(fieldTargetStatusCodeList)
	rec.Classification = p.NullString(fieldClassification)
	rec.ClassificationReason = p.NullString(fieldClassificationReason)
	rec.ConnTraceID = p.NullString(fieldConnTraceID)
	rec.TransformedHost = p.NullString(fieldTransformedHost)
	rec.TransformedURI = p.NullString(fieldTransformedURI)
	rec.RequestTransformStatus = p.NullString(fieldRequestTransformStatus)

	rec.Extra = extra
	return p.Err
}

// split splits line into its known fields and the raw text of the fields
// after them. Faults in those later fields are not errors, because this
// version does not read them.
func (r *Reader) split(line string) ([]elblog.Field, string, error) {
	fields, n, err := elblog.Split(line, r.fields[:0])
	r.fields = fields[:0]
	if err != nil && n <= knownFields {
		// Two spaces in a row shift every later field, so an empty field
		// before the fault is the likelier cause.
		if emptyErr := r.checkNotEmpty(fields); emptyErr != nil {
			return nil, "", emptyErr
		}
		return nil, "", &elblog.ParseError{Line: r.Line(), Field: n, Name: fieldName(n), Err: err}
	}

	// The fields after the known ones go to extra as logged, well formed or
	// not. Split reports a fault in them only after splitting every known
	// field.
	extra := ""
	if err != nil || len(fields) > knownFields {
		extra = line[fieldOffset(line, knownFields+1):]
		fields = fields[:knownFields]
	}

	if len(fields) < minFields {
		return nil, "", &elblog.ParseError{
			Line: r.Line(),
			Err:  fmt.Errorf("%w: found %d, need at least %d", elblog.ErrFieldCount, len(fields), minFields),
		}
	}

	if err := r.checkNotEmpty(fields); err != nil {
		return nil, "", err
	}
	return fields, extra, nil
}

// checkNotEmpty returns a ParseError for the first empty bare field. ELB
// separates fields by single spaces and writes "-" for an empty value, so an
// empty bare field comes from two spaces in a row or a space at the end of
// the line.
func (r *Reader) checkNotEmpty(fields []elblog.Field) error {
	for i, f := range fields {
		if !f.Quoted && f.Value == "" {
			return &elblog.ParseError{
				Line:  r.Line(),
				Field: i + 1,
				Name:  fieldName(i + 1),
				Err:   fmt.Errorf("%w: empty field (two spaces in a row, or a space at the end of the line)", elblog.ErrSyntax),
			}
		}
	}
	return nil
}

// fieldOffset returns the byte offset at which field n (1-indexed) of line
// starts, or len(line) when the line has fewer fields. It follows the
// quoting rules of elblog.Split, and the caller must have checked with Split
// that the fields before n are well formed.
func fieldOffset(line string, n int) int {
	i := 0
	for k := 1; k < n && i < len(line); k++ {
		if line[i] == '"' {
			// Skip to the closing quote, past backslash escapes.
			i++
			for i < len(line) && line[i] != '"' {
				if line[i] == '\\' {
					i++
				}
				i++
			}
			i++
		} else {
			end := strings.IndexByte(line[i:], ' ')
			if end < 0 {
				return len(line)
			}
			i += end
		}
		i++ // the space after the field
	}
	return min(i, len(line))
}

// splitRequest splits the request field into method, URL and protocol. The
// method ends at the first space and the protocol starts after the last
// one, because the URL can contain spaces. Trailing spaces are dropped
// first, so "- - - " reads like "- - -". A request with one space has no
// protocol, and one without spaces is taken as a URL alone. Parts that are
// "-" or empty are not Valid.
func splitRequest(request string, ok bool) (verb, url, proto sql.NullString) {
	if !ok {
		return
	}
	request = strings.TrimRight(request, " ")

	first := strings.IndexByte(request, ' ')
	if first < 0 {
		return verb, part(request), proto
	}
	verb = part(request[:first])
	last := strings.LastIndexByte(request, ' ')
	if last == first {
		return verb, part(request[first+1:]), proto
	}
	return verb, part(request[first+1 : last]), part(request[last+1:])
}

// part returns v as a Valid string unless it is "-" or empty.
func part(v string) sql.NullString {
	if v == "" || elblog.IsNull(v) {
		return sql.NullString{}
	}
	return sql.NullString{String: v, Valid: true}
}

// fieldParser adds this format's value types to elblog.Fields.
type fieldParser struct {
	elblog.Fields
}

// seconds reads a processing time. -1 means the load balancer could not
// dispatch the request or the connection closed early, so it is not Valid.
func (p *fieldParser) seconds(n int) sql.NullFloat64 {
	v, ok := p.Optional(n)
	if !ok {
		return sql.NullFloat64{}
	}
	f, err := elblog.ParseFloat(v)
	if err != nil {
		p.Fail(n, v)
		return sql.NullFloat64{}
	}
	if f == -1 {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: f, Valid: true}
}

// statusCode reads an HTTP status code. "000" reads as 0.
func (p *fieldParser) statusCode(n int) sql.NullInt32 {
	v, ok := p.Optional(n)
	if !ok {
		return sql.NullInt32{}
	}
	code, err := elblog.ParseUint(v, 999)
	if err != nil {
		p.Fail(n, v)
		return sql.NullInt32{}
	}
	return sql.NullInt32{Int32: int32(code), Valid: true}
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

// rulePriority reads matched_rule_priority: 1 to 50000 for a rule, 0 for
// the default rule and -1 for a rule evaluation error.
func (p *fieldParser) rulePriority(n int) sql.NullInt32 {
	v, ok := p.Optional(n)
	if !ok {
		return sql.NullInt32{}
	}
	priority, err := elblog.ParseInt(v)
	if err != nil || priority < -1 || priority > math.MaxInt32 {
		p.Fail(n, v)
		return sql.NullInt32{}
	}
	return sql.NullInt32{Int32: int32(priority), Valid: true}
}
