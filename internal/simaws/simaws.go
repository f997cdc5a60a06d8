// Package simaws puts a simulated migration (package sim) into a loopback AWS
// server (package loopback): the load balancers, target groups, and the
// ALB's trust store and mutual TLS listener into ELBv2, the logs into S3,
// the metrics into CloudWatch and the terminators' log events into
// CloudWatch Logs. The demo and the end-to-end tests use it, so they read
// the simulation the way a user reads AWS.
package simaws

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
)

// Writer is a sim.ObjectWriter, sim.MetricWriter and sim.LogEventWriter
// that writes into a loopback server.
type Writer struct {
	server *loopback.Server
	bucket string
	s3     *s3.Client
}

// NewWriter returns a Writer that puts objects into bucket, which it
// creates, through the AWS SDK's S3 client, and metrics and log events
// straight into the server's state.
func NewWriter(srv *loopback.Server, bucket, region string) (*Writer, error) {
	if err := srv.CreateBucket(bucket); err != nil {
		return nil, err
	}
	client := s3.New(s3.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOOPBACKDEMO", "loopback-demo-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
	})
	return &Writer{server: srv, bucket: bucket, s3: client}, nil
}

// WriteObject puts one object into the bucket.
func (w *Writer) WriteObject(ctx context.Context, key string, body []byte) error {
	_, err := w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", w.bucket, key, err)
	}
	return nil
}

// WriteMetric adds one minute of a metric to CloudWatch.
func (w *Writer) WriteMetric(_ context.Context, m sim.Metric) error {
	dims := make([]loopback.Dimension, len(m.Dimensions))
	for i, d := range m.Dimensions {
		dims[i] = loopback.Dimension{Name: d.Name, Value: d.Value}
	}
	w.server.CloudWatch.Put(m.Namespace, m.Name, dims, m.Unit, m.Time, m.Values...)
	return nil
}

// WriteLogEvent adds one event to a CloudWatch Logs stream, ingested at its
// own time.
func (w *Writer) WriteLogEvent(_ context.Context, group, stream string, t time.Time, message string) error {
	w.server.Logs.PutEvents(group, stream, loopback.LogEvent{Time: t, Message: message, IngestionTime: t})
	return nil
}

// AddLoadBalancers registers the simulated ALB and NLB and their target
// groups in the server's ELBv2, with the names and IDs their metrics and
// logs carry. The DNS names are built from those names and IDs, so they are
// the same in every run. The NLB gets one subnet mapping without an Elastic
// IP per entry of cfg.NLBSubnets, in zones a, b, c... of cfg.Region. The
// ALB's target group has target type ip, because cfg.Targets are
// addresses. AddLoadBalancers registers no targets: AddMigrationAccount
// does.
func AddLoadBalancers(srv *loopback.Server, cfg *sim.Config) error {
	arn := func(resource string) string { return elbARN(cfg, resource) }
	zoneIDs := canonicalHostedZoneIDs[cfg.Region]
	alb, err := srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{
		Name: cfg.LoadBalancerName, ARN: arn("loadbalancer/" + cfg.ELB()), Type: "application",
		DNSName:               loadBalancerDNSName(cfg, cfg.LoadBalancerName, cfg.LoadBalancerID),
		CanonicalHostedZoneID: zoneIDs.alb,
	})
	if err != nil {
		return err
	}
	nlb, err := srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{
		Name: cfg.NLBName, ARN: arn("loadbalancer/" + cfg.NLB()), Type: "network",
		DNSName:               loadBalancerDNSName(cfg, cfg.NLBName, cfg.NLBID),
		CanonicalHostedZoneID: zoneIDs.nlb,
		AvailabilityZones:     nlbSubnetMappings(cfg),
	})
	if err != nil {
		return err
	}
	if _, err := srv.ELBv2.AddTargetGroup(loopback.TargetGroup{
		Name: cfg.ALBTargetGroupName, ARN: arn(cfg.ALBTargetGroup()), Protocol: "HTTPS", Port: 443,
		TargetType: "ip", LoadBalancerARNs: []string{alb.ARN},
	}); err != nil {
		return err
	}
	if _, err := srv.ELBv2.AddTargetGroup(loopback.TargetGroup{
		Name: cfg.NLBTargetGroupName, ARN: arn(cfg.NLBTargetGroup()), Protocol: "TCP", Port: 443,
		LoadBalancerARNs: []string{nlb.ARN},
	}); err != nil {
		return err
	}
	return nil
}

// loadBalancerDNSName returns the DNS name NAME-ID.elb.REGION.amazonaws.com,
// the form that ELBv2 gives network load balancers. The ALB gets it too,
// although ELBv2 names ALBs NAME-NUMBER.REGION.elb.amazonaws.com.
func loadBalancerDNSName(cfg *sim.Config, name, id string) string {
	return fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", name, id, cfg.Region)
}

// nlbSubnetMappings returns one subnet mapping per NLB subnet: the i-th
// subnet is in zone REGION plus the i-th letter and has the ID
// subnet-%017x of i+1. None has an Elastic IP.
func nlbSubnetMappings(cfg *sim.Config) []loopback.AvailabilityZone {
	zones := make([]loopback.AvailabilityZone, len(cfg.NLBSubnets))
	for i := range cfg.NLBSubnets {
		zones[i] = loopback.AvailabilityZone{ZoneName: availabilityZone(cfg, i), SubnetID: fmt.Sprintf("subnet-%017x", i+1)}
	}
	return zones
}

// availabilityZone returns the i-th zone of cfg.Region, such as
// "eu-west-1a" for 0.
func availabilityZone(cfg *sim.Config, i int) string {
	return cfg.Region + string(rune('a'+i))
}

// canonicalHostedZoneIDs are the Route 53 zones of the load balancers' DNS
// names per region, which alias records name. NOTE: only eu-west-1 is
// listed, so load balancers in other regions get no zone and
// AddMigrationAccount rejects those regions.
var canonicalHostedZoneIDs = map[string]struct{ alb, nlb string }{
	"eu-west-1": {alb: "Z32O12XQLNTSW2", nlb: "Z2IFOLAFXWLO4F"},
}

// elbARN returns the ARN of an Elastic Load Balancing resource of cfg's
// account and region, such as "loadbalancer/app/<name>/<id>".
func elbARN(cfg *sim.Config, resource string) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:%s", cfg.Region, cfg.AccountID, resource)
}

// AddTrustStore registers the ALB's trust store in the server's ELBv2 and
// an HTTPS listener on the ALB, at cfg.ListenerPort, that verifies client
// certificates against it. The trust store is named
// "<LoadBalancerName>-clients" and holds pki's CA bundle and CRLs for
// cfg.ALBTrust. Call AddLoadBalancers first, because the listener needs
// the ALB. AddTrustStore returns an error when the name is longer than the
// 32 characters ELBv2 allows or is taken, or the ALB or port is missing or
// taken. When only the listener fails, the trust store stays registered.
func AddTrustStore(srv *loopback.Server, cfg *sim.Config, pki *sim.PKI) (loopback.TrustStore, loopback.Listener, error) {
	var revocations []loopback.TrustStoreRevocation
	for _, crl := range pki.CRLs(cfg.ALBTrust) {
		revocations = append(revocations, loopback.TrustStoreRevocation{RevocationType: "CRL", Content: crl})
	}
	ts, err := srv.ELBv2.AddTrustStore(loopback.TrustStore{
		Name:                 cfg.LoadBalancerName + "-clients",
		CACertificatesBundle: pki.CABundle(cfg.ALBTrust),
		Revocations:          revocations,
	})
	if err != nil {
		return loopback.TrustStore{}, loopback.Listener{}, err
	}

	listener, err := srv.ELBv2.AddListener(loopback.Listener{
		LoadBalancerARN: elbARN(cfg, "loadbalancer/"+cfg.ELB()),
		Protocol:        "HTTPS",
		Port:            int32(cfg.ListenerPort),
		MutualAuthentication: &loopback.MutualAuthentication{
			Mode:                          "verify",
			TrustStoreARN:                 ts.ARN,
			IgnoreClientCertificateExpiry: false,
		},
	})
	if err != nil {
		return loopback.TrustStore{}, loopback.Listener{}, err
	}
	return ts, listener, nil
}
