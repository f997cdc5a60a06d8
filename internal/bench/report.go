package main

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// machine describes the computer the benchmark ran on.
type machine struct {
	cpu       string
	cores     int
	memory    string
	kernel    string
	goVer     string
	duckdbVer string
}

func describeMachine(ctx context.Context) (machine, error) {
	m := machine{
		cpu:    procField("/proc/cpuinfo", "model name"),
		cores:  runtime.NumCPU(),
		memory: memTotal(),
		goVer:  runtime.Version(),
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(raw))
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return m, fmt.Errorf("open an in-memory DuckDB database: %w", err)
	}
	defer db.Close()
	var version, sourceID string
	if err := db.QueryRowContext(ctx, "SELECT library_version, source_id FROM pragma_version()").Scan(&version, &sourceID); err != nil {
		return m, fmt.Errorf("read the DuckDB version: %w", err)
	}
	m.duckdbVer = version + " (" + sourceID + ")"
	return m, nil
}

// busyCPUSeconds returns the CPU time that all processes of the machine have
// used since boot, from the first line of /proc/stat, or -1 when it cannot
// be read. The kernel counts it in ticks of 1/100 s on every common Linux
// build.
func busyCPUSeconds() float64 {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return -1
	}
	var ticks int64
	// user, nice, system, idle, iowait, irq, softirq, steal: all but idle
	// and iowait are busy.
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return -1
		}
		ticks += n
	}
	return float64(ticks) / 100
}

// memTotal returns the machine's memory from /proc/meminfo in GiB, or
// "unknown".
func memTotal() string {
	kib, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
}

// procField returns the value of the first "name: value" line of a /proc
// file, or "unknown".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		key, value, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(key) == name {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

func printMachine(w io.Writer, m machine, data dataSet) {
	fmt.Fprintf(w, "machine: %s, %d cores, %s memory, %s\n", m.cpu, m.cores, m.memory, m.kernel)
	fmt.Fprintf(w, "software: %s, DuckDB %s\n", m.goVer, m.duckdbVer)
	fmt.Fprintf(w, "data: %d access-log lines (%d malformed) in %d gzip objects, %.1f MiB, in %s\n",
		data.Lines, data.Malformed, data.Objects, float64(data.bytes)/(1<<20), data.dir)
}

// printTable prints one row per method: the run with the median time, its
// rate, the rate's ratio to each baseline, and the highest peak RSS of all
// runs.
func printTable(w io.Writer, results map[string][]measurement, runs int) error {
	medians := make(map[string]measurement)
	peaks := make(map[string]int64)
	for name, ms := range results {
		sorted := slices.Clone(ms)
		slices.SortFunc(sorted, func(a, b measurement) int { return cmp.Compare(a.Seconds, b.Seconds) })
		// With an even number of runs this takes the slower of the two
		// middle runs.
		medians[name] = sorted[len(sorted)/2]
		for _, m := range ms {
			peaks[name] = max(peaks[name], m.RSSKiB)
		}
	}
	rate := func(name string) float64 { return float64(medians[name].Rows) / medians[name].Seconds }

	fmt.Fprintf(w, "median of %d runs; peak RSS is the highest of all runs\n", runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\trows\tlines not loaded\tseconds\tCPU seconds\trows/s\tvs read_csv\tvs inflate\tpeak RSS MiB\t")
	for _, name := range []string{methodIngest, methodReadCSV, methodInflate, methodCopy} {
		m := medians[name]
		cpu, rss := fmt.Sprintf("%.2f", m.CPUSeconds), fmt.Sprint(peaks[name]>>10)
		if name == methodCopy {
			// The child's totals include reading the rows into memory.
			cpu, rss = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%s\t%.0f\t%.2fx\t%.2fx\t%s\t\n",
			name, m.Rows, m.Dropped, m.Seconds, cpu, rate(name),
			rate(name)/rate(methodReadCSV), rate(name)/rate(methodInflate), rss)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\ngoal for ingest: at least 5x read_csv (%.2fx), at least 0.6x inflate (%.2fx), peak RSS under 512 MiB (%d MiB)\n",
		rate(methodIngest)/rate(methodReadCSV), rate(methodIngest)/rate(methodInflate), peaks[methodIngest]>>10)
	fmt.Fprintf(w, "%s is not a loader: DuckDB writing the rows ingest loaded from memory into a new file, a floor for any loader into a DuckDB file\n", methodCopy)
	return nil
}
