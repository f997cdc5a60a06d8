// Command demo shows cutover on a simulated day of ALB logs, with no AWS
// account: it starts a loopback S3 server, writes the simulated logs into it
// in ELB's key layout, and runs the cutover binary against it through the
// AWS SDK's standard endpoint settings. "make demo" runs it.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
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

	srv, err := loopback.StartS3()
	if err != nil {
		return err
	}
	defer srv.Close()
	env := append(os.Environ(), srv.Env()...)
	client, err := newClient(ctx, srv.URL)
	if err != nil {
		return err
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}

	// The simulated day is fixed, so the demo prints the same figures on
	// every machine and every day.
	cfg := sim.DefaultConfig(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	cfg.Prefix = "partner-api"
	say("Simulating one day of an ALB in mTLS verify mode that takes %d%% of the traffic: %d client certificates behind %d resolvers.",
		cfg.ALBWeight, cfg.Clients, cfg.Resolvers)
	truth, err := sim.Run(ctx, cfg, s3Writer{client: client})
	if err != nil {
		return err
	}
	say("Wrote %d access-log and %d connection-log objects (%d and %d lines, %d damaged on purpose) and the ELBAccessLogTestFile control object to s3://%s/%s/ on a loopback S3 server at %s.",
		truth.AccessObjects, truth.ConnectionObjects, truth.AccessLines+truth.MalformedAccess.Total(),
		truth.ConnectionLines+truth.MalformedConnection.Total(),
		truth.MalformedAccess.Total()+truth.MalformedConnection.Total(), bucket, cfg.Prefix, srv.URL)

	source := fmt.Sprintf("s3://%s/%s/", bucket, cfg.Prefix)
	terminators := fmt.Sprintf("s3://%s/%s", bucket, sim.TerminatorKeyPrefix)
	steps := []struct {
		text string
		args []string
	}{
		{"Ingest the day into a fresh database.", []string{"ingest", source, "--db", db}},
		{"Ingest again: every object is in the manifest already, so nothing is read twice.", []string{"ingest", source, "--db", db, "-q"}},
		{"Ingest the nginx logs of the three instances behind the NLB: the old path. The NLB's health checks come from its subnets.",
			append([]string{"ingest", "--terminator", "nginx", terminators, "--db", db}, healthCheckFlags(cfg)...)},
		{"Handshake outcomes of both paths, health checks left out, from the view tls_handshakes.", []string{"query", "--db", db,
			"SELECT path, outcome, count(*) AS connections FROM tls_handshakes GROUP BY ALL ORDER BY path, connections DESC"}},
		{"What the database holds.", []string{"query", "--db", db, "ingest_status"}},
		{"Lines no parser could read: each is kept with its reason, nothing is dropped.", []string{"query", "--db", db, "rejected_reasons"}},
		{"Client-certificate verification on the ALB during the peak hour.", []string{"query", "--db", db,
			"SELECT tls_verify_status, count(*) AS connections FROM alb_connection WHERE time >= '2026-12-03 14:00:00Z' AND time < '2026-12-03 15:00:00Z' GROUP BY 1 ORDER BY 2 DESC"}},
		{"The client certificates the ALB rejects most.", []string{"query", "--db", db,
			"SELECT leaf_client_cert_subject AS subject, tls_verify_status, count(*) AS failed_connections FROM alb_connection WHERE tls_verify_status LIKE 'Failed:%' GROUP BY ALL ORDER BY 3 DESC LIMIT 8"}},
		{"TLS handshake latency on the ALB.", []string{"query", "--db", db, "handshake_latency"}},
		{"Time to the targets' response headers.", []string{"query", "--db", db, "request_latency_by_target_group"}},
	}
	for _, step := range steps {
		say("%s", step.text)
		fmt.Printf("$ cutover %s\n", quoteArgs(step.args))
		cmd := exec.CommandContext(ctx, bin, step.args...)
		cmd.Env = env
		cmd.Stdout = os.Stdout
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("cutover %s: %w", step.args[0], err)
		}
	}
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

func newClient(ctx context.Context, url string) (*s3.Client, error) {
	return s3.New(s3.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOOPBACKDEMO", "loopback-demo-secret", ""),
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
	}), nil
}

// s3Writer puts the simulated objects into the demo bucket.
type s3Writer struct{ client *s3.Client }

func (w s3Writer) WriteObject(ctx context.Context, key string, body []byte) error {
	_, err := w.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
