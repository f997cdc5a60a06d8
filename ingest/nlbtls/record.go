package nlbtls

import (
	"database/sql"
	"time"
)

// Record is one NLB TLS access-log entry: one TLS connection, whether the
// handshake completed or not. Fields follow the AWS field names in log order.
// A field the line does not have (older lines are shorter) or that holds the
// "-" placeholder is not Valid. Times are UTC. Addresses, names and the ALPN
// list are stored as logged.
type Record struct {
	Type                      string
	Version                   string
	Time                      time.Time // end of the TLS connection
	ELB                       string
	Listener                  string
	ClientIP                  string
	ClientPort                sql.NullInt32 // Valid whenever Read returns no error
	DestinationIP             sql.NullString
	DestinationPort           sql.NullInt32
	ConnectionTimeMS          sql.NullFloat64 // milliseconds, open to close
	TLSHandshakeTimeMS        sql.NullFloat64 // milliseconds; not Valid when logged as "-"
	ReceivedBytes             sql.NullInt64
	SentBytes                 sql.NullInt64
	IncomingTLSAlert          sql.NullInt32 // decimal, as logged
	ChosenCertARN             sql.NullString
	ChosenCertSerial          sql.NullString
	TLSCipher                 sql.NullString
	TLSProtocolVersion        sql.NullString
	TLSNamedGroup             sql.NullString
	DomainName                sql.NullString // URL-encoded SNI host name, as logged
	ALPNFEProtocol            sql.NullString
	ALPNBEProtocol            sql.NullString
	ALPNClientPreferenceList  sql.NullString // as logged, quotes included: "h2","http/1.1"
	TLSConnectionCreationTime sql.NullTime   // start of the TLS connection

	// Extra contains the fields after the last one this version reads, joined
	// by single spaces as logged, or "" when there are none.
	Extra string
}
