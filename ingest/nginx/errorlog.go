package nginx

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// ErrNotTLSFailure is the error ErrorReader.Read returns for a well-formed
// error-log line that is not about a client's failed TLS handshake or
// certificate verification, such as "client closed keepalive connection" or
// an upstream error. Callers count such lines apart from records and
// rejected lines. It is not wrapped, and the record is left zero.
var ErrNotTLSFailure = errors.New("not a client TLS handshake or verification failure")

// The parts of an error-log line, numbered as in ParseError.Field.
var errorFieldNames = [...]string{"time", "level", "process", "connection", "message", "client"}

const (
	fieldTime = iota + 1
	fieldLevel
	fieldProcess
	fieldConnection
	fieldMessage
	fieldClient
)

// errorTimeLayout is the layout of an error-log time, which is the server's
// local time to the second.
const errorTimeLayout = "2006/01/02 15:04:05"

// ErrorReader reads Records from an nginx error log: one for each line about
// a client's failed TLS handshake or certificate verification, and
// ErrNotTLSFailure for every other line. The package documentation lists the
// messages it reads. It does not decompress: wrap a gzip file in a
// gzip.Reader first.
//
// An ErrorReader is not safe for concurrent use.
type ErrorReader struct {
	// Location is the time zone of the log's timestamps, which nginx writes
	// in the local time of the server (its TZ environment variable, or else
	// /etc/localtime). Nil means UTC. Set it before the first Read.
	//
	// NOTE: In the hour that repeats when daylight saving time ends, a local
	// time matches two instants, and time.ParseInLocation picks one of them.
	// Records of that hour may be an hour off.
	Location *time.Location

	lines *elblog.LineReader
	raw   string

	// err is the io.EOF or underlying reader error that ended reading, which
	// every later Read returns again.
	err error
}

// NewErrorReader returns an ErrorReader that reads from r.
func NewErrorReader(r io.Reader) *ErrorReader {
	return &ErrorReader{lines: elblog.NewLineReader(r)}
}

// Read resets rec and fills it from the next line. It returns io.EOF after
// the last line, and ErrNotTLSFailure for a line that is about something
// else.
//
// A line that cannot be parsed yields a *elblog.ParseError that wraps one of
// the elblog sentinel errors, and leaves rec zero. The next Read goes on with
// the following line. Any other error comes from the underlying reader. Read
// returns it as it is, and returns it again on every later call.
func (r *ErrorReader) Read(rec *terminator.Record) error {
	*rec = terminator.Record{}
	if r.err != nil {
		return r.err
	}

	line, err := r.lines.Next()
	r.raw = line
	if err != nil {
		if errors.Is(err, elblog.ErrEmptyLine) || errors.Is(err, elblog.ErrLineTooLong) {
			return &elblog.ParseError{Line: r.lines.Line(), Err: err}
		}
		r.err = err
		return err
	}

	if err := r.parseLine(line, rec); err != nil {
		*rec = terminator.Record{}
		return err
	}
	return nil
}

// Line returns the 1-indexed number of the line the last Read read.
func (r *ErrorReader) Line() int { return r.lines.Line() }

// Raw returns the line the last Read read, without its line ending. After an
// elblog.ErrLineTooLong error it holds the first elblog.MaxLineBytes bytes of
// the line. The string stays valid after the next Read.
func (r *ErrorReader) Raw() string { return r.raw }

// errorEntry is an error-log line split into its parts.
type errorEntry struct {
	time         time.Time
	connectionID string // "" when the line names no connection
	// message is the text up to nginx's context: " while <action>" and
	// ", client: <address>, ...".
	message string
	action  string
	// context is the text from "client: " on, or "" when there is none.
	context string
}

func (r *ErrorReader) parseLine(line string, rec *terminator.Record) error {
	entry, err := r.split(line)
	if err != nil {
		return err
	}

	failure, ok := classify(entry.message, entry.action)
	if !ok {
		return ErrNotTLSFailure
	}

	clientIP, found := contextClient(entry.context)
	if !found || clientIP == "" {
		return r.fieldError(fieldClient, fmt.Errorf("%w: the line has no \"client:\" address", elblog.ErrFieldCount))
	}
	if _, err := netip.ParseAddr(clientIP); err != nil {
		return r.invalid(fieldClient, clientIP, "an IPv4 or IPv6 address")
	}

	rec.Source = terminator.SourceNginx
	rec.Kind = terminator.KindHandshake
	rec.Time = entry.time
	if entry.connectionID != "" {
		rec.ConnectionID = validString(entry.connectionID)
	}
	rec.ClientIP = clientIP
	rec.VerifyRaw = validString(entry.message)
	rec.Outcome = string(failure.outcome)
	if failure.detail != "" {
		rec.Detail = validString(failure.detail)
	}

	if request, ok := contextRequest(entry.context); ok {
		if failure.perRequest {
			rec.Kind = terminator.KindRequest
		}
		if method, uri, ok := splitRequest(request); ok {
			rec.Method = validString(method)
			rec.URI = validString(uri)
		}
	}
	return nil
}

// split splits a line of the form
//
//	2023/09/21 22:43:21 [info] 1234#1234: *56 <message> while <action>, client: <address>, ...
//
// The "*56" connection number, the action and the context after the message
// are optional.
func (r *ErrorReader) split(line string) (errorEntry, error) {
	var entry errorEntry

	if len(line) < len(errorTimeLayout)+1 || line[len(errorTimeLayout)] != ' ' {
		return entry, r.invalid(fieldTime, line, "a line starting with a time such as 2023/09/21 22:43:21")
	}
	stamp := line[:len(errorTimeLayout)]
	t, ok := parseErrorTime(stamp, r.Location)
	if !ok {
		return entry, r.invalid(fieldTime, stamp, "a time such as 2023/09/21 22:43:21")
	}
	entry.time = t
	rest := line[len(errorTimeLayout)+1:]

	level, rest, ok := cutLevel(rest)
	if !ok {
		return entry, r.invalid(fieldLevel, level, "a level in brackets such as [info]")
	}

	process, rest, ok := strings.Cut(rest, ": ")
	if !ok || !isProcess(process) {
		return entry, r.invalid(fieldProcess, process, "a process and thread ID such as 1234#1234:")
	}

	if number, after, found := strings.Cut(rest, " "); found && strings.HasPrefix(number, "*") {
		if _, err := elblog.ParseUint(number[1:], 1<<64-1); err != nil {
			return entry, r.invalid(fieldConnection, number, "a connection number such as *56")
		}
		entry.connectionID = number[1:]
		rest = after
	}

	head := rest
	if i := strings.Index(rest, ", client: "); i >= 0 {
		head, entry.context = rest[:i], rest[i+len(", "):]
	}
	entry.message = head
	if i := strings.LastIndex(head, " while "); i >= 0 {
		entry.message, entry.action = head[:i], head[i+len(" while "):]
	}
	if entry.message == "" {
		return entry, r.fieldError(fieldMessage, fmt.Errorf("%w: the line has no message", elblog.ErrFieldCount))
	}
	return entry, nil
}

// parseErrorTime parses an error-log time in loc, or in UTC when loc is nil.
func parseErrorTime(v string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(errorTimeLayout, v, loc)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// cutLevel cuts "[level] " from the start of s.
func cutLevel(s string) (level, rest string, ok bool) {
	if !strings.HasPrefix(s, "[") {
		return s, "", false
	}
	level, rest, ok = strings.Cut(s[1:], "] ")
	if !ok || level == "" || strings.ContainsAny(level, " [") {
		return s, "", false
	}
	return level, rest, true
}

// isProcess reports whether s is a process and thread ID such as "1234#1234"
// or "1234#0".
func isProcess(s string) bool {
	pid, tid, ok := strings.Cut(s, "#")
	if !ok {
		return false
	}
	_, err1 := elblog.ParseUint(pid, 1<<32)
	_, err2 := elblog.ParseUint(tid, 1<<64-1)
	return err1 == nil && err2 == nil
}

// contextClient returns the address of "client: <address>" at the start of
// the context, and false when the context does not start with it.
func contextClient(context string) (string, bool) {
	rest, ok := strings.CutPrefix(context, "client: ")
	if !ok {
		return "", false
	}
	addr, _, _ := strings.Cut(rest, ", ")
	return addr, true
}

// requestEnds are the context entries that nginx's HTTP module may write
// after `request: "..."`. The request line can contain double quotes, so
// the value ends where one of these starts.
var requestEnds = []string{`", upstream: "`, `", host: "`, `", referrer: "`}

// contextRequest returns the value of `request: "..."` in the context of an
// HTTP error-log line, and false when there is none or it is cut off.
func contextRequest(context string) (string, bool) {
	_, rest, ok := strings.Cut(context, `, request: "`)
	if !ok {
		return "", false
	}
	end := -1
	for _, marker := range requestEnds {
		if i := strings.Index(rest, marker); i >= 0 && (end < 0 || i < end) {
			end = i
		}
	}
	if end >= 0 {
		return rest[:end], true
	}
	if request, ok := strings.CutSuffix(rest, `"`); ok {
		return request, true
	}
	return "", false
}

// invalid returns the ParseError for field n holding value v, which is not
// the expected kind of value.
func (r *ErrorReader) invalid(n int, v, expected string) error {
	return r.fieldError(n, fmt.Errorf("%w: %s, expected %s", elblog.ErrSyntax, elblog.Quote(v), expected))
}

func (r *ErrorReader) fieldError(n int, err error) error {
	return &elblog.ParseError{Line: r.lines.Line(), Field: n, Name: errorFieldNames[n-1], Err: err}
}
