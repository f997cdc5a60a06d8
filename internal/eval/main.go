// Command eval measures how often `cutover analyze` reaches the right
// verdict. It runs every scenario of the simulator for many seeds and runs
// the analysis every 5 simulated minutes, as the gate would. It writes the
// share of right verdicts, false PASS and false FAIL, with 95 % intervals,
// to a Markdown file. `make eval` runs it and writes
// docs/decision-quality.md.
//
// It reads the simulator's records directly (sim.Records) instead of going
// through log files and DuckDB, which would take hours for the same runs.
// Package sim's tests show that the records equal what ingest reads from
// the logs, and package store's tests cover the queries that group them.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/sim"
)

//go:embed policy.yaml
var policyYAML []byte

// config is the evaluation's settings, from the command line.
type config struct {
	seeds     int
	duration  time.Duration
	albWeight int
	start     time.Time
	workers   int
	out       string
	scenarios []string
	// policies are the policies every run is judged by: the evaluation's
	// own first, then the defaults.
	policies []namedPolicy
}

// namedPolicy is a policy with the name the report gives it.
type namedPolicy struct {
	name, source string
	policy       policy.Policy
}

func main() {
	os.Exit(realMain())
}

func realMain() int {
	var cfg config
	var start string
	flag.IntVar(&cfg.seeds, "seeds", 200, "seeds per scenario")
	flag.DurationVar(&cfg.duration, "duration", 6*time.Hour, "simulated time per run, looked at every 5 minutes")
	flag.IntVar(&cfg.albWeight, "alb-weight", 50, "Route 53 weight of the ALB in percent")
	flag.StringVar(&start, "start", "2026-11-02T08:00:00Z", "simulated start of every run, RFC 3339")
	flag.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "runs in parallel")
	flag.StringVar(&cfg.out, "out", "docs/decision-quality.md", "Markdown file to write")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "eval: %v\n", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "eval: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	var err error
	if cfg.start, err = time.Parse(time.RFC3339, start); err != nil {
		fmt.Fprintf(os.Stderr, "eval: invalid -start %q: %v\n", start, err)
		return 2
	}
	evalPolicy, err := policy.Parse(policyYAML, "internal/eval/policy.yaml")
	if err != nil {
		fmt.Fprintf(os.Stderr, "eval: %v\n", err)
		return 1
	}
	cfg.policies = []namedPolicy{
		{"margins of 10 ms at p90 and p99", "internal/eval/policy.yaml: the defaults with margins of 10 ms at p90 and p99 (ratio 0)", evalPolicy},
		{"the default policy", "the defaults of docs/policy.md (p90 ×1.10 + 10 ms, p99 ×1.20 + 25 ms)", policy.Default()},
	}
	cfg.scenarios = sim.ScenarioNames()
	if cfg.seeds < 1 || cfg.duration < 3*lookInterval || cfg.albWeight < 1 || cfg.albWeight > 99 || cfg.workers < 1 {
		fmt.Fprintln(os.Stderr, "eval: want -seeds ≥ 1, -duration ≥ 15m, -alb-weight from 1 to 99 and -workers ≥ 1")
		return 2
	}

	began := time.Now()
	results, err := runAll(context.Background(), cfg, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "eval: %v\n", err)
		return 1
	}
	report := writeReport(cfg, results, time.Since(began))
	if err := os.WriteFile(cfg.out, []byte(report), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "eval: %v\n", err)
		return 1
	}
	log.Info("wrote the evaluation", "file", cfg.out, "runs", len(cfg.scenarios)*cfg.seeds, "took", time.Since(began).Round(time.Second))
	return 0
}

// job is one run to evaluate.
type job struct {
	scenario int
	seed     uint64
}

// runAll evaluates every scenario and seed on cfg.workers goroutines and
// returns the runs per scenario, in seed order.
func runAll(ctx context.Context, cfg config, log *slog.Logger) ([][]run, error) {
	results := make([][]run, len(cfg.scenarios))
	for i := range results {
		results[i] = make([]run, cfg.seeds)
	}
	jobs := make(chan job)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	for range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r, err := evaluate(ctx, cfg, cfg.scenarios[j.scenario], j.seed)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("scenario %s seed %d: %w", cfg.scenarios[j.scenario], j.seed, err)
				}
				results[j.scenario][j.seed-1] = r
				done++
				if done%100 == 0 {
					log.Info("evaluated", "runs", done, "of", len(cfg.scenarios)*cfg.seeds)
				}
				mu.Unlock()
			}
		}()
	}
	for s := range cfg.scenarios {
		for seed := 1; seed <= cfg.seeds; seed++ {
			jobs <- job{s, uint64(seed)}
		}
	}
	close(jobs)
	wg.Wait()
	return results, firstErr
}
