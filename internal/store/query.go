package store

import (
	"context"
	"fmt"
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
