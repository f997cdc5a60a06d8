package gate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze"
)

// After an automatic rollback the gate holds: passing checks do not step it
// forward again until --resume, so a scheduled gate does not swing between
// two steps while the fault lasts.
func TestRunHoldsAfterRollback(t *testing.T) {
	r := newGateRig(t, 75, 25, map[string]analyze.Verdict{analyze.CheckClientsLeftBehind: analyze.Fail})
	r.run(t, Options{})
	r.now = r.now.Add(2 * time.Hour)

	back := r.run(t, Options{Execute: true})
	require.Equal(t, CodeFail, back.Code, back.Entry.Message)
	assert.Equal(t, [][2]int64{{90, 10}, {90, 10}}, r.account.weights(t))
	hold := r.state(t).Hold
	require.NotNil(t, hold)
	assert.Equal(t, 25, hold.FromWeight)
	assert.Equal(t, 10, hold.ToWeight)
	assert.Equal(t, "failing clients_left_behind", hold.Reason)

	// The fault is gone and the step has baked, but the gate holds.
	r.evaluator.result = *analysis(nil)
	r.now = r.now.Add(2 * time.Hour)
	halted := r.run(t, Options{Execute: true})
	assert.Equal(t, HaltFail, halted.Decision.Verdict)
	assert.Equal(t, CodeFail, halted.Code)
	assert.Equal(t, 10, halted.Decision.To)
	assert.Contains(t, halted.Decision.Reasons[0], "holds at 10 % since the rollback from 25 %")
	assert.Equal(t, [][2]int64{{90, 10}, {90, 10}}, r.account.weights(t))

	dry := r.run(t, Options{Resume: true})
	assert.Equal(t, Go, dry.Decision.Verdict, "a dry run shows the step that resuming allows")
	assert.Equal(t, [][2]int64{{90, 10}, {90, 10}}, r.account.weights(t))
	assert.NotNil(t, r.state(t).Hold, "a dry run keeps the hold")

	resumed := r.run(t, Options{Resume: true, Execute: true})
	assert.Equal(t, CodeOK, resumed.Code, resumed.Entry.Message)
	assert.Contains(t, resumed.Entry.Message, "is lifted")
	assert.Equal(t, [][2]int64{{75, 25}, {75, 25}}, r.account.weights(t))
	assert.Nil(t, r.state(t).Hold)
}

// A rollback to 0 % holds too, where the gate would otherwise go straight
// back to the first step, which it cannot judge.
func TestRunHoldsAtZero(t *testing.T) {
	r := newGateRig(t, 90, 10, map[string]analyze.Verdict{analyze.CheckHandshakeRate: analyze.Fail})
	r.run(t, Options{})
	r.now = r.now.Add(time.Hour)
	back := r.run(t, Options{Execute: true})
	require.Equal(t, CodeFail, back.Code, back.Entry.Message)
	assert.Equal(t, [][2]int64{{100, 0}, {100, 0}}, r.account.weights(t))

	for range 3 {
		r.now = r.now.Add(5 * time.Minute)
		report := r.run(t, Options{Execute: true})
		assert.Equal(t, HaltFail, report.Decision.Verdict)
		assert.Equal(t, [][2]int64{{100, 0}, {100, 0}}, r.account.weights(t))
	}
}

func TestRunManualRollbackHolds(t *testing.T) {
	r := newGateRig(t, 50, 50, nil)
	back := r.run(t, Options{Action: ActionRollback, Execute: true})
	assert.Equal(t, Rollback, back.Decision.Verdict)
	assert.Equal(t, CodeOK, back.Code)
	hold := r.state(t).Hold
	require.NotNil(t, hold)
	assert.Equal(t, "manual rollback by arn:aws:iam::123456789012:role/deploy", hold.Reason)

	r.now = r.now.Add(3 * time.Hour)
	halted := r.run(t, Options{Execute: true})
	assert.Equal(t, HaltFail, halted.Decision.Verdict)
	assert.Equal(t, [][2]int64{{75, 25}, {75, 25}}, r.account.weights(t))
}
