package haproxy

import "strings"

// stripSyslogPrefix returns the HAProxy message of a line without the header
// that HAProxy's log formats or a syslog daemon put before it. It removes, in
// this order, a priority such as <134>, then either an RFC 5424 header, or a
// timestamp (RFC 3164 "Dec  3 14:00:01" or RFC 3339) followed by an optional
// host name and an optional tag such as haproxy[123]:. A line without any of
// them is returned as it is.
func stripSyslogPrefix(line string) string {
	s := cutPriority(line)
	if rest, ok := strings.CutPrefix(s, "1 "); ok {
		if message, ok := cutRFC5424Header(rest); ok {
			return message
		}
		return s
	}
	if rest, ok := cutTimestamp(s); ok {
		return cutHostAndTag(rest)
	}
	return s
}

// cutPriority removes a syslog priority: '<', one to three digits, '>'.
func cutPriority(s string) string {
	if len(s) < 3 || s[0] != '<' {
		return s
	}
	for i := 1; i < len(s) && i <= 4; i++ {
		c := s[i]
		if c == '>' && i > 1 {
			return s[i+1:]
		}
		if c < '0' || c > '9' {
			return s
		}
	}
	return s
}

// cutRFC5424Header removes what follows "<PRI>1 " in an RFC 5424 message:
// TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA, where the
// structured data is "-" or one or more [...] elements, and a byte order mark
// at the start of the message.
func cutRFC5424Header(s string) (string, bool) {
	for range 5 {
		space := strings.IndexByte(s, ' ')
		if space <= 0 {
			return "", false
		}
		s = s[space+1:]
	}

	switch {
	case strings.HasPrefix(s, "-"):
		s = s[1:]
	case strings.HasPrefix(s, "["):
		end, ok := structuredDataEnd(s)
		if !ok {
			return "", false
		}
		s = s[end:]
	default:
		return "", false
	}

	if s == "" {
		return "", true
	}
	if s[0] != ' ' {
		return "", false
	}
	return strings.TrimPrefix(s[1:], "\uFEFF"), true
}

// structuredDataEnd returns the offset just past the last of the adjacent
// [...] elements at the start of s. Inside an element, a backslash escapes
// the next byte, as RFC 5424 escapes '"', '\' and ']' in parameter values.
func structuredDataEnd(s string) (int, bool) {
	i := 0
	for i < len(s) && s[i] == '[' {
		i++
		for i < len(s) && s[i] != ']' {
			if s[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(s) {
			return 0, false
		}
		i++ // past ']'
	}
	return i, true
}

// cutTimestamp removes an RFC 3164 timestamp ("Dec  3 14:00:01", the day
// padded with a space) or an RFC 3339 one ("2026-12-03T14:00:01.123456+00:00")
// and the space after it.
func cutTimestamp(s string) (string, bool) {
	if len(s) > 16 && s[3] == ' ' && s[6] == ' ' && s[9] == ':' && s[12] == ':' && s[15] == ' ' {
		for _, month := range months {
			if s[:3] == month {
				return s[16:], true
			}
		}
	}
	if len(s) > 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && isDigits(s[:4]) {
		if space := strings.IndexByte(s, ' '); space > 0 {
			return s[space+1:], true
		}
	}
	return s, false
}

// cutHostAndTag removes the host name and the tag that follow a timestamp.
// The tag is the field that ends in ':'. A message that starts right after
// the timestamp is recognised by its second field, which starts with '[' in
// HAProxy's request and connection error logs.
func cutHostAndTag(s string) string {
	first, rest, found := strings.Cut(s, " ")
	if !found {
		return s
	}
	if strings.HasSuffix(first, ":") {
		return rest
	}
	second, afterSecond, _ := strings.Cut(rest, " ")
	switch {
	case strings.HasPrefix(second, "["):
		return s
	case strings.HasSuffix(second, ":"):
		return afterSecond
	}
	return rest
}

func isDigits(v string) bool {
	for i := range len(v) {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}
