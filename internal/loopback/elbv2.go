package loopback

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// ELBv2Namespace is the XML namespace of Elastic Load Balancing v2
// (API version 2015-12-01) responses.
const ELBv2Namespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

const elbv2Version = "2015-12-01"

// maxELBv2PageSize is the upper bound of PageSize in DescribeLoadBalancers
// and DescribeTargetGroups (1 to 400 in the ELBv2 API reference). It is
// also the page size when a request sets none.
const maxELBv2PageSize = 400

// LoadBalancer is an Elastic Load Balancing v2 load balancer.
type LoadBalancer struct {
	Name string
	// ARN is generated from the region, account and name when empty.
	ARN string
	// Type is "application" or "network". Empty means "application".
	Type string
	// Scheme is "internet-facing" or "internal". Empty means
	// "internet-facing".
	Scheme string
	// DNSName is generated from the name and region when empty.
	DNSName string
	// CanonicalHostedZoneID is the Route 53 zone of the DNS name, for alias
	// records. It stays empty unless set.
	CanonicalHostedZoneID string
	VPCID                 string
	// State is the state code, such as "active" or "provisioning". Empty
	// means "active".
	State string
	// AvailabilityZones are the load balancer's subnet mappings, one per
	// zone. Only a network load balancer may have addresses in them.
	AvailabilityZones []AvailabilityZone
	// Attributes are the key/value pairs that
	// DescribeLoadBalancerAttributes returns. AddLoadBalancer fills in the
	// defaults of the type for the keys that are missing, see
	// defaultLoadBalancerAttributes.
	Attributes map[string]string
	// Tags are the tags that DescribeTags returns, in key order.
	Tags map[string]string
}

// TargetGroup is an Elastic Load Balancing v2 target group.
type TargetGroup struct {
	Name string
	// ARN is generated from the region, account and name when empty.
	ARN      string
	Protocol string
	Port     int32
	// LoadBalancerARNs are the load balancers that route to the group. Each
	// must already be added.
	LoadBalancerARNs []string
	// TargetType is "instance", "ip", "lambda" or "alb". Empty means
	// "instance".
	TargetType string
	VPCID      string
	// Attributes are the key/value pairs that
	// DescribeTargetGroupAttributes returns. AddTargetGroup fills in the
	// defaults of the protocol for the keys that are missing, see
	// defaultTargetGroupAttributes.
	Attributes map[string]string
	// Tags are the tags that DescribeTags returns, in key order.
	Tags map[string]string
	// Targets are the registered targets, in registration order. See
	// RegisterTargets for the defaults and checks.
	Targets []Target
}

// ELBv2 stores load balancers, target groups, listeners and trust stores
// and serves them over the awsQuery protocol as Elastic Load Balancing v2.
// Its methods are safe for concurrent use, and responses list resources in
// the order they were added.
type ELBv2 struct {
	// Faults are applied to each request before the handler responds.
	Faults Faults

	region    string
	accountID string

	mu            sync.Mutex
	loadBalancers []LoadBalancer
	targetGroups  []TargetGroup
	trustStores   []TrustStore
	listeners     []Listener
}

// NewELBv2 returns an empty ELBv2 whose generated ARNs and DNS names use
// region and accountID.
func NewELBv2(region, accountID string) *ELBv2 {
	return &ELBv2{region: region, accountID: accountID}
}

// AddLoadBalancer stores lb with defaults for its empty fields and returns
// the stored value. It returns an error when the name is missing or taken,
// the ARN is taken, or the type, scheme, subnet mappings or a boolean
// attribute is invalid.
func (e *ELBv2) AddLoadBalancer(lb LoadBalancer) (LoadBalancer, error) {
	if lb.Name == "" {
		return LoadBalancer{}, fmt.Errorf("add load balancer: name is missing")
	}
	if lb.Type == "" {
		lb.Type = "application"
	}
	if lb.Scheme == "" {
		lb.Scheme = "internet-facing"
	}
	if lb.State == "" {
		lb.State = "active"
	}

	var arnType string
	switch lb.Type {
	case "application":
		arnType = "app"
	case "network":
		arnType = "net"
	default:
		return LoadBalancer{}, fmt.Errorf("add load balancer %q: invalid type %q, want application or network", lb.Name, lb.Type)
	}
	if lb.Scheme != "internet-facing" && lb.Scheme != "internal" {
		return LoadBalancer{}, fmt.Errorf("add load balancer %q: invalid scheme %q, want internet-facing or internal", lb.Name, lb.Scheme)
	}
	if err := checkAvailabilityZones(lb); err != nil {
		return LoadBalancer{}, fmt.Errorf("add load balancer %q: %w", lb.Name, err)
	}
	if err := checkLoadBalancerAttributes(lb.Attributes); err != nil {
		return LoadBalancer{}, fmt.Errorf("add load balancer %q: %w", lb.Name, err)
	}
	lb.AvailabilityZones = cloneAvailabilityZones(lb.AvailabilityZones)
	lb.Attributes = withDefaults(lb.Attributes, defaultLoadBalancerAttributes(lb.Type))
	lb.Tags = maps.Clone(lb.Tags)

	id := randomHex(8)
	if lb.ARN == "" {
		lb.ARN = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s", e.region, e.accountID, arnType, lb.Name, id)
	}
	if lb.DNSName == "" {
		lb.DNSName = fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", lb.Name, id, e.region)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	for _, existing := range e.loadBalancers {
		if existing.Name == lb.Name {
			return LoadBalancer{}, fmt.Errorf("add load balancer: name %q is already taken by %s", lb.Name, existing.ARN)
		}
		if existing.ARN == lb.ARN {
			return LoadBalancer{}, fmt.Errorf("add load balancer %q: ARN %s is already taken", lb.Name, lb.ARN)
		}
	}
	e.loadBalancers = append(e.loadBalancers, lb)
	return cloneLoadBalancer(lb), nil
}

// AddTargetGroup stores tg with defaults for its empty fields and returns
// the stored value. It returns an error when the name is missing or taken,
// the ARN is taken, a load balancer ARN is not stored, or a target is
// invalid.
func (e *ELBv2) AddTargetGroup(tg TargetGroup) (TargetGroup, error) {
	if tg.Name == "" {
		return TargetGroup{}, fmt.Errorf("add target group: name is missing")
	}
	if tg.TargetType == "" {
		tg.TargetType = "instance"
	}
	if tg.ARN == "" {
		tg.ARN = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", e.region, e.accountID, tg.Name, randomHex(8))
	}
	tg.LoadBalancerARNs = append([]string(nil), tg.LoadBalancerARNs...)
	tg.Attributes = withDefaults(tg.Attributes, defaultTargetGroupAttributes(tg.Protocol))
	tg.Tags = maps.Clone(tg.Tags)
	targets, err := normalizeTargets(tg, tg.Targets)
	if err != nil {
		return TargetGroup{}, fmt.Errorf("add target group %q: %w", tg.Name, err)
	}
	tg.Targets = targets

	e.mu.Lock()
	defer e.mu.Unlock()
	for _, arn := range tg.LoadBalancerARNs {
		if _, ok := e.loadBalancerByARN(arn); !ok {
			return TargetGroup{}, fmt.Errorf("add target group %q: load balancer %s not found, add it first", tg.Name, arn)
		}
	}
	for _, existing := range e.targetGroups {
		if existing.Name == tg.Name {
			return TargetGroup{}, fmt.Errorf("add target group: name %q is already taken by %s", tg.Name, existing.ARN)
		}
		if existing.ARN == tg.ARN {
			return TargetGroup{}, fmt.Errorf("add target group %q: ARN %s is already taken", tg.Name, tg.ARN)
		}
	}
	e.targetGroups = append(e.targetGroups, tg)
	return cloneTargetGroup(tg), nil
}

// LoadBalancers returns copies of the stored load balancers in the order
// they were added.
func (e *ELBv2) LoadBalancers() []LoadBalancer {
	e.mu.Lock()
	defer e.mu.Unlock()
	var copies []LoadBalancer
	for _, lb := range e.loadBalancers {
		copies = append(copies, cloneLoadBalancer(lb))
	}
	return copies
}

// TargetGroups returns copies of the stored target groups in the order
// they were added.
func (e *ELBv2) TargetGroups() []TargetGroup {
	e.mu.Lock()
	defer e.mu.Unlock()
	var copies []TargetGroup
	for _, tg := range e.targetGroups {
		copies = append(copies, cloneTargetGroup(tg))
	}
	return copies
}

// Listeners returns copies of the stored listeners in the order they were
// added.
func (e *ELBv2) Listeners() []Listener {
	e.mu.Lock()
	defer e.mu.Unlock()
	var copies []Listener
	for _, l := range e.listeners {
		copies = append(copies, cloneListener(l))
	}
	return copies
}

func cloneLoadBalancer(lb LoadBalancer) LoadBalancer {
	lb.AvailabilityZones = cloneAvailabilityZones(lb.AvailabilityZones)
	lb.Attributes = maps.Clone(lb.Attributes)
	lb.Tags = maps.Clone(lb.Tags)
	return lb
}

func cloneTargetGroup(tg TargetGroup) TargetGroup {
	tg.LoadBalancerARNs = slices.Clone(tg.LoadBalancerARNs)
	tg.Attributes = maps.Clone(tg.Attributes)
	tg.Tags = maps.Clone(tg.Tags)
	tg.Targets = slices.Clone(tg.Targets)
	return tg
}

// loadBalancerByARN must be called with e.mu held.
func (e *ELBv2) loadBalancerByARN(arn string) (LoadBalancer, bool) {
	for _, lb := range e.loadBalancers {
		if lb.ARN == arn {
			return lb, true
		}
	}
	return LoadBalancer{}, false
}

// ServeHTTP handles an awsQuery request. It supports DescribeLoadBalancers,
// DescribeLoadBalancerAttributes, DeleteLoadBalancer, DescribeTargetGroups,
// DescribeTargetGroupAttributes, DescribeTargetHealth, DeleteTargetGroup,
// DescribeListeners, DescribeListenerAttributes, DescribeTags,
// DescribeTrustStores, DescribeTrustStoreRevocations,
// GetTrustStoreCaCertificatesBundle and GetTrustStoreRevocationContent,
// and rejects other actions with InvalidAction. It also serves the
// downloads that the two Get actions return as Location, under
// elbv2ContentPathPrefix. It does not check request signatures.
func (e *ELBv2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isContentPath(r.URL.Path) {
		e.serveContent(w, r)
		return
	}

	errorFormat := awsQueryErrorFormat(ELBv2Namespace)
	query, err := parseAWSQuery(r)
	if err != nil {
		errorFormat.Write(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	if version := query.Get("Version"); version != elbv2Version {
		errorFormat.Write(w, http.StatusBadRequest, "InvalidParameterValue",
			fmt.Sprintf("Version %q is not supported, want %s", version, elbv2Version))
		return
	}

	e.Faults.Serve(w, r, query.Action, errorFormat, func(w http.ResponseWriter) {
		switch query.Action {
		case "DescribeLoadBalancers":
			e.describeLoadBalancers(w, query)
		case "DescribeLoadBalancerAttributes":
			e.describeLoadBalancerAttributes(w, query)
		case "DeleteLoadBalancer":
			e.deleteLoadBalancer(w, query)
		case "DescribeTargetGroups":
			e.describeTargetGroups(w, query)
		case "DescribeTargetGroupAttributes":
			e.describeTargetGroupAttributes(w, query)
		case "DescribeTargetHealth":
			e.describeTargetHealth(w, query)
		case "DeleteTargetGroup":
			e.deleteTargetGroup(w, query)
		case "DescribeTags":
			e.describeTags(w, query)
		case "DescribeListeners":
			e.describeListeners(w, query)
		case "DescribeListenerAttributes":
			e.describeListenerAttributes(w, query)
		case "DescribeTrustStores":
			e.describeTrustStores(w, query)
		case "DescribeTrustStoreRevocations":
			e.describeTrustStoreRevocations(w, query)
		case "GetTrustStoreCaCertificatesBundle":
			e.getTrustStoreCaCertificatesBundle(w, r, query)
		case "GetTrustStoreRevocationContent":
			e.getTrustStoreRevocationContent(w, r, query)
		default:
			errorFormat.Write(w, http.StatusBadRequest, "InvalidAction",
				fmt.Sprintf("The action %q is not valid for this web service", query.Action))
		}
	})
}

// elbv2Error is an API error that the handler sends as an awsQuery error
// response.
type elbv2Error struct {
	status  int
	code    string
	message string
}

func (e *ELBv2) writeError(w http.ResponseWriter, err *elbv2Error) {
	writeAWSQueryError(w, ELBv2Namespace, err.status, err.code, err.message)
}

func validationError(format string, args ...any) *elbv2Error {
	return &elbv2Error{status: http.StatusBadRequest, code: "ValidationError", message: fmt.Sprintf(format, args...)}
}

// paginate returns the page of n items that starts at the request's Marker,
// and the NextMarker, which is empty on the last page. The marker is the
// decimal index of the page's first item.
func paginate(query awsQueryRequest, n int) (start, end int, nextMarker string, apiErr *elbv2Error) {
	pageSize := maxELBv2PageSize
	if raw := query.Get("PageSize"); raw != "" {
		size, err := strconv.Atoi(raw)
		if err != nil || size < 1 || size > maxELBv2PageSize {
			return 0, 0, "", validationError("PageSize %q is invalid, want an integer from 1 to %d", raw, maxELBv2PageSize)
		}
		pageSize = size
	}

	if raw := query.Get("Marker"); raw != "" {
		index, err := strconv.Atoi(raw)
		if err != nil || index < 0 || index > n {
			return 0, 0, "", validationError("Marker %q is invalid, pass the NextMarker of the previous response", raw)
		}
		start = index
	}

	end = min(start+pageSize, n)
	if end < n {
		nextMarker = strconv.Itoa(end)
	}
	return start, end, nextMarker, nil
}

// selectLoadBalancers returns every load balancer when the request names
// none, and LoadBalancerNotFound when a requested one is missing.
func (e *ELBv2) selectLoadBalancers(query awsQueryRequest) ([]LoadBalancer, *elbv2Error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return selectByNameOrARN(query, "Names", "LoadBalancerArns", e.loadBalancers,
		func(lb LoadBalancer) (string, string) { return lb.Name, lb.ARN },
		func(id string) *elbv2Error {
			return loadBalancerNotFound(fmt.Sprintf("Load balancers '[%s]' not found", id))
		})
}

// pageOf cuts the requested page out of the items a describe request
// selected and returns it with the NextMarker. On a selection error
// (apiErr) or a paging error it writes the error response and returns
// false.
func pageOf[T any](e *ELBv2, w http.ResponseWriter, query awsQueryRequest, selected []T, apiErr *elbv2Error) ([]T, string, bool) {
	if apiErr == nil {
		var start, end int
		var nextMarker string
		if start, end, nextMarker, apiErr = paginate(query, len(selected)); apiErr == nil {
			return selected[start:end], nextMarker, true
		}
	}
	e.writeError(w, apiErr)
	return nil, "", false
}

// selectByNameOrARN returns the items that a describe request names in its
// namesParam or arnsParam list, in the request's order, or every item when
// it names none. Using both lists is a ValidationError, and a name or ARN
// that no item has is notFound's error. ids returns an item's name and ARN.
func selectByNameOrARN[T any](query awsQueryRequest, namesParam, arnsParam string, items []T,
	ids func(T) (string, string), notFound func(id string) *elbv2Error) ([]T, *elbv2Error) {
	names := query.List(namesParam)
	arns := query.List(arnsParam)
	if len(names) > 0 && len(arns) > 0 {
		return nil, validationError("%s and %s cannot be used together", namesParam, arnsParam)
	}
	if len(names) == 0 && len(arns) == 0 {
		return append([]T(nil), items...), nil
	}
	var selected []T
	for i, id := range append(names, arns...) {
		byName := i < len(names)
		j := slices.IndexFunc(items, func(item T) bool {
			name, arn := ids(item)
			if byName {
				return name == id
			}
			return arn == id
		})
		if j < 0 {
			return nil, notFound(id)
		}
		selected = append(selected, items[j])
	}
	return selected, nil
}

func loadBalancerNotFound(message string) *elbv2Error {
	return &elbv2Error{status: http.StatusBadRequest, code: "LoadBalancerNotFound", message: message}
}

func (e *ELBv2) describeLoadBalancers(w http.ResponseWriter, query awsQueryRequest) {
	selected, apiErr := e.selectLoadBalancers(query)
	page, nextMarker, ok := pageOf(e, w, query, selected, apiErr)
	if !ok {
		return
	}

	result := describeLoadBalancersResult{NextMarker: nextMarker}
	for _, lb := range page {
		result.LoadBalancers = append(result.LoadBalancers, loadBalancerXML{
			LoadBalancerArn:       lb.ARN,
			LoadBalancerName:      lb.Name,
			DNSName:               lb.DNSName,
			CanonicalHostedZoneID: lb.CanonicalHostedZoneID,
			Scheme:                lb.Scheme,
			Type:                  lb.Type,
			VpcID:                 lb.VPCID,
			State:                 loadBalancerStateXML{Code: lb.State},
			AvailabilityZones:     availabilityZonesXML(lb.AvailabilityZones),
		})
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

func (e *ELBv2) selectTargetGroups(query awsQueryRequest) ([]TargetGroup, *elbv2Error) {
	loadBalancerARN := query.Get("LoadBalancerArn")
	names := query.List("Names")
	arns := query.List("TargetGroupArns")
	filters := 0
	for _, used := range []bool{loadBalancerARN != "", len(names) > 0, len(arns) > 0} {
		if used {
			filters++
		}
	}
	if filters > 1 {
		return nil, validationError("use only one of LoadBalancerArn, Names and TargetGroupArns")
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	switch {
	case loadBalancerARN != "":
		if _, ok := e.loadBalancerByARN(loadBalancerARN); !ok {
			return nil, loadBalancerNotFound(fmt.Sprintf("Load balancer '%s' not found", loadBalancerARN))
		}
		var selected []TargetGroup
		for _, tg := range e.targetGroups {
			for _, arn := range tg.LoadBalancerARNs {
				if arn == loadBalancerARN {
					selected = append(selected, tg)
					break
				}
			}
		}
		return selected, nil

	case len(names) > 0 || len(arns) > 0:
		var selected []TargetGroup
		for _, name := range names {
			tg, ok := e.targetGroupBy(func(tg TargetGroup) bool { return tg.Name == name })
			if !ok {
				return nil, targetGroupNotFound(fmt.Sprintf("One or more target groups not found: '%s'", name))
			}
			selected = append(selected, tg)
		}
		for _, arn := range arns {
			tg, ok := e.targetGroupBy(func(tg TargetGroup) bool { return tg.ARN == arn })
			if !ok {
				return nil, targetGroupNotFound(fmt.Sprintf("One or more target groups not found: '%s'", arn))
			}
			selected = append(selected, tg)
		}
		return selected, nil

	default:
		return append([]TargetGroup(nil), e.targetGroups...), nil
	}
}

// targetGroupBy must be called with e.mu held.
func (e *ELBv2) targetGroupBy(match func(TargetGroup) bool) (TargetGroup, bool) {
	for _, tg := range e.targetGroups {
		if match(tg) {
			return tg, true
		}
	}
	return TargetGroup{}, false
}

func targetGroupNotFound(message string) *elbv2Error {
	return &elbv2Error{status: http.StatusBadRequest, code: "TargetGroupNotFound", message: message}
}

func (e *ELBv2) describeTargetGroups(w http.ResponseWriter, query awsQueryRequest) {
	selected, apiErr := e.selectTargetGroups(query)
	page, nextMarker, ok := pageOf(e, w, query, selected, apiErr)
	if !ok {
		return
	}

	result := describeTargetGroupsResult{NextMarker: nextMarker}
	for _, tg := range page {
		result.TargetGroups = append(result.TargetGroups, targetGroupXML{
			TargetGroupArn:   tg.ARN,
			TargetGroupName:  tg.Name,
			Protocol:         tg.Protocol,
			Port:             tg.Port,
			VpcID:            tg.VPCID,
			TargetType:       tg.TargetType,
			LoadBalancerArns: tg.LoadBalancerARNs,
		})
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// The types below are the XML shapes of the ELBv2 outputs. Element names
// follow the SDK's schema, and awsQuery wraps list items in <member>.

type describeLoadBalancersResult struct {
	XMLName       xml.Name          `xml:"DescribeLoadBalancersResult"`
	LoadBalancers []loadBalancerXML `xml:"LoadBalancers>member"`
	NextMarker    string            `xml:"NextMarker,omitempty"`
}

type loadBalancerXML struct {
	LoadBalancerArn       string                `xml:"LoadBalancerArn"`
	LoadBalancerName      string                `xml:"LoadBalancerName"`
	DNSName               string                `xml:"DNSName,omitempty"`
	CanonicalHostedZoneID string                `xml:"CanonicalHostedZoneId,omitempty"`
	Scheme                string                `xml:"Scheme"`
	Type                  string                `xml:"Type"`
	VpcID                 string                `xml:"VpcId,omitempty"`
	State                 loadBalancerStateXML  `xml:"State"`
	AvailabilityZones     []availabilityZoneXML `xml:"AvailabilityZones>member"`
}

type loadBalancerStateXML struct {
	Code string `xml:"Code"`
}

type describeTargetGroupsResult struct {
	XMLName      xml.Name         `xml:"DescribeTargetGroupsResult"`
	TargetGroups []targetGroupXML `xml:"TargetGroups>member"`
	NextMarker   string           `xml:"NextMarker,omitempty"`
}

type targetGroupXML struct {
	TargetGroupArn   string   `xml:"TargetGroupArn"`
	TargetGroupName  string   `xml:"TargetGroupName"`
	Protocol         string   `xml:"Protocol,omitempty"`
	Port             int32    `xml:"Port,omitempty"`
	VpcID            string   `xml:"VpcId,omitempty"`
	TargetType       string   `xml:"TargetType"`
	LoadBalancerArns []string `xml:"LoadBalancerArns>member"`
}
