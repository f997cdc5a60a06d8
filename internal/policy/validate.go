package policy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/ingest/outcome"
)

// Validate checks every field of p and prepares its waivers for Match: it
// writes their subjects and serials in canonical form and compiles their
// subject patterns. It also writes the gate section's record sets in
// canonical form, as RecordSet describes, and the decommission section's
// zone IDs without their "/hostedzone/" prefix. Parse calls it, so only a
// policy built or changed in Go needs it. The error joins one *FieldError per invalid field, without
// lines.
func (p *Policy) Validate() error {
	return p.validate(p.File, nil)
}

// validator collects the errors of validate. lines maps a field path to
// its line in file.
type validator struct {
	file  string
	lines map[string]int
	errs  []error
}

// fail records an error about the field at path.
func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{File: v.file, Line: v.line(path), Field: path, Err: fmt.Errorf(format, args...)})
}

// line returns the line of the field at path or, when the file does not set
// it, of the nearest enclosing field that it sets, and 0 when there is none.
func (v *validator) line(path string) int {
	for path != "" {
		if line, ok := v.lines[path]; ok {
			return line
		}
		cut := strings.LastIndexAny(path, ".[")
		if cut < 0 {
			break
		}
		path = path[:cut]
	}
	return 0
}

// validate checks p, with lines from the file named file.
func (p *Policy) validate(file string, lines map[string]int) error {
	v := &validator{file: file, lines: lines}
	if p.Version != Version {
		if p.Version == 0 {
			v.fail("version", "missing version: add version: %d", Version)
		} else {
			v.fail("version", "unsupported version %d: this cutover reads version %d", p.Version, Version)
		}
	}

	a := &p.Analyze
	v.window("analyze.window", a.Window)
	v.baseline("analyze.baseline", a.Baseline)
	v.statistics("analyze.statistics", a.Statistics)
	v.margins("analyze.margins", a.Margins)
	v.healthChecks("analyze.health_checks", a.HealthChecks)
	names := make(map[string]int)
	for i := range a.Waivers {
		path := fmt.Sprintf("analyze.waivers[%d]", i)
		v.waiver(path, &a.Waivers[i])

		// Reports name waivers by Name, so two waivers must not share one.
		name := a.Waivers[i].Name
		if name == "" {
			continue
		}
		if first, ok := names[name]; ok {
			v.fail(path+".name", "name %q is already used by analyze.waivers[%d]", name, first)
		} else {
			names[name] = i
		}
	}

	if p.Gate != nil {
		v.gate("gate", p.Gate)
	}
	if p.Decommission != nil {
		v.decommission("decommission", p.Decommission)
	}
	return errors.Join(v.errs...)
}

func (v *validator) window(path string, w Window) {
	v.duration(path+".settle", w.Settle, 0)
	v.duration(path+".freshness", w.Freshness, time.Second)
	v.duration(path+".completeness_interval", w.CompletenessInterval, time.Second)
	v.duration(path+".look_interval", w.LookInterval, time.Minute)
}

func (v *validator) baseline(path string, b Baseline) {
	switch {
	case b.From.IsZero() && !b.To.IsZero():
		v.fail(path+".from", "missing value: a baseline window needs both from and to")
	case !b.From.IsZero() && b.To.IsZero():
		v.fail(path+".to", "missing value: a baseline window needs both from and to")
	case !b.To.After(b.From) && !b.From.IsZero():
		v.fail(path+".to", "%s is not after from (%s)", b.To.Format(time.RFC3339), b.From.Format(time.RFC3339))
	}
	v.fraction(path+".min_nlb_share", b.MinNLBShare)
}

func (v *validator) statistics(path string, s Statistics) {
	if !(s.Alpha > 0 && s.Alpha < 0.5) {
		v.fail(path+".alpha", "invalid value %g: expected a number between 0 and 0.5, both excluded, such as 0.05", s.Alpha)
	}
	v.count(path+".min_clients", s.MinClients)
	v.count(path+".min_connections", s.MinConnections)
	v.count(path+".min_requests", s.MinRequests)
}

func (v *validator) margins(path string, m Margins) {
	v.fraction(path+".handshake_failure_rate", m.HandshakeFailureRate)
	v.fraction(path+".http_5xx_rate", m.HTTP5xxRate)
	v.fraction(path+".client_4xx_rate", m.Client4xxRate)
	v.fraction(path+".traffic_share", m.TrafficShare)
	quantiles := []struct {
		name   string
		margin LatencyMargin
	}{{"p50", m.ResponseHeaderTime.P50}, {"p90", m.ResponseHeaderTime.P90}, {"p99", m.ResponseHeaderTime.P99}}
	for _, q := range quantiles {
		qPath := path + ".response_header_time." + q.name
		if q.margin.Ratio < 0 {
			v.fail(qPath+".ratio", "invalid value %g: must not be negative", q.margin.Ratio)
		}
		v.duration(qPath+".slack", q.margin.Slack, 0)
	}
}

func (v *validator) healthChecks(path string, h HealthChecks) {
	for i, prefix := range h.CIDRs {
		if !prefix.IsValid() {
			v.fail(fmt.Sprintf("%s.cidrs[%d]", path, i), "invalid CIDR %s", prefix)
		}
	}
	for i, agent := range h.UserAgents {
		if agent == "" {
			v.fail(fmt.Sprintf("%s.user_agents[%d]", path, i), "empty user agent prefix: it would match every record")
		}
	}
	for i, requestPath := range h.Paths {
		if !strings.HasPrefix(requestPath, "/") || strings.Contains(requestPath, "?") {
			v.fail(fmt.Sprintf("%s.paths[%d]", path, i), "invalid request path %q: expected a path without a query string, such as /healthz", requestPath)
		}
	}
}

// waiver checks w and writes its subjects and serials in canonical form and
// its compiled patterns.
func (v *validator) waiver(path string, w *Waiver) {
	if w.Path != "" && w.Path != PathNLB && w.Path != PathALB {
		v.fail(path+".path", "invalid path %q: expected %s or %s, or leave path out for both", w.Path, PathNLB, PathALB)
	}
	if strings.TrimSpace(w.Reason) == "" {
		v.fail(path+".reason", "missing reason: say why the difference is accepted")
	}
	if w.Until.IsZero() {
		v.fail(path+".until", "missing expiry: set until to a date such as 2026-12-31 or an RFC 3339 time")
	}
	if len(w.Subjects)+len(w.SubjectPatterns)+len(w.Serials)+len(w.Outcomes) == 0 {
		v.fail(path, "waiver covers nothing: set at least one of subjects, subject_patterns, serials or outcomes")
	}

	for i, subject := range w.Subjects {
		canonical, err := identity.CanonicalDN(subject)
		switch {
		case err != nil:
			v.fail(fmt.Sprintf("%s.subjects[%d]", path, i), "%v", err)
		case canonical == "":
			v.fail(fmt.Sprintf("%s.subjects[%d]", path, i), "empty subject DN")
		default:
			w.Subjects[i] = canonical
		}
	}
	w.patterns = make([]*regexp.Regexp, 0, len(w.SubjectPatterns))
	for i, pattern := range w.SubjectPatterns {
		re, err := regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			v.fail(fmt.Sprintf("%s.subject_patterns[%d]", path, i), "invalid regular expression %q: %v", pattern, err)
			continue
		}
		w.patterns = append(w.patterns, re)
	}
	for i, serial := range w.Serials {
		canonical, err := identity.CanonicalSerial(serial)
		switch {
		case err != nil:
			v.fail(fmt.Sprintf("%s.serials[%d]", path, i), "%v", err)
		case canonical == "":
			v.fail(fmt.Sprintf("%s.serials[%d]", path, i), "empty serial number")
		default:
			w.Serials[i] = canonical
		}
	}
	for i, word := range w.Outcomes {
		if !slices.Contains(outcome.All(), word) {
			v.fail(fmt.Sprintf("%s.outcomes[%d]", path, i), "unknown outcome %q: expected one of %s", word, outcomeList())
		}
	}
}

// duration checks that d is at least minimum.
func (v *validator) duration(path string, d, minimum time.Duration) {
	switch {
	case d < 0:
		v.fail(path, "invalid duration %s: must not be negative", d)
	case d < minimum:
		v.fail(path, "invalid duration %s: must be at least %s", d, minimum)
	}
}

// positiveDuration checks that d is more than 0.
func (v *validator) positiveDuration(path string, d time.Duration) {
	if d <= 0 {
		v.fail(path, "invalid duration %s: must be more than 0", d)
	}
}

// fraction checks that f is a fraction between 0 and 1, both included.
func (v *validator) fraction(path string, f float64) {
	switch {
	case f < 0:
		v.fail(path, "invalid value %g: must not be negative", f)
	case f > 1:
		v.fail(path, "invalid value %g: expected a fraction between 0 and 1, such as 0.002 for 0.2 percentage points", f)
	}
}

// count checks that n is a positive sample count.
func (v *validator) count(path string, n int) {
	if n < 1 {
		v.fail(path, "invalid value %d: expected at least 1", n)
	}
}

// outcomeList returns the words of the taxonomy joined with commas.
func outcomeList() string {
	words := make([]string, 0, len(outcome.All()))
	for _, word := range outcome.All() {
		words = append(words, string(word))
	}
	return strings.Join(words, ", ")
}
