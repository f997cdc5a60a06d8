package gate

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
)

// The records of the test account: mtls.example.com as a dual-stack alias
// pair, weighted between an NLB and an ALB.
const (
	testName     = "mtls.example.com."
	nlbAliasZone = "Z26RNL4JYFTOTI"
	albAliasZone = "Z32O12XQLNTSW2"
	nlbDNSName   = "partner-nlb-0123456789abcdef.elb.eu-west-1.amazonaws.com."
	albDNSName   = "dualstack.partner-alb-1234567890.eu-west-1.elb.amazonaws.com."
)

// testAccount is a loopback server with one hosted zone and a Route 53
// client of the real SDK pointed at it.
type testAccount struct {
	srv    *loopback.Server
	client *route53.Client
	zoneID string
	sets   []RecordSet
}

// newTestAccount starts a loopback server whose zone has the A and AAAA
// pairs of mtls.example.com at the weights given.
func newTestAccount(t *testing.T, nlbWeight, albWeight int64) *testAccount {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv, err := loopback.Start(loopback.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })

	zoneID, err := srv.Route53.AddHostedZone("example.com.")
	require.NoError(t, err)
	a := &testAccount{srv: srv, zoneID: zoneID}
	for _, typ := range []string{"A", "AAAA"} {
		require.NoError(t, srv.Route53.PutRecordSets(zoneID,
			aliasRecord(typ, "nlb", nlbAliasZone, nlbDNSName, nlbWeight),
			aliasRecord(typ, "alb", albAliasZone, albDNSName, albWeight)))
		a.sets = append(a.sets, RecordSet{ZoneID: zoneID, Name: testName, Type: typ, NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"})
	}
	a.client = route53.New(route53.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	return a
}

func aliasRecord(typ, id, aliasZone, dnsName string, weight int64) loopback.RecordSet {
	return loopback.RecordSet{
		Name: testName, Type: typ, SetIdentifier: id, Weight: aws.Int64(weight),
		AliasTarget: &loopback.AliasTarget{HostedZoneID: aliasZone, DNSName: dnsName, EvaluateTargetHealth: true},
	}
}

// weights returns the NLB and ALB weights of every pair, A first.
func (a *testAccount) weights(t *testing.T) [][2]int64 {
	t.Helper()
	w, err := ReadWeights(context.Background(), a.client, a.sets)
	require.NoError(t, err)
	var out [][2]int64
	for _, p := range w.Pairs {
		out = append(out, [2]int64{aws.ToInt64(p.NLB.Weight), aws.ToInt64(p.ALB.Weight)})
	}
	return out
}

// fastApply waits for INSYNC on a clock that advances with each sleep, so
// that a timeout passes without real waiting.
func fastApply(timeout time.Duration) ApplyOptions {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	return ApplyOptions{
		Timeout:      timeout,
		PollInterval: 10 * time.Second,
		Now:          func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error {
			now = now.Add(d)
			return nil
		},
	}
}
