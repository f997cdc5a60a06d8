package haproxy

// HTTPSLogFormat is the layout that HAProxy's "option httpslog" writes, as
// its default_https_log_format in src/log.c spells it.
const HTTPSLogFormat = `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc ` +
	`%ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r ` +
	`%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc`

// RecommendedLogFormat is the log-format of RecommendedFrontendConfig. It is
// HTTPSLogFormat followed by the handshake time, the client certificate, and
// the X-Forwarded-For and User-Agent headers. The quoted fields use +E, which
// writes '"', '\' and ']' with a '\' before them, so that a subject, issuer or
// header cannot end its field early.
const RecommendedLogFormat = HTTPSLogFormat + ` %Th %[ssl_c_used]/%[ssl_c_verify] ` +
	`%[ssl_c_serial,hex] %[ssl_c_notafter] ` +
	`%{+Q,+E}[ssl_c_s_dn(,0,rfc2253)] %{+Q,+E}[ssl_c_i_dn(,0,rfc2253)] ` +
	`%{+Q,+E}[var(txn.cutover_forwarded_for)] %{+Q,+E}[var(txn.cutover_user_agent)]`

// RecommendedLogFormatWithCertificate is RecommendedLogFormat followed by the
// client's leaf certificate: its DER encoding in base64, or - when the client
// sent none. Reader reads lines with and without the certificate. The base64
// text is 4/3 the size of the DER, so a 1.5 KB certificate adds 2 KB to the
// line. HAProxy 2.6.12 cuts lines at 1024 bytes unless the frontend's log
// line sets a larger len, such as "log stdout len 8192 format raw local0".
const RecommendedLogFormatWithCertificate = RecommendedLogFormat + ` %[ssl_c_der,base64]`

// RecommendedFrontendConfig is the configuration to add to each frontend
// that terminates mutual TLS, in place of "option httpslog", before the
// http-request rules that end a request, such as deny or return. A log-format
// cannot read request headers, because HAProxy has released them when it
// writes the log line, so two http-request rules copy them into variables
// first. req.fhdr returns the whole last X-Forwarded-For line, where req.hdr
// would return only the last address of the comma-separated list.
const RecommendedFrontendConfig = `    http-request set-var(txn.cutover_forwarded_for) req.fhdr(x-forwarded-for)
    http-request set-var(txn.cutover_user_agent) req.fhdr(user-agent)
    log-format "` + RecommendedLogFormat + `"
`

// httpFieldNames names the fields of an HTTP log line, in order, for
// ParseError: the httpslog fields, then the fields that RecommendedLogFormat
// adds, then the certificate of RecommendedLogFormatWithCertificate. %hr and
// %hs are absent from lines of frontends that capture no headers.
var httpFieldNames = [...]string{
	"%ci:%cp",
	"%tr",
	"%ft",
	"%b/%s",
	"%TR/%Tw/%Tc/%Tr/%Ta",
	"%ST",
	"%B",
	"%CC",
	"%CS",
	"%tsc",
	"%ac/%fc/%bc/%sc/%rc",
	"%sq/%bq",
	"%hr",
	"%hs",
	"%{+Q}r",
	"%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed]",
	"%[ssl_fc_sni]/%sslv/%sslc",
	"%Th",
	"%[ssl_c_used]/%[ssl_c_verify]",
	"%[ssl_c_serial,hex]",
	"%[ssl_c_notafter]",
	"%{+Q,+E}[ssl_c_s_dn(,0,rfc2253)]",
	"%{+Q,+E}[ssl_c_i_dn(,0,rfc2253)]",
	"%{+Q,+E}[var(txn.cutover_forwarded_for)]",
	"%{+Q,+E}[var(txn.cutover_user_agent)]",
	"%[ssl_c_der,base64]",
}

// Numbers (1-indexed) of the HTTP log fields that the parser refers to.
const (
	fieldClient = iota + 1
	fieldRequestDate
	fieldFrontend
	fieldBackendServer
	fieldTimers
	fieldStatus
	fieldBytes
	fieldRequestCookie
	fieldResponseCookie
	fieldTerminationState
	fieldConnections
	fieldQueues
	fieldRequestHeaders
	fieldResponseHeaders
	fieldRequest
	fieldErrors
	fieldTLS
	fieldHandshakeTime
	fieldCertificateUse
	fieldSerial
	fieldNotAfter
	fieldSubject
	fieldIssuer
	fieldForwardedFor
	fieldUserAgent
	fieldCertificate
)

// connErrorFieldNames names the fields of a connection error log line, in
// order, for ParseError.
var connErrorFieldNames = [...]string{
	"client_ip:client_port",
	"accept_date",
	"frontend/bind",
	"message",
}
