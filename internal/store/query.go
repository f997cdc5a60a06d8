package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Result is the outcome of a query: column names and rows of Go values as
// the DuckDB driver returns them (nil for NULL).
type Result struct {
	Columns []string
	Types   []string // DuckDB type names, such as "VARCHAR" or "TIMESTAMPTZ"
	Rows    [][]any
}

// Query runs one SQL statement and collects its rows. Open the database
// ReadOnly to guarantee that the statement changes nothing.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*Result, error) {
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows)
}

// Window is the time window a query reads, set as the DuckDB variables
// window_start and window_end. A zero side is NULL, which the named queries
// read as unbounded.
type Window struct {
	From, To time.Time
}

// QueryWindow runs one SQL statement, like Query, on a connection whose
// variables window_start and window_end hold w, so that a query can read
// them with getvariable('window_start').
func (d *DB) QueryWindow(ctx context.Context, w Window, query string, args ...any) (*Result, error) {
	return d.QueryVariables(ctx, w, nil, query, args...)
}

// QueryVariables runs one SQL statement like QueryWindow, with further
// DuckDB variables set on the connection first. Each value of vars is bound
// as a parameter, so a string stays a VARCHAR: pass an interval as a string
// such as "30 days". The variables are reset afterwards, so that the pooled
// connection does not pass them on.
func (d *DB) QueryVariables(ctx context.Context, w Window, vars map[string]any, query string, args ...any) (*Result, error) {
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	for name, bound := range map[string]time.Time{"window_start": w.From, "window_end": w.To} {
		value := sql.NullTime{Time: bound.UTC(), Valid: !bound.IsZero()}
		if _, err := conn.ExecContext(ctx, "SET VARIABLE "+name+" = ?::TIMESTAMPTZ", value); err != nil {
			return nil, fmt.Errorf("set %s: %w", name, err)
		}
	}
	for name, value := range vars {
		if _, err := conn.ExecContext(ctx, "SET VARIABLE "+name+" = ?", value); err != nil {
			return nil, fmt.Errorf("set %s: %w", name, err)
		}
		defer conn.ExecContext(context.Background(), "RESET VARIABLE "+name)
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows)
}

// collect reads every row of rows and closes them.
func collect(rows *sql.Rows) (*Result, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols}
	for _, t := range types {
		res.Types = append(res.Types, t.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read row %d: %w", len(res.Rows)+1, err)
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}
