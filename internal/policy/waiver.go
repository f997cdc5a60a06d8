package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// Record is the part of a handshake or request record that waivers match
// on.
type Record struct {
	// Path is PathNLB or PathALB.
	Path string
	// Subject is the leaf certificate's subject DN in the canonical form of
	// identity.CanonicalDN, as the store keeps it, or "" without a certificate.
	Subject string
	// Serial is the leaf certificate's serial number in the canonical form of
	// identity.CanonicalSerial, or "" without a certificate.
	Serial string
	// Outcome is the record's word of the outcome taxonomy, or
	// outcome.NotVerified.
	Outcome outcome.Outcome
	// Time is when the record happened.
	Time time.Time
}

// Match returns the index of the first waiver in ws that covers rec as of
// now, and -1 when none does. See Waiver.Covers.
//
// To judge a past window as it stood then, pass the window's end as now.
func (ws Waivers) Match(rec Record, now time.Time) int {
	return slices.IndexFunc(ws, func(w Waiver) bool { return w.Covers(rec, now) })
}

// Expired returns the indexes of the waivers in ws that have expired at now.
// They cover no record any longer. Reporting them lets someone renew or
// remove them.
func (ws Waivers) Expired(now time.Time) []int {
	var expired []int
	for i, w := range ws {
		if w.Expired(now) {
			expired = append(expired, i)
		}
	}
	return expired
}

// Label returns the name of the waiver at index i for reports: its Name, or
// its field path such as analyze.waivers[1] when it has none.
func (ws Waivers) Label(i int) string {
	if ws[i].Name != "" {
		return ws[i].Name
	}
	return fmt.Sprintf("analyze.waivers[%d]", i)
}

// Expired reports whether the waiver has expired at now: now is at or after
// Until.
func (w Waiver) Expired(now time.Time) bool {
	return !now.Before(w.Until)
}

// Covers reports whether the waiver covers rec as of now. It does when it
// has not expired at now, rec.Time is before Until, rec is on the waiver's
// path, and rec matches the waiver's identities and outcomes as the Waiver
// type describes. A waiver built in Go covers no subject pattern until
// Policy.Validate has compiled its patterns.
func (w Waiver) Covers(rec Record, now time.Time) bool {
	if w.Expired(now) || !rec.Time.Before(w.Until) {
		return false
	}
	if w.Path != "" && w.Path != rec.Path {
		return false
	}
	if len(w.Outcomes) > 0 && !slices.Contains(w.Outcomes, rec.Outcome) {
		return false
	}
	return w.coversIdentity(rec)
}

// coversIdentity reports whether rec's certificate is one of the waiver's
// identities, or whether the waiver names no identities.
func (w Waiver) coversIdentity(rec Record) bool {
	if len(w.Subjects)+len(w.SubjectPatterns)+len(w.Serials) == 0 {
		return true
	}
	if rec.Subject != "" {
		if slices.Contains(w.Subjects, rec.Subject) {
			return true
		}
		for _, re := range w.patterns {
			if re.MatchString(rec.Subject) {
				return true
			}
		}
	}
	return rec.Serial != "" && slices.Contains(w.Serials, rec.Serial)
}
