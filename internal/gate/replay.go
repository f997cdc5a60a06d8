package gate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/analyze"
)

// Tick is the decision of one replayed gate run.
type Tick struct {
	Time time.Time
	// Percent is the replayed ALB share at the run, and StepStartedAt when
	// the replay set it.
	Percent       int
	StepStartedAt time.Time
	Decision      Decision
	// Failing and Waiting name the checks with those verdicts.
	Failing, Waiting []string
}

// Replay runs the gate's decision every interval from from to to over the
// stored history, as if it had run then, starting at startPercent. A GO
// moves the replayed share to the next step, and a rollback that the policy
// marks moves it back. Nothing else changes, because the history is what it
// was. The replay shows when the gate would have stepped, halted or rolled
// back with the policy's margins and bake times.
//
// As the gate does, the replay holds after a rollback and never steps
// forward again, because no operator resumes it.
//
// NOTE: the stored traffic followed the weights of the time, not the
// replayed ones, so the analysis skips the traffic share check.
func Replay(ctx context.Context, cfg Config, ev Evaluator, from, to time.Time, interval time.Duration, startPercent int) ([]Tick, error) {
	if interval <= 0 {
		return nil, errors.New("the replay interval must be positive")
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("the replay window's start %s is not before its end %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if _, ok := cfg.Steps.index(startPercent); !ok {
		return nil, fmt.Errorf("the start share %d %% is not 0 or a step of the policy (%s)", startPercent, cfg.Steps)
	}
	percent, started := startPercent, from
	var firstStep *analyze.Window
	var heldSince time.Time
	if len(cfg.Steps) > 0 && startPercent == cfg.Steps[0].Percent {
		firstStep = &analyze.Window{From: from}
	}
	var ticks []Tick
	for now := from.Add(interval); !now.After(to); now = now.Add(interval) {
		var res *analyze.Result
		if percent > 0 {
			var baseline *analyze.Window
			if firstStep != nil && firstStep.To.After(firstStep.From) {
				baseline = firstStep
			}
			r, err := ev.Evaluate(ctx, started, now, percent, baseline)
			if err != nil {
				return ticks, fmt.Errorf("replay at %s: %w", now.Format(time.RFC3339), err)
			}
			res = &r
		}
		d, err := Decide(cfg.Steps, Input{Now: now, Percent: percent, StepStartedAt: started, Analysis: res, RollbackOn: cfg.RollbackOn})
		if err != nil {
			return ticks, err
		}
		if !heldSince.IsZero() && d.Verdict == Go && d.To > percent {
			d.Verdict, d.To = HaltFail, percent
			d.Reasons = append([]string{fmt.Sprintf("The gate holds since the rollback at %s: no one resumes it in a replay.",
				heldSince.Format(time.RFC3339))}, d.Reasons...)
		}
		tick := Tick{Time: now, Percent: percent, StepStartedAt: started, Decision: d}
		if res != nil {
			for _, c := range res.Checks {
				switch c.Verdict {
				case analyze.Fail:
					tick.Failing = append(tick.Failing, c.Name)
				case analyze.Wait:
					tick.Waiting = append(tick.Waiting, c.Name)
				}
			}
		}
		ticks = append(ticks, tick)

		moves := (d.Verdict == Go || d.Rollback) && d.To != percent
		if !moves {
			continue
		}
		switch {
		case len(cfg.Steps) > 0 && d.To == cfg.Steps[0].Percent && firstStep == nil:
			firstStep = &analyze.Window{From: now}
		case firstStep != nil && firstStep.To.IsZero():
			firstStep.To = now
		}
		if d.Rollback {
			heldSince = now
		}
		percent, started = d.To, now
	}
	return ticks, nil
}
