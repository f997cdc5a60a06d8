package loopback

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// addressFilterNames are the DescribeAddresses filters that the server
// supports, besides "tag:KEY" and "tag-key".
var addressFilterNames = []string{
	"allocation-id", "association-id", "domain", "instance-id", "network-interface-id",
	"network-interface-owner-id", "private-ip-address", "public-ip",
}

// endpointServiceFilterNames are the DescribeVpcEndpointServiceConfigurations
// filters that the server supports, besides "tag:KEY" and "tag-key".
var endpointServiceFilterNames = []string{"service-id", "service-name", "service-state"}

// addressFilterValues returns the address's values for a filter name. An
// empty field has no value, so a filter on it matches nothing.
func (e *EC2) addressFilterValues(address Address, name string) []string {
	var value string
	switch name {
	case "allocation-id":
		value = address.AllocationID
	case "association-id":
		value = address.AssociationID
	case "domain":
		value = "vpc"
	case "instance-id":
		value = address.InstanceID
	case "network-interface-id":
		value = address.NetworkInterfaceID
	case "network-interface-owner-id":
		if address.NetworkInterfaceID != "" {
			value = e.accountID
		}
	case "private-ip-address":
		value = address.PrivateIPAddress
	case "public-ip":
		value = address.PublicIP
	default:
		return tagFilterValues(address.Tags, name)
	}
	if value == "" {
		return nil
	}
	return []string{value}
}

// describeAddresses serves DescribeAddresses, which the EC2 API does not
// page. An AllocationId.N that no address has is
// InvalidAllocationID.NotFound, and a PublicIp.N that no address has is
// InvalidAddress.NotFound.
func (e *EC2) describeAddresses(query awsQueryRequest) (ec2Result, *apiError) {
	allocationIDs := query.flatList("AllocationId")
	publicIPs := query.flatList("PublicIp")
	filters, apiErr := parseEC2Filters(query, filterNames(true, addressFilterNames...))
	if apiErr != nil {
		return nil, apiErr
	}

	e.mu.Lock()
	addresses := make([]Address, len(e.addresses))
	for i, address := range e.addresses {
		addresses[i] = cloneAddress(address)
	}
	e.mu.Unlock()

	for _, id := range allocationIDs {
		if !slices.ContainsFunc(addresses, func(a Address) bool { return a.AllocationID == id }) {
			return nil, &apiError{status: http.StatusBadRequest, code: "InvalidAllocationID.NotFound",
				message: fmt.Sprintf("The allocation ID '%s' does not exist", id)}
		}
	}
	for _, ip := range publicIPs {
		if !slices.ContainsFunc(addresses, func(a Address) bool { return a.PublicIP == ip }) {
			return nil, &apiError{status: http.StatusBadRequest, code: "InvalidAddress.NotFound",
				message: fmt.Sprintf("Address '%s' not found.", ip)}
		}
	}

	var result describeAddressesXML
	for _, address := range addresses {
		if len(allocationIDs) > 0 && !slices.Contains(allocationIDs, address.AllocationID) {
			continue
		}
		if len(publicIPs) > 0 && !slices.Contains(publicIPs, address.PublicIP) {
			continue
		}
		if !matchesEC2Filters(filters, func(name string) []string { return e.addressFilterValues(address, name) }) {
			continue
		}
		item := addressXML{
			AllocationID:       address.AllocationID,
			AssociationID:      address.AssociationID,
			Domain:             "vpc",
			InstanceID:         address.InstanceID,
			NetworkInterfaceID: address.NetworkInterfaceID,
			PrivateIPAddress:   address.PrivateIPAddress,
			PublicIP:           address.PublicIP,
			Tags:               tagSetXML(address.Tags),
		}
		if address.NetworkInterfaceID != "" {
			item.NetworkInterfaceOwnerID = e.accountID
		}
		result.Addresses = append(result.Addresses, item)
	}
	return &result, nil
}

// endpointServiceFilterValues returns the service's values for a filter
// name.
func endpointServiceFilterValues(service EndpointService, name string) []string {
	switch name {
	case "service-id":
		return []string{service.ID}
	case "service-name":
		return []string{service.Name}
	case "service-state":
		return []string{service.State}
	default:
		return tagFilterValues(service.Tags, name)
	}
}

// describeEndpointServices serves DescribeVpcEndpointServiceConfigurations.
//
// NOTE: a ServiceId.N that no service has is
// InvalidVpcEndpointServiceId.NotFound. The code is from the EC2 error code
// list, and the message is a guess.
func (e *EC2) describeEndpointServices(query awsQueryRequest) (ec2Result, *apiError) {
	ids := query.flatList("ServiceId")
	filters, apiErr := parseEC2Filters(query, filterNames(true, endpointServiceFilterNames...))
	if apiErr != nil {
		return nil, apiErr
	}

	services := e.EndpointServices()
	var missing []string
	for _, id := range ids {
		if !slices.ContainsFunc(services, func(s EndpointService) bool { return s.ID == id }) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, &apiError{status: http.StatusBadRequest, code: "InvalidVpcEndpointServiceId.NotFound",
			message: fmt.Sprintf("The VPC endpoint service IDs '%s' do not exist", strings.Join(missing, ", "))}
	}

	var matches []EndpointService
	for _, service := range services {
		if len(ids) > 0 && !slices.Contains(ids, service.ID) {
			continue
		}
		if matchesEC2Filters(filters, func(name string) []string { return endpointServiceFilterValues(service, name) }) {
			matches = append(matches, service)
		}
	}
	page, nextToken, apiErr := pageEC2(query, matches, fingerprint(ids, filters), true)
	if apiErr != nil {
		return nil, apiErr
	}

	result := describeEndpointServicesXML{NextToken: nextToken}
	for _, service := range page {
		serviceType := "Interface"
		if len(service.GatewayLoadBalancerARNs) > 0 {
			serviceType = "GatewayLoadBalancer"
		}
		result.Services = append(result.Services, endpointServiceXML{
			ServiceID:               service.ID,
			ServiceName:             service.Name,
			ServiceState:            service.State,
			ServiceType:             []serviceTypeXML{{ServiceType: serviceType}},
			AcceptanceRequired:      service.AcceptanceRequired,
			NetworkLoadBalancerARNs: service.NetworkLoadBalancerARNs,
			GatewayLoadBalancerARNs: service.GatewayLoadBalancerARNs,
			Tags:                    tagSetXML(service.Tags),
		})
	}
	return &result, nil
}

// The types below are the XML shapes of the address and endpoint service
// outputs. Element names follow the SDK's ec2query deserializers, and lists
// wrap each member in <item>.

type describeAddressesXML struct {
	ec2ResponseHeader
	Addresses []addressXML `xml:"addressesSet>item"`
}

type addressXML struct {
	AllocationID            string      `xml:"allocationId"`
	AssociationID           string      `xml:"associationId,omitempty"`
	Domain                  string      `xml:"domain"`
	InstanceID              string      `xml:"instanceId,omitempty"`
	NetworkInterfaceID      string      `xml:"networkInterfaceId,omitempty"`
	NetworkInterfaceOwnerID string      `xml:"networkInterfaceOwnerId,omitempty"`
	PrivateIPAddress        string      `xml:"privateIpAddress,omitempty"`
	PublicIP                string      `xml:"publicIp"`
	Tags                    []ec2TagXML `xml:"tagSet>item"`
}

type describeEndpointServicesXML struct {
	ec2ResponseHeader
	Services  []endpointServiceXML `xml:"serviceConfigurationSet>item"`
	NextToken string               `xml:"nextToken,omitempty"`
}

type endpointServiceXML struct {
	ServiceID               string           `xml:"serviceId"`
	ServiceName             string           `xml:"serviceName"`
	ServiceState            string           `xml:"serviceState"`
	ServiceType             []serviceTypeXML `xml:"serviceType>item"`
	AcceptanceRequired      bool             `xml:"acceptanceRequired"`
	NetworkLoadBalancerARNs []string         `xml:"networkLoadBalancerArnSet>item"`
	GatewayLoadBalancerARNs []string         `xml:"gatewayLoadBalancerArnSet>item"`
	Tags                    []ec2TagXML      `xml:"tagSet>item"`
}

type serviceTypeXML struct {
	ServiceType string `xml:"serviceType"`
}
