package decommission

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/cutover-dev/cutover/internal/gate"
)

// RecordPair is one of the gate's record sets as read for the
// decommission. Unlike gate.Pair, the NLB record may be gone, because the
// decommission deletes it and a rerun must read the pair again.
type RecordPair struct {
	Set gate.RecordSet
	// NLB is the NLB's weighted record, or nil when it no longer exists.
	NLB *r53types.ResourceRecordSet `json:",omitempty"`
	// ALB is the ALB's weighted record, which the decommission leaves
	// alone.
	ALB *r53types.ResourceRecordSet
}

// PairsFromWeights converts the pairs that gate.ReadWeights read.
func PairsFromWeights(w gate.Weights) []RecordPair {
	var pairs []RecordPair
	for _, p := range w.Pairs {
		nlb, alb := p.NLB, p.ALB
		pairs = append(pairs, RecordPair{Set: p.Set, NLB: &nlb, ALB: &alb})
	}
	return pairs
}

// ReadRecords reads the NLB and ALB records of every record set. A missing
// NLB record is nil in its pair. A missing ALB record, or a record that is
// not weighted, is an error that names it.
func ReadRecords(ctx context.Context, api gate.Route53API, sets []gate.RecordSet) ([]RecordPair, error) {
	var pairs []RecordPair
	for _, set := range sets {
		records, err := gate.ListRecords(ctx, api, set)
		if err != nil {
			return nil, err
		}
		pair := RecordPair{Set: set}
		for _, r := range records {
			switch aws.ToString(r.SetIdentifier) {
			case set.NLBSetIdentifier:
				pair.NLB = &r
			case set.ALBSetIdentifier:
				pair.ALB = &r
			default:
				continue
			}
			if r.Weight == nil {
				return nil, fmt.Errorf("%s: record %q is not a weighted record", set, aws.ToString(r.SetIdentifier))
			}
		}
		if pair.ALB == nil {
			return nil, fmt.Errorf("%s: no ALB record with set identifier %q, so the name has no record to serve clients once the NLB record is gone; restore it with cutover gate first",
				set, set.ALBSetIdentifier)
		}
		pairs = append(pairs, pair)
	}
	return pairs, nil
}

// targetName returns a load balancer DNS name in the form that compares
// equal for every way a record can spell it: lower case, without the
// trailing dot and without the "dualstack." prefix of alias targets.
func targetName(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	return strings.TrimPrefix(name, "dualstack.")
}

// recordValues returns the values of a record, sorted.
func recordValues(r r53types.ResourceRecordSet) []string {
	var values []string
	for _, rr := range r.ResourceRecords {
		values = append(values, aws.ToString(rr.Value))
	}
	slices.Sort(values)
	return values
}

// describeRecord names a record as "NAME TYPE (set ID) in zone ZONE".
func describeRecord(zoneID string, r r53types.ResourceRecordSet) string {
	s := fmt.Sprintf("%s %s", strings.TrimSuffix(aws.ToString(r.Name), "."), r.Type)
	if id := aws.ToString(r.SetIdentifier); id != "" {
		s += fmt.Sprintf(" (set %s)", id)
	}
	return s + " in zone " + zoneID
}

// findRecordsPointingAt returns every record of the zones whose alias
// target or CNAME value is dnsName, except the NLB records of the gate's
// record sets, each named by describeRecord.
func findRecordsPointingAt(ctx context.Context, api gate.Route53API, zones []string, dnsName string, gateSets []gate.RecordSet) ([]string, error) {
	want := targetName(dnsName)
	isGateRecord := func(zoneID string, r r53types.ResourceRecordSet) bool {
		return slices.ContainsFunc(gateSets, func(set gate.RecordSet) bool {
			return set.ZoneID == zoneID && gate.CanonicalName(set.Name) == gate.CanonicalName(aws.ToString(r.Name)) &&
				set.Type == string(r.Type) && set.NLBSetIdentifier == aws.ToString(r.SetIdentifier)
		})
	}

	var found []string
	for _, zoneID := range zones {
		pages := route53.NewListResourceRecordSetsPaginator(api, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list the records of zone %s: %w", zoneID, err)
			}
			for _, r := range page.ResourceRecordSets {
				pointsAtNLB := r.AliasTarget != nil && targetName(aws.ToString(r.AliasTarget.DNSName)) == want
				if r.Type == r53types.RRTypeCname {
					for _, value := range recordValues(r) {
						pointsAtNLB = pointsAtNLB || targetName(value) == want
					}
				}
				if pointsAtNLB && !isGateRecord(zoneID, r) {
					found = append(found, describeRecord(zoneID, r))
				}
			}
		}
	}
	return found, nil
}

// deleteNLBRecords deletes the NLB records of the pairs of one zone in one
// ChangeResourceRecordSets batch of DELETEs of the records exactly as
// read. Route 53 rejects the whole batch when any of them changed since,
// which makes it a compare-and-swap.
//
// It does not use gate.Apply: a gate.Batch always deletes and creates both
// records of a pair, and its re-read after an error (gate.ReadWeights)
// fails once the NLB record is gone. This batch repeats the gate's
// re-read: after an error the records are read again, and when they are
// gone the reply was lost after Route 53 applied the batch.
//
// The batch does not wait for INSYNC. A record at weight 0 gets no
// queries while its pair has weight, so resolvers do not cache it.
func deleteNLBRecords(ctx context.Context, api gate.Route53API, zoneID string, pairs []RecordPair) (Status, string, error) {
	var sets []gate.RecordSet
	for _, p := range pairs {
		sets = append(sets, p.Set)
	}
	current, err := ReadRecords(ctx, api, sets)
	if err != nil {
		return "", "", err
	}

	var toDelete []r53types.ResourceRecordSet
	var changed []string
	for i, p := range pairs {
		now := current[i].NLB
		switch {
		case now == nil:
		case p.NLB == nil:
			changed = append(changed, fmt.Sprintf("%s: the NLB record exists again, at weight %d", p.Set, aws.ToInt64(now.Weight)))
		case gate.SameRecord(*p.NLB, *now):
			toDelete = append(toDelete, *p.NLB)
		default:
			changed = append(changed, fmt.Sprintf("%s: the NLB record changed since it was read, its weight is %d", p.Set, aws.ToInt64(now.Weight)))
		}
	}
	if len(changed) > 0 {
		return "", "", fmt.Errorf("%s; nothing was deleted in zone %s, run the command again to check the records afresh", strings.Join(changed, "; "), zoneID)
	}
	if len(toDelete) == 0 {
		return StatusAlreadyDone, "the NLB records no longer exist", nil
	}

	var changes []r53types.Change
	for _, r := range toDelete {
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &r})
	}
	_, err = api.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch:  &r53types.ChangeBatch{Comment: aws.String("cutover decommission: delete the NLB records"), Changes: changes},
	})
	if err == nil {
		return StatusDone, fmt.Sprintf("deleted %d NLB record(s)", len(toDelete)), nil
	}

	err = fmt.Errorf("delete the NLB records of zone %s: %w", zoneID, err)
	after, readErr := ReadRecords(ctx, api, sets)
	if readErr != nil {
		return "", "", fmt.Errorf("%w; reading the records again to find out whether the deletion was applied also failed: %v", err, readErr)
	}
	gone := 0
	for _, p := range after {
		if p.NLB == nil {
			gone++
		}
	}
	if gone == len(after) {
		return StatusDone, fmt.Sprintf("deleted %d NLB record(s); the reply was lost, but the records are gone", len(toDelete)), nil
	}
	return "", "", err
}
