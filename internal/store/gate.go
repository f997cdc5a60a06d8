package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GateDecision is one row of table gate_decisions: one entry of the gate
// state's audit trail.
type GateDecision struct {
	// Seq is the entry's position in its state's audit trail, from 0.
	Seq      int
	Time     time.Time
	Kind     string
	Verdict  string
	Executed bool
	// The ALB's share of the weight in percent, and the records' weights,
	// before and after the run.
	ALBShareBefore, ALBShareAfter    int
	NLBWeightBefore, ALBWeightBefore int64
	NLBWeightAfter, ALBWeightAfter   int64
	Outcome                          string
	// ChangeIDs are the Route 53 change IDs, comma-separated.
	ChangeIDs     string
	CallerARN     string
	CallerAccount string
	// Checks is the entry's checks as a JSON array.
	Checks   string
	Message  string
	ExitCode int
}

// ReplaceGateDecisions replaces the rows of one state location with the
// entries of its audit trail, in one transaction.
func (d *DB) ReplaceGateDecisions(ctx context.Context, location string, rows []GateDecision) error {
	if location == "" {
		return errors.New("store gate decisions: the state location is missing")
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store gate decisions of %s: %w", location, err)
	}
	if err := replaceGateDecisions(ctx, tx, location, rows); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("store gate decisions of %s: %w", location, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store gate decisions of %s: %w", location, err)
	}
	return nil
}

func replaceGateDecisions(ctx context.Context, tx *sql.Tx, location string, rows []GateDecision) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM gate_decisions WHERE state_location = ?`, location); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO gate_decisions
		(state_location, seq, time, kind, verdict, executed, alb_share_before, alb_share_after,
		 nlb_weight_before, alb_weight_before, nlb_weight_after, alb_weight_after,
		 outcome, change_ids, caller_arn, caller_account, checks, message, exit_code)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if r.Time.IsZero() || r.Kind == "" {
			return fmt.Errorf("entry %d: the time or the kind is missing", r.Seq)
		}
		checks := r.Checks
		if checks == "" {
			checks = "[]"
		}
		if _, err := stmt.ExecContext(ctx, location, r.Seq, r.Time.UTC(), r.Kind, nullString(r.Verdict), r.Executed,
			r.ALBShareBefore, r.ALBShareAfter, r.NLBWeightBefore, r.ALBWeightBefore, r.NLBWeightAfter, r.ALBWeightAfter,
			nullString(r.Outcome), nullString(r.ChangeIDs), nullString(r.CallerARN), nullString(r.CallerAccount),
			checks, nullString(r.Message), r.ExitCode); err != nil {
			return fmt.Errorf("entry %d: %w", r.Seq, err)
		}
	}
	return nil
}
