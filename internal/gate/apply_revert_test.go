package gate

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
)

// When the second zone's batch is refused and the revert of the first zone
// is throttled until the SDK's retries are spent, the first zone keeps the
// new weights, and the result names it.
func TestApplyRevertFails(t *testing.T) {
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
	require.Equal(t, a.zoneID, plan.Batches[0].ZoneID, "the first zone's batch goes first")

	// The hook runs inside the second zone's request, after its fault
	// check, so the throttling hits only the requests that follow: the
	// revert of the first zone and the SDK's two retries of it.
	a.srv.Route53.SetBeforeChange(func(zoneID string) {
		if zoneID != other {
			return
		}
		a.srv.Route53.SetBeforeChange(nil)
		require.NoError(t, a.srv.Route53.PutRecordSets(other, record("alb", 11)))
		require.NoError(t, a.srv.Route53.Faults.Inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "ChangeResourceRecordSets", Count: 3}))
	})
	res := Apply(context.Background(), a.client, plan, fastApply(time.Minute))

	assert.Equal(t, OutcomeFailed, res.Outcome, res.Message)
	assert.Equal(t, []string{a.zoneID}, res.Partial)
	assert.Contains(t, res.Message, "Zones "+a.zoneID+" hold the new weights and could not be changed back")
	assert.NotContains(t, res.Message, other, "the refused zone kept the other writer's records")
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "the records changed since they were read", "Err is the second zone's refusal")
	assert.Contains(t, res.Err.Error(), "Throttling", "Err keeps the failed revert")
	assert.Zero(t, a.srv.Route53.Faults.Remaining(), "the revert spent every throttling fault")
	assert.Equal(t, [][2]int64{{75, 25}, {75, 25}}, a.weights(t), "the first zone stays at the new weights")
	w, err = ReadWeights(context.Background(), a.client, sets[2:])
	require.NoError(t, err)
	assert.Equal(t, int64(90), aws.ToInt64(w.Pairs[0].NLB.Weight), "the second zone's NLB record is as read")
	assert.Equal(t, int64(11), aws.ToInt64(w.Pairs[0].ALB.Weight), "the other writer's change stays")
}
