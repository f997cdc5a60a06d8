package outcome

import (
	"strconv"
	"strings"
)

// nginx messages and values. Source: nginx src/event/ngx_event_openssl.c
// (ngx_ssl_get_client_verify) and src/http/ngx_http_request.c, which log the
// error-log messages at the info level.
const (
	nginxSuccess     = "SUCCESS" // $ssl_client_verify: the certificate verified
	nginxNone        = "NONE"    // $ssl_client_verify: the client sent no certificate
	nginxFailed      = "FAILED"  // $ssl_client_verify before nginx 1.11.7, without a reason
	nginxFailedColon = "FAILED:" // $ssl_client_verify since nginx 1.11.7: FAILED:<reason>
	// Error log: ssl_verify_client on, and no certificate.
	nginxNoCertMessage = "client sent no required SSL certificate"
	// Error log: "client SSL certificate verify error: (N:reason)", with the
	// X509_V_ERR number N and X509_verify_cert_error_string(N).
	nginxVerifyErrorMessage = "client SSL certificate verify error: ("
)

// FromNginx maps the value of nginx's $ssl_client_verify variable or one of
// nginx's client certificate messages in the error log:
//
//	SUCCESS                                          OK
//	NONE                                             NoCert
//	FAILED:<reason>                                  by the X509_verify_cert_error_string text,
//	                                                 or by nginx's OCSP texts (ssl_ocsp)
//	FAILED                                           Other (nginx before 1.11.7 gave no reason)
//	client sent no required SSL certificate          NoCert
//	client SSL certificate verify error: (N:reason)  by the number N, then by the reason
//	- or an empty value                              NotVerified
//
// The error-log messages may carry text around them, such as nginx's
// " while reading client request headers" and the client address.
//
// $ssl_client_verify is also NONE when ssl_verify_client is off, because the
// client then sends no certificate. Callers that have the configuration
// should not count those records as failures.
func FromNginx(sslClientVerify string) Outcome {
	value := strings.TrimSpace(sslClientVerify)
	switch value {
	case "", "-":
		return NotVerified
	case nginxSuccess:
		return OK
	case nginxNone:
		return NoCert
	case nginxFailed:
		return Other
	}
	if reason, ok := strings.CutPrefix(value, nginxFailedColon); ok {
		return fromOpenSSLText(reason)
	}

	if strings.Contains(value, nginxNoCertMessage) {
		return NoCert
	}
	if _, rest, ok := strings.Cut(value, nginxVerifyErrorMessage); ok {
		return fromNginxVerifyError(rest)
	}
	return Other
}

// fromNginxVerifyError maps "N:reason)" and whatever follows it.
func fromNginxVerifyError(rest string) Outcome {
	number, reason, ok := strings.Cut(rest, ":")
	if !ok {
		return Other
	}
	if code, err := strconv.Atoi(number); err == nil {
		if outcome := FromOpenSSLCode(code); outcome != Other {
			return outcome
		}
	}

	// The reason ends at a ')', but some reasons contain one themselves, and
	// the context after the message may too: try each ')' in turn.
	for end := 0; end < len(reason); end++ {
		if reason[end] != ')' {
			continue
		}
		if outcome, ok := lookupOpenSSLText(reason[:end]); ok {
			return outcome
		}
	}
	return Other
}
