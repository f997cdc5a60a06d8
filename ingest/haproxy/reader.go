package haproxy

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// ParserVersion is the version of the mapping from a log line to a Record.
// Increase it with every change that would load the same line into different
// values.
const ParserVersion = 1

// ErrSkip reports a line that is neither an HTTP log line nor a connection
// error log line, such as HAProxy's start-up messages and server state
// changes. It is not a *elblog.ParseError: callers count such lines apart
// from rejected ones and go on with the next line.
var ErrSkip = errors.New("not an HTTP or connection error log line")

// Options sets how a Reader reads a log.
type Options struct {
	// Location is the time zone of the HAProxy host. HAProxy writes the
	// request date %tr and the accept date of the connection error log in its
	// local time, without an offset. Nil means UTC.
	Location *time.Location
}

// Reader reads Records from an HAProxy log, one per line: the HTTP log of
// "option httpslog" or of RecommendedLogFormat, and the connection error log,
// with or without a syslog header, in one file or in several. It does not
// decompress: wrap a gzip file in a gzip.Reader first.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	lines    *elblog.LineReader
	location *time.Location
	raw      string

	// err is the io.EOF or underlying reader error that ended reading, which
	// every later Read returns again.
	err error
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader, opts Options) *Reader {
	location := opts.Location
	if location == nil {
		location = time.UTC
	}
	return &Reader{lines: elblog.NewLineReader(r), location: location}
}

// Read resets rec and fills it from the next line. It returns io.EOF after the
// last line.
//
// A line that is neither an HTTP nor a connection error log line yields
// ErrSkip. A line that looks like one of them, by its client address and
// bracketed date, but cannot be parsed yields a *elblog.ParseError. After
// either, rec is zero and the next Read goes on with the following line. Any
// other error comes from the underlying reader, such as a corrupt gzip
// stream. Read returns it as it is, and returns it again on every later call.
func (r *Reader) Read(rec *terminator.Record) error {
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
func (r *Reader) Line() int { return r.lines.Line() }

// Raw returns the line the last Read read, without its line ending. After an
// elblog.ErrLineTooLong error it holds the first elblog.MaxLineBytes bytes of
// the line. The string stays valid after the next Read.
func (r *Reader) Raw() string { return r.raw }

// entryHead is the start that the HTTP and connection error logs share:
// %ci:%cp [date].
type entryHead struct {
	client string
	date   string
	rest   string // the text after "] "
}

// splitHead returns the head of an entry, and reports false for a message
// that does not start with a field and a bracketed date of the log date
// shape.
func splitHead(message string) (entryHead, bool) {
	client, rest, found := strings.Cut(message, " ")
	if !found || client == "" || len(rest) < logDateLen+2 || rest[0] != '[' || rest[logDateLen+1] != ']' {
		return entryHead{}, false
	}
	date := rest[1 : logDateLen+1]
	if !looksLikeLogDate(date) {
		return entryHead{}, false
	}
	after := rest[logDateLen+2:]
	if after != "" && after[0] != ' ' {
		return entryHead{}, false
	}
	return entryHead{client: client, date: date, rest: strings.TrimPrefix(after, " ")}, true
}

func (r *Reader) parseLine(line string, rec *terminator.Record) error {
	head, ok := splitHead(stripSyslogPrefix(line))
	if !ok {
		return ErrSkip
	}

	rec.Source = terminator.SourceHAProxy
	third, _, _ := strings.Cut(head.rest, " ")
	if strings.HasSuffix(third, ":") && strings.Contains(third, "/") {
		return r.parseConnError(head, rec)
	}
	return r.parseHTTP(head, rec)
}

// fieldError returns the ParseError for field n (1-indexed) of a line whose
// field names are names.
func (r *Reader) fieldError(names []string, n int, err error) error {
	return &elblog.ParseError{Line: r.lines.Line(), Field: n, Name: names[n-1], Err: err}
}

// invalid returns the ParseError for field n holding v, which is not the
// expected kind of value.
func (r *Reader) invalid(names []string, n int, v, expected string) error {
	return r.fieldError(names, n, fmt.Errorf("%w: %s, expected %s", elblog.ErrSyntax, elblog.Quote(v), expected))
}
