package policy

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// zoneIDPattern matches a Route 53 hosted zone ID without its
// "/hostedzone/" prefix. The Route 53 API allows at most 32 characters.
var zoneIDPattern = regexp.MustCompile(`^[A-Z0-9]{1,32}$`)

// recordLabelPattern matches one label of a record name: letters, digits,
// hyphens and underscores, such as _acme-challenge.
var recordLabelPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// recordKey identifies the records of one name and type in one hosted zone,
// which only one record set may move.
type recordKey struct {
	zoneID, name, recordType string
}

// gate checks g and writes its record sets in canonical form.
func (v *validator) gate(path string, g *Gate) {
	if len(g.Records) == 0 {
		v.fail(path+".records", "missing record sets: list at least one under gate.records, or remove the gate section")
	}
	first := make(map[recordKey]string)
	for i := range g.Records {
		v.recordSet(fmt.Sprintf("%s.records[%d]", path, i), &g.Records[i], first)
	}

	v.steps(path, g)
	v.duration(path+".bake", g.Bake, 0)
	v.rollbackOn(path+".rollback_on", g.RollbackOn)
	v.state(path+".state", g)

	v.duration(path+".change_timeout", g.ChangeTimeout, time.Second)
	v.duration(path+".poll_interval", g.PollInterval, time.Second)
	if g.PollInterval > g.ChangeTimeout && g.ChangeTimeout >= time.Second {
		v.fail(path+".poll_interval", "invalid duration %s: longer than change_timeout (%s), so the gate would ask for the change's status once at most", g.PollInterval, g.ChangeTimeout)
	}
	if g.TotalWeight < 1 || g.TotalWeight > MaxTotalWeight {
		v.fail(path+".total_weight", "invalid value %d: expected a whole number from 1 to %d, the largest weight of a Route 53 record", g.TotalWeight, MaxTotalWeight)
	}
}

// recordSet checks r and writes its zone ID, name and types in canonical
// form. first maps each name and type in a zone to the path of the record
// set that listed it first, and a name and type already in it is an error.
func (v *validator) recordSet(path string, r *RecordSet, first map[recordKey]string) {
	zoneOK := v.zoneID(path+".zone_id", r)
	nameOK := v.recordName(path+".name", r)

	typesPath := path + ".types"
	if len(r.Types) == 0 {
		// The default is set here, not by the decoder, because the
		// decoder makes each record set from its zero value.
		r.Types = []string{RecordTypeA}
		typesPath = path
	}
	for i, recordType := range r.Types {
		typePath := typesPath
		if typesPath != path {
			typePath = fmt.Sprintf("%s[%d]", typesPath, i)
		}
		canonical := strings.ToUpper(recordType)
		if canonical != RecordTypeA && canonical != RecordTypeAAAA && canonical != RecordTypeCNAME {
			v.fail(typePath, "invalid record type %q: expected %s, %s or %s", recordType, RecordTypeA, RecordTypeAAAA, RecordTypeCNAME)
			continue
		}
		if slices.Contains(r.Types[:i], canonical) {
			v.fail(typePath, "record type %s is listed twice", canonical)
			continue
		}
		r.Types[i] = canonical
		if !zoneOK || !nameOK {
			continue
		}

		key := recordKey{r.ZoneID, r.Name, canonical}
		if earlier, ok := first[key]; ok {
			v.fail(typePath, "%s records of %s in zone %s are already listed by %s: list each name and type once", canonical, r.Name, r.ZoneID, earlier)
		} else {
			first[key] = path
		}
	}
	otherThanCNAME := slices.ContainsFunc(r.Types, func(t string) bool { return !strings.EqualFold(t, RecordTypeCNAME) })
	if otherThanCNAME && slices.Contains(r.Types, RecordTypeCNAME) {
		v.fail(typesPath, "invalid record types %s: a CNAME record cannot share its name with records of another type", strings.Join(r.Types, ", "))
	}

	if r.NLBSetIdentifier == "" {
		v.fail(path+".nlb_set_identifier", "missing set identifier: set the set identifier of the weighted record that points at the NLB")
	}
	if r.ALBSetIdentifier == "" {
		v.fail(path+".alb_set_identifier", "missing set identifier: set the set identifier of the weighted record that points at the ALB")
	}
	if r.NLBSetIdentifier != "" && r.ALBSetIdentifier == r.NLBSetIdentifier {
		v.fail(path+".alb_set_identifier", "set identifier %q is also nlb_set_identifier: the NLB's and the ALB's records need different set identifiers", r.ALBSetIdentifier)
	}
}

// zoneID checks r.ZoneID, removes its "/hostedzone/" prefix, and reports
// whether it is valid.
func (v *validator) zoneID(path string, r *RecordSet) bool {
	if strings.TrimPrefix(r.ZoneID, "/hostedzone/") == "" {
		v.fail(path, "missing hosted zone ID: set the ID of the zone that contains the records, such as Z0123456789ABCDEFGHIJ")
		return false
	}
	zoneID, err := canonicalZoneID(r.ZoneID)
	if err != nil {
		v.fail(path, "%v", err)
		return false
	}
	r.ZoneID = zoneID
	return true
}

// canonicalZoneID returns the hosted zone ID id without its "/hostedzone/"
// prefix, as the Route 53 API returns IDs.
func canonicalZoneID(id string) (string, error) {
	zoneID := strings.TrimPrefix(id, "/hostedzone/")
	if !zoneIDPattern.MatchString(zoneID) {
		return "", fmt.Errorf("invalid hosted zone ID %q: expected up to 32 upper-case letters and digits, such as Z0123456789ABCDEFGHIJ", id)
	}
	return zoneID, nil
}

// recordName checks r.Name, writes it in lower case with a trailing dot,
// and reports whether it is valid.
func (v *validator) recordName(path string, r *RecordSet) bool {
	if r.Name == "" {
		v.fail(path, "missing record name: set the name that clients resolve, such as mtls.api.example.com")
		return false
	}
	name, err := canonicalRecordName(r.Name)
	if err != nil {
		v.fail(path, "%v", err)
		return false
	}
	r.Name = name
	return true
}

// canonicalRecordName returns name in lower case with a trailing dot. The
// name must be a domain name of at most 253 characters without the trailing
// dot, with labels of 1 to 63 characters. A wildcard * may be the first
// label.
func canonicalRecordName(name string) (string, error) {
	invalid := func(reason string) error {
		return fmt.Errorf("invalid record name %q: expected a domain name such as mtls.api.example.com, but %s", name, reason)
	}
	lower := strings.TrimSuffix(strings.ToLower(name), ".")
	if len(lower) > 253 {
		return "", invalid("it is longer than 253 characters")
	}
	for i, label := range strings.Split(lower, ".") {
		switch {
		case label == "":
			return "", invalid("it has an empty label")
		case len(label) > 63:
			return "", invalid(fmt.Sprintf("label %q is longer than 63 characters", label))
		case label == "*" && i == 0:
		case !recordLabelPattern.MatchString(label):
			return "", invalid(fmt.Sprintf("label %q has a character other than a letter, digit, hyphen or underscore", label))
		}
	}
	return lower + ".", nil
}

// steps checks that g's steps are percentages that increase strictly and
// end at 100, and that each keeps its percentage when written as weights
// out of g's TotalWeight.
func (v *validator) steps(path string, g *Gate) {
	if len(g.Steps) == 0 {
		v.fail(path+".steps", "missing steps: list the ALB's share of traffic in percent at each step, ending at 100, such as [10, 50, 100]")
		return
	}
	totalOK := g.TotalWeight >= 1 && g.TotalWeight <= MaxTotalWeight
	for i, step := range g.Steps {
		stepPath := fmt.Sprintf("%s.steps[%d]", path, i)
		v.duration(stepPath+".bake", step.Bake, 0)
		if !validPercent(step.Weight) {
			v.fail(stepPath, "invalid weight %d: expected a percentage from 1 to 100", step.Weight)
			continue
		}
		if i > 0 && validPercent(g.Steps[i-1].Weight) && step.Weight <= g.Steps[i-1].Weight {
			v.fail(stepPath, "invalid weight %d: not above the step before it (%d), but the steps must increase strictly", step.Weight, g.Steps[i-1].Weight)
			continue
		}

		// Reading a pair's weights back as a percentage, rounded to the
		// nearest integer, must give the step again, so that the current
		// step can be found from Route 53. Every step passes with a
		// TotalWeight of 100 or more.
		if !totalOK {
			continue
		}
		_, alb := splitWeight(g.TotalWeight, step.Weight)
		share := 100 * float64(alb) / float64(g.TotalWeight)
		if int(math.Round(share)) != step.Weight {
			v.fail(stepPath, "invalid weight %d: with total_weight %d the ALB's weight is %d, which reads back as %.1f percent, so raise total_weight to 100 or more",
				step.Weight, g.TotalWeight, alb, share)
		}
	}
	if last := g.Steps[len(g.Steps)-1].Weight; validPercent(last) && last != 100 {
		v.fail(fmt.Sprintf("%s.steps[%d]", path, len(g.Steps)-1), "invalid last step %d: the steps must end at 100, which moves all traffic to the ALB", last)
	}
}

// validPercent reports whether weight is a step's percentage from 1 to 100.
func validPercent(weight int) bool {
	return weight >= 1 && weight <= 100
}

// rollbackOn checks that names are distinct check names of analyze.
func (v *validator) rollbackOn(path string, names []string) {
	first := make(map[string]int)
	for i, name := range names {
		itemPath := fmt.Sprintf("%s[%d]", path, i)
		if !slices.Contains(checkNames, name) {
			v.fail(itemPath, "unknown check %q: expected one of %s", name, strings.Join(checkNames, ", "))
			continue
		}
		if earlier, ok := first[name]; ok {
			v.fail(itemPath, "check %q is already listed at %s[%d]", name, path, earlier)
			continue
		}
		first[name] = i
	}
}

// state checks that g's State is a local path or an S3 URL with a bucket
// and a key.
func (v *validator) state(path string, g *Gate) {
	if g.State == "" {
		v.fail(path, "missing state location: set a local path such as .cutover/state.json or an S3 URL such as s3://bucket/state.json")
		return
	}
	if bucket, key, ok := g.StateObject(); ok {
		if bucket == "" || key == "" || strings.HasSuffix(key, "/") {
			v.fail(path, "invalid S3 URL %q: expected s3://bucket/key, with a key that names an object, such as s3://cutover-state/partner-api/state.json", g.State)
		}
		return
	}
	if scheme, _, ok := strings.Cut(g.State, "://"); ok {
		v.fail(path, "unsupported URL scheme %q in %q: expected a local path or an S3 URL such as s3://bucket/state.json", scheme, g.State)
	}
}
