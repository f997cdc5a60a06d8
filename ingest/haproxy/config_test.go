package haproxy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestConfigLayouts checks that the field names used in errors spell the
// layouts exactly, field by field.
func TestConfigLayouts(t *testing.T) {
	assert.Equal(t, strings.Join(httpFieldNames[:fieldTLS], " "), strings.ReplaceAll(HTTPSLogFormat, "[%tr]", "%tr"))
	assert.Equal(t, strings.Join(httpFieldNames[:fieldUserAgent], " "), strings.ReplaceAll(RecommendedLogFormat, "[%tr]", "%tr"))
	assert.Equal(t, strings.Join(httpFieldNames[:], " "), strings.ReplaceAll(RecommendedLogFormatWithCertificate, "[%tr]", "%tr"))
	assert.True(t, strings.HasPrefix(RecommendedLogFormat, HTTPSLogFormat+" "), "the recommended layout extends httpslog")
	assert.True(t, strings.HasPrefix(RecommendedLogFormatWithCertificate, RecommendedLogFormat+" "), "the certificate layout extends the recommended one")
}

// TestConfigHTTPSLogFormat compares HTTPSLogFormat with default_https_log_format
// in HAProxy's src/log.c.
func TestConfigHTTPSLogFormat(t *testing.T) {
	const haproxySource = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc " +
		"%sq/%bq %hr %hs %{+Q}r %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] " +
		"%[ssl_fc_sni]/%sslv/%sslc"
	assert.Equal(t, haproxySource, HTTPSLogFormat)
}

func TestConfigFieldNumbers(t *testing.T) {
	assert.Equal(t, "%tsc", httpFieldNames[fieldTerminationState-1])
	assert.Equal(t, "%{+Q}r", httpFieldNames[fieldRequest-1])
	assert.Equal(t, "%[ssl_fc_sni]/%sslv/%sslc", httpFieldNames[fieldTLS-1])
	assert.Equal(t, "%{+Q,+E}[var(txn.cutover_user_agent)]", httpFieldNames[fieldUserAgent-1])
	assert.Equal(t, "%[ssl_c_der,base64]", httpFieldNames[fieldCertificate-1])
	assert.Len(t, httpFieldNames, fieldCertificate)
}

// TestConfigFrontendSetsVariables checks that the frontend configuration sets
// the variables that the log-format logs. HAProxy accepted it (haproxy -c)
// and logged with it in version 2.6.12, which testdata/haproxy-2.6.12.log
// shows.
func TestConfigFrontendSetsVariables(t *testing.T) {
	for _, variable := range []string{"txn.cutover_forwarded_for", "txn.cutover_user_agent"} {
		assert.Contains(t, RecommendedFrontendConfig, "http-request set-var("+variable+")")
		assert.Contains(t, RecommendedLogFormat, "[var("+variable+")]")
	}
	assert.Contains(t, RecommendedFrontendConfig, `log-format "`+RecommendedLogFormat+`"`)
}
