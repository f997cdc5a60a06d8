package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/internal/gate"
	"github.com/cutover-dev/cutover/internal/gate/state"
	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/store"
)

// gateFlags are the flags that every gate subcommand takes.
type gateFlags struct {
	policyFile string
	execute    bool
	resume     bool
	planOut    string
	mode       string
	wait       time.Duration
}

func (f *gateFlags) register(cmd *cobra.Command, action string) {
	cmd.Flags().StringVar(&f.policyFile, "policy", "", "policy file with a gate section, as docs/policy.md describes (required)")
	cmd.Flags().BoolVar(&f.execute, "execute", false, "change the Route 53 weights; without it the run is a dry run that changes nothing in Route 53")
	cmd.Flags().StringVar(&f.planOut, "plan-out", "", "write the change batch of "+action+" to FILE as JSON for aws route53 change-resource-record-sets --change-batch file://FILE")
	cmd.Flags().DurationVar(&f.wait, "wait", 0, "maximum time to wait for another process to release the database, such as 30s")
}

func newGateCommand(g *globals, e env) *cobra.Command {
	var f gateFlags
	cmd := &cobra.Command{
		Use:   "gate --policy FILE [--execute]",
		Short: "Decide on the next Route 53 weight shift, and take it with --execute",
		Long: `Read the current weights of the policy's weighted record pairs from Route 53,
analyze the window since the current step began, and decide:

  GO          every check passes and the step has baked: the next step;
              at 0 % on the ALB, where nothing can be judged, the first step
  HALT-WAIT   not enough evidence yet, the step is still baking, or the
              step began less than the policy's settle time ago
  HALT-FAIL   a check fails; with --execute, the gate rolls back to the
              previous step when the policy's rollback_on names the check

After any rollback the gate holds at the lower step and reports HALT-FAIL,
even when every check passes, until a run with --resume --execute lifts
the hold.

Without --execute nothing changes in Route 53. With it, one
ChangeResourceRecordSets batch per hosted zone deletes each record exactly
as read and creates it with the new weight, so a record that someone else
changed in between makes Route 53 reject the batch. The gate then waits for
INSYNC (exit code 6 when the policy's change_timeout passes first).

The gate ingests nothing: run cutover ingest first. Every run, executed or
not, is appended to the audit trail in the policy's state location, which
two gates never write at once, and mirrored into the table gate_decisions.

Exit codes: 0 GO (and the step taken with --execute), 1 an error, 2 usage,
3 HALT-FAIL (and any automatic rollback taken), 4 HALT-WAIT, 5 refused and
nothing changed (a record changed meanwhile, another gate run holds the
state, weights off the policy's steps or different between the record
pairs, or a state of another policy), 6 changed but INSYNC not confirmed.`,
		Example: `  cutover gate --policy policy.yaml
  cutover gate --policy policy.yaml --execute
  cutover gate --policy policy.yaml --plan-out change-batch.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGate(cmd.Context(), g, e, f, gate.ActionEvaluate)
		},
	}
	f.register(cmd, "the change that the decision calls for")
	cmd.Flags().StringVar(&f.mode, "mode", analyze.ModeVerify, "the ALB's mutual TLS mode: verify or passthrough, as for cutover analyze")
	cmd.Flags().BoolVar(&f.resume, "resume", false, "lift the hold that a rollback left, so that the gate may step forward again (saved only with --execute)")
	cmd.AddCommand(newGateRollbackCommand(g, e), newGateReplayCommand(g, e))
	return cmd
}

func newGateRollbackCommand(g *globals, e env) *cobra.Command {
	var f gateFlags
	var toNLB bool
	cmd := &cobra.Command{
		Use:   "rollback --policy FILE [--to-nlb] [--execute]",
		Short: "Move the Route 53 weights back to the previous step, or all to the NLB",
		Long: `Move the policy's weighted record pairs back to the previous step, or with
--to-nlb put all traffic on the NLB, with the same compare-and-swap batch,
INSYNC wait and audit entry as cutover gate. It is a dry run without
--execute. The checks are not evaluated, so no check can stop a rollback.
Weights off the policy's steps have no previous step: use --to-nlb there.
After a rollback the gate holds until cutover gate --resume --execute.

Exit codes: 0 done (or planned in a dry run), 1 an error, 2 usage, 5
refused and nothing changed, 6 changed but INSYNC not confirmed.`,
		Example: `  cutover gate rollback --policy policy.yaml --execute
  cutover gate rollback --policy policy.yaml --to-nlb --execute`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			action := gate.ActionRollback
			if toNLB {
				action = gate.ActionRollbackToNLB
			}
			return runGate(cmd.Context(), g, e, f, action)
		},
	}
	f.register(cmd, "the rollback")
	cmd.Flags().BoolVar(&toNLB, "to-nlb", false, "put all traffic on the NLB instead of going back one step")
	return cmd
}

// runGate loads the policy, builds the AWS clients and runs the gate once.
func runGate(ctx context.Context, g *globals, e env, f gateFlags, action gate.Action) error {
	if f.policyFile == "" {
		return newUsageError("cutover gate --policy policy.yaml", "--policy is missing: the gate needs a policy with a gate section")
	}
	if f.mode == "" {
		f.mode = analyze.ModeVerify
	}
	if f.mode != analyze.ModeVerify && f.mode != analyze.ModePassthrough {
		return newUsageError("--mode verify", "invalid --mode %q: use verify or passthrough", f.mode)
	}
	pol, err := policy.Load(f.policyFile)
	if err != nil {
		return &exitCodeError{code: exitUsage, err: err}
	}
	section, err := pol.RequireGate()
	if err != nil {
		return &exitCodeError{code: exitUsage, err: err}
	}

	cfg, err := ingest.LoadAWSConfig(ctx, g.endpointURL)
	if err != nil {
		return err
	}
	caller, err := callerIdentity(ctx, sts.NewFromConfig(cfg))
	if err != nil {
		return err
	}
	stateStore, err := state.Open(ctx, section.State, s3.NewFromConfig(cfg))
	if err != nil {
		return &exitCodeError{code: exitUsage, err: err}
	}
	// A missing database is not created: an empty one would only ever make
	// the gate wait. The analysis reports it instead, and a rollback, which
	// judges nothing, mirrors its audit entry only when the database exists.
	var db *store.DB
	if _, err := os.Stat(g.db); err == nil {
		db, err = openStore(ctx, g, store.Options{Path: g.db, Wait: f.wait})
		if err != nil {
			return err
		}
		defer db.Close()
	}

	deps := gate.Deps{
		Route53:   route53.NewFromConfig(cfg),
		State:     stateStore,
		Evaluator: storeEvaluator{db: db, policy: pol, mode: f.mode},
		Caller:    caller,
		Now:       e.now,
	}
	report, err := gate.Run(ctx, gateConfig(pol, section), deps, gate.Options{Action: action, Execute: f.execute, Resume: f.resume})
	if err != nil {
		return err
	}
	if db == nil {
		g.log.Info("gate_decisions not updated: the database does not exist", "db", g.db)
	} else if err := mirrorGateDecisions(ctx, db, stateStore, section.State); err != nil {
		g.log.Warn("gate_decisions not updated", "db", g.db, "err", err)
	}
	if report.Plan != nil && f.planOut != "" {
		if err := writePlanFiles(f.planOut, *report.Plan); err != nil {
			return err
		}
	}
	if err := writeGateReport(e.stdout, g.output, report, section.State); err != nil {
		return err
	}
	if report.Code != gate.CodeOK {
		return &exitCodeError{code: int(report.Code)}
	}
	return nil
}

// gateConfig turns the policy's gate section into the gate's terms.
func gateConfig(pol policy.Policy, section *policy.Gate) gate.Config {
	cfg := gate.Config{
		Policy:      pol.Name,
		RollbackOn:  section.RollbackOn,
		TotalWeight: section.TotalWeight,
		Apply:       gate.ApplyOptions{Timeout: section.ChangeTimeout, PollInterval: section.PollInterval},
	}
	if cfg.Policy == "" {
		cfg.Policy = "default"
	}
	for _, r := range section.Records {
		for _, typ := range r.Types {
			cfg.Sets = append(cfg.Sets, gate.RecordSet{ZoneID: r.ZoneID, Name: r.Name, Type: typ,
				NLBSetIdentifier: r.NLBSetIdentifier, ALBSetIdentifier: r.ALBSetIdentifier})
		}
	}
	for i, step := range section.Steps {
		cfg.Steps = append(cfg.Steps, gate.Step{Percent: step.Weight, Bake: section.BakeFor(i)})
	}
	return cfg
}

// stsAPI is the part of the STS client that the gate calls.
type stsAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

func callerIdentity(ctx context.Context, client stsAPI) (gate.Caller, error) {
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return gate.Caller{}, fmt.Errorf("find the caller's identity with STS GetCallerIdentity: %w", err)
	}
	return gate.Caller{ARN: aws.ToString(out.Arn), Account: aws.ToString(out.Account)}, nil
}

// storeEvaluator analyzes a window of the database under the policy.
type storeEvaluator struct {
	db     *store.DB
	policy policy.Policy
	mode   string
}

func (s storeEvaluator) Evaluate(ctx context.Context, from, to time.Time, albPercent int, baseline *analyze.Window) (analyze.Result, error) {
	if s.db == nil {
		return analyze.Result{}, errors.New("the database does not exist: run cutover ingest first, or give --db")
	}
	settle := s.policy.Analyze.Window.Settle
	judged := analyze.Window{From: from, To: to.Add(-settle)}
	if !judged.From.Before(judged.To) {
		return analyze.Result{Verdict: analyze.Wait, Window: judged, Mode: s.mode, Checks: []analyze.Check{{
			Name: "settle", Verdict: analyze.Wait,
			Sentence: fmt.Sprintf("The step began %s ago, and the newest %s of logs are never judged because they are still arriving.",
				to.Sub(from).Round(time.Second), settle),
		}}}, nil
	}
	if b := s.policy.Analyze.Baseline; b.IsSet() {
		baseline = &analyze.Window{From: b.From, To: b.To}
	}
	in, err := s.db.AnalyzeInputs(ctx, judged, s.mode, baseline)
	if err != nil {
		return analyze.Result{}, err
	}
	return analyze.Evaluate(in, analyze.Options{Policy: s.policy, Now: to, ALBWeight: float64(albPercent)})
}

// mirrorGateDecisions copies the state's audit trail into gate_decisions.
func mirrorGateDecisions(ctx context.Context, db *store.DB, st state.Store, location string) error {
	current, _, err := st.Load(ctx)
	if err != nil {
		return err
	}
	rows := make([]store.GateDecision, 0, len(current.Audit))
	for i, entry := range current.Audit {
		checks, err := json.Marshal(entry.Checks)
		if err != nil {
			return err
		}
		rows = append(rows, store.GateDecision{
			Seq: i, Time: entry.Time, Kind: string(entry.Kind), Verdict: string(entry.Verdict), Executed: entry.Executed,
			ALBShareBefore: entry.Before.ALBPercent(), ALBShareAfter: entry.After.ALBPercent(),
			NLBWeightBefore: entry.Before.NLB, ALBWeightBefore: entry.Before.ALB,
			NLBWeightAfter: entry.After.NLB, ALBWeightAfter: entry.After.ALB,
			Outcome: string(entry.Outcome), ChangeIDs: entry.ChangeID, CallerARN: entry.CallerARN, CallerAccount: entry.CallerAccount,
			Checks: string(checks), Message: entry.Message, ExitCode: entry.ExitCode,
		})
	}
	return db.ReplaceGateDecisions(ctx, location, rows)
}

// writePlanFiles writes one change batch file per hosted zone: path itself
// for one zone, and path with the zone ID before the extension for more.
func writePlanFiles(path string, plan gate.Plan) error {
	for _, batch := range plan.Batches {
		name := path
		if len(plan.Batches) > 1 {
			ext := filepath.Ext(path)
			name = strings.TrimSuffix(path, ext) + "-" + batch.ZoneID + ext
		}
		data, err := batch.CLIJSON()
		if err != nil {
			return err
		}
		if err := os.WriteFile(name, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("write --plan-out: %w", err)
		}
	}
	return nil
}

// gateOutput is a gate run as --output json prints it.
type gateOutput struct {
	Time          time.Time         `json:"time"`
	Verdict       string            `json:"verdict"`
	FromPercent   int               `json:"from_percent"`
	ToPercent     int               `json:"to_percent"`
	Rollback      bool              `json:"rollback"`
	BakeRemaining float64           `json:"bake_remaining_seconds"`
	Reasons       []string          `json:"reasons"`
	Notes         []string          `json:"notes"`
	Window        *analyze.Window   `json:"window,omitempty"`
	Checks        []analyze.Check   `json:"checks"`
	Executed      bool              `json:"executed"`
	Outcome       string            `json:"outcome"`
	ChangeIDs     []string          `json:"change_ids"`
	Message       string            `json:"message"`
	ExitCode      int               `json:"exit_code"`
	StateLocation string            `json:"state_location"`
	CallerARN     string            `json:"caller_arn"`
	Plan          []json.RawMessage `json:"plan,omitempty"`
}

func newGateOutput(r gate.Report, location string) (gateOutput, error) {
	out := gateOutput{
		Time: r.Time, Verdict: string(r.Entry.Verdict), FromPercent: r.Decision.From, ToPercent: r.Decision.To,
		Rollback: r.Decision.Rollback, BakeRemaining: r.Decision.BakeRemaining.Seconds(),
		Reasons: r.Decision.Reasons, Notes: r.Notes, Checks: []analyze.Check{},
		Executed: r.Entry.Executed, Outcome: string(r.Entry.Outcome), ChangeIDs: []string{},
		Message: r.Entry.Message, ExitCode: r.Entry.ExitCode, StateLocation: location, CallerARN: r.Entry.CallerARN,
	}
	if r.Analysis != nil {
		out.Checks = r.Analysis.Checks
		out.Window = &r.Analysis.Window
	}
	if r.Result != nil {
		out.ChangeIDs = append(out.ChangeIDs, r.Result.ChangeIDs...)
	}
	if r.Plan != nil {
		for _, b := range r.Plan.Batches {
			data, err := b.CLIJSON()
			if err != nil {
				return gateOutput{}, err
			}
			out.Plan = append(out.Plan, data)
		}
	}
	return out, nil
}

// writeGateReport prints a gate run.
func writeGateReport(w io.Writer, format string, r gate.Report, location string) error {
	out, err := newGateOutput(r, location)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		t := table{columns: []string{"time", "verdict", "from_percent", "to_percent", "executed", "outcome", "exit_code", "message"}}
		t.rows = append(t.rows, []any{out.Time, out.Verdict, out.FromPercent, out.ToPercent, out.Executed, out.Outcome, out.ExitCode, out.Message})
		return t.write(w, "csv")
	}

	fmt.Fprintf(w, "Gate: %s at %d %% on the ALB", out.Verdict, out.FromPercent)
	if out.ToPercent != out.FromPercent {
		fmt.Fprintf(w, ", next %d %%", out.ToPercent)
	}
	fmt.Fprintln(w)
	if out.Window != nil {
		fmt.Fprintf(w, "Window: %s to %s\n", out.Window.From.Format(time.RFC3339), out.Window.To.Format(time.RFC3339))
	}
	if len(out.Checks) > 0 {
		t := table{columns: []string{"check", "verdict", "alb", "nlb", "margin"}}
		for _, c := range out.Checks {
			t.rows = append(t.rows, []any{c.Name, string(c.Verdict), c.ALB, c.NLB, c.Margin})
		}
		fmt.Fprintln(w)
		if err := t.write(w, "table"); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	for _, line := range append(append([]string{}, out.Notes...), out.Reasons...) {
		fmt.Fprintf(w, "- %s\n", line)
	}
	switch {
	case r.Result != nil:
		fmt.Fprintf(w, "Change: %s. %s\n", out.Outcome, r.Result.Message)
	case r.Plan != nil:
		fmt.Fprintf(w, "Dry run: nothing changed; --execute moves the ALB from %d %% to %d %%.\n", r.Plan.FromPercent, r.Plan.ToPercent)
	case out.Outcome == string(state.OutcomeRefused) || out.Verdict == string(state.VerdictError):
		fmt.Fprintf(w, "%s\n", out.Message)
	}
	fmt.Fprintf(w, "Recorded in %s by %s.\n", location, out.CallerARN)
	return nil
}
