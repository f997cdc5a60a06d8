package outcome

import "maps"

// ALBUnmappedConnectionError is the one tls_verify_status value whose outcome
// depends on the certificate fields of the same connection-log line, so
// ALBReasons leaves it out. See FromALB.
const ALBUnmappedConnectionError = "Failed:UnmappedConnectionError"

// albStatuses maps the tls_verify_status values of the ALB connection log.
// Source: AWS Elastic Load Balancing user guide, "Connection logs for your
// Application Load Balancer", the field table and "Error reason codes". The
// load balancer writes "Success" or "Failed:" and a reason code.
var albStatuses = map[string]Outcome{
	"Success":                                OK,           // AWS: connection established
	"Failed:ClientCertMaxChainDepthExceeded": ChainTooLong, // AWS: maximum chain depth (quota: 4) exceeded
	"Failed:ClientCertMaxSizeExceeded":       TooLarge,     // AWS: maximum certificate size exceeded
	"Failed:ClientCertCrlHit":                Revoked,      // AWS: revoked by the CA
	"Failed:ClientCertCrlProcessingError":    CRLError,     // AWS: CRL processing error
	"Failed:ClientCertUntrusted":             Untrusted,    // AWS: client certificate is untrusted
	"Failed:ClientCertNotYetValid":           NotYetValid,  // AWS: not yet valid
	"Failed:ClientCertExpired":               Expired,      // AWS: expired
	"Failed:ClientCertTypeUnsupported":       Unsupported,  // AWS: certificate type is unsupported
	"Failed:ClientCertInvalid":               Invalid,      // AWS: client certificate is invalid
	"Failed:ClientCertPurposeInvalid":        BadPurpose,   // AWS: certificate purpose is invalid
	"Failed:ClientCertRejected":              Rejected,     // AWS: rejected by custom server validation
	"Failed:ClientCertIncompatible":          Incompatible, // AWS: incompatible with the chosen listener security policy
}

// FromALB maps a tls_verify_status value of the ALB connection log. hasCert
// reports whether the same line has the leaf certificate fields (subject,
// validity or serial number), which the load balancer fills only when it
// could parse a client certificate.
//
// AWS describes "Failed:UnmappedConnectionError" only as an unmapped runtime
// connection error. Without certificate fields it maps to NoCert, because
// third-party reports, not AWS, show it for clients that sent no certificate
// to a listener in verify mode. With certificate fields it maps to
// HandshakeError: the load balancer received and parsed a certificate, so the
// certificate was not missing, and AWS gives no verification reason.
//
// "-" and "" map to NotVerified. AWS does not document "-" in this field, and
// the load balancer writes "-" in the other TLS fields for connections without
// TLS or mutual TLS verification. Every other value, including a "Failed:"
// reason that AWS adds later, maps to Other.
func FromALB(tlsVerifyStatus string, hasCert bool) Outcome {
	switch tlsVerifyStatus {
	case "", "-":
		return NotVerified
	case ALBUnmappedConnectionError:
		if hasCert {
			return HandshakeError
		}
		return NoCert
	}
	if outcome, ok := albStatuses[tlsVerifyStatus]; ok {
		return outcome
	}
	return Other
}

// ALBReasons returns a copy of the table that FromALB uses, keyed by the whole
// tls_verify_status value ("Success", "Failed:ClientCertExpired", …), for
// building a SQL mapping table. It leaves out ALBUnmappedConnectionError,
// which maps to no_cert when the line has no certificate fields and to
// handshake_error when it has them, and "-", which maps to NULL. A status that
// is in neither maps to other.
func ALBReasons() map[string]Outcome {
	return maps.Clone(albStatuses)
}
