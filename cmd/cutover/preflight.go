package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/analyze/preflight"
	"github.com/cutover-dev/cutover/internal/store"
	"github.com/cutover-dev/cutover/queries"
)

// preflightQuery is the named query that lists the NLB path's identities.
const preflightQuery = "preflight_identities"

func newPreflightCommand(g *globals, e env) *cobra.Command {
	var (
		source trustStoreFlags
		window windowFlags
		wait   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "preflight",
		Short: "Predict the ALB's client certificate verdict for every client seen on the NLB path",
		Long: `Predict, before traffic moves, whether the ALB in mutual TLS verify mode
accepts, rejects or cannot yet be judged for each client certificate
identity (canonical subject and serial) that the NLB path's terminators
logged in the window (--since or --from/--to, else the whole database).

The prediction uses the trust store's CA bundle, its CRLs and the listener's
IgnoreClientCertificateExpiry setting, and judges validity at the window's
end, or now without one. Exactly one of these flags selects the trust store:

  --trust-store-bundle  a PEM CA bundle, as CreateTrustStore takes it, from a
                        local file or s3://bucket/key
  --trust-store         an ALB trust store by name or ARN: ELBv2 returns its
                        CA bundle and revocation files
  --listener            an ALB listener by ARN, in mutual TLS verify mode:
                        its trust store, as with --trust-store, and its
                        IgnoreClientCertificateExpiry setting

--crl adds CRLs from local files or S3, on top of the revocation files of
a trust store that ELBv2 returns. --ignore-client-certificate-expiry sets the listener
setting, and given with --listener it overrides the listener's value.
AWS requests use the standard AWS configuration and --endpoint-url.

Where the terminators logged the leaf certificate, the chain is verified.
Otherwise the logged issuer DN, expiry and serial are judged, and a client
that the data cannot decide is Unknown, with the field to log. A client
whose issuer is not a CA of the trust store is predicted as
Failed:ClientCertUntrusted on the assumption that it sends no intermediate
certificates, because the logs do not show them; the output names the
assumption. Identities come from the named query preflight_identities.

It prints the rejected cohorts (identities that share a predicted
tls_verify_status and, where the issuing CA decides it, an issuer), then
the identities the ALB would reject, then the unknown ones, then a summary. --output json
lists every prediction. Each run's predictions are added to the table
preflight_predictions under a new run_id, so the database is opened for
writing.

Clients that the ALB would reject and that have no successful connection on
the NLB either fail there already: they are listed apart and do not change
the exit code.

Exit codes: 0 when no client that the NLB accepts would be rejected, 1 when
the database does not exist, an AWS request fails or a trust store in ELBv2
is unusable, 2 for an invalid command line or an unusable bundle or CRL file
or S3 object, 3 when at least one client that the NLB accepts would be
rejected, and 4 when the window holds no client certificate identity of the
NLB path.`,
		Example: `  cutover preflight --trust-store-bundle ca-bundle.pem --since 7d
  cutover preflight --trust-store-bundle ca-bundle.pem --crl partner.crl --from 2026-12-01 --to 2026-12-04 --output json
  cutover preflight --trust-store-bundle s3://pki-artifacts/alb/ca-bundle.pem --crl s3://pki-artifacts/alb/partner.crl
  cutover preflight --trust-store partner-clients --since 7d
  cutover preflight --listener arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/partner-api/50dc6c495c0c9188/f2f7dc8efc522ab2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := e.now().UTC()
			if err := source.checkSource(); err != nil {
				return err
			}
			w, err := window.window(now)
			if err != nil {
				return err
			}
			loaded, err := source.load(cmd.Context(), cmd, g)
			if err != nil {
				return err
			}
			trustStore, caCount, crls, ignoreExpiry := loaded.trustStore, loaded.caCount, loaded.crls, loaded.ignoreExpiry
			at := now
			if !w.To.IsZero() {
				at = w.To
			}
			predictor, err := preflight.NewPredictor(preflight.Config{
				TrustStore:                    trustStore,
				CRLs:                          crls,
				IgnoreClientCertificateExpiry: ignoreExpiry,
				At:                            at,
			})
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}

			if _, err := os.Stat(g.db); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("database %s does not exist: ingest the NLB path's terminator logs first, with cutover ingest --terminator", g.db)
			}
			db, err := openStore(cmd.Context(), g, store.Options{Path: g.db, Wait: wait})
			if err != nil {
				return err
			}
			defer db.Close()
			storeWindow := store.Window{From: w.From, To: w.To}
			identities, nlbConnections, err := readPreflightIdentities(cmd.Context(), db, storeWindow)
			if err != nil {
				return fmt.Errorf("query %s on %s: %w", preflightQuery, g.db, err)
			}
			if len(identities) == 0 {
				return &exitCodeError{code: exitWait, err: fmt.Errorf(
					"%s has no client certificate identity on the NLB path%s, so there is nothing to predict: ingest the terminators' logs, or widen the window",
					g.db, describeWindow(w.From, w.To))}
			}

			report := preflightReport{
				EvaluatedAt:                   at,
				WindowStart:                   w.From,
				WindowEnd:                     w.To,
				TrustStoreSource:              loaded.source,
				TrustStoreCAs:                 caCount,
				CRLs:                          len(crls),
				IgnoreClientCertificateExpiry: ignoreExpiry,
				NLBConnections:                nlbConnections,
				NoCertificateConnections:      nlbConnections,
			}
			run := store.PreflightRun{At: now, Window: storeWindow}
			for _, client := range identities {
				p := predictor.Predict(client.identity)
				report.Predictions = append(report.Predictions, preflightRow{Prediction: p, Issuer: client.identity.Issuer,
					Connections: client.connections, Share: client.share, NLBOK: client.nlbOK})
				report.NoCertificateConnections -= client.connections
				run.Predictions = append(run.Predictions, store.PreflightPrediction{
					Subject: p.Subject, Serial: p.Serial, Issuer: client.identity.Issuer, Verdict: string(p.Verdict),
					Status: p.Status, Explanation: p.Explanation, Missing: p.Missing,
					Connections: client.connections, NLBOKConnections: client.nlbOK, Share: client.share,
				})
			}
			report.Cohorts = preflightCohorts(report.Predictions)
			report.RunID, err = db.InsertPreflightRun(cmd.Context(), run)
			if err != nil {
				return err
			}

			if err := writePreflight(e.stdout, g.output, report); err != nil {
				return err
			}
			if slices.ContainsFunc(report.Predictions, preflightRow.newlyRejected) {
				return &exitCodeError{code: exitFail}
			}
			return nil
		},
	}
	window.register(cmd)
	cmd.Flags().Lookup("since").Usage = "only the identities of the last DURATION before now, such as 2h, 90m or 7d (default: the whole database)"
	source.register(cmd)
	cmd.Flags().DurationVar(&wait, "wait", 0, "maximum time to wait for another process to release the database, such as 30s")
	return cmd
}

// preflightIdentity is one row of the query preflight_identities.
type preflightIdentity struct {
	identity    preflight.Identity
	connections int64
	nlbOK       int64
	share       float64
}

// readPreflightIdentities runs the query preflight_identities and returns
// its identities and the count of all NLB connections in the window.
//
// NOTE: the count comes from the query's rows, so a window whose NLB
// connections all lack a certificate reports 0 NLB connections.
func readPreflightIdentities(ctx context.Context, db *store.DB, w store.Window) ([]preflightIdentity, int64, error) {
	q, ok := queries.Lookup(preflightQuery)
	if !ok {
		return nil, 0, fmt.Errorf("named query %s is missing from this build", preflightQuery)
	}
	res, err := db.QueryWindow(ctx, w, q.SQL)
	if err != nil {
		return nil, 0, err
	}
	column := make(map[string]int, len(res.Columns))
	for i, name := range res.Columns {
		column[name] = i
	}
	for _, name := range []string{"subject", "serial", "issuer", "cert_not_after", "cert_pem", "last_outcome", "last_outcome_time",
		"nlb_ok", "connections", "share", "nlb_connections"} {
		if _, ok := column[name]; !ok {
			return nil, 0, fmt.Errorf("column %s is missing from the result", name)
		}
	}

	var identities []preflightIdentity
	var nlbConnections int64
	for _, row := range res.Rows {
		client := preflightIdentity{
			identity: preflight.Identity{
				Subject:     stringValue(row[column["subject"]]),
				Serial:      stringValue(row[column["serial"]]),
				Issuer:      stringValue(row[column["issuer"]]),
				LeafPEM:     stringValue(row[column["cert_pem"]]),
				LastOutcome: stringValue(row[column["last_outcome"]]),
			},
		}
		if at, ok := row[column["last_outcome_time"]].(time.Time); ok {
			client.identity.LastOutcomeAt = at
		}
		if notAfter, ok := row[column["cert_not_after"]].(time.Time); ok {
			client.identity.NotAfter = notAfter
		}
		client.connections, _ = row[column["connections"]].(int64)
		client.nlbOK, _ = row[column["nlb_ok"]].(int64)
		client.share, _ = row[column["share"]].(float64)
		nlbConnections, _ = row[column["nlb_connections"]].(int64)
		identities = append(identities, client)
	}
	return identities, nlbConnections, nil
}

func stringValue(v any) string {
	s, _ := v.(string)
	return s
}

// preflightRow is one prediction with the identity's traffic.
type preflightRow struct {
	preflight.Prediction
	Issuer      string  `json:"issuer,omitempty"`
	Connections int64   `json:"connections"`
	Share       float64 `json:"share"`
	// NLBOK counts the identity's NLB connections that succeeded. A rejected
	// identity without any fails on the NLB already, so the ALB breaks
	// nothing for it.
	NLBOK int64 `json:"nlb_ok_connections"`
}

// newlyRejected reports whether the ALB would reject a client that the NLB
// accepts.
func (r preflightRow) newlyRejected() bool {
	return r.Verdict == preflight.Reject && r.NLBOK > 0
}

// preflightReport is the result of one run, as --output json prints it.
type preflightReport struct {
	RunID                         string    `json:"run_id"`
	EvaluatedAt                   time.Time `json:"evaluated_at"`
	WindowStart                   time.Time `json:"window_start,omitzero"`
	WindowEnd                     time.Time `json:"window_end,omitzero"`
	TrustStoreSource              string    `json:"trust_store_source"`
	TrustStoreCAs                 int       `json:"trust_store_cas"`
	CRLs                          int       `json:"crls"`
	IgnoreClientCertificateExpiry bool      `json:"ignore_client_certificate_expiry"`
	NLBConnections                int64     `json:"nlb_connections"`
	NoCertificateConnections      int64     `json:"no_certificate_connections"`
	// Cohorts groups the rejected predictions.
	Cohorts     []preflightCohort `json:"cohorts"`
	Predictions []preflightRow    `json:"predictions"`
}

// count returns the number of identities with the verdict.
func (r preflightReport) count(verdict preflight.Verdict) int {
	n := 0
	for _, p := range r.Predictions {
		if p.Verdict == verdict {
			n++
		}
	}
	return n
}

// share returns the fraction of NLB connections made by identities with the
// verdict.
func (r preflightReport) share(verdict preflight.Verdict) float64 {
	total := 0.0
	for _, p := range r.Predictions {
		if p.Verdict == verdict {
			total += p.Share
		}
	}
	return total
}

// writePreflight prints a report as JSON, as CSV with one row per
// prediction, or as tables of the rejected and unknown identities followed
// by a summary line.
func writePreflight(w io.Writer, format string, r preflightReport) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		t := table{columns: []string{"subject", "serial", "issuer", "verdict", "status", "assumption", "connections", "share",
			"missing", "unchecked", "to_log", "explanation"}}
		for _, p := range r.Predictions {
			t.rows = append(t.rows, []any{p.Subject, p.Serial, p.Issuer, string(p.Verdict), p.Status, p.Assumption, p.Connections, p.Share,
				p.Missing, strings.Join(p.Unchecked, "; "), p.ToLog, p.Explanation})
		}
		return t.write(w, "csv")
	}

	rejected := table{columns: []string{"subject", "serial", "status", "connections", "nlb_share"}}
	unknown := table{columns: []string{"subject", "serial", "connections", "nlb_share", "missing", "to_log"}}
	for _, p := range r.Predictions {
		switch p.Verdict {
		case preflight.Reject:
			rejected.rows = append(rejected.rows, []any{p.Subject, p.Serial, p.Status, p.Connections, percent(p.Share)})
		case preflight.Unknown:
			unknown.rows = append(unknown.rows, []any{p.Subject, p.Serial, p.Connections, percent(p.Share), p.Missing, p.ToLog})
		}
	}
	writePreflightCohorts(w, r.Cohorts)
	if len(rejected.rows) > 0 {
		fmt.Fprintf(w, "Rejected by the ALB (%d identities):\n", len(rejected.rows))
		if err := rejected.write(w, "table"); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(unknown.rows) > 0 {
		fmt.Fprintf(w, "Unknown, because the logs lack what the ALB checks (%d identities):\n", len(unknown.rows))
		if err := unknown.write(w, "table"); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}

	noCertificateShare := 0.0
	if r.NLBConnections > 0 {
		noCertificateShare = float64(r.NoCertificateConnections) / float64(r.NLBConnections)
	}
	fmt.Fprintf(w, "Summary: %d accepted (%s of NLB connections), %d rejected (%s), %d unknown (%s); %d connections (%s) logged no certificate.\n",
		r.count(preflight.Accept), percent(r.share(preflight.Accept)),
		r.count(preflight.Reject), percent(r.share(preflight.Reject)),
		r.count(preflight.Unknown), percent(r.share(preflight.Unknown)),
		r.NoCertificateConnections, percent(noCertificateShare))
	if n, share := r.acceptedWithoutLeaf(); n > 0 {
		fmt.Fprintf(w, "%d accepted identities (%s of NLB connections) were judged without their leaf certificate, so their start of validity, key and extended key usage were not checked: %s.\n",
			n, percent(share), preflightLeafHint)
	}
	fmt.Fprintf(w, "Judged at %s against %d trust store CAs and %d CRLs from %s; stored as run %s in preflight_predictions.\n",
		r.EvaluatedAt.Format(time.RFC3339), r.TrustStoreCAs, r.CRLs, r.TrustStoreSource, r.RunID)
	return nil
}

// preflightLeafHint names the log fields that carry the leaf certificate.
const preflightLeafHint = "log the leaf certificate (nginx $ssl_client_escaped_cert, Envoy %DOWNSTREAM_PEER_CERT%, HAProxy ssl_c_der,base64) to check them"

// acceptedWithoutLeaf returns the number of accepted identities that were
// judged without the leaf certificate, and their share of NLB connections.
func (r preflightReport) acceptedWithoutLeaf() (int, float64) {
	n, share := 0, 0.0
	for _, p := range r.Predictions {
		if p.Verdict == preflight.Accept && slices.Contains(p.Unchecked, "start of validity") {
			n++
			share += p.Share
		}
	}
	return n, share
}

// describeWindow names a window for a sentence, or returns "" for the whole
// database.
func describeWindow(from, to time.Time) string {
	switch {
	case from.IsZero() && to.IsZero():
		return ""
	case from.IsZero():
		return " before " + to.Format(time.RFC3339)
	case to.IsZero():
		return " since " + from.Format(time.RFC3339)
	}
	return fmt.Sprintf(" from %s to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
}

// percent formats a fraction from 0 to 1 as a percentage.
func percent(fraction float64) string {
	return fmt.Sprintf("%.2f%%", 100*fraction)
}
