package gate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/gate/state"
)

// Code is a gate run's result for a pipeline, with the values of the exit
// codes that docs/exit-codes.md lists.
type Code int

// The results of a gate run.
const (
	CodeOK          Code = 0
	CodeError       Code = 1
	CodeFail        Code = 3
	CodeWait        Code = 4
	CodeRefused     Code = 5
	CodeUnconfirmed Code = 6
)

// Evaluator analyzes both paths over a window at a known ALB share. The
// baseline, when not nil, is a window from the first step, when the NLB
// still had most of the traffic, for the checks to compare against once the
// NLB's share has become too small.
type Evaluator interface {
	Evaluate(ctx context.Context, from, to time.Time, albPercent int, baseline *analyze.Window) (analyze.Result, error)
}

// Caller is the AWS identity that runs the gate, from STS
// GetCallerIdentity.
type Caller struct {
	ARN     string
	Account string
}

// Config is the policy's gate section, in the gate's terms.
type Config struct {
	// Policy is the policy's name, which the state records.
	Policy      string
	Sets        []RecordSet
	Steps       Steps
	RollbackOn  []string
	TotalWeight int
	Apply       ApplyOptions
}

// Deps are the services a run talks to.
type Deps struct {
	Route53   Route53API
	State     state.Store
	Evaluator Evaluator
	Caller    Caller
	// Now is the run's clock. Nil means time.Now.
	Now func() time.Time
}

// Action is the task of one run.
type Action int

const (
	// ActionEvaluate decides, and with Execute takes the step or the
	// automatic rollback that the decision calls for.
	ActionEvaluate Action = iota
	// ActionRollback goes back to the previous step.
	ActionRollback
	// ActionRollbackToNLB puts all traffic on the NLB.
	ActionRollbackToNLB
)

// Options are a run's command-line choices.
type Options struct {
	Action Action
	// Execute sends the change. Without it the run is a dry run.
	Execute bool
	// Resume lifts the hold that a rollback left, so that the gate may step
	// forward again. Only an executed run saves the lifted hold.
	Resume bool
}

// Report is the decision and the outcome of one run.
type Report struct {
	Time     time.Time
	Decision Decision
	// Analysis is the analysis of the current step's window, or nil.
	Analysis *analyze.Result
	// Window is the analysed window.
	WindowFrom, WindowTo time.Time
	// Plan is the change that the decision calls for, or nil.
	Plan *Plan
	// Result is the outcome of an executed change, or nil.
	Result *Result
	// Entry is the audit entry that the run appended to the state.
	Entry state.Entry
	Code  Code
	// Notes are sentences about the state, such as a change of weights made
	// outside the gate.
	Notes []string
}

// pendingGrace is how long after a change's timeout a pending claim is
// still taken to belong to a running gate.
const pendingGrace = 2 * time.Minute

// Run loads the state, reads the weights, decides and, with Execute, acts.
// Every run appends one audit entry to the state. An error is returned only
// when the run could not record its outcome; a refused or failed change is
// a Report with its Code.
func Run(ctx context.Context, cfg Config, deps Deps, opts Options) (Report, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	now := deps.Now().UTC()
	report := Report{Time: now}

	st, version, err := deps.State.Load(ctx)
	if err != nil {
		return report, err
	}
	if st.Policy != "" && st.Policy != cfg.Policy {
		return finish(ctx, deps, &report, rejectedEntry(now, fmt.Sprintf(
			"The state belongs to policy %q, not %q: give each policy its own state location.", st.Policy, cfg.Policy)))
	}

	weights, err := ReadWeights(ctx, deps.Route53, cfg.Sets)
	if err != nil {
		return finish(ctx, deps, &report, errorEntry(now, err.Error()))
	}
	percent, err := weights.ALBPercent()
	if err != nil {
		return finish(ctx, deps, &report, rejectedEntry(now, err.Error()))
	}
	before := recordWeights(weights)

	if st.Pending != nil {
		age := now.Sub(st.Pending.StartedAt)
		if age < cfg.Apply.Timeout+pendingGrace {
			e := rejectedEntry(now, fmt.Sprintf("Another gate run (%s, by %s) has been changing the weights from %d %% to %d %% since %s; nothing was changed.",
				st.Pending.ID, st.Pending.By, st.Pending.FromWeight, st.Pending.ToWeight, st.Pending.StartedAt.Format(time.RFC3339)))
			e.Before, e.After = before, before
			return finish(ctx, deps, &report, e)
		}
		report.Notes = append(report.Notes, reconcile(&st, percent, now))
	}

	if st.Policy == "" {
		st.Policy = cfg.Policy
	}
	if st.ALBWeight != percent || st.StepStartedAt.IsZero() {
		if !st.StepStartedAt.IsZero() {
			report.Notes = append(report.Notes, fmt.Sprintf(
				"The state says %d %% on the ALB, but Route 53 has %d %%: the weights were changed outside the gate, so the step's bake time starts now.",
				st.ALBWeight, percent))
		}
		st.ALBWeight = percent
		st.StepStartedAt = now
		if i, ok := cfg.Steps.index(percent); ok {
			st.Step = i
		}
	}
	trackNLBZero(&st, percent, st.StepStartedAt)

	if _, ok := cfg.Steps.index(percent); !ok && opts.Action == ActionEvaluate {
		e := rejectedEntry(now, fmt.Sprintf("The ALB has %d %% of the weight, which is not a step of the policy (%s): set the weights to a step, or roll back with cutover gate rollback --to-nlb.",
			percent, cfg.Steps))
		e.Before, e.After = before, before
		return save(ctx, deps, &report, st, version, e)
	}

	// The state may have changed above; it is saved with the run's entry. A
	// rollback is not judged, so it needs no analysis.
	var analysis *analyze.Result
	if percent > 0 && opts.Action == ActionEvaluate {
		report.WindowFrom, report.WindowTo = st.StepStartedAt, now
		res, err := deps.Evaluator.Evaluate(ctx, st.StepStartedAt, now, percent, firstStepWindow(st, cfg.Steps))
		if err != nil {
			e := errorEntry(now, fmt.Sprintf("The analysis failed: %v", err))
			e.Before, e.After = before, before
			return save(ctx, deps, &report, st, version, e)
		}
		analysis = &res
		report.Analysis = analysis
	}

	decision, target, err := decideAction(cfg, opts, percent, st.StepStartedAt, now, analysis)
	if err != nil {
		e := rejectedEntry(now, err.Error())
		e.Before, e.After = before, before
		return save(ctx, deps, &report, st, version, e)
	}
	if h := st.Hold; h != nil && opts.Action == ActionEvaluate {
		switch {
		case opts.Resume:
			report.Notes = append(report.Notes, fmt.Sprintf("The hold after the rollback from %d %% to %d %% at %s is lifted.",
				h.FromWeight, h.ToWeight, h.Since.Format(time.RFC3339)))
			if opts.Execute {
				st.Hold = nil
			}
		case decision.Verdict == Go && decision.To > decision.From:
			decision.Verdict, decision.To, target = HaltFail, decision.From, decision.From
			decision.Reasons = append([]string{fmt.Sprintf(
				"The gate holds at %d %% since the rollback from %d %% at %s (%s): it steps forward again only after cutover gate --resume --execute.",
				percent, h.FromWeight, h.Since.Format(time.RFC3339), h.Reason)}, decision.Reasons...)
		}
	}
	report.Decision = decision

	entry := state.Entry{
		Time: now, Kind: state.EntryEvaluation, Verdict: state.Verdict(decision.Verdict),
		Before: before, After: before, Outcome: state.OutcomeNone, Checks: checkSummaries(analysis),
		CallerARN: deps.Caller.ARN, CallerAccount: deps.Caller.Account,
		Message: strings.Join(append(append([]string{}, report.Notes...), decision.Reasons...), " "),
	}
	entry.ExitCode = int(verdictCode(decision, opts))

	if target == percent {
		return save(ctx, deps, &report, st, version, entry)
	}
	plan, err := PlanShift(weights, target, cfg.TotalWeight, fmt.Sprintf("cutover gate: %d %% to %d %% on the ALB", percent, target))
	if err != nil {
		e := errorEntry(now, err.Error())
		e.Before, e.After = before, before
		return save(ctx, deps, &report, st, version, e)
	}
	report.Plan = &plan
	if !opts.Execute {
		entry.Message += fmt.Sprintf(" Dry run: --execute would move the ALB from %d %% to %d %%.", percent, target)
		return save(ctx, deps, &report, st, version, entry)
	}
	return execute(ctx, cfg, deps, &report, st, version, entry, plan, opts)
}

// decideAction returns the decision and the ALB share the run moves to.
func decideAction(cfg Config, opts Options, percent int, started, now time.Time, analysis *analyze.Result) (Decision, int, error) {
	switch opts.Action {
	case ActionRollback, ActionRollbackToNLB:
		if _, ok := cfg.Steps.index(percent); !ok && opts.Action == ActionRollback {
			return Decision{}, 0, fmt.Errorf("the ALB has %d %% of the weight, which is not a step of the policy (%s), so there is no previous step: use --to-nlb",
				percent, cfg.Steps)
		}
		target := 0
		if opts.Action == ActionRollback {
			target = cfg.Steps.previous(percent)
		}
		d := Decision{Verdict: Rollback, From: percent, To: target, Rollback: true,
			Reasons: []string{fmt.Sprintf("Rollback requested: from %d %% to %d %% on the ALB.", percent, target)}}
		if percent == 0 {
			d.Reasons = []string{"The ALB has no weight: there is nothing to roll back."}
		}
		return d, target, nil
	}
	d, err := Decide(cfg.Steps, Input{Now: now, Percent: percent, StepStartedAt: started, Analysis: analysis, RollbackOn: cfg.RollbackOn})
	if err != nil {
		return Decision{}, 0, err
	}
	return d, d.To, nil
}

// verdictCode is the code of a run that changes nothing.
func verdictCode(d Decision, opts Options) Code {
	switch {
	case opts.Action != ActionEvaluate:
		return CodeOK
	case d.Verdict == HaltFail:
		return CodeFail
	case d.Verdict == HaltWait:
		return CodeWait
	}
	return CodeOK
}

// execute claims the change in the state, applies it and records the
// outcome.
func execute(ctx context.Context, cfg Config, deps Deps, report *Report, st state.State, version state.Version,
	entry state.Entry, plan Plan, opts Options) (Report, error) {
	kind := state.ActionStep
	entry.Kind = state.EntryStep
	if plan.ToPercent < plan.FromPercent {
		kind = state.ActionRollback
		entry.Kind = state.EntryRollback
	}
	id, err := runID()
	if err != nil {
		return *report, err
	}
	st.Pending = &state.Pending{ID: id, Kind: kind, FromWeight: plan.FromPercent, ToWeight: plan.ToPercent,
		StartedAt: entry.Time, By: deps.Caller.ARN}
	_, err = deps.State.Save(ctx, st, version)
	if errors.Is(err, state.ErrConflict) {
		e := rejectedEntry(entry.Time, "Another gate run saved the state since this run read it, so this run changed nothing; run again to see its result.")
		e.Before, e.After = entry.Before, entry.Before
		return finish(ctx, deps, report, e)
	}
	if err != nil {
		return *report, err
	}

	res := Apply(ctx, deps.Route53, plan, cfg.Apply)
	report.Result = &res
	entry.Executed = true
	entry.Outcome = state.Outcome(res.Outcome)
	entry.ChangeID = strings.Join(res.ChangeIDs, ",")
	entry.Message += " " + res.Message
	switch res.Outcome {
	case OutcomeApplied:
		entry.After = afterWeights(plan)
		entry.ExitCode = int(CodeOK)
		if opts.Action == ActionEvaluate && report.Decision.Rollback {
			entry.ExitCode = int(CodeFail)
		}
	case OutcomeUnconfirmed:
		entry.After = afterWeights(plan)
		entry.ExitCode = int(CodeUnconfirmed)
	case OutcomeRefused:
		entry.ExitCode = int(CodeRefused)
	default:
		entry.ExitCode = int(CodeError)
		if res.Err != nil {
			entry.Message += " " + res.Err.Error()
		}
	}

	changed := res.Outcome == OutcomeApplied || res.Outcome == OutcomeUnconfirmed
	done := deps.Now().UTC()
	_, _, err = state.Update(ctx, deps.State, func(s *state.State) error {
		if s.Pending == nil || s.Pending.ID != id {
			return fmt.Errorf("the claim %s of this run is missing from the state", id)
		}
		s.Pending = nil
		if changed {
			s.ALBWeight = plan.ToPercent
			s.StepStartedAt = done
			if i, ok := cfg.Steps.index(plan.ToPercent); ok {
				s.Step = i
			}
			trackNLBZero(s, plan.ToPercent, done)
			if kind == state.ActionRollback {
				s.Hold = &state.Hold{Since: done, FromWeight: plan.FromPercent, ToWeight: plan.ToPercent,
					Reason: rollbackReason(report, deps.Caller)}
			}
		}
		s.Append(entry)
		return nil
	})
	report.Entry = entry
	report.Code = Code(entry.ExitCode)
	if err != nil {
		return *report, fmt.Errorf("record the outcome of change %s (%s): %w", id, res.Outcome, err)
	}
	return *report, nil
}

// rollbackReason names the failing checks of an automatic rollback, or the
// caller of a manual one.
func rollbackReason(report *Report, caller Caller) string {
	if report.Analysis == nil {
		return "manual rollback by " + caller.ARN
	}
	var failing []string
	for _, c := range report.Analysis.Checks {
		if c.Verdict == analyze.Fail {
			failing = append(failing, c.Name)
		}
	}
	return "failing " + strings.Join(failing, ", ")
}

// reconcile resolves a claim that an earlier run left in the state, from
// the weights that Route 53 holds now, and returns a sentence on it.
func reconcile(st *state.State, percent int, now time.Time) string {
	p := st.Pending
	st.Pending = nil
	var note string
	switch percent {
	case p.ToWeight:
		st.ALBWeight = percent
		st.StepStartedAt = p.StartedAt
		note = fmt.Sprintf("An earlier run (%s) stopped while changing the weights from %d %% to %d %%; Route 53 holds %d %%, so its change was applied.",
			p.ID, p.FromWeight, p.ToWeight, percent)
	case p.FromWeight:
		note = fmt.Sprintf("An earlier run (%s) stopped while changing the weights from %d %% to %d %%; Route 53 still holds %d %%, so its change was not applied.",
			p.ID, p.FromWeight, p.ToWeight, percent)
	default:
		note = fmt.Sprintf("An earlier run (%s) stopped while changing the weights from %d %% to %d %%; Route 53 holds %d %%, so someone else changed them.",
			p.ID, p.FromWeight, p.ToWeight, percent)
	}
	st.Append(state.Entry{Time: now, Kind: state.EntryReconcile, Outcome: state.OutcomeNone, Message: note})
	return note
}

// firstStepWindow returns the time the gate spent at the first step, from
// the audit trail: from the first entry that found or set the first step's
// share to the next applied step entry. It returns nil until the gate has
// left the first step.
func firstStepWindow(st state.State, steps Steps) *analyze.Window {
	if len(steps) == 0 {
		return nil
	}
	var from time.Time
	for _, e := range st.Audit {
		applied := e.Kind == state.EntryStep && (e.Outcome == state.OutcomeApplied || e.Outcome == state.OutcomeAppliedUnconfirmed)
		if from.IsZero() {
			if e.After.ALBPercent() == steps[0].Percent && (applied || e.Kind == state.EntryEvaluation) {
				from = e.Time
			}
			continue
		}
		if applied {
			return &analyze.Window{From: from, To: e.Time}
		}
	}
	return nil
}

// trackNLBZero sets or clears NLBZeroSince for an ALB share.
func trackNLBZero(st *state.State, percent int, since time.Time) {
	switch {
	case percent < 100:
		st.NLBZeroSince = time.Time{}
	case st.NLBZeroSince.IsZero():
		st.NLBZeroSince = since
	}
}

// save appends the entry to the state loaded at version, together with the
// run's changes to it. When another run saved in between, it appends the
// entry alone to the newer state, so that no run's record is lost.
func save(ctx context.Context, deps Deps, report *Report, st state.State, version state.Version, e state.Entry) (Report, error) {
	st.Append(e)
	if _, err := deps.State.Save(ctx, st, version); err == nil {
		report.Entry = e
		report.Code = Code(e.ExitCode)
		return *report, nil
	} else if !errors.Is(err, state.ErrConflict) {
		return *report, err
	}
	return finish(ctx, deps, report, e)
}

// finish appends the entry to the stored state.
func finish(ctx context.Context, deps Deps, report *Report, e state.Entry) (Report, error) {
	if e.CallerARN == "" {
		e.CallerARN, e.CallerAccount = deps.Caller.ARN, deps.Caller.Account
	}
	_, _, err := state.Update(ctx, deps.State, func(s *state.State) error {
		s.Append(e)
		return nil
	})
	report.Entry = e
	report.Code = Code(e.ExitCode)
	if err != nil {
		return *report, err
	}
	return *report, nil
}

func rejectedEntry(now time.Time, message string) state.Entry {
	return state.Entry{Time: now, Kind: state.EntryEvaluation, Verdict: state.VerdictError, Outcome: state.OutcomeRefused,
		Message: message, ExitCode: int(CodeRefused)}
}

func errorEntry(now time.Time, message string) state.Entry {
	return state.Entry{Time: now, Kind: state.EntryEvaluation, Verdict: state.VerdictError, Outcome: state.OutcomeNone,
		Message: message, ExitCode: int(CodeError)}
}

// recordWeights returns the weights of the first pair: Weights.ALBPercent
// has checked that every pair has the same share.
func recordWeights(w Weights) state.RecordWeights {
	p := w.Pairs[0]
	return state.RecordWeights{ALB: aws.ToInt64(p.ALB.Weight), NLB: aws.ToInt64(p.NLB.Weight)}
}

func afterWeights(plan Plan) state.RecordWeights {
	p := plan.Batches[0].After[0]
	return state.RecordWeights{ALB: aws.ToInt64(p.ALB.Weight), NLB: aws.ToInt64(p.NLB.Weight)}
}

func checkSummaries(res *analyze.Result) []state.Check {
	if res == nil {
		return nil
	}
	checks := make([]state.Check, 0, len(res.Checks))
	for _, c := range res.Checks {
		checks = append(checks, state.Check{Name: c.Name, Verdict: string(c.Verdict), Summary: c.Sentence})
	}
	return checks
}

// runID returns 8 random bytes in hex.
func runID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
