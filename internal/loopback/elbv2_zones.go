package loopback

import (
	"fmt"
	"slices"
)

// AvailabilityZone is a subnet mapping of a load balancer.
type AvailabilityZone struct {
	// ZoneName is the zone, such as "eu-west-1a".
	ZoneName string
	// SubnetID is the subnet in the zone, such as "subnet-0abc".
	SubnetID string
	// Addresses are the static addresses of a network load balancer in the
	// subnet.
	Addresses []LoadBalancerAddress
}

// LoadBalancerAddress is a static address of a network load balancer in
// one subnet. Empty fields are left out of responses.
type LoadBalancerAddress struct {
	// IPAddress is the public or private IPv4 address.
	IPAddress string
	// AllocationID is the Elastic IP allocation, such as
	// "eipalloc-0abc", of an internet-facing load balancer.
	AllocationID string
	// PrivateIPv4Address is the private address of an internal load
	// balancer.
	PrivateIPv4Address string
}

// checkAvailabilityZones checks that each subnet mapping names its zone
// and subnet and that no zone appears twice. Only a network load balancer
// may have addresses. An Elastic IP requires scheme internet-facing, and
// a private IPv4 address requires scheme internal.
func checkAvailabilityZones(lb LoadBalancer) error {
	seen := map[string]bool{}
	for _, zone := range lb.AvailabilityZones {
		if zone.ZoneName == "" || zone.SubnetID == "" {
			return fmt.Errorf("availability zone %q with subnet %q: zone name and subnet ID are both required", zone.ZoneName, zone.SubnetID)
		}
		if seen[zone.ZoneName] {
			return fmt.Errorf("availability zone %s is listed twice, but a load balancer takes one subnet per zone", zone.ZoneName)
		}
		seen[zone.ZoneName] = true
		if len(zone.Addresses) > 0 && lb.Type != "network" {
			return fmt.Errorf("availability zone %s: static addresses require type network, not %s", zone.ZoneName, lb.Type)
		}
		for _, address := range zone.Addresses {
			if address.AllocationID != "" && lb.Scheme != "internet-facing" {
				return fmt.Errorf("availability zone %s: Elastic IP allocation %s requires scheme internet-facing, not %s", zone.ZoneName, address.AllocationID, lb.Scheme)
			}
			if address.PrivateIPv4Address != "" && lb.Scheme != "internal" {
				return fmt.Errorf("availability zone %s: private IPv4 address %s requires scheme internal, not %s", zone.ZoneName, address.PrivateIPv4Address, lb.Scheme)
			}
		}
	}
	return nil
}

func cloneAvailabilityZones(zones []AvailabilityZone) []AvailabilityZone {
	if zones == nil {
		return nil
	}
	copies := make([]AvailabilityZone, len(zones))
	for i, zone := range zones {
		zone.Addresses = slices.Clone(zone.Addresses)
		copies[i] = zone
	}
	return copies
}

// The types below are the XML shapes of a load balancer's subnet mappings
// in DescribeLoadBalancers.

type availabilityZoneXML struct {
	ZoneName              string                   `xml:"ZoneName"`
	SubnetID              string                   `xml:"SubnetId"`
	LoadBalancerAddresses []loadBalancerAddressXML `xml:"LoadBalancerAddresses>member"`
}

type loadBalancerAddressXML struct {
	IPAddress          string `xml:"IpAddress,omitempty"`
	AllocationID       string `xml:"AllocationId,omitempty"`
	PrivateIPv4Address string `xml:"PrivateIPv4Address,omitempty"`
}

func availabilityZonesXML(zones []AvailabilityZone) []availabilityZoneXML {
	var items []availabilityZoneXML
	for _, zone := range zones {
		item := availabilityZoneXML{ZoneName: zone.ZoneName, SubnetID: zone.SubnetID}
		for _, address := range zone.Addresses {
			item.LoadBalancerAddresses = append(item.LoadBalancerAddresses, loadBalancerAddressXML(address))
		}
		items = append(items, item)
	}
	return items
}
