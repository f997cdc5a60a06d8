package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/aws"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/internal/decommission"
	"github.com/cutover-dev/cutover/internal/gate/state"
	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/store"
	"github.com/cutover-dev/cutover/queries"
)

// nlbOnlyQuery is the named query of the clients seen only on the NLB.
const nlbOnlyQuery = "decommission_nlb_only_clients"

func newDecommissionCommand(g *globals, e env) *cobra.Command {
	var (
		policyFile string
		execute    bool
		confirm    string
		stopOnly   bool
		wait       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "decommission --policy FILE [--execute --confirm NLB_NAME]",
		Short: "Remove the NLB and its terminator instances, only when it is provably safe",
		Long: `Check that the NLB can go, and print the plan: every resource it would touch
and every one it leaves alone, with the reason. The checks:

  nlb_weight_zero      the NLB's weighted records have had weight 0 for longer
                       than their TTL plus the policy's drain_time
  nlb_flow_metrics     CloudWatch has the NLB's NewFlowCount in this region
  nlb_new_flows        new flows stayed at or under background_new_flows per
                       minute for the drain time
  nlb_only_clients     no client identity was seen only on the NLB in the
                       policy's look_back (named query ` + nlbOnlyQuery + `)
  other_dns_records    no other record in the policy's zones points at the NLB
  privatelink          no VPC endpoint service uses the NLB
  elastic_ips          no Elastic IP on its subnet mappings, which clients may
                       allow-list
  deletion_protection  the NLB's deletion protection is off

With --execute --confirm NLB_NAME it writes a snapshot of the NLB (listeners,
target groups with attributes and targets, attributes, tags) to the policy's
snapshot_dir first, then deletes the NLB's weighted records with a
compare-and-swap batch, the NLB, its target groups that no other load
balancer uses, and terminates (--stop-only: stops) the instances that are in
no other target group, no Auto Scaling group and have no termination
protection. IP targets are listed, never touched. It stops at the first
failure and reports what was done and what was not; a rerun finishes the
job, from the newest snapshot once the NLB is gone.

Exit codes: 0 the plan passes every check (and with --execute, every step
was done and recorded), 1 a step failed, or AWS, the database or the audit
trail could not be read or written, 2 usage (a policy without its gate or
decommission section, --execute without --confirm, --confirm without
--execute, --stop-only different from the snapshot's plan when resuming), 5
a check failed, the confirmation name differs, or the gate state belongs to
another policy: nothing changed in AWS.`,
		Example: `  cutover decommission --policy policy.yaml
  cutover decommission --policy policy.yaml --execute --confirm partner-api-nlb`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if policyFile == "" {
				return newUsageError("cutover decommission --policy policy.yaml", "--policy is missing: the decommission needs a policy with gate and decommission sections")
			}
			if execute && confirm == "" {
				return newUsageError("cutover decommission --policy policy.yaml --execute --confirm NLB_NAME",
					"--execute needs --confirm with the NLB's name, because nothing it deletes can be restored")
			}
			if !execute && confirm != "" {
				return newUsageError("cutover decommission --policy policy.yaml --execute --confirm "+confirm,
					"--confirm goes with --execute: without --execute nothing changes, so there is nothing to confirm")
			}
			pol, err := policy.Load(policyFile)
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}
			section, err := pol.RequireDecommission()
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}
			gateSection, err := pol.RequireGate()
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}
			now := e.now().UTC()

			cfg, err := ingest.LoadAWSConfig(ctx, g.endpointURL)
			if err != nil {
				return err
			}
			clients := decommission.Clients{
				ELBv2:      elbv2.NewFromConfig(cfg),
				EC2:        ec2.NewFromConfig(cfg),
				CloudWatch: cloudwatch.NewFromConfig(cfg),
				Route53:    route53.NewFromConfig(cfg),
			}
			gateCfg := gateConfig(pol, gateSection)

			inv, err := decommission.ReadInventory(ctx, clients, section.LoadBalancer)
			if errors.Is(err, decommission.ErrLoadBalancerNotFound) {
				stateStore, err := state.Open(ctx, gateSection.State, s3.NewFromConfig(cfg))
				if err != nil {
					return &exitCodeError{code: exitUsage, err: err}
				}
				return resumeDecommission(ctx, e, g, clients, section, resumeOptions{
					confirm: confirm, execute: execute, stopOnly: stopOnly, region: cfg.Region, location: gateSection.State}, stateStore)
			}
			if err != nil {
				return err
			}
			records, err := decommission.ReadRecords(ctx, clients.Route53, gateCfg.Sets)
			if err != nil {
				return err
			}
			stateStore, err := state.Open(ctx, gateSection.State, s3.NewFromConfig(cfg))
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}
			st, _, err := stateStore.Load(ctx)
			if err != nil {
				return err
			}
			// The gate does the same check, because the nlb_zero_since of
			// another policy's state is another migration's.
			if st.Policy != "" && st.Policy != gateCfg.Policy {
				return &exitCodeError{code: exitRefused, err: fmt.Errorf(
					"the gate state at %s belongs to policy %q, not %q: set the gate section's state to the location that cutover gate uses for this policy",
					gateSection.State, st.Policy, gateCfg.Policy)}
			}
			nlbOnly, problem, err := nlbOnlyClients(ctx, g, wait, now.Add(-section.LookBack), now)
			if err != nil {
				return err
			}

			checks, err := decommission.RunChecks(ctx, clients, inv, decommission.CheckInput{
				Settings: *section, Zones: pol.DecommissionZones(), Records: records,
				NLBZeroSince: st.NLBZeroSince, NLBOnlyClients: nlbOnly, ClientDataProblem: problem, Now: now,
			})
			if err != nil {
				return err
			}
			plan := decommission.BuildPlan(inv, records, checks, decommission.PlanOptions{StopOnly: stopOnly, Now: now})
			if !execute {
				if err := writeDecommission(e.stdout, g.output, plan, nil, false); err != nil {
					return err
				}
				if len(decommission.Failed(checks)) > 0 {
					return &exitCodeError{code: exitRefused}
				}
				return nil
			}
			return executeDecommission(ctx, e, g, clients, plan, section, confirm, stateStore, gateSection.State, false)
		},
	}
	cmd.Flags().StringVar(&policyFile, "policy", "", "policy file with gate and decommission sections, as docs/policy.md describes (required)")
	cmd.Flags().BoolVar(&execute, "execute", false, "delete and terminate as planned; without it nothing changes")
	cmd.Flags().StringVar(&confirm, "confirm", "", "the NLB's name, required with --execute")
	cmd.Flags().BoolVar(&stopOnly, "stop-only", false, "stop the candidate instances instead of terminating them")
	cmd.Flags().DurationVar(&wait, "wait", 0, "maximum time to wait for another process to release the database, such as 30s")
	return cmd
}

// albStaleAfter is the largest age of the newest ALB connection in the
// database that the nlb_only_clients check trusts. ALB logs arrive every 5
// minutes, so an hour without one means the logs were not ingested.
const albStaleAfter = time.Hour

// nlbOnlyClients runs the named query of the clients seen only on the NLB
// over the look-back and returns their names. The second result is a
// sentence on why the database cannot decide, or "". The database must hold
// ALB connections from the last hour and reach back to the look-back's
// start.
func nlbOnlyClients(ctx context.Context, g *globals, wait time.Duration, from, to time.Time) ([]string, string, error) {
	if _, err := os.Stat(g.db); err != nil {
		return nil, "", fmt.Errorf("database %s does not exist: the nlb_only_clients check needs the ingested logs of both paths", g.db)
	}
	q, ok := queries.Lookup(nlbOnlyQuery)
	if !ok {
		return nil, "", fmt.Errorf("named query %s is missing from this build", nlbOnlyQuery)
	}
	db, err := openStore(ctx, g, store.Options{Path: g.db, ReadOnly: true, Wait: wait})
	if err != nil {
		return nil, "", err
	}
	defer db.Close()

	span, err := db.Query(ctx, `SELECT min(time), max(time) FILTER (WHERE path = 'alb') FROM tls_handshakes`)
	if err != nil {
		return nil, "", fmt.Errorf("read the time span of %s: %w", g.db, err)
	}
	oldest, _ := span.Rows[0][0].(time.Time)
	newestALB, _ := span.Rows[0][1].(time.Time)
	problem := ""
	switch {
	case newestALB.IsZero():
		problem = fmt.Sprintf("%s holds no ALB connection, so it cannot show which clients moved: ingest the ALB's logs first.", g.db)
	case newestALB.Before(to.Add(-albStaleAfter)):
		problem = fmt.Sprintf("The newest ALB connection in %s is from %s, more than %s ago: ingest the latest logs of both paths first.",
			g.db, newestALB.UTC().Format(time.RFC3339), albStaleAfter)
	case oldest.After(from):
		problem = fmt.Sprintf("%s starts at %s, after the look-back's start %s: ingest the logs from then on, or shorten look_back.",
			g.db, oldest.UTC().Format(time.RFC3339), from.Format(time.RFC3339))
	}

	res, err := db.QueryWindow(ctx, store.Window{From: from, To: to}, q.SQL)
	if err != nil {
		return nil, "", fmt.Errorf("query %s on %s: %w", nlbOnlyQuery, g.db, err)
	}
	var names []string
	for _, row := range res.Rows {
		names = append(names, stringValue(row[0]))
	}
	return names, problem, nil
}

// executeDecommission carries out a plan and prints its report.
func executeDecommission(ctx context.Context, e env, g *globals, clients decommission.Clients, plan *decommission.Plan,
	section *policy.Decommission, confirm string, stateStore state.Store, location string, resumed bool) error {
	report, err := decommission.Execute(ctx, clients, plan, decommission.ExecuteOptions{
		Confirm: confirm, SnapshotDir: section.SnapshotDir, Now: e.now,
	})
	if writeErr := writeDecommission(e.stdout, g.output, plan, report, resumed); writeErr != nil {
		return writeErr
	}
	result := &exitCodeError{code: exitOK}
	switch {
	case errors.Is(err, decommission.ErrRejected):
		result = &exitCodeError{code: exitRefused, err: err}
	case err != nil:
		result = &exitCodeError{code: exitError, err: err}
	default:
		for _, r := range report.Results {
			if r.Status == decommission.StatusFailed {
				result = &exitCodeError{code: exitError, err: fmt.Errorf("%s %s failed: %w", r.Step, r.Resource, r.Err)}
				break
			}
		}
	}
	if auditErr := auditDecommission(ctx, e, stateStore, plan, report, result.code); auditErr != nil {
		if result.code == exitOK {
			return fmt.Errorf("every step was done, but the audit trail could not be written: %w", auditErr)
		}
		g.log.Warn("decommission not recorded in the gate's audit trail", "err", auditErr)
	} else {
		mirrorDecommission(ctx, g, stateStore, location)
	}
	if result.code == exitOK {
		return nil
	}
	return result
}

// mirrorDecommission copies the audit trail, with the run just recorded,
// into the database's gate_decisions, where cutover report finds it. A
// missing database or a failed copy is logged: the trail itself is written.
func mirrorDecommission(ctx context.Context, g *globals, stateStore state.Store, location string) {
	if _, err := os.Stat(g.db); err != nil {
		g.log.Info("gate_decisions not updated: the database does not exist", "db", g.db)
		return
	}
	db, err := openStore(ctx, g, store.Options{Path: g.db})
	if err == nil {
		defer db.Close()
		err = mirrorGateDecisions(ctx, db, stateStore, location)
	}
	if err != nil {
		g.log.Warn("gate_decisions not updated", "db", g.db, "err", err)
	}
}

// planWeights returns the weights of the plan's first record pair as read,
// with 0 for a record that no longer exists.
func planWeights(plan *decommission.Plan) state.RecordWeights {
	var w state.RecordWeights
	if len(plan.Records) == 0 {
		return w
	}
	pair := plan.Records[0]
	if pair.ALB != nil {
		w.ALB = aws.ToInt64(pair.ALB.Weight)
	}
	if pair.NLB != nil {
		w.NLB = aws.ToInt64(pair.NLB.Weight)
	}
	return w
}

// auditDecommission appends the run's step results to the gate state's
// audit trail.
func auditDecommission(ctx context.Context, e env, stateStore state.Store, plan *decommission.Plan, report *decommission.Report, code int) error {
	outcome := state.OutcomeApplied
	switch code {
	case exitRefused:
		outcome = state.OutcomeRefused
	case exitError:
		outcome = state.OutcomeFailed
	}
	var lines []string
	if report != nil {
		for _, r := range report.Results {
			line := fmt.Sprintf("%s %s: %s", r.Step, r.Resource, r.Status)
			if r.Message != "" {
				line += " (" + r.Message + ")"
			}
			lines = append(lines, line)
		}
	}
	// The NLB records have weight 0, so the weights are the same before and
	// after their deletion.
	weights := planWeights(plan)
	entry := state.Entry{
		Time: e.now().UTC(), Kind: state.EntryDecommission, Executed: code != exitRefused, Outcome: outcome,
		Before: weights, After: weights,
		Message:  fmt.Sprintf("Decommission of %s. %s.", plan.LoadBalancerName, strings.Join(lines, "; ")),
		ExitCode: code,
	}
	_, _, err := state.Update(ctx, stateStore, func(s *state.State) error {
		s.Append(entry)
		return nil
	})
	return err
}

// resumeOptions are the command-line choices that a resumed run checks
// against the snapshot.
type resumeOptions struct {
	confirm  string
	execute  bool
	stopOnly bool
	// region is the region of the AWS clients.
	region string
	// location is the gate state's location, which gate_decisions rows
	// name.
	location string
}

// resumeDecommission finishes a decommission whose NLB is gone, from the
// newest snapshot.
func resumeDecommission(ctx context.Context, e env, g *globals, clients decommission.Clients, section *policy.Decommission,
	opts resumeOptions, stateStore state.Store) error {
	name := decommission.LoadBalancerName(section.LoadBalancer)
	snap, err := decommission.LatestSnapshot(section.SnapshotDir, name)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("load balancer %s not found in %s, and %s has no snapshot of it: nothing to decommission",
			name, opts.region, section.SnapshotDir)
	}
	if err != nil {
		return err
	}
	// A snapshot of another region's NLB would make every step look done.
	if region := arnRegion(snap.Plan.LoadBalancerARN); region != "" && region != opts.region {
		return fmt.Errorf("load balancer %s not found in %s, and its snapshot is of %s in %s: run the command with that region",
			name, opts.region, snap.Plan.LoadBalancerARN, region)
	}
	if opts.stopOnly != snap.Plan.StopOnly {
		want := "without --stop-only"
		if snap.Plan.StopOnly {
			want = "with --stop-only"
		}
		return newUsageError("cutover decommission --policy FILE --execute --confirm "+name,
			"the run that deleted %s planned its instances %s: finish it %s, because the plan cannot change once the NLB is gone",
			name, instanceVerb(snap.Plan.StopOnly), want)
	}
	g.log.Info("the NLB is gone: resuming from its snapshot", "load_balancer", name, "snapshot_time", snap.CreatedAt)
	if !opts.execute {
		return writeDecommission(e.stdout, g.output, snap.Plan, nil, true)
	}
	return executeDecommission(ctx, e, g, clients, snap.Plan, section, opts.confirm, stateStore, opts.location, true)
}

// arnRegion returns the region field of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[3]
}

func instanceVerb(stopOnly bool) string {
	if stopOnly {
		return "stopped"
	}
	return "terminated"
}

// writeDecommission prints the checks, the plan and, after an execution,
// the report.
func writeDecommission(w io.Writer, format string, plan *decommission.Plan, report *decommission.Report, resumed bool) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Plan   *decommission.Plan   `json:"plan"`
			Report *decommission.Report `json:"report,omitempty"`
		}{plan, report})
	case "csv":
		if report != nil {
			t := table{columns: []string{"step", "resource", "status", "message"}}
			for _, r := range report.Results {
				t.rows = append(t.rows, []any{r.Step, r.Resource, string(r.Status), r.Message})
			}
			return t.write(w, "csv")
		}
		t := table{columns: []string{"kind", "id", "name", "action", "reason"}}
		for _, r := range plan.Resources {
			t.rows = append(t.rows, []any{string(r.Kind), r.ID, r.Name, string(r.Action), r.Reason})
		}
		return t.write(w, "csv")
	}

	checks := table{columns: []string{"check", "result", "message"}}
	for _, c := range plan.Checks {
		result := "PASS"
		if !c.Passed {
			result = "FAIL"
		}
		checks.rows = append(checks.rows, []any{c.Name, result, c.Message})
	}
	fmt.Fprintf(w, "Decommission of %s\n\n", plan.LoadBalancerName)
	if resumed {
		fmt.Fprintf(w, "%s no longer exists: this is the plan of its snapshot from %s. The steps it did not finish run with --execute --confirm %s.\n\n",
			plan.LoadBalancerName, plan.CreatedAt.Format(time.RFC3339), plan.LoadBalancerName)
	}
	if len(checks.rows) > 0 {
		if err := checks.write(w, "table"); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	resources := table{columns: []string{"action", "kind", "name", "id", "reason"}}
	for _, r := range plan.Resources {
		resources.rows = append(resources.rows, []any{string(r.Action), string(r.Kind), r.Name, r.ID, r.Reason})
	}
	if err := resources.write(w, "table"); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if report == nil && resumed {
		fmt.Fprintf(w, "Dry run: nothing changed. The checks above are the snapshot's, from before the first run.\n")
		return nil
	}
	if report == nil {
		if failed := decommission.Failed(plan.Checks); len(failed) > 0 {
			fmt.Fprintf(w, "Refused: %d check(s) failed, and nothing changes until they pass.\n", len(failed))
		} else {
			fmt.Fprintf(w, "Every check passes. Dry run: nothing changed; run again with --execute --confirm %s.\n", plan.LoadBalancerName)
		}
		return nil
	}
	steps := table{columns: []string{"step", "resource", "status", "message"}}
	for _, r := range report.Results {
		steps.rows = append(steps.rows, []any{r.Step, r.Resource, string(r.Status), r.Message})
	}
	if err := steps.write(w, "table"); err != nil {
		return err
	}
	if report.SnapshotFile != "" {
		fmt.Fprintf(w, "\nSnapshot: %s\n", report.SnapshotFile)
	}
	return nil
}
