package loopback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	apiName      = "api.example.com."
	nlbAliasZone = "ZNLBLOOPBACK"
	albAliasZone = "ZALBLOOPBACK"
	nlbDNSName   = "edge-nlb-1234.elb.eu-west-1.amazonaws.com."
	albDNSName   = "edge-alb-5678.eu-west-1.elb.amazonaws.com."
)

func newRoute53Client(srv *Server) *route53.Client {
	return route53.New(route53.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      noBackoffRetryer(),
	})
}

// weightedAlias returns a weighted alias record set for api.example.com.
func weightedAlias(setIdentifier, aliasZone, dnsName string, weight int64) RecordSet {
	return RecordSet{
		Name:          apiName,
		Type:          "A",
		SetIdentifier: setIdentifier,
		Weight:        aws.Int64(weight),
		AliasTarget:   &AliasTarget{HostedZoneID: aliasZone, DNSName: dnsName, EvaluateTargetHealth: true},
	}
}

// seedCutoverZone creates example.com with api.example.com weighted 100 to
// the NLB and 0 to the ALB, and returns the zone ID.
func seedCutoverZone(t *testing.T, srv *Server) string {
	t.Helper()
	zoneID, err := srv.Route53.AddHostedZone("example.com")
	require.NoError(t, err)
	require.NoError(t, srv.Route53.PutRecordSets(zoneID,
		weightedAlias("nlb", nlbAliasZone, nlbDNSName, 100),
		weightedAlias("alb", albAliasZone, albDNSName, 0),
	))
	return zoneID
}

// sdkWeightedAlias builds the SDK's value of weightedAlias.
func sdkWeightedAlias(setIdentifier, aliasZone, dnsName string, weight int64) *types.ResourceRecordSet {
	return &types.ResourceRecordSet{
		Name:          aws.String(apiName),
		Type:          types.RRTypeA,
		SetIdentifier: aws.String(setIdentifier),
		Weight:        aws.Int64(weight),
		AliasTarget: &types.AliasTarget{
			HostedZoneId:         aws.String(aliasZone),
			DNSName:              aws.String(dnsName),
			EvaluateTargetHealth: true,
		},
	}
}

// swapBatch moves all weight from the NLB to the ALB in one batch, as the
// gate does: it deletes each record set with the values it read and
// creates it with the new weight.
func swapBatch(zoneID string) *route53.ChangeResourceRecordSetsInput {
	return &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch: &types.ChangeBatch{
			Comment: aws.String("cutover to ALB"),
			Changes: []types.Change{
				{Action: types.ChangeActionDelete, ResourceRecordSet: sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 100)},
				{Action: types.ChangeActionDelete, ResourceRecordSet: sdkWeightedAlias("alb", albAliasZone, albDNSName, 0)},
				{Action: types.ChangeActionCreate, ResourceRecordSet: sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 0)},
				{Action: types.ChangeActionCreate, ResourceRecordSet: sdkWeightedAlias("alb", albAliasZone, albDNSName, 100)},
			},
		},
	}
}

// weights returns the weight of each weighted record set of
// api.example.com by set identifier.
func weights(t *testing.T, srv *Server, zoneID string) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	for _, rs := range srv.Route53.RecordSets(zoneID) {
		if rs.Name == apiName && rs.Weight != nil {
			got[rs.SetIdentifier] = *rs.Weight
		}
	}
	return got
}

// requireInvalidChangeBatch asserts that err is Route 53's
// InvalidChangeBatch and returns its messages.
func requireInvalidChangeBatch(t *testing.T, err error) []string {
	t.Helper()
	requireAPIError(t, err, "InvalidChangeBatch")
	var batchErr *types.InvalidChangeBatch
	require.True(t, errors.As(err, &batchErr), "error %v is not a *types.InvalidChangeBatch", err)
	if len(batchErr.Messages) > 0 {
		return batchErr.Messages
	}
	return []string{batchErr.ErrorMessage()}
}

// testClock is a server clock that a test moves forward.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRoute53StateMethods(t *testing.T) {
	srv := startServer(t)
	zoneID, err := srv.Route53.AddHostedZone("Example.COM")
	require.NoError(t, err)
	assert.Regexp(t, `^Z[A-Z0-9]{13,20}$`, zoneID)
	_, err = srv.Route53.AddHostedZone(".")
	assert.Error(t, err, "a zone without a name")

	sets := srv.Route53.RecordSets(zoneID)
	require.Len(t, sets, 2, "a new zone has its SOA and NS record sets")
	assert.Equal(t, "example.com.", sets[0].Name)
	assert.Equal(t, "NS", sets[0].Type)
	assert.Equal(t, "SOA", sets[1].Type)
	assert.Nil(t, srv.Route53.RecordSets("ZUNKNOWN"))

	// RecordSets returns a copy.
	require.NoError(t, srv.Route53.PutRecordSets("/hostedzone/"+zoneID, weightedAlias("nlb", nlbAliasZone, nlbDNSName, 100)))
	copied := srv.Route53.RecordSets(zoneID)
	*copied[2].Weight = 7
	copied[2].AliasTarget.DNSName = "changed."
	assert.Equal(t, map[string]int64{"nlb": 100}, weights(t, srv, zoneID))
	assert.Equal(t, nlbDNSName, srv.Route53.RecordSets(zoneID)[2].AliasTarget.DNSName)

	assert.Error(t, srv.Route53.PutRecordSets("ZUNKNOWN", weightedAlias("nlb", nlbAliasZone, nlbDNSName, 1)))
	err = srv.Route53.PutRecordSets(zoneID, weightedAlias("nlb", nlbAliasZone, nlbDNSName, 256))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Weight 256")
	assert.Equal(t, map[string]int64{"nlb": 100}, weights(t, srv, zoneID))
}

func TestListResourceRecordSetsOrderAndPaging(t *testing.T) {
	srv := startServer(t)
	zoneID, err := srv.Route53.AddHostedZone("example.com")
	require.NoError(t, err)
	simple := func(name string) RecordSet {
		return RecordSet{Name: name, Type: "A", TTL: aws.Int64(60), ResourceRecords: []string{"192.0.2.10"}}
	}
	require.NoError(t, srv.Route53.PutRecordSets(zoneID,
		simple("www.example.com"),
		weightedAlias("nlb", nlbAliasZone, nlbDNSName, 100),
		simple("B.A.example.com."),
		simple("a.example.com"),
		weightedAlias("alb", albAliasZone, albDNSName, 0),
		simple("a-b.example.com"),
		RecordSet{Name: "a.example.com", Type: "TXT", TTL: aws.Int64(300), ResourceRecords: []string{`"v=1"`}},
	))
	client := newRoute53Client(srv)

	// Sorted by name with labels reversed: "com.example.a-b." comes before
	// "com.example.a." because '-' sorts before '.'.
	want := []string{
		"example.com. NS ", "example.com. SOA ",
		"a-b.example.com. A ",
		"a.example.com. A ", "a.example.com. TXT ",
		"b.a.example.com. A ",
		"api.example.com. A alb", "api.example.com. A nlb",
		"www.example.com. A ",
	}
	var got []string
	pages := 0
	paginator := route53.NewListResourceRecordSetsPaginator(client, &route53.ListResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		MaxItems:     aws.Int32(2),
	})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		assert.LessOrEqual(t, len(page.ResourceRecordSets), 2)
		for _, rs := range page.ResourceRecordSets {
			got = append(got, aws.ToString(rs.Name)+" "+string(rs.Type)+" "+aws.ToString(rs.SetIdentifier))
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 5, pages)
	assert.Equal(t, 5, srv.Route53.Calls("ListResourceRecordSets"))

	var fromState []string
	for _, rs := range srv.Route53.RecordSets(zoneID) {
		fromState = append(fromState, rs.Name+" "+rs.Type+" "+rs.SetIdentifier)
	}
	assert.Equal(t, want, fromState)
}

func TestListResourceRecordSetsStartPosition(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	client := newRoute53Client(srv)
	ctx := context.Background()

	out, err := client.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId:    aws.String(zoneID),
		StartRecordName: aws.String("API.example.com"),
		StartRecordType: types.RRTypeA,
		MaxItems:        aws.Int32(1),
	})
	require.NoError(t, err)
	require.Len(t, out.ResourceRecordSets, 1)
	first := out.ResourceRecordSets[0]
	assert.Equal(t, apiName, aws.ToString(first.Name))
	assert.Equal(t, "alb", aws.ToString(first.SetIdentifier))
	assert.Equal(t, int64(0), aws.ToInt64(first.Weight))
	require.NotNil(t, first.AliasTarget)
	assert.Equal(t, albAliasZone, aws.ToString(first.AliasTarget.HostedZoneId))
	assert.Equal(t, albDNSName, aws.ToString(first.AliasTarget.DNSName))
	assert.True(t, first.AliasTarget.EvaluateTargetHealth)
	assert.Nil(t, first.TTL)
	assert.True(t, out.IsTruncated)
	assert.Equal(t, apiName, aws.ToString(out.NextRecordName))
	assert.Equal(t, types.RRTypeA, out.NextRecordType)
	assert.Equal(t, "nlb", aws.ToString(out.NextRecordIdentifier))
	assert.Equal(t, int32(1), aws.ToInt32(out.MaxItems))

	out, err = client.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId:          aws.String("/hostedzone/" + zoneID),
		StartRecordName:       out.NextRecordName,
		StartRecordType:       out.NextRecordType,
		StartRecordIdentifier: out.NextRecordIdentifier,
	})
	require.NoError(t, err)
	require.Len(t, out.ResourceRecordSets, 1)
	assert.Equal(t, "nlb", aws.ToString(out.ResourceRecordSets[0].SetIdentifier))
	assert.Equal(t, int64(100), aws.ToInt64(out.ResourceRecordSets[0].Weight))
	assert.False(t, out.IsTruncated)
	assert.Nil(t, out.NextRecordName)

	_, err = client.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID), StartRecordType: types.RRTypeA,
	})
	requireAPIError(t, err, "InvalidInput")

	_, err = client.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String("ZNOTAZONE")})
	requireAPIError(t, err, "NoSuchHostedZone")
	var noZone *types.NoSuchHostedZone
	assert.True(t, errors.As(err, &noZone), "error %v is not a *types.NoSuchHostedZone", err)
}

func TestChangeBatchSwapsWeights(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	client := newRoute53Client(srv)
	ctx := context.Background()

	out, err := client.ChangeResourceRecordSets(ctx, swapBatch(zoneID))
	require.NoError(t, err)
	require.NotNil(t, out.ChangeInfo)
	assert.Regexp(t, `^/change/C[A-Z0-9]+$`, aws.ToString(out.ChangeInfo.Id))
	assert.Equal(t, types.ChangeStatusPending, out.ChangeInfo.Status)
	assert.Equal(t, testNow, aws.ToTime(out.ChangeInfo.SubmittedAt))
	assert.Equal(t, "cutover to ALB", aws.ToString(out.ChangeInfo.Comment))
	assert.Equal(t, map[string]int64{"nlb": 0, "alb": 100}, weights(t, srv, zoneID))

	// The SDK strips "/change/" from the ID, and the zero sync delay makes
	// the first GetChange report INSYNC.
	change, err := client.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
	require.NoError(t, err)
	assert.Equal(t, types.ChangeStatusInsync, change.ChangeInfo.Status)
	assert.Equal(t, aws.ToString(out.ChangeInfo.Id), aws.ToString(change.ChangeInfo.Id))

	waiter := route53.NewResourceRecordSetsChangedWaiter(client)
	require.NoError(t, waiter.Wait(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id}, time.Minute))
}

func TestChangeBatchUpsertReplaces(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	client := newRoute53Client(srv)

	_, err := client.ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
			{Action: types.ChangeActionUpsert, ResourceRecordSet: sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 40)},
			{Action: types.ChangeActionUpsert, ResourceRecordSet: sdkWeightedAlias("alb", albAliasZone, albDNSName, 60)},
		}},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"nlb": 40, "alb": 60}, weights(t, srv, zoneID))

	// HealthCheckId round-trips, and a DELETE must repeat it.
	checked := sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 40)
	checked.HealthCheckId = aws.String("hc-0123")
	_, err = client.ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch:  &types.ChangeBatch{Changes: []types.Change{{Action: types.ChangeActionUpsert, ResourceRecordSet: checked}}},
	})
	require.NoError(t, err)
	out, err := client.ListResourceRecordSets(context.Background(), &route53.ListResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID), StartRecordName: aws.String(apiName), StartRecordType: types.RRTypeA,
		StartRecordIdentifier: aws.String("nlb"), MaxItems: aws.Int32(1),
	})
	require.NoError(t, err)
	require.Len(t, out.ResourceRecordSets, 1)
	assert.Equal(t, "hc-0123", aws.ToString(out.ResourceRecordSets[0].HealthCheckId))

	_, err = client.ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
			{Action: types.ChangeActionDelete, ResourceRecordSet: sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 40)},
		}},
	})
	requireInvalidChangeBatch(t, err)
}

func TestChangeBatchDeleteMismatchChangesNothing(t *testing.T) {
	ttlRecord := func(weight, ttl int64) *types.ResourceRecordSet {
		return &types.ResourceRecordSet{
			Name:            aws.String("www.example.com"),
			Type:            types.RRTypeA,
			SetIdentifier:   aws.String("blue"),
			Weight:          aws.Int64(weight),
			TTL:             aws.Int64(ttl),
			ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.10")}, {Value: aws.String("192.0.2.11")}},
		}
	}
	tests := []struct {
		name   string
		delete *types.ResourceRecordSet
	}{
		{name: "weight differs", delete: sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 99)},
		{name: "alias target differs", delete: sdkWeightedAlias("nlb", nlbAliasZone, "other.example.net.", 100)},
		{name: "evaluate target health differs", delete: func() *types.ResourceRecordSet {
			rs := sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 100)
			rs.AliasTarget.EvaluateTargetHealth = false
			return rs
		}()},
		{name: "ttl differs", delete: ttlRecord(10, 300)},
		{name: "weight of ttl record differs", delete: ttlRecord(11, 60)},
		{name: "value differs", delete: func() *types.ResourceRecordSet {
			rs := ttlRecord(10, 60)
			rs.ResourceRecords = rs.ResourceRecords[:1]
			return rs
		}()},
		{name: "set identifier not found", delete: sdkWeightedAlias("green", nlbAliasZone, nlbDNSName, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			zoneID := seedCutoverZone(t, srv)
			require.NoError(t, srv.Route53.PutRecordSets(zoneID, RecordSet{
				Name: "www.example.com", Type: "A", SetIdentifier: "blue", Weight: aws.Int64(10), TTL: aws.Int64(60),
				ResourceRecords: []string{"192.0.2.11", "192.0.2.10"},
			}))
			before := srv.Route53.RecordSets(zoneID)
			client := newRoute53Client(srv)

			// A change that is valid by itself comes first, so the test
			// shows that the batch is applied all or nothing.
			_, err := client.ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{
				HostedZoneId: aws.String(zoneID),
				ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
					{Action: types.ChangeActionUpsert, ResourceRecordSet: sdkWeightedAlias("alb", albAliasZone, albDNSName, 100)},
					{Action: types.ChangeActionDelete, ResourceRecordSet: tt.delete},
				}},
			})
			messages := requireInvalidChangeBatch(t, err)
			require.Len(t, messages, 1)
			assert.Contains(t, messages[0], "Tried to delete resource record set")
			assert.Equal(t, before, srv.Route53.RecordSets(zoneID))
			assert.Equal(t, 1, srv.Route53.Calls("ChangeResourceRecordSets"), "InvalidChangeBatch is not retried")
		})
	}
}

func TestChangeBatchDeleteMatchesOrderAndCase(t *testing.T) {
	srv := startServer(t)
	zoneID, err := srv.Route53.AddHostedZone("example.com")
	require.NoError(t, err)
	require.NoError(t, srv.Route53.PutRecordSets(zoneID, RecordSet{
		Name: "www.example.com", Type: "A", TTL: aws.Int64(60), ResourceRecords: []string{"192.0.2.10", "192.0.2.11"},
	}))

	_, err = newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{
			Action: types.ChangeActionDelete,
			ResourceRecordSet: &types.ResourceRecordSet{
				Name:            aws.String("WWW.Example.com."),
				Type:            types.RRTypeA,
				TTL:             aws.Int64(60),
				ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.11")}, {Value: aws.String("192.0.2.10")}},
			},
		}}},
	})
	require.NoError(t, err)
	assert.Len(t, srv.Route53.RecordSets(zoneID), 2, "only SOA and NS remain")
}

func TestChangeBatchReportsEveryConflict(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	before := srv.Route53.RecordSets(zoneID)

	// Both DELETEs carry stale weights, so both CREATEs find their record
	// sets still there. The SDK reads the four messages from an
	// <InvalidChangeBatch><Messages> body.
	input := swapBatch(zoneID)
	input.ChangeBatch.Changes[0].ResourceRecordSet.Weight = aws.Int64(50)
	input.ChangeBatch.Changes[1].ResourceRecordSet.Weight = aws.Int64(50)
	_, err := newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), input)

	messages := requireInvalidChangeBatch(t, err)
	require.Len(t, messages, 4)
	assert.Contains(t, messages[0], "set-identifier='nlb'] but the values provided do not match the current values")
	assert.Contains(t, messages[1], "set-identifier='alb'] but the values provided do not match the current values")
	assert.Contains(t, messages[2], "set-identifier='nlb'] but it already exists")
	assert.Contains(t, messages[3], "set-identifier='alb'] but it already exists")
	assert.Equal(t, before, srv.Route53.RecordSets(zoneID))
}

func TestChangeBatchRejectsInvalidChanges(t *testing.T) {
	tests := []struct {
		name        string
		change      types.Change
		wantCode    string
		wantMessage string
	}{
		{
			name:        "create existing",
			change:      types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 100)},
			wantCode:    "InvalidChangeBatch",
			wantMessage: "but it already exists",
		},
		{
			name:        "weight above 255",
			change:      types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 256)},
			wantCode:    "InvalidInput",
			wantMessage: "want 0 to 255",
		},
		{
			name: "set identifier without weight",
			change: types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: func() *types.ResourceRecordSet {
				rs := sdkWeightedAlias("green", nlbAliasZone, nlbDNSName, 0)
				rs.Weight = nil
				return rs
			}()},
			wantCode:    "InvalidInput",
			wantMessage: "no Weight",
		},
		{
			name: "non-weighted next to weighted",
			change: types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{
				Name: aws.String(apiName), Type: types.RRTypeA, TTL: aws.Int64(60),
				ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.10")}},
			}},
			wantCode:    "InvalidChangeBatch",
			wantMessage: "mixes weighted and non-weighted",
		},
		{
			name: "cname next to other types",
			change: types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{
				Name: aws.String(apiName), Type: types.RRTypeCname, TTL: aws.Int64(60),
				ResourceRecords: []types.ResourceRecord{{Value: aws.String("edge.example.net")}},
			}},
			wantCode:    "InvalidChangeBatch",
			wantMessage: "conflicts with other record types",
		},
		{
			name: "name outside zone",
			change: types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{
				Name: aws.String("api.example.org"), Type: types.RRTypeA, TTL: aws.Int64(60),
				ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.10")}},
			}},
			wantCode:    "InvalidChangeBatch",
			wantMessage: "is not permitted in zone example.com.",
		},
		{
			name: "alias with ttl",
			change: types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: func() *types.ResourceRecordSet {
				rs := sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 100)
				rs.TTL = aws.Int64(60)
				return rs
			}()},
			wantCode:    "InvalidInput",
			wantMessage: "sets AliasTarget and also TTL",
		},
		{
			name: "unsupported routing policy",
			change: types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: func() *types.ResourceRecordSet {
				rs := sdkWeightedAlias("nlb", nlbAliasZone, nlbDNSName, 100)
				rs.Failover = types.ResourceRecordSetFailoverPrimary
				return rs
			}()},
			wantCode:    "InvalidInput",
			wantMessage: "Failover",
		},
		{
			name: "delete apex soa",
			change: types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: &types.ResourceRecordSet{
				Name: aws.String("example.com"), Type: types.RRTypeSoa, TTL: aws.Int64(900),
				ResourceRecords: []types.ResourceRecord{{Value: aws.String(route53NameServers[0] + " loopback.invalid. 1 7200 900 1209600 86400")}},
			}},
			wantCode:    "InvalidChangeBatch",
			wantMessage: "must keep its SOA record set",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			zoneID := seedCutoverZone(t, srv)
			before := srv.Route53.RecordSets(zoneID)

			_, err := newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{
				HostedZoneId: aws.String(zoneID),
				ChangeBatch:  &types.ChangeBatch{Changes: []types.Change{tt.change}},
			})
			apiErr := requireAPIError(t, err, tt.wantCode)
			assert.Contains(t, apiErr.ErrorMessage(), tt.wantMessage)
			assert.Equal(t, before, srv.Route53.RecordSets(zoneID))
		})
	}
}

func TestGetChangePendingThenInSync(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	clock := &testClock{now: testNow}
	srv, err := Start(Options{Now: clock.Now})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	zoneID := seedCutoverZone(t, srv)
	srv.Route53.SetSyncDelay(30 * time.Second)
	client := newRoute53Client(srv)
	ctx := context.Background()

	out, err := client.ChangeResourceRecordSets(ctx, swapBatch(zoneID))
	require.NoError(t, err)
	status := func() types.ChangeStatus {
		t.Helper()
		change, err := client.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
		require.NoError(t, err)
		return change.ChangeInfo.Status
	}

	assert.Equal(t, types.ChangeStatusPending, status())
	clock.Advance(29 * time.Second)
	assert.Equal(t, types.ChangeStatusPending, status())
	clock.Advance(time.Second)
	assert.Equal(t, types.ChangeStatusInsync, status())
	assert.Equal(t, types.ChangeStatusInsync, status(), "a change stays INSYNC")
	assert.Equal(t, map[string]int64{"nlb": 0, "alb": 100}, weights(t, srv, zoneID), "records change before the change is INSYNC")
}

func TestGetChangeStuckPending(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	srv.Route53.HoldChanges(true)
	client := newRoute53Client(srv)
	ctx := context.Background()

	out, err := client.ChangeResourceRecordSets(ctx, swapBatch(zoneID))
	require.NoError(t, err)
	for range 5 {
		change, err := client.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
		require.NoError(t, err)
		assert.Equal(t, types.ChangeStatusPending, change.ChangeInfo.Status)
	}

	srv.Route53.HoldChanges(false)
	change, err := client.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
	require.NoError(t, err)
	assert.Equal(t, types.ChangeStatusInsync, change.ChangeInfo.Status)

	_, err = client.GetChange(ctx, &route53.GetChangeInput{Id: aws.String("CNOTACHANGE")})
	requireAPIError(t, err, "NoSuchChange")
	var noChange *types.NoSuchChange
	assert.True(t, errors.As(err, &noChange), "error %v is not a *types.NoSuchChange", err)
}

// A record that changes between the gate's read and its write makes the
// DELETE stale, so Route 53 rejects the whole batch.
func TestChangeBatchAfterConcurrentChange(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	srv.Route53.SetBeforeChange(func(hookZoneID string) {
		assert.Equal(t, zoneID, hookZoneID)
		assert.NoError(t, srv.Route53.PutRecordSets(hookZoneID, weightedAlias("nlb", nlbAliasZone, nlbDNSName, 50)))
	})

	_, err := newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), swapBatch(zoneID))
	messages := requireInvalidChangeBatch(t, err)
	require.Len(t, messages, 2, "the stale DELETE and the CREATE that then finds the record set")
	assert.Contains(t, messages[0], "set-identifier='nlb'] but the values provided do not match the current values")
	assert.Contains(t, messages[1], "set-identifier='nlb'] but it already exists")
	assert.Equal(t, map[string]int64{"nlb": 50, "alb": 0}, weights(t, srv, zoneID))

	srv.Route53.SetBeforeChange(nil)
	_, err = newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), swapBatch(zoneID))
	requireInvalidChangeBatch(t, err)
}

func TestGetHostedZoneAndListByName(t *testing.T) {
	srv := startServer(t)
	exampleID := seedCutoverZone(t, srv)
	otherID, err := srv.Route53.AddHostedZone("example.net")
	require.NoError(t, err)
	subID, err := srv.Route53.AddHostedZone("a.example.com")
	require.NoError(t, err)
	client := newRoute53Client(srv)
	ctx := context.Background()

	zone, err := client.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(exampleID)})
	require.NoError(t, err)
	assert.Equal(t, "/hostedzone/"+exampleID, aws.ToString(zone.HostedZone.Id))
	assert.Equal(t, "example.com.", aws.ToString(zone.HostedZone.Name))
	assert.Equal(t, int64(4), aws.ToInt64(zone.HostedZone.ResourceRecordSetCount))
	require.NotNil(t, zone.HostedZone.Config)
	assert.False(t, zone.HostedZone.Config.PrivateZone)
	require.NotNil(t, zone.DelegationSet)
	assert.Equal(t, route53NameServers, zone.DelegationSet.NameServers)

	_, err = client.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String("ZNOTAZONE")})
	requireAPIError(t, err, "NoSuchHostedZone")

	// Sorted by name with labels reversed: com.example, com.example.a,
	// net.example.
	first, err := client.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{MaxItems: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, first.HostedZones, 2)
	assert.Equal(t, "/hostedzone/"+exampleID, aws.ToString(first.HostedZones[0].Id))
	assert.Equal(t, "/hostedzone/"+subID, aws.ToString(first.HostedZones[1].Id))
	assert.True(t, first.IsTruncated)
	assert.Equal(t, "example.net.", aws.ToString(first.NextDNSName))
	assert.Equal(t, otherID, aws.ToString(first.NextHostedZoneId))

	rest, err := client.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{
		DNSName: first.NextDNSName, HostedZoneId: first.NextHostedZoneId,
	})
	require.NoError(t, err)
	require.Len(t, rest.HostedZones, 1)
	assert.Equal(t, "/hostedzone/"+otherID, aws.ToString(rest.HostedZones[0].Id))
	assert.False(t, rest.IsTruncated)
	assert.Equal(t, "example.net.", aws.ToString(rest.DNSName))
}

func TestRoute53RetriedFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
	}{
		{name: "throttling", fault: Fault{Kind: FaultThrottle, Count: 2}},
		{name: "internal error", fault: Fault{Kind: FaultInternalError, Count: 2}},
		{name: "service unavailable", fault: Fault{Kind: FaultAPIError, Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable, Count: 2}},
		{name: "dropped connection", fault: Fault{Kind: FaultDrop, Count: 2}},
		{name: "prior request not complete", fault: Fault{Kind: FaultAPIError, Code: "PriorRequestNotComplete", Count: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" on read", func(t *testing.T) {
			srv := startServer(t)
			zoneID := seedCutoverZone(t, srv)
			fault := tt.fault
			fault.Action = "ListResourceRecordSets"
			require.NoError(t, srv.Route53.Faults.Inject(fault))

			out, err := newRoute53Client(srv).ListResourceRecordSets(context.Background(), &route53.ListResourceRecordSetsInput{
				HostedZoneId: aws.String(zoneID),
			})
			require.NoError(t, err)
			assert.Len(t, out.ResourceRecordSets, 4)
			assert.Equal(t, 3, srv.Route53.Calls("ListResourceRecordSets"))
			assert.Equal(t, 0, srv.Route53.Faults.Remaining())
		})
		t.Run(tt.name+" on change", func(t *testing.T) {
			srv := startServer(t)
			zoneID := seedCutoverZone(t, srv)
			fault := tt.fault
			fault.Action = "ChangeResourceRecordSets"
			require.NoError(t, srv.Route53.Faults.Inject(fault))

			out, err := newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), swapBatch(zoneID))
			require.NoError(t, err)
			assert.Equal(t, types.ChangeStatusPending, out.ChangeInfo.Status)
			assert.Equal(t, 3, srv.Route53.Calls("ChangeResourceRecordSets"))
			assert.Equal(t, map[string]int64{"nlb": 0, "alb": 100}, weights(t, srv, zoneID))
		})
	}
}

// The SDK's standard retryer makes 3 attempts, so a fault on 3 requests
// reaches the caller.
func TestRoute53FaultsOutlastRetries(t *testing.T) {
	tests := []struct {
		name     string
		fault    Fault
		wantCode string
	}{
		{name: "throttling", fault: Fault{Kind: FaultThrottle}, wantCode: "Throttling"},
		{name: "prior request not complete", fault: Fault{Kind: FaultAPIError, Code: "PriorRequestNotComplete"}, wantCode: "PriorRequestNotComplete"},
		{name: "internal error", fault: Fault{Kind: FaultInternalError}, wantCode: "InternalFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			zoneID := seedCutoverZone(t, srv)
			fault := tt.fault
			fault.Action = "ChangeResourceRecordSets"
			fault.Count = retry.DefaultMaxAttempts
			require.NoError(t, srv.Route53.Faults.Inject(fault))

			_, err := newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), swapBatch(zoneID))
			requireAPIError(t, err, tt.wantCode)
			assert.Equal(t, retry.DefaultMaxAttempts, srv.Route53.Calls("ChangeResourceRecordSets"))
			assert.Equal(t, map[string]int64{"nlb": 100, "alb": 0}, weights(t, srv, zoneID))
		})
	}
}

// After a reply is lost, the SDK retries the same batch, whose DELETEs no
// longer match because the first attempt was applied. The gate must read
// the records again to learn that its change took effect.
func TestChangeBatchDroppedAfterApply(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	require.NoError(t, srv.Route53.Faults.Inject(Fault{Kind: FaultDropAfter, Action: "ChangeResourceRecordSets", Count: 1}))

	_, err := newRoute53Client(srv).ChangeResourceRecordSets(context.Background(), swapBatch(zoneID))
	messages := requireInvalidChangeBatch(t, err)
	require.Len(t, messages, 4)
	assert.Contains(t, messages[0], "do not match the current values")
	assert.Equal(t, 2, srv.Route53.Calls("ChangeResourceRecordSets"))
	assert.Equal(t, map[string]int64{"nlb": 0, "alb": 100}, weights(t, srv, zoneID))
}

func TestChangeBatchDroppedAfterApplyWithoutRetry(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	require.NoError(t, srv.Route53.Faults.Inject(Fault{Kind: FaultDropAfter, Action: "ChangeResourceRecordSets", Count: 1}))
	client := route53.New(route53.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      aws.NopRetryer{},
	})

	_, err := client.ChangeResourceRecordSets(context.Background(), swapBatch(zoneID))
	require.Error(t, err)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, map[string]int64{"nlb": 0, "alb": 100}, weights(t, srv, zoneID))
}

func TestRoute53TruncatedResponse(t *testing.T) {
	srv := startServer(t)
	zoneID := seedCutoverZone(t, srv)
	require.NoError(t, srv.Route53.Faults.Inject(Fault{Kind: FaultTruncate, Action: "ListResourceRecordSets", Count: 1}))
	client := newRoute53Client(srv)

	_, err := client.ListResourceRecordSets(context.Background(), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID)})
	require.Error(t, err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, 1, srv.Route53.Calls("ListResourceRecordSets"))
}

func TestRoute53UnknownOperation(t *testing.T) {
	srv := startServer(t)
	resp, err := http.Get(srv.URL + "/2013-04-01/healthcheck")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(body), "<Code>InvalidAction</Code>")
	assert.True(t, strings.Contains(string(body), "<Type>Sender</Type>"), string(body))
}
