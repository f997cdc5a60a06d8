package loopback

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Route53Namespace is the XML namespace of Route 53 (API version
// 2013-04-01) requests and responses.
const Route53Namespace = "https://route53.amazonaws.com/doc/2013-04-01/"

// route53PathPrefix is the path prefix of every Route 53 REST operation.
const route53PathPrefix = "/2013-04-01/"

// route53NameServers are the name servers of every hosted zone, in the
// zone's NS record and in GetHostedZone's delegation set. The .invalid
// top-level domain never resolves.
var route53NameServers = []string{
	"ns-1.loopback.invalid.",
	"ns-2.loopback.invalid.",
	"ns-3.loopback.invalid.",
	"ns-4.loopback.invalid.",
}

// RecordSet is a Route 53 resource record set. A record set has either
// TTL and ResourceRecords or an AliasTarget. A weighted record set has a
// SetIdentifier and a Weight.
type RecordSet struct {
	// Name is the DNS name. Route 53 compares names case-insensitively,
	// and the server stores and returns them in lower case with a trailing
	// dot.
	Name string
	// Type is the record type, such as "A" or "CNAME".
	Type string
	// SetIdentifier distinguishes the record sets of one name and type.
	// It is empty for a simple record set.
	SetIdentifier string
	// Weight is the share of DNS queries, 0 to 255, among the weighted
	// record sets of one name and type. Nil means the set is not weighted.
	Weight *int64
	// TTL is the time to live in seconds. It is nil for an alias.
	TTL *int64
	// ResourceRecords are the record values, such as IP addresses.
	ResourceRecords []string
	AliasTarget     *AliasTarget
	// HealthCheckID is the ID of a Route 53 health check. The server does
	// not check that the health check exists.
	HealthCheckID string
}

// AliasTarget is the target of an alias record set, such as a load
// balancer's DNS name and the Route 53 zone of that name.
type AliasTarget struct {
	HostedZoneID string
	// DNSName is stored and returned in lower case with a trailing dot.
	DNSName              string
	EvaluateTargetHealth bool
}

// clone returns a copy of rs that shares no memory with it.
func (rs RecordSet) clone() RecordSet {
	if rs.Weight != nil {
		weight := *rs.Weight
		rs.Weight = &weight
	}
	if rs.TTL != nil {
		ttl := *rs.TTL
		rs.TTL = &ttl
	}
	rs.ResourceRecords = slices.Clone(rs.ResourceRecords)
	if rs.AliasTarget != nil {
		alias := *rs.AliasTarget
		rs.AliasTarget = &alias
	}
	return rs
}

// recordKey identifies a record set in a hosted zone, with the name in
// canonical form.
type recordKey struct {
	name          string
	recordType    string
	setIdentifier string
}

func (rs RecordSet) key() recordKey {
	return recordKey{name: canonicalDNSName(rs.Name), recordType: rs.Type, setIdentifier: rs.SetIdentifier}
}

// String formats the key as Route 53 names a record set in its error
// messages.
func (k recordKey) String() string {
	if k.setIdentifier == "" {
		return fmt.Sprintf("[name='%s', type='%s']", k.name, k.recordType)
	}
	return fmt.Sprintf("[name='%s', type='%s', set-identifier='%s']", k.name, k.recordType, k.setIdentifier)
}

// canonicalDNSName returns name in lower case with one trailing dot.
func canonicalDNSName(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + "."
}

// hostedZone is a Route 53 public hosted zone.
type hostedZone struct {
	id              string
	name            string
	callerReference string
	records         map[recordKey]RecordSet
}

// change is a submitted change batch.
type change struct {
	id        string
	submitted time.Time
	comment   string
	inSync    bool
}

// Route53 stores public hosted zones, their resource record sets and
// submitted changes, and serves them over REST-XML as Route 53's
// ListResourceRecordSets, ChangeResourceRecordSets, GetChange,
// GetHostedZone and ListHostedZonesByName. Its methods are safe for
// concurrent use.
type Route53 struct {
	// Faults are applied to each request before the handler responds.
	// Fault.Action matches the operation name, such as
	// "ChangeResourceRecordSets".
	Faults Faults

	now func() time.Time

	mu           sync.Mutex
	zones        map[string]*hostedZone
	changes      map[string]*change
	syncDelay    time.Duration
	holdChanges  bool
	beforeChange func(zoneID string)
	calls        map[string]int
}

// NewRoute53 returns a Route53 without hosted zones whose clock is now, or
// time.Now when now is nil.
func NewRoute53(now func() time.Time) *Route53 {
	if now == nil {
		now = time.Now
	}
	return &Route53{
		now:     now,
		zones:   map[string]*hostedZone{},
		changes: map[string]*change{},
		calls:   map[string]int{},
	}
}

// AddHostedZone creates a public hosted zone for the domain name and
// returns its ID, such as "Z0A1B2C3D4E5F6G7H8I9". The zone starts with the
// SOA and NS record sets that Route 53 creates for a new zone. It returns an
// error when the name is empty. Like Route 53, it allows several zones
// with the same name.
func (r *Route53) AddHostedZone(name string) (string, error) {
	if strings.Trim(name, ".") == "" {
		return "", fmt.Errorf("add hosted zone: name %q is empty, want a domain name such as example.com", name)
	}
	name = canonicalDNSName(name)
	zone := &hostedZone{
		id:              "Z" + randomUpperAlphanumeric(19),
		name:            name,
		callerReference: "loopback-" + randomHex(8),
		records:         map[recordKey]RecordSet{},
	}
	soa := RecordSet{
		Name:            name,
		Type:            "SOA",
		TTL:             int64Pointer(900),
		ResourceRecords: []string{route53NameServers[0] + " loopback.invalid. 1 7200 900 1209600 86400"},
	}
	ns := RecordSet{Name: name, Type: "NS", TTL: int64Pointer(172800), ResourceRecords: slices.Clone(route53NameServers)}
	zone.records[soa.key()] = soa
	zone.records[ns.key()] = ns

	r.mu.Lock()
	defer r.mu.Unlock()
	r.zones[zone.id] = zone
	return zone.id, nil
}

// PutRecordSets creates each record set, or replaces the one with the same
// name, type and set identifier, as a ChangeResourceRecordSets batch of
// UPSERT changes does. It applies all sets or none, and returns an error
// when the zone is not found or a set is invalid. Tests call it to change
// records behind the client's back.
func (r *Route53) PutRecordSets(zoneID string, sets ...RecordSet) error {
	changes := make([]recordChange, len(sets))
	for i, rs := range sets {
		changes[i] = recordChange{action: "UPSERT", recordSet: rs}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	zone, ok := r.zones[trimHostedZonePrefix(zoneID)]
	if !ok {
		return fmt.Errorf("put record sets: hosted zone %s not found", zoneID)
	}
	if apiErr := applyChanges(zone, changes); apiErr != nil {
		return fmt.Errorf("put record sets in hosted zone %s: %s", zoneID, strings.Join(apiErr.messages, "; "))
	}
	return nil
}

// RecordSets returns a copy of the zone's record sets in the order that
// ListResourceRecordSets returns them, or nil when the zone is not found.
func (r *Route53) RecordSets(zoneID string) []RecordSet {
	r.mu.Lock()
	defer r.mu.Unlock()
	zone, ok := r.zones[trimHostedZonePrefix(zoneID)]
	if !ok {
		return nil
	}
	sets := sortedRecordSets(zone)
	for i := range sets {
		sets[i] = sets[i].clone()
	}
	return sets
}

// HostedZoneIDs returns the IDs of the hosted zones, sorted.
func (r *Route53) HostedZoneIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.zones))
	for id := range r.zones {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// SetSyncDelay sets how long a change stays PENDING: GetChange reports a
// change as INSYNC from the first request that comes at least delay after
// the change was submitted, by the server's clock. The default is zero, so
// the first GetChange reports INSYNC.
func (r *Route53) SetSyncDelay(delay time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.syncDelay = delay
}

// HoldChanges makes GetChange report every change that is not INSYNC yet
// as PENDING for as long as hold is true, which simulates a change that
// never propagates.
func (r *Route53) HoldChanges(hold bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.holdChanges = hold
}

// SetBeforeChange sets a hook that ChangeResourceRecordSets calls with the
// zone ID after it parses a request and before it checks the batch, without
// holding the Route53's lock. A test can change records from the hook,
// such as with PutRecordSets, to simulate a concurrent change. Nil removes
// the hook.
func (r *Route53) SetBeforeChange(hook func(zoneID string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.beforeChange = hook
}

// Calls returns the number of requests for operation, such as
// "ChangeResourceRecordSets", that reached the server, including requests
// that got an injected fault.
func (r *Route53) Calls(operation string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[operation]
}

// ServeHTTP handles a Route 53 REST-XML request under /2013-04-01/. It
// supports ListResourceRecordSets, ChangeResourceRecordSets, GetChange,
// GetHostedZone and ListHostedZonesByName, and rejects other requests
// with InvalidAction. It does not check request signatures.
func (r *Route53) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	operation, id := route53Operation(req.Method, req.URL.Path)

	r.mu.Lock()
	r.calls[operation]++
	r.mu.Unlock()

	r.Faults.Serve(w, req, operation, route53ErrorFormat, func(w http.ResponseWriter) {
		var output any
		var apiErr *apiError
		switch operation {
		case "ListResourceRecordSets":
			output, apiErr = r.listResourceRecordSets(id, req)
		case "ChangeResourceRecordSets":
			var batchErr *changeBatchError
			output, batchErr, apiErr = r.changeResourceRecordSets(id, req)
			if batchErr != nil {
				writeInvalidChangeBatch(w, batchErr.messages)
				return
			}
		case "GetChange":
			output, apiErr = r.getChange(id)
		case "GetHostedZone":
			output, apiErr = r.getHostedZone(id)
		case "ListHostedZonesByName":
			output, apiErr = r.listHostedZonesByName(req)
		default:
			apiErr = &apiError{status: http.StatusBadRequest, code: "InvalidAction",
				message: fmt.Sprintf("%s %s is not a Route 53 operation that the loopback server supports", req.Method, req.URL.Path)}
		}
		if apiErr != nil {
			apiErr.write(w, route53ErrorFormat)
			return
		}
		writeRoute53Output(w, output)
	})
}

// route53Operation returns the operation that a request's method and path
// select, and the hosted zone or change ID in the path. It returns an
// empty operation for a request that selects none.
func route53Operation(method, path string) (operation, id string) {
	segments := strings.Split(strings.TrimPrefix(path, route53PathPrefix), "/")
	// ChangeResourceRecordSets is documented with a trailing slash, and the
	// SDK sends none.
	if len(segments) == 4 && segments[3] == "" {
		segments = segments[:3]
	}

	switch {
	case len(segments) == 3 && segments[0] == "hostedzone" && segments[2] == "rrset":
		switch method {
		case http.MethodGet:
			return "ListResourceRecordSets", segments[1]
		case http.MethodPost:
			return "ChangeResourceRecordSets", segments[1]
		}
	case len(segments) == 2 && segments[0] == "hostedzone" && method == http.MethodGet:
		return "GetHostedZone", segments[1]
	case len(segments) == 2 && segments[0] == "change" && method == http.MethodGet:
		return "GetChange", segments[1]
	case len(segments) == 1 && segments[0] == "hostedzonesbyname" && method == http.MethodGet:
		return "ListHostedZonesByName", ""
	}
	return "", ""
}

// trimHostedZonePrefix returns a hosted zone ID without the "/hostedzone/"
// prefix that Route 53 puts in the IDs that it returns.
func trimHostedZonePrefix(id string) string {
	return strings.TrimPrefix(id, "/hostedzone/")
}

func noSuchHostedZone(id string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "NoSuchHostedZone",
		message: fmt.Sprintf("No hosted zone found with ID: %s", id)}
}

func route53InvalidInput(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidInput", message: fmt.Sprintf(format, args...)}
}

func (r *Route53) getHostedZone(id string) (any, *apiError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	zone, ok := r.zones[trimHostedZonePrefix(id)]
	if !ok {
		return nil, noSuchHostedZone(id)
	}
	return getHostedZoneResponse{
		HostedZone:    zone.toXML(),
		DelegationSet: delegationSetXML{NameServers: route53NameServers},
	}, nil
}

func (zone *hostedZone) toXML() hostedZoneXML {
	return hostedZoneXML{
		ID:                     "/hostedzone/" + zone.id,
		Name:                   zone.name,
		CallerReference:        zone.callerReference,
		Config:                 hostedZoneConfigXML{PrivateZone: false},
		ResourceRecordSetCount: int64(len(zone.records)),
	}
}

func (r *Route53) getChange(id string) (any, *apiError) {
	id = strings.TrimPrefix(id, "/change/")

	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.changes[id]
	if !ok {
		return nil, &apiError{status: http.StatusNotFound, code: "NoSuchChange",
			message: fmt.Sprintf("A change with ID %s was not found", id)}
	}
	if !c.inSync && !r.holdChanges && !r.now().Before(c.submitted.Add(r.syncDelay)) {
		c.inSync = true
	}
	return getChangeResponse{ChangeInfo: c.toXML()}, nil
}

func (c *change) toXML() changeInfoXML {
	status := "PENDING"
	if c.inSync {
		status = "INSYNC"
	}
	return changeInfoXML{
		ID:          "/change/" + c.id,
		Status:      status,
		SubmittedAt: c.submitted.UTC().Format("2006-01-02T15:04:05.000Z"),
		Comment:     c.comment,
	}
}

// randomUpperAlphanumeric returns n random characters from A to Z and 0 to
// 9, the alphabet of Route 53's hosted zone and change IDs.
func randomUpperAlphanumeric(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func int64Pointer(v int64) *int64 {
	return &v
}
