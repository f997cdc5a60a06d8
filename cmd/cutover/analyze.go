package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/store"
)

// defaultAnalyzeWindow is the window analyze judges without --since or
// --from.
const defaultAnalyzeWindow = time.Hour

func newAnalyzeCommand(g *globals, e env) *cobra.Command {
	var (
		policyFile     string
		window         windowFlags
		settle         time.Duration
		albWeight      float64
		mode           string
		baseFrom       string
		baseTo         string
		wait           time.Duration
		settleExplicit bool
	)
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Judge whether the ALB path is at least as good as the NLB path, check by check",
		Long: `Compare the ALB path with the NLB path in a window and give each check a
verdict: PASS, FAIL, WAIT (not enough evidence yet) or SKIP (not run), with
the numbers of both paths, the margin, and a sentence that explains the
verdict and what to do next.

The checks: freshness and completeness of the logs, the ALB's share of
traffic against --alb-weight, the handshake failure rate per connection, a
failure reason that occurs on the ALB only, clients the NLB accepts and the
ALB only rejects, the p50, p90 and p99 time to response headers, the 5xx
rate, and 4xx per client. docs/statistics.md describes the statistics and
docs/policy.md the policy file. Without --policy, the defaults apply. Every
check reads its rows from a named query (see cutover query --list): the
freshness check from source_freshness, the others from the queries whose
names start with analyze_.

The window is --since or --from/--to (default: the last hour), without its
newest --settle (default: the policy's, 10m), because ALB logs arrive every 5
minutes on a best-effort basis. When the NLB carries less than the policy's
min_nlb_share of connections, the NLB side comes from the baseline window
(--baseline-from/--baseline-to, or the policy's).

Exit codes: 0 when every check passes or is skipped, 2 for an invalid command
line, 3 when any check fails, and 4 when none fails and at least one waits.`,
		Example: `  cutover analyze --policy policy.yaml --since 2h --alb-weight 10
  cutover analyze --from 2026-12-03T08:00:00Z --to 2026-12-03T14:00:00Z --output json
  cutover analyze --policy policy.yaml --since 1h --baseline-from 2026-11-02 --baseline-to 2026-11-08`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := e.now().UTC()
			pol := policy.Default()
			if policyFile != "" {
				p, err := policy.Load(policyFile)
				if err != nil {
					return &exitCodeError{code: exitUsage, err: err}
				}
				pol = p
			}
			settleExplicit = cmd.Flags().Changed("settle")
			if settleExplicit {
				if settle < 0 {
					return newUsageError("--settle 10m", "invalid --settle %s: use 0 or a positive duration, such as 10m", settle)
				}
				pol.Analyze.Window.Settle = settle
			}
			if mode != analyze.ModeVerify && mode != analyze.ModePassthrough {
				return newUsageError("--mode verify", "invalid --mode %q: use verify or passthrough", mode)
			}
			if cmd.Flags().Changed("alb-weight") && (albWeight < 0 || albWeight > 100) {
				return newUsageError("--alb-weight 10", "invalid --alb-weight %v: use a percentage from 0 to 100, or leave the flag out to skip traffic_share", albWeight)
			}
			if !cmd.Flags().Changed("alb-weight") {
				albWeight = -1
			}
			w, err := window.window(now)
			if err != nil {
				return err
			}
			if w.From.IsZero() {
				w.From, w.To = now.Add(-defaultAnalyzeWindow), now
			}
			judged := analyze.Window{From: w.From, To: w.To.Add(-pol.Analyze.Window.Settle)}
			if !judged.From.Before(judged.To) {
				return newUsageError("--since 2h", "the window %s to %s is no longer than the settle time %s: widen it or lower --settle",
					w.From.Format(time.RFC3339), w.To.Format(time.RFC3339), pol.Analyze.Window.Settle)
			}
			baseline, err := baselineWindow(pol.Analyze.Baseline, baseFrom, baseTo)
			if err != nil {
				return err
			}

			db, err := openStore(cmd.Context(), g, store.Options{Path: g.db, ReadOnly: true, Wait: wait})
			if err != nil {
				return err
			}
			defer db.Close()
			in, err := db.AnalyzeInputs(cmd.Context(), judged, mode, baseline)
			if err != nil {
				return fmt.Errorf("analyze %s: %w", g.db, err)
			}
			// Waivers are checked as of the judged window's end when that end
			// is in the past, so that a past window is judged as it was then.
			asOf := now
			if judged.To.Before(now) {
				asOf = judged.To
			}
			res, err := analyze.Evaluate(in, analyze.Options{Policy: pol, Now: asOf, ALBWeight: albWeight})
			if err != nil {
				return err
			}
			if err := writeAnalysis(e.stdout, g.output, res); err != nil {
				return err
			}
			switch res.Verdict {
			case analyze.Fail:
				return &exitCodeError{code: exitFail}
			case analyze.Wait:
				return &exitCodeError{code: exitWait}
			}
			return nil
		},
	}
	window.register(cmd)
	cmd.Flags().Lookup("since").Usage = "judge the last DURATION before now, such as 2h, 90m or 7d (default: 1h)"
	cmd.Flags().Lookup("to").Usage = "window end: RFC 3339 time or date (the date's start), UTC; default now, and the newest --settle of the window is not judged"
	cmd.Flags().StringVar(&policyFile, "policy", "", "policy file, as described in docs/policy.md (default: the built-in policy)")
	cmd.Flags().DurationVar(&settle, "settle", 0, "duration at the newest end of the window to leave out, because logs are still arriving (default: the policy's settle, 10m)")
	cmd.Flags().Float64Var(&albWeight, "alb-weight", 0, "the ALB record's Route 53 weight in percent of the total weight, 0 to 100, for traffic_share (default: traffic_share is skipped)")
	cmd.Flags().StringVar(&mode, "mode", analyze.ModeVerify, "the ALB's mutual TLS mode: verify (the ALB's connection log has the outcomes) or passthrough (the targets behind the ALB log them)")
	cmd.Flags().StringVar(&baseFrom, "baseline-from", "", "start of the baseline window from before the shift, as an RFC 3339 time or a date in UTC")
	cmd.Flags().StringVar(&baseTo, "baseline-to", "", "end of the baseline window, as an RFC 3339 time or a date in UTC (a date means the end of that day)")
	cmd.Flags().DurationVar(&wait, "wait", 0, "maximum time to wait for another process to release the database, such as 30s")
	return cmd
}

// baselineWindow returns the baseline window from the flags, else from the
// policy, else nil.
func baselineWindow(b policy.Baseline, from, to string) (*analyze.Window, error) {
	if from == "" && to == "" {
		if !b.IsSet() {
			return nil, nil
		}
		return &analyze.Window{From: b.From, To: b.To}, nil
	}
	if from == "" || to == "" {
		return nil, newUsageError("--baseline-from 2026-11-02 --baseline-to 2026-11-08", "--baseline-from and --baseline-to go together: give both")
	}
	f, err := parseTimeFlag(from)
	if err != nil {
		return nil, newUsageError("--baseline-from 2026-11-02", "invalid --baseline-from %q: use an RFC 3339 time or a date", from)
	}
	t, err := parseTimeFlag(to)
	if err != nil {
		return nil, newUsageError("--baseline-to 2026-11-08", "invalid --baseline-to %q: use an RFC 3339 time or a date", to)
	}
	if !strings.Contains(to, "T") {
		t = t.Add(24 * time.Hour)
	}
	if !f.Before(t) {
		return nil, newUsageError("--baseline-from 2026-11-02 --baseline-to 2026-11-08", "the baseline window's start %s is not before its end %s",
			f.Format(time.RFC3339), t.Format(time.RFC3339))
	}
	return &analyze.Window{From: f, To: t}, nil
}

// writeAnalysis prints a result as JSON, as CSV with one row per check, or
// as a table of the checks followed by the sentences of those that did not
// pass.
func writeAnalysis(w io.Writer, format string, res analyze.Result) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		t := table{columns: []string{"check", "verdict", "alb", "nlb", "margin", "sentence", "query"}}
		for _, c := range res.Checks {
			t.rows = append(t.rows, []any{c.Name, string(c.Verdict), c.ALB, c.NLB, c.Margin, c.Sentence, c.Query})
		}
		// The last row is the overall verdict, as the exit code gives it.
		t.rows = append(t.rows, []any{"overall", string(res.Verdict), "", "", "",
			fmt.Sprintf("Window %s to %s, ALB mode %s.", res.Window.From.Format(time.RFC3339), res.Window.To.Format(time.RFC3339), res.Mode), ""})
		return t.write(w, "csv")
	}
	fmt.Fprintf(w, "Window %s to %s (%s), ALB mode %s\n", res.Window.From.Format(time.RFC3339), res.Window.To.Format(time.RFC3339),
		res.Window.Duration(), res.Mode)
	if res.Baseline != nil {
		fmt.Fprintf(w, "NLB side from the baseline window %s to %s\n", res.Baseline.From.Format(time.RFC3339), res.Baseline.To.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	t := table{columns: []string{"check", "verdict", "alb", "nlb", "margin"}}
	for _, c := range res.Checks {
		t.rows = append(t.rows, []any{c.Name, string(c.Verdict), c.ALB, c.NLB, c.Margin})
	}
	if err := t.write(w, "table"); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, c := range res.Checks {
		if c.Verdict == analyze.Pass {
			continue
		}
		fmt.Fprintf(w, "%s %s: %s\n", c.Verdict, c.Name, c.Sentence)
		for i, f := range c.Clients {
			if i == 10 {
				fmt.Fprintf(w, "    ... and %d more (--output json lists them all)\n", len(c.Clients)-10)
				break
			}
			fmt.Fprintf(w, "    %s  %s  ALB %d of %d failed, NLB %d of %d ok\n", f.Client, f.Reason, f.ALBFailed, f.ALBTotal, f.NLBOK, f.NLBTotal)
		}
	}
	for _, wv := range res.Waived {
		fmt.Fprintf(w, "WAIVED %s on the %s: %d connections (%d failed) of %d clients, outcomes %s, until %s: %s\n",
			wv.Waiver, strings.ToUpper(wv.Path), wv.Connections, wv.Failed, wv.Clients, strings.Join(wv.Outcomes, ", "), wv.Until, strings.TrimSpace(wv.Reason))
	}
	for _, name := range res.ExpiredWaivers {
		fmt.Fprintf(w, "EXPIRED waiver %s covers nothing any longer: renew or remove it\n", name)
	}
	fmt.Fprintf(w, "\nVerdict: %s\n", res.Verdict)
	return nil
}
