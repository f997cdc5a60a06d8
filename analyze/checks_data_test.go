package analyze

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

func TestFreshness(t *testing.T) {
	albConnection := Source{Kind: "alb_connection", Name: "app/edge/1", Path: PathALB, Newest: at(58), Rows: 500}
	albAccess := Source{Kind: "alb_access", Name: "app/edge/1", Path: PathALB, Newest: at(58), Rows: 800}
	nginx := Source{Kind: "terminator_nginx", Name: "i-0a1", Log: "access", Path: PathNLB, Newest: at(59), Rows: 900}
	with := func(s Source, change func(*Source)) Source {
		change(&s)
		return s
	}

	tests := []struct {
		name    string
		mode    string
		sources []Source
		want    Verdict
		// wantSentence lists words the sentence must contain.
		wantSentence []string
	}{
		{
			name:         "all fresh",
			sources:      []Source{albConnection, albAccess, nginx},
			want:         Pass,
			wantSentence: []string{"Every log source has records within 15m0s of the window's end."},
		},
		{
			name: "terminator without rows",
			sources: []Source{albConnection, albAccess, nginx,
				{Kind: "terminator_nginx", Name: "i-0a2", Log: "access", Path: PathNLB}},
			want:         Wait,
			wantSentence: []string{"without records in the window: terminator_nginx i-0a2 (access)"},
		},
		{
			name: "rows counted but no newest time",
			sources: []Source{albConnection, albAccess, nginx,
				{Kind: "terminator_haproxy", Name: "i-0a3", Log: "error", Path: PathNLB, Rows: 3}},
			want:         Wait,
			wantSentence: []string{"without records in the window: terminator_haproxy i-0a3 (error)"},
		},
		{
			name:         "stale ALB access log",
			sources:      []Source{albConnection, with(albAccess, func(s *Source) { s.Newest = at(40) }), nginx},
			want:         Wait,
			wantSentence: []string{"stale: alb_access app/edge/1 (newest 2026-11-10T10:40:00Z)", "ingest again"},
		},
		{
			name:    "newest exactly at the freshness limit",
			sources: []Source{albConnection, albAccess, with(nginx, func(s *Source) { s.Newest = at(45) })},
			want:    Pass,
		},
		{
			name:    "newest a second past the freshness limit",
			sources: []Source{albConnection, albAccess, with(nginx, func(s *Source) { s.Newest = at(45).Add(-time.Second) })},
			want:    Wait,
			wantSentence: []string{
				"stale: terminator_nginx i-0a1 (access, newest 2026-11-10T10:44:59Z)",
			},
		},
		{
			name:         "no ALB source",
			sources:      []Source{nginx},
			want:         Wait,
			wantSentence: []string{"No ALB evidence has records in the window", "ingest the ALB connection and access logs"},
		},
		{
			name: "ALB sources without rows",
			sources: []Source{nginx,
				with(albConnection, func(s *Source) { s.Rows, s.Newest = 0, time.Time{} })},
			want:         Wait,
			wantSentence: []string{"No ALB evidence has records in the window"},
		},
		{
			name:         "no source at all",
			want:         Wait,
			wantSentence: []string{"No ALB or NLB evidence", "ALB connection and access and terminator (or NLB TLS) logs"},
		},
		{
			name: "cloudwatch ignored",
			sources: []Source{albConnection, albAccess, nginx,
				{Kind: "cloudwatch", Name: "net/old-nlb/2"},
				{Kind: "cloudwatch", Name: "app/edge/1", Path: PathALB, Newest: at(1), Rows: 4}},
			want: Pass,
		},
		{
			name: "passthrough ignores the connection log",
			mode: ModePassthrough,
			sources: []Source{albAccess, nginx,
				{Kind: "terminator_nginx", Name: "i-0b1", Log: "access", Path: PathALB, Newest: at(58), Rows: 300},
				with(albConnection, func(s *Source) { s.Newest = at(1) }),
				{Kind: "alb_connection", Name: "app/edge/2", Path: PathALB}},
			want: Pass,
		},
		{
			name:    "passthrough with only the connection log",
			mode:    ModePassthrough,
			sources: []Source{albConnection, nginx},
			want:    Wait,
			wantSentence: []string{
				"No ALB evidence has records in the window",
				"ALB access log and the targets' (--terminator ... for the targets behind the ALB)",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := verifyInputs()
			if tc.mode != "" {
				in.Mode = tc.mode
			}
			in.Sources = tc.sources
			c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckFreshness)
			assert.Equal(t, tc.want, c.Verdict, c.Sentence)
			for _, words := range tc.wantSentence {
				assert.Contains(t, c.Sentence, words)
			}
			assert.Equal(t, "source_freshness", c.Query)
		})
	}
}

func TestFreshnessAges(t *testing.T) {
	c := checkNamed(t, evaluate(t, verifyInputs(), defaultOptions()), CheckFreshness)
	assert.Equal(t, "newest 2m0s before end", c.ALB)
	assert.Equal(t, "newest 1m0s before end", c.NLB)
}

func TestCompleteness(t *testing.T) {
	recent := Gap{Kind: "alb_connection", LoadBalancer: "app/edge/1", IntervalEnd: at(50), Missing: []string{"10.0.1.5"}}
	older := Gap{Kind: "alb_access", LoadBalancer: "app/edge/1", IntervalEnd: at(30), Missing: []string{"10.0.2.9", "10.0.3.4"}}
	atLimit := Gap{Kind: "alb_access", LoadBalancer: "app/edge/1", IntervalEnd: at(45), Missing: []string{"10.0.2.9"}}

	tests := []struct {
		name                  string
		gaps                  []Gap
		want                  Verdict
		wantRecent, wantOlder float64
		wantSentence          []string
		notInSentence         []string
	}{
		{
			name:          "no gaps",
			want:          Pass,
			wantSentence:  []string{"Every ALB node delivered an object for each recent 5-minute interval."},
			notInSentence: []string{"older"},
		},
		{
			name:         "recent gap",
			gaps:         []Gap{recent},
			want:         Wait,
			wantRecent:   1,
			wantSentence: []string{"alb_connection app/edge/1 at 10:50 from 10.0.1.5", "ingest again in a few minutes"},
		},
		{
			name:         "older gap only",
			gaps:         []Gap{older},
			want:         Pass,
			wantOlder:    1,
			wantSentence: []string{"1 older interval lacks an object from a node (alb_access app/edge/1 at 10:30 from 10.0.2.9, 10.0.3.4)"},
		},
		{
			name:       "gap at the freshness limit counts as older",
			gaps:       []Gap{atLimit},
			want:       Pass,
			wantOlder:  1,
			wantRecent: 0,
		},
		{
			name:       "recent and older gaps",
			gaps:       []Gap{older, recent},
			want:       Wait,
			wantRecent: 1,
			wantOlder:  1,
			wantSentence: []string{
				"missing for 1 recent interval (alb_connection app/edge/1 at 10:50 from 10.0.1.5)",
				"1 older interval lacks an object",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := verifyInputs()
			in.Gaps = tc.gaps
			c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckCompleteness)
			assert.Equal(t, tc.want, c.Verdict, c.Sentence)
			assert.Equal(t, tc.wantRecent, c.Values["recent_gaps"])
			assert.Equal(t, tc.wantOlder, c.Values["older_gaps"])
			for _, words := range tc.wantSentence {
				assert.Contains(t, c.Sentence, words)
			}
			for _, words := range tc.notInSentence {
				assert.NotContains(t, c.Sentence, words)
			}
		})
	}
}

func TestTrafficShare(t *testing.T) {
	clients := fleet(10, "app", "O=Contoso,C=DE")
	split := func(alb, nlb int) Inputs {
		return verifyInputs(traffic(PathALB, clients, alb, 0, "", ""), traffic(PathNLB, clients, nlb, 0, "", ""))
	}

	tests := []struct {
		name         string
		in           Inputs
		weight       float64
		want         Verdict
		wantSentence string
	}{
		{"no weight", split(25, 75), -1, Skip, "No ALB weight was given (--alb-weight)"},
		{"share equals weight", split(25, 75), 25, Pass, "The ALB carries 25.00 % of connections, within 10.00 % of its weight of 25.00 %."},
		{"share within tolerance", split(30, 70), 25, Pass, "within 10.00 %"},
		{"share above tolerance", split(40, 60), 25, Wait, "The ALB carries 40.00 % of connections against a weight of 25.00 %"},
		{"share below tolerance", split(25, 75), 50, Wait, "The ALB carries 25.00 % of connections against a weight of 50.00 %"},
		{"weight zero with no ALB traffic", verifyInputs(traffic(PathNLB, clients, 100, 0, "", "")), 0, Pass, "within 10.00 % of its weight of 0.00 %"},
		{"no connections", verifyInputs(), 25, Wait, "No connection is in the window on either path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := defaultOptions()
			opts.ALBWeight = tc.weight
			c := checkNamed(t, evaluate(t, tc.in, opts), CheckTrafficShare)
			assert.Equal(t, tc.want, c.Verdict, c.Sentence)
			assert.Contains(t, c.Sentence, tc.wantSentence)
		})
	}
}

func TestTrafficShareValues(t *testing.T) {
	clients := fleet(10, "app", "O=Contoso,C=DE")
	// Four clients use only the ALB. Their failed connections count toward
	// the share, and connections without an outcome do not.
	in := verifyInputs(
		traffic(PathALB, clients[:4], 20, 5, outcome.Untrusted, "Failed:ClientCertUntrusted"),
		traffic(PathNLB, clients[4:], 50, 0, "", ""),
		[]HandshakeGroup{attempts(PathALB, clients[9], outcome.NotVerified, "-", 500, 1, 2)},
	)
	opts := defaultOptions()
	opts.ALBWeight = 25
	c := checkNamed(t, evaluate(t, in, opts), CheckTrafficShare)
	assert.InDelta(t, 100.0/400.0, c.Values["alb_connection_share"], 1e-12)
	assert.InDelta(t, 4.0/10.0, c.Values["alb_client_share"], 1e-12)
	assert.Equal(t, 0.25, c.Values["alb_weight"])
	assert.Equal(t, "25.00 % of connections, 4 of 10 clients", c.ALB)
	assert.Equal(t, "75.00 % of connections, 6 clients", c.NLB)
	assert.Equal(t, "weight 25.00 % ± 10.00 %", c.Margin)
}

func TestPassthroughEvidence(t *testing.T) {
	clients := fleet(3, "app", "O=Contoso,C=DE")
	tests := []struct {
		name         string
		rows         []HandshakeGroup
		want         Verdict
		wantSentence string
	}{
		{"no target rows", nil, Wait, "ingest the targets' logs with --terminator"},
		{"no outcomes logged", traffic(PathALB, clients, 0, 10, outcome.NotVerified, ""), Wait, "log the verification result"},
		{"outcomes logged", traffic(PathALB, clients, 10, 0, "", ""), Pass, "The targets behind the ALB log the outcome"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := verifyInputs(tc.rows)
			in.Mode = ModePassthrough
			c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckPassthroughEvidence)
			assert.Equal(t, tc.want, c.Verdict)
			assert.Contains(t, c.Sentence, tc.wantSentence)
		})
	}
}
