package policy

import (
	"errors"
	"slices"
	"time"
)

// Decommission is the decommission section: which NLB `cutover
// decommission` removes, the evidence that no client uses it any more, and
// where its configuration is saved first.
type Decommission struct {
	// LoadBalancer is the NLB to remove: its name, such as partner-api-nlb,
	// or its ARN, whose resource part is loadbalancer/net/NAME/ID.
	LoadBalancer string `yaml:"load_balancer"`
	// DrainTime is how long the NLB must see at most BackgroundNewFlows,
	// counted from when its records' weight reached 0 and their TTL passed.
	DrainTime time.Duration `yaml:"drain_time"`
	// BackgroundNewFlows is the maximum rate of new flows per minute on the
	// NLB that counts as background, such as internet scanners and health
	// probes from outside, rather than as clients that still use it.
	BackgroundNewFlows float64 `yaml:"background_new_flows" number:"per-minute"`
	// LookBack is how far back the decommission checks that no client
	// identity was seen only on the NLB.
	LookBack time.Duration `yaml:"look_back"`
	// Zones are the IDs of the hosted zones to search for other records that
	// point at the NLB. Validate removes a leading "/hostedzone/". With an
	// empty list the decommission searches the zones of the gate's records
	// instead, and Policy.DecommissionZones returns the zones to search.
	Zones []string `yaml:"zones"`
	// SnapshotDir is the local directory to which the NLB's configuration is
	// written before anything is deleted, relative to the working directory
	// unless absolute.
	SnapshotDir string `yaml:"snapshot_dir"`
}

// DefaultDecommission returns the decommission section's defaults, which
// apply to every field that a decommission section leaves out. There is no
// default for LoadBalancer.
func DefaultDecommission() Decommission {
	return Decommission{
		DrainTime:          30 * time.Minute,
		BackgroundNewFlows: 5,
		LookBack:           7 * day,
		SnapshotDir:        ".cutover/snapshots",
	}
}

// setDefaults sets d to DefaultDecommission. The decoder calls it when a
// file has a decommission section, before it decodes the section's fields.
func (d *Decommission) setDefaults() {
	*d = DefaultDecommission()
}

// RequireDecommission returns the decommission section, or a *FieldError
// for the field decommission when the policy has none. A policy without one
// is valid for `cutover analyze` and `cutover gate`, but `cutover
// decommission` has no NLB to remove.
func (p Policy) RequireDecommission() (*Decommission, error) {
	if p.Decommission == nil {
		return nil, &FieldError{
			File:  p.File,
			Field: "decommission",
			Err:   errors.New("missing decommission section: add one that names the NLB to remove under decommission.load_balancer (docs/policy.md describes its fields)"),
		}
	}
	return p.Decommission, nil
}

// DecommissionZones returns the hosted zone IDs to search for records that
// point at the NLB, as a new slice. These are the decommission section's
// Zones when it lists any. Otherwise they are the distinct zone IDs of the
// gate's records in file order, or nil without a gate section. The IDs are
// in canonical form once Validate has run.
func (p Policy) DecommissionZones() []string {
	if p.Decommission != nil && len(p.Decommission.Zones) > 0 {
		return slices.Clone(p.Decommission.Zones)
	}
	if p.Gate == nil {
		return nil
	}

	var zones []string
	for _, r := range p.Gate.Records {
		if !slices.Contains(zones, r.ZoneID) {
			zones = append(zones, r.ZoneID)
		}
	}
	return zones
}
