package loopback

import (
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// listenerProtocols are the protocols of the ProtocolEnum in the ELBv2 API
// (aws-sdk-go-v2 elasticloadbalancingv2 v1.64.0).
var listenerProtocols = []string{"HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC"}

// Listener is an Elastic Load Balancing v2 listener.
type Listener struct {
	// ARN is generated from the load balancer's ARN when empty.
	ARN string
	// LoadBalancerARN is the listener's load balancer, which must already
	// be added.
	LoadBalancerARN string
	// Protocol is a ProtocolEnum value such as "HTTPS".
	Protocol string
	// Port is from 1 to 65535.
	Port int32
	// MutualAuthentication is the mutual TLS configuration. Nil leaves it
	// out of DescribeListeners responses.
	MutualAuthentication *MutualAuthentication
	// Attributes are the key/value pairs that DescribeListenerAttributes
	// returns, in key order.
	Attributes map[string]string
	// Tags are the tags that DescribeTags returns, in key order.
	Tags map[string]string
}

// MutualAuthentication is the mutual TLS configuration of a listener.
type MutualAuthentication struct {
	// Mode is "off", "passthrough" or "verify". Empty means "off".
	Mode string
	// TrustStoreARN is required in verify mode and must be empty in the
	// other modes. It must name an added trust store, unless
	// TrustStoreAssociationStatus is "removed".
	TrustStoreARN                 string
	IgnoreClientCertificateExpiry bool
	// TrustStoreAssociationStatus is "active", "removed" or empty, and an
	// empty value is left out of responses.
	TrustStoreAssociationStatus string
	// AdvertiseTrustStoreCaNames is "on", "off" or empty, and an empty
	// value is left out of responses.
	AdvertiseTrustStoreCaNames string
}

// AddListener stores l with defaults for its empty fields and returns the
// stored value. It returns an error when the load balancer or trust store
// is not stored, the protocol, port or mutual TLS settings are invalid,
// or the ARN or the load balancer's port is taken.
func (e *ELBv2) AddListener(l Listener) (Listener, error) {
	if l.LoadBalancerARN == "" {
		return Listener{}, fmt.Errorf("add listener: load balancer ARN is missing")
	}
	if !slices.Contains(listenerProtocols, l.Protocol) {
		return Listener{}, fmt.Errorf("add listener on %s: invalid protocol %q, want one of %s",
			l.LoadBalancerARN, l.Protocol, strings.Join(listenerProtocols, ", "))
	}
	if l.Port < 1 || l.Port > 65535 {
		return Listener{}, fmt.Errorf("add listener on %s: invalid port %d, want 1 to 65535", l.LoadBalancerARN, l.Port)
	}
	if l.MutualAuthentication != nil {
		mtls := *l.MutualAuthentication
		if err := normalizeMutualAuthentication(&mtls, l.Protocol); err != nil {
			return Listener{}, fmt.Errorf("add listener on %s port %d: %w", l.LoadBalancerARN, l.Port, err)
		}
		l.MutualAuthentication = &mtls
	}
	l.Attributes = maps.Clone(l.Attributes)
	l.Tags = maps.Clone(l.Tags)

	e.mu.Lock()
	defer e.mu.Unlock()
	lb, ok := e.loadBalancerByARN(l.LoadBalancerARN)
	if !ok {
		return Listener{}, fmt.Errorf("add listener: load balancer %s not found, add it first", l.LoadBalancerARN)
	}
	if mtls := l.MutualAuthentication; mtls != nil && mtls.TrustStoreARN != "" && mtls.TrustStoreAssociationStatus != "removed" {
		if _, ok := e.trustStoreByARN(mtls.TrustStoreARN); !ok {
			return Listener{}, fmt.Errorf("add listener on %s port %d: trust store %s not found, add it first",
				l.LoadBalancerARN, l.Port, mtls.TrustStoreARN)
		}
	}
	if l.ARN == "" {
		l.ARN = listenerARN(lb, e.region, e.accountID)
	}
	for _, existing := range e.listeners {
		if existing.ARN == l.ARN {
			return Listener{}, fmt.Errorf("add listener on %s: ARN %s is already taken", l.LoadBalancerARN, l.ARN)
		}
		if existing.LoadBalancerARN == l.LoadBalancerARN && existing.Port == l.Port {
			return Listener{}, fmt.Errorf("add listener on %s: port %d is already taken by %s", l.LoadBalancerARN, l.Port, existing.ARN)
		}
	}
	e.listeners = append(e.listeners, l)
	return cloneListener(l), nil
}

// normalizeMutualAuthentication fills in the default mode and checks the
// settings that do not depend on stored state.
func normalizeMutualAuthentication(mtls *MutualAuthentication, protocol string) error {
	if mtls.Mode == "" {
		mtls.Mode = "off"
	}
	switch mtls.Mode {
	case "off", "passthrough":
		if mtls.TrustStoreARN != "" {
			return fmt.Errorf("mutual authentication mode %s takes no trust store, but %s is set", mtls.Mode, mtls.TrustStoreARN)
		}
	case "verify":
		if mtls.TrustStoreARN == "" {
			return fmt.Errorf("mutual authentication mode verify requires a trust store ARN")
		}
	default:
		return fmt.Errorf("invalid mutual authentication mode %q, want off, passthrough or verify", mtls.Mode)
	}
	if mtls.Mode != "off" && protocol != "HTTPS" {
		return fmt.Errorf("mutual authentication mode %s requires protocol HTTPS, not %s", mtls.Mode, protocol)
	}
	switch mtls.TrustStoreAssociationStatus {
	case "", "active", "removed":
	default:
		return fmt.Errorf("invalid trust store association status %q, want active, removed or empty", mtls.TrustStoreAssociationStatus)
	}
	switch mtls.AdvertiseTrustStoreCaNames {
	case "", "on", "off":
	default:
		return fmt.Errorf("invalid AdvertiseTrustStoreCaNames %q, want on, off or empty", mtls.AdvertiseTrustStoreCaNames)
	}
	return nil
}

// listenerARN returns a new ARN in the AWS layout, which puts "listener"
// in place of "loadbalancer" in the load balancer's ARN and appends an ID.
// A load balancer with an ARN in another layout gets one built from its
// type and name.
func listenerARN(lb LoadBalancer, region, accountID string) string {
	id := randomHex(8)
	if prefix, path, ok := strings.Cut(lb.ARN, ":loadbalancer/"); ok {
		return prefix + ":listener/" + path + "/" + id
	}
	arnType := "app"
	if lb.Type == "network" {
		arnType = "net"
	}
	loadBalancerID := randomHex(8)
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/%s/%s/%s/%s", region, accountID, arnType, lb.Name, loadBalancerID, id)
}

func cloneListener(l Listener) Listener {
	if l.MutualAuthentication != nil {
		mtls := *l.MutualAuthentication
		l.MutualAuthentication = &mtls
	}
	l.Attributes = maps.Clone(l.Attributes)
	l.Tags = maps.Clone(l.Tags)
	return l
}

// listenerByARN must be called with e.mu held.
func (e *ELBv2) listenerByARN(arn string) (Listener, bool) {
	for _, l := range e.listeners {
		if l.ARN == arn {
			return l, true
		}
	}
	return Listener{}, false
}

func listenerNotFound(message string) *elbv2Error {
	return &elbv2Error{status: http.StatusBadRequest, code: "ListenerNotFound", message: message}
}

// selectListeners returns the listeners of the request's LoadBalancerArn
// or the ones that its ListenerArns name. The request must use exactly one
// of the two.
func (e *ELBv2) selectListeners(query awsQueryRequest) ([]Listener, *elbv2Error) {
	loadBalancerARN := query.Get("LoadBalancerArn")
	arns := query.List("ListenerArns")
	if loadBalancerARN != "" && len(arns) > 0 {
		return nil, validationError("LoadBalancerArn and ListenerArns cannot be used together")
	}
	if loadBalancerARN == "" && len(arns) == 0 {
		return nil, validationError("LoadBalancerArn and ListenerArns are both missing, specify one of them")
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	var selected []Listener
	if loadBalancerARN != "" {
		if _, ok := e.loadBalancerByARN(loadBalancerARN); !ok {
			return nil, loadBalancerNotFound(fmt.Sprintf("Load balancer '%s' not found", loadBalancerARN))
		}
		for _, l := range e.listeners {
			if l.LoadBalancerARN == loadBalancerARN {
				selected = append(selected, cloneListener(l))
			}
		}
		return selected, nil
	}
	for _, arn := range arns {
		l, ok := e.listenerByARN(arn)
		if !ok {
			return nil, listenerNotFound(fmt.Sprintf("One or more listeners not found: '%s'", arn))
		}
		selected = append(selected, cloneListener(l))
	}
	return selected, nil
}

func (e *ELBv2) describeListeners(w http.ResponseWriter, query awsQueryRequest) {
	selected, apiErr := e.selectListeners(query)
	page, nextMarker, ok := pageOf(e, w, query, selected, apiErr)
	if !ok {
		return
	}

	result := describeListenersResult{NextMarker: nextMarker}
	for _, l := range page {
		item := listenerXML{
			ListenerArn:     l.ARN,
			LoadBalancerArn: l.LoadBalancerARN,
			Port:            l.Port,
			Protocol:        l.Protocol,
		}
		if mtls := l.MutualAuthentication; mtls != nil {
			item.MutualAuthentication = &mutualAuthenticationXML{
				Mode:                          mtls.Mode,
				TrustStoreArn:                 mtls.TrustStoreARN,
				IgnoreClientCertificateExpiry: mtls.IgnoreClientCertificateExpiry,
				TrustStoreAssociationStatus:   mtls.TrustStoreAssociationStatus,
				AdvertiseTrustStoreCaNames:    mtls.AdvertiseTrustStoreCaNames,
			}
		}
		result.Listeners = append(result.Listeners, item)
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

func (e *ELBv2) describeListenerAttributes(w http.ResponseWriter, query awsQueryRequest) {
	arn := query.Get("ListenerArn")
	if arn == "" {
		e.writeError(w, validationError("ListenerArn is missing"))
		return
	}

	e.mu.Lock()
	l, ok := e.listenerByARN(arn)
	attributes := maps.Clone(l.Attributes)
	e.mu.Unlock()
	if !ok {
		e.writeError(w, listenerNotFound(fmt.Sprintf("Listener '%s' not found", arn)))
		return
	}

	var result describeListenerAttributesResult
	for _, key := range slices.Sorted(maps.Keys(attributes)) {
		result.Attributes = append(result.Attributes, listenerAttributeXML{Key: key, Value: attributes[key]})
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

// The types below are the XML shapes of the listener outputs.

type describeListenersResult struct {
	XMLName    xml.Name      `xml:"DescribeListenersResult"`
	Listeners  []listenerXML `xml:"Listeners>member"`
	NextMarker string        `xml:"NextMarker,omitempty"`
}

type listenerXML struct {
	ListenerArn          string                   `xml:"ListenerArn"`
	LoadBalancerArn      string                   `xml:"LoadBalancerArn"`
	Port                 int32                    `xml:"Port"`
	Protocol             string                   `xml:"Protocol"`
	MutualAuthentication *mutualAuthenticationXML `xml:"MutualAuthentication,omitempty"`
}

type mutualAuthenticationXML struct {
	Mode                          string `xml:"Mode"`
	TrustStoreArn                 string `xml:"TrustStoreArn,omitempty"`
	IgnoreClientCertificateExpiry bool   `xml:"IgnoreClientCertificateExpiry"`
	TrustStoreAssociationStatus   string `xml:"TrustStoreAssociationStatus,omitempty"`
	AdvertiseTrustStoreCaNames    string `xml:"AdvertiseTrustStoreCaNames,omitempty"`
}

type describeListenerAttributesResult struct {
	XMLName    xml.Name               `xml:"DescribeListenerAttributesResult"`
	Attributes []listenerAttributeXML `xml:"Attributes>member"`
}

type listenerAttributeXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}
