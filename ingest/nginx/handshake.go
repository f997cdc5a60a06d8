package nginx

import (
	"strings"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// opensslReasons maps the OpenSSL reasons of a failed SSL_do_handshake()
// to the taxonomy. The names are OpenSSL's SSL_R_* reason codes without the
// prefix. The list holds the reasons that a recent copy of nginx's
// ngx_ssl_connection_error (src/event/ngx_event_openssl.c) logs at the info
// level because a client causes them. The list changes between versions:
// nginx 1.22 logs BAD_KEY_SHARE at crit, and changes merged in 2026 log
// every alert from the client and RECORD_LAYER_FAILURE at info.
//
// OpenSSL's error text for a reason is its name in lower case with spaces
// ("no shared cipher"), BoringSSL's is the name itself, and lookups accept
// both. Reasons that are not listed map to Other.
//
// Alerts are the ones the client sent. nginx is the server, so most concern
// nginx's own certificate or handshake, not the client certificate:
// TLSV1_ALERT_UNKNOWN_CA means that the client does not trust the server
// certificate.
var opensslReasons = map[string]outcome.Outcome{
	// The client and nginx share no protocol version, cipher suite, group,
	// signature algorithm or application protocol.
	"NO_SHARED_CIPHER":                     outcome.Incompatible,
	"NO_CIPHERS_PASSED":                    outcome.Incompatible,
	"NO_CIPHERS_SPECIFIED":                 outcome.Incompatible,
	"NO_SHARED_GROUP":                      outcome.Incompatible,
	"NO_SUITABLE_KEY_SHARE":                outcome.Incompatible,
	"NO_SUITABLE_SIGNATURE_ALGORITHM":      outcome.Incompatible,
	"NO_COMMON_SIGNATURE_ALGORITHMS":       outcome.Incompatible,
	"NO_SHARED_SIGNATURE_ALGORITHMS":       outcome.Incompatible,
	"NO_SHARED_SIGATURE_ALGORITHMS":        outcome.Incompatible, // OpenSSL's misspelled name
	"NO_APPLICATION_PROTOCOL":              outcome.Incompatible,
	"UNSUPPORTED_PROTOCOL":                 outcome.Incompatible,
	"VERSION_TOO_LOW":                      outcome.Incompatible,
	"INAPPROPRIATE_FALLBACK":               outcome.Incompatible,
	"UNSAFE_LEGACY_RENEGOTIATION_DISABLED": outcome.Incompatible,
	"TLSV1_ALERT_PROTOCOL_VERSION":         outcome.Incompatible, // the client rejected the protocol version
	"TLSV1_ALERT_INSUFFICIENT_SECURITY":    outcome.Incompatible, // the client rejected the offered parameters

	// A handshake message, usually the certificate chain, over the limit.
	"EXCESSIVE_MESSAGE_SIZE": outcome.TooLarge,

	// Not TLS at all, or a malformed or out-of-order message.
	"HTTP_REQUEST":                            outcome.HandshakeError, // plain HTTP sent to the TLS port
	"HTTPS_PROXY_REQUEST":                     outcome.HandshakeError,
	"WRONG_VERSION_NUMBER":                    outcome.HandshakeError,
	"UNKNOWN_PROTOCOL":                        outcome.HandshakeError,
	"BAD_ALERT":                               outcome.HandshakeError,
	"BAD_CHANGE_CIPHER_SPEC":                  outcome.HandshakeError,
	"BAD_CIPHER":                              outcome.HandshakeError,
	"BAD_DIGEST_LENGTH":                       outcome.HandshakeError,
	"BAD_ECPOINT":                             outcome.HandshakeError,
	"BAD_EXTENSION":                           outcome.HandshakeError,
	"BAD_KEY_SHARE":                           outcome.HandshakeError,
	"BAD_KEY_UPDATE":                          outcome.HandshakeError,
	"BAD_LEGACY_VERSION":                      outcome.HandshakeError,
	"BAD_LENGTH":                              outcome.HandshakeError,
	"BAD_PACKET_LENGTH":                       outcome.HandshakeError,
	"BAD_RECORD_TYPE":                         outcome.HandshakeError,
	"BLOCK_CIPHER_PAD_IS_WRONG":               outcome.HandshakeError,
	"CCS_RECEIVED_EARLY":                      outcome.HandshakeError,
	"CLIENTHELLO_TLSEXT":                      outcome.HandshakeError,
	"DATA_BETWEEN_CCS_AND_FINISHED":           outcome.HandshakeError,
	"DATA_LENGTH_TOO_LONG":                    outcome.HandshakeError,
	"DECODE_ERROR":                            outcome.HandshakeError,
	"DECRYPTION_FAILED_OR_BAD_RECORD_MAC":     outcome.HandshakeError,
	"DIGEST_CHECK_FAILED":                     outcome.HandshakeError,
	"ENCRYPTED_LENGTH_TOO_LONG":               outcome.HandshakeError,
	"ERROR_IN_RECEIVED_CIPHER_LIST":           outcome.HandshakeError,
	"GOT_A_FIN_BEFORE_A_CCS":                  outcome.HandshakeError,
	"INVALID_COMPRESSION_LIST":                outcome.HandshakeError,
	"LENGTH_MISMATCH":                         outcome.HandshakeError,
	"LENGTH_TOO_SHORT":                        outcome.HandshakeError,
	"MISSING_KEY_SHARE":                       outcome.HandshakeError,
	"MISSING_SIGALGS_EXTENSION":               outcome.HandshakeError,
	"MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA":  outcome.HandshakeError,
	"NO_COMPRESSION_SPECIFIED":                outcome.HandshakeError,
	"NO_RENEGOTIATION":                        outcome.HandshakeError,
	"PACKET_LENGTH_TOO_LONG":                  outcome.HandshakeError,
	"PARSE_TLSEXT":                            outcome.HandshakeError,
	"RECORD_LENGTH_MISMATCH":                  outcome.HandshakeError,
	"RECORD_TOO_SMALL":                        outcome.HandshakeError,
	"RENEGOTIATE_EXT_TOO_LONG":                outcome.HandshakeError,
	"RENEGOTIATION_ENCODING_ERR":              outcome.HandshakeError,
	"RENEGOTIATION_MISMATCH":                  outcome.HandshakeError,
	"SCSV_RECEIVED_WHEN_RENEGOTIATING":        outcome.HandshakeError,
	"SSL3_SESSION_ID_TOO_LONG":                outcome.HandshakeError,
	"TLS_RSA_ENCRYPTED_VALUE_LENGTH_IS_WRONG": outcome.HandshakeError,
	"TOO_MANY_WARN_ALERTS":                    outcome.HandshakeError,
	"TOO_MANY_WARNING_ALERTS":                 outcome.HandshakeError,
	"TOO_MUCH_SKIPPED_EARLY_DATA":             outcome.HandshakeError,
	"UNEXPECTED_MESSAGE":                      outcome.HandshakeError,
	"UNEXPECTED_RECORD":                       outcome.HandshakeError,
	"UNKNOWN_ALERT_TYPE":                      outcome.HandshakeError,
	"APPLICATION_DATA_AFTER_CLOSE_NOTIFY":     outcome.HandshakeError,
	"APPLICATION_DATA_ON_SHUTDOWN":            outcome.HandshakeError,
	"RECORD_LAYER_FAILURE":                    outcome.HandshakeError, // OpenSSL 3 adds it after the first error
	// nginx's own SNI callback refused the client, as ssl_reject_handshake
	// does for an unknown server name.
	"CALLBACK_FAILED": outcome.HandshakeError,

	// Outside nginx's info list: the connection ended in the middle of the
	// handshake (OpenSSL 3), and the results of a failed verification for
	// callers that abort the handshake, which nginx's HTTP module does not.
	"UNEXPECTED_EOF_WHILE_READING":      outcome.HandshakeError,
	"PEER_DID_NOT_RETURN_A_CERTIFICATE": outcome.NoCert,
	"CERTIFICATE_VERIFY_FAILED":         outcome.Other,
	// nginx's certificate callback failed: a fault of the server.
	"CERT_CB_ERROR": outcome.Other,
}

// opensslAlertPrefixes start the names of the alerts a client sends. Those
// not in opensslReasons map to HandshakeError.
var opensslAlertPrefixes = []string{"SSLV3_ALERT_", "TLSV1_ALERT_", "TLSV13_ALERT_"}

// fromOpenSSLReason maps one OpenSSL reason, in OpenSSL's text or
// BoringSSL's name, and reports whether the reason is in the tables above.
func fromOpenSSLReason(reason string) (outcome.Outcome, bool) {
	name := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(reason), " ", "_"))
	if o, ok := opensslReasons[name]; ok {
		return o, true
	}
	for _, prefix := range opensslAlertPrefixes {
		if strings.HasPrefix(name, prefix) {
			return outcome.HandshakeError, true
		}
	}
	return outcome.Other, false
}

// fromOpenSSLErrors maps the errors that nginx lists after "(SSL:", each in
// ERR_error_string_n's form "error:<code>:<library>:<function>:<reason>",
// with ":<data>" after it for some, such as "SSL alert number 48". The
// function is empty in OpenSSL 3 ("error:0A0000C1:SSL routines::no shared
// cipher"). nginx picks the log level by the last error in the queue, so
// the last error with a known reason decides.
func fromOpenSSLErrors(errorList string) outcome.Outcome {
	result := outcome.Other
	for entry := range strings.SplitSeq(errorList, "error:") {
		fields := strings.SplitN(entry, ":", 5)
		if len(fields) < 4 {
			continue
		}
		reason := fields[3]
		if o, ok := fromOpenSSLReason(reason); ok {
			result = o
		}
	}
	return result
}

// The error-log messages and the action that classify looks for. Sources:
// nginx's src/http/ngx_http_request.c and src/event/ngx_event_openssl.c, and
// the lines that nginx 1.22.1 with OpenSSL 3.0 wrote for failed handshakes
// and verifications in its http and stream modules.
const (
	// "client SSL certificate verify error: (10:certificate has expired)",
	// with the X509_V_ERR number and its text, or with the text alone for a
	// failed OCSP check ("certificate revoked").
	messageVerifyError = "client SSL certificate verify error: "
	messageNoCert      = "client sent no required SSL certificate"
	messagePlainHTTP   = "client sent plain HTTP request to HTTPS port"
	// "SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared
	// cipher)", or with a system error: "(104: Connection reset by peer)".
	messageHandshakeFailed = "SSL_do_handshake() failed"

	// messageStaleError reports an error that an earlier connection left in
	// OpenSSL's queue, not a failure of this connection.
	messageStaleError = "ignoring stale global SSL error"

	// actionHandshake is the action after " while " for errors in a client's
	// handshake. Upstream handshakes have "SSL handshaking to upstream".
	actionHandshake = "SSL handshaking"
)

// handshakeMessages start the other messages that nginx logs while a
// client's handshake is in progress. Each means that the connection closed
// or timed out before the handshake completed.
var handshakeMessages = []string{
	messageHandshakeFailed,
	"peer closed connection in SSL handshake",
	"client closed connection",
	"client timed out",
	"recv() failed",
}

// tlsFailure is the client TLS failure that classify finds in an error-log
// message.
type tlsFailure struct {
	outcome outcome.Outcome
	// detail is the OpenSSL error list of a failed SSL_do_handshake(), or "".
	detail string
	// perRequest is true for the failures that nginx's HTTP module finds
	// after the handshake, when a request arrives: a certificate that failed
	// verification, a missing certificate and plain HTTP.
	perRequest bool
}

// classify maps an error-log message and its action to a client TLS
// failure, and reports false for every other message.
func classify(message, action string) (tlsFailure, bool) {
	switch {
	case strings.HasPrefix(message, messageVerifyError):
		text := message[len(messageVerifyError):]
		if !strings.HasPrefix(text, "(") {
			// An OCSP result has no number, and reads like $ssl_client_verify.
			return tlsFailure{outcome: outcome.FromNginx("FAILED:" + text), perRequest: true}, true
		}
		return tlsFailure{outcome: outcome.FromNginx(message), perRequest: true}, true
	case strings.HasPrefix(message, messageNoCert):
		return tlsFailure{outcome: outcome.NoCert, perRequest: true}, true
	case strings.HasPrefix(message, messagePlainHTTP):
		return tlsFailure{outcome: outcome.HandshakeError, perRequest: true}, true
	case action != actionHandshake, strings.HasPrefix(message, messageStaleError):
		return tlsFailure{}, false
	}

	if errorList, ok := sslErrors(message); ok && strings.HasPrefix(message, messageHandshakeFailed) {
		return tlsFailure{outcome: fromOpenSSLErrors(errorList), detail: errorList}, true
	}
	for _, prefix := range handshakeMessages {
		if strings.HasPrefix(message, prefix) {
			return tlsFailure{outcome: outcome.HandshakeError}, true
		}
	}
	// Any other message about a client's handshake, such as a server
	// without a certificate for the requested name.
	return tlsFailure{outcome: outcome.Other}, true
}

// sslErrors returns the OpenSSL error list that nginx writes after " (SSL:"
// in a message, without the closing parenthesis and without the system
// error that may follow it.
func sslErrors(message string) (string, bool) {
	_, list, ok := strings.Cut(message, " (SSL:")
	if !ok {
		return "", false
	}
	if i := strings.LastIndex(list, ") ("); i >= 0 && isSystemError(list[i+2:]) {
		list = list[:i+1]
	}
	list = strings.TrimSuffix(list, ")")
	return strings.TrimSpace(list), true
}

// isSystemError reports whether s has the form "(104: Connection reset by
// peer)" in which nginx appends an errno and its text.
func isSystemError(s string) bool {
	inner, ok := strings.CutPrefix(s, "(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return false
	}
	number, _, ok := strings.Cut(inner, ": ")
	if !ok || number == "" {
		return false
	}
	for i := 0; i < len(number); i++ {
		if number[i] < '0' || number[i] > '9' {
			return false
		}
	}
	return true
}
