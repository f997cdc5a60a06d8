// Command bench measures how fast cutover ingest loads ALB access logs, and
// compares it with baselines measured in the same run on the same files.
// The baselines are DuckDB's read_csv loading the files into a table of a
// file database, inflating them alone on all cores, and DuckDB copying the
// rows that ingest loaded from memory into a new file database.
//
// It generates the logs once into DIR/logs with the simulator (at least one
// million access-log lines in gzip objects) and reuses them while DIR/logs.json
// shows that they were generated from the same configuration. Each method
// runs as a child process, so that its peak RSS is its own:
//
//	go run -tags duckdb_arrow ./internal/bench -bin bin/cutover -dir .bench -runs 3
//
// The table shows, for each method, the run with the median time. A timing
// is the child process's wall time, with process start, listing the files
// and closing the database, except for duckdb_copy, which times the copy
// alone.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/cutover", "cutover binary to measure")
	dir := flag.String("dir", ".bench", "folder for the generated logs and the databases")
	runs := flag.Int("runs", 1, "runs of each method; the table shows the run with the median time")
	method := flag.String("method", "", "run only this baseline (read_csv, inflate or duckdb_copy) in this process and print its result as JSON; the benchmark starts itself this way")
	db := flag.String("db", "", "database file that -method read_csv or duckdb_copy writes")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var err error
	if *method != "" {
		err = runBaseline(ctx, *method, filepath.Join(*dir, "logs"), *db)
	} else {
		err = benchmark(ctx, *bin, *dir, *runs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// benchmark prepares the data, measures every method runs times and prints
// the machine and the table.
func benchmark(ctx context.Context, bin, dir string, runs int) error {
	if runs < 1 {
		return fmt.Errorf("invalid -runs %d: want at least 1", runs)
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("cutover binary not found: %w; build it with make build or pass -bin", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := prepareData(ctx, dir)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the benchmark's own binary to start the baselines: %w", err)
	}

	methods := []struct {
		name    string
		measure func(context.Context) (measurement, error)
	}{
		{methodIngest, func(ctx context.Context) (measurement, error) {
			return measureIngest(ctx, bin, data, filepath.Join(dir, "ingest.duckdb"))
		}},
		{methodReadCSV, func(ctx context.Context) (measurement, error) {
			return measureBaseline(ctx, self, dir, methodReadCSV, filepath.Join(dir, "read_csv.duckdb"))
		}},
		{methodInflate, func(ctx context.Context) (measurement, error) {
			return measureBaseline(ctx, self, dir, methodInflate, "")
		}},
		// It copies what ingest loaded in the same run, so it comes after it.
		{methodCopy, func(ctx context.Context) (measurement, error) {
			return measureBaseline(ctx, self, dir, methodCopy, filepath.Join(dir, "copy.duckdb"))
		}},
	}

	// The methods take turns within each run, so that a slow spell of the
	// machine affects all of them rather than one.
	results := make(map[string][]measurement)
	busyBefore, wallStart := busyCPUSeconds(), time.Now()
	var childCPU float64
	for run := 1; run <= runs; run++ {
		for _, m := range methods {
			res, err := m.measure(ctx)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", m.name, run, err)
			}
			fmt.Fprintf(os.Stderr, "run %d: %-11s %9d rows in %6.2f s, %6.2f s CPU, peak RSS %4d MiB\n",
				run, m.name, res.Rows, res.Seconds, res.CPUSeconds, res.RSSKiB>>10)
			results[m.name] = append(results[m.name], res)
			childCPU += res.CPUSeconds
		}
	}
	otherCPU := busyCPUSeconds() - busyBefore - childCPU
	available := time.Since(wallStart).Seconds() * float64(runtime.NumCPU())

	machine, err := describeMachine(ctx)
	if err != nil {
		return err
	}
	fmt.Println()
	printMachine(os.Stdout, machine, data)
	if busyBefore >= 0 {
		// Includes this process, which mostly waits, and the kernel's own
		// work.
		fmt.Printf("other load: processes other than the measured ones used %.1f of the %.1f CPU seconds the machine had during the measurements\n",
			max(otherCPU, 0), available)
	}
	fmt.Println()
	return printTable(os.Stdout, results, runs)
}
