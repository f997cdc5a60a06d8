// Command demo shows cutover on a simulated day of a migration, with no AWS
// account. It starts a loopback AWS server and writes the simulation into
// it: the ALB's logs into S3 in ELB's key layout, the terminators' nginx logs
// into CloudWatch Logs and both load balancers' metrics into CloudWatch. Then
// it runs the cutover binary against the server through the AWS SDK's
// standard endpoint settings, and checks that the metrics stored equal the
// simulated ones. "make demo" runs it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
	"github.com/cutover-dev/cutover/internal/simaws"
)

const bucket = "demo-alb-logs"

func main() {
	bin := flag.String("bin", "bin/cutover", "the cutover binary to run")
	dir := flag.String("dir", "demo", "folder for the demo's database")
	flag.Parse()
	if err := run(context.Background(), *bin, *dir); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	db := filepath.Join(dir, "cutover.duckdb")

	srv, err := loopback.Start(loopback.Options{Region: "eu-west-1"})
	if err != nil {
		return err
	}
	defer srv.Close()
	env := append(os.Environ(), srv.Env()...)
	writer, err := simaws.NewWriter(srv, bucket, "eu-west-1")
	if err != nil {
		return err
	}

	// The simulated day is the day before yesterday (UTC), so that
	// CloudWatch serves its metrics at 60-second periods, as for a real pull
	// of recent data, and the newest minutes that cloudwatch pull leaves out
	// are never part of it. The simulated traffic, and so the figures,
	// differ a little from one day to the next.
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-48 * time.Hour)
	cfg := sim.DefaultConfig(day)
	cfg.Prefix = "partner-api"
	cfg.TerminatorLogEvents = true
	if err := simaws.AddLoadBalancers(srv, &cfg); err != nil {
		return err
	}
	say("Simulating one day of an ALB in mTLS verify mode that takes %d%% of the traffic: %d client certificates behind %d resolvers.",
		cfg.ALBWeight, cfg.Clients, cfg.Resolvers)
	truth, err := sim.Run(ctx, cfg, writer)
	if err != nil {
		return err
	}
	say("Wrote %d access-log and %d connection-log objects (%d and %d lines, %d damaged on purpose) and the ELBAccessLogTestFile control object to s3://%s/%s/, the nginx logs of %d instances to CloudWatch Logs, and %d metric series of both load balancers to CloudWatch, all on a loopback AWS server at %s.",
		truth.AccessObjects, truth.ConnectionObjects, truth.AccessLines+truth.MalformedAccess.Total(),
		truth.ConnectionLines+truth.MalformedConnection.Total(),
		truth.MalformedAccess.Total()+truth.MalformedConnection.Total(), bucket, cfg.Prefix,
		len(truth.Terminators), len(truth.Metrics), srv.URL)

	source := fmt.Sprintf("s3://%s/%s/", bucket, cfg.Prefix)
	from, to := day.Format(time.RFC3339), day.Add(24*time.Hour).Format(time.RFC3339)
	peak := day.Add(14 * time.Hour)
	// exit is the exit code a step is expected to end with.
	steps := []struct {
		text string
		args []string
		exit int
	}{
		{"Ingest the day into a fresh database.", []string{"ingest", source, "--db", db}, 0},
		{"Ingest again: every object is in the manifest already, so nothing is read twice.", []string{"ingest", source, "--db", db, "-q"}, 0},
		{"Ingest the nginx logs of the three instances behind the NLB, the old path, from CloudWatch Logs. The NLB's health checks come from its subnets.",
			append([]string{"ingest", "--terminator", "nginx", "cwlogs://" + cfg.TerminatorAccessLogGroup(), "cwlogs://" + cfg.TerminatorErrorLogGroup(),
				"--from", from, "--to", to, "--db", db}, healthCheckFlags(cfg)...), 0},
		{"Pull the CloudWatch metrics of both load balancers for the day. The NLB passes TCP through, so it publishes no TLS negotiation errors: that metric is reported missing, not zero.",
			[]string{"cloudwatch", "pull", "--alb", cfg.LoadBalancerName, "--nlb", cfg.NLBName, "--from", from, "--to", to, "--db", db, "-q"}, 0},
		{"Requests per hour by CloudWatch and by the access log. CloudWatch counts only requests that reached a target choice, and damaged log lines are not in the table.", []string{"query", "--db", db,
			"WITH cw AS (SELECT date_trunc('hour', time) AS hour, sum(value)::BIGINT AS cloudwatch FROM metrics WHERE metric = 'RequestCount' AND stat = 'Sum' GROUP BY 1), " +
				"logs AS (SELECT date_trunc('hour', time) AS hour, count(*) AS access_log FROM alb_access GROUP BY 1) " +
				"SELECT hour, cloudwatch, access_log FROM cw FULL JOIN logs USING (hour) ORDER BY hour LIMIT 6"}, 0},
		{"Handshake outcomes of both paths, health checks left out, from the view tls_handshakes.", []string{"query", "--db", db,
			"SELECT path, outcome, count(*) AS connections FROM tls_handshakes GROUP BY ALL ORDER BY path, connections DESC"}, 0},
		{"What the database holds.", []string{"query", "--db", db, "ingest_status"}, 0},
		{"Lines no parser could read: each is kept with its reason, nothing is dropped.", []string{"query", "--db", db, "rejected_reasons"}, 0},
		{"Client-certificate verification on the ALB during the peak hour.", []string{"query", "--db", db,
			fmt.Sprintf("SELECT tls_verify_status, count(*) AS connections FROM alb_connection WHERE time >= '%s' AND time < '%s' GROUP BY 1 ORDER BY 2 DESC",
				peak.Format(time.RFC3339), peak.Add(time.Hour).Format(time.RFC3339))}, 0},
		{"The client certificates the ALB rejects most.", []string{"query", "--db", db,
			"SELECT leaf_client_cert_subject AS subject, tls_verify_status, count(*) AS failed_connections FROM alb_connection WHERE tls_verify_status LIKE 'Failed:%' GROUP BY ALL ORDER BY 3 DESC LIMIT 8"}, 0},
		{"TLS handshake latency on the ALB.", []string{"query", "--db", db, "handshake_latency"}, 0},
		{"Time to the targets' response headers.", []string{"query", "--db", db, "request_latency_by_target_group"}, 0},
		{"Judge six hours around the peak: is the ALB path as good as the NLB path, check by check? The ALB trust store lacks the intermediate CAs of Fabrikam's issuing CA, so analyze fails and names them: exit code 3.",
			[]string{"analyze", "--db", db, "--from", peak.Add(-3 * time.Hour).Format(time.RFC3339), "--to", peak.Add(3 * time.Hour).Format(time.RFC3339),
				"--alb-weight", fmt.Sprint(cfg.ALBWeight)}, 3},
	}
	for _, step := range steps {
		say("%s", step.text)
		fmt.Printf("$ cutover %s\n", quoteArgs(step.args))
		cmd := exec.CommandContext(ctx, bin, step.args...)
		cmd.Env = env
		cmd.Stdout = os.Stdout
		cmd.Stderr = os.Stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case step.exit != 0 && errors.As(err, &exit) && exit.ExitCode() == step.exit:
		case err != nil:
			return fmt.Errorf("cutover %s: %w", step.args[0], err)
		case step.exit != 0:
			return fmt.Errorf("cutover %s: exited 0, expected exit code %d", step.args[0], step.exit)
		}
	}
	checked, err := checkMetricSums(ctx, bin, env, db, truth)
	if err != nil {
		return err
	}
	say("The stored sums, minimums and maximums of %d of the %d simulated metric series equal what the simulator wrote; the latency series have none of these statistics.", checked, len(truth.Metrics))
	say("The database is %s: try bin/cutover query --db %s --list", db, db)
	return nil
}

// healthCheckFlags names the NLB's subnets, where its health checks come from.
func healthCheckFlags(cfg sim.Config) []string {
	var flags []string
	for _, cidr := range cfg.NLBSubnets {
		flags = append(flags, "--health-check-cidr", cidr)
	}
	return flags
}

func say(format string, args ...any) {
	fmt.Printf("\n== "+format+"\n", args...)
}

func quoteArgs(args []string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if bytes.ContainsAny([]byte(a), " '\"*") {
			fmt.Fprintf(&b, "%q", a)
			continue
		}
		b.WriteString(a)
	}
	return b.String()
}

// checkMetricSums compares the metrics that cutover stored with the
// simulator's totals, and returns the number of series compared. Each count
// is compared by its Sum, and each other series by its Minimum and Maximum
// where cutover pulls them.
func checkMetricSums(ctx context.Context, bin string, env []string, db string, truth sim.Summary) (int, error) {
	cmd := exec.CommandContext(ctx, bin, "query", "--db", db, "-o", "json",
		"SELECT namespace, metric, dimensions, stat, sum(value) AS total, min(value) AS low, max(value) AS high FROM metrics GROUP BY ALL")
	cmd.Env = env
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("query the stored metrics: %w", err)
	}
	var rows []struct {
		Namespace, Metric, Dimensions, Stat string
		Total, Low, High                    *float64
	}
	if err := json.Unmarshal(out, &rows); err != nil {
		return 0, fmt.Errorf("read the stored metrics: %w", err)
	}
	checked := 0
	stored := make(map[string]map[string][3]float64)
	for _, r := range rows {
		key := r.Namespace + " " + r.Metric + " " + r.Dimensions
		if stored[key] == nil {
			stored[key] = make(map[string][3]float64)
		}
		stored[key][r.Stat] = [3]float64{deref(r.Total), deref(r.Low), deref(r.High)}
	}

	for _, m := range truth.Metrics {
		pairs := make([]string, len(m.Dimensions))
		for i, d := range m.Dimensions {
			pairs[i] = d.Name + "=" + d.Value
		}
		sort.Strings(pairs)
		key := m.Namespace + " " + m.Name + " " + strings.Join(pairs, ",")
		stats, ok := stored[key]
		if !ok {
			return 0, fmt.Errorf("metric %s was simulated but not stored", key)
		}
		sum, hasSum := stats["Sum"]
		if hasSum && math.Abs(sum[0]-m.Sum) > 1e-6*math.Max(1, math.Abs(m.Sum)) {
			return 0, fmt.Errorf("metric %s: stored sum %v, simulated %v", key, sum[0], m.Sum)
		}
		low, hasMinimum := stats["Minimum"]
		if hasMinimum && low[1] != m.Minimum {
			return 0, fmt.Errorf("metric %s: stored minimum %v, simulated %v", key, low[1], m.Minimum)
		}
		high, hasMaximum := stats["Maximum"]
		if hasMaximum && high[2] != m.Maximum {
			return 0, fmt.Errorf("metric %s: stored maximum %v, simulated %v", key, high[2], m.Maximum)
		}
		if hasSum || hasMinimum || hasMaximum {
			checked++
		}
	}
	return checked, nil
}

func deref(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}
