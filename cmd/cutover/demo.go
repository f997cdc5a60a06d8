package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/demo"
)

func newDemoCommand(g *globals, e env) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a whole simulated migration on a loopback AWS account and write its report",
		Long: `Run a whole migration from an NLB to an ALB on a loopback AWS account on
127.0.0.1, with no AWS credentials, and tell it as it goes. The account has
an NLB with three nginx instances, an ALB in mutual TLS verify mode whose
trust store lacks the intermediate CAs of one client cohort, and weighted
Route 53 records. On a simulated clock, the demo runs preflight (which warns
about the cohort), the gate's first step to 10 %, ingest and analyze, the
gate's halt and rollback, the trust store fix, the gate's steps to 100 %,
the decommission and the report.

It empties --dir and writes there the database, the policy, the
decommission snapshot and the report, and prints the report's path last.
It exits 0 when every command ended as the story expects, and 1 otherwise.`,
		Example: `  cutover demo
  cutover demo --dir /tmp/cutover-demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			runner := func(ctx context.Context, clock func() time.Time, args []string, stdout, stderr io.Writer) int {
				return run(ctx, args, env{stdout: stdout, stderr: stderr, now: clock})
			}
			_, err := demo.Run(cmd.Context(), demo.Options{Dir: dir, Stdout: e.stdout, Stderr: e.stderr, Cutover: runner})
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "demo", "folder for the database, policy, snapshots and report; emptied first")
	return cmd
}
