package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// waiverFile has three waivers: a revoked cohort on the ALB by subject
// pattern, one certificate by serial on both paths, and clients without a
// certificate on the NLB.
const waiverFile = `version: 1
analyze:
  waivers:
    - name: revoked-cohort
      path: alb
      subject_patterns: ['CN=edi-gw-[0-9]+,O=Northwind,C=NL']
      outcomes: [revoked]
      reason: Revoked on purpose.
      until: 2026-12-15
    - subjects: ['/C=DE/O=Contoso/CN=batch.contoso.example']
      serials: ['00:0a:ff']
      reason: Known slow batch client.
      until: 2026-12-01T12:00:00Z
    - path: nlb
      outcomes: [no_cert]
      reason: Old monitoring.
      until: 2026-11-20
`

func TestWaiversMatch(t *testing.T) {
	p, err := Parse([]byte(waiverFile), "waivers.yaml")
	require.NoError(t, err)
	waivers := p.Analyze.Waivers

	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	at := now.Add(-time.Hour)
	revoked := Record{Path: PathALB, Subject: "CN=edi-gw-7,O=Northwind,C=NL", Serial: "1F", Outcome: outcome.Revoked, Time: at}
	batch := Record{Path: PathNLB, Subject: "CN=batch.contoso.example,O=Contoso,C=DE", Serial: "42", Outcome: outcome.OK, Time: at}

	tests := []struct {
		name string
		rec  Record
		now  time.Time
		want int
	}{
		{"revoked cohort on the ALB", revoked, now, 0},
		{"revoked cohort on the NLB", with(revoked, func(r *Record) { r.Path = PathNLB }), now, -1},
		{"cohort with another outcome", with(revoked, func(r *Record) { r.Outcome = outcome.Untrusted }), now, -1},
		{"subject outside the pattern", with(revoked, func(r *Record) { r.Subject = "CN=edi-gw-7x,O=Northwind,C=NL" }), now, -1},
		{"pattern must match the whole subject", with(revoked, func(r *Record) { r.Subject = "CN=edi-gw-7,O=Northwind,C=NL,DC=example" }), now, -1},
		{"last day of a date expiry", revoked, time.Date(2026, 12, 15, 23, 59, 59, 0, time.UTC), 0},
		{"clock past a date expiry", revoked, time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC), -1},
		{"record after expiry", with(revoked, func(r *Record) { r.Time = time.Date(2026, 12, 16, 0, 0, 1, 0, time.UTC) }), now, -1},
		{"subject in canonical form", batch, now, 1},
		{"subject on the other path", with(batch, func(r *Record) { r.Path = PathALB }), now, 1},
		{"serial with another subject", with(batch, func(r *Record) { r.Subject = "CN=other"; r.Serial = "AFF" }), now, 1},
		{"serial alone", with(batch, func(r *Record) { r.Subject = ""; r.Serial = "AFF" }), now, 1},
		{"neither subject nor serial", with(batch, func(r *Record) { r.Subject = "CN=other"; r.Serial = "AF" }), now, -1},
		{"clock at an RFC 3339 expiry", batch, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), -1},
		{"clock before an RFC 3339 expiry", batch, time.Date(2026, 12, 1, 11, 59, 59, 0, time.UTC), 1},
		{"outcome alone on its path", Record{Path: PathNLB, Outcome: outcome.NoCert, Time: at}, now, 2},
		{"outcome alone on the other path", Record{Path: PathALB, Outcome: outcome.NoCert, Time: at}, now, -1},
		{"unverified record", Record{Path: PathNLB, Outcome: outcome.NotVerified, Time: at}, now, -1},
		{"record without time", Record{Path: PathNLB, Outcome: outcome.NoCert}, now, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, waivers.Match(tt.rec, tt.now))
		})
	}
}

// with returns a copy of rec changed by change.
func with(rec Record, change func(*Record)) Record {
	change(&rec)
	return rec
}

func TestWaiversMatchFirstInFileOrder(t *testing.T) {
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	p := Default()
	p.Analyze.Waivers = Waivers{
		{Outcomes: []outcome.Outcome{outcome.Revoked}, Reason: "all revoked", Until: until},
		{Serials: []string{"0x01"}, Reason: "one certificate", Until: until},
	}
	require.NoError(t, p.Validate())

	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, 0, p.Analyze.Waivers.Match(Record{Path: PathALB, Serial: "1", Outcome: outcome.Revoked, Time: now}, now))
	assert.Equal(t, 1, p.Analyze.Waivers.Match(Record{Path: PathALB, Serial: "1", Outcome: outcome.OK, Time: now}, now))
}

func TestValidatePreparesWaivers(t *testing.T) {
	p := Default()
	p.Analyze.Waivers = Waivers{{
		Subjects:        []string{"cn=a.example, o=Example"},
		SubjectPatterns: []string{"CN=b-.*"},
		Serials:         []string{"00:ab:cd"},
		Reason:          "r",
		Until:           time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pattern := Record{Path: PathALB, Subject: "CN=b-1,O=Example", Outcome: outcome.OK, Time: now}
	assert.Equal(t, -1, p.Analyze.Waivers.Match(pattern, now), "patterns match only after Validate")

	require.NoError(t, p.Validate())
	w := p.Analyze.Waivers[0]
	assert.Equal(t, []string{"CN=a.example,O=Example"}, w.Subjects)
	assert.Equal(t, []string{"ABCD"}, w.Serials)
	assert.Equal(t, 0, p.Analyze.Waivers.Match(pattern, now))
}

func TestWaiversExpired(t *testing.T) {
	p, err := Parse([]byte(waiverFile), "waivers.yaml")
	require.NoError(t, err)
	waivers := p.Analyze.Waivers

	tests := []struct {
		name string
		now  time.Time
		want []int
	}{
		{"none expired", time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), nil},
		{"last day of a date expiry", time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC), nil},
		{"day after a date expiry", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), []int{2}},
		{"at an RFC 3339 expiry", time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), []int{1, 2}},
		{"all expired", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), []int{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, waivers.Expired(tt.now))
		})
	}
}

func TestWaiversLabel(t *testing.T) {
	p, err := Parse([]byte(waiverFile), "waivers.yaml")
	require.NoError(t, err)

	assert.Equal(t, "revoked-cohort", p.Analyze.Waivers.Label(0))
	assert.Equal(t, "analyze.waivers[1]", p.Analyze.Waivers.Label(1))
}
