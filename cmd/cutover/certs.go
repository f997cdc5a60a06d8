package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/store"
	"github.com/cutover-dev/cutover/queries"
)

func newCertsCommand(g *globals, e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "List client certificates: failing, one client's timeline, expiring soon, left behind",
		Long: `Certificate forensics over the database, keyed by the client identity
(canonical subject and serial, or the client IP where no certificate was
logged). Each subcommand runs a named query (cutover query --list, names
starting with certs_) and prints its rows. Listings exit 0 whatever they
list.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return newUsageError("cutover certs failing --since 1h", "certs needs a subcommand: failing, client, expiring or left-behind")
		},
	}
	cmd.AddCommand(
		newCertsListCommand(g, e, "failing", "certs_failing",
			"Identities with failed connections on either path, by raw reason and outcome",
			"  cutover certs failing --since 2h", nil, false),
		newCertsClientCommand(g, e),
		newCertsExpiringCommand(g, e),
		newCertsListCommand(g, e, "left-behind", "certs_left_behind",
			"Certificates that the NLB accepts and the ALB only rejects",
			"  cutover certs left-behind --since 6h\n  cutover certs left-behind --mode passthrough --since 6h", leftBehindCohorts, true),
	)
	return cmd
}

// certsFlags are the flags of the certs subcommands. Every subcommand
// takes the window and --wait, and only left-behind takes --mode.
type certsFlags struct {
	window windowFlags
	wait   time.Duration
	// hasMode is true where registerMode added --mode, whose value is mode.
	hasMode bool
	mode    string
}

func (f *certsFlags) register(cmd *cobra.Command) {
	f.window.register(cmd)
	cmd.Flags().Lookup("since").Usage = "only the last DURATION before now, such as 2h, 90m or 7d (default: the whole database)"
	cmd.Flags().DurationVar(&f.wait, "wait", 0, "how long to wait for another process that holds the database, such as 30s")
}

// registerMode adds --mode, which sets the DuckDB variable alb_mode of the
// subcommand's query.
func (f *certsFlags) registerMode(cmd *cobra.Command) {
	f.hasMode = true
	cmd.Flags().StringVar(&f.mode, "mode", analyze.ModeVerify,
		"the ALB's mutual TLS mode: verify, or passthrough to take the ALB's outcomes from the targets behind it")
}

// run runs the named query with the window and variables and prints its
// rows. With table output, a non-nil footer adds lines after the table.
func (f *certsFlags) run(cmd *cobra.Command, g *globals, e env, name string, vars map[string]any, footer func(table) []string) error {
	if f.hasMode && f.mode != analyze.ModeVerify && f.mode != analyze.ModePassthrough {
		return newUsageError("--mode verify", "invalid --mode %q: use verify or passthrough", f.mode)
	}
	w, err := f.window.window(e.now())
	if err != nil {
		return err
	}
	q, ok := queries.Lookup(name)
	if !ok {
		return fmt.Errorf("named query %s is missing from this build", name)
	}
	if vars == nil {
		vars = map[string]any{}
	}
	if f.hasMode {
		vars["alb_mode"] = f.mode
	}
	db, err := openStore(cmd.Context(), g, store.Options{Path: g.db, ReadOnly: true, Wait: f.wait})
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.QueryVariables(cmd.Context(), store.Window{From: w.From, To: w.To}, vars, q.SQL)
	if err != nil {
		return fmt.Errorf("query %s on %s: %w", name, g.db, err)
	}
	t := table{columns: res.Columns, rows: res.Rows}
	if err := t.write(e.stdout, g.output); err != nil {
		return err
	}
	if footer != nil && g.output == "table" {
		for _, line := range footer(t) {
			fmt.Fprintln(e.stdout, line)
		}
	}
	return nil
}

// leftBehindCohorts describes the rows of certs_left_behind by their ALB
// failure reasons, one line per set of reasons, so that a partner whose
// certificates all fail one way reads as one cohort.
func leftBehindCohorts(t table) []string {
	subject, serial, reasons := t.column("subject"), t.column("serial"), t.column("alb_failure_reasons")
	if subject < 0 || serial < 0 || reasons < 0 || len(t.rows) == 0 {
		return nil
	}
	byReasons := make(map[string][]analyze.Client)
	var order []string
	for _, row := range t.rows {
		key := stringValue(row[reasons])
		if _, ok := byReasons[key]; !ok {
			order = append(order, key)
		}
		byReasons[key] = append(byReasons[key], analyze.Client{Subject: stringValue(row[subject]), Serial: stringValue(row[serial])})
	}
	lines := []string{""}
	for _, key := range order {
		lines = append(lines, fmt.Sprintf("Left behind with %s: %s.", key, analyze.DescribeCohort(byReasons[key])))
	}
	return lines
}

// newCertsListCommand returns a subcommand that runs one named query
// without arguments. withMode adds --mode.
func newCertsListCommand(g *globals, e env, use, query, short, example string, footer func(table) []string, withMode bool) *cobra.Command {
	var f certsFlags
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    short + ", in the window (--since or --from/--to; the whole database without them). It prints the rows of the named query " + query + ".",
		Example: example,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, g, e, query, nil, footer)
		},
	}
	f.register(cmd)
	if withMode {
		f.registerMode(cmd)
	}
	return cmd
}

func newCertsClientCommand(g *globals, e env) *cobra.Command {
	var f certsFlags
	cmd := &cobra.Command{
		Use:   "client SUBJECT|SERIAL|IP",
		Short: "One client's connections on both paths, with their outcomes and requests",
		Long: `One client's timeline across both paths in the window: every connection
with its outcome and raw reason, and the requests it carried (ALB requests
joined on conn_trace_id). The client is a canonical subject DN, a serial
(any case, with or without ':' separators and leading zeros) or a client
IP. It prints the rows of the named query certs_client.`,
		Example: `  cutover certs client 5A756F4A05EAB4AD9A4603B0C8A84DBB3ED1FDF6 --since 1d
  cutover certs client "CN=fleet-03.fabrikam.example,OU=Supply Chain,O=Fabrikam\, Inc.,C=DE"
  cutover certs client 198.51.100.7 --from 2026-12-03`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || args[0] == "" {
				return newUsageError("cutover certs client 5A756F4A05EAB4AD", "certs client takes one argument: a subject, a serial or a client IP")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, g, e, "certs_client", map[string]any{"client": args[0]}, nil)
		},
	}
	f.register(cmd)
	return cmd
}

func newCertsExpiringCommand(g *globals, e env) *cobra.Command {
	var f certsFlags
	var within string
	cmd := &cobra.Command{
		Use:   "expiring",
		Short: "Certificates seen in the window that expire soon, with the clients that present them",
		Long: `Certificates seen in the window that expire within --within of the
window's end, or of now without a window, with the paths and client IPs that
present them. Certificates that have expired already are listed with
negative days left. It prints the rows of the named query certs_expiring.`,
		Example: `  cutover certs expiring --within 30d
  cutover certs expiring --within 14d --since 7d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			horizon, err := parseDuration(within)
			if err != nil || horizon <= 0 {
				return newUsageError("--within 30d", "invalid --within %q: use a positive duration such as 30d or 72h", within)
			}
			return f.run(cmd, g, e, "certs_expiring", map[string]any{"within": fmt.Sprintf("%d seconds", int64(horizon.Seconds()))}, nil)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&within, "within", "30d", "list certificates that expire within DURATION of the window's end, such as 30d or 72h")
	return cmd
}
