package gate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
)

func TestReadWeightsPercent(t *testing.T) {
	a := newTestAccount(t, 90, 10)
	w, err := ReadWeights(context.Background(), a.client, a.sets)
	require.NoError(t, err)

	percent, err := w.ALBPercent()
	require.NoError(t, err)
	assert.Equal(t, 10, percent)
	require.Len(t, w.Pairs, 2)
	assert.Equal(t, albDNSName, aws.ToString(w.Pairs[1].ALB.AliasTarget.DNSName))
}

func TestReadWeightsErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *testAccount)
		want   string
	}{
		{"missing ALB record", func(a *testAccount) { a.sets[0].ALBSetIdentifier = "blue" },
			`mtls.example.com A in zone ` + "%s" + `: no record with set identifier "blue"`},
		{"pairs at different shares", func(a *testAccount) {
			require.NoError(t, a.srv.Route53.PutRecordSets(a.zoneID, aliasRecord("AAAA", "alb", albAliasZone, albDNSName, 25),
				aliasRecord("AAAA", "nlb", nlbAliasZone, nlbDNSName, 75)))
		}, "the record pairs carry different weights (mtls.example.com A in zone %s: NLB 90, ALB 10; mtls.example.com AAAA in zone %s: NLB 75, ALB 25)"},
		{"both weights zero", func(a *testAccount) {
			require.NoError(t, a.srv.Route53.PutRecordSets(a.zoneID, aliasRecord("A", "alb", albAliasZone, albDNSName, 0),
				aliasRecord("A", "nlb", nlbAliasZone, nlbDNSName, 0)))
		}, "both have weight 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAccount(t, 90, 10)
			tc.change(a)
			w, err := ReadWeights(context.Background(), a.client, a.sets)
			if err == nil {
				_, err = w.ALBPercent()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), strings.ReplaceAll(tc.want, "%s", a.zoneID))
		})
	}
}

func TestPlanShiftCLIJSON(t *testing.T) {
	a := newTestAccount(t, 90, 10)
	w, err := ReadWeights(context.Background(), a.client, a.sets)
	require.NoError(t, err)

	plan, err := PlanShift(w, 25, 100, "cutover gate: 10 % to 25 % on the ALB")
	require.NoError(t, err)
	require.Len(t, plan.Batches, 1)
	data, err := plan.Batches[0].CLIJSON()
	require.NoError(t, err)

	var batch struct {
		Comment string
		Changes []struct {
			Action            string
			ResourceRecordSet map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(data, &batch))
	assert.Equal(t, "cutover gate: 10 % to 25 % on the ALB", batch.Comment)
	require.Len(t, batch.Changes, 8)
	var actions []string
	var weights []float64
	for _, c := range batch.Changes {
		actions = append(actions, c.Action)
		weights = append(weights, c.ResourceRecordSet["Weight"].(float64))
		assert.NotContains(t, c.ResourceRecordSet, "TTL", "an alias record has no TTL")
		assert.Equal(t, testName, c.ResourceRecordSet["Name"])
	}
	assert.Equal(t, []string{"DELETE", "DELETE", "DELETE", "DELETE", "CREATE", "CREATE", "CREATE", "CREATE"}, actions)
	assert.Equal(t, []float64{90, 10, 90, 10, 75, 25, 75, 25}, weights)
	assert.Equal(t, map[string]any{"HostedZoneId": albAliasZone, "DNSName": albDNSName, "EvaluateTargetHealth": true},
		batch.Changes[1].ResourceRecordSet["AliasTarget"])
}

// Each fault leaves Route 53 in the state before or the intended state,
// and the outcome names which.
func TestApplyFaults(t *testing.T) {
	before := [][2]int64{{90, 10}, {90, 10}}
	after := [][2]int64{{75, 25}, {75, 25}}
	tests := []struct {
		name        string
		setup       func(t *testing.T, a *testAccount)
		timeout     time.Duration
		want        Outcome
		wantRecords [][2]int64
		wantIDs     int
		wantMessage string
	}{
		{name: "no fault", want: OutcomeApplied, wantRecords: after, wantIDs: 1, wantMessage: "reached INSYNC"},
		{name: "throttled twice", setup: inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "ChangeResourceRecordSets", Count: 2}),
			want: OutcomeApplied, wantRecords: after, wantIDs: 1},
		{name: "throttled until retries are spent", setup: inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "ChangeResourceRecordSets", Count: 3}),
			want: OutcomeFailed, wantRecords: before, wantMessage: "holds the records as read"},
		{name: "server errors then success", setup: inject(loopback.Fault{Kind: loopback.FaultInternalError, Action: "ChangeResourceRecordSets", Count: 2}),
			want: OutcomeApplied, wantRecords: after, wantIDs: 1},
		{name: "server errors until retries are spent", setup: inject(loopback.Fault{Kind: loopback.FaultInternalError, Action: "ChangeResourceRecordSets", Count: 3}),
			want: OutcomeFailed, wantRecords: before},
		{name: "prior request not complete", setup: inject(loopback.Fault{Kind: loopback.FaultAPIError, Code: "PriorRequestNotComplete",
			Action: "ChangeResourceRecordSets", Count: 2}),
			want: OutcomeApplied, wantRecords: after, wantIDs: 1},
		{name: "PriorRequestNotComplete until retries are spent", setup: inject(loopback.Fault{Kind: loopback.FaultAPIError, Code: "PriorRequestNotComplete",
			Action: "ChangeResourceRecordSets", Count: 3}),
			want: OutcomeFailed, wantRecords: before, wantMessage: "holds the records as read"},
		{name: "connection dropped before the change", setup: inject(loopback.Fault{Kind: loopback.FaultDrop, Action: "ChangeResourceRecordSets", Count: 1}),
			want: OutcomeApplied, wantRecords: after, wantIDs: 1},
		{name: "reply lost after the change", setup: inject(loopback.Fault{Kind: loopback.FaultDropAfter, Action: "ChangeResourceRecordSets", Count: 1}),
			want: OutcomeUnconfirmed, wantRecords: after, wantMessage: "reply was lost"},
		{name: "concurrent change", setup: func(t *testing.T, a *testAccount) {
			a.srv.Route53.SetBeforeChange(func(string) {
				a.srv.Route53.SetBeforeChange(nil)
				require.NoError(t, a.srv.Route53.PutRecordSets(a.zoneID, aliasRecord("A", "alb", albAliasZone, albDNSName, 50),
					aliasRecord("A", "nlb", nlbAliasZone, nlbDNSName, 50)))
			})
		}, want: OutcomeRefused, wantRecords: [][2]int64{{50, 50}, {90, 10}}, wantMessage: "changed nothing"},
		{name: "change stuck in PENDING", setup: func(t *testing.T, a *testAccount) { a.srv.Route53.HoldChanges(true) },
			timeout: time.Minute, want: OutcomeUnconfirmed, wantRecords: after, wantIDs: 1, wantMessage: "still PENDING after 1m0s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAccount(t, 90, 10)
			w, err := ReadWeights(context.Background(), a.client, a.sets)
			require.NoError(t, err)
			plan, err := PlanShift(w, 25, 100, "test")
			require.NoError(t, err)
			if tc.setup != nil {
				tc.setup(t, a)
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Minute
			}

			res := Apply(context.Background(), a.client, plan, fastApply(timeout))

			assert.Equal(t, tc.want, res.Outcome, "%s %v", res.Message, res.Err)
			assert.Equal(t, tc.wantRecords, a.weights(t))
			assert.Len(t, res.ChangeIDs, tc.wantIDs)
			assert.Contains(t, res.Message, tc.wantMessage)
			if tc.want == OutcomeFailed || tc.want == OutcomeRefused {
				assert.Error(t, res.Err)
			}
		})
	}
}

func inject(f loopback.Fault) func(t *testing.T, a *testAccount) {
	return func(t *testing.T, a *testAccount) {
		require.NoError(t, a.srv.Route53.Faults.Inject(f))
	}
}

// When the second zone's batch is refused, the first zone is changed back,
// so the pairs never stay at different shares.
func TestApplyRevertsEarlierZones(t *testing.T) {
	a := newTestAccount(t, 90, 10)
	other, err := a.srv.Route53.AddHostedZone("example.net.")
	require.NoError(t, err)
	record := func(id string, weight int64) loopback.RecordSet {
		return loopback.RecordSet{Name: "mtls.example.net.", Type: "CNAME", SetIdentifier: id, Weight: aws.Int64(weight),
			TTL: aws.Int64(60), ResourceRecords: []string{id + ".example.org"}}
	}
	require.NoError(t, a.srv.Route53.PutRecordSets(other, record("nlb", 90), record("alb", 10)))
	sets := append(a.sets, RecordSet{ZoneID: other, Name: "mtls.example.net.", Type: "CNAME", NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"})
	w, err := ReadWeights(context.Background(), a.client, sets)
	require.NoError(t, err)
	plan, err := PlanShift(w, 25, 100, "test")
	require.NoError(t, err)
	require.Len(t, plan.Batches, 2)

	a.srv.Route53.SetBeforeChange(func(zoneID string) {
		if zoneID == other {
			a.srv.Route53.SetBeforeChange(nil)
			require.NoError(t, a.srv.Route53.PutRecordSets(other, record("alb", 11)))
		}
	})
	res := Apply(context.Background(), a.client, plan, fastApply(time.Minute))

	assert.Equal(t, OutcomeRefused, res.Outcome, res.Message)
	assert.Contains(t, res.Message, "were changed back")
	assert.Equal(t, [][2]int64{{90, 10}, {90, 10}}, a.weights(t), "the first zone is back at its weights")
	w, err = ReadWeights(context.Background(), a.client, sets[2:])
	require.NoError(t, err)
	assert.Equal(t, int64(11), aws.ToInt64(w.Pairs[0].ALB.Weight), "the other writer's change stays")
}
