package simaws

import (
	"context"
	"io"
	"net/http"
	"strconv"
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

func TestAddMigrationAccount(t *testing.T) {
	srv := startServer(t)
	cfg := testConfig()

	account, err := AddMigrationAccount(srv, &cfg, 30)
	require.NoError(t, err)

	nlbARN := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/partner-api-nlb/8d41c07e2b96f305"
	albARN := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/partner-api/3f2b8c1d9e4a7b60"
	nlbDNSName := "partner-api-nlb-8d41c07e2b96f305.elb.eu-west-1.amazonaws.com"
	albDNSName := "partner-api-3f2b8c1d9e4a7b60.elb.eu-west-1.amazonaws.com"
	assert.Equal(t, "partner-api-nlb", account.NLB.Name)
	assert.Equal(t, nlbARN, account.NLB.ARN)
	assert.Equal(t, "network", account.NLB.Type)
	assert.Equal(t, nlbDNSName, account.NLB.DNSName)
	assert.Equal(t, "Z2IFOLAFXWLO4F", account.NLB.CanonicalHostedZoneID)
	assert.Equal(t, []loopback.AvailabilityZone{
		{ZoneName: "eu-west-1a", SubnetID: "subnet-00000000000000001"},
		{ZoneName: "eu-west-1b", SubnetID: "subnet-00000000000000002"},
		{ZoneName: "eu-west-1c", SubnetID: "subnet-00000000000000003"},
	}, account.NLB.AvailabilityZones)
	assert.Equal(t, albARN, account.ALB.ARN)
	assert.Equal(t, albDNSName, account.ALB.DNSName)
	assert.Equal(t, "Z32O12XQLNTSW2", account.ALB.CanonicalHostedZoneID)

	listeners := srv.ELBv2.Listeners()
	require.Len(t, listeners, 1)
	assert.Equal(t, nlbARN, listeners[0].LoadBalancerARN)
	assert.Equal(t, "TCP", listeners[0].Protocol)
	assert.Equal(t, int32(443), listeners[0].Port)

	require.Len(t, account.Instances, 3)
	for i, want := range []struct{ id, ip, zone, name string }{
		{"i-0a1b2c3d4e5f60718", "10.0.31.15", "eu-west-1a", "nginx-1"},
		{"i-07e3f9a2c4d1b5086", "10.0.32.40", "eu-west-1b", "nginx-2"},
		{"i-0c58d2e7f1a3b9640", "10.0.33.8", "eu-west-1c", "nginx-3"},
	} {
		instance, ok := srv.EC2.Instance(want.id)
		require.True(t, ok, "instance %s", want.id)
		assert.Equal(t, instance, account.Instances[i], want.id)
		assert.Equal(t, loopback.InstanceStateRunning, instance.State, want.id)
		assert.Equal(t, want.ip, instance.PrivateIPAddress, want.id)
		assert.Equal(t, want.zone, instance.AvailabilityZone, want.id)
		assert.Equal(t, want.name, instance.Tags["Name"], want.id)
	}

	assert.Equal(t, "partner-api-nginx", account.NLBTargetGroup.Name)
	assert.Equal(t, "instance", account.NLBTargetGroup.TargetType)
	assert.Equal(t, []string{nlbARN}, account.NLBTargetGroup.LoadBalancerARNs)
	var nlbTargets []string
	for _, target := range account.NLBTargetGroup.Targets {
		nlbTargets = append(nlbTargets, target.ID+":"+strconv.Itoa(int(target.Port)))
	}
	assert.Equal(t, []string{"i-0a1b2c3d4e5f60718:443", "i-07e3f9a2c4d1b5086:443", "i-0c58d2e7f1a3b9640:443"}, nlbTargets)

	assert.Equal(t, "partner-api-tg", account.ALBTargetGroup.Name)
	assert.Equal(t, "ip", account.ALBTargetGroup.TargetType)
	assert.Equal(t, []string{albARN}, account.ALBTargetGroup.LoadBalancerARNs)
	var albTargets []string
	for _, target := range account.ALBTargetGroup.Targets {
		albTargets = append(albTargets, target.ID+":"+strconv.Itoa(int(target.Port)))
	}
	assert.Equal(t, cfg.Targets, albTargets)

	assert.Equal(t, []string{account.ZoneID}, srv.Route53.HostedZoneIDs())
	assert.Equal(t, "mtls.api.example.com.", account.RecordName)
	assert.Equal(t, "A", account.RecordType)
	assert.Equal(t, "nlb", account.NLBSetIdentifier)
	assert.Equal(t, "alb", account.ALBSetIdentifier)
	weighted := map[string]loopback.RecordSet{}
	for _, rs := range srv.Route53.RecordSets(account.ZoneID) {
		switch rs.Type {
		case "SOA", "NS":
			assert.Equal(t, "api.example.com.", rs.Name, "the zone's %s record", rs.Type)
		default:
			weighted[rs.SetIdentifier] = rs
		}
	}
	require.Len(t, weighted, 2)
	for _, want := range []struct {
		set, aliasZone, dnsName string
		weight                  int64
	}{
		{"nlb", "Z2IFOLAFXWLO4F", nlbDNSName + ".", 70},
		{"alb", "Z32O12XQLNTSW2", albDNSName + ".", 30},
	} {
		rs := weighted[want.set]
		assert.Equal(t, "mtls.api.example.com.", rs.Name, want.set)
		assert.Equal(t, "A", rs.Type, want.set)
		require.NotNil(t, rs.Weight, want.set)
		assert.Equal(t, want.weight, *rs.Weight, want.set)
		assert.Nil(t, rs.TTL, want.set)
		assert.Equal(t, &loopback.AliasTarget{HostedZoneID: want.aliasZone, DNSName: want.dnsName, EvaluateTargetHealth: true}, rs.AliasTarget, want.set)
	}
}

func TestAddMigrationAccountErrors(t *testing.T) {
	cases := []struct {
		name       string
		change     func(cfg *sim.Config)
		albPercent int
		message    string
	}{
		{name: "weight above 100", albPercent: 101, message: "invalid ALB weight 101"},
		{name: "negative weight", albPercent: -1, message: "invalid ALB weight -1"},
		{name: "no parent domain", change: func(cfg *sim.Config) { cfg.DomainName = "example.com" }, message: `domain name "example.com" has no parent domain`},
		{name: "unknown region", change: func(cfg *sim.Config) { cfg.Region = "ap-south-2" }, message: "region ap-south-2 has no canonical hosted zone IDs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t)
			cfg := testConfig()
			if tc.change != nil {
				tc.change(&cfg)
			}
			_, err := AddMigrationAccount(srv, &cfg, tc.albPercent)
			assert.ErrorContains(t, err, tc.message)
			assert.Empty(t, srv.ELBv2.LoadBalancers(), "nothing is added")
		})
	}
}
