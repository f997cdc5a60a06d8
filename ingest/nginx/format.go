package nginx

// RecommendedLogFormat is the log_format directive that teams add to the http
// block of nginx.conf before the migration, and that AccessReader reads. It
// writes one JSON object per request, with every value a JSON string named
// after its nginx variable. docs/terminator-logs.md explains each field and
// the access_log and error_log lines that go with it.
const RecommendedLogFormat = `log_format cutover escape=json
    '{"msec":"$msec",'
    '"connection":"$connection",'
    '"connection_requests":"$connection_requests",'
    '"remote_addr":"$remote_addr",'
    '"remote_port":"$remote_port",'
    '"ssl_protocol":"$ssl_protocol",'
    '"ssl_cipher":"$ssl_cipher",'
    '"ssl_server_name":"$ssl_server_name",'
    '"ssl_client_verify":"$ssl_client_verify",'
    '"ssl_client_s_dn":"$ssl_client_s_dn",'
    '"ssl_client_i_dn":"$ssl_client_i_dn",'
    '"ssl_client_serial":"$ssl_client_serial",'
    '"ssl_client_v_end":"$ssl_client_v_end",'
    '"status":"$status",'
    '"request_time":"$request_time",'
    '"upstream_header_time":"$upstream_header_time",'
    '"request":"$request",'
    '"body_bytes_sent":"$body_bytes_sent",'
    '"http_user_agent":"$http_user_agent",'
    '"http_x_forwarded_for":"$http_x_forwarded_for",'
    '"ssl_client_escaped_cert":"$ssl_client_escaped_cert"}';`

// accessKey is the index of a JSON key of RecommendedLogFormat in accessKeys.
type accessKey int

// The keys in the order of RecommendedLogFormat. A ParseError's Field is
// the key's index plus one.
const (
	keyMsec accessKey = iota
	keyConnection
	keyConnectionRequests
	keyRemoteAddr
	keyRemotePort
	keySSLProtocol
	keySSLCipher
	keySSLServerName
	keySSLClientVerify
	keySSLClientSDN
	keySSLClientIDN
	keySSLClientSerial
	keySSLClientVEnd
	keyStatus
	keyRequestTime
	keyUpstreamHeaderTime
	keyRequest
	keyBodyBytesSent
	keyHTTPUserAgent
	keyHTTPXForwardedFor
	keySSLClientEscapedCert

	numAccessKeys
)

// accessKeys lists the JSON keys, indexed by accessKey.
var accessKeys = [numAccessKeys]string{
	keyMsec:                 "msec",
	keyConnection:           "connection",
	keyConnectionRequests:   "connection_requests",
	keyRemoteAddr:           "remote_addr",
	keyRemotePort:           "remote_port",
	keySSLProtocol:          "ssl_protocol",
	keySSLCipher:            "ssl_cipher",
	keySSLServerName:        "ssl_server_name",
	keySSLClientVerify:      "ssl_client_verify",
	keySSLClientSDN:         "ssl_client_s_dn",
	keySSLClientIDN:         "ssl_client_i_dn",
	keySSLClientSerial:      "ssl_client_serial",
	keySSLClientVEnd:        "ssl_client_v_end",
	keyStatus:               "status",
	keyRequestTime:          "request_time",
	keyUpstreamHeaderTime:   "upstream_header_time",
	keyRequest:              "request",
	keyBodyBytesSent:        "body_bytes_sent",
	keyHTTPUserAgent:        "http_user_agent",
	keyHTTPXForwardedFor:    "http_x_forwarded_for",
	keySSLClientEscapedCert: "ssl_client_escaped_cert",
}

// lookupAccessKey returns the accessKey named key, and false for a key that
// RecommendedLogFormat does not have.
func lookupAccessKey(key string) (accessKey, bool) {
	switch key {
	case "msec":
		return keyMsec, true
	case "connection":
		return keyConnection, true
	case "connection_requests":
		return keyConnectionRequests, true
	case "remote_addr":
		return keyRemoteAddr, true
	case "remote_port":
		return keyRemotePort, true
	case "ssl_protocol":
		return keySSLProtocol, true
	case "ssl_cipher":
		return keySSLCipher, true
	case "ssl_server_name":
		return keySSLServerName, true
	case "ssl_client_verify":
		return keySSLClientVerify, true
	case "ssl_client_s_dn":
		return keySSLClientSDN, true
	case "ssl_client_i_dn":
		return keySSLClientIDN, true
	case "ssl_client_serial":
		return keySSLClientSerial, true
	case "ssl_client_v_end":
		return keySSLClientVEnd, true
	case "status":
		return keyStatus, true
	case "request_time":
		return keyRequestTime, true
	case "upstream_header_time":
		return keyUpstreamHeaderTime, true
	case "request":
		return keyRequest, true
	case "body_bytes_sent":
		return keyBodyBytesSent, true
	case "http_user_agent":
		return keyHTTPUserAgent, true
	case "http_x_forwarded_for":
		return keyHTTPXForwardedFor, true
	case "ssl_client_escaped_cert":
		return keySSLClientEscapedCert, true
	}
	return 0, false
}
