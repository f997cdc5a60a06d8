package nginx

import (
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// sentinels are the errors a ParseError from either reader may wrap.
var sentinels = []error{
	elblog.ErrFieldCount,
	elblog.ErrQuote,
	elblog.ErrBareQuote,
	elblog.ErrSyntax,
	elblog.ErrEmptyLine,
	elblog.ErrLineTooLong,
}

// lineReader is what the fuzz tests need of AccessReader and ErrorReader.
type lineReader interface {
	Read(*terminator.Record) error
	Line() int
	Raw() string
}

// addSeedFiles adds the sample logs to the corpus, whole.
func addSeedFiles(f *testing.F, paths ...string) {
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
}

// checkEveryLine checks that every line of input yields exactly one record,
// one *elblog.ParseError or, where skipUnrelated, ErrNotTLSFailure, in order,
// and that Read never panics. A line is a piece of the input split on "\n",
// not counting an empty piece at the end.
func checkEveryLine(t *testing.T, input string, r lineReader, names []string, skipUnrelated bool) {
	pieces := strings.Split(input, "\n")
	if pieces[len(pieces)-1] == "" {
		pieces = pieces[:len(pieces)-1]
	}

	var rec terminator.Record
	for i, piece := range pieces {
		err := r.Read(&rec)
		lineNumber := i + 1
		if r.Line() != lineNumber {
			t.Fatalf("Line() = %d after read %d", r.Line(), lineNumber)
		}
		checkRaw(t, r.Raw(), piece, i < len(pieces)-1 || strings.HasSuffix(input, "\n"))

		switch {
		case err == nil:
			checkRecord(t, lineNumber, rec)
		case skipUnrelated && err == ErrNotTLSFailure:
			checkZero(t, lineNumber, err, rec)
		default:
			checkParseError(t, err, lineNumber, names)
			checkZero(t, lineNumber, err, rec)
		}
	}

	if err := r.Read(&rec); err != io.EOF {
		t.Fatalf("Read after %d lines = %v, want io.EOF", len(pieces), err)
	}
	if r.Line() != len(pieces) {
		t.Fatalf("Line() after the end = %d, want %d", r.Line(), len(pieces))
	}
}

func checkZero(t *testing.T, lineNumber int, err error, rec terminator.Record) {
	t.Helper()
	if rec != (terminator.Record{}) {
		t.Fatalf("line %d: record not zero after error %v: %+v", lineNumber, err, rec)
	}
}

// checkRaw checks that Raw returned the piece, without the "\r" of a "\r\n"
// ending. LineReader rewrites invalid UTF-8 as \xNN escapes, so for such a
// piece it checks only that Raw is valid.
func checkRaw(t *testing.T, raw, piece string, endsInNewline bool) {
	t.Helper()
	if !utf8.ValidString(raw) {
		t.Fatalf("Raw() = %q is not valid UTF-8", raw)
	}
	if !utf8.ValidString(piece) {
		return
	}
	want := piece
	if endsInNewline {
		want = strings.TrimSuffix(piece, "\r")
	}
	if len(want) > elblog.MaxLineBytes {
		want = want[:elblog.MaxLineBytes]
	}
	if raw != want {
		t.Fatalf("Raw() = %q, want %q", raw, want)
	}
}

// checkRecord checks what every record promises: its source and kind, a
// client IP address, UTC times, valid UTF-8 in every string and no parsed
// identity without its raw value.
func checkRecord(t *testing.T, lineNumber int, rec terminator.Record) {
	t.Helper()
	if rec.Source != terminator.SourceNginx {
		t.Fatalf("line %d: Source = %q", lineNumber, rec.Source)
	}
	if rec.Kind != terminator.KindRequest && rec.Kind != terminator.KindHandshake {
		t.Fatalf("line %d: Kind = %q", lineNumber, rec.Kind)
	}
	if _, err := netip.ParseAddr(rec.ClientIP); err != nil {
		t.Fatalf("line %d: ClientIP %q is not an address", lineNumber, rec.ClientIP)
	}
	if rec.Time.Location() != rec.Time.UTC().Location() {
		t.Fatalf("line %d: Time %v is not UTC", lineNumber, rec.Time)
	}
	if (rec.Subject.Valid && !rec.SubjectRaw.Valid) || (rec.Issuer.Valid && !rec.IssuerRaw.Valid) || (rec.Serial.Valid && !rec.SerialRaw.Valid) {
		t.Fatalf("line %d: a canonical identity without its raw value: %+v", lineNumber, rec)
	}

	walkStrings(reflect.ValueOf(rec), func(s string) {
		if !utf8.ValidString(s) {
			t.Fatalf("line %d: %q is not valid UTF-8", lineNumber, s)
		}
	})
}

// walkStrings calls visit with every string in v, including those inside
// sql.Null* fields.
func walkStrings(v reflect.Value, visit func(string)) {
	switch v.Kind() {
	case reflect.String:
		visit(v.String())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			walkStrings(v.Field(i), visit)
		}
	}
}

// checkParseError checks that err is a *elblog.ParseError for the line with
// a field number and name from names and one of the sentinel errors.
func checkParseError(t *testing.T, err error, lineNumber int, names []string) {
	t.Helper()
	parseErr, ok := err.(*elblog.ParseError)
	if !ok {
		t.Fatalf("line %d: error %T %v, want *elblog.ParseError", lineNumber, err, err)
	}
	if parseErr.Line != lineNumber {
		t.Fatalf("ParseError.Line = %d, want %d", parseErr.Line, lineNumber)
	}
	if parseErr.Field < 0 || parseErr.Field > len(names) {
		t.Fatalf("line %d: ParseError.Field = %d, want 0 to %d", lineNumber, parseErr.Field, len(names))
	}
	if parseErr.Field > 0 && parseErr.Name != names[parseErr.Field-1] {
		t.Fatalf("line %d: ParseError.Name = %q for field %d", lineNumber, parseErr.Name, parseErr.Field)
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			return
		}
	}
	t.Fatalf("line %d: error %v wraps none of the elblog sentinel errors", lineNumber, err)
}

func FuzzAccessRead(f *testing.F) {
	f.Add(successLine + "\n")
	f.Add(accessLine(map[string]any{"upstream_header_time": `"-, 0.1 : 0.2"`, "status": "400"}) + "\r\n{\"msec\":\"1\"")
	f.Add("\n\r\n" + `{"msec":"1.5","remote_addr":"::1","x":[{"y":"]"}],"request":"GET"}`)
	f.Add(`{"msec":"1","remote_addr":"192.0.2.1","http_user_agent":"\x22\xC3\xA9\u00e9\ud800\\"}`)
	f.Add("{\"msec\":\"1\",\"remote_addr\":\"192.0.2.1\",\"http_user_agent\":\"caf\xe9\"}")
	addSeedFiles(f, "testdata/access.log")

	keyNames := accessKeys[:]
	f.Fuzz(func(t *testing.T, input string) {
		checkEveryLine(t, input, NewAccessReader(strings.NewReader(input)), keyNames, false)
	})
}

func FuzzErrorRead(f *testing.F) {
	f.Add(handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher)" + handshakeContext + "\n")
	f.Add(`2025/09/16 12:05:03 [info] 814#814: *1042 client SSL certificate verify error: (10:certificate has expired) while reading client request headers, client: 198.51.100.77, server: api.example.com, request: "GET /x" HTTP/1.1", host: "a"` + "\r\n")
	f.Add("2025/09/16 12:05:09 [info] 1#0: client timed out while SSL handshaking, client: ::1\n\ngarbage\n")
	f.Add("2025/09/16 12:05:09 [crit] 1#1: *9 SSL_do_handshake() failed (SSL: error:) (1: x) while SSL handshaking, client: 192.0.2.1")
	addSeedFiles(f, "testdata/error.log")

	fieldNames := errorFieldNames[:]
	f.Fuzz(func(t *testing.T, input string) {
		checkEveryLine(t, input, NewErrorReader(strings.NewReader(input)), fieldNames, true)
	})
}

// FuzzDecodeObject checks decodeObject against encoding/json on the lines
// that are valid JSON objects: both must find the same value for every key
// that RecommendedLogFormat has and that holds a string.
func FuzzDecodeObject(f *testing.F) {
	f.Add(successLine)
	f.Add(`{"msec":"\ud83d\ude00\u00e9\/","status":400,"x":{"status":"1"},"status":"\"q\""}`)
	f.Add(`{"request":null,"request":"\ud800x"}`)

	var values [numAccessKeys]jsonValue
	f.Fuzz(func(t *testing.T, line string) {
		err := decodeObject(line, &values)
		if err == nil {
			for _, v := range values {
				if !utf8.ValidString(v.text) && utf8.ValidString(line) {
					t.Fatalf("decoded %q from valid UTF-8 is not valid UTF-8", v.text)
				}
			}
		}

		if !utf8.ValidString(line) || !json.Valid([]byte(line)) {
			return
		}
		var object map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &object) != nil {
			return
		}
		if err != nil {
			if _, composite := err.(*valueTypeError); composite {
				return
			}
			t.Fatalf("decodeObject(%q) = %v, but encoding/json reads it", line, err)
		}
		for key, raw := range object {
			index, known := lookupAccessKey(key)
			var want string
			if !known || json.Unmarshal(raw, &want) != nil {
				continue
			}
			if values[index].text != want || !values[index].present {
				t.Fatalf("key %q: decodeObject found %q, encoding/json %q", key, values[index].text, want)
			}
		}
	})
}
