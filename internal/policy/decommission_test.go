package policy

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decommissionFile sets every field of the decommission section to a value
// other than its default, next to a gate section whose zones the
// decommission does not use.
const decommissionFile = `version: 1
name: partner-api
gate:
  records:
    - {zone_id: Z1, name: a.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb}
decommission:
  load_balancer: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/partner-api-nlb/50dc6c495c0c9188
  drain_time: 2h
  background_new_flows: 0.5
  look_back: 14d
  zones: [/hostedzone/Z0123456789ABCDEFGHIJ, Z9ZZZZZZZZZZZZ]
  snapshot_dir: /var/lib/cutover/snapshots
`

func TestParseDecommissionSection(t *testing.T) {
	got, err := Parse([]byte(decommissionFile), "decommission.yaml")
	require.NoError(t, err)

	want := &Decommission{
		LoadBalancer:       "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/partner-api-nlb/50dc6c495c0c9188",
		DrainTime:          2 * time.Hour,
		BackgroundNewFlows: 0.5,
		LookBack:           14 * 24 * time.Hour,
		Zones:              []string{"Z0123456789ABCDEFGHIJ", "Z9ZZZZZZZZZZZZ"},
		SnapshotDir:        "/var/lib/cutover/snapshots",
	}
	assert.Equal(t, want, got.Decommission)
	assert.Equal(t, Default().Analyze, got.Analyze, "a decommission section leaves analyze at its defaults")
	assert.Equal(t, []string{"Z0123456789ABCDEFGHIJ", "Z9ZZZZZZZZZZZZ"}, got.DecommissionZones(), "the section's zones replace the gate's")
}

func TestParseDecommissionSectionKeepsDefaults(t *testing.T) {
	got, err := Parse([]byte(`version: 1
decommission:
  load_balancer: partner-api-nlb
  drain_time: 1h
`), "p.yaml")
	require.NoError(t, err)

	want := DefaultDecommission()
	want.LoadBalancer = "partner-api-nlb"
	want.DrainTime = time.Hour
	assert.Equal(t, &want, got.Decommission)
	assert.Nil(t, got.Gate)
}

func TestDefaultDecommissionValues(t *testing.T) {
	d := DefaultDecommission()

	assert.Equal(t, "", d.LoadBalancer)
	assert.Equal(t, 30*time.Minute, d.DrainTime)
	assert.Equal(t, 5.0, d.BackgroundNewFlows)
	assert.Equal(t, 7*24*time.Hour, d.LookBack)
	assert.Nil(t, d.Zones)
	assert.Equal(t, ".cutover/snapshots", d.SnapshotDir)
}

func TestParseWithoutDecommissionSection(t *testing.T) {
	for _, file := range []string{"version: 1\n", "version: 1\ndecommission:\n", "version: 1\ndecommission: null\n"} {
		got, err := Parse([]byte(file), "p.yaml")
		require.NoError(t, err, file)
		assert.Nil(t, got.Decommission, file)
	}
}

func TestRequireDecommission(t *testing.T) {
	p, err := Parse([]byte(gateFile), "gate.yaml")
	require.NoError(t, err)

	d, err := p.RequireDecommission()
	assert.Nil(t, d)
	require.Error(t, err)
	assert.EqualError(t, err, "gate.yaml: decommission: missing decommission section: add one that names the NLB to remove under decommission.load_balancer (docs/policy.md describes its fields)")
	var fieldErr *FieldError
	require.ErrorAs(t, err, &fieldErr)
	assert.Equal(t, "decommission", fieldErr.Field)
	assert.Equal(t, 0, fieldErr.Line)

	p, err = Parse([]byte(decommissionFile), "decommission.yaml")
	require.NoError(t, err)
	d, err = p.RequireDecommission()
	require.NoError(t, err)
	assert.Same(t, p.Decommission, d)
}

func TestDecommissionZones(t *testing.T) {
	gate := "gate:\n  records:\n" +
		"    - {zone_id: /hostedzone/Z2, name: a.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb}\n" +
		"    - {zone_id: Z1, name: b.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb}\n" +
		"    - {zone_id: Z2, name: c.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb}\n"
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"section zones", gate + "decommission:\n  load_balancer: nlb\n  zones: [Z3, /hostedzone/Z4]\n", []string{"Z3", "Z4"}},
		{"empty section zones", gate + "decommission:\n  load_balancer: nlb\n  zones: []\n", []string{"Z2", "Z1"}},
		{"section without zones", gate + "decommission:\n  load_balancer: nlb\n", []string{"Z2", "Z1"}},
		{"gate without section", gate, []string{"Z2", "Z1"}},
		{"section without gate", "decommission:\n  load_balancer: nlb\n", nil},
		{"neither section", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte("version: 1\n"+tt.yaml), "p.yaml")
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.DecommissionZones())
		})
	}
}

func TestDecommissionZonesReturnsCopy(t *testing.T) {
	p := Default()
	d := DefaultDecommission()
	d.Zones = []string{"Z1"}
	p.Decommission = &d

	zones := p.DecommissionZones()
	zones[0] = "Z9"

	assert.Equal(t, []string{"Z1"}, d.Zones)
}

func TestDecommissionAcceptedValues(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, d *Decommission)
	}{
		{"name of 32 characters", loadBalancer(strings.Repeat("a", 31) + "B"), func(t *testing.T, d *Decommission) {
			assert.Equal(t, strings.Repeat("a", 31)+"B", d.LoadBalancer)
		}},
		{"name with digits and hyphens", loadBalancer("1-nlb-2"), func(t *testing.T, d *Decommission) {
			assert.Equal(t, "1-nlb-2", d.LoadBalancer)
		}},
		{"name containing internal", loadBalancer("partner-internal-nlb"), func(t *testing.T, d *Decommission) {
			assert.Equal(t, "partner-internal-nlb", d.LoadBalancer)
		}},
		{"ARN in another partition", loadBalancer("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/net/n/0123abcd"), func(t *testing.T, d *Decommission) {
			assert.Equal(t, "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/net/n/0123abcd", d.LoadBalancer)
		}},
		{"no background flows", decommissionBase + "  background_new_flows: 0\n", func(t *testing.T, d *Decommission) {
			assert.Equal(t, 0.0, d.BackgroundNewFlows)
		}},
		{"whole number of flows", decommissionBase + "  background_new_flows: 20\n", func(t *testing.T, d *Decommission) {
			assert.Equal(t, 20.0, d.BackgroundNewFlows)
		}},
		{"days and hours", decommissionBase + "  look_back: 1d12h\n  drain_time: 1d\n", func(t *testing.T, d *Decommission) {
			assert.Equal(t, 36*time.Hour, d.LookBack)
			assert.Equal(t, 24*time.Hour, d.DrainTime)
		}},
		{"one-second durations", decommissionBase + "  look_back: 1s\n  drain_time: 1s\n", func(t *testing.T, d *Decommission) {
			assert.Equal(t, time.Second, d.LookBack)
			assert.Equal(t, time.Second, d.DrainTime)
		}},
		{"zone IDs in canonical form", decommissionBase + "  zones:\n    - /hostedzone/Z1\n    - Z2\n", func(t *testing.T, d *Decommission) {
			assert.Equal(t, []string{"Z1", "Z2"}, d.Zones)
		}},
		{"relative snapshot directory", decommissionBase + "  snapshot_dir: snapshots\n", func(t *testing.T, d *Decommission) {
			assert.Equal(t, "snapshots", d.SnapshotDir)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.yaml), "p.yaml")
			require.NoError(t, err)
			tt.check(t, got.Decommission)
		})
	}
}

// decommissionBase is a valid decommission section whose load_balancer is
// on line 3, to which a test appends fields of the section from line 4 on.
// Tests of load_balancer itself use loadBalancer, because a field set twice
// is an error.
const decommissionBase = `version: 1
decommission:
  load_balancer: partner-api-nlb
`

// loadBalancer returns a decommission section whose load_balancer, on
// line 3, is value.
func loadBalancer(value string) string {
	return "version: 1\ndecommission:\n  load_balancer: " + value + "\n"
}

func TestParseDecommissionErrors(t *testing.T) {
	const account = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
	tests := []struct {
		name  string
		yaml  string
		field string
		line  int
		msg   string
	}{
		// The section and its load balancer.
		{"scalar for section", "version: 1\ndecommission: yes\n",
			"decommission", 2, `expected a mapping of fields, found "yes"`},
		{"section without load balancer", "version: 1\ndecommission:\n  drain_time: 1h\n",
			"decommission.load_balancer", 2, "missing load balancer: set the name or the ARN of the NLB to remove, such as partner-api-nlb"},
		{"empty load balancer", loadBalancer("''"),
			"decommission.load_balancer", 3, "missing load balancer: set the name or the ARN of the NLB to remove, such as partner-api-nlb"},
		{"unknown section field", decommissionBase + "  drain: 1h\n",
			"decommission.drain", 4, `unknown field "drain": expected one of load_balancer, drain_time, background_new_flows, look_back, zones, snapshot_dir`},
		{"list for load balancer", loadBalancer("[a, b]"),
			"decommission.load_balancer", 3, `expected a single value, found a list`},
		{"name too long", loadBalancer(strings.Repeat("n", 33)),
			"decommission.load_balancer", 3, `invalid load balancer name "` + strings.Repeat("n", 33) + `": expected 1 to 32 letters, digits and hyphens, such as partner-api-nlb, or the NLB's ARN, but the name is longer than 32 characters`},
		{"name with underscore", loadBalancer("partner_api_nlb"),
			"decommission.load_balancer", 3, `invalid load balancer name "partner_api_nlb": expected 1 to 32 letters, digits and hyphens, such as partner-api-nlb, or the NLB's ARN, but the name has a character other than a letter, digit or hyphen`},
		{"DNS name", loadBalancer("partner-api-nlb-0123456789abcdef.elb.eu-west-1.amazonaws.com"),
			"decommission.load_balancer", 3, "but the name has a character other than a letter, digit or hyphen"},
		{"name starting with hyphen", loadBalancer("'-nlb'"),
			"decommission.load_balancer", 3, `invalid load balancer name "-nlb": expected 1 to 32 letters, digits and hyphens, such as partner-api-nlb, or the NLB's ARN, but the name starts with a hyphen`},
		{"name ending with hyphen", loadBalancer("nlb-"),
			"decommission.load_balancer", 3, `invalid load balancer name "nlb-": expected 1 to 32 letters, digits and hyphens, such as partner-api-nlb, or the NLB's ARN, but the name ends with a hyphen`},
		{"internal name", loadBalancer("internal-partner-api"),
			"decommission.load_balancer", 3, `but the name starts with "internal-", which Elastic Load Balancing does not allow`},
		{"ALB ARN", loadBalancer(account + "loadbalancer/app/partner-api-alb/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `invalid load balancer ARN "` + account + `loadbalancer/app/partner-api-alb/50dc6c495c0c9188": it names an application load balancer, but the decommission removes the NLB, so set the name or the ARN (loadbalancer/net/...) of the NLB`},
		{"gateway load balancer ARN", loadBalancer(account + "loadbalancer/gwy/inspection/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `it names a gateway load balancer, but the decommission removes the NLB`},
		{"classic load balancer ARN", loadBalancer(account + "loadbalancer/partner-api"),
			"decommission.load_balancer", 3, `invalid load balancer ARN "` + account + `loadbalancer/partner-api": expected the ARN of a network load balancer, such as arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/partner-api-nlb/50dc6c495c0c9188, but its resource "loadbalancer/partner-api" is not loadbalancer/net/NAME/ID`},
		{"target group ARN", loadBalancer(account + "targetgroup/partner-api/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `but its resource "targetgroup/partner-api/50dc6c495c0c9188" is not loadbalancer/net/NAME/ID`},
		{"listener ARN", loadBalancer(account + "listener/net/partner-api-nlb/50dc6c495c0c9188/f2f7dc8efc522ab2"),
			"decommission.load_balancer", 3, `but its resource "listener/net/partner-api-nlb/50dc6c495c0c9188/f2f7dc8efc522ab2" is not loadbalancer/net/NAME/ID`},
		{"ARN without ID", loadBalancer(account + "loadbalancer/net/partner-api-nlb"),
			"decommission.load_balancer", 3, `but its resource "loadbalancer/net/partner-api-nlb" is not loadbalancer/net/NAME/ID`},
		{"ARN cut short", loadBalancer("arn:aws:elasticloadbalancing:eu-west-1"),
			"decommission.load_balancer", 3, `but it has 4 parts separated by colons instead of 6`},
		{"ARN of another partition", loadBalancer("arn:azure:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/n/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `but its partition "azure" is not an AWS partition such as aws`},
		{"ARN of another service", loadBalancer("arn:aws:ec2:eu-west-1:123456789012:loadbalancer/net/n/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `but its service is "ec2", not elasticloadbalancing`},
		{"ARN without region", loadBalancer("arn:aws:elasticloadbalancing::123456789012:loadbalancer/net/n/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `but its region "" is not a region code such as eu-west-1`},
		{"ARN with short account", loadBalancer("arn:aws:elasticloadbalancing:eu-west-1:1234:loadbalancer/net/n/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `but its account ID "1234" is not 12 digits`},
		{"ARN with invalid name", loadBalancer(account + "loadbalancer/net/internal-nlb/50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `but the name "internal-nlb" in it starts with "internal-", which Elastic Load Balancing does not allow`},
		{"ARN with empty name", loadBalancer(account + "loadbalancer/net//50dc6c495c0c9188"),
			"decommission.load_balancer", 3, `but the name "" in it is empty`},
		{"ARN with invalid ID", loadBalancer(account + "loadbalancer/net/partner-api-nlb/50DC6C49"),
			"decommission.load_balancer", 3, `but its load balancer ID "50DC6C49" is not hexadecimal digits`},

		// Durations and the number of flows.
		{"zero drain time", decommissionBase + "  drain_time: 0s\n",
			"decommission.drain_time", 4, "invalid duration 0s: must be more than 0"},
		{"negative drain time", decommissionBase + "  drain_time: -5m\n",
			"decommission.drain_time", 4, `invalid duration "-5m": must not be negative`},
		{"drain time without unit", decommissionBase + "  drain_time: 30\n",
			"decommission.drain_time", 4, `invalid duration "30": expected a number with a unit, such as 90s, 15m, 2h, 7d or 1d12h`},
		{"zero look back", decommissionBase + "  look_back: 0d\n",
			"decommission.look_back", 4, "invalid duration 0s: must be more than 0"},
		{"weeks for look back", decommissionBase + "  look_back: 1w\n",
			"decommission.look_back", 4, `invalid duration "1w": expected a number with a unit`},
		{"negative flows", decommissionBase + "  background_new_flows: -1\n",
			"decommission.background_new_flows", 4, "invalid value -1: expected a number of new flows per minute of 0 or more, such as 5"},
		{"percentage for flows", decommissionBase + "  background_new_flows: 5%\n",
			"decommission.background_new_flows", 4, `invalid value "5%": expected a number per minute, such as 5`},
		{"quoted flows", decommissionBase + "  background_new_flows: \"5\"\n",
			"decommission.background_new_flows", 4, `invalid value "5": expected a number per minute, such as 5`},
		{"rate with unit for flows", decommissionBase + "  background_new_flows: 5/min\n",
			"decommission.background_new_flows", 4, `invalid value "5/min": expected a number per minute, such as 5`},
		{"infinite flows", decommissionBase + "  background_new_flows: .inf\n",
			"decommission.background_new_flows", 4, `invalid value ".inf": expected a finite number per minute, such as 5`},

		// Zones and the snapshot directory.
		{"scalar for zones", decommissionBase + "  zones: Z1\n",
			"decommission.zones", 4, `expected a list, found "Z1"`},
		{"lower-case zone ID", decommissionBase + "  zones:\n    - Z1\n    - z2\n",
			"decommission.zones[1]", 6, `invalid hosted zone ID "z2": expected up to 32 upper-case letters and digits, such as Z0123456789ABCDEFGHIJ`},
		{"zone ARN", decommissionBase + "  zones: ['arn:aws:route53:::hostedzone/Z1']\n",
			"decommission.zones[0]", 4, `invalid hosted zone ID "arn:aws:route53:::hostedzone/Z1"`},
		{"prefix without zone ID", decommissionBase + "  zones: [/hostedzone/]\n",
			"decommission.zones[0]", 4, "missing hosted zone ID: write the ID of a zone to search, such as Z0123456789ABCDEFGHIJ, or remove the item"},
		{"empty zone ID", decommissionBase + "  zones: [Z1, '']\n",
			"decommission.zones[1]", 4, "missing hosted zone ID"},
		{"zone listed twice", decommissionBase + "  zones:\n    - Z1\n    - Z2\n    - /hostedzone/Z1\n",
			"decommission.zones[2]", 7, "hosted zone Z1 is already listed at decommission.zones[0]"},
		{"empty snapshot directory", decommissionBase + "  snapshot_dir: ''\n",
			"decommission.snapshot_dir", 4, "missing snapshot directory: set a local directory such as .cutover/snapshots"},
		{"null snapshot directory", decommissionBase + "  snapshot_dir:\n",
			"decommission.snapshot_dir", 4, "missing value: write one, or remove the field to keep its default"},
		{"S3 URL for snapshot directory", decommissionBase + "  snapshot_dir: s3://cutover-state/snapshots\n",
			"decommission.snapshot_dir", 4, `unsupported URL scheme "s3" in "s3://cutover-state/snapshots": expected a local directory such as .cutover/snapshots`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "p.yaml")
			require.Error(t, err)

			errs := fieldErrors(t, err)
			require.Len(t, errs, 1, "errors: %v", err)
			assert.Equal(t, "p.yaml", errs[0].File)
			assert.Equal(t, tt.field, errs[0].Field)
			assert.Equal(t, tt.line, errs[0].Line)
			assert.Contains(t, errs[0].Err.Error(), tt.msg)
		})
	}
}

func TestParseDecommissionReportsEveryError(t *testing.T) {
	_, err := Parse([]byte(`version: 1
decommission:
  load_balancer: nlb_1
  drain_time: 0s
  background_new_flows: -2
  look_back: 0s
  zones: [z1]
  snapshot_dir: ''
`), "p.yaml")
	require.Error(t, err)

	var got []string
	for _, e := range fieldErrors(t, err) {
		got = append(got, e.Field)
	}
	assert.Equal(t, []string{
		"decommission.load_balancer",
		"decommission.drain_time",
		"decommission.background_new_flows",
		"decommission.look_back",
		"decommission.zones[0]",
		"decommission.snapshot_dir",
	}, got)
}

func TestValidateDecommissionWithoutFile(t *testing.T) {
	p := Default()
	d := DefaultDecommission()
	d.LoadBalancer = "partner-api-nlb"
	d.BackgroundNewFlows = math.NaN()
	d.DrainTime = -time.Minute
	p.Decommission = &d

	err := p.Validate()
	require.Error(t, err)
	errs := fieldErrors(t, err)
	require.Len(t, errs, 2)
	assert.Equal(t, "decommission.drain_time: invalid duration -1m0s: must be more than 0", errs[0].Error())
	assert.Equal(t, "decommission.background_new_flows: invalid value NaN: expected a number of new flows per minute of 0 or more, such as 5", errs[1].Error())
	assert.Equal(t, 0, errs[0].Line)
}

func TestValidateDecommissionCanonicalZones(t *testing.T) {
	p := Default()
	d := DefaultDecommission()
	d.LoadBalancer = "partner-api-nlb"
	d.Zones = []string{"/hostedzone/Z1", "Z2"}
	p.Decommission = &d

	require.NoError(t, p.Validate())
	assert.Equal(t, []string{"Z1", "Z2"}, d.Zones)

	require.NoError(t, p.Validate(), "canonical zone IDs validate again")
	assert.Equal(t, []string{"Z1", "Z2"}, d.Zones)
}

func TestDefaultDecommissionWithLoadBalancerIsValid(t *testing.T) {
	p := Default()
	d := DefaultDecommission()
	d.LoadBalancer = "partner-api-nlb"
	p.Decommission = &d

	require.NoError(t, p.Validate())
	assert.Equal(t, "partner-api-nlb", d.LoadBalancer)
}

func TestDefaultDecommissionWithoutLoadBalancerIsInvalid(t *testing.T) {
	p := Default()
	d := DefaultDecommission()
	p.Decommission = &d

	err := p.Validate()
	require.Error(t, err)
	assert.EqualError(t, err, "decommission.load_balancer: missing load balancer: set the name or the ARN of the NLB to remove, such as partner-api-nlb")
}
