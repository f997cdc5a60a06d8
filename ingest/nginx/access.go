package nginx

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// ParserVersion is the version of the mapping from a log line to a Record,
// for both readers. Increase it with every change that would load the same
// line into different values.
const ParserVersion = 1

// AccessReader reads Records from an nginx access log written with
// RecommendedLogFormat, one per line. It does not decompress: wrap a gzip
// file in a gzip.Reader first.
//
// An AccessReader is not safe for concurrent use.
type AccessReader struct {
	lines  *elblog.LineReader
	values [numAccessKeys]jsonValue
	dns    dnCache
	raw    string

	// err is the io.EOF or underlying reader error that ended reading, which
	// every later Read returns again.
	err error
}

// NewAccessReader returns an AccessReader that reads from r.
func NewAccessReader(r io.Reader) *AccessReader {
	return &AccessReader{lines: elblog.NewLineReader(r), dns: dnCache{}}
}

// Read resets rec and fills it from the next line. It returns io.EOF after
// the last line.
//
// A line that cannot be parsed yields a *elblog.ParseError that wraps one of
// the elblog sentinel errors, and leaves rec zero. Its Field is the 1-indexed
// position of the key in RecommendedLogFormat, and its Name the key. The next
// Read goes on with the following line. Any other error comes from the
// underlying reader. Read returns it as it is, and returns it again on every
// later call.
func (r *AccessReader) Read(rec *terminator.Record) error {
	*rec = terminator.Record{}
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
		*rec = terminator.Record{}
		return err
	}
	return nil
}

// Line returns the 1-indexed number of the line the last Read read.
func (r *AccessReader) Line() int { return r.lines.Line() }

// Raw returns the line the last Read read, without its line ending. After an
// elblog.ErrLineTooLong error it holds the first elblog.MaxLineBytes bytes of
// the line. The string stays valid after the next Read.
func (r *AccessReader) Raw() string { return r.raw }

func (r *AccessReader) parseLine(line string, rec *terminator.Record) error {
	if err := decodeObject(line, &r.values); err != nil {
		if typeErr, ok := err.(*valueTypeError); ok {
			return r.keyError(typeErr.key, typeErr)
		}
		return &elblog.ParseError{Line: r.lines.Line(), Err: err}
	}

	rec.Source = terminator.SourceNginx
	rec.Kind = terminator.KindRequest
	if err := r.fillConnection(rec); err != nil {
		return err
	}
	r.fillTLS(rec)
	return r.fillRequest(rec)
}

// fillConnection fills the time, the connection and the client address.
func (r *AccessReader) fillConnection(rec *terminator.Record) error {
	msec, ok := r.value(keyMsec)
	if !ok {
		return r.missing(keyMsec)
	}
	if rec.Time, ok = parseMsec(msec); !ok {
		return r.invalid(keyMsec, msec, "Unix time in seconds such as 1695335001.123")
	}

	addr, ok := r.value(keyRemoteAddr)
	if !ok {
		return r.missing(keyRemoteAddr)
	}
	if _, err := netip.ParseAddr(addr); err != nil {
		return r.invalid(keyRemoteAddr, addr, "an IPv4 or IPv6 address")
	}
	rec.ClientIP = addr

	if v, ok := r.value(keyRemotePort); ok {
		port, err := elblog.ParseUint(v, 65535)
		if err != nil {
			return r.invalid(keyRemotePort, v, "a port number from 0 to 65535")
		}
		rec.ClientPort = sql.NullInt32{Int32: int32(port), Valid: true}
	}

	if v, ok := r.value(keyConnection); ok {
		if _, err := elblog.ParseUint(v, 1<<64-1); err != nil {
			return r.invalid(keyConnection, v, "a connection serial number")
		}
		rec.ConnectionID = validString(v)
	}
	if v, ok := r.value(keyConnectionRequests); ok {
		n, err := elblog.ParseUint(v, 1<<63-1)
		if err != nil {
			return r.invalid(keyConnectionRequests, v, "a request count")
		}
		rec.ConnectionRequests = sql.NullInt64{Int64: int64(n), Valid: true}
	}
	return nil
}

// fillTLS fills the TLS and client certificate fields. None of them makes a
// line invalid: a DN, serial, date or certificate that does not parse leaves
// only its parsed form not Valid.
func (r *AccessReader) fillTLS(rec *terminator.Record) {
	rec.TLSProtocol = r.optional(keySSLProtocol)
	rec.TLSCipher = r.optional(keySSLCipher)
	rec.SNI = r.optional(keySSLServerName)

	rec.VerifyRaw = r.optional(keySSLClientVerify)
	rec.Outcome = string(outcome.FromNginx(rec.VerifyRaw.String))

	rec.SubjectRaw = r.optional(keySSLClientSDN)
	rec.IssuerRaw = r.optional(keySSLClientIDN)
	rec.SerialRaw = r.optional(keySSLClientSerial)
	rec.Subject = r.dns.canonical(rec.SubjectRaw)
	rec.Issuer = r.dns.canonical(rec.IssuerRaw)
	rec.Serial = canonicalSerial(rec.SerialRaw)

	if v, ok := r.value(keySSLClientVEnd); ok {
		rec.CertNotAfter = parseCertTime(v)
	}
	if v, ok := r.value(keySSLClientEscapedCert); ok {
		rec.CertPEM = decodeCert(v)
	}
}

// fillRequest fills the HTTP request and response fields.
func (r *AccessReader) fillRequest(rec *terminator.Record) error {
	if v, ok := r.value(keyRequest); ok {
		if method, uri, ok := splitRequest(v); ok {
			rec.Method = validString(method)
			rec.URI = validString(uri)
		} else {
			rec.Detail = validString("request line: " + v)
		}
	}
	rec.UserAgent = r.optional(keyHTTPUserAgent)
	rec.ForwardedFor = r.optional(keyHTTPXForwardedFor)

	if v, ok := r.value(keyStatus); ok {
		status, err := elblog.ParseUint(v, 999)
		if err != nil {
			return r.invalid(keyStatus, v, "an HTTP status code such as 400")
		}
		rec.Status = sql.NullInt32{Int32: int32(status), Valid: true}
	}
	if v, ok := r.value(keyBodyBytesSent); ok {
		n, err := elblog.ParseUint(v, 1<<63-1)
		if err != nil {
			return r.invalid(keyBodyBytesSent, v, "a number of bytes")
		}
		rec.BytesSent = sql.NullInt64{Int64: int64(n), Valid: true}
	}
	if v, ok := r.value(keyRequestTime); ok {
		seconds, ok := parseSeconds(v)
		if !ok {
			return r.invalid(keyRequestTime, v, "a number of seconds such as 0.004")
		}
		rec.RequestTime = sql.NullFloat64{Float64: seconds, Valid: true}
	}
	if v, ok := r.value(keyUpstreamHeaderTime); ok {
		var ok bool
		if rec.UpstreamHeaderTime, ok = parseLastSeconds(v); !ok {
			return r.invalid(keyUpstreamHeaderTime, v, `seconds per upstream server such as "0.004" or "-, 0.010"`)
		}
	}
	return nil
}

// value returns the value of key, and false when the line lacks it or
// nginx logged the variable as unset.
func (r *AccessReader) value(key accessKey) (string, bool) {
	v := r.values[key]
	if !v.present || isUnset(v.text) {
		return "", false
	}
	return v.text, true
}

// optional returns the value of key, not Valid when value reports false.
func (r *AccessReader) optional(key accessKey) sql.NullString {
	if v, ok := r.value(key); ok {
		return validString(v)
	}
	return sql.NullString{}
}

// missing returns the ParseError for a required key that the line lacks or
// logged as unset.
func (r *AccessReader) missing(key accessKey) error {
	return r.keyError(key, fmt.Errorf("%w: the key %q is missing or has no value; is the access log written with the cutover log_format?",
		elblog.ErrFieldCount, accessKeys[key]))
}

// invalid returns the ParseError for key holding value v, which is not the
// expected kind of value.
func (r *AccessReader) invalid(key accessKey, v, expected string) error {
	return r.keyError(key, fmt.Errorf("%w: %s, expected %s", elblog.ErrSyntax, elblog.Quote(v), expected))
}

func (r *AccessReader) keyError(key accessKey, err error) error {
	return &elblog.ParseError{Line: r.lines.Line(), Field: int(key) + 1, Name: accessKeys[key], Err: err}
}
