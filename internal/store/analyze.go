package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/queries"
)

// The named queries that AnalyzeInputs runs.
const (
	queryAnalyzeHandshakes  = "analyze_handshakes"
	queryAnalyzeRequests    = "analyze_requests"
	queryAnalyzeHeaderTimes = "analyze_header_times"
	queryAnalyzeSources     = "source_freshness"
	queryAnalyzeGaps        = "analyze_gaps"
)

// AnalyzeInputs reads the evidence of window w from the named queries whose
// names start with analyze_, and from source_freshness. mode is
// analyze.ModeVerify or analyze.ModePassthrough. It sets the DuckDB variable
// alb_mode, which selects whether the ALB path's handshakes come from the ALB
// connection log or from the terminator_tls rows with path alb. When baseline is not nil,
// AnalyzeInputs also reads the handshakes, requests and header times of the
// baseline window and keeps their NLB rows in Inputs.Baseline.
//
// A zero side of a window is unbounded, as in Window. Client keys are
// "SUBJECT / SERIAL", with "" for a part that was not logged (such as
// "CN=x / "), or "ip:ADDRESS" when neither was logged. Times are UTC.
func (d *DB) AnalyzeInputs(ctx context.Context, w analyze.Window, mode string, baseline *analyze.Window) (analyze.Inputs, error) {
	if mode != analyze.ModeVerify && mode != analyze.ModePassthrough {
		return analyze.Inputs{}, fmt.Errorf("invalid ALB mode %q: use %q or %q", mode, analyze.ModeVerify, analyze.ModePassthrough)
	}
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return analyze.Inputs{}, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET VARIABLE alb_mode = ?::VARCHAR", mode); err != nil {
		return analyze.Inputs{}, fmt.Errorf("set alb_mode: %w", err)
	}

	in := analyze.Inputs{Window: w, Mode: mode}
	if err := setWindow(ctx, conn, w); err != nil {
		return analyze.Inputs{}, err
	}
	if in.Handshakes, err = readHandshakes(ctx, conn); err != nil {
		return analyze.Inputs{}, err
	}
	if in.Requests, err = readRequests(ctx, conn); err != nil {
		return analyze.Inputs{}, err
	}
	if in.HeaderTimes, err = readHeaderTimes(ctx, conn); err != nil {
		return analyze.Inputs{}, err
	}
	if in.Sources, err = readSources(ctx, conn); err != nil {
		return analyze.Inputs{}, err
	}
	if in.Gaps, err = readGaps(ctx, conn); err != nil {
		return analyze.Inputs{}, err
	}

	if baseline != nil {
		if in.Baseline, err = readBaseline(ctx, conn, *baseline); err != nil {
			return analyze.Inputs{}, err
		}
	}
	return in, nil
}

// readBaseline reads the NLB path's handshakes, requests and header times in
// window w. It leaves w in the connection's window variables.
func readBaseline(ctx context.Context, conn *sql.Conn, w analyze.Window) (*analyze.Baseline, error) {
	if err := setWindow(ctx, conn, w); err != nil {
		return nil, err
	}
	handshakes, err := readHandshakes(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("baseline window: %w", err)
	}
	requests, err := readRequests(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("baseline window: %w", err)
	}
	headerTimes, err := readHeaderTimes(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("baseline window: %w", err)
	}

	b := &analyze.Baseline{Window: w}
	for _, h := range handshakes {
		if h.Path == analyze.PathNLB {
			b.Handshakes = append(b.Handshakes, h)
		}
	}
	for _, r := range requests {
		if r.Path == analyze.PathNLB {
			b.Requests = append(b.Requests, r)
		}
	}
	for _, h := range headerTimes {
		if h.Path == analyze.PathNLB {
			b.HeaderTimes = append(b.HeaderTimes, h)
		}
	}
	return b, nil
}

// setWindow sets the variables window_start and window_end of conn as
// QueryWindow does, with NULL for a zero side.
func setWindow(ctx context.Context, conn *sql.Conn, w analyze.Window) error {
	for name, bound := range map[string]time.Time{"window_start": w.From, "window_end": w.To} {
		value := sql.NullTime{Time: bound.UTC(), Valid: !bound.IsZero()}
		if _, err := conn.ExecContext(ctx, "SET VARIABLE "+name+" = ?::TIMESTAMPTZ", value); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	return nil
}

// runNamed runs the named query and calls scan for each row. Errors name the
// query.
func runNamed(ctx context.Context, conn *sql.Conn, name string, scan func(*sql.Rows) error) error {
	q, ok := queries.Lookup(name)
	if !ok {
		return fmt.Errorf("query %s: not found among the named queries, which is a defect in this build", name)
	}
	rows, err := conn.QueryContext(ctx, q.SQL)
	if err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("query %s: read row: %w", name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	return nil
}

// client builds the identity of a row from its subject, serial and client_ip
// columns.
func client(subject, serial, ip sql.NullString) analyze.Client {
	c := analyze.Client{Subject: subject.String, Serial: serial.String}
	if c.IPOnly() {
		c.IP = ip.String
		c.Key = "ip:" + c.IP
	} else {
		c.Key = c.Subject + " / " + c.Serial
	}
	return c
}

func readHandshakes(ctx context.Context, conn *sql.Conn) ([]analyze.HandshakeGroup, error) {
	var out []analyze.HandshakeGroup
	err := runNamed(ctx, conn, queryAnalyzeHandshakes, func(rows *sql.Rows) error {
		var (
			path                                     string
			subject, serial, ip, outcomeWord, reason sql.NullString
			count                                    int64
			first, last                              time.Time
		)
		if err := rows.Scan(&path, &subject, &serial, &ip, &outcomeWord, &reason, &count, &first, &last); err != nil {
			return err
		}
		out = append(out, analyze.HandshakeGroup{
			Path:    path,
			Client:  client(subject, serial, ip),
			Outcome: outcome.Outcome(outcomeWord.String), // NULL is "", outcome.NotVerified
			Reason:  reason.String,
			Count:   int(count),
			First:   first.UTC(),
			Last:    last.UTC(),
		})
		return nil
	})
	return out, err
}

func readRequests(ctx context.Context, conn *sql.Conn) ([]analyze.RequestCounts, error) {
	var out []analyze.RequestCounts
	err := runNamed(ctx, conn, queryAnalyzeRequests, func(rows *sql.Rows) error {
		var (
			path                           string
			subject, serial, ip            sql.NullString
			requests, status5xx, status4xx int64
		)
		if err := rows.Scan(&path, &subject, &serial, &ip, &requests, &status5xx, &status4xx); err != nil {
			return err
		}
		out = append(out, analyze.RequestCounts{
			Path:      path,
			Client:    client(subject, serial, ip),
			Requests:  int(requests),
			Status5xx: int(status5xx),
			Status4xx: int(status4xx),
		})
		return nil
	})
	return out, err
}

// readHeaderTimes groups the rows of analyze_header_times per path and
// client key. The query sorts each group's rows by time, so Seconds comes
// out sorted.
func readHeaderTimes(ctx context.Context, conn *sql.Conn) ([]analyze.HeaderTimes, error) {
	var out []analyze.HeaderTimes
	index := map[[2]string]int{} // path and client key to the position in out
	err := runNamed(ctx, conn, queryAnalyzeHeaderTimes, func(rows *sql.Rows) error {
		var (
			path                string
			subject, serial, ip sql.NullString
			seconds             float64
			count               int64
		)
		if err := rows.Scan(&path, &subject, &serial, &ip, &seconds, &count); err != nil {
			return err
		}
		c := client(subject, serial, ip)
		key := [2]string{path, c.Key}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, analyze.HeaderTimes{Path: path, Client: c})
		}
		out[i].Seconds = append(out[i].Seconds, seconds)
		out[i].Counts = append(out[i].Counts, int(count))
		return nil
	})
	return out, err
}

func readSources(ctx context.Context, conn *sql.Conn) ([]analyze.Source, error) {
	var out []analyze.Source
	err := runNamed(ctx, conn, queryAnalyzeSources, func(rows *sql.Rows) error {
		var (
			kind                string
			name, log, path     sql.NullString
			newest, intervalEnd sql.NullTime
			count               int64
		)
		if err := rows.Scan(&kind, &name, &log, &path, &newest, &intervalEnd, &count); err != nil {
			return err
		}
		s := analyze.Source{Kind: kind, Name: name.String, Log: log.String, Path: path.String, Rows: int(count)}
		if newest.Valid {
			s.Newest = newest.Time.UTC()
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

func readGaps(ctx context.Context, conn *sql.Conn) ([]analyze.Gap, error) {
	var out []analyze.Gap
	err := runNamed(ctx, conn, queryAnalyzeGaps, func(rows *sql.Rows) error {
		var (
			kind, loadBalancer, missing string
			intervalEnd                 time.Time
		)
		if err := rows.Scan(&kind, &loadBalancer, &intervalEnd, &missing); err != nil {
			return err
		}
		out = append(out, analyze.Gap{
			Kind:         kind,
			LoadBalancer: loadBalancer,
			IntervalEnd:  intervalEnd.UTC(),
			Missing:      strings.Split(missing, ", "),
		})
		return nil
	})
	return out, err
}
