package gate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/analyze"
)

// Verdict is the gate's decision.
type Verdict string

// The gate's verdicts. cutover analyze uses the same words for its checks.
const (
	// Go means the next step is safe to take.
	Go Verdict = "GO"
	// HaltFail means the ALB path is worse: halt, and roll back when the
	// policy marks a failing check so.
	HaltFail Verdict = "HALT-FAIL"
	// HaltWait means there is not enough evidence yet, or the step has not
	// baked long enough.
	HaltWait Verdict = "HALT-WAIT"
	// Rollback is a rollback that an operator asked for, which judges no
	// check.
	Rollback Verdict = "ROLLBACK"
)

// Step is one weight of the policy's steps, with its bake time.
type Step struct {
	// Percent is the ALB's share of the weight.
	Percent int
	// Bake is the minimum time at this step before the next one.
	Bake time.Duration
}

// Steps is the policy's sequence of steps, strictly increasing and ending at
// 100 percent.
type Steps []Step

// index returns the position of percent among the steps, -1 for 0 percent
// (before the first step), or false when percent is neither.
func (s Steps) index(percent int) (int, bool) {
	if percent == 0 {
		return -1, true
	}
	i := slices.IndexFunc(s, func(step Step) bool { return step.Percent == percent })
	return i, i >= 0
}

// previous returns the step before percent, or 0 before the first.
func (s Steps) previous(percent int) int {
	i, ok := s.index(percent)
	if !ok || i <= 0 {
		return 0
	}
	return s[i-1].Percent
}

// Input is the data that one decision is made from.
type Input struct {
	Now time.Time
	// Percent is the ALB's current share, read from Route 53.
	Percent int
	// StepStartedAt is when the current share was set.
	StepStartedAt time.Time
	// Analysis is the analysis of the window since the step began, or nil
	// at 0 percent, where the ALB has no traffic to judge.
	Analysis *analyze.Result
	// RollbackOn names the checks whose failure rolls back.
	RollbackOn []string
}

// Decision is the gate's verdict with the step it leads to.
type Decision struct {
	Verdict Verdict
	// From is the current ALB share, and To the share that the decision
	// moves to: the next step for GO, the previous one for a rollback, and
	// From otherwise, which includes GO at the last step.
	From, To int
	// Rollback is true when a failing check that the policy marks rolls
	// back.
	Rollback bool
	// BakeRemaining is how long the step still has to bake.
	BakeRemaining time.Duration
	// Reasons are sentences on the decision, most important first.
	Reasons []string
}

// Decide returns the gate's decision. A current share that is not 0 and not
// one of the steps is an error, because no step follows from it.
func Decide(steps Steps, in Input) (Decision, error) {
	i, ok := steps.index(in.Percent)
	if !ok {
		return Decision{}, fmt.Errorf("the ALB has %d %% of the weight, which is not a step of the policy (%s): set the weights to a step, or roll back",
			in.Percent, steps)
	}
	d := Decision{From: in.Percent, To: in.Percent}

	if in.Analysis != nil {
		var failing, waiting, rollbackChecks []string
		for _, c := range in.Analysis.Checks {
			switch c.Verdict {
			case analyze.Fail:
				failing = append(failing, c.Name)
				d.Reasons = append(d.Reasons, fmt.Sprintf("%s FAIL: %s", c.Name, c.Sentence))
				if slices.Contains(in.RollbackOn, c.Name) {
					rollbackChecks = append(rollbackChecks, c.Name)
				}
			case analyze.Wait:
				waiting = append(waiting, c.Name)
			}
		}
		if len(failing) > 0 {
			d.Verdict = HaltFail
			if len(rollbackChecks) > 0 {
				d.Rollback = true
				d.To = steps.previous(in.Percent)
				d.Reasons = append(d.Reasons, fmt.Sprintf("The policy rolls back on %s: back to %d %% on the ALB.",
					strings.Join(rollbackChecks, ", "), d.To))
			}
			return d, nil
		}
		for _, c := range in.Analysis.Checks {
			if c.Verdict == analyze.Wait {
				d.Reasons = append(d.Reasons, fmt.Sprintf("%s WAIT: %s", c.Name, c.Sentence))
			}
		}
		if len(waiting) > 0 {
			d.Verdict = HaltWait
		}
	} else if in.Percent != 0 {
		return Decision{}, fmt.Errorf("no analysis at %d %% on the ALB", in.Percent)
	}

	if i >= 0 {
		elapsed := in.Now.Sub(in.StepStartedAt)
		if bake := steps[i].Bake; elapsed < bake {
			d.BakeRemaining = bake - elapsed
			d.Verdict = HaltWait
			d.Reasons = append(d.Reasons, fmt.Sprintf("The step at %d %% began %s ago and bakes for %s: %s to go.",
				in.Percent, elapsed.Round(time.Second), bake, d.BakeRemaining.Round(time.Second)))
		}
	}
	if d.Verdict == HaltWait {
		return d, nil
	}

	d.Verdict = Go
	if i == len(steps)-1 {
		d.Reasons = append(d.Reasons, "All traffic is on the ALB and every check passes. Next: cutover decommission, once the NLB has drained.")
		return d, nil
	}
	d.To = steps[i+1].Percent
	if in.Percent == 0 {
		d.Reasons = append(d.Reasons, fmt.Sprintf("The ALB has no weight yet, so there is nothing to judge: the first step is %d %%. Run cutover preflight before it.", d.To))
	} else {
		d.Reasons = append(d.Reasons, fmt.Sprintf("Every check passes and the step has baked: next %d %% on the ALB.", d.To))
	}
	return d, nil
}

func (s Steps) String() string {
	var parts []string
	for _, step := range s {
		parts = append(parts, fmt.Sprintf("%d", step.Percent))
	}
	return strings.Join(parts, ", ")
}
