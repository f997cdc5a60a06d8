package gate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Batch is one ChangeResourceRecordSets request: the changes of the pairs
// of one hosted zone. It deletes every record exactly as read and creates
// it again with its new weight, so the batch is a compare-and-swap: if any
// record changed since it was read, Route 53 rejects the whole batch.
type Batch struct {
	ZoneID  string
	Comment string
	// Before and After are the zone's pairs as read and as intended.
	Before, After []Pair
}

// Changes returns the batch's DELETE and CREATE changes, every DELETE
// first.
func (b Batch) Changes() []types.Change {
	var changes []types.Change
	for _, p := range b.Before {
		for _, r := range []types.ResourceRecordSet{p.NLB, p.ALB} {
			changes = append(changes, types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: &r})
		}
	}
	for _, p := range b.After {
		for _, r := range []types.ResourceRecordSet{p.NLB, p.ALB} {
			changes = append(changes, types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: &r})
		}
	}
	return changes
}

// Plan is a weight shift: one Batch per hosted zone, in the order of the
// policy's record sets.
type Plan struct {
	FromPercent, ToPercent int
	Batches                []Batch
}

// PlanShift returns the batches that move every pair of before to an ALB
// share of toPercent, with weights that add up to totalWeight.
func PlanShift(before Weights, toPercent, totalWeight int, comment string) (Plan, error) {
	from, err := before.ALBPercent()
	if err != nil {
		return Plan{}, err
	}
	if toPercent < 0 || toPercent > 100 {
		return Plan{}, fmt.Errorf("invalid ALB share %d %%: want 0 to 100", toPercent)
	}
	nlbWeight, albWeight := weightsFor(toPercent, totalWeight)
	plan := Plan{FromPercent: from, ToPercent: toPercent}
	zone := map[string]int{}
	for _, p := range before.Pairs {
		i, ok := zone[p.Set.ZoneID]
		if !ok {
			i = len(plan.Batches)
			zone[p.Set.ZoneID] = i
			plan.Batches = append(plan.Batches, Batch{ZoneID: p.Set.ZoneID, Comment: comment})
		}
		after := Pair{Set: p.Set, NLB: withWeight(p.NLB, nlbWeight), ALB: withWeight(p.ALB, albWeight)}
		plan.Batches[i].Before = append(plan.Batches[i].Before, p)
		plan.Batches[i].After = append(plan.Batches[i].After, after)
	}
	return plan, nil
}

// Outcome is the effect of a change on Route 53.
type Outcome string

const (
	// OutcomeApplied means Route 53 holds the intended records and every
	// change reached INSYNC.
	OutcomeApplied Outcome = "applied"
	// OutcomeUnconfirmed means Route 53 holds the intended records, but a
	// change did not reach INSYNC in time, or its reply was lost so its
	// status cannot be asked for.
	OutcomeUnconfirmed Outcome = "applied-unconfirmed"
	// OutcomeRefused means a record changed since it was read, so Route 53
	// rejected the batch and nothing was changed.
	OutcomeRefused Outcome = "refused"
	// OutcomeFailed means the change could not be made and Route 53 holds
	// the records as read, or, when Result.Partial is set, that some zones
	// changed and could not be changed back.
	OutcomeFailed Outcome = "failed"
)

// Result is the outcome of Apply.
type Result struct {
	Outcome Outcome
	// ChangeIDs are the IDs of the applied changes whose reply arrived.
	ChangeIDs []string
	// Partial lists the zones left at the intended weights while others
	// are not, after a failed revert. It is empty unless Outcome is
	// OutcomeFailed.
	Partial []string
	// Message explains the outcome in a sentence or two.
	Message string
	// Err is the error behind a refused or failed outcome.
	Err error
}

// ApplyOptions sets how long Apply waits for INSYNC.
type ApplyOptions struct {
	// Timeout is how long to wait for every change to reach INSYNC.
	Timeout time.Duration
	// PollInterval is the time between two GetChange calls.
	PollInterval time.Duration
	// Sleep waits for d or until ctx ends. Nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock that measures Timeout. Nil means time.Now.
	Now func() time.Time
}

func (o ApplyOptions) withDefaults() ApplyOptions {
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 10 * time.Second
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Apply submits the plan's batches in order and waits for INSYNC. When a
// batch fails after earlier ones were applied, it changes those zones back
// with the same compare-and-swap, so that the pairs never stay at two
// different shares unless that revert fails too.
//
// A batch whose call returns an error is not taken as failed: the reply may
// have been lost after Route 53 applied it, and the SDK's retry of the same
// batch then fails with InvalidChangeBatch. The zone's records are read
// again and compared with the records as read and as intended.
func Apply(ctx context.Context, api Route53API, plan Plan, opts ApplyOptions) Result {
	opts = opts.withDefaults()
	var applied []Batch
	var ids []string
	lostReply := false
	for _, batch := range plan.Batches {
		id, state, err := submit(ctx, api, batch)
		switch state {
		case batchApplied:
			applied = append(applied, batch)
			if id == "" {
				lostReply = true
			} else {
				ids = append(ids, id)
			}
			continue
		case batchRefused:
			res := revert(ctx, api, applied, opts)
			res.Err = errors.Join(err, res.Err)
			if res.Outcome == OutcomeApplied {
				res.Outcome = OutcomeRefused
				res.Message = strings.TrimSpace(fmt.Sprintf("Zone %s: a record changed since it was read, so Route 53 rejected the batch and changed nothing. %s",
					batch.ZoneID, res.Message))
			}
			return res
		default:
			res := revert(ctx, api, applied, opts)
			res.Err = errors.Join(err, res.Err)
			if res.Outcome == OutcomeApplied {
				res.Outcome = OutcomeFailed
				res.Message = strings.TrimSpace(fmt.Sprintf("Zone %s: the change failed and Route 53 holds the records as read. %s",
					batch.ZoneID, res.Message))
			}
			return res
		}
	}

	if err := waitInSync(ctx, api, ids, opts); err != nil {
		return Result{Outcome: OutcomeUnconfirmed, ChangeIDs: ids, Err: err,
			Message: fmt.Sprintf("Route 53 holds the new weights, but %v. Run the gate again later; do not move on before INSYNC.", err)}
	}
	if lostReply {
		return Result{Outcome: OutcomeUnconfirmed, ChangeIDs: ids,
			Message: "Route 53 holds the new weights, but a change's reply was lost, so its INSYNC status cannot be asked for. Run the gate again in a minute."}
	}
	return Result{Outcome: OutcomeApplied, ChangeIDs: ids,
		Message: fmt.Sprintf("Route 53 holds the new weights and %d change(s) reached INSYNC.", len(ids))}
}

type batchState int

const (
	batchFailed batchState = iota
	batchApplied
	batchRefused
)

// submit sends one batch. On an error it reads the zone's records again to
// tell a lost reply (the intended records are there) from a conflict (the
// records are neither as read nor as intended) and from a failure (the
// records are as read).
func submit(ctx context.Context, api Route53API, batch Batch) (string, batchState, error) {
	out, err := api.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(batch.ZoneID),
		ChangeBatch:  &types.ChangeBatch{Comment: aws.String(batch.Comment), Changes: batch.Changes()},
	})
	if err == nil {
		return aws.ToString(out.ChangeInfo.Id), batchApplied, nil
	}
	err = fmt.Errorf("change the records of zone %s: %w", batch.ZoneID, err)

	var sets []RecordSet
	for _, p := range batch.Before {
		sets = append(sets, p.Set)
	}
	current, readErr := ReadWeights(ctx, api, sets)
	if readErr != nil {
		return "", batchFailed, fmt.Errorf("%w; reading the records again to find out whether it was applied also failed: %v", err, readErr)
	}
	switch {
	case samePairs(current.Pairs, batch.After):
		return "", batchApplied, nil
	case samePairs(current.Pairs, batch.Before):
		return "", batchFailed, err
	default:
		return "", batchRefused, fmt.Errorf("%w: the records changed since they were read: %s", err, describePairs(current.Pairs))
	}
}

// revert changes the applied batches back, last first. It returns
// OutcomeApplied when there was nothing to revert or every revert reached
// Route 53, and OutcomeFailed with Partial set otherwise.
func revert(ctx context.Context, api Route53API, applied []Batch, opts ApplyOptions) Result {
	if len(applied) == 0 {
		return Result{Outcome: OutcomeApplied}
	}
	var partial, reverted []string
	var ids []string
	var errs []error
	for i := len(applied) - 1; i >= 0; i-- {
		b := applied[i]
		back := Batch{ZoneID: b.ZoneID, Comment: b.Comment + " (revert)", Before: b.After, After: b.Before}
		id, state, err := submit(ctx, api, back)
		if state != batchApplied {
			partial = append(partial, b.ZoneID)
			errs = append(errs, err)
			continue
		}
		reverted = append(reverted, b.ZoneID)
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(partial) > 0 {
		return Result{Outcome: OutcomeFailed, Partial: partial, ChangeIDs: ids, Err: errors.Join(errs...),
			Message: fmt.Sprintf("Zones %s hold the new weights and could not be changed back, so the record pairs now carry different weights. Fix them by hand or with cutover gate rollback.",
				strings.Join(partial, ", "))}
	}
	if err := waitInSync(ctx, api, ids, opts); err != nil {
		return Result{Outcome: OutcomeApplied, ChangeIDs: ids,
			Message: fmt.Sprintf("Zones %s were changed back, but %v.", strings.Join(reverted, ", "), err)}
	}
	return Result{Outcome: OutcomeApplied, ChangeIDs: ids,
		Message: fmt.Sprintf("Zones %s were changed back.", strings.Join(reverted, ", "))}
}

// waitInSync polls GetChange for each ID until it is INSYNC, or returns an
// error when opts.Timeout passes first.
func waitInSync(ctx context.Context, api Route53API, ids []string, opts ApplyOptions) error {
	deadline := opts.Now().Add(opts.Timeout)
	for _, id := range ids {
		for {
			out, err := api.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
			if err != nil {
				return fmt.Errorf("the status of change %s could not be read: %w", id, err)
			}
			if out.ChangeInfo.Status == types.ChangeStatusInsync {
				break
			}
			if !opts.Now().Before(deadline) {
				return fmt.Errorf("change %s was still %s after %s", id, out.ChangeInfo.Status, opts.Timeout)
			}
			if err := opts.Sleep(ctx, min(opts.PollInterval, deadline.Sub(opts.Now()))); err != nil {
				return fmt.Errorf("waiting for change %s: %w", id, err)
			}
		}
	}
	return nil
}

func samePairs(a, b []Pair) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !SameRecord(a[i].NLB, b[i].NLB) || !SameRecord(a[i].ALB, b[i].ALB) {
			return false
		}
	}
	return true
}

func describePairs(pairs []Pair) string {
	var parts []string
	for _, p := range pairs {
		parts = append(parts, fmt.Sprintf("%s: NLB weight %d, ALB weight %d", p.Set,
			aws.ToInt64(p.NLB.Weight), aws.ToInt64(p.ALB.Weight)))
	}
	return strings.Join(parts, "; ")
}
