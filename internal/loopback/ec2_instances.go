package loopback

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// instanceFilterNames are the DescribeInstances filters that the server
// supports, besides "tag:KEY" and "tag-key".
var instanceFilterNames = []string{
	"instance-id", "instance-state-name", "instance-state-code", "instance-type",
	"availability-zone", "private-ip-address", "subnet-id", "vpc-id", "reservation-id",
}

// isInstanceID reports whether id has the form of an instance ID, which is
// "i-" and 8 or 17 lowercase hexadecimal digits.
func isInstanceID(id string) bool {
	digits, ok := strings.CutPrefix(id, "i-")
	if !ok || (len(digits) != 8 && len(digits) != 17) {
		return false
	}
	return strings.Trim(digits, "0123456789abcdef") == ""
}

// instanceFilterValues returns the instance's values for a filter name.
func instanceFilterValues(instance Instance, name string) []string {
	switch name {
	case "instance-id":
		return []string{instance.ID}
	case "instance-state-name":
		return []string{string(instance.State)}
	case "instance-state-code":
		return []string{strconv.Itoa(int(instance.State.Code()))}
	case "instance-type":
		return []string{instance.InstanceType}
	case "availability-zone":
		return []string{instance.AvailabilityZone}
	case "private-ip-address":
		return []string{instance.PrivateIPAddress}
	case "subnet-id":
		return []string{instance.SubnetID}
	case "vpc-id":
		return []string{instance.VPCID}
	case "reservation-id":
		return []string{instance.ReservationID}
	default:
		return tagFilterValues(instance.Tags, name)
	}
}

// requestedInstanceIDs returns the request's InstanceId.N list without
// duplicates. A malformed ID is InvalidInstanceID.Malformed.
func requestedInstanceIDs(query awsQueryRequest) ([]string, *apiError) {
	var ids []string
	for _, id := range query.flatList("InstanceId") {
		if apiErr := checkInstanceID(id); apiErr != nil {
			return nil, apiErr
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// checkInstanceID returns InvalidInstanceID.Malformed when id does not
// have the form of an instance ID.
func checkInstanceID(id string) *apiError {
	if isInstanceID(id) {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, code: "InvalidInstanceID.Malformed",
		message: fmt.Sprintf("Invalid id: \"%s\" (expecting \"i-...\")", id)}
}

// instanceIndexes returns the indexes of the instances with ids, in the
// order of ids. An ID that no instance has is InvalidInstanceID.NotFound,
// which names every missing ID. It must be called with e.mu held.
func (e *EC2) instanceIndexes(ids []string) ([]int, *apiError) {
	var indexes []int
	var missing []string
	for _, id := range ids {
		if i, ok := e.instanceIndex(id); ok {
			indexes = append(indexes, i)
		} else {
			missing = append(missing, id)
		}
	}
	switch len(missing) {
	case 0:
		return indexes, nil
	case 1:
		return nil, &apiError{status: http.StatusBadRequest, code: "InvalidInstanceID.NotFound",
			message: fmt.Sprintf("The instance ID '%s' does not exist", missing[0])}
	default:
		return nil, &apiError{status: http.StatusBadRequest, code: "InvalidInstanceID.NotFound",
			message: fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", "))}
	}
}

// settleInstances completes every transition. Pending becomes running,
// stopping becomes stopped and shutting-down becomes terminated. It must be
// called with e.mu held.
func (e *EC2) settleInstances() {
	for i := range e.instances {
		e.instances[i].State = e.instances[i].State.settled()
	}
}

// describeInstances serves DescribeInstances. Each instance is in a
// reservation of its own. It first completes every transition, so an
// instance that a TerminateInstances call moved to shutting-down is
// terminated in this and every later response.
func (e *EC2) describeInstances(query awsQueryRequest) (ec2Result, *apiError) {
	ids, apiErr := requestedInstanceIDs(query)
	if apiErr != nil {
		return nil, apiErr
	}
	if len(ids) > 0 && query.Get("MaxResults") != "" {
		return nil, &apiError{status: http.StatusBadRequest, code: "InvalidParameterCombination",
			message: "The parameter instancesSet cannot be used with the parameter maxResults"}
	}
	filters, apiErr := parseEC2Filters(query, filterNames(true, instanceFilterNames...))
	if apiErr != nil {
		return nil, apiErr
	}

	e.mu.Lock()
	e.settleInstances()
	var selected []Instance
	if len(ids) > 0 {
		indexes, apiErr := e.instanceIndexes(ids)
		if apiErr != nil {
			e.mu.Unlock()
			return nil, apiErr
		}
		slices.Sort(indexes)
		for _, i := range indexes {
			selected = append(selected, cloneInstance(e.instances[i]))
		}
	} else {
		for _, instance := range e.instances {
			selected = append(selected, cloneInstance(instance))
		}
	}
	e.mu.Unlock()

	var matches []Instance
	for _, instance := range selected {
		if matchesEC2Filters(filters, func(name string) []string { return instanceFilterValues(instance, name) }) {
			matches = append(matches, instance)
		}
	}
	page, nextToken, apiErr := pageEC2(query, matches, fingerprint(ids, filters), false)
	if apiErr != nil {
		return nil, apiErr
	}

	result := describeInstancesXML{NextToken: nextToken}
	for _, instance := range page {
		result.Reservations = append(result.Reservations, reservationXML{
			ReservationID: instance.ReservationID,
			OwnerID:       e.accountID,
			Instances:     []instanceXML{newInstanceXML(instance)},
		})
	}
	return &result, nil
}

func newInstanceXML(instance Instance) instanceXML {
	return instanceXML{
		InstanceID:       instance.ID,
		InstanceType:     instance.InstanceType,
		Placement:        placementXML{AvailabilityZone: instance.AvailabilityZone},
		PrivateIPAddress: instance.PrivateIPAddress,
		SubnetID:         instance.SubnetID,
		VPCID:            instance.VPCID,
		State:            newInstanceStateXML(instance.State),
		Tags:             tagSetXML(instance.Tags),
	}
}

func newInstanceStateXML(state InstanceState) instanceStateXML {
	return instanceStateXML{Code: state.Code(), Name: string(state)}
}

// describeInstanceAttribute serves DescribeInstanceAttribute for the
// attributes disableApiTermination, disableApiStop and instanceType. The
// other attributes of the EC2 API are InvalidParameterValue.
func (e *EC2) describeInstanceAttribute(query awsQueryRequest) (ec2Result, *apiError) {
	id := query.Get("InstanceId")
	attribute := query.Get("Attribute")
	if id == "" {
		return nil, missingParameter("InstanceId")
	}
	if attribute == "" {
		return nil, missingParameter("Attribute")
	}
	if apiErr := checkInstanceID(id); apiErr != nil {
		return nil, apiErr
	}

	e.mu.Lock()
	indexes, apiErr := e.instanceIndexes([]string{id})
	var instance Instance
	if apiErr == nil {
		instance = cloneInstance(e.instances[indexes[0]])
	}
	e.mu.Unlock()
	if apiErr != nil {
		return nil, apiErr
	}

	result := describeInstanceAttributeXML{InstanceID: instance.ID}
	switch attribute {
	case "disableApiTermination":
		result.DisableAPITermination = &booleanValueXML{Value: instance.DisableAPITermination}
	case "disableApiStop":
		result.DisableAPIStop = &booleanValueXML{Value: instance.DisableAPIStop}
	case "instanceType":
		result.InstanceType = &stringValueXML{Value: instance.InstanceType}
	default:
		return nil, invalidParameterValue("Value (%s) for parameter attribute is invalid. "+
			"The loopback server supports disableApiTermination, disableApiStop and instanceType.", attribute)
	}
	return &result, nil
}

// terminateInstances serves TerminateInstances. It moves each instance
// that is not yet shutting down to shutting-down, and the next
// DescribeInstances shows it terminated. Terminating a terminated instance
// succeeds and changes nothing.
//
// A malformed or unknown ID fails the request and terminates nothing, as
// the EC2 API reference documents. An instance with termination protection
// fails the request with OperationNotPermitted. As documented there, the
// requested instances in the protected instance's availability zone are
// not terminated, and those in the other zones are.
func (e *EC2) terminateInstances(query awsQueryRequest) (ec2Result, *apiError) {
	ids, apiErr := requestedInstanceIDs(query)
	if apiErr != nil {
		return nil, apiErr
	}
	if len(ids) == 0 {
		return nil, missingParameter("InstanceId")
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	indexes, apiErr := e.instanceIndexes(ids)
	if apiErr != nil {
		return nil, apiErr
	}

	var protected []string
	var protectedZones []string
	for _, i := range indexes {
		instance := e.instances[i]
		if instance.DisableAPITermination && instance.State != InstanceStateTerminated {
			protected = append(protected, instance.ID)
			protectedZones = append(protectedZones, instance.AvailabilityZone)
		}
	}

	var result instanceStateChangesXML
	for _, i := range indexes {
		instance := &e.instances[i]
		if slices.Contains(protectedZones, instance.AvailabilityZone) {
			continue
		}
		previous := instance.State
		if previous != InstanceStateTerminated {
			instance.State = InstanceStateShuttingDown
		}
		result.Instances = append(result.Instances, newStateChangeXML(instance.ID, previous, instance.State))
	}

	if len(protected) > 0 {
		return nil, &apiError{status: http.StatusBadRequest, code: "OperationNotPermitted",
			message: fmt.Sprintf("The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.",
				strings.Join(protected, ", "))}
	}
	return &result, nil
}

// stopInstances serves StopInstances. It moves running instances to
// stopping, and the next DescribeInstances shows them stopped. Stopping a
// stopping or stopped instance succeeds and changes nothing. It ignores
// Force and Hibernate.
//
// NOTE: the request fails as a whole and stops nothing when one instance
// has stop protection (OperationNotPermitted) or is pending, shutting
// down or terminated (IncorrectInstanceState). The EC2 API reference does
// not say how EC2 treats such a mixed list.
func (e *EC2) stopInstances(query awsQueryRequest) (ec2Result, *apiError) {
	ids, apiErr := requestedInstanceIDs(query)
	if apiErr != nil {
		return nil, apiErr
	}
	if len(ids) == 0 {
		return nil, missingParameter("InstanceId")
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	indexes, apiErr := e.instanceIndexes(ids)
	if apiErr != nil {
		return nil, apiErr
	}

	for _, i := range indexes {
		instance := e.instances[i]
		switch instance.State {
		case InstanceStatePending, InstanceStateShuttingDown, InstanceStateTerminated:
			return nil, &apiError{status: http.StatusBadRequest, code: "IncorrectInstanceState",
				message: fmt.Sprintf("This instance '%s' is not in a state from which it can be stopped.", instance.ID)}
		case InstanceStateRunning:
			if instance.DisableAPIStop {
				return nil, &apiError{status: http.StatusBadRequest, code: "OperationNotPermitted",
					message: fmt.Sprintf("The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", instance.ID)}
			}
		}
	}

	var result instanceStateChangesXML
	for _, i := range indexes {
		instance := &e.instances[i]
		previous := instance.State
		if previous == InstanceStateRunning {
			instance.State = InstanceStateStopping
		}
		result.Instances = append(result.Instances, newStateChangeXML(instance.ID, previous, instance.State))
	}
	return &result, nil
}

func newStateChangeXML(id string, previous, current InstanceState) instanceStateChangeXML {
	return instanceStateChangeXML{
		InstanceID:    id,
		PreviousState: newInstanceStateXML(previous),
		CurrentState:  newInstanceStateXML(current),
	}
}

// The types below are the XML shapes of the instance outputs. Element
// names follow the SDK's ec2query deserializers, and lists wrap each
// member in <item>.

type describeInstancesXML struct {
	ec2ResponseHeader
	Reservations []reservationXML `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

type reservationXML struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []instanceXML `xml:"instancesSet>item"`
}

type instanceXML struct {
	InstanceID       string           `xml:"instanceId"`
	InstanceType     string           `xml:"instanceType"`
	Placement        placementXML     `xml:"placement"`
	PrivateIPAddress string           `xml:"privateIpAddress,omitempty"`
	SubnetID         string           `xml:"subnetId,omitempty"`
	VPCID            string           `xml:"vpcId,omitempty"`
	State            instanceStateXML `xml:"instanceState"`
	Tags             []ec2TagXML      `xml:"tagSet>item"`
}

type placementXML struct {
	AvailabilityZone string `xml:"availabilityZone"`
}

type instanceStateXML struct {
	Code int32  `xml:"code"`
	Name string `xml:"name"`
}

type describeInstanceAttributeXML struct {
	ec2ResponseHeader
	InstanceID            string           `xml:"instanceId"`
	DisableAPITermination *booleanValueXML `xml:"disableApiTermination,omitempty"`
	DisableAPIStop        *booleanValueXML `xml:"disableApiStop,omitempty"`
	InstanceType          *stringValueXML  `xml:"instanceType,omitempty"`
}

type booleanValueXML struct {
	Value bool `xml:"value"`
}

type stringValueXML struct {
	Value string `xml:"value"`
}

type instanceStateChangesXML struct {
	ec2ResponseHeader
	Instances []instanceStateChangeXML `xml:"instancesSet>item"`
}

type instanceStateChangeXML struct {
	InstanceID    string           `xml:"instanceId"`
	CurrentState  instanceStateXML `xml:"currentState"`
	PreviousState instanceStateXML `xml:"previousState"`
}
