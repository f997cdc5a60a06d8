package envoy

import (
	"bytes"
	"encoding/json"
)

// valueKind is the JSON type of a value.
type valueKind uint8

const (
	kindNull valueKind = iota
	kindString
	kindNumber
	kindBool
	kindNested // an object or an array, which no recommended key holds
)

// value is one value of an entry: the string, or the number or boolean as
// written.
type value struct {
	present bool // the entry has the key, even with a null value
	kind    valueKind
	text    string
}

// UnmarshalJSON stores data as it is. encoding/json calls it for a JSON null
// too, which is how present is set for null values.
func (v *value) UnmarshalJSON(data []byte) error {
	v.present = true
	switch {
	case bytes.Equal(data, []byte("null")):
		v.kind, v.text = kindNull, ""
	case data[0] == '"':
		v.kind = kindString
		// encoding/json has checked the literal, so one without a backslash
		// needs no decoding. Lines are valid UTF-8, as elblog.LineReader
		// returns them.
		if bytes.IndexByte(data, '\\') < 0 {
			v.text = string(data[1 : len(data)-1])
			return nil
		}
		return json.Unmarshal(data, &v.text)
	case data[0] == '{' || data[0] == '[':
		v.kind, v.text = kindNested, string(data)
	case data[0] == 't' || data[0] == 'f':
		v.kind, v.text = kindBool, string(data)
	default:
		v.kind, v.text = kindNumber, string(data)
	}
	return nil
}

// isSet reports whether v holds a value: it is neither missing, null, "-"
// (Envoy's placeholder for an unset operator in json_format), nor "" (typed
// JSON writes an empty string for an empty one).
func (v *value) isSet() bool {
	return v.present && v.kind != kindNull && v.text != "-" && v.text != ""
}

// entry is one access log entry under the recommended json_format keys. Keys
// that it does not name are ignored, and encoding/json matches the names
// without regard to case.
type entry struct {
	StartTime              value `json:"start_time"`
	ConnectionID           value `json:"connection_id"`
	RemoteAddress          value `json:"downstream_remote_address"`
	ServerName             value `json:"requested_server_name"`
	TLSVersion             value `json:"downstream_tls_version"`
	TLSCipher              value `json:"downstream_tls_cipher"`
	PeerSubject            value `json:"downstream_peer_subject"`
	PeerIssuer             value `json:"downstream_peer_issuer"`
	PeerSerial             value `json:"downstream_peer_serial"`
	PeerCertNotAfter       value `json:"downstream_peer_cert_v_end"`
	PeerCert               value `json:"downstream_peer_cert"`
	TransportFailureReason value `json:"downstream_transport_failure_reason"`
	HandshakeMicroseconds  value `json:"downstream_handshake_us"`
	ResponseFlags          value `json:"response_flags"`
	Duration               value `json:"duration"`
	BytesSent              value `json:"bytes_sent"`
	Method                 value `json:"method"`
	Path                   value `json:"path"`
	UserAgent              value `json:"user_agent"`
	ForwardedFor           value `json:"x_forwarded_for"`
	ResponseCode           value `json:"response_code"`
	RequestTxDuration      value `json:"request_tx_duration"`
	ResponseDuration       value `json:"response_duration"`
}

// hasPeerCertificate reports whether the entry names a client certificate.
func (e *entry) hasPeerCertificate() bool {
	return e.PeerSubject.isSet() || e.PeerSerial.isSet() || e.PeerCert.isSet()
}
