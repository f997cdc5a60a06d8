package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceGateDecisionsMirrorsTrail(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	first := GateDecision{Seq: 0, Time: at, Kind: "evaluation", Verdict: "HALT-WAIT", ALBShareBefore: 10, ALBShareAfter: 10,
		NLBWeightBefore: 90, ALBWeightBefore: 10, NLBWeightAfter: 90, ALBWeightAfter: 10, Outcome: "none",
		Checks: `[{"name":"freshness","verdict":"PASS","summary":"fresh"}]`, ExitCode: 4}
	second := GateDecision{Seq: 1, Time: at.Add(time.Hour), Kind: "step", Verdict: "GO", Executed: true,
		ALBShareBefore: 10, ALBShareAfter: 25, NLBWeightBefore: 90, ALBWeightBefore: 10, NLBWeightAfter: 75, ALBWeightAfter: 25,
		Outcome: "applied", ChangeIDs: "/change/C1", CallerARN: "arn:aws:iam::123456789012:user/ci", CallerAccount: "123456789012"}

	require.NoError(t, db.ReplaceGateDecisions(ctx, "s3://state/a.json", []GateDecision{first}))
	require.NoError(t, db.ReplaceGateDecisions(ctx, "s3://state/b.json", []GateDecision{first}))
	require.NoError(t, db.ReplaceGateDecisions(ctx, "s3://state/a.json", []GateDecision{first, second}))

	res, err := db.Query(ctx, `SELECT state_location, count(*) FROM gate_decisions GROUP BY ALL ORDER BY 1`)
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"s3://state/a.json", int64(2)}, {"s3://state/b.json", int64(1)}}, res.Rows)

	res, err = db.Query(ctx, `SELECT verdict, executed, alb_share_after, change_ids, checks->>'$[0].name', exit_code
		FROM gate_decisions WHERE state_location = 's3://state/a.json' ORDER BY seq`)
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)
	assert.Equal(t, []any{"HALT-WAIT", false, int32(10), nil, "freshness", int32(4)}, res.Rows[0])
	assert.Equal(t, []any{"GO", true, int32(25), "/change/C1", nil, int32(0)}, res.Rows[1])
}

func TestReplaceGateDecisionsRejectsMissingKind(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	good := GateDecision{Seq: 0, Time: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), Kind: "evaluation"}
	require.NoError(t, db.ReplaceGateDecisions(ctx, "state.json", []GateDecision{good}))

	err := db.ReplaceGateDecisions(ctx, "state.json", []GateDecision{good, {Seq: 1, Time: good.Time}})
	require.ErrorContains(t, err, "entry 1: the time or the kind is missing")

	res, err := db.Query(ctx, `SELECT count(*) FROM gate_decisions`)
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.Rows[0][0], "a failed replace keeps the earlier rows")
}
