package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// PreflightPrediction is one row of table preflight_predictions without the
// run's columns: the predicted ALB verdict for one client identity.
type PreflightPrediction struct {
	Subject     string
	Serial      string
	Issuer      string
	Verdict     string
	Status      string
	Explanation string
	Missing     string
	Connections int64
	// NLBOKConnections counts the identity's NLB connections that
	// succeeded.
	NLBOKConnections int64
	// Share is the fraction, 0 to 1, of the window's NLB connections that
	// the identity made.
	Share float64
}

// PreflightRun is one run of cutover preflight.
type PreflightRun struct {
	At          time.Time
	Window      Window
	Predictions []PreflightPrediction
}

// InsertPreflightRun stores the predictions of one run in
// preflight_predictions in one transaction, under a new random run ID, and
// returns that ID. Earlier runs stay as they are.
func (d *DB) InsertPreflightRun(ctx context.Context, run PreflightRun) (string, error) {
	if run.At.IsZero() {
		return "", errors.New("store preflight run: the run time is missing")
	}
	id, err := newRunID()
	if err != nil {
		return "", fmt.Errorf("store preflight run: %w", err)
	}

	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("store preflight run %s: %w", id, err)
	}
	if err := insertPredictions(ctx, tx, id, run); err != nil {
		_ = tx.Rollback()
		return "", fmt.Errorf("store preflight run %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("store preflight run %s: %w", id, err)
	}
	return id, nil
}

func insertPredictions(ctx context.Context, tx *sql.Tx, id string, run PreflightRun) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO preflight_predictions
		(run_id, run_at, subject, serial, issuer, verdict, status, explanation, missing, connections, nlb_ok_connections, share, window_start, window_end)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, p := range run.Predictions {
		if p.Verdict == "" {
			return fmt.Errorf("prediction %d (%s, serial %s): the verdict is missing", i+1, p.Subject, p.Serial)
		}
		if _, err := stmt.ExecContext(ctx, id, run.At.UTC(), nullString(p.Subject), nullString(p.Serial), nullString(p.Issuer),
			p.Verdict, nullString(p.Status), nullString(p.Explanation), nullString(p.Missing), p.Connections, p.NLBOKConnections, p.Share,
			nullTime(run.Window.From.UTC()), nullTime(run.Window.To.UTC())); err != nil {
			return fmt.Errorf("prediction %d (%s, serial %s): %w", i+1, p.Subject, p.Serial, err)
		}
	}
	return nil
}

// newRunID returns 16 random hex digits.
func newRunID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
