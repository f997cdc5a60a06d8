package nginx

import (
	"time"

	"github.com/cutover-dev/cutover/ingest/terminator"
)

// SameEventWindow is the largest difference between the times of an
// access-log record and an error-log record that SameEvent accepts. The
// error log has whole seconds, and nginx writes the access-log entry of a
// rejected request right after the error-log line, so 2 seconds leave room
// for the truncation and for a slow response.
const SameEventWindow = 2 * time.Second

// SameEvent reports whether an access-log record and an error-log record,
// both read from the logs of one nginx instance, describe the same request.
// nginx logs a failed certificate verification, a missing certificate and
// plain HTTP on the TLS port twice: as a request with status 400 in the
// access log and as a message in the error log. A store that loads both logs
// should count each such event once: keep the access-log record, which
// carries the certificate, and drop the error-log record that SameEvent
// matches. For plain HTTP the access-log record has no verification result,
// because nginx sets no TLS variables on that connection, so it takes
// VerifyRaw and Outcome from the error-log record.
//
// The records match when both have the same ConnectionID (nginx's
// $connection and the error log's "*N") and ClientIP, and their times are at
// most SameEventWindow apart. Where both name the request, the method and
// URI must match too: an HTTP/2 connection can carry several rejected
// requests, each logged in both logs.
//
// Connection numbers restart when nginx restarts and repeat across
// instances, so records from different instances must never be compared.
func SameEvent(access, errorRec terminator.Record) bool {
	if access.Kind != terminator.KindRequest {
		return false
	}
	if !access.ConnectionID.Valid || access.ConnectionID != errorRec.ConnectionID {
		return false
	}
	if access.ClientIP != errorRec.ClientIP {
		return false
	}

	gap := access.Time.Sub(errorRec.Time)
	if gap < -SameEventWindow || gap > SameEventWindow {
		return false
	}

	if access.Method.Valid && errorRec.Method.Valid && access.Method != errorRec.Method {
		return false
	}
	if access.URI.Valid && errorRec.URI.Valid && access.URI != errorRec.URI {
		return false
	}
	return true
}
