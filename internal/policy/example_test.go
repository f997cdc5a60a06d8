package policy

import (
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// examplePolicy is the documented example policy file.
const examplePolicy = "../../examples/policy.yaml"

func TestExamplePolicy(t *testing.T) {
	got, err := Load(examplePolicy)
	require.NoError(t, err)

	pattern := `CN=edi-gw-[0-9]+\.northwind\.example,OU=EDI,O=Northwind Freight,C=NL`
	want := Policy{
		Version: 1,
		Name:    "partner-api",
		Description: "api.partners.example.com moves from partner-nlb (nginx on EC2) to " +
			"partner-alb (mutual TLS in verify mode, trust store partner-ca with CRLs).",
		File: examplePolicy,
		Analyze: Analyze{
			Window: Window{Settle: 10 * time.Minute, Freshness: 15 * time.Minute, CompletenessInterval: 5 * time.Minute, LookInterval: 5 * time.Minute},
			Baseline: Baseline{
				From:        time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
				To:          time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC),
				MinNLBShare: 0.05,
			},
			Statistics: Statistics{Alpha: 0.05, MinClients: 5, MinConnections: 2000, MinRequests: 5000},
			Margins: Margins{
				HandshakeFailureRate: 0.002,
				HTTP5xxRate:          0.001,
				ResponseHeaderTime: LatencyMargins{
					P50: LatencyMargin{Ratio: 0.10, Slack: 5 * time.Millisecond},
					P90: LatencyMargin{Ratio: 0.10, Slack: 10 * time.Millisecond},
					P99: LatencyMargin{Ratio: 0.25, Slack: 50 * time.Millisecond},
				},
				Client4xxRate: 0.02,
				TrafficShare:  0.15,
			},
			HealthChecks: HealthChecks{
				CIDRs: []netip.Prefix{
					netip.MustParsePrefix("10.20.1.0/24"),
					netip.MustParsePrefix("10.20.2.0/24"),
					netip.MustParsePrefix("10.20.3.0/24"),
				},
				UserAgents: []string{"partner-api-synthetics/"},
				Paths:      []string{"/healthz"},
			},
			Waivers: Waivers{{
				Name:            "northwind-revoked-edi-gateways",
				Path:            PathALB,
				SubjectPatterns: []string{pattern},
				Outcomes:        []outcome.Outcome{outcome.Revoked},
				Reason: "Certificates of Northwind's EDI gateways were revoked on 2026-10-28 after " +
					"the gateways were retired. Northwind replaces the last ones by mid-December.",
				Until:      time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC),
				ApprovedBy: "Priya Natarajan (partner security), CHG-20261104-17",
				patterns:   []*regexp.Regexp{regexp.MustCompile(`^(?:` + pattern + `)$`)},
			}},
		},
		Gate: &Gate{
			Records: []RecordSet{{ZoneID: "Z0123456789ABCDEFGHIJ", Name: "api.partners.example.com.", Types: []string{"A", "AAAA"},
				NLBSetIdentifier: "partner-nlb", ALBSetIdentifier: "partner-alb"}},
			Steps:         []Step{{Weight: 10, Bake: 24 * time.Hour}, {Weight: 25}, {Weight: 50}, {Weight: 75}, {Weight: 100}},
			Bake:          time.Hour,
			RollbackOn:    []string{"handshake_failure_rate", "new_failure_reason", "clients_left_behind"},
			State:         "s3://cutover-state/partner-api/state.json",
			ChangeTimeout: 5 * time.Minute,
			PollInterval:  10 * time.Second,
			TotalWeight:   100,
		},
	}
	assert.Equal(t, want, got)
}

func TestExamplePolicyWaiver(t *testing.T) {
	p, err := Load(examplePolicy)
	require.NoError(t, err)

	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	rec := Record{
		Path:    PathALB,
		Subject: "CN=edi-gw-12.northwind.example,OU=EDI,O=Northwind Freight,C=NL",
		Serial:  "5A0F",
		Outcome: outcome.Revoked,
		Time:    now.Add(-30 * time.Minute),
	}
	assert.Equal(t, 0, p.Analyze.Waivers.Match(rec, now))

	rec.Outcome = outcome.Untrusted
	assert.Equal(t, -1, p.Analyze.Waivers.Match(rec, now), "the waiver covers revoked certificates only")
}

func TestDocumentedDefaults(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	require.NoError(t, err)

	// The first YAML block after the heading lists every default.
	_, section, found := strings.Cut(string(doc), "## The file with its defaults")
	require.True(t, found)
	_, block, found := strings.Cut(section, "```yaml\n")
	require.True(t, found)
	block, _, found = strings.Cut(block, "```")
	require.True(t, found)

	got, err := Parse([]byte(block), "docs/policy.md")
	require.NoError(t, err)
	want := Default()
	want.File = "docs/policy.md"
	assert.Equal(t, want, got)
}

// gatePolicy is a commented policy with a gate section.
const gatePolicy = "testdata/gate.yaml"

func TestGatePolicy(t *testing.T) {
	got, err := Load(gatePolicy)
	require.NoError(t, err)

	want := &Gate{
		Records: []RecordSet{
			{ZoneID: "Z0123456789ABCDEFGHIJ", Name: "mtls.api.example.com.", Types: []string{"A", "AAAA"}, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"},
			{ZoneID: "Z0123456789ABCDEFGHIJ", Name: "partners.example.com.", Types: []string{"A"}, NLBSetIdentifier: "old-nlb", ALBSetIdentifier: "new-alb"},
		},
		Steps:         []Step{{Weight: 10, Bake: 24 * time.Hour}, {Weight: 25}, {Weight: 50}, {Weight: 75}, {Weight: 100}},
		Bake:          time.Hour,
		RollbackOn:    []string{"handshake_failure_rate", "new_failure_reason", "clients_left_behind"},
		State:         "s3://cutover-state/partner-api/state.json",
		ChangeTimeout: 5 * time.Minute,
		PollInterval:  10 * time.Second,
		TotalWeight:   100,
	}
	assert.Equal(t, want, got.Gate)
	assert.Equal(t, Default().Analyze, got.Analyze)
	assert.Equal(t, 24*time.Hour, got.Gate.BakeFor(0))
	assert.Equal(t, time.Hour, got.Gate.BakeFor(1))
}

func TestDocumentedGateDefaults(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	require.NoError(t, err)

	// The first YAML block after the heading is a gate section with one
	// record set and every default.
	_, section, found := strings.Cut(string(doc), "## `gate`")
	require.True(t, found)
	_, block, found := strings.Cut(section, "```yaml\n")
	require.True(t, found)
	block, _, found = strings.Cut(block, "```")
	require.True(t, found)

	got, err := Parse([]byte("version: 1\n"+block), "docs/policy.md")
	require.NoError(t, err)
	require.NotNil(t, got.Gate)
	want := DefaultGate()
	want.Records = got.Gate.Records
	assert.Equal(t, &want, got.Gate)
	assert.Len(t, got.Gate.Records, 1)
}

// decommissionPolicy is a commented policy with a gate and a decommission
// section.
const decommissionPolicy = "testdata/decommission.yaml"

func TestDecommissionPolicy(t *testing.T) {
	got, err := Load(decommissionPolicy)
	require.NoError(t, err)

	want := &Decommission{
		LoadBalancer:       "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/partner-api-nlb/50dc6c495c0c9188",
		DrainTime:          time.Hour,
		BackgroundNewFlows: 10,
		LookBack:           35 * 24 * time.Hour,
		SnapshotDir:        ".cutover/partner-api/snapshots",
	}
	assert.Equal(t, want, got.Decommission)
	assert.Equal(t, []string{"Z0123456789ABCDEFGHIJ", "Z9ZZZZZZZZZZZZ"}, got.DecommissionZones())
	assert.Equal(t, Default().Analyze, got.Analyze)
	require.NotNil(t, got.Gate)
	assert.Len(t, got.Gate.Records, 2)
}

func TestDocumentedDecommissionDefaults(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	require.NoError(t, err)

	// The first YAML block after the heading is a decommission section with
	// a load balancer and every default.
	_, section, found := strings.Cut(string(doc), "## `decommission`")
	require.True(t, found)
	_, block, found := strings.Cut(section, "```yaml\n")
	require.True(t, found)
	block, _, found = strings.Cut(block, "```")
	require.True(t, found)

	got, err := Parse([]byte("version: 1\n"+block), "docs/policy.md")
	require.NoError(t, err)
	require.NotNil(t, got.Decommission)
	want := DefaultDecommission()
	want.LoadBalancer = got.Decommission.LoadBalancer
	assert.Equal(t, &want, got.Decommission)
	assert.NotEmpty(t, got.Decommission.LoadBalancer)
}

func TestDocumentedDecommissionExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	require.NoError(t, err)

	// The last YAML block of the section is an example with a gate section,
	// whose zones the decommission searches.
	_, section, found := strings.Cut(string(doc), "## `decommission`")
	require.True(t, found)
	section, _, _ = strings.Cut(section, "\n## ")
	blocks := strings.Split(section, "```yaml\n")
	require.GreaterOrEqual(t, len(blocks), 3, "the section has a defaults block and an example")
	block, _, found := strings.Cut(blocks[len(blocks)-1], "```")
	require.True(t, found)

	got, err := Parse([]byte("version: 1\n"+block), "docs/policy.md")
	require.NoError(t, err)
	require.NotNil(t, got.Decommission)
	assert.NotEqual(t, DefaultDecommission().DrainTime, got.Decommission.DrainTime, "the example sets its own drain time")
	assert.NotEmpty(t, got.DecommissionZones())
}
