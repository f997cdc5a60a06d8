package haproxy

import (
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// The timers of %TR/%Tw/%Tc/%Tr/%Ta, by their index in the field.
const (
	timerResponse = 3 // Tr: time from the request sent to the server to its response headers
	timerActive   = 4 // Ta: time from the first request byte to the last response byte
)

// tlsErrors are the values of the httpslog field
// %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed]
// and of the recommended field %[ssl_c_used]/%[ssl_c_verify].
type tlsErrors struct {
	connection string        // fc_err as logged
	handshake  string        // ssl_fc_err,hex as logged
	leaf       sql.NullInt64 // ssl_c_err
	chain      sql.NullInt64 // ssl_c_ca_err
	used       sql.NullInt64 // ssl_c_used: 1 when the client sent a certificate
	verify     sql.NullInt64 // ssl_c_verify
	inLayout   bool          // the line has ssl_c_used and ssl_c_verify
}

// parseHTTP fills rec from an HTTP log line in the httpslog layout or in
// RecommendedLogFormat, which is the same layout with more fields at the end.
func (r *Reader) parseHTTP(head entryHead, rec *terminator.Record) error {
	names := httpFieldNames[:]

	ip, port, ok := parseClient(head.client)
	if !ok {
		return r.invalid(names, fieldClient, head.client, "an IP address and port such as 192.0.2.1:443 or 2001:db8::1:443")
	}
	requestDate, ok := parseLogDate(head.date, r.location)
	if !ok {
		return r.invalid(names, fieldRequestDate, head.date, "a date such as 03/Dec/2026:14:00:01.123")
	}
	rec.Kind = terminator.KindRequest
	rec.ClientIP = ip
	rec.ClientPort = sql.NullInt32{Int32: port, Valid: true}

	s := fieldScanner{line: head.rest}
	timers, terminationState, err := r.parseTraffic(&s, rec)
	if err != nil {
		return err
	}
	if err := r.parseRequest(&s, rec); err != nil {
		return err
	}
	tls, err := r.parseTLS(&s, rec)
	if err != nil {
		return err
	}
	if !s.atEnd() {
		if err := r.parseRecommended(&s, rec, &tls); err != nil {
			return err
		}
	}

	rec.Time = requestDate
	if ta := timers[timerActive]; ta.Valid {
		rec.Time = requestDate.Add(time.Duration(ta.Int64) * time.Millisecond)
		rec.RequestTime = seconds(ta)
	}
	rec.UpstreamHeaderTime = seconds(timers[timerResponse])
	rec.Outcome = string(httpOutcome(rec, &tls))
	rec.Detail = httpDetail(terminationState, tls.handshake)
	return nil
}

// parseTraffic reads the fields from %ft to %sq/%bq and returns the timers
// and the termination state. It checks each field as it reads it, so that a
// line of another layout is reported at its first field of another shape.
func (r *Reader) parseTraffic(s *fieldScanner, rec *terminator.Record) ([5]sql.NullInt64, string, error) {
	names := httpFieldNames[:]
	var timers [5]sql.NullInt64
	var terminationState string

	for n := fieldFrontend; n <= fieldQueues; n++ {
		v, err := r.nextBare(s, n)
		if err != nil {
			return timers, "", err
		}

		switch n {
		case fieldBackendServer:
			if !strings.Contains(v, "/") {
				return timers, "", r.invalid(names, n, v, "backend/server")
			}
		case fieldTimers:
			parts, ok := splitN(v, 5)
			for i := 0; ok && i < len(parts); i++ {
				timers[i], ok = parseTimer(parts[i])
			}
			if !ok {
				return timers, "", r.invalid(names, n, v, "five timers in milliseconds or -1, such as 10/0/30/69/109")
			}
		case fieldStatus:
			if v == "-1" {
				break
			}
			code, err := elblog.ParseUint(v, 999)
			if err != nil {
				return timers, "", r.invalid(names, n, v, "an HTTP status from 0 to 999, or -1")
			}
			rec.Status = sql.NullInt32{Int32: int32(code), Valid: true}
		case fieldBytes:
			bytes, ok := parseCount(v)
			if !ok {
				return timers, "", r.invalid(names, n, v, "a byte count")
			}
			rec.BytesSent = sql.NullInt64{Int64: bytes, Valid: true}
		case fieldTerminationState:
			terminationState = v
		case fieldConnections, fieldQueues:
			count := 5
			if n == fieldQueues {
				count = 2
			}
			if !isCounts(v, count) {
				return timers, "", r.invalid(names, n, v, fmt.Sprintf("%d counts joined by '/'", count))
			}
		}
	}
	return timers, terminationState, nil
}

// nextBare returns field n, a bare field that must not be empty.
func (r *Reader) nextBare(s *fieldScanner, n int) (string, error) {
	v, ok := s.bare()
	if !ok {
		return "", r.missing(n)
	}
	if v == "" {
		return "", r.invalid(httpFieldNames[:], n, v, "a value")
	}
	return v, nil
}

// isCounts reports whether v is count whole numbers joined by '/', as in
// %sq/%bq.
func isCounts(v string, count int) bool {
	parts, ok := splitN(v, count)
	for i := 0; ok && i < len(parts); i++ {
		_, ok = parseCount(parts[i])
	}
	return ok
}

// parseRequest reads the captured headers, which frontends without captures
// do not log, and the request line %{+Q}r, such as "GET /path HTTP/1.1".
func (r *Reader) parseRequest(s *fieldScanner, rec *terminator.Record) error {
	names := httpFieldNames[:]
	for n := fieldRequestHeaders; n <= fieldResponseHeaders && s.peek() == '{'; n++ {
		if _, ok := s.braced(); !ok {
			return r.fieldError(names, n, fmt.Errorf("%w: captured headers without a closing '}' before a space", elblog.ErrSyntax))
		}
	}

	switch {
	case s.atEnd():
		return r.missing(fieldRequest)
	case s.peek() != '"':
		v, _ := s.bare()
		return r.invalid(names, fieldRequest, v, "a request line in double quotes")
	}
	request, err := s.quoted(false)
	if err != nil {
		return r.fieldError(names, fieldRequest, err)
	}
	rec.Method, rec.URI = splitRequest(request)
	return nil
}

// splitRequest returns the method and the URI of a request line. HAProxy
// writes <BADREQ> for a request it could not parse.
func splitRequest(request string) (method, uri sql.NullString) {
	if request == "<BADREQ>" {
		return method, uri
	}
	m, rest, found := strings.Cut(request, " ")
	method = nullString(m)
	if !found {
		return method, uri
	}
	if space := strings.LastIndexByte(rest, ' '); space >= 0 && strings.HasPrefix(rest[space+1:], "HTTP/") {
		rest = rest[:space]
	}
	return method, nullString(rest)
}

// parseTLS reads the two TLS fields that option httpslog adds.
func (r *Reader) parseTLS(s *fieldScanner, rec *terminator.Record) (tlsErrors, error) {
	names := httpFieldNames[:]
	var tls tlsErrors

	errorsField, ok := s.bare()
	if !ok {
		return tls, r.missing(fieldErrors)
	}
	if tls, ok = parseTLSErrors(errorsField); !ok {
		return tls, r.invalid(names, fieldErrors, errorsField, "fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed, such as 0/0000000000000000/0/0/0")
	}
	rec.VerifyRaw = sql.NullString{String: errorsField, Valid: true}

	tlsField, ok := s.bare()
	if !ok {
		return tls, r.missing(fieldTLS)
	}
	cipherAt := strings.LastIndexByte(tlsField, '/')
	versionAt := -1
	if cipherAt > 0 {
		versionAt = strings.LastIndexByte(tlsField[:cipherAt], '/')
	}
	if versionAt < 0 {
		return tls, r.invalid(names, fieldTLS, tlsField, "sni/version/cipher, such as api.example.com/TLSv1.3/TLS_AES_256_GCM_SHA384")
	}
	rec.SNI = nullString(tlsField[:versionAt])
	rec.TLSProtocol = nullString(tlsField[versionAt+1 : cipherAt])
	rec.TLSCipher = nullString(tlsField[cipherAt+1:])
	return tls, nil
}

// parseTLSErrors parses the field
// %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed],
// in which a fetch that failed, as on a connection without TLS, is "-".
func parseTLSErrors(field string) (tlsErrors, bool) {
	parts, ok := splitN(field, 5)
	if !ok {
		return tlsErrors{}, false
	}
	tls := tlsErrors{connection: parts[0], handshake: parts[1]}
	_, okConnection := parseCode(parts[0])
	okHandshake := elblog.IsNull(parts[1]) || isHex(parts[1])
	var okLeaf, okChain bool
	tls.leaf, okLeaf = parseCode(parts[2])
	tls.chain, okChain = parseCode(parts[3])
	resumed, okResumed := parseCode(parts[4])
	okResumed = okResumed && (!resumed.Valid || resumed.Int64 <= 1)
	return tls, okConnection && okHandshake && okLeaf && okChain && okResumed
}

// parseRecommended reads the fields that RecommendedLogFormat adds after the
// httpslog layout, and the certificate of RecommendedLogFormatWithCertificate
// when the line has it.
func (r *Reader) parseRecommended(s *fieldScanner, rec *terminator.Record, tls *tlsErrors) error {
	names := httpFieldNames[:]

	v, err := r.nextBare(s, fieldHandshakeTime)
	if err != nil {
		return err
	}
	handshake, ok := parseTimer(v)
	if !ok {
		return r.invalid(names, fieldHandshakeTime, v, "a handshake time in milliseconds")
	}
	rec.HandshakeTime = seconds(handshake)

	if v, err = r.nextBare(s, fieldCertificateUse); err != nil {
		return err
	}
	parts, ok := splitN(v, 2)
	if ok {
		var okVerify bool
		tls.used, ok = parseCode(parts[0])
		tls.verify, okVerify = parseCode(parts[1])
		ok = ok && okVerify && (!tls.used.Valid || tls.used.Int64 <= 1)
	}
	if !ok {
		return r.invalid(names, fieldCertificateUse, v, "ssl_c_used/ssl_c_verify, such as 1/0")
	}
	tls.inLayout = true
	rec.VerifyRaw.String += " " + v

	if v, err = r.nextBare(s, fieldSerial); err != nil {
		return err
	}
	if !elblog.IsNull(v) && !isHex(v) {
		return r.invalid(names, fieldSerial, v, "hex digits or -")
	}
	rec.SerialRaw = nullString(v)
	rec.Serial = canonicalSerial(rec.SerialRaw)

	if v, err = r.nextBare(s, fieldNotAfter); err != nil {
		return err
	}
	if !elblog.IsNull(v) {
		rec.CertNotAfter, _ = parseNotAfter(v)
	}

	quoted := make([]string, fieldUserAgent+1)
	for n := fieldSubject; n <= fieldUserAgent; n++ {
		switch {
		case s.atEnd():
			return r.missing(n)
		case s.peek() != '"':
			v, _ := s.bare()
			return r.invalid(names, n, v, "a value in double quotes")
		}
		v, err := s.quoted(true)
		if err != nil {
			return r.fieldError(names, n, err)
		}
		quoted[n] = unescapeE(v)
	}
	if !s.atEnd() {
		v, _ := s.bare()
		rec.CertPEM = decodeCertificate(v)
	}
	if !s.atEnd() {
		return &elblog.ParseError{Line: r.lines.Line(), Err: fmt.Errorf(
			"%w: text after the last field of RecommendedLogFormatWithCertificate: %s", elblog.ErrSyntax, elblog.Quote(s.rest()))}
	}

	rec.SubjectRaw = nullQuoted(quoted[fieldSubject])
	rec.IssuerRaw = nullQuoted(quoted[fieldIssuer])
	rec.Subject = canonicalDN(rec.SubjectRaw)
	rec.Issuer = canonicalDN(rec.IssuerRaw)
	rec.ForwardedFor = nullQuoted(quoted[fieldForwardedFor])
	rec.UserAgent = nullQuoted(quoted[fieldUserAgent])
	return nil
}

// missing returns the ParseError for a line that ends before field n.
func (r *Reader) missing(n int) error {
	names := httpFieldNames[:]
	if n == fieldErrors {
		return r.fieldError(names, n, fmt.Errorf(
			"%w: the line ends after the request line, without the TLS fields of option httpslog (option httplog lines are not read)",
			elblog.ErrFieldCount))
	}
	return r.fieldError(names, n, fmt.Errorf("%w: the line ends before this field", elblog.ErrFieldCount))
}

// httpOutcome maps the verification results of an HTTP log line, in the
// order the package documentation gives. Non-zero ssl_c_err and ssl_c_ca_err
// reach the HTTP log when "verify optional" with crt-ignore-err or
// ca-ignore-err lets a bad certificate through. ssl_c_used 0 maps to no_cert
// because the ALB in verify mode would reject a client without a certificate.
// fc_err is 0, which maps to ok, for a completed handshake.
func httpOutcome(rec *terminator.Record, tls *tlsErrors) outcome.Outcome {
	switch {
	case !rec.TLSProtocol.Valid:
		return outcome.NotVerified
	case tls.leaf.Valid && tls.leaf.Int64 != 0:
		return outcome.FromOpenSSLCode(codeInt(tls.leaf.Int64))
	case tls.chain.Valid && tls.chain.Int64 != 0:
		return outcome.FromOpenSSLCode(codeInt(tls.chain.Int64))
	case tls.inLayout && tls.verify.Valid && tls.verify.Int64 != 0:
		return outcome.FromOpenSSLCode(codeInt(tls.verify.Int64))
	case tls.inLayout && tls.used.Valid && tls.used.Int64 == 0:
		return outcome.NoCert
	}
	return outcome.FromHAProxyFcErr(tls.connection)
}

// codeInt narrows a verification result for outcome.FromOpenSSLCode. A number
// too large for an int maps to other there, as -1 does.
func codeInt(n int64) int {
	if n > math.MaxInt32 {
		return -1
	}
	return int(n)
}

// httpDetail returns the termination state when the session did not end
// normally ("----") and ssl_fc_err when it is not zero, such as
// "termination state: CD--, ssl_fc_err: 000000000A000086".
func httpDetail(terminationState, handshakeError string) sql.NullString {
	var parts []string
	if strings.Trim(terminationState, "-") != "" {
		parts = append(parts, "termination state: "+terminationState)
	}
	if isHex(handshakeError) && !isZeroHex(handshakeError) {
		parts = append(parts, "ssl_fc_err: "+handshakeError)
	}
	if len(parts) == 0 {
		return sql.NullString{}
	}
	return sql.NullString{String: strings.Join(parts, ", "), Valid: true}
}

// seconds converts milliseconds to seconds.
func seconds(ms sql.NullInt64) sql.NullFloat64 {
	if !ms.Valid {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: float64(ms.Int64) / 1000, Valid: true}
}
