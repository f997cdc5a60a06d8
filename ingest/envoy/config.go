package envoy

// ListenerAccessLogYAML is the listener-level access log to configure on each
// listener that terminates mutual TLS, next to its filter_chains. Envoy writes
// one entry per downstream connection, and only this log carries
// %DOWNSTREAM_TRANSPORT_FAILURE_REASON%, so it is the one place where failed
// handshakes appear. Keep the keys as they are, because Reader distinguishes
// the two logs by them. The path is an example.
const ListenerAccessLogYAML = `access_log:
- name: envoy.access_loggers.file
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
    path: /var/log/envoy/listener.json
    log_format:
      json_format:
        start_time: "%START_TIME%"
        connection_id: "%CONNECTION_ID%"
        downstream_remote_address: "%DOWNSTREAM_REMOTE_ADDRESS%"
        requested_server_name: "%REQUESTED_SERVER_NAME%"
        downstream_tls_version: "%DOWNSTREAM_TLS_VERSION%"
        downstream_tls_cipher: "%DOWNSTREAM_TLS_CIPHER%"
        downstream_peer_subject: "%DOWNSTREAM_PEER_SUBJECT%"
        downstream_peer_issuer: "%DOWNSTREAM_PEER_ISSUER%"
        downstream_peer_serial: "%DOWNSTREAM_PEER_SERIAL%"
        downstream_peer_cert_v_end: "%DOWNSTREAM_PEER_CERT_V_END%"
        downstream_transport_failure_reason: "%DOWNSTREAM_TRANSPORT_FAILURE_REASON%"
        response_flags: "%RESPONSE_FLAGS%"
        duration: "%DURATION%"
        bytes_sent: "%BYTES_SENT%"
        # Optional: the client certificate as URL-encoded PEM, about 2 KB per entry.
        # downstream_peer_cert: "%DOWNSTREAM_PEER_CERT%"
        # Optional, only on Envoy versions that have the DS_HS_END time point:
        # downstream_handshake_us: "%COMMON_DURATION(DS_CX_BEG:DS_HS_END:us)%"
`

// HTTPAccessLogYAML is the access log to configure in the typed_config of the
// envoy.filters.network.http_connection_manager filter of the same listeners.
// Envoy writes one entry per request. The path is an example.
const HTTPAccessLogYAML = `access_log:
- name: envoy.access_loggers.file
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
    path: /var/log/envoy/http.json
    log_format:
      json_format:
        start_time: "%START_TIME%"
        connection_id: "%CONNECTION_ID%"
        downstream_remote_address: "%DOWNSTREAM_REMOTE_ADDRESS%"
        requested_server_name: "%REQUESTED_SERVER_NAME%"
        downstream_tls_version: "%DOWNSTREAM_TLS_VERSION%"
        downstream_tls_cipher: "%DOWNSTREAM_TLS_CIPHER%"
        downstream_peer_subject: "%DOWNSTREAM_PEER_SUBJECT%"
        downstream_peer_issuer: "%DOWNSTREAM_PEER_ISSUER%"
        downstream_peer_serial: "%DOWNSTREAM_PEER_SERIAL%"
        downstream_peer_cert_v_end: "%DOWNSTREAM_PEER_CERT_V_END%"
        method: "%REQ(:METHOD)%"
        path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"
        user_agent: "%REQ(USER-AGENT)%"
        x_forwarded_for: "%REQ(X-FORWARDED-FOR)%"
        response_code: "%RESPONSE_CODE%"
        response_flags: "%RESPONSE_FLAGS%"
        bytes_sent: "%BYTES_SENT%"
        duration: "%DURATION%"
        request_tx_duration: "%REQUEST_TX_DURATION%"
        response_duration: "%RESPONSE_DURATION%"
        # Optional: the client certificate as URL-encoded PEM, about 2 KB per entry.
        # downstream_peer_cert: "%DOWNSTREAM_PEER_CERT%"
        # Optional, only on Envoy versions that have the DS_HS_END time point:
        # downstream_handshake_us: "%COMMON_DURATION(DS_CX_BEG:DS_HS_END:us)%"
`

// The json_format keys that Reader reads. Both recommended logs use the same
// key for the same operator.
const (
	keyStartTime              = "start_time"
	keyConnectionID           = "connection_id"
	keyRemoteAddress          = "downstream_remote_address"
	keyServerName             = "requested_server_name"
	keyTLSVersion             = "downstream_tls_version"
	keyTLSCipher              = "downstream_tls_cipher"
	keyPeerSubject            = "downstream_peer_subject"
	keyPeerIssuer             = "downstream_peer_issuer"
	keyPeerSerial             = "downstream_peer_serial"
	keyPeerCertNotAfter       = "downstream_peer_cert_v_end"
	keyPeerCert               = "downstream_peer_cert"
	keyTransportFailureReason = "downstream_transport_failure_reason"
	keyHandshakeMicroseconds  = "downstream_handshake_us"
	keyResponseFlags          = "response_flags"
	keyDuration               = "duration"
	keyBytesSent              = "bytes_sent"
	keyMethod                 = "method"
	keyPath                   = "path"
	keyUserAgent              = "user_agent"
	keyForwardedFor           = "x_forwarded_for"
	keyResponseCode           = "response_code"
	keyRequestTxDuration      = "request_tx_duration"
	keyResponseDuration       = "response_duration"
)
