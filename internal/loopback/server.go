package loopback

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Options configures [Start]. The zero value selects every default.
type Options struct {
	// Region is the region in generated ARNs and DNS names and in Env.
	// Empty means "eu-west-1".
	Region string
	// AccountID is the account in generated ARNs. Empty means
	// "123456789012".
	AccountID string
	// Now is the server's clock: CloudWatch measures the age of a request's
	// StartTime against it, Logs uses it for creation times and for
	// events without an ingestion time, and Route 53 uses it for the
	// submission times of changes and their sync delay. Nil means
	// time.Now. S3 always uses the real clock, because it compares it with
	// the request signature's date.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = "eu-west-1"
	}
	if o.AccountID == "" {
		o.AccountID = "123456789012"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Server is a running loopback server that serves S3, Elastic Load
// Balancing v2, CloudWatch, CloudWatch Logs, Route 53, STS and EC2 on one
// port.
type Server struct {
	// URL is the server's base URL, such as "http://127.0.0.1:40123", for
	// AWS_ENDPOINT_URL or --endpoint-url.
	URL string
	// ELBv2 is the state of Elastic Load Balancing v2.
	ELBv2 *ELBv2
	// CloudWatch is the state of CloudWatch metrics.
	CloudWatch *CloudWatch
	// Logs is the state of CloudWatch Logs.
	Logs *Logs
	// Route53 is the state of Route 53 hosted zones and changes.
	Route53 *Route53
	// STS is the caller identity that STS returns.
	STS *STS
	// EC2 is the state of EC2 instances, Elastic IP addresses and VPC
	// endpoint services.
	EC2 *EC2

	region string
	s3     *s3mem.Backend
	server *http.Server
}

// Start starts a server on a free port of 127.0.0.1. All services start
// empty.
func Start(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}

	s := &Server{
		URL:        "http://" + listener.Addr().String(),
		ELBv2:      NewELBv2(opts.Region, opts.AccountID),
		CloudWatch: NewCloudWatch(opts.Now),
		Logs:       NewLogs(opts.Region, opts.AccountID, opts.Now),
		Route53:    NewRoute53(opts.Now),
		STS:        NewSTS(opts.AccountID),
		EC2:        NewEC2(opts.Region, opts.AccountID),
		region:     opts.Region,
		s3:         s3mem.New(),
	}

	routes := newRouter(gofakes3.New(s.s3).Server())
	routes.handleRPCv2(cloudWatchService, s.CloudWatch)
	routes.handleJSON(logsTargetPrefix, s.Logs)
	routes.handleQuery(elbv2Version, s.ELBv2)
	routes.handlePrefix(elbv2ContentPathPrefix, s.ELBv2)
	routes.handleQuery(stsVersion, s.STS)
	routes.handleQuery(ec2Version, s.EC2)
	routes.handlePrefix(route53PathPrefix, s.Route53)

	s.server = &http.Server{Handler: routes, ReadHeaderTimeout: 10 * time.Second}
	go s.server.Serve(listener)
	return s, nil
}

// CreateBucket creates an empty S3 bucket. It returns an error when the
// bucket exists.
func (s *Server) CreateBucket(name string) error {
	if err := s.s3.CreateBucket(name); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// Close stops the server. It waits up to 5 seconds for requests in flight,
// then closes the connections that are still open.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.server.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		return s.server.Close()
	} else if err != nil {
		return err
	}
	return nil
}

// Env returns the environment variables that point the AWS SDK's standard
// configuration at the server, with static credentials that the server
// accepts, and keep the SDK from asking an instance metadata service.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=AKIDLOOPBACKDEMO",
		"AWS_SECRET_ACCESS_KEY=loopback-demo-secret",
		"AWS_REGION=" + s.region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PROFILE=",
	}
}
