// Package terminator defines the one record shape that the nginx, Envoy and
// HAProxy parsers produce: what a TLS-terminating proxy on the old path
// logged about one connection or request. The store loads these records
// into table terminator_tls.
package terminator

import (
	"database/sql"
	"time"
)

// Source names the proxy that wrote a record.
type Source string

// The proxies this package's parsers read.
const (
	SourceNginx   Source = "nginx"
	SourceEnvoy   Source = "envoy"
	SourceHAProxy Source = "haproxy"
)

// Kind is the kind of event one record describes.
type Kind string

const (
	// KindRequest is an HTTP request on a connection whose handshake
	// completed (nginx and HAProxy access-log lines, Envoy HTTP logs). A
	// request can still carry a failed verification: nginx with
	// ssl_verify_client on responds to it with status 400.
	KindRequest Kind = "request"
	// KindHandshake is a connection that ended in the TLS handshake, logged
	// without a request (nginx error log, Envoy listener log, HAProxy
	// connection error log).
	KindHandshake Kind = "handshake"
)

// Record is one connection or request as a terminator logged it. Raw values
// are kept as logged; the canonical forms beside them come from package
// identity and the outcome from package outcome. Fields a format does not
// log are not Valid. Times are UTC.
type Record struct {
	Source Source
	Kind   Kind
	// Time is when the proxy wrote the entry: the end of the request, or
	// the moment the handshake failed.
	Time time.Time

	// ConnectionID identifies the client connection within one instance
	// and process lifetime: nginx $connection, Envoy %CONNECTION_ID%.
	ConnectionID sql.NullString
	// ConnectionRequests is the request's number on its connection, from 1
	// (nginx $connection_requests).
	ConnectionRequests sql.NullInt64

	ClientIP   string
	ClientPort sql.NullInt32
	// ForwardedFor is the X-Forwarded-For header. Behind an ALB, ClientIP
	// is an ALB node and the client is the last address in this list.
	ForwardedFor sql.NullString

	SNI         sql.NullString
	TLSProtocol sql.NullString // such as "TLSv1.3"
	TLSCipher   sql.NullString

	// VerifyRaw is the verification result as logged, such as nginx's
	// "FAILED:certificate has expired", HAProxy's error codes or Envoy's
	// transport failure reason. Outcome is its taxonomy word, or "" when
	// the entry carries no verification result.
	VerifyRaw sql.NullString
	Outcome   string

	SubjectRaw sql.NullString
	IssuerRaw  sql.NullString
	SerialRaw  sql.NullString
	// Subject, Issuer and Serial are the canonical forms of the raw values,
	// not Valid when the raw value is missing or could not be read.
	Subject      sql.NullString
	Issuer       sql.NullString
	Serial       sql.NullString
	CertNotAfter sql.NullTime
	// CertPEM is the client's leaf certificate in PEM, where the proxy logs it.
	CertPEM sql.NullString

	Method    sql.NullString
	URI       sql.NullString
	Status    sql.NullInt32
	UserAgent sql.NullString
	BytesSent sql.NullInt64
	// RequestTime is seconds from the first byte read from the client to the
	// log write (nginx $request_time).
	RequestTime sql.NullFloat64
	// UpstreamHeaderTime is seconds until the backend's response headers
	// arrived (nginx $upstream_header_time): the value to hold against the
	// ALB's target_processing_time.
	UpstreamHeaderTime sql.NullFloat64
	// HandshakeTime is the TLS handshake's duration in seconds, where the
	// proxy logs it (HAProxy %Th, Envoy's handshake timing).
	HandshakeTime sql.NullFloat64

	// Detail is further text the entry carried, such as the OpenSSL error
	// of a failed handshake.
	Detail sql.NullString

	// TrafficPath is "alb" for a record that came through the ALB to an
	// instance that serves both load balancers, and "" when the record's
	// path is the one its whole log was loaded with. ProxyIP is then the ALB
	// node's address, and ClientIP the client's, from ForwardedFor.
	TrafficPath string
	ProxyIP     sql.NullString

	// HealthCheck marks a load balancer's health check rather than a client.
	// The parsers leave it false, and ingest sets it (ingest.IsHealthCheck).
	HealthCheck bool
}
