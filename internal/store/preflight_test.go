package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInsertPreflightRunAddsRuns(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	run := PreflightRun{
		At:     at,
		Window: Window{To: at},
		Predictions: []PreflightPrediction{
			{Subject: "CN=pos-17,O=Shops Ltd,C=GB", Serial: "FEF257372D5C14D4", Issuer: "CN=Shops CA,C=GB",
				Verdict: "reject", Status: "Failed:ClientCertUntrusted", Explanation: "untrusted", Connections: 3, Share: 0.75},
			{Subject: "CN=pos-18,O=Shops Ltd,C=GB", Serial: "A1B2C3E", Verdict: "unknown", Missing: "the issuer DN",
				Connections: 1, Share: 0.25},
		},
	}

	first, err := db.InsertPreflightRun(ctx, run)
	require.NoError(t, err)
	second, err := db.InsertPreflightRun(ctx, run)
	require.NoError(t, err)
	assert.NotEqual(t, first, second, "each run gets its own ID")

	res, err := db.Query(ctx, `SELECT run_id, count(*), sum(connections), min(window_start), max(window_end)
		FROM preflight_predictions GROUP BY run_id ORDER BY run_id`)
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)
	for _, row := range res.Rows {
		assert.EqualValues(t, 2, row[1], "rows of run %v", row[0])
		assert.Nil(t, row[3], "an unbounded window start is NULL")
		assert.Equal(t, at, row[4].(time.Time).UTC())
	}

	res, err = db.Query(ctx, `SELECT issuer, status, missing FROM preflight_predictions WHERE run_id = ? ORDER BY subject`, first)
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)
	assert.Equal(t, []any{"CN=Shops CA,C=GB", "Failed:ClientCertUntrusted", nil}, res.Rows[0])
	assert.Equal(t, []any{nil, nil, "the issuer DN"}, res.Rows[1])
}

func TestInsertPreflightRunRejectsMissingVerdict(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	run := PreflightRun{
		At: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
		Predictions: []PreflightPrediction{
			{Subject: "CN=a", Serial: "01", Verdict: "accept", Connections: 1},
			{Subject: "CN=b", Serial: "02", Connections: 1},
		},
	}
	_, err := db.InsertPreflightRun(ctx, run)
	require.ErrorContains(t, err, "the verdict is missing")

	res, err := db.Query(ctx, `SELECT count(*) FROM preflight_predictions`)
	require.NoError(t, err)
	assert.EqualValues(t, 0, res.Rows[0][0], "a failed run leaves no rows")
}
