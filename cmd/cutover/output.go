package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// table is a result to print: column names and rows of Go values.
type table struct {
	columns []string
	rows    [][]any
}

// column returns the index of the named column, or -1.
func (t table) column(name string) int {
	return slices.Index(t.columns, name)
}

// write prints t in the format --output chose.
func (t table) write(w io.Writer, format string) error {
	switch format {
	case "json":
		return t.writeJSON(w)
	case "csv":
		return t.writeCSV(w)
	}
	return t.writeTable(w)
}

func (t table) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.columns, "\t"))
	for _, row := range t.rows {
		cells := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				cells[i] = "NULL"
				continue
			}
			// Tabs and line breaks would break the columns.
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(formatValue(v))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func (t table) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.columns); err != nil {
		return err
	}
	cells := make([]string, len(t.columns))
	for _, row := range t.rows {
		for i, v := range row {
			cells[i] = ""
			if v != nil {
				cells[i] = formatValue(v)
			}
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON prints an array of objects whose keys keep the column order.
func (t table) writeJSON(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString("[")
	for r, row := range t.rows {
		if r > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n  {")
		for i, v := range row {
			if i > 0 {
				buf.WriteString(", ")
			}
			key, _ := json.Marshal(t.columns[i])
			buf.Write(key)
			buf.WriteString(": ")
			val, err := json.Marshal(jsonValue(v))
			if err != nil {
				return fmt.Errorf("encode column %s: %w", t.columns[i], err)
			}
			buf.Write(val)
		}
		buf.WriteString("}")
	}
	if len(t.rows) > 0 {
		buf.WriteString("\n")
	}
	buf.WriteString("]\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// formatValue renders one value as text: times in RFC 3339 UTC, floats in
// their shortest exact form.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case []byte:
		return fmt.Sprintf("%x", x)
	case *big.Int:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// jsonValue maps a value to what encoding/json renders well: numbers stay
// numbers, NaN and infinities become null, times RFC 3339 strings.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case float32:
		return jsonValue(float64(x))
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *big.Int:
		return json.Number(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	}
	return formatValue(v)
}
