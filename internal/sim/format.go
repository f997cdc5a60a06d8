package sim

import (
	"strconv"
	"time"
)

// timeFormatter appends timestamps in the ALB's ISO 8601 form without
// calling time.Format per line: it caches the date of the last day.
type timeFormatter struct {
	day  int64
	date []byte // "2006-01-02T"
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// appendMicro appends us (µs since the Unix epoch) as
// "2006-01-02T15:04:05.000000Z".
func (f *timeFormatter) appendMicro(b []byte, us int64) []byte {
	sec := floorDiv(us, 1e6)
	b = f.appendSecond(b, sec)
	b = append(b, '.')
	b = appendPadded(b, us-sec*1e6, 6)
	return append(b, 'Z')
}

// appendMilliPadded appends us at millisecond precision padded to six
// fraction digits, "2006-01-02T15:04:05.123000Z", the form the ALB uses for
// request_creation_time.
func (f *timeFormatter) appendMilliPadded(b []byte, us int64) []byte {
	sec := floorDiv(us, 1e6)
	b = f.appendSecond(b, sec)
	b = append(b, '.')
	b = appendPadded(b, (us-sec*1e6)/1000, 3)
	b = append(b, "000"...)
	return append(b, 'Z')
}

func (f *timeFormatter) appendSecond(b []byte, sec int64) []byte {
	day := floorDiv(sec, 86400)
	if f.date == nil || day != f.day {
		f.day = day
		f.date = time.Unix(day*86400, 0).UTC().AppendFormat(f.date[:0], "2006-01-02T")
	}
	b = append(b, f.date...)
	sod := sec - day*86400
	b = appendPadded(b, sod/3600, 2)
	b = append(b, ':')
	b = appendPadded(b, sod/60%60, 2)
	b = append(b, ':')
	return appendPadded(b, sod%60, 2)
}

// appendPadded appends v in decimal with leading zeros to width digits.
func appendPadded(b []byte, v int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v >= 10 || width > 1 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	buf[i] = byte('0' + v)
	return append(b, buf[i:]...)
}

// appendSeconds appends a duration of us µs as seconds with millisecond
// precision ("0.034"), or "-1" for a negative duration, as the ALB logs
// processing times and handshake latency.
func appendSeconds(b []byte, us int64) []byte {
	if us < 0 {
		return append(b, "-1"...)
	}
	ms := (us + 500) / 1000
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	return appendPadded(b, ms%1000, 3)
}

const hexDigits = "0123456789abcdef"

// appendHex64 appends v as 16 lower-case hex digits.
func appendHex64(b []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[v>>uint(shift)&0xf])
	}
	return b
}

// appendHexN appends the low n hex digits of v.
func appendHexN(b []byte, v uint64, n int) []byte {
	for shift := (n - 1) * 4; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[v>>uint(shift)&0xf])
	}
	return b
}
