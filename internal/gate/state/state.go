// Package state stores the gate's state and audit trail at a state
// location: a local file or an S3 object. Every write is conditional on the
// version that the writer loaded, so that of two gate runs acting on the
// same state, only one can save.
package state

import (
	"math"
	"time"
)

// FormatVersion is the value of the "version" field that this build writes
// and the only one it reads.
const FormatVersion = 1

// State is the gate's progress through one policy's steps, and the record
// of every run. It is stored as JSON.
type State struct {
	// FormatVersion is the document format. Save always writes
	// [FormatVersion].
	FormatVersion int `json:"version"`
	// Policy is the name of the policy whose steps the gate follows.
	Policy string `json:"policy"`
	// Step is the index of the current step in the policy's list of steps.
	Step int `json:"step"`
	// ALBWeight is the ALB's share of the record weight in percent at the
	// current step.
	ALBWeight int `json:"alb_weight"`
	// StepStartedAt is when the current step's weights took effect.
	StepStartedAt time.Time `json:"step_started_at,omitzero"`
	// NLBZeroSince is when the NLB's weight reached 0. It is the zero time
	// while the NLB still has weight.
	NLBZeroSince time.Time `json:"nlb_zero_since,omitzero"`
	// Pending is the Route 53 change in progress, or nil. The gate saves it
	// before it sends the change and clears it once the change is done, so
	// a run that stopped in between leaves it for the next run to reconcile.
	Pending *Pending `json:"pending"`
	// Hold is set by a rollback and keeps the gate from stepping forward
	// until an operator resumes it, or nil.
	Hold *Hold `json:"hold,omitempty"`
	// Audit is every run's entry, oldest first.
	Audit []Entry `json:"audit"`
}

// ActionKind is the kind of a Route 53 change that the gate makes.
type ActionKind string

// The changes that the gate makes.
const (
	ActionStep     ActionKind = "step"
	ActionRollback ActionKind = "rollback"
)

// Pending is a Route 53 change that a gate run claimed and has not yet
// finished. The weights are the ALB's share in percent.
type Pending struct {
	// ID identifies the run that claimed the change.
	ID         string     `json:"id"`
	Kind       ActionKind `json:"kind"`
	FromWeight int        `json:"from_weight"`
	ToWeight   int        `json:"to_weight"`
	StartedAt  time.Time  `json:"started_at"`
	// By is the ARN of the caller that claimed the change.
	By string `json:"by"`
}

// Hold is a rollback that stops the gate from stepping forward again. The
// weights are the ALB's share in percent.
type Hold struct {
	Since      time.Time `json:"since"`
	FromWeight int       `json:"from_weight"`
	ToWeight   int       `json:"to_weight"`
	// Reason names the failing checks of an automatic rollback, or the
	// caller of a manual one.
	Reason string `json:"reason"`
}

// EntryKind is the action of the gate run that an audit entry records.
type EntryKind string

// The kinds of audit entries.
const (
	// EntryEvaluation is a run that evaluated the checks and changed no
	// weight.
	EntryEvaluation EntryKind = "evaluation"
	EntryStep       EntryKind = "step"
	EntryRollback   EntryKind = "rollback"
	// EntryReconcile is a run that resolved a pending change that an
	// earlier run left behind.
	EntryReconcile EntryKind = "reconcile"
	// EntryDecommission is a cutover decommission run that executed its
	// plan, with each step's result in the message.
	EntryDecommission EntryKind = "decommission"
)

// Verdict is the gate's decision in one run.
type Verdict string

// The gate's verdicts.
const (
	VerdictGo       Verdict = "GO"
	VerdictHaltFail Verdict = "HALT-FAIL"
	VerdictHaltWait Verdict = "HALT-WAIT"
	VerdictError    Verdict = "ERROR"
	// VerdictRollback is a rollback that an operator asked for.
	VerdictRollback Verdict = "ROLLBACK"
)

// Outcome is the result of the Route 53 change that a run made or tried.
type Outcome string

// The outcomes of a run's Route 53 change.
const (
	// OutcomeApplied is a change that Route 53 reported as INSYNC.
	OutcomeApplied Outcome = "applied"
	// OutcomeAppliedUnconfirmed is a change that Route 53 accepted but
	// had not reported as INSYNC when the run stopped waiting.
	OutcomeAppliedUnconfirmed Outcome = "applied-unconfirmed"
	// OutcomeRefused is a change that the gate decided on but did not
	// send, for example because another run saved the state first.
	OutcomeRefused Outcome = "refused"
	OutcomeFailed  Outcome = "failed"
	// OutcomeNone is a run that made no change.
	OutcomeNone Outcome = "none"
)

// RecordWeights are the Route 53 record weights of the ALB and the NLB.
type RecordWeights struct {
	ALB int64 `json:"alb"`
	NLB int64 `json:"nlb"`
}

// ALBPercent returns the ALB's share of the weights in percent, rounded, or
// 0 when both weights are 0.
func (w RecordWeights) ALBPercent() int {
	if w.ALB+w.NLB == 0 {
		return 0
	}
	return int(math.Round(100 * float64(w.ALB) / float64(w.ALB+w.NLB)))
}

// Check is the result of one of the gate's checks.
type Check struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
	// Summary is one short sentence about the result.
	Summary string `json:"summary"`
}

// Entry is the audit record of one gate run.
type Entry struct {
	Time    time.Time `json:"time"`
	Kind    EntryKind `json:"kind"`
	Verdict Verdict   `json:"verdict"`
	// Executed is whether the run sent a Route 53 change, as opposed to a
	// dry run or a run that changed nothing.
	Executed bool          `json:"executed"`
	Before   RecordWeights `json:"before"`
	After    RecordWeights `json:"after"`
	Outcome  Outcome       `json:"outcome"`
	// ChangeID is the ID of the Route 53 change, when the run sent one.
	ChangeID      string  `json:"change_id,omitempty"`
	CallerARN     string  `json:"caller_arn,omitempty"`
	CallerAccount string  `json:"caller_account,omitempty"`
	Checks        []Check `json:"checks,omitempty"`
	Message       string  `json:"message,omitempty"`
	// ExitCode is the process exit code of the run.
	ExitCode int `json:"exit_code"`
}

// Append adds e to the end of the audit trail.
func (s *State) Append(e Entry) {
	s.Audit = append(s.Audit, e)
}
