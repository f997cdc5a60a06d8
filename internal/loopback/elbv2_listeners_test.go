package loopback

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/testutil/testpki"
)

// seedMutualTLSListener adds a load balancer, a trust store and an HTTPS
// listener in verify mode, and returns the load balancer, trust store
// and listener.
func seedMutualTLSListener(t *testing.T, state *ELBv2) (LoadBalancer, TrustStore, Listener) {
	t.Helper()
	lb, err := state.AddLoadBalancer(LoadBalancer{Name: "edge-alb"})
	require.NoError(t, err)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	ts, err := state.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	listener, err := state.AddListener(Listener{
		LoadBalancerARN: lb.ARN,
		Protocol:        "HTTPS",
		Port:            443,
		MutualAuthentication: &MutualAuthentication{
			Mode:                          "verify",
			TrustStoreARN:                 ts.ARN,
			IgnoreClientCertificateExpiry: true,
			TrustStoreAssociationStatus:   "active",
			AdvertiseTrustStoreCaNames:    "on",
		},
		Attributes: map[string]string{
			"routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name": "X-Client-Serial",
			"routing.http.response.server.enabled":                                  "false",
		},
	})
	require.NoError(t, err)
	return lb, ts, listener
}

func TestDescribeListenersMutualAuthentication(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	lb, ts, verify := seedMutualTLSListener(t, state)
	plain, err := state.AddListener(Listener{LoadBalancerARN: lb.ARN, Protocol: "HTTP", Port: 80})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)

	out, err := client.DescribeListeners(context.Background(), &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lb.ARN)})
	require.NoError(t, err)
	require.Len(t, out.Listeners, 2)
	assert.Nil(t, out.NextMarker)

	got := out.Listeners[0]
	assert.Equal(t, verify.ARN, aws.ToString(got.ListenerArn))
	lbPath := strings.TrimPrefix(lb.ARN, "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/")
	assert.True(t, strings.HasPrefix(verify.ARN, "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/"+lbPath+"/"), verify.ARN)
	assert.Equal(t, lb.ARN, aws.ToString(got.LoadBalancerArn))
	assert.Equal(t, types.ProtocolEnumHttps, got.Protocol)
	assert.Equal(t, int32(443), aws.ToInt32(got.Port))
	require.NotNil(t, got.MutualAuthentication)
	mtls := got.MutualAuthentication
	assert.Equal(t, "verify", aws.ToString(mtls.Mode))
	assert.Equal(t, ts.ARN, aws.ToString(mtls.TrustStoreArn))
	require.NotNil(t, mtls.IgnoreClientCertificateExpiry)
	assert.True(t, *mtls.IgnoreClientCertificateExpiry)
	assert.Equal(t, types.TrustStoreAssociationStatusEnumActive, mtls.TrustStoreAssociationStatus)
	assert.Equal(t, types.AdvertiseTrustStoreCaNamesEnumOn, mtls.AdvertiseTrustStoreCaNames)

	assert.Equal(t, plain.ARN, aws.ToString(out.Listeners[1].ListenerArn))
	assert.Equal(t, types.ProtocolEnumHttp, out.Listeners[1].Protocol)
	assert.Nil(t, out.Listeners[1].MutualAuthentication)
}

func TestDescribeListenersByARNAndPaging(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	lb, _, verify := seedMutualTLSListener(t, state)
	passthrough, err := state.AddListener(Listener{
		LoadBalancerARN:      lb.ARN,
		Protocol:             "HTTPS",
		Port:                 8443,
		MutualAuthentication: &MutualAuthentication{Mode: "passthrough"},
	})
	require.NoError(t, err)
	off, err := state.AddListener(Listener{
		LoadBalancerARN:      lb.ARN,
		Protocol:             "HTTPS",
		Port:                 9443,
		MutualAuthentication: &MutualAuthentication{},
	})
	require.NoError(t, err)
	client, requests := startELBv2(t, state)
	ctx := context.Background()

	byARN, err := client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{off.ARN, passthrough.ARN}})
	require.NoError(t, err)
	require.Len(t, byARN.Listeners, 2)
	assert.Equal(t, "off", aws.ToString(byARN.Listeners[0].MutualAuthentication.Mode), "an empty mode means off")
	require.NotNil(t, byARN.Listeners[0].MutualAuthentication.IgnoreClientCertificateExpiry)
	assert.False(t, *byARN.Listeners[0].MutualAuthentication.IgnoreClientCertificateExpiry)
	assert.Equal(t, "passthrough", aws.ToString(byARN.Listeners[1].MutualAuthentication.Mode))
	assert.Nil(t, byARN.Listeners[1].MutualAuthentication.TrustStoreArn)

	requests.Store(0)
	paginator := elbv2.NewDescribeListenersPaginator(client, &elbv2.DescribeListenersInput{
		LoadBalancerArn: aws.String(lb.ARN),
		PageSize:        aws.Int32(2),
	})
	var arns []string
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		require.NoError(t, err)
		for _, l := range page.Listeners {
			arns = append(arns, aws.ToString(l.ListenerArn))
		}
	}
	assert.Equal(t, []string{verify.ARN, passthrough.ARN, off.ARN}, arns)
	assert.Equal(t, int64(2), requests.Load())
}

func TestDescribeListenersNotFound(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	_, _, verify := seedMutualTLSListener(t, state)
	client, requests := startELBv2(t, state)
	ctx := context.Background()

	missingARN := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/edge-alb/0/0"
	_, err := client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{verify.ARN, missingARN}})
	var listenerNotFound *types.ListenerNotFoundException
	require.True(t, errors.As(err, &listenerNotFound), "error %v is not ListenerNotFoundException", err)
	assert.Equal(t, "ListenerNotFound", listenerNotFound.ErrorCode())
	assert.Contains(t, listenerNotFound.ErrorMessage(), missingARN)
	assert.Equal(t, int64(1), requests.Load(), "a not-found error must not be retried")

	_, err = client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{
		LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/none/0"),
	})
	var lbNotFound *types.LoadBalancerNotFoundException
	require.True(t, errors.As(err, &lbNotFound), "error %v is not LoadBalancerNotFoundException", err)

	_, err = client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{})
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, "ValidationError", apiErr.ErrorCode())
}

func TestDescribeListenerAttributes(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	lb, _, verify := seedMutualTLSListener(t, state)
	bare, err := state.AddListener(Listener{LoadBalancerARN: lb.ARN, Protocol: "HTTP", Port: 80})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	out, err := client.DescribeListenerAttributes(ctx, &elbv2.DescribeListenerAttributesInput{ListenerArn: aws.String(verify.ARN)})
	require.NoError(t, err)
	require.Len(t, out.Attributes, 2)
	assert.Equal(t, "routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name", aws.ToString(out.Attributes[0].Key))
	assert.Equal(t, "X-Client-Serial", aws.ToString(out.Attributes[0].Value))
	assert.Equal(t, "routing.http.response.server.enabled", aws.ToString(out.Attributes[1].Key))
	assert.Equal(t, "false", aws.ToString(out.Attributes[1].Value))

	empty, err := client.DescribeListenerAttributes(ctx, &elbv2.DescribeListenerAttributesInput{ListenerArn: aws.String(bare.ARN)})
	require.NoError(t, err)
	assert.Empty(t, empty.Attributes)

	_, err = client.DescribeListenerAttributes(ctx, &elbv2.DescribeListenerAttributesInput{
		ListenerArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/edge-alb/0/0"),
	})
	var notFound *types.ListenerNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not ListenerNotFoundException", err)
}

func TestDescribeListenersThrottleRetried(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	lb, _, _ := seedMutualTLSListener(t, state)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultThrottle, Action: "DescribeListeners", Count: 1}))
	client, requests := startELBv2(t, state)

	out, err := client.DescribeListeners(context.Background(), &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lb.ARN)})
	require.NoError(t, err)
	assert.Len(t, out.Listeners, 1)
	assert.Equal(t, int64(2), requests.Load())
	assert.Equal(t, 0, state.Faults.Remaining())
}

func TestAddListenerRejectsInvalid(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	lb, ts, _ := seedMutualTLSListener(t, state)
	missingStore := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/none/0"

	cases := map[string]Listener{
		"missing load balancer ARN": {Protocol: "HTTPS", Port: 8443},
		"unknown load balancer":     {LoadBalancerARN: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/none/0", Protocol: "HTTPS", Port: 8443},
		"invalid protocol":          {LoadBalancerARN: lb.ARN, Protocol: "FTP", Port: 21},
		"port zero":                 {LoadBalancerARN: lb.ARN, Protocol: "HTTPS"},
		"port taken":                {LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 443},
		"invalid mode":              {LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443, MutualAuthentication: &MutualAuthentication{Mode: "strict"}},
		"verify without store":      {LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443, MutualAuthentication: &MutualAuthentication{Mode: "verify"}},
		"verify unknown store":      {LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443, MutualAuthentication: &MutualAuthentication{Mode: "verify", TrustStoreARN: missingStore}},
		"passthrough with store":    {LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443, MutualAuthentication: &MutualAuthentication{Mode: "passthrough", TrustStoreARN: ts.ARN}},
		"verify on HTTP":            {LoadBalancerARN: lb.ARN, Protocol: "HTTP", Port: 8080, MutualAuthentication: &MutualAuthentication{Mode: "verify", TrustStoreARN: ts.ARN}},
		"invalid association":       {LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443, MutualAuthentication: &MutualAuthentication{Mode: "verify", TrustStoreARN: ts.ARN, TrustStoreAssociationStatus: "pending"}},
		"invalid advertise":         {LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443, MutualAuthentication: &MutualAuthentication{Mode: "verify", TrustStoreARN: ts.ARN, AdvertiseTrustStoreCaNames: "yes"}},
	}
	for name, l := range cases {
		_, err := state.AddListener(l)
		assert.Error(t, err, name)
	}

	removed, err := state.AddListener(Listener{
		LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443,
		MutualAuthentication: &MutualAuthentication{Mode: "verify", TrustStoreARN: missingStore, TrustStoreAssociationStatus: "removed"},
	})
	require.NoError(t, err, "a removed shared trust store need not be stored")
	assert.Equal(t, "removed", removed.MutualAuthentication.TrustStoreAssociationStatus)
}
