package elblog

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bare(v string) Field   { return Field{Value: v} }
func quoted(v string) Field { return Field{Value: v, Quoted: true} }

func TestSplit(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		want      []Field
		wantField int
		wantErr   error
	}{
		{
			name: "bare fields",
			line: "http 2018-07-02T22:23:00.186641Z app/lb/1",
			want: []Field{bare("http"), bare("2018-07-02T22:23:00.186641Z"), bare("app/lb/1")},
		},
		{
			name: "quoted field with spaces",
			line: `200 "GET http://h:80/ HTTP/1.1" -`,
			want: []Field{bare("200"), quoted("GET http://h:80/ HTTP/1.1"), bare("-")},
		},
		{
			name: "quoted field last",
			line: `a "b c"`,
			want: []Field{bare("a"), quoted("b c")},
		},
		{
			name: "quoted placeholder",
			line: `"-" -`,
			want: []Field{quoted("-"), bare("-")},
		},
		{
			name: "empty quoted field",
			line: `"" x`,
			want: []Field{quoted(""), bare("x")},
		},
		{
			name: "escaped quotes decoded",
			line: `"say \"hi\"" "a\x22b"`,
			want: []Field{quoted(`say "hi"`), quoted(`a"b`)},
		},
		{
			name: "escaped backslash before the closing quote",
			line: `"a\\" b`,
			want: []Field{quoted(`a\`), bare("b")},
		},
		{
			name: "list without quotes",
			line: `10.0.0.1:80 200 "-"`,
			want: []Field{bare("10.0.0.1:80"), bare("200"), quoted("-")},
		},
		{
			name: "empty line is one empty field",
			line: "",
			want: []Field{bare("")},
		},
		{
			name: "two spaces give an empty field",
			line: "a  b",
			want: []Field{bare("a"), bare(""), bare("b")},
		},
		{
			name: "space at the end gives an empty field",
			line: "a ",
			want: []Field{bare("a"), bare("")},
		},
		{
			name: "space after a quoted field at the end",
			line: `"a" `,
			want: []Field{quoted("a"), bare("")},
		},
		{
			name:      "quote not closed",
			line:      `a "b c`,
			want:      []Field{bare("a")},
			wantField: 2,
			wantErr:   ErrQuote,
		},
		{
			name:      "closing quote escaped",
			line:      `"abc\"`,
			want:      []Field{},
			wantField: 1,
			wantErr:   ErrQuote,
		},
		{
			name:      "backslash at the end of the line",
			line:      `x "abc\`,
			want:      []Field{bare("x")},
			wantField: 2,
			wantErr:   ErrQuote,
		},
		{
			name:      "quote inside a bare field",
			line:      `a b"c d`,
			want:      []Field{bare("a")},
			wantField: 2,
			wantErr:   ErrBareQuote,
		},
		{
			name:      "text right after a closing quote",
			line:      `a "b"c d`,
			want:      []Field{bare("a"), quoted("b")},
			wantField: 2,
			wantErr:   ErrBareQuote,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, field, err := Split(tt.line, []Field{})

			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantField, field)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestSplitAppendsToDst(t *testing.T) {
	dst := []Field{bare("kept")}

	got, _, err := Split(`a "b"`, dst)

	require.NoError(t, err)
	assert.Equal(t, []Field{bare("kept"), bare("a"), quoted("b")}, got)
}

func TestSplitAllocatesOnlyForEscapes(t *testing.T) {
	dst := make([]Field, 0, 8)
	plain := `http 2018-07-02T22:23:00.186641Z "GET http://h:80/ HTTP/1.1" "curl/8.0"`
	escaped := `http 2018-07-02T22:23:00.186641Z "GET http://h:80/\x22 HTTP/1.1" "curl/8.0"`

	plainAllocs := testing.AllocsPerRun(100, func() { dst, _, _ = Split(plain, dst[:0]) })
	escapedAllocs := testing.AllocsPerRun(100, func() { dst, _, _ = Split(escaped, dst[:0]) })

	assert.Zero(t, plainAllocs)
	assert.Equal(t, 1.0, escapedAllocs)
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "no escapes", in: "curl/8.0", want: "curl/8.0"},
		{name: "backslash quote", in: `a\"b`, want: `a"b`},
		{name: "backslash backslash", in: `a\\b`, want: `a\b`},
		{name: "hex quote", in: `\x22`, want: `"`},
		{name: "hex upper case", in: `\x4A\x4a`, want: "JJ"},
		{name: "hex space and tilde", in: `\x20\x7e`, want: " ~"},
		{name: "control byte kept", in: `a\x1fb`, want: `a\x1fb`},
		{name: "DEL kept", in: `\x7f`, want: `\x7f`},
		{name: "non-ASCII bytes kept", in: `caf\xc3\xa9`, want: `caf\xc3\xa9`},
		{name: "short hex kept", in: `a\x4`, want: `a\x4`},
		{name: "hex at the end", in: `a\x41`, want: "aA"},
		{name: "not hex kept", in: `\xzz`, want: `\xzz`},
		{name: "other escape kept", in: `a\nb`, want: `a\nb`},
		{name: "backslash at the end kept", in: `a\`, want: `a\`},
		{name: "escaped backslash before x", in: `\\x41`, want: `\x41`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Unescape(tt.in))
		})
	}
}

func TestSplitHostPort(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantHost string
		wantPort int32
		wantErr  bool
	}{
		{name: "IPv4", in: "192.168.131.39:2817", wantHost: "192.168.131.39", wantPort: 2817},
		{name: "IPv6 without brackets", in: "2001:db8:85a3:0:0:8a2e:370:7334:2817", wantHost: "2001:db8:85a3:0:0:8a2e:370:7334", wantPort: 2817},
		{name: "IPv6 compressed", in: "fd6d:6bbc:c529:6::face:ed83:f46:80", wantHost: "fd6d:6bbc:c529:6::face:ed83:f46", wantPort: 80},
		{name: "IPv6 loopback", in: "::1:443", wantHost: "::1", wantPort: 443},
		{name: "IPv6 in brackets kept as written", in: "[2001:db8::1]:80", wantHost: "[2001:db8::1]", wantPort: 80},
		{name: "port 0", in: "10.0.0.1:0", wantHost: "10.0.0.1", wantPort: 0},
		{name: "port 65535", in: "10.0.0.1:65535", wantHost: "10.0.0.1", wantPort: 65535},
		{name: "port too large", in: "10.0.0.1:65536", wantErr: true},
		{name: "no port", in: "10.0.0.1", wantErr: true},
		{name: "empty port", in: "10.0.0.1:", wantErr: true},
		{name: "empty host", in: ":80", wantErr: true},
		{name: "negative port", in: "10.0.0.1:-1", wantErr: true},
		{name: "port not a number", in: "10.0.0.1:8a", wantErr: true},
		{name: "brackets without port", in: "[2001:db8::1]", wantErr: true},
		{name: "placeholder", in: "-", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port, err := SplitHostPort(tt.in)

			if tt.wantErr {
				assert.ErrorIs(t, err, ErrSyntax)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantHost, host)
			assert.Equal(t, tt.wantPort, port)
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Time
		wantErr bool
	}{
		{name: "microseconds", in: "2018-07-02T22:23:00.186641Z", want: time.Date(2018, 7, 2, 22, 23, 0, 186641000, time.UTC)},
		{name: "milliseconds padded", in: "2018-07-02T22:22:48.364000Z", want: time.Date(2018, 7, 2, 22, 22, 48, 364000000, time.UTC)},
		{name: "milliseconds", in: "2025-05-30T16:47:00.781Z", want: time.Date(2025, 5, 30, 16, 47, 0, 781000000, time.UTC)},
		{name: "one fraction digit", in: "2018-07-02T22:23:00.5Z", want: time.Date(2018, 7, 2, 22, 23, 0, 500000000, time.UTC)},
		{name: "nanoseconds", in: "2018-07-02T22:23:00.123456789Z", want: time.Date(2018, 7, 2, 22, 23, 0, 123456789, time.UTC)},
		{name: "no fraction", in: "2023-04-01T12:00:00Z", want: time.Date(2023, 4, 1, 12, 0, 0, 0, time.UTC)},
		{name: "NLB form without Z", in: "2018-12-20T02:59:40", want: time.Date(2018, 12, 20, 2, 59, 40, 0, time.UTC)},
		{name: "leap day", in: "2024-02-29T00:00:00Z", want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{name: "offset converted to UTC", in: "2018-07-02T22:23:00+02:00", want: time.Date(2018, 7, 2, 20, 23, 0, 0, time.UTC)},
		{name: "February 30", in: "2018-02-30T00:00:00Z", wantErr: true},
		{name: "February 29 in a common year", in: "2023-02-29T00:00:00Z", wantErr: true},
		{name: "month 13", in: "2018-13-02T22:23:00Z", wantErr: true},
		{name: "hour 24", in: "2018-07-02T24:00:00Z", wantErr: true},
		{name: "minute 60", in: "2018-07-02T22:60:00Z", wantErr: true},
		{name: "point without digits", in: "2018-07-02T22:23:00.Z", wantErr: true},
		{name: "space for T", in: "2018-07-02 22:23:00Z", wantErr: true},
		{name: "text after Z", in: "2018-07-02T22:23:00Zx", wantErr: true},
		{name: "NLB version field", in: "2.0", wantErr: true},
		{name: "placeholder", in: "-", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime(tt.in)

			if tt.wantErr {
				assert.ErrorIs(t, err, ErrSyntax)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, time.UTC, got.Location())
		})
	}
}

func TestParseNumbers(t *testing.T) {
	t.Run("ParseUint", func(t *testing.T) {
		n, err := ParseUint("000", 999)
		require.NoError(t, err)
		assert.Equal(t, uint64(0), n)

		n, err = ParseUint("18446744073709551615", math.MaxUint64)
		require.NoError(t, err)
		assert.Equal(t, uint64(math.MaxUint64), n)

		for _, v := range []string{"", "-1", "+1", "1.0", "1000", "18446744073709551616", "25000000000000000000", "99999999999999999999"} {
			_, err := ParseUint(v, 999)
			assert.ErrorIs(t, err, ErrSyntax, "ParseUint(%q, 999)", v)
		}
		_, err = ParseUint("25000000000000000000", math.MaxUint64)
		assert.ErrorIs(t, err, ErrSyntax, "a value that wraps around")
	})

	t.Run("ParseInt", func(t *testing.T) {
		n, err := ParseInt("-1")
		require.NoError(t, err)
		assert.Equal(t, int64(-1), n)

		n, err = ParseInt("9223372036854775807")
		require.NoError(t, err)
		assert.Equal(t, int64(math.MaxInt64), n)

		for _, v := range []string{"", "-", "--1", "9223372036854775808", "1-"} {
			_, err := ParseInt(v)
			assert.ErrorIs(t, err, ErrSyntax, "ParseInt(%q)", v)
		}
	})

	t.Run("ParseFloat", func(t *testing.T) {
		for v, want := range map[string]float64{"0.000": 0, "0.086": 0.086, "-1": -1, "12": 12, "0.000073": 0.000073} {
			f, err := ParseFloat(v)
			require.NoError(t, err, v)
			assert.Equal(t, want, f, v)
		}
		for _, v := range []string{"", "-", ".", "NaN", "Inf", "-Inf", "0x1p-2", "1_000", "1e3", "1.2.3", " 1"} {
			_, err := ParseFloat(v)
			assert.ErrorIs(t, err, ErrSyntax, "ParseFloat(%q)", v)
		}
	})
}

func TestIsNull(t *testing.T) {
	assert.True(t, IsNull("-"))
	assert.False(t, IsNull(""))
	assert.False(t, IsNull("--"))
	assert.False(t, IsNull("-1"))
}
