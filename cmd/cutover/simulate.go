package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/sim"
)

func newSimulateCommand(g *globals, e env) *cobra.Command {
	var (
		out      string
		start    string
		duration time.Duration
		weight   int
		clients  int
		scale    float64
		seed     uint64
		scenario string
		list     bool
	)
	cmd := &cobra.Command{
		Use:   "simulate --out DIR [--scenario NAME]",
		Short: "Write simulated ALB and nginx logs of both paths, gzip objects in the S3 key layout",
		Long: `Simulate a migration step and write its logs as gzip objects: the ALB's
access and connection logs laid out under DIR as ELB lays them out in S3, and
under DIR/terminators/ the nginx access and error logs of the three instances
behind the NLB, health checks included. Clients with certificates from
several CAs sit behind DNS resolvers that pin them to one path for a TTL;
request rates follow the day; failed handshakes are retried. The output is
the same for the same flags, and the printed summary is the ground truth to
compare an ingest with.

Under DIR/trust-store/ it also writes the PEM files of the clients' PKI:
alb-ca-bundle.pem and alb-crl-1.pem, alb-crl-2.pem, ... hold the ALB's trust
store, and terminator-ca-bundle.pem the CA bundle of nginx on the
terminators. The ALB bundle lacks the Fabrikam issuing CA and its
intermediate CA, so Fabrikam clients, which do not send them, are untrusted
there. The CA keys are new on each run, so these files differ between runs
of the same flags although their subjects and revoked serials do not.

--scenario NAME simulates a named fault scenario, such as an ALB trust store
that lacks an intermediate CA, and prints its truth (whether the ALB path has
a fault, the failing cohort and the tls_verify_status the ALB logs for it)
before the summary. --alb-weight, --clients and --rate-scale change a
scenario only when given. --scenario list or --list-scenarios lists the
scenarios.`,
		Example: `  cutover simulate --out ./logs
  cutover simulate --out ./logs --start 2026-12-03 --duration 6h --alb-weight 25
  cutover simulate --list-scenarios
  cutover simulate --out ./logs --scenario missing-intermediate --duration 6h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list || scenario == "list" {
				return scenarioTable().write(e.stdout, g.output)
			}
			if out == "" {
				return newUsageError("cutover simulate --out ./logs", "--out is required")
			}
			begin := e.now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
			if start != "" {
				t, err := parseTimeFlag(start)
				if err != nil {
					return newUsageError("--start 2026-12-03", "invalid --start %q: use an RFC 3339 time or a date", start)
				}
				begin = t
			}
			cfg := sim.DefaultConfig(begin)
			cfg.Duration = duration
			cfg.ALBWeight = weight
			cfg.Clients = clients
			cfg.RateScale = scale
			cfg.Seed = seed
			var truth *sim.Scenario
			if scenario != "" {
				c, s, err := sim.ScenarioConfig(scenario, begin, duration, seed)
				if errors.Is(err, sim.ErrUnknownScenario) {
					return newUsageError("cutover simulate --list-scenarios",
						"unknown scenario %q: use one of %s", scenario, strings.Join(sim.ScenarioNames(), ", "))
				}
				if err != nil {
					return err
				}
				flags := cmd.Flags()
				if flags.Changed("alb-weight") {
					c.ALBWeight = weight
				}
				if flags.Changed("clients") {
					c.Clients = clients
				}
				if flags.Changed("rate-scale") {
					c.RateScale = scale
				}
				cfg, truth = c, &s
			}
			if err := cfg.Validate(); err != nil {
				return newUsageError("cutover simulate --help", "%v", err)
			}
			g.log.Info("simulating", "start", begin.Format(time.RFC3339), "duration", duration, "alb_weight", cfg.ALBWeight,
				"scenario", scenario, "out", out)
			sum, err := sim.Run(cmd.Context(), cfg, sim.DirWriter{Root: out})
			if err != nil {
				return err
			}
			trustDir := filepath.Join(out, "trust-store")
			crls, err := writeTrustStores(trustDir, &cfg)
			if err != nil {
				return err
			}
			g.log.Info("wrote trust stores", "dir", trustDir, "alb_crls", crls)
			t := table{columns: []string{"measure", "value"}}
			add := func(name string, v any) { t.rows = append(t.rows, []any{name, v}) }
			if truth != nil {
				add("scenario", truth.Name)
				add("scenario_description", truth.Description)
				add("scenario_fault", truth.Fault)
				add("scenario_cohort", truth.Cohort)
				add("scenario_alb_reason", truth.ALBReason)
				add("scenario_latency", truth.Latency)
				add("scenario_low_traffic", truth.LowTraffic)
			}
			add("access_objects", sum.AccessObjects)
			add("connection_objects", sum.ConnectionObjects)
			add("control_objects", sum.ControlObjects)
			// Line counts include the malformed lines, as a line count of
			// the files does; the well-formed ones are the rows ingest loads.
			add("access_lines", sum.AccessLines+sum.MalformedAccess.Total())
			add("malformed_access_lines", sum.MalformedAccess.Total())
			add("connection_lines", sum.ConnectionLines+sum.MalformedConnection.Total())
			add("malformed_connection_lines", sum.MalformedConnection.Total())
			add("alb_connections", sum.ALB.Connections)
			add("alb_failed_connections", sum.ALB.FailedConnections)
			add("alb_identities", sum.ALB.Identities)
			add("nlb_connections", sum.NLB.Connections)
			add("nlb_unlogged_connections", sum.NLB.UnloggedConnections)
			add("nlb_identities", sum.NLB.Identities)
			var access, errorLines, healthChecks int
			for _, term := range sum.Terminators {
				access += term.AccessLines
				errorLines += term.ErrorLines
				healthChecks += term.HealthChecks
			}
			add("terminator_instances", len(sum.Terminators))
			add("nginx_access_lines", access)
			add("nginx_error_lines", errorLines)
			add("nlb_health_checks", healthChecks)
			return t.write(e.stdout, g.output)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to write the objects under")
	cmd.Flags().StringVar(&start, "start", "", "simulated start time, RFC 3339 or date, UTC (default: yesterday 00:00 UTC)")
	cmd.Flags().DurationVar(&duration, "duration", 24*time.Hour, "simulated time span")
	cmd.Flags().IntVar(&weight, "alb-weight", 10, "Route 53 weight of the ALB record, 0 to 100; the NLB gets the rest")
	cmd.Flags().IntVar(&clients, "clients", 300, "number of client certificate identities")
	cmd.Flags().Float64Var(&scale, "rate-scale", 1, "factor on every client's request rate")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the simulated population and traffic")
	cmd.Flags().StringVar(&scenario, "scenario", "", "named fault scenario to simulate, or list to list them")
	cmd.Flags().BoolVar(&list, "list-scenarios", false, "list the named scenarios and their truth, and exit")
	return cmd
}

// writeTrustStores builds the PKI of cfg's population and writes into dir
// the ALB's CA bundle and CRLs and the terminators' CA bundle, as PEM. It
// returns the number of ALB CRL files.
func writeTrustStores(dir string, cfg *sim.Config) (int, error) {
	pki, err := sim.NewPKI(cfg)
	if err != nil {
		return 0, fmt.Errorf("build the simulated PKI: %w", err)
	}
	files := map[string][]byte{
		"alb-ca-bundle.pem":        pki.CABundle(cfg.ALBTrust),
		"terminator-ca-bundle.pem": pki.CABundle(cfg.TerminatorTrust),
	}
	crls := pki.CRLs(cfg.ALBTrust)
	for i, crl := range crls {
		files[fmt.Sprintf("alb-crl-%d.pem", i+1)] = crl
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("create trust store folder: %w", err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return 0, fmt.Errorf("write trust store file: %w", err)
		}
	}
	return len(crls), nil
}

// scenarioTable returns the named scenarios and their truth, one per row.
func scenarioTable() table {
	t := table{columns: []string{"scenario", "fault", "cohort", "alb_reason", "latency", "low_traffic", "description"}}
	for _, s := range sim.Scenarios() {
		t.rows = append(t.rows, []any{s.Name, s.Fault, s.Cohort, s.ALBReason, s.Latency, s.LowTraffic, s.Description})
	}
	return t
}
