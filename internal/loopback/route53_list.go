package loopback

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxRecordSetsPerPage is the most record sets that one
// ListResourceRecordSets response returns (300 in the Route 53 API
// reference). It is also the page size when a request sets none.
const maxRecordSetsPerPage = 300

// maxHostedZonesPerPage is the most hosted zones that one
// ListHostedZonesByName response returns (100 in the Route 53 API
// reference). It is also the page size when a request sets none.
const maxHostedZonesPerPage = 100

// route53ErrorFormat sends Route 53 errors. Route 53's REST-XML error body,
// <ErrorResponse><Error><Type><Code><Message></Error><RequestId>, has the
// same shape as awsQuery's. Route 53 reports throttling as HTTP 400 with
// the code Throttling, according to the AWS Knowledge Center article on
// Route 53 throttling errors.
var route53ErrorFormat = awsQueryErrorFormat(Route53Namespace)

// reversedLabels returns a canonical DNS name with its labels in reverse
// order, such as "com.example.www." for "www.example.com.", which is the
// sort key of Route 53's list operations.
func reversedLabels(name string) string {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".") + "."
}

// compareRecordKeys orders record sets as ListResourceRecordSets returns
// them: by name with the labels reversed, then by type, then by set
// identifier, each in ASCII order.
func compareRecordKeys(a, b recordKey) int {
	if c := strings.Compare(reversedLabels(a.name), reversedLabels(b.name)); c != 0 {
		return c
	}
	if c := strings.Compare(a.recordType, b.recordType); c != 0 {
		return c
	}
	return strings.Compare(a.setIdentifier, b.setIdentifier)
}

// sortedRecordSets returns the zone's record sets in list order. It must be
// called with the Route53's lock held.
func sortedRecordSets(zone *hostedZone) []RecordSet {
	sets := make([]RecordSet, 0, len(zone.records))
	for _, rs := range zone.records {
		sets = append(sets, rs)
	}
	slices.SortFunc(sets, func(a, b RecordSet) int { return compareRecordKeys(a.key(), b.key()) })
	return sets
}

// parseMaxItems returns the maxitems query parameter, capped at maximum,
// or maximum when the request sets none.
func parseMaxItems(req *http.Request, maximum int) (int, *apiError) {
	raw := req.URL.Query().Get("maxitems")
	if raw == "" {
		return maximum, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, route53InvalidInput("maxitems %q is invalid, want a positive integer", raw)
	}
	return min(n, maximum), nil
}

func (r *Route53) listResourceRecordSets(zoneID string, req *http.Request) (any, *apiError) {
	query := req.URL.Query()
	startName, startType, startIdentifier := query.Get("name"), query.Get("type"), query.Get("identifier")
	if startType != "" && startName == "" {
		return nil, route53InvalidInput("type %q is set without name, set name too", startType)
	}
	if startType != "" && !slices.Contains(route53RecordTypes, startType) {
		return nil, route53InvalidInput("type %q is invalid, want one of %s", startType, strings.Join(route53RecordTypes, ", "))
	}
	if startIdentifier != "" && startType == "" {
		return nil, route53InvalidInput("identifier %q is set without name and type, set both", startIdentifier)
	}
	maxItems, apiErr := parseMaxItems(req, maxRecordSetsPerPage)
	if apiErr != nil {
		return nil, apiErr
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	zone, ok := r.zones[trimHostedZonePrefix(zoneID)]
	if !ok {
		return nil, noSuchHostedZone(zoneID)
	}
	sets := sortedRecordSets(zone)

	start := 0
	if startName != "" {
		startKey := recordKey{name: canonicalDNSName(startName), recordType: startType, setIdentifier: startIdentifier}
		start, _ = slices.BinarySearchFunc(sets, startKey, func(rs RecordSet, key recordKey) int {
			return compareRecordKeys(rs.key(), key)
		})
	}
	end := min(start+maxItems, len(sets))

	response := listResourceRecordSetsResponse{MaxItems: maxItems}
	for _, rs := range sets[start:end] {
		response.ResourceRecordSets = append(response.ResourceRecordSets, recordSetToXML(rs))
	}
	if end < len(sets) {
		next := sets[end]
		response.IsTruncated = true
		response.NextRecordName = next.Name
		response.NextRecordType = next.Type
		response.NextRecordIdentifier = next.SetIdentifier
	}
	return response, nil
}

func (r *Route53) listHostedZonesByName(req *http.Request) (any, *apiError) {
	query := req.URL.Query()
	startName, startID := query.Get("dnsname"), trimHostedZonePrefix(query.Get("hostedzoneid"))
	if startID != "" && startName == "" {
		return nil, route53InvalidInput("hostedzoneid %q is set without dnsname, set dnsname too", startID)
	}
	maxItems, apiErr := parseMaxItems(req, maxHostedZonesPerPage)
	if apiErr != nil {
		return nil, apiErr
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	zones := make([]*hostedZone, 0, len(r.zones))
	for _, zone := range r.zones {
		zones = append(zones, zone)
	}
	compareZones := func(name, id, otherName, otherID string) int {
		if c := strings.Compare(reversedLabels(name), reversedLabels(otherName)); c != 0 {
			return c
		}
		return strings.Compare(id, otherID)
	}
	slices.SortFunc(zones, func(a, b *hostedZone) int { return compareZones(a.name, a.id, b.name, b.id) })

	start := 0
	if startName != "" {
		start, _ = slices.BinarySearchFunc(zones, canonicalDNSName(startName), func(zone *hostedZone, name string) int {
			return compareZones(zone.name, zone.id, name, startID)
		})
	}
	end := min(start+maxItems, len(zones))

	response := listHostedZonesByNameResponse{
		DNSName:      query.Get("dnsname"),
		HostedZoneID: query.Get("hostedzoneid"),
		MaxItems:     maxItems,
	}
	for _, zone := range zones[start:end] {
		response.HostedZones = append(response.HostedZones, zone.toXML())
	}
	if end < len(zones) {
		response.IsTruncated = true
		response.NextDNSName = zones[end].name
		response.NextHostedZoneID = zones[end].id
	}
	return response, nil
}

// writeRoute53Output sends a successful Route 53 response, whose XMLName
// sets the root element and the namespace.
func writeRoute53Output(w http.ResponseWriter, output any) {
	requestID := newRequestID()
	body, err := xml.Marshal(output)
	if err != nil {
		writeAWSQueryError(w, Route53Namespace, http.StatusInternalServerError, "InternalFailure",
			fmt.Sprintf("encode %T: %v", output, err))
		return
	}
	writeXML(w, http.StatusOK, requestID, body)
}

func recordSetToXML(rs RecordSet) recordSetXML {
	out := recordSetXML{
		Name:          rs.Name,
		Type:          rs.Type,
		SetIdentifier: rs.SetIdentifier,
		Weight:        rs.Weight,
		TTL:           rs.TTL,
		HealthCheckID: rs.HealthCheckID,
	}
	if len(rs.ResourceRecords) > 0 {
		out.ResourceRecords = &resourceRecordsXML{}
		for _, value := range rs.ResourceRecords {
			out.ResourceRecords.Records = append(out.ResourceRecords.Records, resourceRecordXML{Value: value})
		}
	}
	if rs.AliasTarget != nil {
		out.AliasTarget = &aliasTargetXML{
			HostedZoneID:         rs.AliasTarget.HostedZoneID,
			DNSName:              rs.AliasTarget.DNSName,
			EvaluateTargetHealth: rs.AliasTarget.EvaluateTargetHealth,
		}
	}
	return out
}

// toRecordSet converts a record set from a request. It returns the name of
// the first routing field that the server does not support, or "".
func (x recordSetXML) toRecordSet() (RecordSet, string) {
	switch {
	case x.Region != nil:
		return RecordSet{}, "Region"
	case x.Failover != nil:
		return RecordSet{}, "Failover"
	case x.MultiValueAnswer != nil:
		return RecordSet{}, "MultiValueAnswer"
	case x.TrafficPolicyInstanceID != nil:
		return RecordSet{}, "TrafficPolicyInstanceId"
	case x.GeoLocation != nil:
		return RecordSet{}, "GeoLocation"
	case x.GeoProximityLocation != nil:
		return RecordSet{}, "GeoProximityLocation"
	case x.CidrRoutingConfig != nil:
		return RecordSet{}, "CidrRoutingConfig"
	}

	rs := RecordSet{
		Name:          x.Name,
		Type:          x.Type,
		SetIdentifier: x.SetIdentifier,
		Weight:        x.Weight,
		TTL:           x.TTL,
		HealthCheckID: x.HealthCheckID,
	}
	if x.ResourceRecords != nil {
		for _, record := range x.ResourceRecords.Records {
			rs.ResourceRecords = append(rs.ResourceRecords, record.Value)
		}
	}
	if x.AliasTarget != nil {
		rs.AliasTarget = &AliasTarget{
			HostedZoneID:         x.AliasTarget.HostedZoneID,
			DNSName:              x.AliasTarget.DNSName,
			EvaluateTargetHealth: x.AliasTarget.EvaluateTargetHealth,
		}
	}
	return rs, ""
}

// The types below are the XML shapes of record sets, hosted zones and the
// list and get outputs. Element names follow the Route 53 API reference.

type recordSetXML struct {
	Name            string              `xml:"Name"`
	Type            string              `xml:"Type"`
	SetIdentifier   string              `xml:"SetIdentifier,omitempty"`
	Weight          *int64              `xml:"Weight,omitempty"`
	TTL             *int64              `xml:"TTL,omitempty"`
	ResourceRecords *resourceRecordsXML `xml:"ResourceRecords,omitempty"`
	AliasTarget     *aliasTargetXML     `xml:"AliasTarget,omitempty"`
	HealthCheckID   string              `xml:"HealthCheckId,omitempty"`

	// The fields below are routing options that the server does not
	// support. They are decoded only so that a request that sets one is
	// rejected instead of being stored without it.
	Region                  *string     `xml:"Region,omitempty"`
	Failover                *string     `xml:"Failover,omitempty"`
	MultiValueAnswer        *string     `xml:"MultiValueAnswer,omitempty"`
	TrafficPolicyInstanceID *string     `xml:"TrafficPolicyInstanceId,omitempty"`
	GeoLocation             *xmlElement `xml:"GeoLocation,omitempty"`
	GeoProximityLocation    *xmlElement `xml:"GeoProximityLocation,omitempty"`
	CidrRoutingConfig       *xmlElement `xml:"CidrRoutingConfig,omitempty"`
}

// xmlElement is an element whose content is kept as raw XML.
type xmlElement struct {
	Content string `xml:",innerxml"`
}

type resourceRecordsXML struct {
	Records []resourceRecordXML `xml:"ResourceRecord"`
}

type resourceRecordXML struct {
	Value string `xml:"Value"`
}

type aliasTargetXML struct {
	HostedZoneID         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

type listResourceRecordSetsResponse struct {
	XMLName              xml.Name       `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ListResourceRecordSetsResponse"`
	ResourceRecordSets   []recordSetXML `xml:"ResourceRecordSets>ResourceRecordSet"`
	IsTruncated          bool           `xml:"IsTruncated"`
	NextRecordName       string         `xml:"NextRecordName,omitempty"`
	NextRecordType       string         `xml:"NextRecordType,omitempty"`
	NextRecordIdentifier string         `xml:"NextRecordIdentifier,omitempty"`
	MaxItems             int            `xml:"MaxItems"`
}

type hostedZoneXML struct {
	ID                     string              `xml:"Id"`
	Name                   string              `xml:"Name"`
	CallerReference        string              `xml:"CallerReference"`
	Config                 hostedZoneConfigXML `xml:"Config"`
	ResourceRecordSetCount int64               `xml:"ResourceRecordSetCount"`
}

type hostedZoneConfigXML struct {
	PrivateZone bool `xml:"PrivateZone"`
}

type delegationSetXML struct {
	NameServers []string `xml:"NameServers>NameServer"`
}

type getHostedZoneResponse struct {
	XMLName       xml.Name         `xml:"https://route53.amazonaws.com/doc/2013-04-01/ GetHostedZoneResponse"`
	HostedZone    hostedZoneXML    `xml:"HostedZone"`
	DelegationSet delegationSetXML `xml:"DelegationSet"`
}

type listHostedZonesByNameResponse struct {
	XMLName          xml.Name        `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ListHostedZonesByNameResponse"`
	HostedZones      []hostedZoneXML `xml:"HostedZones>HostedZone"`
	DNSName          string          `xml:"DNSName,omitempty"`
	HostedZoneID     string          `xml:"HostedZoneId,omitempty"`
	IsTruncated      bool            `xml:"IsTruncated"`
	NextDNSName      string          `xml:"NextDNSName,omitempty"`
	NextHostedZoneID string          `xml:"NextHostedZoneId,omitempty"`
	MaxItems         int             `xml:"MaxItems"`
}
