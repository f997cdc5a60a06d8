package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/sim"
)

// tally is one scenario's runs summarised for one sequence of verdicts.
type tally struct {
	runs, right, falsePass, falseFail, inconclusive int
	// conclusive holds the time of the first PASS or FAIL of each run that
	// had one.
	conclusive []time.Duration
}

// truth returns what a right analysis of the scenario ends with: FAIL for a
// fault, WAIT for too little traffic, PASS otherwise.
func truth(s sim.Scenario) analyze.Verdict {
	switch {
	case s.Fault:
		return analyze.Fail
	case s.LowTraffic:
		return analyze.Wait
	}
	return analyze.Pass
}

// count tallies one run's verdicts. A run is right when its first PASS or
// FAIL is the truth, or, when the truth is WAIT, when it has neither. A
// false PASS is a PASS at any look of a run whose truth is not PASS, and a
// false FAIL is a FAIL at any look of a run whose truth is not FAIL. Any
// look counts, because the gate acts on the first PASS or FAIL.
func (t *tally) count(want analyze.Verdict, verdicts []analyze.Verdict) {
	t.runs++
	first := analyze.Wait
	for k, v := range verdicts {
		if v != analyze.Wait {
			first = v
			t.conclusive = append(t.conclusive, lookInterval*time.Duration(k+1))
			break
		}
	}
	if first == analyze.Wait {
		t.inconclusive++
	}
	if first == want {
		t.right++
	}
	if want != analyze.Pass && slices.Contains(verdicts, analyze.Pass) {
		t.falsePass++
	}
	if want != analyze.Fail && slices.Contains(verdicts, analyze.Fail) {
		t.falseFail++
	}
}

// share formats x of n with its 95 % Clopper–Pearson interval.
func share(x, n int) string {
	lo, hi := clopperPearson(x, n)
	return fmt.Sprintf("%d/%d = %.1f %% [%.1f, %.1f]", x, n, 100*float64(x)/float64(n), 100*lo, 100*hi)
}

// clopperPearson returns the exact 95 % interval of a binomial proportion.
func clopperPearson(x, n int) (float64, float64) {
	lo, hi := 0.0, 1.0
	if x > 0 {
		lo = distuv.Beta{Alpha: float64(x), Beta: float64(n - x + 1)}.Quantile(0.025)
	}
	if x < n {
		hi = distuv.Beta{Alpha: float64(x + 1), Beta: float64(n - x)}.Quantile(0.975)
	}
	return lo, hi
}

// timeText gives the median and the largest time to a conclusive verdict.
func timeText(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%s (max %s)", hours(s[len(s)/2]), hours(s[len(s)-1]))
}

func hours(d time.Duration) string {
	return fmt.Sprintf("%dh%02d", int(d.Hours()), int(d.Minutes())%60)
}

// notApplicable marks a cell whose error cannot occur for the scenario's
// truth.
const notApplicable = "—"

func writeReport(cfg config, results [][]run, took time.Duration) string {
	scenarios := map[string]sim.Scenario{}
	for _, s := range sim.Scenarios() {
		scenarios[s.Name] = s
	}
	var b strings.Builder
	settle := cfg.policies[0].policy.Analyze.Window.Settle
	fmt.Fprintf(&b, "# Decision quality of `cutover analyze`\n\n")
	fmt.Fprintf(&b, "Written by `make eval` (`go run ./internal/eval`); do not edit by hand. "+
		"Each of the simulator's %d scenarios (`cutover simulate --list-scenarios`) ran for %d seeds, %s of simulated traffic each from %s, "+
		"with %d %% of the DNS weight on the ALB. The analysis looked every %s, as the gate would. "+
		"That is %d looks per run, each judging the window from the run's start to the look, without the newest %s. "+
		"Every run is judged by two policies:\n\n",
		len(cfg.scenarios), cfg.seeds, cfg.duration, cfg.start.Format(time.RFC3339), cfg.albWeight, lookInterval,
		int(cfg.duration/lookInterval), settle)
	for _, np := range cfg.policies {
		fmt.Fprintf(&b, "- %s\n", np.source)
	}
	fmt.Fprintf(&b, "\nThe whole evaluation took %s with %d workers.\n\n", took.Round(time.Second), cfg.workers)
	b.WriteString("The evaluation reads the simulator's records directly rather than its log files: `internal/sim` tests that the records " +
		"equal what ingest reads from the logs. Every source counts as fresh and complete, so the freshness and completeness checks pass; " +
		"their own tests are in package analyze.\n\n")
	b.WriteString("How to read the tables: the gate acts on the first verdict that is not WAIT. A run is **right** when that first verdict " +
		"is the truth (FAIL for a fault, PASS for a healthy run; for low-traffic, no verdict at all). A **false PASS** is a PASS at any look of a run " +
		"whose truth is not PASS, a **false FAIL** a FAIL at any look of a run whose truth is not FAIL. The brackets are 95 % Clopper–Pearson " +
		"intervals. **Time** is the median (and largest) time from the run's start to the first PASS or FAIL, over the runs that had one.\n\n")
	b.WriteString("Goal: no false PASS in any fault scenario, and at most 5 % false FAIL on healthy runs over all looks.\n\n")
	writeFindings(&b, cfg, scenarios, results)

	for pi, np := range cfg.policies {
		pick := func(f func(judged) []analyze.Verdict) func(run) []analyze.Verdict {
			return func(r run) []analyze.Verdict { return f(r[pi]) }
		}
		writeTable(&b, fmt.Sprintf("## `cutover analyze`, %s", np.name), cfg, scenarios, results,
			pick(func(j judged) []analyze.Verdict { return j.overall }))
		writeTable(&b, fmt.Sprintf("### The same with a naive fixed-sample test for the rates, %s", np.name), cfg, scenarios, results,
			pick(func(j judged) []analyze.Verdict { return j.naive }))
		writeMethods(&b, fmt.Sprintf("### The handshake failure rate check alone, by method, %s", np.name), cfg, scenarios, results, pi)
		writeDeciders(&b, fmt.Sprintf("### Which checks decided, %s", np.name), cfg, results, pi)
	}
	b.WriteString("The naive variant replaces the handshake failure rate and 5xx checks with `stats.NaiveRateTest`: a Farrington–Manning " +
		"score test on connections pooled over all clients, at alpha at every look. It treats each connection as an independent draw " +
		"and each look as the only one. Everything else is the same. The client-averaged method is `stats.CompareRates`, an empirical " +
		"Bernstein confidence sequence over the clients' failure proportions. It counts every client once, so a margin of 0.2 points " +
		"needs thousands of clients, and with the simulator's 300 it never decides. docs/statistics.md describes all of them.\n")
	return b.String()
}

// writeFindings states, per policy, whether the goal was met, with the
// worst scenario for each error, and what kept healthy runs from a verdict.
func writeFindings(b *strings.Builder, cfg config, scenarios map[string]sim.Scenario, results [][]run) {
	b.WriteString("## Findings\n\n")
	for pi, np := range cfg.policies {
		worstPass, worstFail := "", ""
		var passTally, failTally tally
		var undecided, healthyRuns, passed int
		holding := map[string]int{}
		for si, name := range cfg.scenarios {
			want := truth(scenarios[name])
			var t tally
			for _, r := range results[si] {
				t.count(want, r[pi].overall)
			}
			if scenarios[name].Fault && (worstPass == "" || t.falsePass > passTally.falsePass) {
				worstPass, passTally = name, t
			}
			if want == analyze.Pass && (worstFail == "" || t.falseFail > failTally.falseFail) {
				worstFail, failTally = name, t
			}
			if want != analyze.Pass {
				continue
			}
			healthyRuns += t.runs
			undecided += t.inconclusive
			passed += t.right
			for _, r := range results[si] {
				if slices.Contains(r[pi].overall, analyze.Pass) || slices.Contains(r[pi].overall, analyze.Fail) {
					continue
				}
				for _, c := range r[pi].waitingAtEnd {
					holding[c]++
				}
			}
		}
		passMet := passTally.falsePass == 0
		failMet := float64(failTally.falseFail) <= 0.05*float64(failTally.runs)
		fmt.Fprintf(b, "With %s:\n\n", np.name)
		if passMet {
			_, upper := clopperPearson(0, passTally.runs)
			fmt.Fprintf(b, "- No false PASS in a fault scenario: met, 0 of %d runs in each (95 %% upper bound %.1f %%).\n",
				passTally.runs, 100*upper)
		} else {
			fmt.Fprintf(b, "- No false PASS in a fault scenario: %s. The most in one scenario: %s in %s.\n",
				metText(passMet), share(passTally.falsePass, passTally.runs), worstPass)
		}
		fmt.Fprintf(b, "- At most 5 %% false FAIL on healthy runs: %s. The most in one scenario: %s in %s.\n",
			metText(failMet), share(failTally.falseFail, failTally.runs), worstFail)
		fmt.Fprintf(b, "- Healthy runs that PASS within %s: %d of %d. The goals above say nothing about this, but a gate that never passes a healthy step is of no use.\n",
			hours(cfg.duration), passed, healthyRuns)
		fmt.Fprintf(b, "- Healthy runs with no verdict in %s: %d of %d. In those runs, the checks still waiting at the last look: %s.\n\n",
			hours(cfg.duration), undecided, healthyRuns, countsText(holding))
	}
}

func metText(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}

func writeMethods(b *strings.Builder, title string, cfg config, scenarios map[string]sim.Scenario, results [][]run, pi int) {
	fmt.Fprintf(b, "%s\n\n", title)
	b.WriteString("| scenario | truth | paired by client (analyze): PASS / FAIL at any look | naive pooled | client-averaged |\n|---|---|---|---|---|\n")
	for si, name := range cfg.scenarios {
		var cells []string
		for m := range methods {
			pass, fail := 0, 0
			for _, r := range results[si] {
				if slices.Contains(r[pi].handshake[m], analyze.Pass) {
					pass++
				}
				if slices.Contains(r[pi].handshake[m], analyze.Fail) {
					fail++
				}
			}
			cells = append(cells, fmt.Sprintf("%.1f %% / %.1f %%", pct(pass, len(results[si])), pct(fail, len(results[si]))))
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, truthText(scenarios[name]), strings.Join(cells, " | "))
	}
	b.WriteString("\n")
}

func writeDeciders(b *strings.Builder, title string, cfg config, results [][]run, pi int) {
	fmt.Fprintf(b, "%s\n\n", title)
	b.WriteString("| scenario | checks that failed at some look (runs) | checks still waiting at the last look (runs) |\n|---|---|---|\n")
	for si, name := range cfg.scenarios {
		failed := map[string]int{}
		waiting := map[string]int{}
		for _, r := range results[si] {
			for c := range r[pi].failedChecks {
				failed[c]++
			}
			for _, c := range r[pi].waitingAtEnd {
				waiting[c]++
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, countsText(failed), countsText(waiting))
	}
	b.WriteString("\n")
}

func writeTable(b *strings.Builder, title string, cfg config, scenarios map[string]sim.Scenario, results [][]run, verdicts func(run) []analyze.Verdict) {
	fmt.Fprintf(b, "%s\n\n", title)
	b.WriteString("| scenario | truth | right | false PASS | false FAIL | no verdict in the run | time to first PASS or FAIL |\n|---|---|---|---|---|---|---|\n")
	for si, name := range cfg.scenarios {
		s := scenarios[name]
		want := truth(s)
		var t tally
		for _, r := range results[si] {
			t.count(want, verdicts(r))
		}
		falsePass, falseFail := share(t.falsePass, t.runs), share(t.falseFail, t.runs)
		if want == analyze.Pass {
			falsePass = notApplicable
		}
		if want == analyze.Fail {
			falseFail = notApplicable
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", name, truthText(s), share(t.right, t.runs),
			falsePass, falseFail, share(t.inconclusive, t.runs), timeText(t.conclusive))
	}
	b.WriteString("\n")
}

func truthText(s sim.Scenario) string {
	switch {
	case s.Fault && s.Latency:
		return "fault: slower ALB targets"
	case s.Fault:
		return "fault: " + s.ALBReason
	case s.LowTraffic:
		return "healthy, too little traffic"
	}
	return "healthy"
}

func pct(x, n int) float64 { return 100 * float64(x) / float64(n) }

// countsText lists names by count, largest first, or "none".
func countsText(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s (%d)", n, m[n]))
	}
	return strings.Join(parts, ", ")
}
