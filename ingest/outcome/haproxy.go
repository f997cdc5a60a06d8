package outcome

import (
	"strconv"
	"strings"
)

// haproxyConnError is one HAProxy connection error code: the value of the
// fc_err fetch, the enum name without its CO_ER_ prefix, and the message of
// fc_err_str and of the connection error log.
type haproxyConnError struct {
	code    int
	name    string
	message string
	outcome Outcome
}

// haproxyConnErrors lists the codes that concern the frontend TLS handshake.
// Source: HAProxy include/haproxy/connection-t.h (enum CO_ER_*, numbered
// from CO_ER_NONE = 0) and conn_err_code_str in src/connection.c, of a recent
// development version. Every other code maps to Other.
//
// NOTE: The numbers hold for versions whose enum matches this one. Older
// enums, from before the fc_err fetch existed, lacked the FD-limit and
// NetScaler codes that now come before the SSL codes.
var haproxyConnErrors = []haproxyConnError{
	{0, "NONE", "Success", OK}, // no connection error: the handshake completed
	{24, "SSL_EMPTY", "Connection closed during SSL handshake", HandshakeError},
	{25, "SSL_ABORT", "Connection error during SSL handshake", HandshakeError},
	{26, "SSL_TIMEOUT", "Timeout during SSL handshake", HandshakeError},
	// 27 and 28 are HAProxy's own limits (maxsslconn, memory), not a
	// property of the client.
	{27, "SSL_TOO_MANY", "Too many SSL connections", Other},
	{28, "SSL_NO_MEM", "Out of memory when initializing an SSL connection", Other},
	{29, "SSL_RENEG", "Rejected a client-initiated SSL renegotiation attempt", HandshakeError},
	// 30 and 31: "verify required" failed. ssl_c_ca_err and ssl_c_err hold
	// the X509_V_ERR number, which FromOpenSSLCode maps more precisely.
	{30, "SSL_CA_FAIL", "SSL client CA chain cannot be verified", Untrusted},
	{31, "SSL_CRT_FAIL", "SSL client certificate not trusted", Untrusted},
	// 32 and 33 concern the certificate of a server that HAProxy connects to.
	{32, "SSL_MISMATCH", "Server presented an SSL certificate different from the configured one", Other},
	{33, "SSL_MISMATCH_SNI", "Server presented an SSL certificate different from the expected one", Other},
	{34, "SSL_HANDSHAKE", "SSL handshake failure", HandshakeError},
	{35, "SSL_HANDSHAKE_HB", "SSL handshake failure after heartbeat", HandshakeError},
	// 36 is an attack that HAProxy stopped, not a failed handshake.
	{36, "SSL_KILLED_HB", "Stopped a TLSv1 heartbeat attack (CVE-2014-0160)", Other},
	// 43 is a fatal TLS error in SSL_read or SSL_write, after the handshake.
	{43, "SSL_FATAL", "SSL fatal error", Other},
}

// haproxyMessageVariants are older spellings of the messages above.
var haproxyMessageVariants = map[string]Outcome{
	"Rejected a client-initiated SSL renegociation attempt": HandshakeError, // before the spelling fix
}

var (
	haproxyByCode    = map[int]Outcome{}
	haproxyByName    = map[string]Outcome{}
	haproxyByMessage = map[string]Outcome{}
)

func init() {
	for _, e := range haproxyConnErrors {
		haproxyByCode[e.code] = e.outcome
		haproxyByName[e.name] = e.outcome
		haproxyByMessage[strings.ToLower(e.message)] = e.outcome
	}
	for message, outcome := range haproxyMessageVariants {
		haproxyByMessage[strings.ToLower(message)] = outcome
	}
}

// FromHAProxyFcErr maps a HAProxy connection error. It accepts the number of
// the fc_err fetch ("34"), a name with or without its enum prefix
// ("SSL_HANDSHAKE", "CO_ER_SSL_HANDSHAKE", and "CO_ERR_SSL_FATAL" for 43), and
// the message of fc_err_str and of the connection error log ("SSL handshake
// failure"). Newer versions append the OpenSSL reason to the message, as in
// "SSL handshake failure (error:0A0000C1:SSL routines::no shared cipher)",
// and that part is ignored. "-" and "" map to NotVerified.
//
// 0 maps to OK because the handshake completed. With "verify optional" and
// crt-ignore-err or ca-ignore-err, HAProxy completes handshakes with a bad
// certificate, so callers should also map ssl_c_err and ssl_c_ca_err with
// FromOpenSSLCode and check ssl_c_used for a missing certificate.
//
// NOTE: The names follow the enum. Whether the fc_err_name fetch spells them
// the same way was not checked against a HAProxy build.
func FromHAProxyFcErr(fcErr string) Outcome {
	value := strings.TrimSpace(fcErr)
	if value == "" || value == "-" {
		return NotVerified
	}

	if code, err := strconv.Atoi(value); err == nil {
		if outcome, ok := haproxyByCode[code]; ok {
			return outcome
		}
		return Other
	}

	name := strings.ToUpper(value)
	name = strings.TrimPrefix(name, "CO_ERR_")
	name = strings.TrimPrefix(name, "CO_ER_")
	if outcome, ok := haproxyByName[name]; ok {
		return outcome
	}

	message := value
	if open := strings.LastIndex(message, " ("); open >= 0 && strings.HasSuffix(message, ")") {
		if _, known := haproxyByMessage[strings.ToLower(message)]; !known {
			message = message[:open]
		}
	}
	if outcome, ok := haproxyByMessage[strings.ToLower(strings.TrimSpace(message))]; ok {
		return outcome
	}
	return Other
}
