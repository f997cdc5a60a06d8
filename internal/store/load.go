package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/nlbtls"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// MaxRawBytes is how much of a rejected line's text is kept.
const MaxRawBytes = 1024

// chunkRows is how many rows a Load collects before it hands them to DuckDB.
// Larger chunks cost memory; smaller ones cost a view registration each. It
// is DuckDB's default row group size, so a chunk of a large object fills one
// row group and a group commit of up to 4*chunkRows rows fills up to four.
// When a transaction commits at least one row group of rows, DuckDB moves
// its row groups into the table as written. With fewer, it appends the rows
// to the table and the write-ahead log, which costs several times more per
// row (LocalStorage::Flush in DuckDB 1.5). With 64K-row chunks, ingest of the
// make bench data took about 1.5 times as long (docs/performance.md).
const chunkRows = 122_880

// Object describes one log object as the manifest records it.
type Object struct {
	URI           string
	ETag          string
	Size          int64
	Kind          string
	ParserVersion int
	IntervalEnd   time.Time // zero when the name holds none
	LoadBalancer  string
	Node          string

	// Instance and TrafficPath fill the instance and path columns of the
	// terminator_tls rows of an object whose Kind starts with "terminator_".
	// The manifest does not store them.
	Instance    string
	TrafficPath string

	// LogStream, LastEventID and LastEventTime fill the manifest columns
	// log_stream, last_event_id and last_event_time of a slice of a
	// CloudWatch Logs stream: the stream and the last event read from the
	// slice. They are empty for other objects, and the columns NULL.
	LogStream     string
	LastEventID   string
	LastEventTime time.Time
	// LastEvent, when set, is called once at Commit, after every line of the
	// object was added, and its results replace LastEventID and
	// LastEventTime, because the last event of a slice is known only once
	// the slice was read. Objects returns it nil.
	LastEvent func() (id string, at time.Time)
}

// withLastEvent returns o with the results of o.LastEvent in LastEventID
// and LastEventTime, and LastEvent nil.
func (o Object) withLastEvent() Object {
	if o.LastEvent != nil {
		o.LastEventID, o.LastEventTime = o.LastEvent()
		o.LastEventTime = o.LastEventTime.UTC()
		o.LastEvent = nil
	}
	return o
}

// LoadedObject is a manifest row: an object and what loading it produced.
type LoadedObject struct {
	Object
	Rows     int64
	Rejected int64
	// SkippedLines counts the lines that are neither rows nor rejected
	// lines, such as nginx error-log lines about something other than TLS.
	SkippedLines int64
	LoadedAt     time.Time
}

// Objects returns the manifest, keyed by URI.
func (d *DB) Objects(ctx context.Context) (map[string]LoadedObject, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT uri, etag, size, kind, parser_version, rows, rejected,
		coalesce(skipped_lines, 0), loaded_at, interval_end, coalesce(load_balancer, ''), coalesce(node, ''),
		coalesce(log_stream, ''), coalesce(last_event_id, ''), last_event_time FROM objects`)
	if err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", d.path, err)
	}
	defer rows.Close()
	out := make(map[string]LoadedObject)
	for rows.Next() {
		var o LoadedObject
		var end, lastEvent sql.NullTime
		if err := rows.Scan(&o.URI, &o.ETag, &o.Size, &o.Kind, &o.ParserVersion, &o.Rows, &o.Rejected, &o.SkippedLines, &o.LoadedAt,
			&end, &o.LoadBalancer, &o.Node, &o.LogStream, &o.LastEventID, &lastEvent); err != nil {
			return nil, fmt.Errorf("read manifest of %s: %w", d.path, err)
		}
		o.IntervalEnd = end.Time
		if lastEvent.Valid {
			o.LastEventTime = lastEvent.Time.UTC()
		}
		out[o.URI] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", d.path, err)
	}
	return out, nil
}

// Writer loads objects. An object of up to chunkRows rows is parsed into
// memory, and the writer's committer commits it together with other small
// objects in one transaction. A commit costs milliseconds, and a day of a
// quiet load balancer's logs is thousands of small objects. A larger object
// streams its rows in chunks, in a transaction of its own. Either way each
// object's rows and manifest entry become visible together or not at all, and
// a process that dies before a commit leaves no trace of the objects in it.
//
// TODO: ingest of the make bench data peaks at about 1.8 GiB RSS, mostly the
// rows waiting for the one committer and the group it writes. A prototype in
// which each worker inserted into a transaction of its own peaked at 454 MiB
// at the same speed (docs/performance.md); it needs failure handling that
// rolls back only the failed object's rows before it can replace this.
type Writer struct {
	db      *DB
	queue   chan *Load
	stopped chan struct{}

	// pending counts the rows handed to the committer and not yet
	// committed. Commit waits while it would exceed maxPendingRows, so
	// memory stays bounded when the parsers outrun DuckDB.
	mu      sync.Mutex
	drained *sync.Cond
	pending int64
}

// maxPendingRows bounds the rows of small objects waiting for the committer,
// and so the rows of one group commit. Groups of four row groups loaded the
// make bench data about 1.5 times as fast as groups of one or two, at about
// 0.4 GiB more peak memory (docs/performance.md).
const maxPendingRows = 4 * chunkRows

// maxGroupObjects caps the objects in one group commit, so that a failed
// commit costs little work to redo.
const maxGroupObjects = 512

// groupWait is how long the committer collects objects for a group after the
// first one arrives. A commit costs about a millisecond or more, so waiting a
// little for more objects costs less than committing each on its own.
const groupWait = 50 * time.Millisecond

// NewWriter starts a writer. Close it to commit what is pending.
func (d *DB) NewWriter(ctx context.Context) *Writer {
	w := &Writer{db: d, queue: make(chan *Load, 64), stopped: make(chan struct{})}
	w.drained = sync.NewCond(&w.mu)
	go w.commitLoop(ctx)

	// Wake the Commit calls that wait for room when the run is cancelled.
	go func() {
		select {
		case <-ctx.Done():
			w.mu.Lock()
			w.drained.Broadcast()
			w.mu.Unlock()
		case <-w.stopped:
		}
	}()
	return w
}

// reserve waits until n more rows fit under maxPendingRows, or ctx ends. An
// object larger than the bound waits until nothing else is pending.
func (w *Writer) reserve(ctx context.Context, n int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.pending > 0 && w.pending+n > maxPendingRows {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.drained.Wait()
	}
	w.pending += n
	return nil
}

// free gives back the room of committed (or failed) rows.
func (w *Writer) free(n int64) {
	w.mu.Lock()
	w.pending -= n
	w.drained.Broadcast()
	w.mu.Unlock()
}

// Close commits the objects handed over so far and stops the writer.
func (w *Writer) Close() {
	close(w.queue)
	<-w.stopped
}

// Load collects one object's rows. It is not safe for concurrent use.
type Load struct {
	w          *Writer
	obj        Object
	replace    bool
	table      string
	rows       *batch
	rejected   *batch
	rowCount   int64
	rejections int64
	skipped    int64
	done       func(LoadedObject, error)

	// conn is the load's own connection once the object outgrew memory.
	conn *sql.Conn
	// records holds the batches of an object handed to the committer.
	records []arrow.RecordBatch
}

var viewSeq atomic.Int64

// Begin starts loading obj into table alb_access, alb_connection, nlb_tls or
// terminator_tls, chosen by obj.Kind ("alb_access", "alb_connection", "nlb",
// or "terminator_" and the proxy's name). Objects of other kinds get only a
// manifest entry. With replace set, the object's
// earlier rows, rejected lines and manifest entry are deleted in the same
// transaction.
func (w *Writer) Begin(obj Object, replace bool) *Load {
	l := &Load{w: w, obj: obj, replace: replace, rejected: newBatch(rejectedSchema)}
	switch obj.Kind {
	case "alb_access":
		l.table, l.rows = "alb_access", newBatch(accessSchema)
	case "alb_connection":
		l.table, l.rows = "alb_connection", newBatch(connectionSchema)
	case "nlb":
		l.table, l.rows = "nlb_tls", newBatch(nlbSchema)
	default:
		if strings.HasPrefix(obj.Kind, "terminator_") {
			l.table, l.rows = "terminator_tls", newBatch(terminatorSchema)
		}
	}
	return l
}

// Access adds one access-log record read from the given line.
func (l *Load) Access(ctx context.Context, r *albaccess.Record, line int) error {
	if l.table != "alb_access" {
		return fmt.Errorf("load %s: access-log record in a %s object", l.obj.URI, l.obj.Kind)
	}
	l.rows.appendAccess(l.obj.URI, r, line)
	l.rowCount++
	return l.flushIfFull(ctx)
}

// Connection adds one connection-log record read from the given line.
func (l *Load) Connection(ctx context.Context, r *albconn.Record, line int) error {
	if l.table != "alb_connection" {
		return fmt.Errorf("load %s: connection-log record in a %s object", l.obj.URI, l.obj.Kind)
	}
	l.rows.appendConnection(l.obj.URI, r, line)
	l.rowCount++
	return l.flushIfFull(ctx)
}

// NLB adds one NLB TLS access-log record read from the given line.
func (l *Load) NLB(ctx context.Context, r *nlbtls.Record, line int) error {
	if l.table != "nlb_tls" {
		return fmt.Errorf("load %s: NLB TLS record in a %s object", l.obj.URI, l.obj.Kind)
	}
	l.rows.appendNLB(l.obj.URI, r, line)
	l.rowCount++
	return l.flushIfFull(ctx)
}

// Terminator adds one record of a TLS-terminating proxy, read from the given
// line of the proxy's log named by log (the value of column log).
func (l *Load) Terminator(ctx context.Context, r *terminator.Record, log string, line int) error {
	if l.table != "terminator_tls" {
		return fmt.Errorf("load %s: terminator record in a %s object", l.obj.URI, l.obj.Kind)
	}
	path := l.obj.TrafficPath
	if r.TrafficPath != "" {
		path = r.TrafficPath
	}
	l.rows.appendTerminator(l.obj.URI, l.obj.Instance, path, log, r, line)
	l.rowCount++
	return l.flushIfFull(ctx)
}

// Skip counts a line that is neither a row nor a rejected line, for the
// manifest's skipped_lines.
func (l *Load) Skip() {
	l.skipped++
}

// Reject records a line that could not be parsed, with the reason and the
// first MaxRawBytes bytes of its text.
func (l *Load) Reject(ctx context.Context, line int, reason, raw string) error {
	l.rejected.appendRejected(l.obj.URI, line, reason, truncateUTF8(raw, MaxRawBytes))
	l.rejections++
	return l.flushIfFull(ctx)
}

// flushIfFull moves a full batch to the database, in the load's own
// transaction, which it starts the first time.
func (l *Load) flushIfFull(ctx context.Context) error {
	full := l.rejected.full()
	if l.rows != nil && l.rows.full() {
		full = true
	}
	if !full {
		return nil
	}
	if l.conn == nil {
		conn, err := l.w.db.sql.Conn(ctx)
		if err != nil {
			return fmt.Errorf("load %s: %w", l.obj.URI, err)
		}
		l.conn = conn
		if err := begin(ctx, conn, l.replaced()); err != nil {
			l.rollback()
			return fmt.Errorf("load %s: %w", l.obj.URI, err)
		}
	}
	return l.flush(ctx)
}

func (l *Load) flush(ctx context.Context) error {
	if l.rows != nil && l.rows.rows > 0 {
		rec := l.rows.take()
		err := insert(ctx, l.conn, l.table, []arrow.RecordBatch{rec})
		rec.Release()
		if err != nil {
			return fmt.Errorf("load %s: %w", l.obj.URI, err)
		}
	}
	if l.rejected.rows > 0 {
		rec := l.rejected.take()
		err := insert(ctx, l.conn, "rejected_lines", []arrow.RecordBatch{rec})
		rec.Release()
		if err != nil {
			return fmt.Errorf("load %s: %w", l.obj.URI, err)
		}
	}
	return nil
}

// replaced returns the URIs whose earlier loads this load replaces.
func (l *Load) replaced() []string {
	if l.replace {
		return []string{l.obj.URI}
	}
	return nil
}

// Commit hands the object over. done is called once its rows and manifest
// entry are committed, or with the error that prevented it. That call may
// come before Commit returns, or later on the writer's committer.
func (l *Load) Commit(ctx context.Context, done func(LoadedObject, error)) {
	// Resolve the last event here, on the caller's goroutine, before the
	// object goes to the committer.
	l.obj = l.obj.withLastEvent()
	if l.conn == nil {
		// Small object: the committer commits it with others.
		l.done = done
		if l.rows != nil {
			l.records = append(l.records, l.rows.take())
		}
		l.records = append(l.records, l.rejected.take())
		l.releaseBuilders()
		if err := l.w.reserve(ctx, l.pendingRows()); err != nil {
			l.release()
			done(LoadedObject{}, err)
			return
		}
		select {
		case l.w.queue <- l:
		case <-ctx.Done():
			l.w.free(l.pendingRows())
			l.release()
			done(LoadedObject{}, ctx.Err())
		}
		return
	}

	res := l.loaded(time.Now().UTC())
	err := l.flush(ctx)
	if err == nil {
		err = recordObjects(ctx, l.conn, []LoadedObject{res})
	}
	if err == nil {
		_, err = l.conn.ExecContext(ctx, "COMMIT")
		if err != nil {
			err = fmt.Errorf("commit %s: %w", l.obj.URI, err)
		}
	}
	if err != nil {
		l.rollback()
	}
	l.release()
	done(res, err)
}

// Rollback abandons the load; nothing of it stays in the database.
func (l *Load) Rollback() error {
	var err error
	if l.conn != nil {
		err = l.rollback()
	}
	l.release()
	return err
}

func (l *Load) rollback() error {
	// A background context: the load's own context may be the reason for the
	// rollback.
	_, err := l.conn.ExecContext(context.Background(), "ROLLBACK")
	l.conn.Close()
	l.conn = nil
	if err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("roll back %s: %w", l.obj.URI, err)
	}
	return nil
}

// pendingRows returns the rows the object counts against maxPendingRows.
func (l *Load) pendingRows() int64 { return l.rowCount + l.rejections }

func (l *Load) loaded(at time.Time) LoadedObject {
	return LoadedObject{Object: l.obj, Rows: l.rowCount, Rejected: l.rejections, SkippedLines: l.skipped, LoadedAt: at}
}

func (l *Load) releaseBuilders() {
	if l.rows != nil {
		l.rows.release()
		l.rows = nil
	}
	if l.rejected != nil {
		l.rejected.release()
		l.rejected = nil
	}
}

func (l *Load) release() {
	l.releaseBuilders()
	for _, r := range l.records {
		r.Release()
	}
	l.records = nil
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
}

// commitLoop commits the small objects handed over, as many at once as are
// waiting, up to maxGroupObjects objects or maxPendingRows rows.
func (w *Writer) commitLoop(ctx context.Context) {
	defer close(w.stopped)
	conn, err := w.db.sql.Conn(ctx)
	if err != nil {
		err = fmt.Errorf("open a connection to %s: %w", w.db.path, err)
	}
	for l := range w.queue {
		group := []*Load{l}
		rows := l.pendingRows()
		deadline := time.NewTimer(groupWait)
	drain:
		for len(group) < maxGroupObjects && rows < maxPendingRows {
			select {
			case next, ok := <-w.queue:
				if !ok {
					break drain
				}
				group = append(group, next)
				rows += next.pendingRows()
			case <-deadline.C:
				break drain
			}
		}
		deadline.Stop()

		errs := make([]error, len(group))
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
		} else if groupErr := commitGroup(ctx, conn, group); groupErr != nil {
			// Commit the objects one by one, so that one object that cannot
			// be written does not hold back the others of its group.
			for i, l := range group {
				if len(group) == 1 || ctx.Err() != nil {
					errs[i] = groupErr
					continue
				}
				errs[i] = commitGroup(ctx, conn, []*Load{l})
			}
		}
		for i, l := range group {
			l.release()
			l.done(l.loaded(time.Now().UTC()), errs[i])
		}
		w.free(rows)
	}
	if conn != nil {
		conn.Close()
	}
}

// commitGroup writes whole objects in one transaction.
func commitGroup(ctx context.Context, conn *sql.Conn, group []*Load) error {
	var objs []Object
	var done []LoadedObject
	var replaced []string
	recs := map[string][]arrow.RecordBatch{}
	now := time.Now().UTC()
	for _, l := range group {
		objs = append(objs, l.obj)
		done = append(done, l.loaded(now))
		replaced = append(replaced, l.replaced()...)
		for i, r := range l.records {
			table := l.table
			if i == len(l.records)-1 {
				table = "rejected_lines" // Commit appends the rejected lines last
			}
			if r.NumRows() > 0 {
				recs[table] = append(recs[table], r)
			}
		}
	}
	err := begin(ctx, conn, replaced)
	for _, table := range []string{"alb_access", "alb_connection", "nlb_tls", "terminator_tls", "rejected_lines"} {
		if err == nil {
			err = insert(ctx, conn, table, recs[table])
		}
	}
	if err == nil {
		err = recordObjects(ctx, conn, done)
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "COMMIT")
	}
	if err != nil {
		conn.ExecContext(context.Background(), "ROLLBACK")
		if len(objs) == 1 {
			return fmt.Errorf("load %s: %w", objs[0].URI, err)
		}
		return fmt.Errorf("load %d objects together, %s among them: %w", len(objs), objs[0].URI, err)
	}
	return nil
}

// begin starts a transaction and deletes what earlier loads of the replaced
// URIs wrote.
func begin(ctx context.Context, conn *sql.Conn, replaced []string) error {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	for _, uri := range replaced {
		for _, q := range []string{
			"DELETE FROM alb_access WHERE source_uri = ?",
			"DELETE FROM alb_connection WHERE source_uri = ?",
			"DELETE FROM nlb_tls WHERE source_uri = ?",
			"DELETE FROM terminator_tls WHERE source_uri = ?",
			"DELETE FROM rejected_lines WHERE uri = ?",
			"DELETE FROM objects WHERE uri = ?",
		} {
			if _, err := conn.ExecContext(ctx, q, uri); err != nil {
				return fmt.Errorf("replace %s: %w", uri, err)
			}
		}
	}
	return nil
}

// insert hands record batches to DuckDB through a temporary Arrow view. The
// caller keeps its references to them.
func insert(ctx context.Context, conn *sql.Conn, table string, recs []arrow.RecordBatch) error {
	if len(recs) == 0 {
		return nil
	}
	err := conn.Raw(func(dc any) error {
		raw := dc.(driver.Conn)
		a, err := duckdb.NewArrowFromConn(raw)
		if err != nil {
			return err
		}
		reader, err := array.NewRecordReader(recs[0].Schema(), recs)
		if err != nil {
			return err
		}
		defer reader.Release()
		view := "cutover_load_" + strconv.FormatInt(viewSeq.Add(1), 10)
		release, err := a.RegisterView(reader, view)
		if err != nil {
			return err
		}
		defer release()
		execer := raw.(driver.ExecerContext)
		_, err = execer.ExecContext(ctx, "INSERT INTO "+table+" BY NAME SELECT * FROM "+view, nil)
		if _, dropErr := execer.ExecContext(ctx, "DROP VIEW "+view, nil); err == nil {
			err = dropErr
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

// recordObjects adds the objects' manifest entries.
func recordObjects(ctx context.Context, conn *sql.Conn, objs []LoadedObject) error {
	const columns = 15
	query := "INSERT INTO objects (uri, etag, size, kind, parser_version, rows, rejected, skipped_lines, loaded_at, interval_end, load_balancer, node, " +
		"log_stream, last_event_id, last_event_time) VALUES "
	args := make([]any, 0, columns*len(objs))
	for i, o := range objs {
		if i > 0 {
			query += ", "
		}
		query += "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		args = append(args, o.URI, o.ETag, o.Size, o.Kind, o.ParserVersion, o.Rows, o.Rejected, o.SkippedLines, o.LoadedAt,
			nullTime(o.IntervalEnd), nullString(o.LoadBalancer), nullString(o.Node),
			nullString(o.LogStream), nullString(o.LastEventID), nullTime(o.LastEventTime))
	}
	if _, err := conn.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("record objects in the manifest: %w", err)
	}
	return nil
}

func nullTime(t time.Time) sql.NullTime {
	return sql.NullTime{Time: t, Valid: !t.IsZero()}
}

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// truncateUTF8 cuts s to at most max bytes without splitting a character,
// and replaces invalid UTF-8, which DuckDB's VARCHAR does not accept.
func truncateUTF8(s string, max int) string {
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // each invalid byte becomes U+FFFD
	}
	return s
}
