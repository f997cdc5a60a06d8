// Package demo runs a whole migration from an NLB to an ALB on a loopback
// AWS account, with no AWS credentials, and prints what happens as it goes.
// The account has an NLB with three nginx instances, an ALB in mutual TLS
// verify mode, and the weighted Route 53 records. The ALB's trust store
// lacks the intermediate CAs of one client cohort. The demo simulates each
// stage's traffic into S3, CloudWatch Logs and CloudWatch, and runs cutover
// as a team would: preflight, the first step, the halt, the trust store fix,
// the gate up to 100 %, the decommission and the report. "cutover demo" and
// "make demo" run it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Runner runs one cutover command with args, at the time that clock
// returns, and returns its exit code.
type Runner func(ctx context.Context, clock func() time.Time, args []string, stdout, stderr io.Writer) int

// Options configures [Run].
type Options struct {
	// Dir is the folder for the database, policy, snapshots and report.
	// Run empties it first.
	Dir string
	// Stdout receives the narrative and the commands' results, and Stderr
	// their logs.
	Stdout, Stderr io.Writer
	// Cutover runs the cutover commands.
	Cutover Runner
	// Day is the simulated day, truncated to midnight UTC. Zero means the
	// day before yesterday, so that CloudWatch still serves the day's
	// metrics at 60-second periods.
	Day time.Time
}

// Run plays the migration and returns the path of the report's HTML file.
// It returns an error when a command exits with another code than the one
// the story expects, or when the loopback account cannot be seeded.
func Run(ctx context.Context, opts Options) (string, error) {
	if opts.Cutover == nil {
		return "", fmt.Errorf("demo: no cutover runner")
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Day.IsZero() {
		opts.Day = time.Now().UTC().Truncate(24 * time.Hour).Add(-48 * time.Hour)
	}
	if err := prepareDir(opts.Dir); err != nil {
		return "", err
	}
	m, err := newMigration(ctx, opts)
	if err != nil {
		return "", err
	}
	defer m.close()
	return m.play(ctx)
}

// markerFile marks a folder that the demo wrote, which a later run may
// empty.
const markerFile = ".cutover-demo"

// prepareDir empties dir and writes the marker file into it. It rejects a
// folder that is not empty and has no marker file, so that a mistyped
// --dir never deletes someone's files.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
			return fmt.Errorf("folder %s is not empty and was not written by cutover demo: choose a new or empty folder with --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, markerFile), []byte("cutover demo writes this folder and empties it on its next run.\n"), 0o644)
}

// simClock is the simulated clock. It moves only when the demo sets it, so
// that a step's bake, which starts when the gate runs, ends exactly when the
// demo runs the gate again after the bake time.
type simClock struct {
	mu sync.Mutex
	at time.Time
}

func newSimClock(at time.Time) *simClock {
	return &simClock{at: at}
}

// Set moves the clock to at.
func (c *simClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

// Now returns the simulated time.
func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

// quoteArgs joins args for display, quoting those a shell would split.
func quoteArgs(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " '\"*$\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// relative returns path relative to the working directory when it is
// inside it, for shorter commands in the narrative.
func relative(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return rel
}
