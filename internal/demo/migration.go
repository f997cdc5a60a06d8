package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
	"github.com/cutover-dev/cutover/internal/simaws"
	"github.com/cutover-dev/cutover/internal/timefmt"
)

const (
	region      = "eu-west-1"
	logBucket   = "demo-alb-logs"
	stateBucket = "demo-cutover-state"
	// scenario is the simulator's scenario before the trust store is
	// fixed: the ALB rejects Fabrikam's clients, whose chains need
	// intermediate CAs that the ALB's trust store lacks.
	scenario = "missing-intermediate"
	// segment is how much traffic is simulated and ingested between two
	// gate runs.
	segment = 30 * time.Minute
	// storyLength bounds the simulated time of the story.
	storyLength = 12 * time.Hour
	// maxLineLength bounds the line printed for each gate run, in
	// characters.
	maxLineLength = 160
	// maxGateRuns bounds the gate's walk from 10 to 100 %.
	maxGateRuns = 24
)

// Exit codes of cutover that the story expects, as DESIGN.md lists them.
const (
	exitOK   = 0
	exitFail = 3
	exitWait = 4
)

// policyTemplate is the team's policy. The margins are wider than the
// defaults, as a team sets them for a first migration, so that the gate can
// judge each step within an hour of traffic.
const policyTemplate = `version: 1
name: partner-api
gate:
  records:
    - zone_id: %s
      name: %s
      types: [%s]
      nlb_set_identifier: %s
      alb_set_identifier: %s
  steps: [10, 25, 50, 75, 100]
  bake: 1h
  rollback_on: [clients_left_behind, new_failure_reason]
  state: s3://%s/partner-api/state.json
  change_timeout: 1m
  poll_interval: 1s
decommission:
  load_balancer: %s
  drain_time: 30m
  # A team keeps the default of 7 days, to see the clients that connect
  # once a week. The demo's database starts this morning, so it looks back
  # over the hour since the NLB's weight reached 0.
  look_back: 1h
  snapshot_dir: %s
analyze:
  margins:
    handshake_failure_rate: 0.01
    http_5xx_rate: 0.005
    response_header_time:
      p50: {ratio: 0.25, slack: 25ms}
      p90: {ratio: 0.25, slack: 50ms}
      p99: {ratio: 0.50, slack: 100ms}
    client_4xx_rate: 0.05
`

// migration is the state of a demo in progress.
type migration struct {
	opts    Options
	clock   *simClock
	srv     *loopback.Server
	writer  *simaws.Writer
	account simaws.Account
	cfg     sim.Config
	pki     *sim.PKI
	// trustStore and listener are the ARNs of the ALB's trust store and
	// its verify-mode listener.
	trustStore, listener  string
	db, policy, reportDir string
	// start is when the story begins, and at is the end of the traffic
	// simulated so far.
	start, at time.Time
	// albWeight is the ALB's weight in the records now.
	albWeight int
	// ingestedTo is the end of the terminator logs ingested so far.
	ingestedTo time.Time
	// echo makes runQuietly print the command lines of the ingest and
	// metrics commands.
	echo bool
	// restoreEnv undoes the environment that points the AWS SDK at the
	// loopback server.
	restoreEnv func()
}

func newMigration(ctx context.Context, opts Options) (*migration, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	// The story starts at 08:00 UTC and ends in the afternoon, as the
	// simulator's traffic rises to its peak at 14:00.
	start := opts.Day.UTC().Truncate(24 * time.Hour).Add(8 * time.Hour)
	m := &migration{
		opts: opts, clock: newSimClock(start), start: start, at: start, ingestedTo: start,
		db:        filepath.Join(dir, "cutover.duckdb"),
		policy:    filepath.Join(dir, "policy.yaml"),
		reportDir: filepath.Join(dir, "report"),
	}
	cfg, _, err := sim.ScenarioConfig(scenario, start, storyLength, 1)
	if err != nil {
		return nil, err
	}
	// Every stage simulates the same certificates.
	cfg.PopulationStart, cfg.PopulationDuration = start, storyLength
	cfg.Prefix = "partner-api"
	cfg.TerminatorLogEvents = true
	m.cfg = cfg
	// One PKI for the whole story, so that the CRLs are valid to its end.
	if m.pki, err = sim.NewPKI(&cfg); err != nil {
		return nil, err
	}

	m.srv, err = loopback.Start(loopback.Options{Region: region, Now: m.clock.Now})
	if err != nil {
		return nil, err
	}
	m.restoreEnv = setEnv(m.srv.Env())
	if m.writer, err = simaws.NewWriter(m.srv, logBucket, region); err != nil {
		m.close()
		return nil, err
	}
	if err := m.seed(dir); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

// seed adds the account's resources and writes the policy.
func (m *migration) seed(dir string) error {
	var err error
	if m.account, err = simaws.AddMigrationAccount(m.srv, &m.cfg, 0); err != nil {
		return err
	}
	ts, listener, err := simaws.AddTrustStore(m.srv, &m.cfg, m.pki)
	if err != nil {
		return err
	}
	m.trustStore, m.listener = ts.ARN, listener.ARN
	if err := m.srv.CreateBucket(stateBucket); err != nil {
		return err
	}
	a := m.account
	policy := fmt.Sprintf(policyTemplate, a.ZoneID, a.RecordName, a.RecordType, a.NLBSetIdentifier, a.ALBSetIdentifier,
		stateBucket, a.NLB.Name, filepath.Join(dir, "snapshots"))
	return os.WriteFile(m.policy, []byte(policy), 0o644)
}

func (m *migration) close() {
	if m.srv != nil {
		m.srv.Close()
	}
	if m.restoreEnv != nil {
		m.restoreEnv()
	}
}

// setEnv sets the variables "NAME=value" of env and returns a function that
// restores their earlier values.
func setEnv(env []string) func() {
	type earlier struct {
		value string
		set   bool
	}
	saved := map[string]earlier{}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		old, set := os.LookupEnv(name)
		saved[name] = earlier{old, set}
		os.Setenv(name, value)
	}
	return func() {
		for name, e := range saved {
			if e.set {
				os.Setenv(name, e.value)
			} else {
				os.Unsetenv(name)
			}
		}
	}
}

func (m *migration) play(ctx context.Context) (string, error) {
	a := m.account
	m.narrate("A loopback AWS account on %s: the NLB %s passes TCP through to %d nginx instances that verify client certificates, the ALB %s verifies them itself with the trust store %s, and the weighted alias records %s send all traffic to the NLB. The ALB's logs go to S3, nginx's to CloudWatch Logs, both load balancers' metrics to CloudWatch. The clock is simulated: the story starts at %s. The commands that call AWS reach the loopback server through AWS_ENDPOINT_URL, which the demo sets for itself only: run by hand, they would call the AWS account that your shell is configured for.",
		m.srv.URL, a.NLB.Name, len(a.Instances), a.ALB.Name, m.cfg.LoadBalancerName+"-clients", strings.TrimSuffix(a.RecordName, "."), m.start.Format("2006-01-02 15:04 MST"))

	// Before any traffic moves: the NLB path's evidence and preflight.
	if err := m.simulate(ctx, time.Hour); err != nil {
		return "", err
	}
	m.narrate("An hour of traffic, all on the NLB. Load the logs: the ALB's from S3 (none yet) and the nginx instances' from CloudWatch Logs, with the NLB's health checks told apart by their subnets.")
	m.echo = true
	if err := m.ingest(ctx); err != nil {
		return "", err
	}
	m.narrate("Before moving any traffic, check the NLB path's clients against the ALB's trust store. Preflight reads the trust store through the listener, and warns: one cohort's certificates chain to intermediate CAs that the trust store lacks.")
	if err := m.cutover(ctx, exitFail, "preflight", "--listener", m.listener, "--from", m.stamp(m.start), "--to", m.stamp(m.at)); err != nil {
		return "", err
	}

	m.narrate("The team goes ahead with the first step anyway, to see the ALB with real clients: the gate moves 10 %% of the weight to the ALB.")
	if err := m.cutover(ctx, exitOK, "gate", "--execute"); err != nil {
		return "", err
	}
	m.albWeight = 10

	if err := m.simulate(ctx, time.Hour); err != nil {
		return "", err
	}
	m.narrate("An hour at 10 %%. Load both paths' new logs and the load balancers' metrics.")
	if err := m.ingest(ctx); err != nil {
		return "", err
	}
	if err := m.pullMetrics(ctx); err != nil {
		return "", err
	}
	m.echo = false
	m.narrate("Analyze compares the two paths since the step, check by check.")
	if err := m.cutover(ctx, exitFail, "analyze", "--from", m.stamp(m.at.Add(-time.Hour)), "--to", m.stamp(m.at), "--alb-weight", "10"); err != nil {
		return "", err
	}
	m.narrate("The bake time is over, so the gate judges the step: it halts, names the cohort the ALB leaves behind and, because the policy rolls back on that check, puts all traffic back on the NLB.")
	if err := m.cutover(ctx, exitFail, "gate", "--execute"); err != nil {
		return "", err
	}
	m.albWeight = 0

	// The team fixes the trust store.
	fixed := m.cfg.ALBTrust
	fixed.Intermediates = true
	if err := m.srv.ELBv2.ModifyTrustStore(m.trustStore, m.pki.CABundle(fixed)); err != nil {
		return "", err
	}
	m.cfg.ALBTrust = fixed
	m.narrate("The team adds Fabrikam's intermediate CAs to the trust store (aws elbv2 modify-trust-store), and preflight finds no client that the NLB accepts and the ALB would reject.")
	if err := m.cutover(ctx, exitOK, "preflight", "--listener", m.listener, "--from", m.stamp(m.start), "--to", m.stamp(m.at)); err != nil {
		return "", err
	}

	m.narrate("The gate holds after a rollback until the team resumes it. It steps to 10 %% again.")
	if err := m.cutover(ctx, exitOK, "gate", "--resume", "--execute"); err != nil {
		return "", err
	}
	m.albWeight = 10
	if err := m.walk(ctx); err != nil {
		return "", err
	}

	// The end: drain, decommission, report.
	if err := m.advance(ctx, time.Hour); err != nil {
		return "", err
	}
	if err := m.pullMetrics(ctx); err != nil {
		return "", err
	}
	m.narrate("An hour after the NLB's weight reached 0. The decommission checks that the NLB has drained and that no client used it only in the policy's look-back (an hour here, 7 days by default), then lists what it would delete.")
	if err := m.cutover(ctx, exitOK, "decommission"); err != nil {
		return "", err
	}
	m.narrate("The team confirms with the NLB's name. The decommission writes a snapshot, deletes the NLB's records, the NLB, its target group and terminates its instances.")
	if err := m.cutover(ctx, exitOK, "decommission", "--execute", "--confirm", a.NLB.Name); err != nil {
		return "", err
	}

	m.narrate("The report for the stakeholders: one HTML file, a Markdown summary and JSON.")
	if err := m.cutover(ctx, exitOK, "report", "--out", m.reportDir); err != nil {
		return "", err
	}
	html := filepath.Join(m.reportDir, "report.html")
	m.narrate("Done. The report is %s", relative(html))
	return html, nil
}

// walk runs the gate after each segment of traffic until the ALB has all
// the weight, and prints one line per run that did not step.
func (m *migration) walk(ctx context.Context) error {
	m.narrate("From here the gate runs after each half hour of traffic is ingested, as a pipeline would run it. Each step bakes for an hour first.")
	for range maxGateRuns {
		if m.albWeight == 100 {
			return nil
		}
		if err := m.advance(ctx, segment); err != nil {
			return err
		}
		if err := m.gateStep(ctx); err != nil {
			return err
		}
	}
	return fmt.Errorf("the gate did not reach 100 %% in %d runs: it is at %d %%", maxGateRuns, m.albWeight)
}

// gateResult is the part of cutover gate's JSON output the demo reads.
type gateResult struct {
	Verdict       string   `json:"verdict"`
	FromPercent   int      `json:"from_percent"`
	ToPercent     int      `json:"to_percent"`
	Executed      bool     `json:"executed"`
	Outcome       string   `json:"outcome"`
	BakeRemaining float64  `json:"bake_remaining_seconds"`
	Reasons       []string `json:"reasons"`
}

// gateStep runs the gate once and prints its decision in a line.
func (m *migration) gateStep(ctx context.Context) error {
	args := m.withCommon([]string{"gate", "--execute", "--output", "json"})
	var stdout, stderr bytes.Buffer
	code := m.opts.Cutover(ctx, m.clock.Now, args, &stdout, &stderr)
	var res gateResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || (code != exitOK && code != exitWait) {
		m.opts.Stderr.Write(stderr.Bytes())
		return fmt.Errorf("cutover %s: exit code %d, expected %d or %d: %s", quoteArgs(args), code, exitOK, exitWait, strings.TrimSpace(stdout.String()))
	}
	at := m.clock.Now().Format("15:04")
	switch {
	case res.Executed && res.Outcome == "applied":
		fmt.Fprintf(m.opts.Stdout, "%s  gate: %s, %d %% -> %d %%\n", at, res.Verdict, res.FromPercent, res.ToPercent)
		m.albWeight = res.ToPercent
	default:
		line := fmt.Sprintf("%s  gate: %s at %d %%", at, res.Verdict, res.FromPercent)
		if res.BakeRemaining > 0 {
			line += fmt.Sprintf(", %s of the bake left", timefmt.Duration(time.Duration(res.BakeRemaining*float64(time.Second))))
		}
		if len(res.Reasons) > 0 {
			line += ": " + firstSentence(res.Reasons[0])
		}
		if runes := []rune(line); len(runes) > maxLineLength {
			line = string(runes[:maxLineLength-3]) + "..."
		}
		fmt.Fprintln(m.opts.Stdout, line)
	}
	return nil
}

// advance simulates the next duration of traffic and ingests it.
func (m *migration) advance(ctx context.Context, duration time.Duration) error {
	if err := m.simulate(ctx, duration); err != nil {
		return err
	}
	return m.ingest(ctx)
}

// simulate writes the traffic of the next duration at the ALB's current
// weight into the loopback account, and moves the clock to its end.
func (m *migration) simulate(ctx context.Context, duration time.Duration) error {
	cfg := m.cfg
	cfg.Start, cfg.Duration, cfg.ALBWeight = m.at, duration, m.albWeight
	if _, err := sim.Run(ctx, cfg, m.writer); err != nil {
		return fmt.Errorf("simulate %s from %s: %w", duration, m.at.Format(time.RFC3339), err)
	}
	m.at = m.at.Add(duration)
	m.clock.Set(m.at)
	return nil
}

// ingest loads the ALB's new log objects from S3 and the terminators' log
// events since the last ingest from CloudWatch Logs.
func (m *migration) ingest(ctx context.Context) error {
	if err := m.runQuietly(ctx, "ingest", "-q", fmt.Sprintf("s3://%s/%s/", logBucket, m.cfg.Prefix)); err != nil {
		return err
	}
	args := []string{"ingest", "-q", "--terminator", "nginx",
		"cwlogs://" + m.cfg.TerminatorAccessLogGroup(), "cwlogs://" + m.cfg.TerminatorErrorLogGroup(),
		"--from", m.stamp(m.ingestedTo), "--to", m.stamp(m.at)}
	for _, cidr := range m.cfg.NLBSubnets {
		args = append(args, "--health-check-cidr", cidr)
	}
	if err := m.runQuietly(ctx, args...); err != nil {
		return err
	}
	m.ingestedTo = m.at
	return nil
}

// pullMetrics pulls both load balancers' CloudWatch metrics since the
// story began.
func (m *migration) pullMetrics(ctx context.Context) error {
	return m.runQuietly(ctx, "cloudwatch", "pull", "-q", "--alb", m.cfg.LoadBalancerName, "--nlb", m.cfg.NLBName,
		"--from", m.stamp(m.start), "--to", m.stamp(m.at))
}

// cutover prints a command, runs it with the database and policy, and
// prints its results.
func (m *migration) cutover(ctx context.Context, want int, args ...string) error {
	m.printCommand(args)
	return m.run(ctx, want, m.opts.Stdout, args...)
}

// printCommand prints the command line of args as a user would type it,
// with the database and policy, and paths relative to the working
// directory.
func (m *migration) printCommand(args []string) {
	commandLine := m.withCommon(args)
	for i, arg := range commandLine {
		if filepath.IsAbs(arg) {
			commandLine[i] = relative(arg)
		}
	}
	fmt.Fprintf(m.opts.Stdout, "$ cutover %s\n", quoteArgs(commandLine))
}

// runQuietly runs a command that must exit 0 and drops its results. With
// m.echo it prints the command line first.
func (m *migration) runQuietly(ctx context.Context, args ...string) error {
	if m.echo {
		m.printCommand(args)
	}
	return m.run(ctx, exitOK, io.Discard, args...)
}

// run runs a command with the database, and the policy where it takes one,
// and returns an error when it exits with another code than want.
func (m *migration) run(ctx context.Context, want int, stdout io.Writer, args ...string) error {
	args = m.withCommon(args)
	if code := m.opts.Cutover(ctx, m.clock.Now, args, stdout, m.opts.Stderr); code != want {
		return fmt.Errorf("cutover %s: exit code %d, expected %d", quoteArgs(args), code, want)
	}
	return nil
}

// withCommon adds --db, and --policy for the commands that read the
// policy.
func (m *migration) withCommon(args []string) []string {
	out := append([]string{}, args...)
	switch args[0] {
	case "gate", "decommission", "analyze":
		out = append(out, "--policy", m.policy)
	}
	return append(out, "--db", m.db)
}

// stamp formats t for a command's --from or --to. The demo gives windows as
// times, because --since counts back from the real clock when a printed
// command is run again by hand.
func (m *migration) stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// narrate prints a paragraph of the narrative with the simulated time.
func (m *migration) narrate(format string, args ...any) {
	fmt.Fprintf(m.opts.Stdout, "\n== %s  %s\n", m.clock.Now().Format("15:04"), fmt.Sprintf(format, args...))
}

// firstSentence returns text up to the end of its first sentence.
func firstSentence(text string) string {
	if i := strings.Index(text, ". "); i >= 0 {
		return text[:i+1]
	}
	return text
}
