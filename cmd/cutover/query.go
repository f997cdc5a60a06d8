package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/store"
	"github.com/cutover-dev/cutover/queries"
)

func newQueryCommand(g *globals, e env) *cobra.Command {
	var (
		list   bool
		wait   time.Duration
		window windowFlags
	)
	cmd := &cobra.Command{
		Use:   "query SQL_OR_NAME",
		Short: "Run SQL or a named query against the database, read-only",
		Long: `Run one SQL statement, or a named query, against the database. The database is
opened read-only, so a query cannot change it. --list shows the named queries;
their SQL is a good start for your own. SQL that starts with a "--" comment
needs a "--" argument before it, which ends the flags.

--since, --from and --to set the DuckDB variables window_start and
window_end (NULL when not given), which the windowed named queries read
with getvariable('window_start').`,
		Example: `  cutover query top_failing_subjects
  cutover query --output json "SELECT tls_verify_status, count(*) FROM alb_connection GROUP BY 1"
  cutover query --list
  cutover query client_handshakes --since 1h
  cutover query -- "$(cat my-query.sql)"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list && len(args) == 0 {
				return nil
			}
			if len(args) != 1 {
				return newUsageError(`cutover query "SELECT count(*) FROM alb_access"`,
					"query takes one argument, the SQL or a query name (quote SQL as one argument)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				t := table{columns: []string{"name", "description"}}
				for _, q := range queries.All() {
					t.rows = append(t.rows, []any{q.Name, q.Description})
				}
				return t.write(e.stdout, g.output)
			}
			text := args[0]
			if q, ok := queries.Lookup(text); ok {
				text = q.SQL
			} else if !strings.ContainsAny(text, " \n\t") {
				return newUsageError("cutover query --list", "no named query %q, and it is not SQL", text)
			}
			w, err := window.window(e.now())
			if err != nil {
				return err
			}
			db, err := openStore(cmd.Context(), g, store.Options{Path: g.db, ReadOnly: true, Wait: wait})
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := db.QueryWindow(cmd.Context(), store.Window{From: w.From, To: w.To}, text)
			if err != nil {
				return fmt.Errorf("query %s: %w", g.db, err)
			}
			return table{columns: res.Columns, rows: res.Rows}.write(e.stdout, g.output)
		},
	}
	window.register(cmd)
	cmd.Flags().Lookup("since").Usage = "set window_start to DURATION before now, such as 2h, 90m or 7d, and window_end to now"
	cmd.Flags().BoolVar(&list, "list", false, "list the named queries")
	cmd.Flags().DurationVar(&wait, "wait", 0, "how long to wait for another process that holds the database, such as 30s")
	return cmd
}
