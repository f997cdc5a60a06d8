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
// logs carry.
func AddLoadBalancers(srv *loopback.Server, cfg *sim.Config) error {
	arn := func(resource string) string { return elbARN(cfg, resource) }
	alb, err := srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{
		Name: cfg.LoadBalancerName, ARN: arn("loadbalancer/" + cfg.ELB()), Type: "application",
	})
	if err != nil {
		return err
	}
	nlb, err := srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{
		Name: cfg.NLBName, ARN: arn("loadbalancer/" + cfg.NLB()), Type: "network",
	})
	if err != nil {
		return err
	}
	if _, err := srv.ELBv2.AddTargetGroup(loopback.TargetGroup{
		Name: cfg.ALBTargetGroupName, ARN: arn(cfg.ALBTargetGroup()), Protocol: "HTTPS", Port: 443,
		LoadBalancerARNs: []string{alb.ARN},
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
