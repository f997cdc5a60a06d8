package loopback

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// EC2Namespace is the XML namespace of EC2 (API version 2016-11-15)
// responses.
const EC2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

const ec2Version = "2016-11-15"

// AutoScalingGroupTag is the tag key that Amazon EC2 Auto Scaling puts on
// the instances of a group, with the group's name as the value.
const AutoScalingGroupTag = "aws:autoscaling:groupName"

// InstanceState is the state name of an EC2 instance.
type InstanceState string

// The instance states of the EC2 API.
const (
	InstanceStatePending      InstanceState = "pending"
	InstanceStateRunning      InstanceState = "running"
	InstanceStateShuttingDown InstanceState = "shutting-down"
	InstanceStateTerminated   InstanceState = "terminated"
	InstanceStateStopping     InstanceState = "stopping"
	InstanceStateStopped      InstanceState = "stopped"
)

// Code returns the state's numeric code as the EC2 API reports it, such as
// 16 for running, or -1 for a name that is not an instance state.
func (s InstanceState) Code() int32 {
	switch s {
	case InstanceStatePending:
		return 0
	case InstanceStateRunning:
		return 16
	case InstanceStateShuttingDown:
		return 32
	case InstanceStateTerminated:
		return 48
	case InstanceStateStopping:
		return 64
	case InstanceStateStopped:
		return 80
	default:
		return -1
	}
}

// settled returns the state that a transitional state ends in, and the
// state itself for the other states.
func (s InstanceState) settled() InstanceState {
	switch s {
	case InstanceStatePending:
		return InstanceStateRunning
	case InstanceStateShuttingDown:
		return InstanceStateTerminated
	case InstanceStateStopping:
		return InstanceStateStopped
	default:
		return s
	}
}

// Instance is an EC2 instance.
type Instance struct {
	// ID is generated as "i-" and 17 hexadecimal digits when empty.
	ID string
	// ReservationID is generated as "r-" and 17 hexadecimal digits when
	// empty. Each instance has a reservation of its own.
	ReservationID string
	// State is the instance state. Empty means running.
	State            InstanceState
	PrivateIPAddress string
	SubnetID         string
	VPCID            string
	// AvailabilityZone is the zone of the instance. Empty means the
	// server's region with the suffix "a", such as "eu-west-1a".
	AvailabilityZone string
	// InstanceType is the instance type. Empty means "t3.micro".
	InstanceType string
	// Tags are the instance's tags. An instance in an Auto Scaling group
	// has the tag AutoScalingGroupTag.
	Tags map[string]string
	// DisableAPITermination is the disableApiTermination attribute
	// (termination protection). When set, TerminateInstances rejects the
	// instance.
	DisableAPITermination bool
	// DisableAPIStop is the disableApiStop attribute (stop protection).
	// When set, StopInstances rejects the instance.
	DisableAPIStop bool
}

// Address is an Elastic IP address in a VPC.
type Address struct {
	// AllocationID is generated as "eipalloc-" and 17 hexadecimal digits
	// when empty.
	AllocationID string
	// PublicIP is the IPv4 address. It is required.
	PublicIP string
	// AssociationID is the ID of the association with an instance or a
	// network interface, such as "eipassoc-0123456789abcdef0". It stays
	// empty unless set, and then the address is not associated.
	AssociationID      string
	InstanceID         string
	NetworkInterfaceID string
	PrivateIPAddress   string
	Tags               map[string]string
}

// EndpointService is the configuration of a VPC endpoint service (an AWS
// PrivateLink service) in front of Network or Gateway Load Balancers.
type EndpointService struct {
	// ID is generated as "vpce-svc-" and 17 hexadecimal digits when empty.
	ID string
	// Name is generated as "com.amazonaws.vpce.REGION.ID" when empty.
	Name string
	// NetworkLoadBalancerARNs are the Network Load Balancers of an
	// interface endpoint service.
	NetworkLoadBalancerARNs []string
	// GatewayLoadBalancerARNs are the Gateway Load Balancers of a gateway
	// load balancer endpoint service. A service has either Network or
	// Gateway Load Balancers.
	GatewayLoadBalancerARNs []string
	// State is Pending, Available, Deleting, Deleted or Failed. Empty means
	// Available.
	State string
	// AcceptanceRequired is whether the service owner must accept each
	// endpoint connection.
	AcceptanceRequired bool
	Tags               map[string]string
}

// endpointServiceStates are the service states of the EC2 API.
var endpointServiceStates = []string{"Pending", "Available", "Deleting", "Deleted", "Failed"}

// EC2 stores instances, Elastic IP addresses and VPC endpoint service
// configurations and serves them over the ec2query protocol. Its methods
// are safe for concurrent use, and responses list resources in the order
// they were added.
type EC2 struct {
	// Faults are applied to each request before the handler responds.
	// Fault.Action matches the action name, such as "TerminateInstances".
	Faults Faults

	region    string
	accountID string

	mu               sync.Mutex
	instances        []Instance
	addresses        []Address
	endpointServices []EndpointService
	calls            map[string]int
}

// NewEC2 returns an empty EC2 whose generated availability zones, service
// names and owner IDs use region and accountID.
func NewEC2(region, accountID string) *EC2 {
	return &EC2{region: region, accountID: accountID, calls: map[string]int{}}
}

// AddInstance stores instance with defaults for its empty fields and
// returns the stored value. It returns an error when the ID is taken or
// malformed, the state is unknown or the private IP address is invalid.
func (e *EC2) AddInstance(instance Instance) (Instance, error) {
	if instance.ID == "" {
		instance.ID = "i-" + randomHex(9)[:17]
	}
	if !isInstanceID(instance.ID) {
		return Instance{}, fmt.Errorf("add instance %q: invalid ID, want \"i-\" and 8 or 17 hexadecimal digits", instance.ID)
	}
	if instance.ReservationID == "" {
		instance.ReservationID = "r-" + randomHex(9)[:17]
	}
	if instance.State == "" {
		instance.State = InstanceStateRunning
	}
	if instance.State.Code() < 0 {
		return Instance{}, fmt.Errorf("add instance %s: unknown state %q", instance.ID, instance.State)
	}
	if instance.PrivateIPAddress != "" {
		if _, err := netip.ParseAddr(instance.PrivateIPAddress); err != nil {
			return Instance{}, fmt.Errorf("add instance %s: invalid private IP address: %w", instance.ID, err)
		}
	}
	if instance.AvailabilityZone == "" {
		instance.AvailabilityZone = e.region + "a"
	}
	if instance.InstanceType == "" {
		instance.InstanceType = "t3.micro"
	}
	instance.Tags = maps.Clone(instance.Tags)

	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.instanceIndex(instance.ID); ok {
		return Instance{}, fmt.Errorf("add instance: ID %s is already taken", instance.ID)
	}
	e.instances = append(e.instances, instance)
	return cloneInstance(instance), nil
}

// Instances returns a copy of every instance in the order they were added.
// It does not complete transitions, so an instance that TerminateInstances
// moved to shutting-down stays shutting-down until the next
// DescribeInstances.
func (e *EC2) Instances() []Instance {
	e.mu.Lock()
	defer e.mu.Unlock()
	instances := make([]Instance, len(e.instances))
	for i, instance := range e.instances {
		instances[i] = cloneInstance(instance)
	}
	return instances
}

// Instance returns a copy of the instance with the ID, and false when there
// is none.
func (e *EC2) Instance(id string) (Instance, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, ok := e.instanceIndex(id)
	if !ok {
		return Instance{}, false
	}
	return cloneInstance(e.instances[i]), true
}

// instanceIndex must be called with e.mu held.
func (e *EC2) instanceIndex(id string) (int, bool) {
	i := slices.IndexFunc(e.instances, func(instance Instance) bool { return instance.ID == id })
	return i, i >= 0
}

// AddAddress stores address with defaults for its empty fields and returns
// the stored value. It returns an error when the public IP address is
// missing, invalid or taken, or the allocation ID is taken.
func (e *EC2) AddAddress(address Address) (Address, error) {
	ip, err := netip.ParseAddr(address.PublicIP)
	if err != nil || !ip.Is4() {
		return Address{}, fmt.Errorf("add address: invalid public IP %q, want an IPv4 address", address.PublicIP)
	}
	if address.AllocationID == "" {
		address.AllocationID = "eipalloc-" + randomHex(9)[:17]
	}
	address.Tags = maps.Clone(address.Tags)

	e.mu.Lock()
	defer e.mu.Unlock()
	for _, existing := range e.addresses {
		if existing.PublicIP == address.PublicIP {
			return Address{}, fmt.Errorf("add address: public IP %s is already taken by %s", address.PublicIP, existing.AllocationID)
		}
		if existing.AllocationID == address.AllocationID {
			return Address{}, fmt.Errorf("add address %s: allocation ID %s is already taken", address.PublicIP, address.AllocationID)
		}
	}
	e.addresses = append(e.addresses, address)
	return cloneAddress(address), nil
}

// Addresses returns a copy of every Elastic IP address in the order they
// were added.
func (e *EC2) Addresses() []Address {
	e.mu.Lock()
	defer e.mu.Unlock()
	addresses := make([]Address, len(e.addresses))
	for i, address := range e.addresses {
		addresses[i] = cloneAddress(address)
	}
	return addresses
}

// AddEndpointService stores service with defaults for its empty fields and
// returns the stored value. It returns an error when the service has no
// load balancers or both kinds, the state is unknown, or the ID or name is
// taken.
func (e *EC2) AddEndpointService(service EndpointService) (EndpointService, error) {
	hasNLB := len(service.NetworkLoadBalancerARNs) > 0
	hasGWLB := len(service.GatewayLoadBalancerARNs) > 0
	if hasNLB == hasGWLB {
		return EndpointService{}, fmt.Errorf("add endpoint service %q: set exactly one of NetworkLoadBalancerARNs and GatewayLoadBalancerARNs", service.ID)
	}
	if service.ID == "" {
		service.ID = "vpce-svc-" + randomHex(9)[:17]
	}
	if service.Name == "" {
		service.Name = fmt.Sprintf("com.amazonaws.vpce.%s.%s", e.region, service.ID)
	}
	if service.State == "" {
		service.State = "Available"
	}
	if !slices.Contains(endpointServiceStates, service.State) {
		return EndpointService{}, fmt.Errorf("add endpoint service %s: unknown state %q, want one of %s",
			service.ID, service.State, strings.Join(endpointServiceStates, ", "))
	}
	service = cloneEndpointService(service)

	e.mu.Lock()
	defer e.mu.Unlock()
	for _, existing := range e.endpointServices {
		if existing.ID == service.ID {
			return EndpointService{}, fmt.Errorf("add endpoint service: ID %s is already taken", service.ID)
		}
		if existing.Name == service.Name {
			return EndpointService{}, fmt.Errorf("add endpoint service %s: name %s is already taken by %s", service.ID, service.Name, existing.ID)
		}
	}
	e.endpointServices = append(e.endpointServices, service)
	return cloneEndpointService(service), nil
}

// EndpointServices returns a copy of every VPC endpoint service
// configuration in the order they were added.
func (e *EC2) EndpointServices() []EndpointService {
	e.mu.Lock()
	defer e.mu.Unlock()
	services := make([]EndpointService, len(e.endpointServices))
	for i, service := range e.endpointServices {
		services[i] = cloneEndpointService(service)
	}
	return services
}

// Calls returns the number of requests for action, such as
// "TerminateInstances", that reached the server, including requests that
// got an injected fault.
func (e *EC2) Calls(action string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[action]
}

// ServeHTTP handles an ec2query request. It supports DescribeInstances,
// DescribeInstanceAttribute, TerminateInstances, StopInstances,
// DescribeAddresses and DescribeVpcEndpointServiceConfigurations, and
// rejects other actions with InvalidAction. It does not check request
// signatures, and it ignores DryRun.
func (e *EC2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	errorFormat := ec2ErrorFormat()
	query, err := parseAWSQuery(r)
	if err != nil {
		errorFormat.Write(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	if version := query.Get("Version"); version != ec2Version {
		errorFormat.Write(w, http.StatusBadRequest, "InvalidParameterValue",
			fmt.Sprintf("Version %q is not supported, want %s", version, ec2Version))
		return
	}

	e.mu.Lock()
	e.calls[query.Action]++
	e.mu.Unlock()

	e.Faults.Serve(w, r, query.Action, errorFormat, func(w http.ResponseWriter) {
		var result ec2Result
		var apiErr *apiError
		switch query.Action {
		case "DescribeInstances":
			result, apiErr = e.describeInstances(query)
		case "DescribeInstanceAttribute":
			result, apiErr = e.describeInstanceAttribute(query)
		case "TerminateInstances":
			result, apiErr = e.terminateInstances(query)
		case "StopInstances":
			result, apiErr = e.stopInstances(query)
		case "DescribeAddresses":
			result, apiErr = e.describeAddresses(query)
		case "DescribeVpcEndpointServiceConfigurations":
			result, apiErr = e.describeEndpointServices(query)
		default:
			apiErr = &apiError{status: http.StatusBadRequest, code: "InvalidAction",
				message: fmt.Sprintf("The action %s is not valid for this web service.", query.Action)}
		}
		if apiErr != nil {
			apiErr.write(w, errorFormat)
			return
		}
		writeEC2Result(w, query.Action, result)
	})
}

// ec2ErrorFormat returns the ErrorFormat of the ec2query protocol. EC2
// throttles with the code RequestLimitExceeded and HTTP 503, which the
// SDK's standard retryer (aws-sdk-go-v2 v1.48.0) retries as a throttling
// error.
func ec2ErrorFormat() ErrorFormat {
	return ErrorFormat{
		ThrottlingCode:   "RequestLimitExceeded",
		ThrottlingStatus: http.StatusServiceUnavailable,
		Write:            writeEC2Error,
	}
}

// ec2ErrorResponse is the ec2query error body:
// <Response><Errors><Error><Code><Message></Error></Errors><RequestID>.
type ec2ErrorResponse struct {
	XMLName   xml.Name        `xml:"Response"`
	Errors    []ec2ErrorEntry `xml:"Errors>Error"`
	RequestID string          `xml:"RequestID"`
}

type ec2ErrorEntry struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func writeEC2Error(w http.ResponseWriter, status int, code, message string) {
	requestID := newRequestID()
	body, err := xml.Marshal(ec2ErrorResponse{
		Errors:    []ec2ErrorEntry{{Code: code, Message: message}},
		RequestID: requestID,
	})
	if err != nil {
		// The error body contains only strings, which always encode.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeXML(w, status, requestID, body)
}

// ec2ResponseHeader is the first element of every successful ec2query
// response. Each output type embeds it.
type ec2ResponseHeader struct {
	RequestID string `xml:"requestId"`
}

func (h *ec2ResponseHeader) setRequestID(id string) { h.RequestID = id }

// ec2Result is a pointer to an output type, whose fields are the elements
// inside ACTIONResponse.
type ec2Result interface {
	setRequestID(id string)
}

// writeEC2Result sends result as the response to action, in the root
// element ACTIONResponse.
func writeEC2Result(w http.ResponseWriter, action string, result ec2Result) {
	requestID := newRequestID()
	result.setRequestID(requestID)
	var body bytes.Buffer
	encoder := xml.NewEncoder(&body)
	root := xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: EC2Namespace}},
	}
	if err := encoder.EncodeElement(result, root); err != nil {
		writeEC2Error(w, http.StatusInternalServerError, "InternalError", fmt.Sprintf("encode %s response: %v", action, err))
		return
	}
	writeXML(w, http.StatusOK, requestID, body.Bytes())
}

func cloneInstance(instance Instance) Instance {
	instance.Tags = maps.Clone(instance.Tags)
	return instance
}

func cloneAddress(address Address) Address {
	address.Tags = maps.Clone(address.Tags)
	return address
}

func cloneEndpointService(service EndpointService) EndpointService {
	service.NetworkLoadBalancerARNs = slices.Clone(service.NetworkLoadBalancerARNs)
	service.GatewayLoadBalancerARNs = slices.Clone(service.GatewayLoadBalancerARNs)
	service.Tags = maps.Clone(service.Tags)
	return service
}
