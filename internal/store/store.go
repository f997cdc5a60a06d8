package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// DefaultPath is the database file used when none is given.
const DefaultPath = "cutover.duckdb"

// Options configure Open.
type Options struct {
	// Path is the database file; it is created when missing unless ReadOnly.
	Path string
	// ReadOnly opens the database for queries only. Several read-only
	// processes may share a file, but not with a writing one.
	ReadOnly bool
	// Wait is how long Open retries while another process holds the file.
	// Zero fails at once with a *LockedError.
	Wait time.Duration
	// Threads caps DuckDB's worker threads; 0 keeps DuckDB's default of one
	// per core.
	Threads int
}

// DB is an open cutover database. It is safe for concurrent use; each Load
// takes a connection of its own.
type DB struct {
	sql       *sql.DB
	connector *duckdb.Connector
	path      string
}

// LockedError reports a database file that another process holds open.
type LockedError struct {
	Path   string
	Holder string // the program DuckDB names, when it names one
	PID    int    // 0 when DuckDB does not name one
	// Waited is how long Open waited for the file before it gave up.
	Waited time.Duration
	Err    error
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID != 0 {
		who = fmt.Sprintf("process %d (%s)", e.PID, e.Holder)
	}
	if e.Waited > 0 {
		return fmt.Sprintf("database %s is still in use by %s after waiting %s", e.Path, who, e.Waited)
	}
	return fmt.Sprintf("database %s is in use by %s: wait for it to finish or pass --wait DURATION", e.Path, who)
}

func (e *LockedError) Unwrap() error { return e.Err }

// Open opens the database at opts.Path, creating it and its tables when needed
// and upgrading an older schema, unless ReadOnly.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Path == "" {
		opts.Path = DefaultPath
	}
	start := time.Now()
	deadline := start.Add(opts.Wait)
	for {
		db, err := open(ctx, opts)
		var locked *LockedError
		if err == nil || !errors.As(err, &locked) {
			return db, err
		}
		if time.Now().After(deadline) {
			if opts.Wait > 0 {
				locked.Waited = time.Since(start).Round(time.Second)
			}
			return db, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func open(ctx context.Context, opts Options) (*DB, error) {
	if opts.ReadOnly {
		if _, err := os.Stat(opts.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("database %s does not exist: create it with cutover ingest, or name another with --db", opts.Path)
		}
	}
	dsn := opts.Path
	if opts.ReadOnly {
		dsn += "?access_mode=read_only"
	}
	connector, err := duckdb.NewConnector(dsn, func(execer driver.ExecerContext) error {
		_, err := execer.ExecContext(ctx, "SET TimeZone = 'UTC'", nil)
		return err
	})
	if err != nil {
		return nil, openError(opts.Path, err)
	}
	d := &DB{sql: sql.OpenDB(connector), connector: connector, path: opts.Path}
	if opts.Threads > 0 {
		if _, err := d.sql.ExecContext(ctx, "SET threads = "+strconv.Itoa(opts.Threads)); err != nil {
			d.Close()
			return nil, fmt.Errorf("set threads in %s: %w", opts.Path, err)
		}
	}
	if !opts.ReadOnly {
		// Only ingest writes, and it needs no insertion order because every
		// row carries its source_uri and source_line. Without the order,
		// DuckDB inserts the record batches of a group commit on all its
		// threads, and ingest of the make bench data took about 20 percent
		// less time (docs/performance.md). Queries on read-only databases
		// keep DuckDB's default.
		if _, err := d.sql.ExecContext(ctx, "SET GLOBAL preserve_insertion_order = false"); err != nil {
			d.Close()
			return nil, fmt.Errorf("set preserve_insertion_order in %s: %w", opts.Path, err)
		}
		if err := d.migrate(ctx); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

var lockHolder = regexp.MustCompile(`Conflicting lock is held in (.*?) \(PID (\d+)\)`)

// openError turns DuckDB's lock conflict into a *LockedError and names the
// file in every other error.
func openError(path string, err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "Could not set lock") && !strings.Contains(msg, "Conflicting lock") {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	locked := &LockedError{Path: path, Err: err}
	if m := lockHolder.FindStringSubmatch(msg); m != nil {
		locked.Holder = m[1]
		locked.PID, _ = strconv.Atoi(m[2])
	}
	return locked
}

// Path returns the database file name.
func (d *DB) Path() string { return d.path }

// Close closes the database and releases its file.
func (d *DB) Close() error {
	return errors.Join(d.sql.Close(), d.connector.Close())
}

// migrate creates the tables of a new database and upgrades an older one.
func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.sql.ExecContext(ctx,
		"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"); err != nil {
		return fmt.Errorf("create schema_version in %s: %w", d.path, err)
	}
	var version int
	if err := d.sql.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version of %s: %w", d.path, err)
	}
	if version > SchemaVersion {
		return fmt.Errorf("database %s has schema version %d, newer than this cutover's %d: use a newer cutover",
			d.path, version, SchemaVersion)
	}
	for v := version; v < SchemaVersion; v++ {
		tx, err := d.sql.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s to version %d: %w", d.path, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s to version %d: %w", d.path, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version VALUES (?, now())", v+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s to version %d: %w", d.path, v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s to version %d: %w", d.path, v+1, err)
		}
	}
	return nil
}
