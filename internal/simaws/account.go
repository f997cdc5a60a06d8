package simaws

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
)

// The set identifiers of the weighted record pair that AddMigrationAccount
// creates.
const (
	NLBSetIdentifier = "nlb"
	ALBSetIdentifier = "alb"
)

// Account is the set of resources that AddMigrationAccount added to a
// loopback server, with the values that a policy's gate and decommission
// sections name.
type Account struct {
	ALB loopback.LoadBalancer
	NLB loopback.LoadBalancer
	// ALBTargetGroup contains cfg.Targets as IP targets, and NLBTargetGroup
	// contains the terminator instances.
	ALBTargetGroup loopback.TargetGroup
	NLBTargetGroup loopback.TargetGroup
	// Instances are the terminators' EC2 instances, in the order of
	// cfg.Terminators.
	Instances []loopback.Instance
	// ZoneID is the hosted zone of the parent domain of cfg.DomainName,
	// such as api.example.com for mtls.api.example.com.
	ZoneID string
	// RecordName is cfg.DomainName with a trailing dot, and RecordType is
	// "A".
	RecordName string
	RecordType string
	// NLBSetIdentifier and ALBSetIdentifier name the weighted records.
	NLBSetIdentifier string
	ALBSetIdentifier string
}

// AddMigrationAccount adds what a migration's AWS account contains besides
// its logs and metrics. It calls AddLoadBalancers, so call it in place of
// AddLoadBalancers, and then adds:
//   - a TCP listener on the NLB at cfg.ListenerPort;
//   - the terminators as running EC2 instances, registered in the NLB's
//     target group;
//   - cfg.Targets as IP targets of the ALB's target group;
//   - a hosted zone for the parent domain of cfg.DomainName, with the
//     weighted A alias pair of cfg.DomainName. Set "nlb" aliases the NLB at
//     weight 100-albPercent, and set "alb" the ALB at weight albPercent.
//
// It returns an error when albPercent is outside 0 to 100, cfg.DomainName
// has no parent domain, cfg.Region has no known canonical hosted zone IDs,
// or the server rejects a resource. After a rejection, the resources added
// before it stay.
func AddMigrationAccount(srv *loopback.Server, cfg *sim.Config, albPercent int) (Account, error) {
	if albPercent < 0 || albPercent > 100 {
		return Account{}, fmt.Errorf("invalid ALB weight %d: want a percentage from 0 to 100", albPercent)
	}
	_, parent, ok := strings.Cut(strings.TrimSuffix(cfg.DomainName, "."), ".")
	if !ok || !strings.Contains(parent, ".") {
		return Account{}, fmt.Errorf("domain name %q has no parent domain to create a hosted zone for, want a name such as mtls.api.example.com", cfg.DomainName)
	}
	if _, ok := canonicalHostedZoneIDs[cfg.Region]; !ok {
		return Account{}, fmt.Errorf("region %s has no canonical hosted zone IDs for alias records: only eu-west-1 is known", cfg.Region)
	}
	if err := AddLoadBalancers(srv, cfg); err != nil {
		return Account{}, err
	}

	account := Account{
		RecordName:       cfg.DomainName + ".",
		RecordType:       "A",
		NLBSetIdentifier: NLBSetIdentifier,
		ALBSetIdentifier: ALBSetIdentifier,
	}
	nlbARN := elbARN(cfg, "loadbalancer/"+cfg.NLB())
	if _, err := srv.ELBv2.AddListener(loopback.Listener{LoadBalancerARN: nlbARN, Protocol: "TCP", Port: int32(cfg.ListenerPort)}); err != nil {
		return Account{}, err
	}
	if err := addTerminators(srv, cfg, &account); err != nil {
		return Account{}, err
	}
	if err := registerALBTargets(srv, cfg); err != nil {
		return Account{}, err
	}
	if err := addWeightedRecords(srv, cfg, albPercent, &account); err != nil {
		return Account{}, err
	}

	for _, lb := range srv.ELBv2.LoadBalancers() {
		switch lb.Name {
		case cfg.LoadBalancerName:
			account.ALB = lb
		case cfg.NLBName:
			account.NLB = lb
		}
	}
	for _, tg := range srv.ELBv2.TargetGroups() {
		switch tg.Name {
		case cfg.ALBTargetGroupName:
			account.ALBTargetGroup = tg
		case cfg.NLBTargetGroupName:
			account.NLBTargetGroup = tg
		}
	}
	return account, nil
}

// addTerminators adds each terminator as a running instance named
// nginx-N, in the zones of the NLB's subnets in turn, and registers it in
// the NLB's target group.
func addTerminators(srv *loopback.Server, cfg *sim.Config, account *Account) error {
	targets := make([]loopback.Target, 0, len(cfg.Terminators))
	for i, terminator := range cfg.Terminators {
		instance, err := srv.EC2.AddInstance(loopback.Instance{
			ID:               terminator.InstanceID,
			PrivateIPAddress: terminator.IP,
			AvailabilityZone: availabilityZone(cfg, i%len(cfg.NLBSubnets)),
			Tags:             map[string]string{"Name": "nginx-" + strconv.Itoa(i+1)},
		})
		if err != nil {
			return err
		}
		account.Instances = append(account.Instances, instance)
		targets = append(targets, loopback.Target{ID: terminator.InstanceID})
	}
	return srv.ELBv2.RegisterTargets(elbARN(cfg, cfg.NLBTargetGroup()), targets...)
}

// registerALBTargets registers each "ip:port" of cfg.Targets as an IP
// target of the ALB's target group.
func registerALBTargets(srv *loopback.Server, cfg *sim.Config) error {
	targets := make([]loopback.Target, 0, len(cfg.Targets))
	for _, target := range cfg.Targets {
		address, err := netip.ParseAddrPort(target)
		if err != nil {
			return fmt.Errorf("invalid ALB target %q: want ip:port: %w", target, err)
		}
		targets = append(targets, loopback.Target{ID: address.Addr().String(), Port: int32(address.Port())})
	}
	return srv.ELBv2.RegisterTargets(elbARN(cfg, cfg.ALBTargetGroup()), targets...)
}

// addWeightedRecords creates the hosted zone of the parent domain of
// cfg.DomainName and the weighted alias pair in it.
func addWeightedRecords(srv *loopback.Server, cfg *sim.Config, albPercent int, account *Account) error {
	_, parent, _ := strings.Cut(strings.TrimSuffix(cfg.DomainName, "."), ".")
	zoneID, err := srv.Route53.AddHostedZone(parent)
	if err != nil {
		return err
	}
	account.ZoneID = zoneID

	zoneIDs := canonicalHostedZoneIDs[cfg.Region]
	alias := func(setIdentifier string, weight int, aliasZone, dnsName string) loopback.RecordSet {
		w := int64(weight)
		return loopback.RecordSet{
			Name: account.RecordName, Type: account.RecordType, SetIdentifier: setIdentifier, Weight: &w,
			AliasTarget: &loopback.AliasTarget{HostedZoneID: aliasZone, DNSName: dnsName, EvaluateTargetHealth: true},
		}
	}
	return srv.Route53.PutRecordSets(zoneID,
		alias(NLBSetIdentifier, 100-albPercent, zoneIDs.nlb, loadBalancerDNSName(cfg, cfg.NLBName, cfg.NLBID)),
		alias(ALBSetIdentifier, albPercent, zoneIDs.alb, loadBalancerDNSName(cfg, cfg.LoadBalancerName, cfg.LoadBalancerID)),
	)
}
