package envoy

import (
	"database/sql"
	"strings"

	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// setOutcome sets rec.Outcome, and rec.VerifyRaw for listener entries, from
// the entry's failure reason, response flags and TLS fields.
func setOutcome(e *entry, rec *terminator.Record) {
	if rec.Kind == terminator.KindRequest {
		rec.Outcome = string(requestOutcome(e))
		return
	}

	rec.Outcome = string(listenerOutcome(e))
	if e.TransportFailureReason.isSet() {
		rec.VerifyRaw = sql.NullString{String: e.TransportFailureReason.text, Valid: true}
	}
}

// listenerOutcome maps a listener entry. The failure reason decides when
// there is one. Without it, the connection either matched no filter chain
// (response flag NR), closed before the handshake completed (no TLS version),
// or completed it, with or without a client certificate. Without one, the
// listener did not require a certificate, and the ALB in verify mode would
// reject the client, so the outcome is no_cert.
func listenerOutcome(e *entry) outcome.Outcome {
	switch {
	case e.TransportFailureReason.isSet():
		return outcome.FromEnvoy(e.TransportFailureReason.text)
	case hasResponseFlag(e.ResponseFlags.text, "NR", "NoRouteFound"):
		return outcome.HandshakeError
	case !e.TLSVersion.isSet():
		return outcome.HandshakeError
	case e.hasPeerCertificate():
		return outcome.OK
	}
	return outcome.NoCert
}

// requestOutcome maps an HTTP entry. A request exists only after a completed
// handshake, so a client certificate in it passed verification: a failed one
// ends the handshake. A request without a certificate came through a listener
// that does not require one, and one without TLS through a listener without
// TLS, which verifies nothing.
//
// NOTE: A listener whose validation context sets trust_chain_verification to
// ACCEPT_UNTRUSTED completes handshakes with untrusted certificates, and their
// requests map to ok all the same.
func requestOutcome(e *entry) outcome.Outcome {
	switch {
	case !e.TLSVersion.isSet():
		return outcome.NotVerified
	case e.hasPeerCertificate():
		return outcome.OK
	}
	return outcome.NoCert
}

// hasResponseFlag reports whether %RESPONSE_FLAGS%, a comma-separated list of
// short flags (or of long names with %RESPONSE_FLAGS_LONG%), contains one of
// names.
func hasResponseFlag(flags string, names ...string) bool {
	for flag := range strings.SplitSeq(flags, ",") {
		for _, name := range names {
			if strings.TrimSpace(flag) == name {
				return true
			}
		}
	}
	return false
}
