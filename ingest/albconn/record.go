package albconn

import (
	"database/sql"
	"time"
)

// Record is one ALB connection-log entry: one connection attempt, successful
// or not. Fields follow the AWS field names in log order. A field the line does
// not have or that holds "-" is not Valid. Times are UTC.
type Record struct {
	Time                       time.Time
	ClientIP                   string
	ClientPort                 sql.NullInt32
	ListenerPort               sql.NullInt32
	TLSProtocol                sql.NullString
	TLSCipher                  sql.NullString
	TLSHandshakeLatency        sql.NullFloat64 // seconds; not Valid when the handshake failed
	LeafClientCertSubject      sql.NullString
	LeafClientCertValidity     sql.NullString // raw "NotBefore=...;NotAfter=..."
	CertNotBefore              sql.NullTime   // parsed from LeafClientCertValidity
	CertNotAfter               sql.NullTime   // parsed from LeafClientCertValidity
	LeafClientCertSerialNumber sql.NullString
	TLSVerifyStatus            sql.NullString // raw: "Success" or "Failed:<reason>", an open set
	ConnTraceID                sql.NullString
	TLSKeyExchange             sql.NullString
	ELB                        sql.NullString
	IPAddress                  sql.NullString

	// Extra holds the fields after the last one this version reads, joined by
	// single spaces as logged, or "" when there are none.
	Extra string
}
