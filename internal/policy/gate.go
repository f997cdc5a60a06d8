package policy

import (
	"errors"
	"math"
	"strings"
	"time"
)

// The record types that the gate can move. A dual-stack alias pair is
// listed as [A, AAAA].
const (
	RecordTypeA     = "A"
	RecordTypeAAAA  = "AAAA"
	RecordTypeCNAME = "CNAME"
)

// MaxTotalWeight is the largest weight that Route 53 accepts for one
// weighted record. The gate puts the whole total on the ALB's record at the
// last step, so the total cannot exceed it.
const MaxTotalWeight = 255

// checkNames are the names of the checks that package analyze produces, in
// the order of its Evaluate. Package analyze imports this package, so the
// list lives here, and TestCheckNamesMatchAnalyze compares it with
// analyze's Check constants.
var checkNames = []string{
	"freshness",
	"completeness",
	"passthrough_evidence",
	"traffic_share",
	"handshake_failure_rate",
	"new_failure_reason",
	"clients_left_behind",
	"response_header_time_p50",
	"response_header_time_p90",
	"response_header_time_p99",
	"http_5xx_rate",
	"client_4xx",
}

// Gate is the gate section: the Route 53 record sets that `cutover gate`
// moves from the NLB to the ALB, the weight steps, and how it waits,
// records its state and rolls back.
type Gate struct {
	// Records are the weighted record pairs that move together. Each step
	// writes the same weights to all of them.
	Records []RecordSet `yaml:"records"`
	// Steps are the ALB's shares of traffic, in percent, in the order the
	// gate sets them. They increase strictly and end at 100.
	Steps []Step `yaml:"steps"`
	// Bake is the minimum time at each step before the gate moves to the
	// next one, for the steps that do not set their own.
	Bake time.Duration `yaml:"bake"`
	// RollbackOn are the names of the analyze checks whose FAIL makes the
	// gate roll back on its own. Any other failing check only halts it.
	RollbackOn []string `yaml:"rollback_on"`
	// State is the location of the gate's state between runs: a local path,
	// relative to the working directory unless absolute, or an S3 URL such
	// as s3://bucket/key.
	State string `yaml:"state"`
	// ChangeTimeout is how long the gate waits for a Route 53 change to
	// reach INSYNC.
	ChangeTimeout time.Duration `yaml:"change_timeout"`
	// PollInterval is how often the gate calls GetChange while it waits.
	PollInterval time.Duration `yaml:"poll_interval"`
	// TotalWeight is the sum of the NLB's and the ALB's record weights that
	// the gate writes at every step, from 1 to MaxTotalWeight.
	TotalWeight int `yaml:"total_weight"`
}

// RecordSet is one weighted pair in a hosted zone: the NLB's and the ALB's
// records of one name, for each of Types.
type RecordSet struct {
	// ZoneID is the hosted zone's ID, such as Z0123456789ABCDEFGHIJ.
	// Validate removes a leading "/hostedzone/".
	ZoneID string `yaml:"zone_id"`
	// Name is the record name. Validate writes it in lower case with a
	// trailing dot, as Route 53 returns names.
	Name string `yaml:"name"`
	// Types are RecordTypeA, RecordTypeAAAA or RecordTypeCNAME. Validate
	// writes them in upper case, and sets [A] when the list is empty.
	Types []string `yaml:"types"`
	// NLBSetIdentifier is the set identifier of the weighted record that
	// points at the NLB.
	NLBSetIdentifier string `yaml:"nlb_set_identifier"`
	// ALBSetIdentifier is the set identifier of the weighted record that
	// points at the ALB.
	ALBSetIdentifier string `yaml:"alb_set_identifier"`
}

// Step is one weight step of the gate. In the file a step is either its
// weight, such as 25, or a mapping such as {weight: 25, bake: 2h}.
type Step struct {
	// Weight is the ALB's share of traffic at this step, in percent.
	Weight int `yaml:"weight"`
	// Bake is the minimum time at this step, or 0 for the section's Bake.
	Bake time.Duration `yaml:"bake"`
}

// DefaultGate returns the gate section's defaults, which apply to every
// field that a gate section leaves out. There is no default for Records.
func DefaultGate() Gate {
	return Gate{
		Steps:         []Step{{Weight: 10}, {Weight: 25}, {Weight: 50}, {Weight: 75}, {Weight: 100}},
		Bake:          time.Hour,
		State:         ".cutover/state.json",
		ChangeTimeout: 5 * time.Minute,
		PollInterval:  10 * time.Second,
		TotalWeight:   100,
	}
}

// setDefaults sets g to DefaultGate. The decoder calls it when a file has a
// gate section, before it decodes the section's fields.
func (g *Gate) setDefaults() {
	*g = DefaultGate()
}

// RequireGate returns the gate section, or a *FieldError for the field gate
// when the policy has none. A policy without one is valid for `cutover
// analyze`, but `cutover gate` has no record sets to move.
func (p Policy) RequireGate() (*Gate, error) {
	if p.Gate == nil {
		return nil, &FieldError{
			File:  p.File,
			Field: "gate",
			Err:   errors.New("missing gate section: add one that lists the record sets to move under gate.records (docs/policy.md describes its fields)"),
		}
	}
	return p.Gate, nil
}

// BakeFor returns the minimum time at the step at index step of Steps: the
// step's own Bake, or the section's Bake when the step sets none. It
// panics when step is out of range, as indexing Steps does.
func (g Gate) BakeFor(step int) time.Duration {
	if bake := g.Steps[step].Bake; bake != 0 {
		return bake
	}
	return g.Bake
}

// Weights returns the record weights of the step at index step of Steps.
// The ALB's weight is TotalWeight × Weight / 100, rounded to the nearest
// integer with halves away from zero, and the NLB's weight is the rest of
// TotalWeight. It panics when step is out of range.
func (g Gate) Weights(step int) (nlb, alb int64) {
	return splitWeight(g.TotalWeight, g.Steps[step].Weight)
}

// splitWeight returns the NLB's and the ALB's weights out of total for an
// ALB share of percent.
func splitWeight(total, percent int) (nlb, alb int64) {
	alb = int64(math.Round(float64(total) * float64(percent) / 100))
	return int64(total) - alb, alb
}

// StateObject returns the bucket and key of State when State is an S3 URL
// (s3://bucket/key), and ok false when State is a local path.
func (g Gate) StateObject() (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(g.State, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, true
}
