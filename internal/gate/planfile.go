package gate

import (
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// The change batch in the JSON form that `aws route53
// change-resource-record-sets --change-batch file://FILE` reads: the API's
// member names, and no member for an unset field.
type (
	cliChangeBatch struct {
		Comment string      `json:"Comment,omitempty"`
		Changes []cliChange `json:"Changes"`
	}
	cliChange struct {
		Action            string       `json:"Action"`
		ResourceRecordSet cliRecordSet `json:"ResourceRecordSet"`
	}
	cliRecordSet struct {
		Name            string              `json:"Name"`
		Type            string              `json:"Type"`
		SetIdentifier   string              `json:"SetIdentifier,omitempty"`
		Weight          *int64              `json:"Weight,omitempty"`
		TTL             *int64              `json:"TTL,omitempty"`
		ResourceRecords []cliResourceRecord `json:"ResourceRecords,omitempty"`
		AliasTarget     *cliAliasTarget     `json:"AliasTarget,omitempty"`
		HealthCheckId   string              `json:"HealthCheckId,omitempty"`
	}
	cliResourceRecord struct {
		Value string `json:"Value"`
	}
	cliAliasTarget struct {
		HostedZoneId         string `json:"HostedZoneId"`
		DNSName              string `json:"DNSName"`
		EvaluateTargetHealth bool   `json:"EvaluateTargetHealth"`
	}
)

// CLIJSON returns the batch as the AWS CLI's --change-batch JSON.
func (b Batch) CLIJSON() ([]byte, error) {
	out := cliChangeBatch{Comment: b.Comment, Changes: []cliChange{}}
	for _, c := range b.Changes() {
		out.Changes = append(out.Changes, cliChange{Action: string(c.Action), ResourceRecordSet: cliRecord(*c.ResourceRecordSet)})
	}
	return json.MarshalIndent(out, "", "  ")
}

func cliRecord(r types.ResourceRecordSet) cliRecordSet {
	out := cliRecordSet{
		Name:          aws.ToString(r.Name),
		Type:          string(r.Type),
		SetIdentifier: aws.ToString(r.SetIdentifier),
		Weight:        r.Weight,
		TTL:           r.TTL,
		HealthCheckId: aws.ToString(r.HealthCheckId),
	}
	for _, rr := range r.ResourceRecords {
		out.ResourceRecords = append(out.ResourceRecords, cliResourceRecord{Value: aws.ToString(rr.Value)})
	}
	if a := r.AliasTarget; a != nil {
		out.AliasTarget = &cliAliasTarget{HostedZoneId: aws.ToString(a.HostedZoneId), DNSName: aws.ToString(a.DNSName),
			EvaluateTargetHealth: a.EvaluateTargetHealth}
	}
	return out
}
