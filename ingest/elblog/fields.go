package elblog

import (
	"database/sql"
	"fmt"
	"time"
)

// maxQuotedBytes limits how much of a value an error message quotes.
const maxQuotedBytes = 64

// Quote formats v for an error message, cut to 64 bytes.
func Quote(v string) string {
	if len(v) > maxQuotedBytes {
		return fmt.Sprintf("%q...", v[:maxQuotedBytes])
	}
	return fmt.Sprintf("%q", v)
}

// Fields converts the fields of one line to typed values. It keeps the first
// fault as a *ParseError in Err, so a parser can read every field without an
// error check of its own, and once Err is set every method returns a zero
// value. Field numbers are 1-indexed.
type Fields struct {
	// Values are the field values in log order.
	Values []string
	// Line is the line's number, for the ParseError.
	Line int
	// Name returns the AWS name of field n, for the ParseError.
	Name func(n int) string
	// Check, when set, rejects a value present on the line before "-" is
	// read as NULL, for rules of one format.
	Check func(n int, v string) error
	Err   error
}

// Optional returns the value of field n and whether it has one. The "-"
// placeholder and a field past the end of the line have none.
func (f *Fields) Optional(n int) (string, bool) {
	if f.Err != nil || n > len(f.Values) {
		return "", false
	}
	v := f.Values[n-1]
	if f.Check != nil {
		if err := f.Check(n, v); err != nil {
			f.FailWith(n, err)
			return "", false
		}
	}
	if IsNull(v) {
		return "", false
	}
	return v, true
}

// Fail records that the value v of field n is invalid.
func (f *Fields) Fail(n int, v string) {
	f.FailWith(n, fmt.Errorf("%w: %s", ErrSyntax, Quote(v)))
}

// FailWith records err as the fault of field n, unless an earlier field
// already failed.
func (f *Fields) FailWith(n int, err error) {
	if f.Err == nil {
		f.Err = &ParseError{Line: f.Line, Field: n, Name: f.Name(n), Err: err}
	}
}

// Required returns the value of a field that every line must have. The
// caller must have checked that the line has field n.
func (f *Fields) Required(n int) string {
	v, ok := f.Optional(n)
	if !ok && f.Err == nil {
		f.Fail(n, f.Values[n-1])
	}
	return v
}

// NullString returns field n, not Valid for "-" or a missing field.
func (f *Fields) NullString(n int) sql.NullString {
	v, ok := f.Optional(n)
	return sql.NullString{String: v, Valid: ok}
}

// RequiredTime returns field n as a time (ParseTime).
func (f *Fields) RequiredTime(n int) time.Time {
	v := f.Required(n)
	if f.Err != nil {
		return time.Time{}
	}
	t, err := ParseTime(v)
	if err != nil {
		f.Fail(n, v)
		return time.Time{}
	}
	return t
}

// NullTime returns field n as a time, not Valid for "-" or a missing field.
func (f *Fields) NullTime(n int) sql.NullTime {
	v, ok := f.Optional(n)
	if !ok {
		return sql.NullTime{}
	}
	t, err := ParseTime(v)
	if err != nil {
		f.Fail(n, v)
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t, Valid: true}
}

// Client returns the address and port of an "ip:port" field that every line
// must have (SplitHostPort).
func (f *Fields) Client(n int) (string, sql.NullInt32) {
	v := f.Required(n)
	if f.Err != nil {
		return "", sql.NullInt32{}
	}
	addr, port, err := SplitHostPort(v)
	if err != nil {
		f.Fail(n, v)
		return "", sql.NullInt32{}
	}
	return addr, sql.NullInt32{Int32: port, Valid: true}
}

// HostPort returns the address and port of an "ip:port" field, both not
// Valid for "-" or a missing field.
func (f *Fields) HostPort(n int) (sql.NullString, sql.NullInt32) {
	v, ok := f.Optional(n)
	if !ok {
		return sql.NullString{}, sql.NullInt32{}
	}
	addr, port, err := SplitHostPort(v)
	if err != nil {
		f.Fail(n, v)
		return sql.NullString{}, sql.NullInt32{}
	}
	return sql.NullString{String: addr, Valid: true}, sql.NullInt32{Int32: port, Valid: true}
}
