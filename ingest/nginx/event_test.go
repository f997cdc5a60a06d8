package nginx

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cutover-dev/cutover/ingest/terminator"
)

// expiredAccess and expiredError are one rejected request as the access log
// and the error log record it.
var (
	expiredAccess = terminator.Record{
		Source:       terminator.SourceNginx,
		Kind:         terminator.KindRequest,
		Time:         utc("2025-09-16T12:05:03.412Z"),
		ConnectionID: str("1042"),
		ClientIP:     "198.51.100.77",
		VerifyRaw:    str("FAILED:certificate has expired"),
		Outcome:      "expired",
		Method:       str("GET"),
		URI:          str("/v1/reports/daily"),
		Status:       i32(400),
	}
	expiredError = terminator.Record{
		Source:       terminator.SourceNginx,
		Kind:         terminator.KindRequest,
		Time:         utc("2025-09-16T12:05:03Z"),
		ConnectionID: str("1042"),
		ClientIP:     "198.51.100.77",
		VerifyRaw:    str("client SSL certificate verify error: (10:certificate has expired)"),
		Outcome:      "expired",
		Method:       str("GET"),
		URI:          str("/v1/reports/daily"),
	}
)

func TestSameEvent(t *testing.T) {
	tests := []struct {
		name     string
		access   terminator.Record
		errorRec terminator.Record
		want     bool
	}{
		{name: "one rejected request", access: expiredAccess, errorRec: expiredError, want: true},
		{
			name:     "error record without a request",
			access:   expiredAccess,
			errorRec: modified(expiredError, func(r *terminator.Record) { r.Method, r.URI = sql.NullString{}, sql.NullString{} }),
			want:     true,
		},
		{
			name:     "access time at the window's end",
			access:   modified(expiredAccess, func(r *terminator.Record) { r.Time = expiredError.Time.Add(SameEventWindow) }),
			errorRec: expiredError,
			want:     true,
		},
		{
			name:     "access time before the error time",
			access:   modified(expiredAccess, func(r *terminator.Record) { r.Time = expiredError.Time.Add(-SameEventWindow) }),
			errorRec: expiredError,
			want:     true,
		},
		{
			name:     "too far apart",
			access:   modified(expiredAccess, func(r *terminator.Record) { r.Time = expiredError.Time.Add(SameEventWindow + time.Millisecond) }),
			errorRec: expiredError,
			want:     false,
		},
		{
			name:     "error log read in the wrong time zone",
			access:   expiredAccess,
			errorRec: modified(expiredError, func(r *terminator.Record) { r.Time = r.Time.Add(2 * time.Hour) }),
			want:     false,
		},
		{
			name:     "other connection",
			access:   expiredAccess,
			errorRec: modified(expiredError, func(r *terminator.Record) { r.ConnectionID = str("1043") }),
			want:     false,
		},
		{
			name:     "other client",
			access:   expiredAccess,
			errorRec: modified(expiredError, func(r *terminator.Record) { r.ClientIP = "198.51.100.78" }),
			want:     false,
		},
		{
			name:     "other request on an HTTP/2 connection",
			access:   expiredAccess,
			errorRec: modified(expiredError, func(r *terminator.Record) { r.URI = str("/v1/reports/weekly") }),
			want:     false,
		},
		{
			name:     "other method",
			access:   expiredAccess,
			errorRec: modified(expiredError, func(r *terminator.Record) { r.Method = str("POST") }),
			want:     false,
		},
		{
			name:     "no connection numbers",
			access:   modified(expiredAccess, func(r *terminator.Record) { r.ConnectionID = sql.NullString{} }),
			errorRec: modified(expiredError, func(r *terminator.Record) { r.ConnectionID = sql.NullString{} }),
			want:     false,
		},
		{
			name:     "first record not from the access log",
			access:   modified(expiredAccess, func(r *terminator.Record) { r.Kind = terminator.KindHandshake }),
			errorRec: expiredError,
			want:     false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, SameEvent(tc.access, tc.errorRec))
		})
	}
}
