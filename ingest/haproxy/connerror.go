package haproxy

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// openSSLErrorPrefix starts the OpenSSL error that HAProxy appends in
// parentheses to "SSL handshake failure", as ERR_error_string_n writes it.
const openSSLErrorPrefix = "error:"

// parseConnError fills rec from a connection error log line:
//
//	client_ip:client_port [accept_date] frontend/bind: message
//
// HAProxy writes one for a connection that ended before a request could be
// read, such as a failed TLS handshake. It names the bind line by its name,
// or by its number when it has none.
func (r *Reader) parseConnError(head entryHead, rec *terminator.Record) error {
	names := connErrorFieldNames[:]

	ip, port, ok := parseClient(head.client)
	if !ok {
		return r.invalid(names, 1, head.client, "an IP address and port such as 192.0.2.1:443 or 2001:db8::1:443")
	}
	accepted, ok := parseLogDate(head.date, r.location)
	if !ok {
		return r.invalid(names, 2, head.date, "a date such as 03/Dec/2026:14:00:01.123")
	}
	_, message, _ := strings.Cut(head.rest, ": ")
	if strings.TrimSpace(message) == "" {
		return r.fieldError(names, 4, fmt.Errorf("%w: the line ends without a message", elblog.ErrFieldCount))
	}

	rec.Kind = terminator.KindHandshake
	rec.Time = accepted
	rec.ClientIP = ip
	rec.ClientPort = sql.NullInt32{Int32: port, Valid: true}
	rec.VerifyRaw = sql.NullString{String: message, Valid: true}
	rec.Outcome = string(outcome.FromHAProxyFcErr(message))
	if detail, ok := openSSLError(message); ok {
		rec.Detail = sql.NullString{String: detail, Valid: true}
	}
	return nil
}

// openSSLError returns the OpenSSL error in parentheses at the end of a
// message, such as "error:0A0000C1:SSL routines::no shared cipher" in
// "SSL handshake failure (error:0A0000C1:SSL routines::no shared cipher)".
//
// NOTE: outcome.FromHAProxyFcErr ignores this part, so a handshake that failed
// for want of a shared cipher maps to handshake_error, not incompatible.
// Detail keeps it for queries that need the reason.
func openSSLError(message string) (string, bool) {
	open := strings.LastIndex(message, " ("+openSSLErrorPrefix)
	if open < 0 || !strings.HasSuffix(message, ")") {
		return "", false
	}
	return message[open+2 : len(message)-1], true
}
