package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// fullFile sets every field to a value other than its default.
const fullFile = `version: 1
name: orders-api
description: Orders API from nginx on EC2 to the ALB.
analyze:
  window:
    settle: 12m
    freshness: 1d
    completeness_interval: 1m
  baseline:
    from: 2026-10-01T06:00:00Z
    to: 2026-10-07
    min_nlb_share: 0.1
  statistics:
    alpha: 0.01
    min_clients: 3
    min_connections: 200
    min_requests: 300
  margins:
    handshake_failure_rate: 0.005
    http_5xx_rate: 0.002
    response_header_time:
      p50: {ratio: 0.05, slack: 2ms}
      p90: {ratio: 0.15, slack: 20ms}
      p99: {ratio: 0.5, slack: 100ms}
    client_4xx_rate: 0
    traffic_share: 0.2
  health_checks:
    cidrs: [10.0.21.0/24, "2001:db8:21::/64"]
    user_agents: [kube-probe/]
    paths: [/healthz, /ping]
  waivers:
    - name: legacy-untrusted
      path: nlb
      subjects: ["/C=US/O=Example, Inc./CN=legacy.example.com"]
      subject_patterns: ['CN=old-[0-9]+,O=Example']
      serials: ["0a:1b:2c"]
      outcomes: [untrusted, expired]
      reason: Legacy CA, replaced in December.
      until: 2026-12-31T12:00:00+01:00
      approved_by: alice
    - outcomes: [no_cert]
      reason: Monitoring without certificates.
      until: 2027-01-31
`

func TestParseFullFile(t *testing.T) {
	got, err := Parse([]byte(fullFile), "full.yaml")
	require.NoError(t, err)

	want := Policy{
		Version:     1,
		Name:        "orders-api",
		Description: "Orders API from nginx on EC2 to the ALB.",
		File:        "full.yaml",
		Analyze: Analyze{
			Window: Window{Settle: 12 * time.Minute, Freshness: 24 * time.Hour, CompletenessInterval: time.Minute, LookInterval: 5 * time.Minute},
			Baseline: Baseline{
				From:        time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC),
				To:          time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC),
				MinNLBShare: 0.1,
			},
			Statistics: Statistics{Alpha: 0.01, MinClients: 3, MinConnections: 200, MinRequests: 300},
			Margins: Margins{
				HandshakeFailureRate: 0.005,
				HTTP5xxRate:          0.002,
				ResponseHeaderTime: LatencyMargins{
					P50: LatencyMargin{Ratio: 0.05, Slack: 2 * time.Millisecond},
					P90: LatencyMargin{Ratio: 0.15, Slack: 20 * time.Millisecond},
					P99: LatencyMargin{Ratio: 0.5, Slack: 100 * time.Millisecond},
				},
				Client4xxRate: 0,
				TrafficShare:  0.2,
			},
			HealthChecks: HealthChecks{
				CIDRs:      []netip.Prefix{netip.MustParsePrefix("10.0.21.0/24"), netip.MustParsePrefix("2001:db8:21::/64")},
				UserAgents: []string{"kube-probe/"},
				Paths:      []string{"/healthz", "/ping"},
			},
			Waivers: Waivers{
				{
					Name:            "legacy-untrusted",
					Path:            PathNLB,
					Subjects:        []string{`CN=legacy.example.com,O=Example\, Inc.,C=US`},
					SubjectPatterns: []string{"CN=old-[0-9]+,O=Example"},
					Serials:         []string{"A1B2C"},
					Outcomes:        []outcome.Outcome{outcome.Untrusted, outcome.Expired},
					Reason:          "Legacy CA, replaced in December.",
					Until:           time.Date(2026, 12, 31, 11, 0, 0, 0, time.UTC),
					ApprovedBy:      "alice",
					patterns:        []*regexp.Regexp{regexp.MustCompile("^(?:CN=old-[0-9]+,O=Example)$")},
				},
				{
					Outcomes: []outcome.Outcome{outcome.NoCert},
					Reason:   "Monitoring without certificates.",
					Until:    time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
					patterns: []*regexp.Regexp{},
				},
			},
		},
	}
	assert.Equal(t, want, got)
	assert.True(t, got.Analyze.Baseline.IsSet())
}

func TestParsePartialFileKeepsDefaults(t *testing.T) {
	got, err := Parse([]byte(`version: 1
analyze:
  statistics:
    alpha: 0.01
  margins:
    response_header_time:
      p99: {slack: 40ms}
`), "partial.yaml")
	require.NoError(t, err)

	want := Default()
	want.File = "partial.yaml"
	want.Analyze.Statistics.Alpha = 0.01
	want.Analyze.Margins.ResponseHeaderTime.P99.Slack = 40 * time.Millisecond
	assert.Equal(t, want, got)
	assert.Equal(t, 0.20, got.Analyze.Margins.ResponseHeaderTime.P99.Ratio, "ratio of p99 keeps its default")
	assert.False(t, got.Analyze.Baseline.IsSet())
}

func TestParseVersionOnly(t *testing.T) {
	got, err := Parse([]byte("version: 1\n"), "minimal.yaml")
	require.NoError(t, err)

	want := Default()
	want.File = "minimal.yaml"
	assert.Equal(t, want, got)
}

func TestParseNullSectionsKeepDefaults(t *testing.T) {
	got, err := Parse([]byte("version: 1\nanalyze:\n  window:\n  waivers:\n"), "null.yaml")
	require.NoError(t, err)

	assert.Equal(t, Default().Analyze, got.Analyze)
}

func TestParseAnchorsAndAliases(t *testing.T) {
	got, err := Parse([]byte(`version: 1
analyze:
  margins:
    response_header_time:
      p50: &tight {ratio: 0.05, slack: 3ms}
      p90: *tight
`), "aliases.yaml")
	require.NoError(t, err)

	tight := LatencyMargin{Ratio: 0.05, Slack: 3 * time.Millisecond}
	assert.Equal(t, tight, got.Analyze.Margins.ResponseHeaderTime.P50)
	assert.Equal(t, tight, got.Analyze.Margins.ResponseHeaderTime.P90)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
	}{
		// Decoding.
		{"unknown top-level field", "version: 1\nrollout:\n  steps: [10]\n",
			`p.yaml:2: rollout: unknown field "rollout": expected one of version, name, description, analyze, gate, decommission`},
		{"mistyped field", "version: 1\nanalyze:\n  margins:\n    handshake_failure: 0.002\n",
			`p.yaml:4: analyze.margins.handshake_failure: unknown field "handshake_failure": expected one of handshake_failure_rate, http_5xx_rate, response_header_time, client_4xx_rate, traffic_share`},
		{"unknown waiver field", "version: 1\nanalyze:\n  waivers:\n    - outcomes: [revoked]\n      reason: r\n      until: 2026-12-31\n      expires: 2026-12-31\n",
			`p.yaml:7: analyze.waivers[0].expires: unknown field "expires"`},
		{"field set twice", "version: 1\nanalyze:\n  statistics:\n    alpha: 0.05\n    alpha: 0.01\n",
			`p.yaml:5: analyze.statistics.alpha: field set twice, first on line 4`},
		{"string for number", "version: 1\nanalyze:\n  statistics:\n    alpha: low\n",
			`p.yaml:4: analyze.statistics.alpha: invalid value "low": expected a number such as 0.05`},
		{"quoted number", "version: 1\nanalyze:\n  statistics:\n    alpha: \"0.05\"\n",
			`p.yaml:4: analyze.statistics.alpha: invalid value "0.05": expected a number such as 0.05`},
		{"percentage", "version: 1\nanalyze:\n  margins:\n    handshake_failure_rate: 0.2%\n",
			`p.yaml:4: analyze.margins.handshake_failure_rate: invalid value "0.2%": expected a fraction, so write 0.2% as 0.002`},
		{"infinite number", "version: 1\nanalyze:\n  margins:\n    traffic_share: .inf\n",
			`p.yaml:4: analyze.margins.traffic_share: invalid value ".inf": expected a finite number such as 0.05`},
		{"percentage for count", "version: 1\nanalyze:\n  statistics:\n    min_clients: 5%\n",
			`p.yaml:4: analyze.statistics.min_clients: invalid value "5%": expected a whole number such as 1000`},
		{"fraction for count", "version: 1\nanalyze:\n  statistics:\n    min_clients: 2.5\n",
			`p.yaml:4: analyze.statistics.min_clients: invalid value "2.5": expected a whole number such as 1000`},
		{"list for number", "version: 1\nanalyze:\n  statistics:\n    min_requests: [1]\n",
			`p.yaml:4: analyze.statistics.min_requests: expected a single value, found a list`},
		{"null for number", "version: 1\nanalyze:\n  statistics:\n    alpha:\n",
			`p.yaml:4: analyze.statistics.alpha: missing value: write one, or remove the field to keep its default`},
		{"scalar for section", "version: 1\nanalyze:\n  window: 10m\n",
			`p.yaml:3: analyze.window: expected a mapping of fields, found "10m"`},
		{"scalar for list", "version: 1\nanalyze:\n  health_checks:\n    cidrs: 10.0.21.0/24\n",
			`p.yaml:4: analyze.health_checks.cidrs: expected a list, found "10.0.21.0/24"`},
		{"number for duration", "version: 1\nanalyze:\n  window:\n    settle: 10\n",
			`p.yaml:4: analyze.window.settle: invalid duration "10": expected a number with a unit, such as 90s, 15m, 2h, 7d or 1d12h`},
		{"negative duration", "version: 1\nanalyze:\n  window:\n    settle: -10m\n",
			`p.yaml:4: analyze.window.settle: invalid duration "-10m": must not be negative`},
		{"invalid time", "version: 1\nanalyze:\n  baseline:\n    from: 2026-11-02 09:00\n    to: 2026-11-09\n",
			`p.yaml:4: analyze.baseline.from: invalid time "2026-11-02 09:00"`},
		{"invalid CIDR", "version: 1\nanalyze:\n  health_checks:\n    cidrs: [10.0.21.0/24, 10.0.22.0]\n",
			`p.yaml:4: analyze.health_checks.cidrs[1]: invalid CIDR "10.0.22.0": expected an address and a prefix length`},
		{"merge key", "version: 1\nanalyze:\n  window: &w {settle: 5m}\n  baseline:\n    <<: *w\n",
			`p.yaml:5: analyze.baseline.<<: unknown field "<<"`},
		{"root not a mapping", "- version: 1\n",
			`p.yaml:1: expected a mapping of fields, found a list`},
		{"invalid YAML", "version: 1\nanalyze: [\n",
			`p.yaml: invalid YAML: yaml: line 2: did not find expected node content`},
		{"empty file", "", `p.yaml: empty policy file: expected at least version: 1`},
		{"comments only", "# nothing yet\n", `p.yaml: empty policy file: expected at least version: 1`},
		{"two documents", "version: 1\n---\nversion: 1\n",
			`p.yaml:2: more than one YAML document: a policy file contains one`},

		// Validation.
		{"missing version", "name: x\n", `p.yaml: version: missing version: add version: 1`},
		{"unsupported version", "version: 2\n", `p.yaml:1: version: unsupported version 2: this cutover reads version 1`},
		{"negative margin", "version: 1\nanalyze:\n  margins:\n    http_5xx_rate: -0.001\n",
			`p.yaml:4: analyze.margins.http_5xx_rate: invalid value -0.001: must not be negative`},
		{"margin above one", "version: 1\nanalyze:\n  margins:\n    handshake_failure_rate: 2\n",
			`p.yaml:4: analyze.margins.handshake_failure_rate: invalid value 2: expected a fraction between 0 and 1`},
		{"negative latency ratio", "version: 1\nanalyze:\n  margins:\n    response_header_time:\n      p90: {ratio: -0.1}\n",
			`p.yaml:5: analyze.margins.response_header_time.p90.ratio: invalid value -0.1: must not be negative`},
		{"alpha zero", "version: 1\nanalyze:\n  statistics:\n    alpha: 0\n",
			`p.yaml:4: analyze.statistics.alpha: invalid value 0: expected a number between 0 and 0.5, both excluded`},
		{"alpha one half", "version: 1\nanalyze:\n  statistics:\n    alpha: 0.5\n",
			`p.yaml:4: analyze.statistics.alpha: invalid value 0.5: expected a number between 0 and 0.5, both excluded`},
		{"zero minimum", "version: 1\nanalyze:\n  statistics:\n    min_connections: 0\n",
			`p.yaml:4: analyze.statistics.min_connections: invalid value 0: expected at least 1`},
		{"zero interval", "version: 1\nanalyze:\n  window:\n    completeness_interval: 0s\n",
			`p.yaml:4: analyze.window.completeness_interval: invalid duration 0s: must be at least 1s`},
		{"share above one", "version: 1\nanalyze:\n  baseline:\n    min_nlb_share: 1.5\n",
			`p.yaml:4: analyze.baseline.min_nlb_share: invalid value 1.5: expected a fraction between 0 and 1`},
		{"baseline to before from", "version: 1\nanalyze:\n  baseline:\n    from: 2026-11-09\n    to: 2026-11-02\n",
			`p.yaml:5: analyze.baseline.to: 2026-11-03T00:00:00Z is not after from (2026-11-09T00:00:00Z)`},
		{"baseline to equal to from", "version: 1\nanalyze:\n  baseline:\n    from: 2026-11-02T00:00:00Z\n    to: 2026-11-02T00:00:00Z\n",
			`p.yaml:5: analyze.baseline.to: 2026-11-02T00:00:00Z is not after from (2026-11-02T00:00:00Z)`},
		{"baseline without to", "version: 1\nanalyze:\n  baseline:\n    from: 2026-11-02\n",
			`p.yaml:3: analyze.baseline.to: missing value: a baseline window needs both from and to`},
		{"baseline without from", "version: 1\nanalyze:\n  baseline:\n    to: 2026-11-02\n",
			`p.yaml:3: analyze.baseline.from: missing value: a baseline window needs both from and to`},
		{"empty user agent", "version: 1\nanalyze:\n  health_checks:\n    user_agents: ['']\n",
			`p.yaml:4: analyze.health_checks.user_agents[0]: empty user agent prefix: it would match every record`},
		{"health-check path with query", "version: 1\nanalyze:\n  health_checks:\n    paths: ['/health?full=1']\n",
			`p.yaml:4: analyze.health_checks.paths[0]: invalid request path "/health?full=1"`},
		{"waiver without reason", "version: 1\nanalyze:\n  waivers:\n    - outcomes: [revoked]\n      until: 2026-12-31\n",
			`p.yaml:4: analyze.waivers[0].reason: missing reason: say why the difference is accepted`},
		{"waiver with empty reason", "version: 1\nanalyze:\n  waivers:\n    - outcomes: [revoked]\n      reason: '  '\n      until: 2026-12-31\n",
			`p.yaml:5: analyze.waivers[0].reason: missing reason`},
		{"waiver without expiry", "version: 1\nanalyze:\n  waivers:\n    - outcomes: [revoked]\n      reason: r\n      until: 2026-12-31\n    - outcomes: [revoked]\n      reason: r\n",
			`p.yaml:7: analyze.waivers[1].until: missing expiry: set until to a date such as 2026-12-31 or an RFC 3339 time`},
		{"waiver covering nothing", "version: 1\nanalyze:\n  waivers:\n    - path: alb\n      reason: r\n      until: 2026-12-31\n",
			`p.yaml:4: analyze.waivers[0]: waiver covers nothing: set at least one of subjects, subject_patterns, serials or outcomes`},
		{"unknown outcome", "version: 1\nanalyze:\n  waivers:\n    - outcomes: [revoked, cert_revoked]\n      reason: r\n      until: 2026-12-31\n",
			`p.yaml:4: analyze.waivers[0].outcomes[1]: unknown outcome "cert_revoked": expected one of ok, no_cert, expired, not_yet_valid, untrusted, revoked, crl_error, chain_too_long, too_large, bad_purpose, unsupported, invalid, rejected, incompatible, handshake_error, other`},
		{"unknown waiver path", "version: 1\nanalyze:\n  waivers:\n    - path: both\n      outcomes: [revoked]\n      reason: r\n      until: 2026-12-31\n",
			`p.yaml:4: analyze.waivers[0].path: invalid path "both": expected nlb or alb, or leave path out for both`},
		{"invalid subject", "version: 1\nanalyze:\n  waivers:\n    - subjects: ['C = US, O = Example, CN = x']\n      reason: r\n      until: 2026-12-31\n",
			`p.yaml:4: analyze.waivers[0].subjects[0]: invalid distinguished name "C = US, O = Example, CN = x"`},
		{"waiver name used twice", "version: 1\nanalyze:\n  waivers:\n    - {name: a, outcomes: [revoked], reason: r, until: 2026-12-31}\n    - {name: a, outcomes: [expired], reason: r, until: 2026-12-31}\n",
			`p.yaml:5: analyze.waivers[1].name: name "a" is already used by analyze.waivers[0]`},
		{"invalid subject pattern", "version: 1\nanalyze:\n  waivers:\n    - subject_patterns: ['CN=(x']\n      reason: r\n      until: 2026-12-31\n",
			`p.yaml:4: analyze.waivers[0].subject_patterns[0]: invalid regular expression "CN=(x"`},
		{"invalid serial", "version: 1\nanalyze:\n  waivers:\n    - serials: ['0A:1G']\n      reason: r\n      until: 2026-12-31\n",
			`p.yaml:4: analyze.waivers[0].serials[0]: invalid certificate serial number "0A:1G"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "p.yaml")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)

			var fieldErr *FieldError
			require.ErrorAs(t, err, &fieldErr)
			assert.Equal(t, "p.yaml", fieldErr.File)
		})
	}
}

func TestParseLimitsAliasExpansion(t *testing.T) {
	// 400 waivers that each repeat a list of 400 subjects: 160,000 values.
	var b strings.Builder
	b.WriteString("version: 1\nanalyze:\n  health_checks:\n    paths: &s [")
	for i := range 400 {
		fmt.Fprintf(&b, "/p%d,", i)
	}
	b.WriteString("]\n  waivers:\n")
	b.WriteString("    - &w {subjects: *s, reason: r, until: 2026-12-31}\n")
	for range 399 {
		b.WriteString("    - *w\n")
	}

	_, err := Parse([]byte(b.String()), "p.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than 100000 values after expanding aliases")
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := Parse([]byte(`version: 1
analyze:
  statistics:
    alpha: high
    min_client: 3
  margins:
    traffic_share: "10%"
`), "p.yaml")
	require.Error(t, err)

	var joined interface{ Unwrap() []error }
	require.ErrorAs(t, err, &joined)
	var fields []string
	for _, e := range joined.Unwrap() {
		var fieldErr *FieldError
		require.ErrorAs(t, e, &fieldErr)
		fields = append(fields, fieldErr.Field)
	}
	assert.Equal(t, []string{"analyze.statistics.alpha", "analyze.statistics.min_client", "analyze.margins.traffic_share"}, fields)
}

func TestParseReportsEveryValidationError(t *testing.T) {
	_, err := Parse([]byte(`version: 1
analyze:
  statistics:
    alpha: 0.7
  waivers:
    - outcomes: [revoked]
    - outcomes: [nope]
      reason: r
      until: 2026-12-31
`), "p.yaml")
	require.Error(t, err)

	var joined interface{ Unwrap() []error }
	require.ErrorAs(t, err, &joined)
	var got []string
	for _, e := range joined.Unwrap() {
		got = append(got, e.Error())
	}
	assert.Equal(t, []string{
		"p.yaml:4: analyze.statistics.alpha: invalid value 0.7: expected a number between 0 and 0.5, both excluded, such as 0.05",
		"p.yaml:6: analyze.waivers[0].reason: missing reason: say why the difference is accepted",
		"p.yaml:6: analyze.waivers[0].until: missing expiry: set until to a date such as 2026-12-31 or an RFC 3339 time",
		`p.yaml:7: analyze.waivers[1].outcomes[0]: unknown outcome "nope": expected one of ok, no_cert, expired, not_yet_valid, untrusted, revoked, crl_error, chain_too_long, too_large, bad_purpose, unsupported, invalid, rejected, incompatible, handshake_error, other`,
	}, got)
}

func TestLoad(t *testing.T) {
	name := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(name, []byte("version: 1\nname: partner-api\n"), 0o600))

	got, err := Load(name)
	require.NoError(t, err)
	assert.Equal(t, "partner-api", got.Name)
	assert.Equal(t, name, got.File)
}

func TestLoadMissingFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(name)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "read policy file: open "+name)
}

func TestDefaultIsValid(t *testing.T) {
	p := Default()
	require.NoError(t, p.Validate())
	assert.Equal(t, Default(), p)
}

func TestValidateWithoutFile(t *testing.T) {
	p := Default()
	p.Analyze.Statistics.Alpha = 0.5
	err := p.Validate()
	require.Error(t, err)
	assert.EqualError(t, err, "analyze.statistics.alpha: invalid value 0.5: expected a number between 0 and 0.5, both excluded, such as 0.05")

	var fieldErr *FieldError
	require.True(t, errors.As(err, &fieldErr))
	assert.Equal(t, 0, fieldErr.Line)
}
