package gate

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/gate/state"
	"github.com/cutover-dev/cutover/internal/loopback"
)

// fixedEvaluator returns the same analysis for every window and records
// the windows it was asked for.
type fixedEvaluator struct {
	mu      sync.Mutex
	result  analyze.Result
	windows [][2]time.Time
	// baselines are the baselines of the calls, nil when none was given.
	baselines []*analyze.Window
}

func (e *fixedEvaluator) Evaluate(_ context.Context, from, to time.Time, _ int, baseline *analyze.Window) (analyze.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.windows = append(e.windows, [2]time.Time{from, to})
	e.baselines = append(e.baselines, baseline)
	return e.result, nil
}

// gateRig is a test account, a state file and a clock for Run.
type gateRig struct {
	account   *testAccount
	store     state.Store
	evaluator *fixedEvaluator
	now       time.Time
	cfg       Config
}

func newGateRig(t *testing.T, nlbWeight, albWeight int64, verdicts map[string]analyze.Verdict) *gateRig {
	t.Helper()
	a := newTestAccount(t, nlbWeight, albWeight)
	store, err := state.Open(context.Background(), filepath.Join(t.TempDir(), "state.json"), nil)
	require.NoError(t, err)
	return &gateRig{
		account:   a,
		store:     store,
		evaluator: &fixedEvaluator{result: *analysis(verdicts)},
		now:       time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC),
		cfg: Config{
			Policy: "partner-api", Sets: a.sets, Steps: testSteps, TotalWeight: 100,
			RollbackOn: []string{analyze.CheckHandshakeRate, analyze.CheckClientsLeftBehind},
			Apply:      fastApply(5 * time.Minute),
		},
	}
}

func (r *gateRig) run(t *testing.T, opts Options) Report {
	t.Helper()
	report, err := Run(context.Background(), r.cfg, Deps{
		Route53: r.account.client, State: r.store, Evaluator: r.evaluator,
		Caller: Caller{ARN: "arn:aws:iam::123456789012:role/deploy", Account: "123456789012"},
		Now:    func() time.Time { return r.now },
	}, opts)
	require.NoError(t, err)
	return report
}

func (r *gateRig) state(t *testing.T) state.State {
	t.Helper()
	st, _, err := r.store.Load(context.Background())
	require.NoError(t, err)
	return st
}

// The gate steps 10 → 25 → 50 → 75 → 100 on a healthy path, each step
// only after its bake time, and changes nothing on dry runs.
func TestRunStepsThroughWithBake(t *testing.T) {
	r := newGateRig(t, 90, 10, nil)

	first := r.run(t, Options{Execute: true})
	assert.Equal(t, HaltWait, first.Decision.Verdict, "the first run starts the bake")
	assert.Equal(t, CodeWait, first.Code)
	assert.Equal(t, time.Hour, first.Decision.BakeRemaining)

	r.now = r.now.Add(time.Hour)
	dry := r.run(t, Options{})
	assert.Equal(t, Go, dry.Decision.Verdict)
	assert.Equal(t, CodeOK, dry.Code)
	require.NotNil(t, dry.Plan)
	assert.Nil(t, dry.Result, "a dry run sends nothing")
	assert.Equal(t, [][2]int64{{90, 10}, {90, 10}}, r.account.weights(t))
	assert.Contains(t, dry.Entry.Message, "Dry run: --execute would move the ALB from 10 % to 25 %")

	var shares []int
	for _, want := range []int{25, 50, 75, 100} {
		report := r.run(t, Options{Execute: true})
		require.Equal(t, Go, report.Decision.Verdict, "%v", report.Decision.Reasons)
		require.Equal(t, CodeOK, report.Code, report.Entry.Message)
		assert.Equal(t, state.OutcomeApplied, report.Entry.Outcome)
		assert.Equal(t, want, report.Decision.To)
		shares = append(shares, report.Decision.To)

		early := r.run(t, Options{Execute: true})
		assert.Equal(t, HaltWait, early.Decision.Verdict, "right after the step to %d %%", want)
		r.now = r.now.Add(testSteps[len(shares)].Bake)
	}
	assert.Equal(t, []int{25, 50, 75, 100}, shares)
	require.NotNil(t, r.evaluator.baselines[len(r.evaluator.baselines)-1], "the baseline is the first step's window")
	assert.Equal(t, time.Hour, r.evaluator.baselines[len(r.evaluator.baselines)-1].To.Sub(r.evaluator.baselines[len(r.evaluator.baselines)-1].From))
	assert.Equal(t, [][2]int64{{0, 100}, {0, 100}}, r.account.weights(t))

	done := r.run(t, Options{Execute: true})
	assert.Equal(t, Go, done.Decision.Verdict)
	assert.Nil(t, done.Plan, "nothing follows the last step")
	assert.Contains(t, done.Entry.Message, "cutover decommission, once the NLB has drained")

	st := r.state(t)
	assert.Equal(t, 100, st.ALBWeight)
	assert.Equal(t, 4, st.Step)
	assert.False(t, st.NLBZeroSince.IsZero())
	assert.Nil(t, st.Pending)
	var kinds []state.EntryKind
	for _, e := range st.Audit {
		kinds = append(kinds, e.Kind)
		assert.Equal(t, "arn:aws:iam::123456789012:role/deploy", e.CallerARN)
	}
	assert.Equal(t, []state.EntryKind{"evaluation", "evaluation", "step", "evaluation", "step", "evaluation", "step",
		"evaluation", "step", "evaluation", "evaluation"}, kinds)
}

func TestRunHaltsAndRollsBack(t *testing.T) {
	tests := []struct {
		name       string
		verdicts   map[string]analyze.Verdict
		execute    bool
		want       Verdict
		wantCode   Code
		wantKind   state.EntryKind
		wantShares [][2]int64
	}{
		{name: "waiting check", verdicts: map[string]analyze.Verdict{analyze.CheckHeaderTimeP99: analyze.Wait}, execute: true,
			want: HaltWait, wantCode: CodeWait, wantKind: state.EntryEvaluation, wantShares: [][2]int64{{75, 25}, {75, 25}}},
		{name: "failing check without rollback", verdicts: map[string]analyze.Verdict{analyze.CheckHeaderTimeP99: analyze.Fail}, execute: true,
			want: HaltFail, wantCode: CodeFail, wantKind: state.EntryEvaluation, wantShares: [][2]int64{{75, 25}, {75, 25}}},
		{name: "failing check rolls back", verdicts: map[string]analyze.Verdict{analyze.CheckClientsLeftBehind: analyze.Fail}, execute: true,
			want: HaltFail, wantCode: CodeFail, wantKind: state.EntryRollback, wantShares: [][2]int64{{90, 10}, {90, 10}}},
		{name: "rollback in a dry run", verdicts: map[string]analyze.Verdict{analyze.CheckClientsLeftBehind: analyze.Fail},
			want: HaltFail, wantCode: CodeFail, wantKind: state.EntryEvaluation, wantShares: [][2]int64{{75, 25}, {75, 25}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newGateRig(t, 75, 25, tc.verdicts)
			r.run(t, Options{})
			r.now = r.now.Add(2 * time.Hour)

			report := r.run(t, Options{Execute: tc.execute})

			assert.Equal(t, tc.want, report.Decision.Verdict)
			assert.Equal(t, tc.wantCode, report.Code, report.Entry.Message)
			assert.Equal(t, tc.wantKind, report.Entry.Kind)
			assert.Equal(t, tc.wantShares, r.account.weights(t))
			assert.Equal(t, [2]time.Time{r.now.Add(-2 * time.Hour), r.now}, r.evaluator.windows[len(r.evaluator.windows)-1],
				"the window starts with the step")
		})
	}
}

func TestRunManualRollback(t *testing.T) {
	r := newGateRig(t, 50, 50, nil)

	back := r.run(t, Options{Action: ActionRollback, Execute: true})
	assert.Equal(t, CodeOK, back.Code, back.Entry.Message)
	assert.Equal(t, state.EntryRollback, back.Entry.Kind)
	assert.Equal(t, [][2]int64{{75, 25}, {75, 25}}, r.account.weights(t))

	toNLB := r.run(t, Options{Action: ActionRollbackToNLB, Execute: true})
	assert.Equal(t, CodeOK, toNLB.Code, toNLB.Entry.Message)
	assert.Equal(t, [][2]int64{{100, 0}, {100, 0}}, r.account.weights(t))
	assert.Empty(t, r.evaluator.windows, "a rollback needs no analysis")
	assert.Equal(t, 0, r.state(t).ALBWeight)
}

// Two gates started at once against the same state: one acts, the other is
// refused and changes nothing, with the state in a file and in S3.
func TestRunTwoGatesAtOnce(t *testing.T) {
	for _, backend := range []string{"file", "s3"} {
		t.Run(backend, func(t *testing.T) {
			for round := range 10 {
				r := newGateRig(t, 90, 10, nil)
				if backend == "s3" {
					r.store = s3State(t, r.account.srv)
				}
				r.run(t, Options{})
				r.now = r.now.Add(time.Hour)

				var wg sync.WaitGroup
				reports := make([]Report, 2)
				for i := range reports {
					wg.Go(func() { reports[i] = r.run(t, Options{Execute: true}) })
				}
				wg.Wait()

				codes := map[Code]int{}
				for _, rep := range reports {
					codes[rep.Code]++
				}
				assert.Equal(t, 1, codes[CodeOK], "round %d: one gate steps: %v / %v", round, reports[0].Entry.Message, reports[1].Entry.Message)
				assert.Equal(t, 1, codes[CodeRefused]+codes[CodeWait], "round %d: the other is refused or finds the new step baking", round)
				assert.Equal(t, [][2]int64{{75, 25}, {75, 25}}, r.account.weights(t), "round %d: one step only", round)
				assert.Equal(t, 1, r.account.srv.Route53.Calls("ChangeResourceRecordSets"), "round %d: one change sent", round)
			}
		})
	}
}

// s3State returns a state store in a new bucket of the loopback server.
func s3State(t *testing.T, srv *loopback.Server) state.Store {
	t.Helper()
	require.NoError(t, srv.CreateBucket("cutover-state"))
	client := s3.New(s3.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", ""),
	})
	store, err := state.Open(context.Background(), "s3://cutover-state/partner-api/state.json", client)
	require.NoError(t, err)
	return store
}

// A gate that starts while another is inside its Route 53 change finds the
// claim in the state and is refused.
func TestRunRefusedWhileAnotherActs(t *testing.T) {
	r := newGateRig(t, 90, 10, nil)
	r.run(t, Options{})
	r.now = r.now.Add(time.Hour)

	var second Report
	r.account.srv.Route53.SetBeforeChange(func(string) {
		r.account.srv.Route53.SetBeforeChange(nil)
		second = r.run(t, Options{Execute: true})
	})
	first := r.run(t, Options{Execute: true})

	assert.Equal(t, CodeOK, first.Code, first.Entry.Message)
	assert.Equal(t, CodeRefused, second.Code)
	assert.Contains(t, second.Entry.Message, "has been changing the weights from 10 % to 25 %")
	assert.Equal(t, [][2]int64{{75, 25}, {75, 25}}, r.account.weights(t))
	st := r.state(t)
	assert.Nil(t, st.Pending)
	assert.Len(t, st.Audit, 3, "the first evaluation, the refusal and the step")
}

// A claim that an earlier run left behind is resolved from Route 53's
// records once it is older than the change timeout.
func TestRunReconcilesStaleClaim(t *testing.T) {
	r := newGateRig(t, 75, 25, nil)
	claimed := r.now.Add(-30 * time.Minute)
	_, err := r.store.Save(context.Background(), state.State{
		FormatVersion: state.FormatVersion, Policy: "partner-api", Step: 0, ALBWeight: 10, StepStartedAt: claimed.Add(-2 * time.Hour),
		Pending: &state.Pending{ID: "0123456789abcdef", Kind: state.ActionStep, FromWeight: 10, ToWeight: 25, StartedAt: claimed},
	}, "")
	require.NoError(t, err)

	report := r.run(t, Options{})

	require.NotEmpty(t, report.Notes)
	assert.Contains(t, report.Notes[0], "Route 53 holds 25 %, so its change was applied")
	st := r.state(t)
	assert.Nil(t, st.Pending)
	assert.Equal(t, 25, st.ALBWeight)
	assert.Equal(t, claimed, st.StepStartedAt.UTC())
	assert.Equal(t, state.EntryReconcile, st.Audit[0].Kind)
}

func TestRunAdoptsOutsideChange(t *testing.T) {
	r := newGateRig(t, 90, 10, nil)
	r.run(t, Options{})
	require.NoError(t, r.account.srv.Route53.PutRecordSets(r.account.zoneID,
		aliasRecord("A", "alb", albAliasZone, albDNSName, 50), aliasRecord("A", "nlb", nlbAliasZone, nlbDNSName, 50),
		aliasRecord("AAAA", "alb", albAliasZone, albDNSName, 50), aliasRecord("AAAA", "nlb", nlbAliasZone, nlbDNSName, 50)))
	r.now = r.now.Add(3 * time.Hour)

	report := r.run(t, Options{Execute: true})

	assert.Equal(t, HaltWait, report.Decision.Verdict, "the bake starts again")
	require.NotEmpty(t, report.Notes)
	assert.Contains(t, report.Notes[0], "changed outside the gate")
	assert.Equal(t, 50, r.state(t).ALBWeight)
}

func TestRunRefusesOffStepWeights(t *testing.T) {
	r := newGateRig(t, 67, 33, nil)
	report := r.run(t, Options{Execute: true})
	assert.Equal(t, CodeRefused, report.Code)
	assert.Contains(t, report.Entry.Message, "33 % of the weight, which is not a step of the policy")
	assert.Equal(t, [][2]int64{{67, 33}, {67, 33}}, r.account.weights(t))
}

// Each Route 53 fault leaves the records as they were or at the intended
// weights, the audit entry records which, and the exit code reports it to a pipeline.
func TestRunFaultsRecordOutcome(t *testing.T) {
	before := [][2]int64{{90, 10}, {90, 10}}
	after := [][2]int64{{75, 25}, {75, 25}}
	tests := []struct {
		name        string
		fault       *loopback.Fault
		hold        bool
		concurrent  bool
		wantCode    Code
		wantOutcome state.Outcome
		wantRecords [][2]int64
		wantWeight  int
	}{
		{name: "none", wantCode: CodeOK, wantOutcome: state.OutcomeApplied, wantRecords: after, wantWeight: 25},
		{name: "throttling retried", fault: &loopback.Fault{Kind: loopback.FaultThrottle, Action: "ChangeResourceRecordSets", Count: 2},
			wantCode: CodeOK, wantOutcome: state.OutcomeApplied, wantRecords: after, wantWeight: 25},
		{name: "throttling until retries are spent", fault: &loopback.Fault{Kind: loopback.FaultThrottle, Action: "ChangeResourceRecordSets", Count: 3},
			wantCode: CodeError, wantOutcome: state.OutcomeFailed, wantRecords: before, wantWeight: 10},
		{name: "server errors", fault: &loopback.Fault{Kind: loopback.FaultInternalError, Action: "ChangeResourceRecordSets", Count: 3},
			wantCode: CodeError, wantOutcome: state.OutcomeFailed, wantRecords: before, wantWeight: 10},
		{name: "prior request not complete", fault: &loopback.Fault{Kind: loopback.FaultAPIError, Code: "PriorRequestNotComplete",
			Action: "ChangeResourceRecordSets", Count: 2},
			wantCode: CodeOK, wantOutcome: state.OutcomeApplied, wantRecords: after, wantWeight: 25},
		{name: "reply lost after the change", fault: &loopback.Fault{Kind: loopback.FaultDropAfter, Action: "ChangeResourceRecordSets", Count: 1},
			wantCode: CodeUnconfirmed, wantOutcome: state.OutcomeAppliedUnconfirmed, wantRecords: after, wantWeight: 25},
		{name: "concurrent change", concurrent: true,
			wantCode: CodeRefused, wantOutcome: state.OutcomeRefused, wantRecords: [][2]int64{{50, 50}, {90, 10}}, wantWeight: 10},
		{name: "stuck in PENDING", hold: true,
			wantCode: CodeUnconfirmed, wantOutcome: state.OutcomeAppliedUnconfirmed, wantRecords: after, wantWeight: 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newGateRig(t, 90, 10, nil)
			r.run(t, Options{})
			r.now = r.now.Add(time.Hour)
			srv := r.account.srv
			if tc.fault != nil {
				require.NoError(t, srv.Route53.Faults.Inject(*tc.fault))
			}
			srv.Route53.HoldChanges(tc.hold)
			if tc.concurrent {
				srv.Route53.SetBeforeChange(func(string) {
					srv.Route53.SetBeforeChange(nil)
					require.NoError(t, srv.Route53.PutRecordSets(r.account.zoneID,
						aliasRecord("A", "alb", albAliasZone, albDNSName, 50), aliasRecord("A", "nlb", nlbAliasZone, nlbDNSName, 50)))
				})
			}

			report := r.run(t, Options{Execute: true})

			assert.Equal(t, tc.wantCode, report.Code, report.Entry.Message)
			assert.Equal(t, tc.wantRecords, r.account.weights(t))
			st := r.state(t)
			require.NotEmpty(t, st.Audit)
			last := st.Audit[len(st.Audit)-1]
			assert.Equal(t, tc.wantOutcome, last.Outcome, last.Message)
			assert.Equal(t, int(tc.wantCode), last.ExitCode)
			assert.True(t, last.Executed)
			assert.Nil(t, st.Pending, "the claim is released")
			assert.Equal(t, tc.wantWeight, st.ALBWeight)
		})
	}
}
