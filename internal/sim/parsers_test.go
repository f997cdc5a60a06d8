package sim

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/elblog"
)

// TestParsersReadSummary reads every object with the project's ALB parsers
// and compares what they accept and reject with the Summary.
func TestParsersReadSummary(t *testing.T) {
	r := cachedRun(t, "default", testConfig())
	s := r.summary

	var accessRead, accessRejected, connRead, connRejected int
	byStatus := map[string]int{}
	for _, o := range r.objects {
		text := strings.Join(o.lines, "\n") + "\n"
		if o.kind == kindAccess {
			reader := albaccess.NewReader(strings.NewReader(text))
			var rec albaccess.Record
			for {
				err := reader.Read(&rec)
				if err == io.EOF {
					break
				}
				var perr *elblog.ParseError
				if errors.As(err, &perr) {
					accessRejected++
					continue
				}
				require.NoError(t, err, o.key)
				accessRead++
				assert.True(t, rec.ConnTraceID.Valid, "access record without conn_trace_id: %s", reader.Raw())
				assert.True(t, rec.RequestCreationTime.Valid, "access record without request_creation_time: %s", reader.Raw())
				assert.Empty(t, rec.Extra, "access record with extra fields: %s", reader.Raw())
			}
			continue
		}

		reader := albconn.NewReader(strings.NewReader(text))
		var rec albconn.Record
		for {
			err := reader.Read(&rec)
			if err == io.EOF {
				break
			}
			var perr *elblog.ParseError
			if errors.As(err, &perr) {
				connRejected++
				continue
			}
			require.NoError(t, err, o.key)
			connRead++
			byStatus[rec.TLSVerifyStatus.String]++
			assert.True(t, rec.IPAddress.Valid, "connection record without ip_address: %s", reader.Raw())
			assert.Equal(t, rec.LeafClientCertSubject.Valid, rec.CertNotAfter.Valid, "subject and validity: %s", reader.Raw())
			assert.Equal(t, rec.TLSVerifyStatus.String == "Success", rec.TLSHandshakeLatency.Valid, "latency: %s", reader.Raw())
		}
	}

	assert.Equal(t, s.AccessLines, accessRead, "access lines the parser accepts")
	assert.Equal(t, s.MalformedAccess.Total(), accessRejected, "access lines the parser rejects")
	assert.Equal(t, s.ConnectionLines, connRead, "connection lines the parser accepts")
	assert.Equal(t, s.MalformedConnection.Total(), connRejected, "connection lines the parser rejects")
	assert.Equal(t, s.ConnectionsByStatus, byStatus, "connections by tls_verify_status")
}
