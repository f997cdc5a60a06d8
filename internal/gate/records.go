package gate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Route53API is the part of the Route 53 client that the gate calls.
type Route53API interface {
	ListResourceRecordSets(ctx context.Context, in *route53.ListResourceRecordSetsInput, opts ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(ctx context.Context, in *route53.ChangeResourceRecordSetsInput, opts ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
	GetChange(ctx context.Context, in *route53.GetChangeInput, opts ...func(*route53.Options)) (*route53.GetChangeOutput, error)
}

// RecordSet names one weighted pair that the gate moves: the NLB's and the
// ALB's record of one name and type in one hosted zone.
type RecordSet struct {
	ZoneID           string
	Name             string
	Type             string
	NLBSetIdentifier string
	ALBSetIdentifier string
}

func (r RecordSet) String() string {
	return fmt.Sprintf("%s %s in zone %s", strings.TrimSuffix(r.Name, "."), r.Type, r.ZoneID)
}

// Pair is a RecordSet's two records as Route 53 returned them. The gate
// deletes them exactly as read, so that a record that someone changed in
// between makes the whole batch fail.
type Pair struct {
	Set RecordSet
	NLB types.ResourceRecordSet
	ALB types.ResourceRecordSet
}

// Weights are the pairs of every RecordSet, read at one moment.
type Weights struct {
	Pairs []Pair
}

// ALBPercent returns the ALB's share of the weight, in percent rounded to
// the nearest integer, when every pair has the same share. Pairs with
// different shares, or a pair whose two weights are both 0, are an error
// that names them: the gate does not guess which one is meant.
func (w Weights) ALBPercent() (int, error) {
	if len(w.Pairs) == 0 {
		return 0, errors.New("no record pair was read")
	}
	var shares []int
	var described []string
	for _, p := range w.Pairs {
		nlb, alb := aws.ToInt64(p.NLB.Weight), aws.ToInt64(p.ALB.Weight)
		if nlb+alb == 0 {
			return 0, fmt.Errorf("%s: the NLB and ALB records both have weight 0, so Route 53 splits traffic evenly between them; set the weights of a policy step first", p.Set)
		}
		shares = append(shares, int(math.Round(100*float64(alb)/float64(nlb+alb))))
		described = append(described, fmt.Sprintf("%s: NLB %d, ALB %d", p.Set, nlb, alb))
	}
	for _, share := range shares[1:] {
		if share != shares[0] {
			return 0, fmt.Errorf("the record pairs carry different weights (%s); set them to the same policy step first",
				strings.Join(described, "; "))
		}
	}
	return shares[0], nil
}

// weightsFor returns the NLB and ALB record weights for an ALB share in
// percent, out of total.
func weightsFor(albPercent, total int) (nlb, alb int64) {
	alb = int64(math.Round(float64(total) * float64(albPercent) / 100))
	return int64(total) - alb, alb
}

// ReadWeights reads the NLB and ALB records of every RecordSet. A record
// that is missing, or not weighted, is an error that names it.
func ReadWeights(ctx context.Context, api Route53API, sets []RecordSet) (Weights, error) {
	var w Weights
	for _, set := range sets {
		records, err := ListRecords(ctx, api, set)
		if err != nil {
			return Weights{}, err
		}
		pair := Pair{Set: set}
		found := map[string]bool{}
		for _, r := range records {
			switch aws.ToString(r.SetIdentifier) {
			case set.NLBSetIdentifier:
				pair.NLB = r
			case set.ALBSetIdentifier:
				pair.ALB = r
			default:
				continue
			}
			if r.Weight == nil {
				return Weights{}, fmt.Errorf("%s: record %q is not a weighted record", set, aws.ToString(r.SetIdentifier))
			}
			found[aws.ToString(r.SetIdentifier)] = true
		}
		for _, id := range []string{set.NLBSetIdentifier, set.ALBSetIdentifier} {
			if !found[id] {
				return Weights{}, fmt.Errorf("%s: no record with set identifier %q", set, id)
			}
		}
		w.Pairs = append(w.Pairs, pair)
	}
	return w, nil
}

// ListRecords returns the records of one name and type, following
// ListResourceRecordSets' pages, which start at a name and type and run
// through the rest of the zone in Route 53's order.
func ListRecords(ctx context.Context, api Route53API, set RecordSet) ([]types.ResourceRecordSet, error) {
	name := CanonicalName(set.Name)
	in := &route53.ListResourceRecordSetsInput{
		HostedZoneId:    aws.String(set.ZoneID),
		StartRecordName: aws.String(name),
		StartRecordType: types.RRType(set.Type),
	}
	var records []types.ResourceRecordSet
	for {
		out, err := api.ListResourceRecordSets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list the records of %s: %w", set, err)
		}
		for _, r := range out.ResourceRecordSets {
			if CanonicalName(aws.ToString(r.Name)) != name || string(r.Type) != set.Type {
				return records, nil
			}
			records = append(records, r)
		}
		if !out.IsTruncated {
			return records, nil
		}
		in.StartRecordName = out.NextRecordName
		in.StartRecordType = out.NextRecordType
		in.StartRecordIdentifier = out.NextRecordIdentifier
	}
}

// CanonicalName returns a DNS name in lower case with a trailing dot.
func CanonicalName(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// SameRecord reports whether two records are the same for Route 53's
// exact-match DELETE: every field that ListResourceRecordSets returns for a
// weighted record.
func SameRecord(a, b types.ResourceRecordSet) bool {
	if CanonicalName(aws.ToString(a.Name)) != CanonicalName(aws.ToString(b.Name)) || a.Type != b.Type ||
		aws.ToString(a.SetIdentifier) != aws.ToString(b.SetIdentifier) ||
		aws.ToInt64(a.Weight) != aws.ToInt64(b.Weight) || (a.Weight == nil) != (b.Weight == nil) ||
		aws.ToInt64(a.TTL) != aws.ToInt64(b.TTL) || (a.TTL == nil) != (b.TTL == nil) ||
		aws.ToString(a.HealthCheckId) != aws.ToString(b.HealthCheckId) {
		return false
	}
	if (a.AliasTarget == nil) != (b.AliasTarget == nil) {
		return false
	}
	if a.AliasTarget != nil {
		x, y := a.AliasTarget, b.AliasTarget
		if CanonicalName(aws.ToString(x.DNSName)) != CanonicalName(aws.ToString(y.DNSName)) ||
			aws.ToString(x.HostedZoneId) != aws.ToString(y.HostedZoneId) || x.EvaluateTargetHealth != y.EvaluateTargetHealth {
			return false
		}
	}
	values := func(r types.ResourceRecordSet) []string {
		var v []string
		for _, rr := range r.ResourceRecords {
			v = append(v, aws.ToString(rr.Value))
		}
		slices.Sort(v)
		return v
	}
	return slices.Equal(values(a), values(b))
}

// withWeight returns a copy of r with another weight.
func withWeight(r types.ResourceRecordSet, weight int64) types.ResourceRecordSet {
	r.Weight = aws.Int64(weight)
	return r
}
