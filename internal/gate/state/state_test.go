package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exampleDocument is a stored state in the middle of a step change: the
// gate has claimed the change from 10% to 25% and has not yet cleared it.
const exampleDocument = `{
  "version": 1,
  "policy": "checkout",
  "step": 1,
  "alb_weight": 10,
  "step_started_at": "2025-03-04T10:00:00Z",
  "pending": {
    "id": "run-20250304T103000Z-5f2c",
    "kind": "step",
    "from_weight": 10,
    "to_weight": 25,
    "started_at": "2025-03-04T10:30:00Z",
    "by": "arn:aws:sts::123456789012:assumed-role/cutover-ci/pipeline"
  },
  "audit": [
    {
      "time": "2025-03-04T10:05:00Z",
      "kind": "evaluation",
      "verdict": "HALT-WAIT",
      "executed": false,
      "before": {"alb": 10, "nlb": 90},
      "after": {"alb": 10, "nlb": 90},
      "outcome": "none",
      "caller_arn": "arn:aws:sts::123456789012:assumed-role/cutover-ci/pipeline",
      "checks": [
        {"name": "error-rate", "verdict": "PASS", "summary": "ALB 5xx rate 0.02% is within 0.1% of the NLB's."},
        {"name": "soak", "verdict": "WAIT", "summary": "The step has run 12 of 30 minutes."}
      ],
      "message": "soak time not reached",
      "exit_code": 3
    },
    {
      "time": "2025-03-04T09:58:00Z",
      "kind": "step",
      "verdict": "GO",
      "executed": true,
      "before": {"alb": 0, "nlb": 100},
      "after": {"alb": 10, "nlb": 90},
      "outcome": "applied",
      "change_id": "/change/C2682N5HXP0BZ4",
      "caller_arn": "arn:aws:iam::123456789012:user/oncall",
      "caller_account": "123456789012",
      "exit_code": 0
    }
  ]
}`

func exampleState() State {
	pipeline := "arn:aws:sts::123456789012:assumed-role/cutover-ci/pipeline"
	return State{
		FormatVersion: 1,
		Policy:        "checkout",
		Step:          1,
		ALBWeight:     10,
		StepStartedAt: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC),
		Pending: &Pending{
			ID:         "run-20250304T103000Z-5f2c",
			Kind:       ActionStep,
			FromWeight: 10,
			ToWeight:   25,
			StartedAt:  time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC),
			By:         pipeline,
		},
		Audit: []Entry{
			evaluation(5, "soak time not reached"),
			{
				Time:          time.Date(2025, 3, 4, 9, 58, 0, 0, time.UTC),
				Kind:          EntryStep,
				Verdict:       VerdictGo,
				Executed:      true,
				Before:        RecordWeights{ALB: 0, NLB: 100},
				After:         RecordWeights{ALB: 10, NLB: 90},
				Outcome:       OutcomeApplied,
				ChangeID:      "/change/C2682N5HXP0BZ4",
				CallerARN:     "arn:aws:iam::123456789012:user/oncall",
				CallerAccount: "123456789012",
				ExitCode:      0,
			},
		},
	}
}

func TestStateJSONShape(t *testing.T) {
	data, err := encode(exampleState())
	require.NoError(t, err)
	assert.JSONEq(t, exampleDocument, string(data))

	decoded, err := decode([]byte(exampleDocument))
	require.NoError(t, err)
	assert.Equal(t, exampleState(), decoded)
}

func TestEncodeSetsFormatVersion(t *testing.T) {
	data, err := encode(State{Policy: "checkout"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"version": 1, "policy": "checkout", "step": 0, "alb_weight": 0, "pending": null, "audit": null}`, string(data))
	assert.Equal(t, byte('\n'), data[len(data)-1], "the document ends in a newline")
}

func TestStateAppend(t *testing.T) {
	var s State
	s.Append(evaluation(1, "first"))
	s.Append(evaluation(2, "second"))
	require.Len(t, s.Audit, 2)
	assert.Equal(t, "first", s.Audit[0].Message)
	assert.Equal(t, "second", s.Audit[1].Message)
}
