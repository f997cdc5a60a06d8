package simaws

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
)

func startServer(t *testing.T) *loopback.Server {
	t.Helper()
	srv, err := loopback.Start(loopback.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	return srv
}

func newELBv2Client(srv *loopback.Server, cfg *sim.Config) *elbv2.Client {
	return elbv2.New(elbv2.Options{
		Region:       cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOOPBACKDEMO", "loopback-demo-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
}

// download returns the body of a GET of url, which must return status 200.
func download(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

func testConfig() sim.Config {
	cfg := sim.DefaultConfig(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	cfg.Duration = time.Hour
	return cfg
}

func TestAddTrustStore(t *testing.T) {
	srv := startServer(t)
	cfg := testConfig()
	require.NoError(t, AddLoadBalancers(srv, &cfg))
	pki, err := sim.NewPKI(&cfg)
	require.NoError(t, err)

	ts, listener, err := AddTrustStore(srv, &cfg, pki)
	require.NoError(t, err)
	assert.Equal(t, "partner-api-clients", ts.Name)
	assert.Equal(t, pki.CABundle(cfg.ALBTrust), ts.CACertificatesBundle)
	wantCRLs := pki.CRLs(cfg.ALBTrust)
	require.NotEmpty(t, wantCRLs)
	require.Equal(t, len(wantCRLs), len(ts.Revocations), "revocations")
	for i, revocation := range ts.Revocations {
		assert.Equal(t, int64(i+1), revocation.RevocationID, "revocation %d", i)
		assert.Equal(t, "CRL", revocation.RevocationType, "revocation %d", i)
		assert.Equal(t, wantCRLs[i], revocation.Content, "revocation %d", i)
	}

	albARN := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/partner-api/3f2b8c1d9e4a7b60"
	assert.Equal(t, albARN, listener.LoadBalancerARN)
	assert.Equal(t, "HTTPS", listener.Protocol)
	assert.Equal(t, int32(443), listener.Port)
	require.NotNil(t, listener.MutualAuthentication)
	assert.Equal(t, "verify", listener.MutualAuthentication.Mode)
	assert.Equal(t, ts.ARN, listener.MutualAuthentication.TrustStoreARN)
	assert.False(t, listener.MutualAuthentication.IgnoreClientCertificateExpiry)

	// A client of the ELBv2 API finds the listener and downloads the bundle.
	ctx := context.Background()
	client := newELBv2Client(srv, &cfg)
	listeners, err := client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(albARN)})
	require.NoError(t, err)
	require.Len(t, listeners.Listeners, 1)
	described := listeners.Listeners[0]
	assert.Equal(t, elbv2types.ProtocolEnumHttps, described.Protocol)
	require.NotNil(t, described.MutualAuthentication)
	assert.Equal(t, "verify", aws.ToString(described.MutualAuthentication.Mode))
	assert.Equal(t, ts.ARN, aws.ToString(described.MutualAuthentication.TrustStoreArn))

	bundle, err := client.GetTrustStoreCaCertificatesBundle(ctx, &elbv2.GetTrustStoreCaCertificatesBundleInput{TrustStoreArn: aws.String(ts.ARN)})
	require.NoError(t, err)
	assert.Equal(t, pki.CABundle(cfg.ALBTrust), download(t, aws.ToString(bundle.Location)))
}

func TestAddTrustStoreWithoutCRLCheck(t *testing.T) {
	srv := startServer(t)
	cfg := testConfig()
	cfg.ALBTrust.CheckCRL = false
	require.NoError(t, AddLoadBalancers(srv, &cfg))
	pki, err := sim.NewPKI(&cfg)
	require.NoError(t, err)

	ts, _, err := AddTrustStore(srv, &cfg, pki)
	require.NoError(t, err)
	assert.Empty(t, ts.Revocations)
}

func TestAddTrustStoreErrors(t *testing.T) {
	cfg := testConfig()
	pki, err := sim.NewPKI(&cfg)
	require.NoError(t, err)

	t.Run("ALB not added", func(t *testing.T) {
		srv := startServer(t)
		_, _, err := AddTrustStore(srv, &cfg, pki)
		assert.ErrorContains(t, err, "not found")
	})
	t.Run("added twice", func(t *testing.T) {
		srv := startServer(t)
		require.NoError(t, AddLoadBalancers(srv, &cfg))
		_, _, err := AddTrustStore(srv, &cfg, pki)
		require.NoError(t, err)
		_, _, err = AddTrustStore(srv, &cfg, pki)
		assert.ErrorContains(t, err, "already taken")
	})
}
