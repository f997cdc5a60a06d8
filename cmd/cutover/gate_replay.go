package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/gate"
	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/store"
)

func newGateReplayCommand(g *globals, e env) *cobra.Command {
	var (
		policyFile string
		window     windowFlags
		every      time.Duration
		start      int
		mode       string
		all        bool
		wait       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "replay --policy FILE (--since DURATION | --from TIME [--to TIME])",
		Short: "Replay the gate over the stored history, to tune the policy before trusting it",
		Long: `Run the gate's decision every --every over the stored history, as if the
gate had run then, starting at --start-percent on the ALB (default: the
policy's first step). A GO moves the replayed share to the next step, and a
failing check in the policy's rollback_on moves it back. Nothing in AWS is
read or changed.

The window is --since DURATION, or --from TIME with --to TIME (default:
now). The replay needs one of --since and --from.

It prints the runs whose decision differs from the run before, and with
--all every run, then when the replay stepped and rolled back, and when it
first halted on each failing check. The stored traffic followed the
weights of its time, not the replayed ones, so the traffic_share check is
skipped. Listings exit 0.`,
		Example: `  cutover gate replay --policy policy.yaml --since 24h --every 15m --all
  cutover gate replay --policy policy.yaml --from 2026-12-01 --to 2026-12-04
  cutover gate replay --policy policy.yaml --from 2026-12-03T10:00:00Z --start-percent 25`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if policyFile == "" {
				return newUsageError("cutover gate replay --policy policy.yaml --since 24h", "--policy is missing: the replay needs a policy with a gate section")
			}
			if every <= 0 {
				return newUsageError("--every 5m", "invalid --every %s: use a positive duration", every)
			}
			pol, err := policy.Load(policyFile)
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}
			section, err := pol.RequireGate()
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}
			cfg := gateConfig(pol, section)
			if !cmd.Flags().Changed("start-percent") {
				start = cfg.Steps[0].Percent
			}
			if !isStartPercent(cfg.Steps, start) {
				return newUsageError("--start-percent "+strconv.Itoa(cfg.Steps[0].Percent),
					"invalid --start-percent %d: use 0 or a step of the policy (%s)", start, cfg.Steps)
			}
			now := e.now().UTC()
			w, err := window.window(now)
			if err != nil {
				return err
			}
			if w.From.IsZero() {
				return newUsageError("cutover gate replay --policy policy.yaml --since 24h", "the replay needs a window: give --since or --from")
			}

			db, err := openStore(cmd.Context(), g, store.Options{Path: g.db, ReadOnly: true, Wait: wait})
			if err != nil {
				return err
			}
			defer db.Close()
			ev := replayEvaluator{storeEvaluator{db: db, policy: pol, mode: mode}}
			ticks, err := gate.Replay(cmd.Context(), cfg, ev, w.From, w.To, every, start)
			if err != nil {
				return err
			}
			return writeReplay(e, g.output, ticks, all)
		},
	}
	window.register(cmd)
	cmd.Flags().Lookup("since").Usage = "replay the last DURATION before now, such as 2h, 90m or 7d"
	cmd.Flags().StringVar(&policyFile, "policy", "", "policy file with a gate section (required)")
	cmd.Flags().DurationVar(&every, "every", 5*time.Minute, "time between two replayed gate runs")
	cmd.Flags().IntVar(&start, "start-percent", 0, "the ALB's share at the start of the replay: 0 or a step (default: the first step)")
	cmd.Flags().StringVar(&mode, "mode", analyze.ModeVerify, "the ALB's mutual TLS mode: verify or passthrough")
	cmd.Flags().BoolVar(&all, "all", false, "print every replayed run, not only those whose decision changed")
	cmd.Flags().DurationVar(&wait, "wait", 0, "maximum time to wait for another process to release the database, such as 30s")
	return cmd
}

// replayEvaluator analyzes without the traffic share check, because the
// stored traffic followed the weights of its time.
type replayEvaluator struct {
	storeEvaluator
}

func (r replayEvaluator) Evaluate(ctx context.Context, from, to time.Time, _ int, baseline *analyze.Window) (analyze.Result, error) {
	return r.storeEvaluator.Evaluate(ctx, from, to, -1, baseline)
}

// isStartPercent reports whether the replay may start at percent: 0 or
// one of the steps.
func isStartPercent(steps gate.Steps, percent int) bool {
	if percent == 0 {
		return true
	}
	for _, step := range steps {
		if step.Percent == percent {
			return true
		}
	}
	return false
}

// writeReplay prints the replayed runs, then in table format a summary of
// the moves and of the first halt on each failing check.
func writeReplay(e env, format string, ticks []gate.Tick, all bool) error {
	t := table{columns: []string{"time", "alb_percent", "verdict", "to_percent", "failing", "waiting", "bake_remaining"}}
	var moves []string
	previous := ""
	for _, tick := range ticks {
		d := tick.Decision
		key := fmt.Sprintf("%s %d %d %v %v", d.Verdict, tick.Percent, d.To, tick.Failing, tick.Waiting)
		moved := (d.Verdict == gate.Go || d.Rollback) && d.To != tick.Percent
		if moved {
			verb := "stepped"
			if d.Rollback {
				verb = "rolled back"
			}
			moves = append(moves, fmt.Sprintf("%s %s from %d %% to %d %%", tick.Time.Format(time.RFC3339), verb, tick.Percent, d.To))
		}
		if all || moved || key != previous {
			t.rows = append(t.rows, []any{tick.Time, tick.Percent, string(d.Verdict), d.To,
				strings.Join(tick.Failing, " "), strings.Join(tick.Waiting, " "), d.BakeRemaining.Round(time.Second).String()})
		}
		previous = key
	}
	if err := t.write(e.stdout, format); err != nil {
		return err
	}
	if format != "table" {
		return nil
	}

	fmt.Fprintln(e.stdout)
	if len(moves) == 0 {
		fmt.Fprintf(e.stdout, "The replayed gate did not move in %d runs.\n", len(ticks))
	} else {
		times := "times"
		if len(moves) == 1 {
			times = "time"
		}
		fmt.Fprintf(e.stdout, "The replayed gate moved %d %s in %d runs:\n", len(moves), times, len(ticks))
		for _, m := range moves {
			fmt.Fprintf(e.stdout, "  %s\n", m)
		}
	}

	halts := firstHalts(ticks)
	if len(halts) == 0 {
		fmt.Fprintln(e.stdout, "It never halted with HALT-FAIL.")
		return nil
	}
	fmt.Fprintln(e.stdout, "It first halted with HALT-FAIL:")
	for _, h := range halts {
		fmt.Fprintf(e.stdout, "  %s\n", h)
	}
	return nil
}

// firstHalts returns, in time order, a line for the first HALT-FAIL run on
// each failing check. A HALT-FAIL without a failing check, such as the hold
// after a rollback, is listed once under its first reason.
func firstHalts(ticks []gate.Tick) []string {
	var lines []string
	seen := map[string]bool{}
	for _, tick := range ticks {
		d := tick.Decision
		if d.Verdict != gate.HaltFail {
			continue
		}
		at := fmt.Sprintf("%s at %d %%", tick.Time.Format(time.RFC3339), tick.Percent)
		if len(tick.Failing) == 0 {
			if seen[""] {
				continue
			}
			seen[""] = true
			reason := "no failing check"
			if len(d.Reasons) > 0 {
				reason = d.Reasons[0]
			}
			lines = append(lines, fmt.Sprintf("%s: %s", at, reason))
			continue
		}
		var checks []string
		for _, name := range tick.Failing {
			if !seen[name] {
				seen[name] = true
				checks = append(checks, name)
			}
		}
		if len(checks) > 0 {
			lines = append(lines, fmt.Sprintf("%s on %s", at, strings.Join(checks, ", ")))
		}
	}
	return lines
}
