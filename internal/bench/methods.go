package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
	"github.com/klauspost/compress/gzip"
)

// The methods the benchmark compares.
const (
	methodIngest  = "ingest"
	methodReadCSV = "read_csv"
	methodInflate = "inflate"
	// methodCopy is not a loader but a floor: DuckDB writing the rows that
	// ingest loaded from an in-memory table into a new file database.
	methodCopy = "duckdb_copy"
)

// measurement is one run of one method.
type measurement struct {
	// Rows counts the table rows that ingest, read_csv and duckdb_copy
	// wrote, or the lines that inflate counted.
	Rows int64 `json:"rows"`
	// Dropped counts the lines that did not become rows: lines cutover
	// stored as rejected, or lines read_csv skipped.
	Dropped int64 `json:"dropped"`
	// Seconds is the child process's wall time, or for methodCopy the time
	// of the copy alone, which the child measures itself.
	Seconds float64 `json:"seconds,omitempty"`
	// CPUSeconds is the child's user and system CPU time, and RSSKiB its
	// peak resident set size.
	CPUSeconds float64 `json:"-"`
	RSSKiB     int64   `json:"-"`
}

// measureIngest runs cutover ingest into a fresh database and checks the rows
// its summary reports against a count of the table.
func measureIngest(ctx context.Context, bin string, data dataSet, db string) (measurement, error) {
	if err := removeDatabase(db); err != nil {
		return measurement{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "ingest", data.dir, "--db", db, "--quiet", "--output", "json")
	out, m, err := runChild(cmd)
	if err != nil {
		return m, err
	}

	var summary struct {
		Kinds []struct {
			Kind     string `json:"kind"`
			Rows     int64  `json:"rows"`
			Rejected int64  `json:"rejected_lines"`
		} `json:"kinds"`
	}
	if err := json.Unmarshal(out, &summary); err != nil {
		return m, fmt.Errorf("read the ingest summary: %w: %s", err, out)
	}
	for _, k := range summary.Kinds {
		if k.Kind == "alb_access" {
			m.Rows, m.Dropped = k.Rows, k.Rejected
		}
	}

	counted, err := countRows(ctx, db, "alb_access")
	if err != nil {
		return m, err
	}
	if counted != m.Rows {
		return m, fmt.Errorf("ingest reported %d alb_access rows, but the table contains %d", m.Rows, counted)
	}
	return m, nil
}

// measureBaseline starts the benchmark binary itself as a child that runs
// one baseline method, writing to the database file db when the method
// writes one.
func measureBaseline(ctx context.Context, self, dir, method, db string) (measurement, error) {
	if db != "" {
		if err := removeDatabase(db); err != nil {
			return measurement{}, err
		}
	}
	cmd := exec.CommandContext(ctx, self, "-method", method, "-dir", dir, "-db", db)
	out, m, err := runChild(cmd)
	if err != nil {
		return m, err
	}
	var child measurement
	if err := json.Unmarshal(out, &child); err != nil {
		return m, fmt.Errorf("read the result of %s: %w: %s", method, err, out)
	}
	m.Rows, m.Dropped = child.Rows, child.Dropped
	if child.Seconds > 0 {
		m.Seconds = child.Seconds
	}
	return m, nil
}

// runChild runs cmd and returns its standard output, and its wall time, CPU
// time and peak RSS.
func runChild(cmd *exec.Cmd) ([]byte, measurement, error) {
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	m := measurement{Seconds: time.Since(start).Seconds()}
	if cmd.ProcessState != nil {
		if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.CPUSeconds = time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
			m.RSSKiB = usage.Maxrss // KiB on Linux
		}
	}
	if err != nil {
		return nil, m, fmt.Errorf("%s failed: %w", strings.Join(cmd.Args, " "), err)
	}
	return stdout.Bytes(), m, nil
}

// runBaseline runs one baseline method in this process and prints its
// measurement as JSON.
func runBaseline(ctx context.Context, method, logs, db string) error {
	var m measurement
	var err error
	switch method {
	case methodReadCSV:
		m, err = loadWithReadCSV(ctx, logs, db)
	case methodInflate:
		m, err = inflateAll(ctx, logs)
	case methodCopy:
		m, err = copyWithDuckDB(ctx, filepath.Join(filepath.Dir(logs), "ingest.duckdb"), db)
	default:
		return fmt.Errorf("invalid -method %q: want %s, %s or %s", method, methodReadCSV, methodInflate, methodCopy)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(m)
}

// readCSVOptions make DuckDB's read_csv read ALB access lines at all: fields
// are separated by single spaces, quoted with double quotes, and a backslash
// escapes a double quote inside quotes. Column names and types are detected.
// Without strict_mode=false the sniffer rejects files whose sample holds a
// line with an unterminated quote; ignore_errors skips lines that do not
// parse into the detected columns instead of failing the whole load.
const readCSVOptions = `delim = ' ', quote = '"', escape = '\', header = false, strict_mode = false, ignore_errors = true`

// loadWithReadCSV loads every log object into a table of a new database with
// read_csv, and counts the rows and the lines it skipped.
func loadWithReadCSV(ctx context.Context, logs, db string) (measurement, error) {
	if db == "" {
		return measurement{}, errors.New("missing -db for read_csv")
	}
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		return measurement{}, fmt.Errorf("open %s: %w", db, err)
	}
	defer conn.Close()

	glob := filepath.Join(logs, "**", "*.log.gz")
	query := "CREATE TABLE access AS SELECT * FROM read_csv(" + sqlString(glob) + ", " + readCSVOptions + ")"
	if _, err := conn.ExecContext(ctx, query); err != nil {
		return measurement{}, fmt.Errorf("load with read_csv: %w", err)
	}
	var m measurement
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM access").Scan(&m.Rows); err != nil {
		return measurement{}, fmt.Errorf("count the rows read_csv loaded: %w", err)
	}
	lines, err := countLines(logs)
	if err != nil {
		return measurement{}, err
	}
	m.Dropped = lines - m.Rows
	// Close here, not in the deferred call, so that the final checkpoint
	// counts in the child's time as it does for cutover.
	if err := conn.Close(); err != nil {
		return measurement{}, fmt.Errorf("close %s: %w", db, err)
	}
	return m, nil
}

// copyWithDuckDB reads the alb_access table of the database that ingest
// wrote into memory. It then measures how long DuckDB takes to write those
// rows into a table of the new database db and close it. That time estimates
// the least that any loader needs to write this table into a DuckDB file with
// DuckDB's default storage settings.
func copyWithDuckDB(ctx context.Context, source, db string) (measurement, error) {
	if db == "" {
		return measurement{}, errors.New("missing -db for duckdb_copy")
	}
	conn, err := sql.Open("duckdb", "")
	if err != nil {
		return measurement{}, fmt.Errorf("open an in-memory database: %w", err)
	}
	defer conn.Close()
	for _, q := range []string{
		"ATTACH " + sqlString(source) + " AS source (READ_ONLY)",
		"CREATE TABLE rows AS SELECT * FROM source.alb_access",
		"DETACH source",
		// As ingest does: the rows carry their source, so order does not
		// matter, and DuckDB writes them on all threads.
		"SET preserve_insertion_order = false",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return measurement{}, fmt.Errorf("prepare the rows to copy from %s: %w", source, err)
		}
	}

	start := time.Now()
	for _, q := range []string{
		"ATTACH " + sqlString(db) + " AS target",
		"CREATE TABLE target.alb_access AS SELECT * FROM rows",
		"DETACH target",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return measurement{}, fmt.Errorf("copy the rows into %s: %w", db, err)
		}
	}
	m := measurement{Seconds: time.Since(start).Seconds()}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM rows").Scan(&m.Rows); err != nil {
		return measurement{}, fmt.Errorf("count the copied rows: %w", err)
	}
	return m, nil
}

// countLines returns the line count that the data marker recorded.
func countLines(logs string) (int64, error) {
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(logs), "logs.json"))
	if err != nil {
		return 0, fmt.Errorf("read the line count of the benchmark logs: %w", err)
	}
	var marker dataMarker
	if err := json.Unmarshal(raw, &marker); err != nil {
		return 0, fmt.Errorf("read the line count of the benchmark logs: %w", err)
	}
	return int64(marker.Lines), nil
}

// inflateAll inflates every object, one goroutine per CPU, and counts the
// lines, which is the least work any loader of these objects must do.
func inflateAll(ctx context.Context, logs string) (measurement, error) {
	var files []string
	err := filepath.WalkDir(logs, func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return measurement{}, fmt.Errorf("list benchmark logs: %w", err)
	}

	var lines atomic.Int64
	var next atomic.Int64
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var zr gzip.Reader
			buf := make([]byte, 256<<10)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				n, err := countGzipLines(&zr, files[i], buf)
				if err != nil {
					errs[w] = err
					return
				}
				lines.Add(n)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return measurement{}, err
	}
	return measurement{Rows: lines.Load()}, nil
}

// countGzipLines inflates one gzip file with zr and counts its "\n" bytes.
func countGzipLines(zr *gzip.Reader, path string, buf []byte) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := zr.Reset(f); err != nil {
		return 0, fmt.Errorf("inflate %s: %w", path, err)
	}
	var lines int64
	for {
		n, err := zr.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return 0, fmt.Errorf("inflate %s: %w", path, err)
		}
	}
}

// countRows counts the rows of table in the database file db.
func countRows(ctx context.Context, db, table string) (int64, error) {
	conn, err := sql.Open("duckdb", db+"?access_mode=read_only")
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", db, err)
	}
	defer conn.Close()
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the rows of %s in %s: %w", table, db, err)
	}
	return n, nil
}

// removeDatabase deletes a database file and its write-ahead log.
func removeDatabase(path string) error {
	for _, p := range []string{path, path + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
