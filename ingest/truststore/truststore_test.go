package truststore

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/testutil/testpki"
)

// awsClients are SDK clients and the download client, all pointed at one
// loopback server.
type awsClients struct {
	server *loopback.Server
	elbv2  *elbv2.Client
	s3     *s3.Client
	http   HTTPClient
}

// startLoopback starts a loopback AWS server, sets the environment to its
// static credentials with the metadata service off, and builds the
// clients as the command does.
func startLoopback(t *testing.T) awsClients {
	t.Helper()
	srv, err := loopback.Start(loopback.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	for _, kv := range srv.Env() {
		name, value, _ := strings.Cut(kv, "=")
		t.Setenv(name, value)
	}

	cfg, err := ingest.LoadAWSConfig(context.Background(), srv.URL)
	require.NoError(t, err)
	return awsClients{
		server: srv,
		elbv2:  elbv2.NewFromConfig(cfg),
		s3:     ingest.NewS3Client(cfg, srv.URL),
		http:   cfg.HTTPClient,
	}
}

func TestFetchTrustStore(t *testing.T) {
	cloud := startLoopback(t)
	root := testpki.NewCA(t, pkix.Name{CommonName: "Partner Root CA"}, nil)
	issuing := testpki.NewCA(t, pkix.Name{CommonName: "Partner Issuing CA"}, nil)
	bundle := testpki.Bundle(root, issuing)
	crlDER := testpki.NewCRL(t, root, 0x1001, 0x1002)
	crlPEM := testpki.EncodeCRLPEM(testpki.NewCRL(t, issuing, 0x2001))
	thirdCRL := testpki.NewCRL(t, issuing, 0x2002)

	partners, err := cloud.server.ELBv2.AddTrustStore(loopback.TrustStore{
		Name:                 "partners",
		CACertificatesBundle: bundle,
		Revocations: []loopback.TrustStoreRevocation{
			{Content: crlDER},
			{Content: crlPEM},
			{RevocationID: 7, Content: thirdCRL},
		},
	})
	require.NoError(t, err)
	empty, err := cloud.server.ELBv2.AddTrustStore(loopback.TrustStore{Name: "no-crls", CACertificatesBundle: issuing.PEM(), Status: "CREATING"})
	require.NoError(t, err)

	cases := []struct {
		name       string
		nameOrARN  string
		opts       []Option
		want       loopback.TrustStore
		wantStatus string
	}{
		{name: "by name", nameOrARN: "partners", want: partners, wantStatus: "ACTIVE"},
		{name: "by ARN", nameOrARN: partners.ARN, want: partners, wantStatus: "ACTIVE"},
		{name: "one revocation per page", nameOrARN: "partners", opts: []Option{WithRevocationPageSize(1)}, want: partners, wantStatus: "ACTIVE"},
		{name: "without revocations", nameOrARN: empty.ARN, want: empty, wantStatus: "CREATING"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := FetchTrustStore(context.Background(), cloud.elbv2, cloud.http, c.nameOrARN, c.opts...)
			require.NoError(t, err)
			assert.Equal(t, c.want.Name, got.Name)
			assert.Equal(t, c.want.ARN, got.ARN)
			assert.Equal(t, c.wantStatus, got.Status)
			assert.Equal(t, c.want.CACertificatesBundle, got.CACertificatesBundle)

			require.Len(t, got.Revocations, len(c.want.Revocations))
			for i, want := range c.want.Revocations {
				assert.Equal(t, want.RevocationID, got.Revocations[i].ID, "revocation %d", i)
				assert.Equal(t, "CRL", got.Revocations[i].Type, "revocation %d", i)
				assert.Equal(t, want.Content, got.Revocations[i].Content, "revocation %d", i)
			}
		})
	}

	// Compare with the bytes as seeded, not with the copy that AddTrustStore
	// returned.
	got, err := FetchTrustStore(context.Background(), cloud.elbv2, cloud.http, "partners")
	require.NoError(t, err)
	assert.Equal(t, bundle, got.CACertificatesBundle)
	require.Len(t, got.Revocations, 3)
	// The loopback server numbers an unnumbered revocation after the
	// largest ID, 7.
	assert.Equal(t, []int64{8, 9, 7}, []int64{got.Revocations[0].ID, got.Revocations[1].ID, got.Revocations[2].ID})
	assert.Equal(t, crlDER, got.Revocations[0].Content)
	assert.Equal(t, crlPEM, got.Revocations[1].Content)
	assert.Equal(t, thirdCRL, got.Revocations[2].Content)
}

func TestFetchTrustStoreErrors(t *testing.T) {
	cloud := startLoopback(t)
	missingARN := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/gone/0123456789abcdef"

	cases := []struct {
		name      string
		nameOrARN string
		message   string
		notFound  bool
	}{
		{name: "unknown name", nameOrARN: "unknown-partners", message: "trust store unknown-partners not found", notFound: true},
		{name: "unknown ARN", nameOrARN: missingARN, message: "trust store " + missingARN + " not found", notFound: true},
		{name: "empty name", nameOrARN: "", message: "trust store name or ARN is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FetchTrustStore(context.Background(), cloud.elbv2, cloud.http, c.nameOrARN)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.message)
			assert.Equal(t, c.notFound, errors.Is(err, ErrNotFound), err.Error())
			if c.nameOrARN != "" {
				assert.Equal(t, 1, strings.Count(err.Error(), c.nameOrARN), "the error names the trust store once: %v", err)
			}
		})
	}
}

func TestDownloadNon200(t *testing.T) {
	cloud := startLoopback(t)
	// The loopback server responds with 404 to a download of a trust store
	// it does not have.
	location := cloud.server.URL + "/_loopback/elbv2/trust-store-ca-certificates-bundle?TrustStoreArn=arn%3Aaws%3Agone&X-Amz-Signature=secret"

	_, err := download(context.Background(), cloud.http, location, "the CA certificates bundle of trust store gone (arn:aws:gone)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "download the CA certificates bundle of trust store gone (arn:aws:gone)")
	assert.Contains(t, err.Error(), "HTTP status 404 Not Found, expected 200 OK")
	assert.NotContains(t, err.Error(), "X-Amz-Signature", "the query string stays out of errors")

	_, err = download(context.Background(), cloud.http, "ftp://127.0.0.1/bundle.pem", "the bundle")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an HTTP or HTTPS URL")

	_, err = download(context.Background(), cloud.http, "", "the bundle")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ELBv2 returned no Location")
}

// addListener adds an ALB, a trust store and an HTTPS listener with the
// mutual TLS settings, and returns the listener's ARN and the trust
// store's ARN.
func addListener(t *testing.T, srv *loopback.Server, name string, port int32, mtls *loopback.MutualAuthentication) (string, string) {
	t.Helper()
	lb, err := srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{Name: name})
	require.NoError(t, err)
	ca := testpki.NewCA(t, pkix.Name{CommonName: name + " Root CA"}, nil)
	ts, err := srv.ELBv2.AddTrustStore(loopback.TrustStore{Name: name + "-clients", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	if mtls != nil && mtls.Mode == "verify" && mtls.TrustStoreARN == "" {
		mtls.TrustStoreARN = ts.ARN
	}
	listener, err := srv.ELBv2.AddListener(loopback.Listener{LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: port, MutualAuthentication: mtls})
	require.NoError(t, err)
	return listener.ARN, ts.ARN
}

func TestDescribeMutualAuthentication(t *testing.T) {
	cloud := startLoopback(t)
	lenient, lenientStore := addListener(t, cloud.server, "lenient", 443, &loopback.MutualAuthentication{
		Mode: "verify", IgnoreClientCertificateExpiry: true, TrustStoreAssociationStatus: "active"})
	strict, strictStore := addListener(t, cloud.server, "strict", 443, &loopback.MutualAuthentication{Mode: "verify"})

	cases := []struct {
		name         string
		listenerARN  string
		trustStore   string
		ignoreExpiry bool
	}{
		{name: "verify ignoring expiry", listenerARN: lenient, trustStore: lenientStore, ignoreExpiry: true},
		{name: "verify checking expiry", listenerARN: strict, trustStore: strictStore, ignoreExpiry: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DescribeMutualAuthentication(context.Background(), cloud.elbv2, c.listenerARN)
			require.NoError(t, err)
			assert.Equal(t, c.listenerARN, got.ListenerARN)
			assert.Equal(t, c.trustStore, got.TrustStoreARN)
			assert.Equal(t, c.ignoreExpiry, got.IgnoreClientCertificateExpiry)
		})
	}
}

func TestDescribeMutualAuthenticationErrors(t *testing.T) {
	cloud := startLoopback(t)
	passthrough, _ := addListener(t, cloud.server, "passthrough", 443, &loopback.MutualAuthentication{Mode: "passthrough"})
	off, _ := addListener(t, cloud.server, "plain", 443, nil)
	removedStore := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/deleted/0123456789abcdef"
	removed, _ := addListener(t, cloud.server, "removed", 443, &loopback.MutualAuthentication{
		Mode: "verify", TrustStoreARN: removedStore, TrustStoreAssociationStatus: "removed"})
	missing := strings.Replace(passthrough, "passthrough", "absent", 1)

	cases := []struct {
		name        string
		listenerARN string
		message     string
		notFound    bool
	}{
		{name: "passthrough", listenerARN: passthrough, message: "is in mutual TLS passthrough mode: the ALB does not verify client certificates"},
		{name: "mutual TLS off", listenerARN: off, message: "has mutual TLS off"},
		{name: "trust store removed", listenerARN: removed, message: "the trust store " + removedStore + " of listener"},
		{name: "unknown listener", listenerARN: missing, message: "listener " + missing + " not found", notFound: true},
		{name: "name instead of ARN", listenerARN: "passthrough", message: `invalid listener ARN "passthrough"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DescribeMutualAuthentication(context.Background(), cloud.elbv2, c.listenerARN)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.message)
			assert.Equal(t, 1, strings.Count(err.Error(), c.listenerARN), "the error names the listener once: %v", err)
			assert.Equal(t, c.notFound, errors.Is(err, ErrNotFound), err.Error())
		})
	}
}

func TestFetchS3Object(t *testing.T) {
	cloud := startLoopback(t)
	require.NoError(t, cloud.server.CreateBucket("pki"))
	bundle := testpki.NewCA(t, pkix.Name{CommonName: "S3 Root CA"}, nil).PEM()
	_, err := cloud.s3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("pki"), Key: aws.String("alb/ca-bundle.pem"), Body: bytes.NewReader(bundle),
	})
	require.NoError(t, err)

	got, err := FetchS3Object(context.Background(), cloud.s3, "s3://pki/alb/ca-bundle.pem")
	require.NoError(t, err)
	assert.Equal(t, bundle, got)

	cases := []struct {
		name     string
		uri      string
		message  string
		notFound bool
	}{
		{name: "missing key", uri: "s3://pki/alb/missing.pem", message: "s3://pki/alb/missing.pem not found", notFound: true},
		{name: "missing bucket", uri: "s3://no-such-bucket/ca.pem", message: "s3://no-such-bucket/ca.pem not found", notFound: true},
		{name: "bucket only", uri: "s3://pki", message: `invalid S3 URI "s3://pki"`},
		{name: "folder", uri: "s3://pki/alb/", message: `invalid S3 URI "s3://pki/alb/"`},
		{name: "not an S3 URI", uri: "https://pki/alb/ca-bundle.pem", message: "expected s3://bucket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FetchS3Object(context.Background(), cloud.s3, c.uri)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.message)
			assert.Equal(t, c.notFound, errors.Is(err, ErrNotFound), err.Error())
		})
	}
}

func TestIsS3URIAndIsARN(t *testing.T) {
	assert.True(t, IsS3URI("s3://pki/ca.pem"))
	assert.False(t, IsS3URI("ca.pem"))
	assert.False(t, IsS3URI("./s3://ca.pem"))
	assert.True(t, IsARN("arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/partners/0123456789abcdef"))
	assert.False(t, IsARN("partners"))
}

// httpStatusClient returns one status and no body for every download. The
// loopback server applies no faults to downloads, so this client simulates
// an S3 5xx response.
type httpStatusClient int

func (c httpStatusClient) Do(req *http.Request) (*http.Response, error) {
	status := int(c)
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Body: http.NoBody, Request: req}, nil
}

func TestFetchTrustStoreDownloadFails(t *testing.T) {
	cloud := startLoopback(t)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Partner Root CA"}, nil)
	ts, err := cloud.server.ELBv2.AddTrustStore(loopback.TrustStore{Name: "partners", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)

	_, err = FetchTrustStore(context.Background(), cloud.elbv2, httpStatusClient(http.StatusServiceUnavailable), "partners")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "download the CA certificates bundle of trust store partners ("+ts.ARN+")")
	assert.Contains(t, err.Error(), "HTTP status 503 Service Unavailable, expected 200 OK")
	assert.NotContains(t, err.Error(), "?", "the query string stays out of errors")
}
