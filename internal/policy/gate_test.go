package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gateFile sets every field of the gate section to a value other than its
// default, and spells record sets in forms that Validate rewrites.
const gateFile = `version: 1
name: partner-api
gate:
  records:
    - zone_id: /hostedzone/Z0123456789ABCDEFGHIJ
      name: MTLS.Api.Example.com
      types: [a, AAAA]
      nlb_set_identifier: nlb
      alb_set_identifier: alb
    - zone_id: Z0123456789ABCDEFGHIJ
      name: partners.example.com.
      nlb_set_identifier: old-nlb
      alb_set_identifier: new-alb
    - zone_id: Z9ZZZZZZZZZZZZ
      name: '*.edge.example.net'
      types: [CNAME]
      nlb_set_identifier: nlb
      alb_set_identifier: alb
  steps: [5, {weight: 20, bake: 2h}, 60, {weight: 100, bake: 1d}]
  bake: 30m
  rollback_on: [handshake_failure_rate, new_failure_reason, clients_left_behind]
  state: s3://cutover-state/partner-api/state.json
  change_timeout: 10m
  poll_interval: 15s
  total_weight: 200
`

func TestParseGateSection(t *testing.T) {
	got, err := Parse([]byte(gateFile), "gate.yaml")
	require.NoError(t, err)

	want := &Gate{
		Records: []RecordSet{
			{ZoneID: "Z0123456789ABCDEFGHIJ", Name: "mtls.api.example.com.", Types: []string{"A", "AAAA"}, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"},
			{ZoneID: "Z0123456789ABCDEFGHIJ", Name: "partners.example.com.", Types: []string{"A"}, NLBSetIdentifier: "old-nlb", ALBSetIdentifier: "new-alb"},
			{ZoneID: "Z9ZZZZZZZZZZZZ", Name: "*.edge.example.net.", Types: []string{"CNAME"}, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"},
		},
		Steps:         []Step{{Weight: 5}, {Weight: 20, Bake: 2 * time.Hour}, {Weight: 60}, {Weight: 100, Bake: 24 * time.Hour}},
		Bake:          30 * time.Minute,
		RollbackOn:    []string{"handshake_failure_rate", "new_failure_reason", "clients_left_behind"},
		State:         "s3://cutover-state/partner-api/state.json",
		ChangeTimeout: 10 * time.Minute,
		PollInterval:  15 * time.Second,
		TotalWeight:   200,
	}
	assert.Equal(t, want, got.Gate)
	assert.Equal(t, Default().Analyze, got.Analyze, "a gate section leaves analyze at its defaults")
}

func TestParseGateSectionKeepsDefaults(t *testing.T) {
	got, err := Parse([]byte(`version: 1
gate:
  records:
    - zone_id: Z1
      name: a.example.com
      nlb_set_identifier: nlb
      alb_set_identifier: alb
  bake: 2h
`), "gate.yaml")
	require.NoError(t, err)

	want := DefaultGate()
	want.Records = []RecordSet{{ZoneID: "Z1", Name: "a.example.com.", Types: []string{"A"}, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"}}
	want.Bake = 2 * time.Hour
	assert.Equal(t, &want, got.Gate)
}

func TestParseWithoutGateSection(t *testing.T) {
	for _, file := range []string{"version: 1\n", "version: 1\ngate:\n", "version: 1\ngate: null\n"} {
		got, err := Parse([]byte(file), "p.yaml")
		require.NoError(t, err, file)
		assert.Nil(t, got.Gate, file)
	}
}

func TestParseGateAliasedSteps(t *testing.T) {
	got, err := Parse([]byte(`version: 1
gate:
  records: [{zone_id: Z1, name: a.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb}]
  steps: [&long {weight: 50, bake: 1d}, 100]
`), "p.yaml")
	require.NoError(t, err)

	assert.Equal(t, []Step{{Weight: 50, Bake: 24 * time.Hour}, {Weight: 100}}, got.Gate.Steps)
}

func TestRequireGate(t *testing.T) {
	p, err := Parse([]byte("version: 1\n"), "p.yaml")
	require.NoError(t, err)

	g, err := p.RequireGate()
	assert.Nil(t, g)
	require.Error(t, err)
	assert.EqualError(t, err, "p.yaml: gate: missing gate section: add one that lists the record sets to move under gate.records (docs/policy.md describes its fields)")
	var fieldErr *FieldError
	require.ErrorAs(t, err, &fieldErr)
	assert.Equal(t, "gate", fieldErr.Field)

	p, err = Parse([]byte(gateFile), "gate.yaml")
	require.NoError(t, err)
	g, err = p.RequireGate()
	require.NoError(t, err)
	assert.Same(t, p.Gate, g)
}

func TestGateBakeFor(t *testing.T) {
	g := Gate{Bake: time.Hour, Steps: []Step{{Weight: 10}, {Weight: 50, Bake: 3 * time.Hour}, {Weight: 100}}}

	assert.Equal(t, time.Hour, g.BakeFor(0))
	assert.Equal(t, 3*time.Hour, g.BakeFor(1))
	assert.Equal(t, time.Hour, g.BakeFor(2))
	assert.Panics(t, func() { g.BakeFor(3) })
}

func TestGateWeights(t *testing.T) {
	tests := []struct {
		total, percent int
		nlb, alb       int64
	}{
		{100, 10, 90, 10},
		{100, 100, 0, 100},
		{255, 10, 229, 26},
		{255, 50, 127, 128},
		{255, 100, 0, 255},
		{20, 25, 15, 5},
		{1, 100, 0, 1},
	}
	for _, tt := range tests {
		g := Gate{TotalWeight: tt.total, Steps: []Step{{Weight: tt.percent}}}
		nlb, alb := g.Weights(0)
		assert.Equal(t, tt.nlb, nlb, "NLB weight at %d percent of %d", tt.percent, tt.total)
		assert.Equal(t, tt.alb, alb, "ALB weight at %d percent of %d", tt.percent, tt.total)
	}
}

func TestGateStateObject(t *testing.T) {
	bucket, key, ok := Gate{State: "s3://cutover-state/partner-api/state.json"}.StateObject()
	assert.True(t, ok)
	assert.Equal(t, "cutover-state", bucket)
	assert.Equal(t, "partner-api/state.json", key)

	_, _, ok = Gate{State: ".cutover/state.json"}.StateObject()
	assert.False(t, ok)
}

func TestGateAcceptedValues(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		check func(t *testing.T, g *Gate)
	}{
		{"total weight 20 with default steps", "  total_weight: 20\n", func(t *testing.T, g *Gate) {
			assert.Equal(t, 20, g.TotalWeight)
		}},
		{"single step", "  steps: [100]\n", func(t *testing.T, g *Gate) {
			assert.Equal(t, []Step{{Weight: 100}}, g.Steps)
		}},
		{"zero bake", "  bake: 0s\n", func(t *testing.T, g *Gate) {
			assert.Equal(t, time.Duration(0), g.BakeFor(0))
		}},
		{"poll interval equal to timeout", "  change_timeout: 1m\n  poll_interval: 1m\n", func(t *testing.T, g *Gate) {
			assert.Equal(t, time.Minute, g.PollInterval)
		}},
		{"absolute local state", "  state: /var/lib/cutover/state.json\n", func(t *testing.T, g *Gate) {
			assert.Equal(t, "/var/lib/cutover/state.json", g.State)
		}},
		{"every check name", "  rollback_on: [freshness, completeness, passthrough_evidence, traffic_share, handshake_failure_rate, new_failure_reason, clients_left_behind, response_header_time_p50, response_header_time_p90, response_header_time_p99, http_5xx_rate, client_4xx]\n",
			func(t *testing.T, g *Gate) { assert.Equal(t, checkNames, g.RollbackOn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(gateBase+tt.extra), "p.yaml")
			require.NoError(t, err)
			tt.check(t, got.Gate)
		})
	}
}

// gateBase is a valid gate section with one record set on line 4, to which
// a test appends fields of the section from line 5 on.
const gateBase = `version: 1
gate:
  records:
    - {zone_id: Z1, name: a.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb}
`

// record returns a gate section with one record set whose fields on lines
// 4 to 7 are these, in this order, and whose line 8 is extra.
func record(zoneID, name, nlb, alb, extra string) string {
	return "version: 1\ngate:\n  records:\n" +
		"    - zone_id: " + zoneID + "\n" +
		"      name: " + name + "\n" +
		"      nlb_set_identifier: " + nlb + "\n" +
		"      alb_set_identifier: " + alb + "\n" + extra
}

func TestParseGateErrors(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		field string
		line  int
		msg   string
	}{
		// The section and its records.
		{"scalar for section", "version: 1\ngate: yes\n",
			"gate", 2, `expected a mapping of fields, found "yes"`},
		{"section without records", "version: 1\ngate:\n  bake: 2h\n",
			"gate.records", 2, "missing record sets: list at least one under gate.records, or remove the gate section"},
		{"empty records", "version: 1\ngate:\n  records: []\n",
			"gate.records", 3, "missing record sets: list at least one under gate.records, or remove the gate section"},
		{"unknown section field", gateBase + "  bake_time: 1h\n",
			"gate.bake_time", 5, `unknown field "bake_time": expected one of records, steps, bake, rollback_on, state, change_timeout, poll_interval, total_weight`},
		{"unknown record field", record("Z1", "a.example.com", "nlb", "alb", "      weight: 10\n"),
			"gate.records[0].weight", 8, `unknown field "weight": expected one of zone_id, name, types, nlb_set_identifier, alb_set_identifier`},
		{"missing zone ID", "version: 1\ngate:\n  records:\n    - name: a.example.com\n      nlb_set_identifier: nlb\n      alb_set_identifier: alb\n",
			"gate.records[0].zone_id", 4, "missing hosted zone ID: set the ID of the zone that contains the records, such as Z0123456789ABCDEFGHIJ"},
		{"prefix without zone ID", record("/hostedzone/", "a.example.com", "nlb", "alb", ""),
			"gate.records[0].zone_id", 4, "missing hosted zone ID"},
		{"lower-case zone ID", record("z0123abc", "a.example.com", "nlb", "alb", ""),
			"gate.records[0].zone_id", 4, `invalid hosted zone ID "z0123abc": expected up to 32 upper-case letters and digits, such as Z0123456789ABCDEFGHIJ`},
		{"zone ID too long", record(strings.Repeat("Z", 33), "a.example.com", "nlb", "alb", ""),
			"gate.records[0].zone_id", 4, `invalid hosted zone ID "` + strings.Repeat("Z", 33) + `"`},
		{"zone ARN", record("arn:aws:route53:::hostedzone/Z1", "a.example.com", "nlb", "alb", ""),
			"gate.records[0].zone_id", 4, `invalid hosted zone ID "arn:aws:route53:::hostedzone/Z1"`},
		{"missing name", record("Z1", "''", "nlb", "alb", ""),
			"gate.records[0].name", 5, "missing record name: set the name that clients resolve, such as mtls.api.example.com"},
		{"URL for name", record("Z1", "https://a.example.com", "nlb", "alb", ""),
			"gate.records[0].name", 5, `invalid record name "https://a.example.com": expected a domain name such as mtls.api.example.com, but label "https://a" has a character other than a letter, digit, hyphen or underscore`},
		{"empty label", record("Z1", "a..example.com", "nlb", "alb", ""),
			"gate.records[0].name", 5, `invalid record name "a..example.com": expected a domain name such as mtls.api.example.com, but it has an empty label`},
		{"label too long", record("Z1", strings.Repeat("a", 64)+".example.com", "nlb", "alb", ""),
			"gate.records[0].name", 5, `is longer than 63 characters`},
		{"name too long", record("Z1", strings.Repeat("abcdefghi.", 25)+"example", "nlb", "alb", ""),
			"gate.records[0].name", 5, `but it is longer than 253 characters`},
		{"wildcard inside", record("Z1", "a.*.example.com", "nlb", "alb", ""),
			"gate.records[0].name", 5, `label "*" has a character other than a letter, digit, hyphen or underscore`},
		{"unknown record type", record("Z1", "a.example.com", "nlb", "alb", "      types: [A, MX]\n"),
			"gate.records[0].types[1]", 8, `invalid record type "MX": expected A, AAAA or CNAME`},
		{"CNAME with A", record("Z1", "a.example.com", "nlb", "alb", "      types: [CNAME, A]\n"),
			"gate.records[0].types", 8, "invalid record types CNAME, A: a CNAME record cannot share its name with records of another type"},
		{"CNAME listed twice", record("Z1", "a.example.com", "nlb", "alb", "      types: [CNAME, cname]\n"),
			"gate.records[0].types[1]", 8, "record type CNAME is listed twice"},
		{"type listed twice", record("Z1", "a.example.com", "nlb", "alb", "      types: [AAAA, aaaa]\n"),
			"gate.records[0].types[1]", 8, "record type AAAA is listed twice"},
		{"name and type listed twice", gateBase + "    - {zone_id: /hostedzone/Z1, name: A.Example.com., nlb_set_identifier: n, alb_set_identifier: a}\n",
			"gate.records[1]", 5, "A records of a.example.com. in zone Z1 are already listed by gate.records[0]: list each name and type once"},
		{"same name in another zone", gateBase + "    - {zone_id: Z2, name: a.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb, types: [AAAA, A]}\n" +
			"    - {zone_id: Z2, name: a.example.com, nlb_set_identifier: nlb, alb_set_identifier: alb, types: [A]}\n",
			"gate.records[2].types[0]", 6, "A records of a.example.com. in zone Z2 are already listed by gate.records[1]"},
		{"missing NLB set identifier", record("Z1", "a.example.com", "''", "alb", ""),
			"gate.records[0].nlb_set_identifier", 6, "missing set identifier: set the set identifier of the weighted record that points at the NLB"},
		{"missing ALB set identifier", "version: 1\ngate:\n  records:\n    - zone_id: Z1\n      name: a.example.com\n      nlb_set_identifier: nlb\n",
			"gate.records[0].alb_set_identifier", 4, "missing set identifier: set the set identifier of the weighted record that points at the ALB"},
		{"same set identifiers", record("Z1", "a.example.com", "blue", "blue", ""),
			"gate.records[0].alb_set_identifier", 7, `set identifier "blue" is also nlb_set_identifier: the NLB's and the ALB's records need different set identifiers`},

		// Steps.
		{"empty steps", gateBase + "  steps: []\n",
			"gate.steps", 5, "missing steps: list the ALB's share of traffic in percent at each step, ending at 100, such as [10, 50, 100]"},
		{"step zero", gateBase + "  steps: [0, 100]\n",
			"gate.steps[0]", 5, "invalid weight 0: expected a percentage from 1 to 100"},
		{"step above 100", gateBase + "  steps: [50, 101]\n",
			"gate.steps[1]", 5, "invalid weight 101: expected a percentage from 1 to 100"},
		{"step repeated", gateBase + "  steps:\n    - 10\n    - 10\n    - 100\n",
			"gate.steps[1]", 7, "invalid weight 10: not above the step before it (10), but the steps must increase strictly"},
		{"steps decreasing", gateBase + "  steps: [50, 25, 100]\n",
			"gate.steps[1]", 5, "invalid weight 25: not above the step before it (50), but the steps must increase strictly"},
		{"steps not ending at 100", gateBase + "  steps:\n    - 10\n    - 50\n",
			"gate.steps[1]", 7, "invalid last step 50: the steps must end at 100, which moves all traffic to the ALB"},
		{"mapping step out of range", gateBase + "  steps:\n    - {weight: 150, bake: 2h}\n    - 100\n",
			"gate.steps[0]", 6, "invalid weight 150: expected a percentage from 1 to 100"},
		{"mapping step without weight", gateBase + "  steps:\n    - bake: 2h\n    - 100\n",
			"gate.steps[0]", 6, "invalid weight 0: expected a percentage from 1 to 100"},
		{"word for step", gateBase + "  steps: [ten, 100]\n",
			"gate.steps[0]", 5, `invalid step "ten": expected a weight in percent such as 25, or a mapping such as {weight: 25, bake: 2h}`},
		{"percentage for step", gateBase + "  steps: [10%, 100]\n",
			"gate.steps[0]", 5, `invalid step "10%": expected a weight in percent such as 25`},
		{"fraction for step", gateBase + "  steps: [0.1, 1]\n",
			"gate.steps[0]", 5, `invalid step "0.1": expected a weight in percent such as 25`},
		{"list for step", gateBase + "  steps: [[10, 1h], 100]\n",
			"gate.steps[0]", 5, `expected a weight in percent such as 25, or a mapping such as {weight: 25, bake: 2h}, found a list`},
		{"null step", gateBase + "  steps:\n    -\n    - 100\n",
			"gate.steps[0]", 6, "missing step: expected a weight in percent such as 25"},
		{"zero bake of step", gateBase + "  steps:\n    - {weight: 10, bake: 0s}\n    - 100\n",
			"gate.steps[0].bake", 6, "invalid bake 0s: a step's bake of 0 stands for gate.bake, so leave bake out to use gate.bake"},
		{"unknown step field", gateBase + "  steps:\n    - {weight: 10, wait: 1h}\n    - 100\n",
			"gate.steps[0].wait", 6, `unknown field "wait": expected one of weight, bake`},
		{"step not reachable with total weight", gateBase + "  steps: [25, 100]\n  total_weight: 10\n",
			"gate.steps[0]", 5, "invalid weight 25: with total_weight 10 the ALB's weight is 3, which reads back as 30.0 percent, so raise total_weight to 100 or more"},
		{"first step zero with total weight", gateBase + "  steps: [1, 100]\n  total_weight: 1\n",
			"gate.steps[0]", 5, "invalid weight 1: with total_weight 1 the ALB's weight is 0, which reads back as 0.0 percent, so raise total_weight to 100 or more"},

		// Durations, checks, state and weights.
		{"negative bake", gateBase + "  bake: -1h\n",
			"gate.bake", 5, `invalid duration "-1h": must not be negative`},
		{"unknown check", gateBase + "  rollback_on: [handshake_failure_rate, latency]\n",
			"gate.rollback_on[1]", 5, `unknown check "latency": expected one of freshness, completeness, passthrough_evidence, traffic_share, handshake_failure_rate, new_failure_reason, clients_left_behind, response_header_time_p50, response_header_time_p90, response_header_time_p99, http_5xx_rate, client_4xx`},
		{"check listed twice", gateBase + "  rollback_on: [http_5xx_rate, client_4xx, http_5xx_rate]\n",
			"gate.rollback_on[2]", 5, `check "http_5xx_rate" is already listed at gate.rollback_on[0]`},
		{"empty state", gateBase + "  state: ''\n",
			"gate.state", 5, "missing state location: set a local path such as .cutover/state.json or an S3 URL such as s3://bucket/state.json"},
		{"S3 URL without key", gateBase + "  state: s3://cutover-state\n",
			"gate.state", 5, `invalid S3 URL "s3://cutover-state": expected s3://bucket/key, with a key that names an object, such as s3://cutover-state/partner-api/state.json`},
		{"S3 URL without bucket", gateBase + "  state: s3:///state.json\n",
			"gate.state", 5, `invalid S3 URL "s3:///state.json"`},
		{"S3 URL of a folder", gateBase + "  state: s3://cutover-state/partner-api/\n",
			"gate.state", 5, `invalid S3 URL "s3://cutover-state/partner-api/"`},
		{"other URL scheme", gateBase + "  state: gs://cutover-state/state.json\n",
			"gate.state", 5, `unsupported URL scheme "gs" in "gs://cutover-state/state.json": expected a local path or an S3 URL such as s3://bucket/state.json`},
		{"zero change timeout", gateBase + "  change_timeout: 0s\n",
			"gate.change_timeout", 5, "invalid duration 0s: must be at least 1s"},
		{"sub-second poll interval", gateBase + "  poll_interval: 500ms\n",
			"gate.poll_interval", 5, "invalid duration 500ms: must be at least 1s"},
		{"poll interval above timeout", gateBase + "  change_timeout: 5m\n  poll_interval: 10m\n",
			"gate.poll_interval", 6, "invalid duration 10m0s: longer than change_timeout (5m0s), so the gate would ask for the change's status once at most"},
		{"zero total weight", gateBase + "  total_weight: 0\n",
			"gate.total_weight", 5, "invalid value 0: expected a whole number from 1 to 255, the largest weight of a Route 53 record"},
		{"total weight above 255", gateBase + "  total_weight: 256\n",
			"gate.total_weight", 5, "invalid value 256: expected a whole number from 1 to 255, the largest weight of a Route 53 record"},
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

func TestParseGateReportsEveryError(t *testing.T) {
	_, err := Parse([]byte(`version: 1
gate:
  records:
    - zone_id: z1
      name: a.example.com
      types: [A, a]
      nlb_set_identifier: same
      alb_set_identifier: same
  steps: [50, 40]
  total_weight: 300
`), "p.yaml")
	require.Error(t, err)

	var got []string
	for _, e := range fieldErrors(t, err) {
		got = append(got, e.Field)
	}
	assert.Equal(t, []string{
		"gate.records[0].zone_id",
		"gate.records[0].types[1]",
		"gate.records[0].alb_set_identifier",
		"gate.steps[1]",
		"gate.steps[1]",
		"gate.total_weight",
	}, got)
}

func TestValidateGateWithoutFile(t *testing.T) {
	p := Default()
	g := DefaultGate()
	g.Records = []RecordSet{{ZoneID: "Z1", Name: "a.example.com", NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"}}
	g.Steps = []Step{{Weight: 50, Bake: -time.Minute}, {Weight: 100}}
	p.Gate = &g

	err := p.Validate()
	require.Error(t, err)
	assert.EqualError(t, err, "gate.steps[0].bake: invalid duration -1m0s: must not be negative")
	errs := fieldErrors(t, err)
	require.Len(t, errs, 1)
	assert.Equal(t, 0, errs[0].Line)
}

func TestValidateGateCanonicalForms(t *testing.T) {
	p := Default()
	g := DefaultGate()
	g.Records = []RecordSet{{ZoneID: "/hostedzone/Z1", Name: "A.Example.COM", Types: []string{"aaaa"}, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"}}
	p.Gate = &g

	require.NoError(t, p.Validate())
	assert.Equal(t, RecordSet{ZoneID: "Z1", Name: "a.example.com.", Types: []string{"AAAA"}, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"}, g.Records[0])

	require.NoError(t, p.Validate(), "canonical forms validate again")
	assert.Equal(t, "a.example.com.", g.Records[0].Name)
}

func TestDefaultGateWithRecordIsValid(t *testing.T) {
	p := Default()
	g := DefaultGate()
	g.Records = []RecordSet{{ZoneID: "Z1", Name: "a.example.com.", Types: []string{"A"}, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"}}
	p.Gate = &g

	require.NoError(t, p.Validate())
	for i := range g.Steps {
		assert.Equal(t, time.Hour, g.BakeFor(i))
	}
}

// fieldErrors returns the *FieldError values that err joins, or err itself
// when it is one.
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	var list []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list = joined.Unwrap()
	} else {
		list = []error{err}
	}
	var out []*FieldError
	for _, e := range list {
		var fieldErr *FieldError
		require.True(t, errors.As(e, &fieldErr), "%v is not a *FieldError", e)
		out = append(out, fieldErr)
	}
	return out
}
