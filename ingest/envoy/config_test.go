package envoy

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonFormatKey matches a json_format line of the recommended YAML, also when
// it is commented out: the key and the operator.
var jsonFormatKey = regexp.MustCompile(`^\s+(?:# )?([a-z0-9_]+): "(%[^"]+%)"$`)

// configKeys returns the json_format keys of a recommended YAML with their
// operators.
func configKeys(t *testing.T, yaml string) map[string]string {
	t.Helper()
	keys := map[string]string{}
	for line := range strings.SplitSeq(yaml, "\n") {
		if m := jsonFormatKey.FindStringSubmatch(line); m != nil {
			_, seen := keys[m[1]]
			require.False(t, seen, "key %s twice", m[1])
			keys[m[1]] = m[2]
		}
	}
	return keys
}

// wantOperators is the operator that each key must carry.
var wantOperators = map[string]string{
	"start_time":                          "%START_TIME%",
	"connection_id":                       "%CONNECTION_ID%",
	"downstream_remote_address":           "%DOWNSTREAM_REMOTE_ADDRESS%",
	"requested_server_name":               "%REQUESTED_SERVER_NAME%",
	"downstream_tls_version":              "%DOWNSTREAM_TLS_VERSION%",
	"downstream_tls_cipher":               "%DOWNSTREAM_TLS_CIPHER%",
	"downstream_peer_subject":             "%DOWNSTREAM_PEER_SUBJECT%",
	"downstream_peer_issuer":              "%DOWNSTREAM_PEER_ISSUER%",
	"downstream_peer_serial":              "%DOWNSTREAM_PEER_SERIAL%",
	"downstream_peer_cert_v_end":          "%DOWNSTREAM_PEER_CERT_V_END%",
	"downstream_peer_cert":                "%DOWNSTREAM_PEER_CERT%",
	"downstream_transport_failure_reason": "%DOWNSTREAM_TRANSPORT_FAILURE_REASON%",
	"downstream_handshake_us":             "%COMMON_DURATION(DS_CX_BEG:DS_HS_END:us)%",
	"response_flags":                      "%RESPONSE_FLAGS%",
	"duration":                            "%DURATION%",
	"bytes_sent":                          "%BYTES_SENT%",
	"method":                              "%REQ(:METHOD)%",
	"path":                                "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
	"user_agent":                          "%REQ(USER-AGENT)%",
	"x_forwarded_for":                     "%REQ(X-FORWARDED-FOR)%",
	"response_code":                       "%RESPONSE_CODE%",
	"request_tx_duration":                 "%REQUEST_TX_DURATION%",
	"response_duration":                   "%RESPONSE_DURATION%",
}

func TestConfigOperators(t *testing.T) {
	for name, yaml := range map[string]string{"listener": ListenerAccessLogYAML, "HTTP": HTTPAccessLogYAML} {
		for key, operator := range configKeys(t, yaml) {
			assert.Equal(t, wantOperators[key], operator, "%s log, key %s", name, key)
		}
	}
}

func TestConfigKeysMarkTheirKind(t *testing.T) {
	listener := configKeys(t, ListenerAccessLogYAML)
	assert.Contains(t, listener, keyTransportFailureReason)
	assert.NotContains(t, listener, keyMethod)
	assert.NotContains(t, listener, keyResponseCode)

	http := configKeys(t, HTTPAccessLogYAML)
	assert.Contains(t, http, keyMethod)
	assert.Contains(t, http, keyResponseCode)
	assert.NotContains(t, http, keyTransportFailureReason)
}

// TestConfigKeysAreRead checks that Reader reads every key that the
// recommended YAML configures, and that the YAML configures every key that
// Reader reads.
func TestConfigKeysAreRead(t *testing.T) {
	configured := map[string]bool{}
	for _, yaml := range []string{ListenerAccessLogYAML, HTTPAccessLogYAML} {
		for key := range configKeys(t, yaml) {
			configured[key] = true
		}
	}

	read := map[string]bool{}
	entryType := reflect.TypeFor[entry]()
	for i := range entryType.NumField() {
		read[entryType.Field(i).Tag.Get("json")] = true
	}

	assert.Equal(t, read, configured)
	assert.Len(t, wantOperators, len(read), "operators listed in this test")
}

func TestConfigRequiredKeysInBothLogs(t *testing.T) {
	for name, yaml := range map[string]string{"listener": ListenerAccessLogYAML, "HTTP": HTTPAccessLogYAML} {
		keys := configKeys(t, yaml)
		for _, key := range []string{keyStartTime, keyRemoteAddress, keyTLSVersion, keyPeerSubject} {
			assert.Contains(t, keys, key, "%s log", name)
			assert.NotContains(t, yaml, "# "+key+":", "%s log: required key %s commented out", name, key)
		}
	}
}
