package loopback

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// maxChangeBodyBytes is the largest ChangeResourceRecordSets request body
// that the handler reads.
const maxChangeBodyBytes = 10 << 20

// maxSetIdentifierLength is the maximum length of SetIdentifier in the
// Route 53 API reference (1 to 128 characters).
const maxSetIdentifierLength = 128

// maxTTL is the maximum TTL in seconds in the Route 53 API reference.
const maxTTL = 2147483647

// route53RecordTypes are the record types of Route 53's RRType enum.
var route53RecordTypes = []string{
	"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR",
	"SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT",
}

// recordChange is one change of a change batch.
type recordChange struct {
	// action is CREATE, DELETE or UPSERT.
	action    string
	recordSet RecordSet
}

// changeBatchError is the reason that a change batch was rejected as a
// whole. The server reports a field that is invalid by itself as
// InvalidInput, and a change that conflicts with the zone's records as
// InvalidChangeBatch with one message per conflict.
//
// NOTE: Route 53 may report some of these cases with the other code.
type changeBatchError struct {
	invalidInput bool
	messages     []string
}

func (r *Route53) changeResourceRecordSets(zoneID string, req *http.Request) (any, *changeBatchError, *apiError) {
	zoneID = trimHostedZonePrefix(zoneID)
	changes, comment, apiErr := decodeChangeBatch(req)
	if apiErr != nil {
		return nil, nil, apiErr
	}

	r.mu.Lock()
	hook := r.beforeChange
	r.mu.Unlock()
	if hook != nil {
		hook(zoneID)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	zone, ok := r.zones[zoneID]
	if !ok {
		return nil, nil, noSuchHostedZone(zoneID)
	}
	if batchErr := applyChanges(zone, changes); batchErr != nil {
		if batchErr.invalidInput {
			return nil, nil, route53InvalidInput("%s", batchErr.messages[0])
		}
		return nil, batchErr, nil
	}

	c := &change{id: "C" + randomUpperAlphanumeric(19), submitted: r.now(), comment: comment}
	r.changes[c.id] = c
	return changeResourceRecordSetsResponse{ChangeInfo: c.toXML()}, nil, nil
}

// decodeChangeBatch reads the changes and the comment from a
// ChangeResourceRecordSets request body.
func decodeChangeBatch(req *http.Request) ([]recordChange, string, *apiError) {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxChangeBodyBytes+1))
	if err != nil {
		return nil, "", route53InvalidInput("read request body: %v", err)
	}
	if len(body) > maxChangeBodyBytes {
		return nil, "", route53InvalidInput("request body is larger than %d bytes", maxChangeBodyBytes)
	}

	var request changeResourceRecordSetsRequest
	if err := xml.Unmarshal(body, &request); err != nil {
		return nil, "", &apiError{status: http.StatusBadRequest, code: "MalformedXML",
			message: fmt.Sprintf("decode ChangeResourceRecordSetsRequest: %v", err)}
	}
	if len(request.ChangeBatch.Changes) == 0 {
		return nil, "", route53InvalidInput("ChangeBatch contains no changes, want at least 1")
	}

	changes := make([]recordChange, len(request.ChangeBatch.Changes))
	for i, c := range request.ChangeBatch.Changes {
		rs, unsupported := c.ResourceRecordSet.toRecordSet()
		if unsupported != "" {
			return nil, "", route53InvalidInput("change %d sets %s, which the loopback server does not support", i+1, unsupported)
		}
		changes[i] = recordChange{action: c.Action, recordSet: rs}
	}
	return changes, request.ChangeBatch.Comment, nil
}

// applyChanges applies the changes to the zone in order, all or none, and
// returns the reason when it applies none. It must be called with the
// Route53's lock held.
func applyChanges(zone *hostedZone, changes []recordChange) *changeBatchError {
	for i := range changes {
		rs, err := normalizeRecordSet(changes[i].recordSet)
		if err != nil {
			return &changeBatchError{invalidInput: true, messages: []string{fmt.Sprintf("change %d: %v", i+1, err)}}
		}
		changes[i].recordSet = rs
		switch changes[i].action {
		case "CREATE", "DELETE", "UPSERT":
		default:
			return &changeBatchError{invalidInput: true, messages: []string{
				fmt.Sprintf("change %d: invalid action %q, want CREATE, DELETE or UPSERT", i+1, changes[i].action)}}
		}
	}

	records := make(map[recordKey]RecordSet, len(zone.records))
	for key, rs := range zone.records {
		records[key] = rs
	}
	var messages []string
	for _, c := range changes {
		if message := applyChange(zone, records, c); message != "" {
			messages = append(messages, message)
		}
	}
	if len(messages) == 0 {
		messages = checkRecordSetGroups(zone, records)
	}
	if len(messages) > 0 {
		return &changeBatchError{messages: messages}
	}

	zone.records = records
	return nil
}

// applyChange applies one change to records and returns the reason it
// cannot, or "" when it was applied.
func applyChange(zone *hostedZone, records map[recordKey]RecordSet, c recordChange) string {
	rs := c.recordSet
	key := rs.key()
	if key.name != zone.name && !strings.HasSuffix(key.name, "."+zone.name) {
		return fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", key.name, zone.name)
	}
	isApexSOAOrNS := key.name == zone.name && (rs.Type == "SOA" || rs.Type == "NS")

	current, exists := records[key]
	switch c.action {
	case "CREATE":
		if exists {
			return fmt.Sprintf("Tried to create resource record set %s but it already exists", key)
		}
		records[key] = rs
	case "DELETE":
		if !exists {
			return fmt.Sprintf("Tried to delete resource record set %s but it was not found", key)
		}
		if !recordSetsEqual(current, rs) {
			return fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", key)
		}
		if isApexSOAOrNS {
			return fmt.Sprintf("A hosted zone must keep its %s record set at the apex %s, so it cannot be deleted", rs.Type, zone.name)
		}
		delete(records, key)
	case "UPSERT":
		records[key] = rs
	}
	return ""
}

// checkRecordSetGroups returns a message for each group of record sets
// with one name and type that Route 53 would not accept together, and for
// each CNAME that shares its name with other record types.
func checkRecordSetGroups(zone *hostedZone, records map[recordKey]RecordSet) []string {
	type groupKey struct{ name, recordType string }
	groups := map[groupKey][]RecordSet{}
	typesByName := map[string][]string{}
	for key, rs := range records {
		group := groupKey{key.name, key.recordType}
		if len(groups[group]) == 0 {
			typesByName[key.name] = append(typesByName[key.name], key.recordType)
		}
		groups[group] = append(groups[group], rs)
	}

	var messages []string
	for group, sets := range groups {
		weighted := 0
		for _, rs := range sets {
			if rs.Weight != nil {
				weighted++
			}
		}
		if weighted > 0 && weighted < len(sets) {
			messages = append(messages, fmt.Sprintf(
				"RRSet with DNS name %s and type %s mixes weighted and non-weighted record sets, which Route 53 does not allow",
				group.name, group.recordType))
		}
	}
	for name, recordTypes := range typesByName {
		if len(recordTypes) > 1 && slices.Contains(recordTypes, "CNAME") {
			messages = append(messages, fmt.Sprintf(
				"RRSet of type CNAME with DNS name %s is not permitted because it conflicts with other record types of the same name in zone %s",
				name, zone.name))
		}
	}
	sort.Strings(messages)
	return messages
}

// normalizeRecordSet checks the fields of one record set and returns it
// with its names in canonical form.
func normalizeRecordSet(rs RecordSet) (RecordSet, error) {
	if strings.Trim(rs.Name, ".") == "" {
		return RecordSet{}, fmt.Errorf("record set name %q is empty", rs.Name)
	}
	rs = rs.clone()
	rs.Name = canonicalDNSName(rs.Name)
	if !slices.Contains(route53RecordTypes, rs.Type) {
		return RecordSet{}, fmt.Errorf("record set %s has invalid type %q, want one of %s",
			rs.Name, rs.Type, strings.Join(route53RecordTypes, ", "))
	}
	key := rs.key()

	if len(rs.SetIdentifier) > maxSetIdentifierLength {
		return RecordSet{}, fmt.Errorf("record set %s has a SetIdentifier of %d characters, want at most %d",
			key, len(rs.SetIdentifier), maxSetIdentifierLength)
	}
	// Weighted routing is the only routing policy that the server
	// supports, so a set identifier always comes with a weight.
	if rs.SetIdentifier != "" && rs.Weight == nil {
		return RecordSet{}, fmt.Errorf("record set %s has a SetIdentifier but no Weight", key)
	}
	if rs.Weight != nil && rs.SetIdentifier == "" {
		return RecordSet{}, fmt.Errorf("record set %s has a Weight but no SetIdentifier", key)
	}
	if rs.Weight != nil && (*rs.Weight < 0 || *rs.Weight > 255) {
		return RecordSet{}, fmt.Errorf("record set %s has Weight %d, want 0 to 255", key, *rs.Weight)
	}

	if rs.AliasTarget != nil {
		if rs.TTL != nil || len(rs.ResourceRecords) > 0 {
			return RecordSet{}, fmt.Errorf("record set %s sets AliasTarget and also TTL or ResourceRecords, want only one of them", key)
		}
		if rs.AliasTarget.HostedZoneID == "" || strings.Trim(rs.AliasTarget.DNSName, ".") == "" {
			return RecordSet{}, fmt.Errorf("record set %s has an AliasTarget without HostedZoneId or DNSName", key)
		}
		rs.AliasTarget.DNSName = canonicalDNSName(rs.AliasTarget.DNSName)
		return rs, nil
	}
	if rs.TTL == nil || len(rs.ResourceRecords) == 0 {
		return RecordSet{}, fmt.Errorf("record set %s needs either AliasTarget or both TTL and ResourceRecords", key)
	}
	if *rs.TTL < 0 || *rs.TTL > maxTTL {
		return RecordSet{}, fmt.Errorf("record set %s has TTL %d, want 0 to %d", key, *rs.TTL, maxTTL)
	}
	return rs, nil
}

// recordSetsEqual reports whether two normalized record sets have the same
// values in every field, as Route 53 requires for a DELETE. The order of
// ResourceRecords does not matter.
func recordSetsEqual(a, b RecordSet) bool {
	if a.key() != b.key() || a.HealthCheckID != b.HealthCheckID {
		return false
	}
	if !int64PointersEqual(a.Weight, b.Weight) || !int64PointersEqual(a.TTL, b.TTL) {
		return false
	}
	if (a.AliasTarget == nil) != (b.AliasTarget == nil) {
		return false
	}
	if a.AliasTarget != nil && *a.AliasTarget != *b.AliasTarget {
		return false
	}
	return slices.Equal(slices.Sorted(slices.Values(a.ResourceRecords)), slices.Sorted(slices.Values(b.ResourceRecords)))
}

func int64PointersEqual(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// writeInvalidChangeBatch sends Route 53's InvalidChangeBatch error with
// HTTP 400. Route 53 sends this code in its usual error body with one
// message, and also sends an <InvalidChangeBatch><Messages> body with a
// list, which the SDK's route53 client (v1.71.0) parses in a customization.
//
// NOTE: Choosing the body by the number of messages is a guess about when
// Route 53 sends which.
func writeInvalidChangeBatch(w http.ResponseWriter, messages []string) {
	if len(messages) == 1 {
		writeAWSQueryError(w, Route53Namespace, http.StatusBadRequest, "InvalidChangeBatch", messages[0])
		return
	}
	requestID := newRequestID()
	body, err := xml.Marshal(invalidChangeBatchResponse{Messages: messages, RequestID: requestID})
	if err != nil {
		// The error body contains only strings, which always encode.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeXML(w, http.StatusBadRequest, requestID, body)
}

// The types below are the XML shapes of the change batch request, its
// response and its error.

type changeResourceRecordSetsRequest struct {
	XMLName     xml.Name `xml:"ChangeResourceRecordSetsRequest"`
	ChangeBatch struct {
		Comment string      `xml:"Comment"`
		Changes []changeXML `xml:"Changes>Change"`
	} `xml:"ChangeBatch"`
}

type changeXML struct {
	Action            string       `xml:"Action"`
	ResourceRecordSet recordSetXML `xml:"ResourceRecordSet"`
}

type changeResourceRecordSetsResponse struct {
	XMLName    xml.Name      `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ChangeResourceRecordSetsResponse"`
	ChangeInfo changeInfoXML `xml:"ChangeInfo"`
}

type getChangeResponse struct {
	XMLName    xml.Name      `xml:"https://route53.amazonaws.com/doc/2013-04-01/ GetChangeResponse"`
	ChangeInfo changeInfoXML `xml:"ChangeInfo"`
}

type changeInfoXML struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type invalidChangeBatchResponse struct {
	XMLName   xml.Name `xml:"https://route53.amazonaws.com/doc/2013-04-01/ InvalidChangeBatch"`
	Messages  []string `xml:"Messages>Message"`
	RequestID string   `xml:"RequestId"`
}
