package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestManifestLogStreamColumns(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	uri := "cwlogs:///aws/ec2/nginx/access/i-0123456789abcdef0@2026-12-03T10:00:00Z"
	end := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	rec := sampleNginxRequest()

	// The last event is known only once the lines were added, so LastEvent
	// must be called at Commit, not at Begin.
	for i, want := range []struct {
		etag   string
		id     string
		at     time.Time
		events int
	}{
		{"open:1764759600000", "ev-2", time.Date(2026, 12, 3, 10, 20, 0, 250_000_000, time.UTC), 2},
		{"closed", "ev-3", time.Date(2026, 12, 3, 10, 59, 59, 999_000_000, time.UTC), 3},
	} {
		var lastID string
		var lastTime time.Time
		obj := Object{URI: uri, ETag: want.etag, Kind: "terminator_nginx", ParserVersion: 1, IntervalEnd: end,
			Instance: "i-0123456789abcdef0", TrafficPath: "nlb", LogStream: "i-0123456789abcdef0",
			LastEvent: func() (string, time.Time) { return lastID, lastTime }}
		done, err := load(t, db, obj, i > 0, func(ctx context.Context, l *Load) {
			for line := 1; line <= want.events; line++ {
				require.NoError(t, l.Terminator(ctx, &rec, "access", line))
			}
			lastID, lastTime = want.id, want.at
		})
		require.NoError(t, err, want.etag)
		assert.Equal(t, want.id, done.LastEventID, want.etag)
		assert.Nil(t, done.LastEvent, want.etag)
	}

	objs, err := db.Objects(ctx)
	require.NoError(t, err)
	require.Len(t, objs, 1)
	got := objs[uri]
	assert.Equal(t, "closed", got.ETag)
	assert.Equal(t, "i-0123456789abcdef0", got.LogStream)
	assert.Equal(t, "ev-3", got.LastEventID)
	assert.Equal(t, time.Date(2026, 12, 3, 10, 59, 59, 999_000_000, time.UTC), got.LastEventTime)
	assert.Equal(t, end, got.IntervalEnd.UTC())
	assert.Nil(t, got.LastEvent)
	assert.Equal(t, int64(3), got.Rows)

	res, err := db.Query(ctx, `SELECT (SELECT count(*) FROM terminator_tls), log_stream, last_event_id, last_event_time
		FROM objects`)
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	assert.Equal(t, []any{int64(3), "i-0123456789abcdef0", "ev-3", time.Date(2026, 12, 3, 10, 59, 59, 999_000_000, time.UTC)},
		utcTimes(res.Rows[0]), "the reload replaced the 2 rows of the first load")
}

func TestManifestLogStreamColumnsNull(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	rec := sampleNginxRequest()
	for _, obj := range []Object{
		{URI: "/logs/web-1/access.log", ETag: "e", Kind: "terminator_nginx", ParserVersion: 1, Instance: "web-1", TrafficPath: "nlb"},
		// A slice without events: LastEvent reports none.
		{URI: "cwlogs://nginx/web-1@2026-12-03T10:00:00Z", ETag: "closed", Kind: "terminator_nginx", ParserVersion: 1,
			Instance: "web-1", TrafficPath: "nlb", LogStream: "web-1",
			LastEvent: func() (string, time.Time) { return "", time.Time{} }},
	} {
		_, err := load(t, db, obj, false, func(ctx context.Context, l *Load) {
			if obj.LastEvent == nil {
				require.NoError(t, l.Terminator(ctx, &rec, "access", 1))
			}
		})
		require.NoError(t, err, obj.URI)
	}

	res, err := db.Query(ctx, "SELECT uri, log_stream, last_event_id, last_event_time FROM objects ORDER BY uri")
	require.NoError(t, err)
	assert.Equal(t, [][]any{
		{"/logs/web-1/access.log", nil, nil, nil},
		{"cwlogs://nginx/web-1@2026-12-03T10:00:00Z", "web-1", nil, nil},
	}, res.Rows)

	objs, err := db.Objects(ctx)
	require.NoError(t, err)
	assert.Empty(t, objs["/logs/web-1/access.log"].LogStream)
	assert.True(t, objs["cwlogs://nginx/web-1@2026-12-03T10:00:00Z"].LastEventTime.IsZero())
}
