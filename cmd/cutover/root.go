package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// env is the part of the process a command may use: its output streams and
// clock.
type env struct {
	stdout, stderr io.Writer
	now            func() time.Time
}

// globals are the flags every command takes.
type globals struct {
	db          string
	output      string
	logLevel    string
	endpointURL string
	quiet       bool
	log         *slog.Logger
}

func run(ctx context.Context, args []string, e env) int {
	g := &globals{}
	root := newRootCommand(g, e)
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}

	// Cobra's own flag and argument errors are usage errors too.
	var usage *usageError
	var code *exitCodeError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		if usage.hint != "" {
			fmt.Fprintf(e.stderr, "Try: %s\n", usage.hint)
		}
		return exitUsage
	case errors.As(err, &code):
		if code.err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", code.err)
		}
		return code.code
	case isCobraUsage(err):
		fmt.Fprintf(e.stderr, "Error: %v\nTry: cutover --help\n", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "Error: %v\n", err)
	return exitCode(err)
}

// isCobraUsage recognises the errors cobra returns for unknown commands,
// unknown flags and wrong argument counts, which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "requires exactly", "bad flag syntax"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

func newRootCommand(g *globals, e env) *cobra.Command {
	root := &cobra.Command{
		Use:   "cutover",
		Short: "Compare the NLB and ALB paths of a mutual-TLS migration and gate its weight steps",
		Long: `cutover loads the evidence of both paths into a DuckDB file: ALB and NLB logs
from S3 or local folders, the terminating proxies' logs from there or from
CloudWatch Logs, and both load balancers' CloudWatch metrics. It answers
questions about the migration with SQL and named queries.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return g.setup(e)
		},
	}
	root.PersistentFlags().StringVar(&g.db, "db", "cutover.duckdb", "database file")
	root.PersistentFlags().StringVarP(&g.output, "output", "o", "table", "result format: table, json or csv")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level on stderr: debug, info, warn or error")
	root.PersistentFlags().StringVar(&g.endpointURL, "endpoint-url", "",
		"send AWS requests to this URL instead of the standard endpoint, as the AWS CLI's --endpoint-url does")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print no progress and no logs below warn")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return newUsageError(cmd.CommandPath()+" --help", "%v", err)
	})
	root.AddCommand(
		newIngestCommand(g, e),
		newQueryCommand(g, e),
		newSimulateCommand(g, e),
		newCloudWatchCommand(g, e),
		newAnalyzeCommand(g, e),
		newCertsCommand(g, e),
		newPreflightCommand(g, e),
		newGateCommand(g, e),
		newDecommissionCommand(g, e),
		newReportCommand(g, e),
		newDemoCommand(g, e),
	)
	return root
}

func (g *globals) setup(e env) error {
	switch g.output {
	case "table", "json", "csv":
	default:
		return newUsageError("--output table", "invalid --output %q: use table, json or csv", g.output)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return newUsageError("--log-level info", "invalid --log-level %q: use debug, info, warn or error", g.logLevel)
	}
	if g.quiet && level < slog.LevelWarn {
		level = slog.LevelWarn
	}
	g.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// isTerminal reports whether w is a terminal, for progress display.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
