package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/internal/store"
)

func newIngestCommand(g *globals, e env) *cobra.Command {
	var (
		window      windowFlags
		reparse     bool
		concurrency int
		wait        time.Duration
		cpuProfile  string
		term        terminatorFlags
	)
	cmd := &cobra.Command{
		Use:   "ingest SOURCE...",
		Short: "Load ALB, NLB and TLS-terminating proxy logs from S3, CloudWatch Logs or local folders into the database",
		Long: `Load ALB access and connection logs and NLB TLS access logs into the
database.

A SOURCE is s3://bucket/prefix, a local folder or file, or for --terminator
logs cwlogs://LOG_GROUP[/STREAM_PREFIX]. Objects are routed by their key
names: ALB access logs, ALB connection logs, NLB logs (table nlb_tls) and the
ELBAccessLogTestFile control object. Other files are listed as skipped and
not recorded. Objects already in the manifest with the same ETag are not
read again.

With --terminator nginx, envoy or haproxy, every object of the SOURCEs is a
log of that proxy, whatever its name, for table terminator_tls. The instance
is --instance, or else the first EC2 instance ID (i- and 8 to 17 hex digits)
in the object's key, or else the first folder below the SOURCE prefix or
folder. An nginx object whose base name contains "error" is an error log, and
every other one an access log.

A cwlogs:// SOURCE reads the streams of a CloudWatch Logs group whose names
start with STREAM_PREFIX (all streams without one). The group is the longest
leading part of the path that is an existing log group, so a group name may
contain "/": cwlogs:///aws/ec2/nginx/access/i-0 is group
/aws/ec2/nginx/access and prefix i-0. Each stream is read in one-hour
slices, each an object of the manifest, and the window selects the slices
it overlaps. Until 15 minutes after its end, a slice is open: a later run
reads it again when its stream received events since. After that, the next
run reads it once more. Each reload replaces the slice's earlier rows. The
instance is --instance, or else the first EC2 instance ID in the stream
name, or else the stream name. An nginx stream is an error log when the
group or stream name contains "error".

Every line becomes a row or a rejected line (table rejected_lines), except
the lines of terminator logs that are unrelated to TLS, which are counted as
skipped_lines. The command exits 0 when every object was read, and 1 when
some object could not be read; the others are loaded, and the next run
retries the failed ones.`,
		Example: `  cutover ingest s3://my-logs/alb --since 6h
  cutover ingest ./logs --db migration.duckdb
  cutover ingest s3://my-logs/alb/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/ --from 2026-12-03 --to 2026-12-04
  cutover ingest --terminator nginx --log-timezone Europe/Berlin ./nginx-logs/
  cutover ingest --terminator nginx cwlogs:///aws/ec2/nginx/access --since 6h`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return newUsageError("cutover ingest --help", "ingest needs at least one SOURCE: s3://bucket/prefix, a local folder or file, or cwlogs://LOG_GROUP")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := window.window(e.now())
			if err != nil {
				return err
			}
			termOpts, err := term.options(cmd)
			if err != nil {
				return err
			}
			for _, arg := range args {
				if !isCloudWatchLogsURI(arg) {
					continue
				}
				if _, err := ingest.ParseCloudWatchLogsURI(arg); err != nil {
					return newUsageError("cutover ingest --terminator nginx cwlogs:///aws/ec2/nginx/access", "%v", err)
				}
				if termOpts == nil {
					return newUsageError("cutover ingest --terminator nginx "+arg,
						"%s: missing --terminator: a CloudWatch Logs source contains only terminator logs, so pass --terminator nginx, envoy or haproxy", arg)
				}
			}
			ctx := cmd.Context()
			sources, err := openSources(ctx, g, e.now, args)
			if err != nil {
				return err
			}
			db, err := openStore(ctx, g, store.Options{Path: g.db, Wait: wait})
			if err != nil {
				return err
			}
			defer db.Close()

			if cpuProfile != "" {
				stopProfile, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stopProfile()
			}

			opts := ingest.Options{Window: w, Reparse: reparse, Concurrency: concurrency, Logger: g.log, Terminator: termOpts}
			var bar *progress
			if !g.quiet && isTerminal(e.stderr) {
				bar = newProgress(e.stderr)
				opts.Progress = bar.update
			}
			sum, runErr := ingest.Run(ctx, storeAdapter{db}, sources, opts)
			if bar != nil {
				bar.finish()
			}
			switch {
			case w.From.IsZero() || sum.LogObjects > 0:
			case termOpts != nil:
				g.log.Warn("no terminator log object or CloudWatch Logs slice in the window",
					"from", w.From.Format(time.RFC3339), "to", w.To.Format(time.RFC3339))
			default:
				g.log.Warn("no ALB log object has an interval ending in the window; names carry the end of each 5-minute interval",
					"from", w.From.Format(time.RFC3339), "to", w.To.Format(time.RFC3339))
			}
			if err := printIngestSummary(e, g.output, sum); err != nil {
				return err
			}
			if errors.Is(runErr, ingest.ErrObjectsFailed) {
				return fmt.Errorf("objects not loaded: %d (listed above). Run the same command again to retry them",
					len(sum.Failures))
			}
			return runErr
		},
	}
	window.register(cmd)
	term.register(cmd)
	cmd.Flags().BoolVar(&reparse, "reparse", false, "reload objects that an older parser version loaded")
	cmd.Flags().IntVar(&concurrency, "concurrency", 0, "objects read and loaded at once (default one per CPU)")
	cmd.Flags().DurationVar(&wait, "wait", 0, "how long to wait for another process that holds the database, such as 30s")
	// A developer flag for docs/performance.md, left out of the help text.
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the load to this file, for go tool pprof")
	_ = cmd.Flags().MarkHidden("cpuprofile")
	return cmd
}

// startCPUProfile starts writing a CPU profile to path and returns the
// function that stops it and closes the file.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// openSources turns the SOURCE arguments into sources. The AWS configuration
// is loaded once, and only when an S3 or CloudWatch Logs source needs it.
// now is the clock of the CloudWatch Logs sources.
func openSources(ctx context.Context, g *globals, now func() time.Time, args []string) ([]ingest.Source, error) {
	var cfg *aws.Config
	loadConfig := func() (aws.Config, error) {
		if cfg != nil {
			return *cfg, nil
		}
		c, err := ingest.LoadAWSConfig(ctx, g.endpointURL)
		if err != nil {
			return aws.Config{}, err
		}
		cfg = &c
		return c, nil
	}

	var s3Client ingest.S3API
	newS3Client := func() (ingest.S3API, error) {
		if s3Client != nil {
			return s3Client, nil
		}
		c, err := loadConfig()
		if err != nil {
			return nil, err
		}
		s3Client = ingest.NewS3Client(c, g.endpointURL)
		return s3Client, nil
	}
	var logsClient ingest.CloudWatchLogsAPI
	newLogsClient := func() (ingest.CloudWatchLogsAPI, error) {
		if logsClient != nil {
			return logsClient, nil
		}
		c, err := loadConfig()
		if err != nil {
			return nil, err
		}
		logsClient = ingest.NewCloudWatchLogsClient(c, g.endpointURL)
		return logsClient, nil
	}
	logs := ingest.WithCloudWatchLogs(newLogsClient, ingest.CloudWatchLogsOptions{Now: now, Logger: g.log})

	var sources []ingest.Source
	for _, arg := range args {
		src, err := ingest.OpenSource(ctx, arg, newS3Client, logs)
		if err != nil {
			return nil, err
		}
		sources = append(sources, src)
	}
	return sources, nil
}

// isCloudWatchLogsURI reports whether arg names a CloudWatch Logs source.
func isCloudWatchLogsURI(arg string) bool {
	return strings.HasPrefix(strings.ToLower(arg), ingest.CloudWatchLogsScheme)
}

func printIngestSummary(e env, format string, sum ingest.Summary) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	t := table{columns: []string{"kind", "loaded", "already_loaded", "outdated", "skipped", "failed", "rows", "rejected_lines", "skipped_lines"}}
	for _, k := range append(sum.Kinds, sum.Total()) {
		t.rows = append(t.rows, []any{string(k.Kind), k.Loaded, k.AlreadyLoaded, k.Outdated, k.Skipped, k.Failed, k.Rows, k.Rejected, k.SkippedLines})
	}
	if err := t.write(e.stdout, format); err != nil {
		return err
	}
	if format == "table" {
		for _, f := range sum.Failures {
			// The errors of sources and the store name the object already.
			if strings.Contains(f.Err, f.URI) {
				fmt.Fprintf(e.stdout, "failed: %s\n", f.Err)
			} else {
				fmt.Fprintf(e.stdout, "failed: %s: %s\n", f.URI, f.Err)
			}
		}
		for _, k := range sum.Kinds {
			switch {
			case k.Skipped == 0:
			case k.Kind == ingest.KindOther:
				fmt.Fprintf(e.stdout, "skipped objects that are not ELB logs by their names: %d (listed with --output json)\n", k.Skipped)
			default:
				fmt.Fprintf(e.stdout, "skipped %s objects: %d; this version cannot parse them yet, and a later version loads them\n",
					k.Kind, k.Skipped)
			}
		}
		if total := sum.Total(); total.Outdated > 0 {
			fmt.Fprintf(e.stdout, "%d objects were loaded by an older parser version; --reparse reloads them\n", total.Outdated)
		}
	}
	return nil
}

// storeAdapter lets ingest write to the DuckDB store without linking it.
type storeAdapter struct{ db *store.DB }

func (a storeAdapter) Manifest(ctx context.Context) (map[string]ingest.Loaded, error) {
	objs, err := a.db.Objects(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ingest.Loaded, len(objs))
	for uri, o := range objs {
		out[uri] = ingest.Loaded{ETag: o.ETag, ParserVersion: o.ParserVersion}
	}
	return out, nil
}

func (a storeAdapter) NewWriter(ctx context.Context) ingest.Writer {
	return writerAdapter{a.db.NewWriter(ctx)}
}

type writerAdapter struct{ w *store.Writer }

func (a writerAdapter) Begin(o ingest.Object, parserVersion int, replace bool) ingest.Loader {
	obj := store.Object{
		URI: o.URI, ETag: o.ETag, Size: o.Size, Kind: string(o.Kind), ParserVersion: parserVersion,
		IntervalEnd: o.End, LoadBalancer: o.LoadBalancer, Node: o.Node,
		Instance: o.Instance, TrafficPath: o.TrafficPath, LogStream: o.LogStream,
	}
	if o.LastEvent != nil {
		obj.LastEvent = o.LastEvent.Get
	}
	return loadAdapter{a.w.Begin(obj, replace)}
}

func (a writerAdapter) Close() { a.w.Close() }

type loadAdapter struct{ *store.Load }

func (l loadAdapter) Commit(ctx context.Context, done func(error)) {
	l.Load.Commit(ctx, func(_ store.LoadedObject, err error) { done(err) })
}

// openStore opens the database and, when it has to wait for another
// process, logs that first.
func openStore(ctx context.Context, g *globals, opts store.Options) (*store.DB, error) {
	wait := opts.Wait
	opts.Wait = 0
	db, err := store.Open(ctx, opts)
	var locked *store.LockedError
	if wait <= 0 || !errors.As(err, &locked) {
		return db, err
	}
	g.log.Info("database in use by another process: waiting", "db", opts.Path, "pid", locked.PID, "wait", wait)
	opts.Wait = wait
	return store.Open(ctx, opts)
}
