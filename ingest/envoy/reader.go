package envoy

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// ParserVersion is the version of the mapping from a log entry to a Record.
// Increase it with every change that would load the same entry into different
// values.
const ParserVersion = 1

// Errors a caller can find with errors.Is in the *elblog.ParseError that Read
// returns, besides elblog.ErrSyntax, elblog.ErrEmptyLine and
// elblog.ErrLineTooLong.
var (
	// ErrNotJSONObject reports a line that is not one JSON object.
	ErrNotJSONObject = errors.New("not a JSON object")
	// ErrUnknownEntry reports a JSON object that has none of the keys that
	// mark an HTTP entry (method, response_code) or a listener entry
	// (downstream_transport_failure_reason).
	ErrUnknownEntry = errors.New("neither an HTTP nor a listener access log entry")
	// ErrMissingKey reports an entry without a key that every entry needs.
	ErrMissingKey = errors.New("missing key")
)

// maxDurationMS is the longest duration, in milliseconds, that a
// time.Duration holds: about 292 years.
const maxDurationMS = float64(math.MaxInt64 / int64(time.Millisecond))

// Reader reads Records from an Envoy access log in the recommended JSON
// format, one entry per line. It reads the listener log and the HTTP log, and
// a file that mixes both, and decides the kind of each entry by its keys. It
// does not decompress: wrap a gzip file in a gzip.Reader first.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	lines *elblog.LineReader
	raw   string

	// err is the io.EOF or underlying reader error that ended reading, which
	// every later Read returns again.
	err error
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{lines: elblog.NewLineReader(r)}
}

// Read resets rec and fills it from the next line. It returns io.EOF after the
// last line.
//
// A line that cannot be read as an entry yields a *elblog.ParseError, and
// leaves rec zero. The next Read goes on with the following line. Any other
// error comes from the underlying reader, such as a corrupt gzip stream. Read
// returns it as it is, and returns it again on every later call.
func (r *Reader) Read(rec *terminator.Record) error {
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
func (r *Reader) Line() int { return r.lines.Line() }

// Raw returns the line the last Read read, without its line ending. After an
// elblog.ErrLineTooLong error it holds the first elblog.MaxLineBytes bytes of
// the line. The string stays valid after the next Read.
func (r *Reader) Raw() string { return r.raw }

func (r *Reader) parseLine(line string, rec *terminator.Record) error {
	if !strings.HasPrefix(strings.TrimLeft(line, " \t"), "{") {
		return r.lineError(fmt.Errorf("%w: %s", ErrNotJSONObject, elblog.Quote(line)))
	}
	var e entry
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		return r.lineError(fmt.Errorf("%w: %v", ErrNotJSONObject, err))
	}

	kind, ok := entryKind(&e)
	if !ok {
		return r.lineError(fmt.Errorf("%w: the object has none of the keys %s, %s and %s",
			ErrUnknownEntry, keyMethod, keyResponseCode, keyTransportFailureReason))
	}
	if err := r.checkKeys(&e); err != nil {
		return err
	}

	rec.Source = terminator.SourceEnvoy
	rec.Kind = kind
	if err := r.fillConnection(&e, rec); err != nil {
		return err
	}
	if err := r.fillCertificate(&e, rec); err != nil {
		return err
	}
	if kind == terminator.KindRequest {
		if err := r.fillRequest(&e, rec); err != nil {
			return err
		}
	}
	setOutcome(&e, rec)
	return nil
}

// entryKind decides the kind of an entry by its keys. Only the HTTP log has
// the request keys. The listener log has the failure reason key, which Envoy
// fills only there.
func entryKind(e *entry) (terminator.Kind, bool) {
	switch {
	case e.Method.present || e.ResponseCode.present:
		return terminator.KindRequest, true
	case e.TransportFailureReason.present:
		return terminator.KindHandshake, true
	}
	return "", false
}

// checkKeys checks the keys that every entry needs. The TLS version and the
// peer subject may be null, but the outcome depends on their keys.
func (r *Reader) checkKeys(e *entry) error {
	required := []struct {
		key   string
		value *value
		set   bool // the value must also be set
	}{
		{keyStartTime, &e.StartTime, true},
		{keyRemoteAddress, &e.RemoteAddress, true},
		{keyTLSVersion, &e.TLSVersion, false},
		{keyPeerSubject, &e.PeerSubject, false},
	}
	for _, k := range required {
		if !k.value.present {
			return r.lineError(fmt.Errorf("%w %s", ErrMissingKey, k.key))
		}
		if k.set && !k.value.isSet() {
			return r.invalid(k.key, k.value, "a value")
		}
	}
	return nil
}

// fillConnection fills the fields that both kinds of entry have.
func (r *Reader) fillConnection(e *entry, rec *terminator.Record) error {
	start, err := elblog.ParseTime(e.StartTime.text)
	if err != nil {
		return r.invalid(keyStartTime, &e.StartTime, "an RFC 3339 time such as 2026-12-03T14:00:01.123Z")
	}
	durationMS, err := r.number(keyDuration, &e.Duration, "a number of milliseconds")
	if err != nil {
		return err
	}
	if durationMS.Float64 > maxDurationMS {
		return r.invalid(keyDuration, &e.Duration, "a number of milliseconds that a time.Duration holds")
	}
	rec.Time = start
	if durationMS.Valid {
		rec.Time = start.Add(time.Duration(math.Round(durationMS.Float64 * float64(time.Millisecond))))
		if rec.Kind == terminator.KindRequest {
			rec.RequestTime = sql.NullFloat64{Float64: durationMS.Float64 / 1000, Valid: true}
		}
	}

	ip, port, ok := splitAddress(e.RemoteAddress.text)
	if !ok {
		return r.invalid(keyRemoteAddress, &e.RemoteAddress, "an IP address and port such as 192.0.2.1:443 or [2001:db8::1]:443")
	}
	rec.ClientIP = ip
	rec.ClientPort = sql.NullInt32{Int32: port, Valid: true}

	texts := []struct {
		key    string
		value  *value
		target *sql.NullString
	}{
		{keyConnectionID, &e.ConnectionID, &rec.ConnectionID},
		{keyServerName, &e.ServerName, &rec.SNI},
		{keyTLSVersion, &e.TLSVersion, &rec.TLSProtocol},
		{keyTLSCipher, &e.TLSCipher, &rec.TLSCipher},
	}
	for _, s := range texts {
		if *s.target, err = r.text(s.key, s.value); err != nil {
			return err
		}
	}

	if rec.BytesSent, err = r.count(keyBytesSent, &e.BytesSent); err != nil {
		return err
	}
	handshake, err := r.number(keyHandshakeMicroseconds, &e.HandshakeMicroseconds, "a number of microseconds")
	if err != nil {
		return err
	}
	if handshake.Valid {
		rec.HandshakeTime = sql.NullFloat64{Float64: handshake.Float64 / 1e6, Valid: true}
	}

	flags, err := r.text(keyResponseFlags, &e.ResponseFlags)
	if err != nil {
		return err
	}
	if flags.Valid {
		rec.Detail = sql.NullString{String: "response flags: " + flags.String, Valid: true}
	}
	return nil
}

// fillCertificate fills the client certificate fields. A subject, issuer or
// serial number that package identity cannot read, a validity end that is not
// an RFC 3339 time and a certificate that is not URL-encoded PEM are stored
// raw, or not at all, without rejecting the entry.
func (r *Reader) fillCertificate(e *entry, rec *terminator.Record) error {
	var err error
	if rec.SubjectRaw, err = r.text(keyPeerSubject, &e.PeerSubject); err != nil {
		return err
	}
	if rec.IssuerRaw, err = r.text(keyPeerIssuer, &e.PeerIssuer); err != nil {
		return err
	}
	if rec.SerialRaw, err = r.text(keyPeerSerial, &e.PeerSerial); err != nil {
		return err
	}
	rec.Subject = canonicalDN(rec.SubjectRaw)
	rec.Issuer = canonicalDN(rec.IssuerRaw)
	rec.Serial = canonicalSerial(rec.SerialRaw)

	notAfter, err := r.text(keyPeerCertNotAfter, &e.PeerCertNotAfter)
	if err != nil {
		return err
	}
	if notAfter.Valid {
		if t, err := elblog.ParseTime(notAfter.String); err == nil {
			rec.CertNotAfter = sql.NullTime{Time: t, Valid: true}
		}
	}

	cert, err := r.text(keyPeerCert, &e.PeerCert)
	if err != nil {
		return err
	}
	if cert.Valid {
		rec.CertPEM = decodeCertificate(cert.String)
	}
	return nil
}

// fillRequest fills the fields that only HTTP entries have.
func (r *Reader) fillRequest(e *entry, rec *terminator.Record) error {
	var err error
	texts := []struct {
		key    string
		value  *value
		target *sql.NullString
	}{
		{keyMethod, &e.Method, &rec.Method},
		{keyPath, &e.Path, &rec.URI},
		{keyUserAgent, &e.UserAgent, &rec.UserAgent},
		{keyForwardedFor, &e.ForwardedFor, &rec.ForwardedFor},
	}
	for _, s := range texts {
		if *s.target, err = r.text(s.key, s.value); err != nil {
			return err
		}
	}

	status, err := r.status(&e.ResponseCode)
	if err != nil {
		return err
	}
	rec.Status = status

	// The time from the last request byte sent upstream to the first
	// response byte read back is the backend's processing time, as the ALB's
	// target_processing_time measures it.
	requestSentMS, err := r.number(keyRequestTxDuration, &e.RequestTxDuration, "a number of milliseconds")
	if err != nil {
		return err
	}
	responseStartedMS, err := r.number(keyResponseDuration, &e.ResponseDuration, "a number of milliseconds")
	if err != nil {
		return err
	}
	if requestSentMS.Valid && responseStartedMS.Valid && responseStartedMS.Float64 >= requestSentMS.Float64 {
		seconds := (responseStartedMS.Float64 - requestSentMS.Float64) / 1000
		rec.UpstreamHeaderTime = sql.NullFloat64{Float64: seconds, Valid: true}
	}
	return nil
}

// lineError returns the ParseError for the whole line.
func (r *Reader) lineError(err error) error {
	return &elblog.ParseError{Line: r.lines.Line(), Err: err}
}

// invalid returns the ParseError for a key whose value is not the expected
// kind of value.
func (r *Reader) invalid(key string, v *value, expected string) error {
	logged := v.text
	if v.kind == kindNull {
		logged = "null"
	}
	return r.lineError(fmt.Errorf("%w: %s is %s, expected %s", elblog.ErrSyntax, key, elblog.Quote(logged), expected))
}
