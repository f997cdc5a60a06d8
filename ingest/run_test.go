package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/nlbtls"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// Log lines of the objects that the Run tests load. The access lines have the
// 18 fields of the oldest ALB format, the connection lines the 12 fields that
// every connection-log line has, and the NLB line is the example with ALPN
// fields from the AWS documentation.
const (
	accessLine200 = `https 2026-12-03T10:04:59.123456Z app/web/50dc6c495c0c9188 192.0.2.10:50718 10.0.3.7:8080 0.001 0.048 0.000 200 200 34 366 "GET https://shop.example.com:443/cart HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-6770a2b3-1d84f3d73c47ec4e58577259"`
	accessLine502 = `https 2026-12-03T10:04:59.500000Z app/web/50dc6c495c0c9188 192.0.2.11:50719 - -1 -1 -1 502 - 34 0 "GET https://shop.example.com:443/pay HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-6770a2b3-2d84f3d73c47ec4e58577259"`
	// accessLineBadTime has "yesterday" in field 2 (time).
	accessLineBadTime = `https yesterday app/web/50dc6c495c0c9188 192.0.2.12:50720 10.0.3.7:8080 0.001 0.048 0.000 200 200 34 366 "GET https://shop.example.com:443/ HTTP/1.1" "curl/8.5.0" - - - "Root=1-6770a2b3-3d84f3d73c47ec4e58577259"`

	connLineSuccess = `2026-12-03T10:04:58.000005Z 203.0.113.9 36280 443 TLSv1.3 TLS_AES_128_GCM_SHA256 0.004 "CN=pos-17,O=Shops Ltd,C=GB" NotBefore=2026-01-01T00:00:00Z;NotAfter=2027-01-01T00:00:00Z FEF257372D5C14D4 Success TID_1c2b3a4d5e6f708192a3b4c5d6e7f809`
	connLineFailed  = `2026-12-03T10:04:58.250000Z 203.0.113.10 36281 443 TLSv1.3 TLS_AES_128_GCM_SHA256 - "CN=pos-18,O=Shops Ltd,C=GB" - 0A1B2C3D Failed:ClientCertUntrusted TID_2c3b4a5d6e7f8091a2b3c4d5e6f70819`
	// connLineBadIP has "not-an-ip" in field 2 (client_ip).
	connLineBadIP = `2026-12-03T10:04:58.300000Z not-an-ip 36282 443 - - - - - - Failed:ClientCertUntrusted TID_3c4b5a6d7e8f9001b2c3d4e5f6a70819`

	nlbLineALPN = `tls 2.0 2020-04-01T08:51:42 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com h2 h2 "h2","http/1.1"`
)

// gzipLines returns the lines, each ended by "\n", compressed as one gzip
// member.
func gzipLines(t *testing.T, lines ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, line := range lines {
		_, err := io.WriteString(zw, line+"\n")
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// intervalEnd returns 10:minute UTC on 3 December 2026, the end of a logging
// interval.
func intervalEnd(minute int) time.Time {
	return time.Date(2026, 12, 3, 10, minute, 0, 0, time.UTC)
}

// writeLogObject writes body under dir at the key that ELB gives an object of
// kind for the interval ending at end, and returns the object's URI.
func writeLogObject(t *testing.T, dir string, kind Kind, end time.Time, random string, body []byte) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, logKey(kind, end, end, "10.0.1.7", random)), body)
}

// writeControlObject writes the ELBAccessLogTestFile object under dir and
// returns its URI.
func writeControlObject(t *testing.T, dir string) string {
	t.Helper()
	key := "AWSLogs/" + testAccount + "/" + controlName
	return writeFile(t, filepath.Join(dir, key), []byte("Enable AccessLog for ELB: web at 2026-12-03T09:59:12.345Z\n"))
}

// writeOtherObject writes a file that is not a log object into the day
// folder under dir and returns its URI.
func writeOtherObject(t *testing.T, dir string) string {
	t.Helper()
	key := "AWSLogs/" + testAccount + "/elasticloadbalancing/us-east-1/2026/12/03/README.txt"
	return writeFile(t, filepath.Join(dir, key), []byte("copied by hand\n"))
}

// fakeStore is an in-memory Store. Its writer commits each object on a
// goroutine of its own after Commit returns, as the DuckDB writer's
// committer does.
type fakeStore struct {
	t        *testing.T
	manifest map[string]Loaded
	// manifestErr, when set, is returned by Manifest.
	manifestErr error
	// failAccess makes Access fail for the object with that URI, and
	// failCommit makes the commit of that object report the error.
	failAccess map[string]error
	failCommit map[string]error
	// onBegin, when set, is called by Begin with each object.
	onBegin func(Object)

	mu      sync.Mutex
	writers int
	loads   []*fakeLoad
}

func newFakeStore(t *testing.T) *fakeStore {
	return &fakeStore{
		t:          t,
		manifest:   make(map[string]Loaded),
		failAccess: make(map[string]error),
		failCommit: make(map[string]error),
	}
}

func (s *fakeStore) Manifest(ctx context.Context) (map[string]Loaded, error) {
	if s.manifestErr != nil {
		return nil, s.manifestErr
	}
	return maps.Clone(s.manifest), nil
}

func (s *fakeStore) NewWriter(ctx context.Context) Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writers++
	return &fakeWriter{store: s}
}

// load returns the only load of the object with the given URI.
func (s *fakeStore) load(t *testing.T, uri string) *fakeLoad {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*fakeLoad
	for _, l := range s.loads {
		if l.obj.URI == uri {
			found = append(found, l)
		}
	}
	require.Len(t, found, 1, "loads of %s", uri)
	return found[0]
}

// begunURIs returns the sorted URIs of the objects passed to Begin.
func (s *fakeStore) begunURIs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	uris := []string{}
	for _, l := range s.loads {
		uris = append(uris, l.obj.URI)
	}
	sort.Strings(uris)
	return uris
}

type fakeWriter struct {
	store *fakeStore
	// pending counts the commits that have not called done yet.
	pending sync.WaitGroup
	closed  atomic.Bool
}

func (w *fakeWriter) Begin(o Object, parserVersion int, replace bool) Loader {
	if w.closed.Load() {
		w.store.t.Errorf("Begin(%s) after the writer was closed", o.URI)
	}
	if w.store.onBegin != nil {
		w.store.onBegin(o)
	}
	l := &fakeLoad{store: w.store, writer: w, obj: o, parserVersion: parserVersion, replace: replace}
	w.store.mu.Lock()
	w.store.loads = append(w.store.loads, l)
	w.store.mu.Unlock()
	return l
}

func (w *fakeWriter) Close() {
	w.pending.Wait()
	w.closed.Store(true)
}

type accessRow struct {
	line   int
	record albaccess.Record
}

type connectionRow struct {
	line   int
	record albconn.Record
}

type nlbRow struct {
	line   int
	record nlbtls.Record
}

type terminatorRow struct {
	line   int
	log    string
	record terminator.Record
}

type rejectedLine struct {
	line   int
	reason string
	raw    string
}

// fakeLoad records what Run passed to the Loader of one object. Run calls a
// Loader from one goroutine at a time, so only committed, which the commit
// goroutine sets, needs to be atomic.
type fakeLoad struct {
	store         *fakeStore
	writer        *fakeWriter
	obj           Object
	parserVersion int
	replace       bool

	access      []accessRow
	connections []connectionRow
	nlbs        []nlbRow
	terminators []terminatorRow
	rejected    []rejectedLine
	skipped     int
	commits     int
	rollbacks   int
	committed   atomic.Bool
}

// checkOpen reports a call that comes after Commit or Rollback.
func (l *fakeLoad) checkOpen(method string) {
	if l.commits+l.rollbacks > 0 {
		l.store.t.Errorf("%s on %s after Commit or Rollback", method, l.obj.URI)
	}
}

func (l *fakeLoad) Access(ctx context.Context, r *albaccess.Record, line int) error {
	l.checkOpen("Access")
	if err := l.store.failAccess[l.obj.URI]; err != nil {
		return err
	}
	l.access = append(l.access, accessRow{line: line, record: *r})
	return nil
}

func (l *fakeLoad) Connection(ctx context.Context, r *albconn.Record, line int) error {
	l.checkOpen("Connection")
	l.connections = append(l.connections, connectionRow{line: line, record: *r})
	return nil
}

func (l *fakeLoad) NLB(ctx context.Context, r *nlbtls.Record, line int) error {
	l.checkOpen("NLB")
	l.nlbs = append(l.nlbs, nlbRow{line: line, record: *r})
	return nil
}

func (l *fakeLoad) Terminator(ctx context.Context, r *terminator.Record, log string, line int) error {
	l.checkOpen("Terminator")
	l.terminators = append(l.terminators, terminatorRow{line: line, log: log, record: *r})
	return nil
}

func (l *fakeLoad) Skip() {
	l.checkOpen("Skip")
	l.skipped++
}

func (l *fakeLoad) Reject(ctx context.Context, line int, reason, raw string) error {
	l.checkOpen("Reject")
	l.rejected = append(l.rejected, rejectedLine{line: line, reason: reason, raw: raw})
	return nil
}

func (l *fakeLoad) Commit(ctx context.Context, done func(error)) {
	l.checkOpen("Commit")
	l.commits++
	err := l.store.failCommit[l.obj.URI]
	l.writer.pending.Add(1)
	go func() {
		defer l.writer.pending.Done()
		if err == nil {
			l.committed.Store(true)
		}
		done(err)
	}()
}

func (l *fakeLoad) Rollback() error {
	l.checkOpen("Rollback")
	l.rollbacks++
	return nil
}

// runDir runs Run over the local folder dir.
func runDir(t *testing.T, st Store, dir string, opts Options) (Summary, error) {
	t.Helper()
	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	return Run(context.Background(), st, []Source{src}, opts)
}

func TestRunLoadsNewObjects(t *testing.T) {
	dir := t.TempDir()
	accessBody := gzipLines(t, accessLine200, "", "garbage", accessLineBadTime, accessLine502)
	accessURI := writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "1a2b3c4d", accessBody)
	connURI := writeLogObject(t, dir, KindALBConnection, intervalEnd(5), "5k4j3h2g",
		gzipLines(t, connLineSuccess, connLineBadIP, connLineFailed))
	nlbURI := writeLogObject(t, dir, KindNLB, intervalEnd(5), "3a7b9c1d", gzipLines(t, "tls 2.0", nlbLineALPN))
	st := newFakeStore(t)

	sum, err := runDir(t, st, dir, Options{})

	require.NoError(t, err)
	assert.Equal(t, []KindSummary{
		{Kind: KindALBAccess, Loaded: 1, Rows: 2, Rejected: 3},
		{Kind: KindALBConnection, Loaded: 1, Rows: 2, Rejected: 1},
		{Kind: KindControl},
		{Kind: KindNLB, Loaded: 1, Rows: 1, Rejected: 1},
	}, sum.Kinds)
	assert.Empty(t, sum.Failures)
	assert.Empty(t, sum.Skipped)
	assert.Equal(t, 1, st.writers)

	access := st.load(t, accessURI)
	assert.Equal(t, KindALBAccess, access.obj.Kind)
	assert.Equal(t, sha256ETag(accessBody), access.obj.ETag)
	assert.Equal(t, int64(len(accessBody)), access.obj.Size)
	assert.Equal(t, intervalEnd(5), access.obj.End)
	assert.Equal(t, "web.50dc6c495c0c9188", access.obj.LoadBalancer)
	assert.Equal(t, "10.0.1.7", access.obj.Node)
	assert.Equal(t, albaccess.ParserVersion, access.parserVersion)
	assert.False(t, access.replace)
	assert.Equal(t, 1, access.commits)
	assert.Equal(t, 0, access.rollbacks)
	assert.True(t, access.committed.Load())

	require.Len(t, access.access, 2)
	assert.Equal(t, 1, access.access[0].line)
	assert.Equal(t, "192.0.2.10", access.access[0].record.ClientIP)
	assert.Equal(t, int32(200), access.access[0].record.ELBStatusCode.Int32)
	assert.Equal(t, time.Date(2026, 12, 3, 10, 4, 59, 123456000, time.UTC), access.access[0].record.Time)
	assert.Equal(t, 5, access.access[1].line)
	assert.Equal(t, "192.0.2.11", access.access[1].record.ClientIP)
	assert.Equal(t, int32(502), access.access[1].record.ELBStatusCode.Int32)
	assert.Empty(t, access.connections)
	assert.Equal(t, []rejectedLine{
		{line: 2, reason: "empty line", raw: ""},
		{line: 3, reason: "too few fields: found 1, need at least 18", raw: "garbage"},
		{line: 4, reason: `field 2 (time): invalid value: "yesterday"`, raw: accessLineBadTime},
	}, access.rejected)

	conn := st.load(t, connURI)
	assert.Equal(t, KindALBConnection, conn.obj.Kind)
	assert.Equal(t, albconn.ParserVersion, conn.parserVersion)
	assert.False(t, conn.replace)
	assert.True(t, conn.committed.Load())
	require.Len(t, conn.connections, 2)
	assert.Equal(t, 1, conn.connections[0].line)
	assert.Equal(t, "203.0.113.9", conn.connections[0].record.ClientIP)
	assert.Equal(t, "Success", conn.connections[0].record.TLSVerifyStatus.String)
	assert.Equal(t, 3, conn.connections[1].line)
	assert.Equal(t, "203.0.113.10", conn.connections[1].record.ClientIP)
	assert.Equal(t, "Failed:ClientCertUntrusted", conn.connections[1].record.TLSVerifyStatus.String)
	assert.Empty(t, conn.access)
	assert.Equal(t, []rejectedLine{{
		line:   2,
		reason: `field 2 (client_ip): invalid value: "not-an-ip", expected an IPv4 or IPv6 address`,
		raw:    connLineBadIP,
	}}, conn.rejected)

	nlb := st.load(t, nlbURI)
	assert.Equal(t, KindNLB, nlb.obj.Kind)
	assert.Equal(t, nlbtls.ParserVersion, nlb.parserVersion)
	assert.Equal(t, "tls-edge.c6e77e28c25b2234", nlb.obj.LoadBalancer, "load balancer from the key")
	assert.True(t, nlb.committed.Load())
	require.Len(t, nlb.nlbs, 1)
	assert.Equal(t, 2, nlb.nlbs[0].line)
	assert.Equal(t, "72.21.218.154", nlb.nlbs[0].record.ClientIP)
	assert.Equal(t, int32(443), nlb.nlbs[0].record.DestinationPort.Int32)
	assert.Equal(t, `"h2","http/1.1"`, nlb.nlbs[0].record.ALPNClientPreferenceList.String)
	assert.Empty(t, nlb.access)
	assert.Empty(t, nlb.connections)
	require.Len(t, nlb.rejected, 1)
	assert.Equal(t, 1, nlb.rejected[0].line)
	assert.Equal(t, "tls 2.0", nlb.rejected[0].raw)
}

func TestRunManifestDecisions(t *testing.T) {
	tests := []struct {
		name string
		// inManifest adds both objects to the manifest, with a changed ETag
		// when changedETag is set and the current parser version plus
		// versionDelta.
		inManifest   bool
		changedETag  bool
		versionDelta int
		reparse      bool

		wantLoaded        int
		wantAlreadyLoaded int
		wantOutdated      int
		wantReplace       bool
	}{
		{name: "new object", wantLoaded: 1},
		{name: "same ETag", inManifest: true, wantAlreadyLoaded: 1},
		{name: "same ETag with reparse", inManifest: true, reparse: true, wantAlreadyLoaded: 1},
		{name: "changed ETag", inManifest: true, changedETag: true, wantLoaded: 1, wantReplace: true},
		{name: "older parser", inManifest: true, versionDelta: -1, wantOutdated: 1},
		{name: "older parser with reparse", inManifest: true, versionDelta: -1, reparse: true, wantLoaded: 1, wantReplace: true},
		{name: "older parser and changed ETag", inManifest: true, changedETag: true, versionDelta: -1, wantLoaded: 1, wantReplace: true},
		{name: "newer parser", inManifest: true, versionDelta: 1, reparse: true, wantAlreadyLoaded: 1},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			accessBody := gzipLines(t, accessLine200)
			connBody := gzipLines(t, connLineSuccess)
			accessURI := writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "1a2b3c4d", accessBody)
			connURI := writeLogObject(t, dir, KindALBConnection, intervalEnd(5), "5k4j3h2g", connBody)
			st := newFakeStore(t)
			if tt.inManifest {
				addToManifest := func(uri string, body []byte, kind Kind) {
					etag := sha256ETag(body)
					if tt.changedETag {
						etag = sha256ETag([]byte("an earlier version"))
					}
					st.manifest[uri] = Loaded{ETag: etag, ParserVersion: ParserVersion(kind) + tt.versionDelta}
				}
				addToManifest(accessURI, accessBody, KindALBAccess)
				addToManifest(connURI, connBody, KindALBConnection)
			}

			sum, err := runDir(t, st, dir, Options{Reparse: tt.reparse})

			require.NoError(t, err)
			want := KindSummary{Loaded: tt.wantLoaded, AlreadyLoaded: tt.wantAlreadyLoaded, Outdated: tt.wantOutdated}
			if tt.wantLoaded > 0 {
				want.Rows = 1
			}
			wantAccess, wantConn := want, want
			wantAccess.Kind, wantConn.Kind = KindALBAccess, KindALBConnection
			assert.Equal(t, []KindSummary{wantAccess, wantConn, {Kind: KindControl}, {Kind: KindNLB}}, sum.Kinds)
			assert.Empty(t, sum.Failures)

			if tt.wantLoaded == 0 {
				assert.Empty(t, st.begunURIs(), "objects passed to Begin")
				return
			}
			for _, uri := range []string{accessURI, connURI} {
				l := st.load(t, uri)
				assert.Equal(t, tt.wantReplace, l.replace, "replace of %s", uri)
				assert.Equal(t, ParserVersion(l.obj.Kind), l.parserVersion, "parser version of %s", uri)
				assert.True(t, l.committed.Load(), "%s committed", uri)
			}
		})
	}
}

func TestRunSkipsOtherObjects(t *testing.T) {
	dir := t.TempDir()
	controlURI := writeControlObject(t, dir)
	accessURI := writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "1a2b3c4d", gzipLines(t, accessLine200))
	otherURI := writeOtherObject(t, dir)
	st := newFakeStore(t)

	sum, err := runDir(t, st, dir, Options{})

	require.NoError(t, err)
	assert.Equal(t, []KindSummary{
		{Kind: KindALBAccess, Loaded: 1, Rows: 1},
		{Kind: KindALBConnection},
		{Kind: KindControl, Loaded: 1},
		{Kind: KindNLB},
		{Kind: KindOther, Skipped: 1},
	}, sum.Kinds)
	assert.Equal(t, []string{otherURI}, sum.Skipped)
	assert.Empty(t, sum.Failures)
	assert.Equal(t, KindSummary{Kind: "total", Loaded: 2, Rows: 1, Skipped: 1}, sum.Total())

	assert.Equal(t, []string{controlURI, accessURI}, st.begunURIs(), "objects passed to Begin")
	control := st.load(t, controlURI)
	assert.Equal(t, KindControl, control.obj.Kind)
	assert.Equal(t, 1, control.parserVersion)
	assert.Equal(t, 1, control.commits)
	assert.True(t, control.committed.Load())
	assert.Empty(t, control.access)
	assert.Empty(t, control.connections)
	assert.Empty(t, control.rejected)
}

func TestRunObjectFailures(t *testing.T) {
	// The failing object is an access object. Its lines are all valid, so
	// every failure comes from the gzip stream or from the store.
	failingLines := []string{accessLine200, accessLine502, accessLine200}
	truncated := gzipLines(t, failingLines...)
	truncated = truncated[:len(truncated)-6] // cuts into the CRC-32 and size trailer

	tests := []struct {
		name string
		// body is the content of the failing object, and nil for the valid
		// failingLines in gzip.
		body         []byte
		accessErr    error
		commitErr    error
		wantErr      string
		wantRollback bool
	}{
		{
			name:         "truncated gzip",
			body:         truncated,
			wantErr:      "unexpected EOF",
			wantRollback: true,
		},
		{
			name:         "invalid gzip header",
			body:         []byte{0x1f, 0x8b, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01, 0x02},
			wantErr:      "gzip: invalid header",
			wantRollback: true,
		},
		{
			name:         "loader error",
			accessErr:    errors.New("insert into alb_access: disk full"),
			wantErr:      "insert into alb_access: disk full",
			wantRollback: true,
		},
		{
			name:      "asynchronous commit error",
			commitErr: errors.New("commit: write-write conflict"),
			wantErr:   "commit: write-write conflict",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			goodAccessURI := writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "1a2b3c4d", gzipLines(t, accessLine200))
			connURI := writeLogObject(t, dir, KindALBConnection, intervalEnd(5), "5k4j3h2g", gzipLines(t, connLineSuccess))
			body := tt.body
			if body == nil {
				body = gzipLines(t, failingLines...)
			}
			failingURI := writeLogObject(t, dir, KindALBAccess, intervalEnd(10), "9z8y7x6w", body)
			st := newFakeStore(t)
			if tt.accessErr != nil {
				st.failAccess[failingURI] = tt.accessErr
			}
			if tt.commitErr != nil {
				st.failCommit[failingURI] = tt.commitErr
			}

			sum, err := runDir(t, st, dir, Options{})

			require.ErrorIs(t, err, ErrObjectsFailed)
			assert.Equal(t, []KindSummary{
				{Kind: KindALBAccess, Loaded: 1, Failed: 1, Rows: 1},
				{Kind: KindALBConnection, Loaded: 1, Rows: 1},
				{Kind: KindControl},
				{Kind: KindNLB},
			}, sum.Kinds)
			require.Len(t, sum.Failures, 1)
			assert.Equal(t, failingURI, sum.Failures[0].URI)
			assert.Contains(t, sum.Failures[0].Err, tt.wantErr)

			failing := st.load(t, failingURI)
			assert.False(t, failing.committed.Load(), "failing object committed")
			if tt.wantRollback {
				assert.Equal(t, 1, failing.rollbacks, "rollbacks")
				assert.Equal(t, 0, failing.commits, "commits")
			} else {
				assert.Equal(t, 0, failing.rollbacks, "rollbacks")
				assert.Equal(t, 1, failing.commits, "commits")
			}
			for _, uri := range []string{goodAccessURI, connURI} {
				l := st.load(t, uri)
				assert.True(t, l.committed.Load(), "%s committed", uri)
				assert.Equal(t, 0, l.rollbacks, "rollbacks of %s", uri)
			}
		})
	}
}

func TestRunCorruptGzipNamesURI(t *testing.T) {
	dir := t.TempDir()
	body := gzipLines(t, accessLine200, accessLine502)
	uri := writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "1a2b3c4d", body[:len(body)-6])
	st := newFakeStore(t)

	sum, err := runDir(t, st, dir, Options{})

	require.ErrorIs(t, err, ErrObjectsFailed)
	require.Len(t, sum.Failures, 1)
	assert.Equal(t, uri, sum.Failures[0].URI)
	assert.Equal(t, fmt.Sprintf("inflate gzip object %s: %v", uri, io.ErrUnexpectedEOF), sum.Failures[0].Err)
}

func TestRunWindow(t *testing.T) {
	dir := t.TempDir()
	writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "aaaa", gzipLines(t, accessLine200))
	access10 := writeLogObject(t, dir, KindALBAccess, intervalEnd(10), "bbbb", gzipLines(t, accessLine200))
	writeLogObject(t, dir, KindALBAccess, intervalEnd(15), "cccc", gzipLines(t, accessLine200))
	writeLogObject(t, dir, KindALBConnection, intervalEnd(5), "dddd", gzipLines(t, connLineSuccess))
	conn10 := writeLogObject(t, dir, KindALBConnection, intervalEnd(10), "eeee", gzipLines(t, connLineSuccess))
	controlURI := writeControlObject(t, dir)
	otherURI := writeOtherObject(t, dir)
	st := newFakeStore(t)

	// Only the intervals (10:05, 10:10] overlap [10:07, 10:10]: the one
	// ending 10:05 ends before From, and the one ending 10:15 starts at To.
	// Objects with no end time in their names are always selected.
	window := Window{From: intervalEnd(7), To: intervalEnd(10)}
	sum, err := runDir(t, st, dir, Options{Window: window})

	require.NoError(t, err)
	assert.Equal(t, []KindSummary{
		{Kind: KindALBAccess, Loaded: 1, Rows: 1},
		{Kind: KindALBConnection, Loaded: 1, Rows: 1},
		{Kind: KindControl, Loaded: 1},
		{Kind: KindNLB},
		{Kind: KindOther, Skipped: 1},
	}, sum.Kinds)
	assert.Equal(t, []string{otherURI}, sum.Skipped)
	want := []string{access10, conn10, controlURI}
	sort.Strings(want)
	assert.Equal(t, want, st.begunURIs(), "objects passed to Begin")
}

func TestRunProgress(t *testing.T) {
	dir := t.TempDir()
	otherDir := t.TempDir()
	rowsPerObject := []int{1, 2, 3, 4}
	for i, rows := range rowsPerObject {
		// One rejected line per object, which Progress must not count as
		// a row.
		lines := []string{"garbage"}
		for range rows {
			lines = append(lines, accessLine200)
		}
		source := dir
		if i%2 == 1 {
			source = otherDir
		}
		writeLogObject(t, source, KindALBAccess, intervalEnd(5*(i+1)), fmt.Sprintf("obj%d", i), gzipLines(t, lines...))
	}
	// Counted in total and done but not in rows: a failed commit and the
	// control object. Not counted at all: a skipped object that is not a
	// log and an object loaded before.
	failingConn := writeLogObject(t, dir, KindALBConnection, intervalEnd(5), "5k4j3h2g", gzipLines(t, connLineSuccess, connLineFailed))
	writeControlObject(t, dir)
	writeOtherObject(t, dir)
	loadedBody := gzipLines(t, connLineSuccess)
	loadedURI := writeLogObject(t, otherDir, KindALBConnection, intervalEnd(10), "loaded", loadedBody)

	st := newFakeStore(t)
	st.failCommit[failingConn] = errors.New("commit: write-write conflict")
	st.manifest[loadedURI] = Loaded{ETag: sha256ETag(loadedBody), ParserVersion: albconn.ParserVersion}

	type progressCall struct {
		done, total int
		rows        int64
	}
	// Run calls Progress with its lock held, so the calls need no lock of
	// their own.
	var calls []progressCall
	opts := Options{
		Concurrency: 3,
		Progress: func(done, total int, rows int64) {
			calls = append(calls, progressCall{done: done, total: total, rows: rows})
		},
	}
	var sources []Source
	for _, d := range []string{dir, otherDir} {
		src, err := NewLocalSource(d)
		require.NoError(t, err)
		sources = append(sources, src)
	}

	sum, err := Run(context.Background(), st, sources, opts)

	require.ErrorIs(t, err, ErrObjectsFailed)
	assert.Equal(t, KindSummary{Kind: "total", Loaded: 5, AlreadyLoaded: 1, Skipped: 1, Failed: 1, Rows: 10, Rejected: 4}, sum.Total())
	const wantTotal = 6
	require.Len(t, calls, wantTotal)
	for i, c := range calls {
		assert.Equal(t, i+1, c.done, "done of call %d", i+1)
		assert.Equal(t, wantTotal, c.total, "total of call %d", i+1)
		if i > 0 {
			assert.GreaterOrEqual(t, c.rows, calls[i-1].rows, "rows of call %d", i+1)
		}
	}
	assert.Equal(t, int64(10), calls[wantTotal-1].rows, "rows of the last call")
}

func TestRunOverlappingSources(t *testing.T) {
	dir := t.TempDir()
	accessURI := writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "1a2b3c4d", gzipLines(t, accessLine200))
	otherURI := writeOtherObject(t, dir)
	dayFolder := filepath.Dir(accessURI)
	var sources []Source
	for _, path := range []string{dir, dayFolder, accessURI} {
		src, err := NewLocalSource(path)
		require.NoError(t, err)
		sources = append(sources, src)
	}
	st := newFakeStore(t)

	sum, err := Run(context.Background(), st, sources, Options{})

	require.NoError(t, err)
	assert.Equal(t, []KindSummary{
		{Kind: KindALBAccess, Loaded: 1, Rows: 1},
		{Kind: KindALBConnection},
		{Kind: KindControl},
		{Kind: KindNLB},
		{Kind: KindOther, Skipped: 1},
	}, sum.Kinds)
	assert.Equal(t, []string{otherURI}, sum.Skipped)
	assert.Equal(t, []string{accessURI}, st.begunURIs(), "objects passed to Begin")
}

func TestRunCancelledBeforeListing(t *testing.T) {
	dir := t.TempDir()
	writeLogObject(t, dir, KindALBAccess, intervalEnd(5), "1a2b3c4d", gzipLines(t, accessLine200))
	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	st := newFakeStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err = Run(ctx, st, []Source{src}, Options{})

	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, st.writers, "writers created")
	assert.Empty(t, st.begunURIs(), "objects passed to Begin")
}

func TestRunCancelledWhileLoading(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeLogObject(t, dir, KindALBAccess, intervalEnd(5*(i+1)), fmt.Sprintf("obj%d", i), gzipLines(t, accessLine200))
	}
	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := newFakeStore(t)
	st.onBegin = func(Object) { cancel() }

	sum, err := Run(ctx, st, []Source{src}, Options{Concurrency: 1})

	require.ErrorIs(t, err, context.Canceled)
	// The first object was begun before the cancellation and its commit
	// succeeds. Run checks the context before each Begin, so no later object
	// reaches Begin.
	assert.Len(t, st.begunURIs(), 1, "objects passed to Begin")
	require.NotEmpty(t, sum.Kinds)
	access := sum.Kinds[0]
	assert.Equal(t, KindALBAccess, access.Kind)
	assert.Equal(t, 1, access.Loaded)
	assert.Equal(t, int64(1), access.Rows)
	// Whether the feed loop hands the next object to the idle worker or
	// notices the cancellation first is up to select, so 0 to 2 objects fail
	// with the context's error and the rest are never started.
	assert.Equal(t, access.Failed, len(sum.Failures))
	assert.LessOrEqual(t, access.Failed, 2)
	for _, f := range sum.Failures {
		assert.Equal(t, context.Canceled.Error(), f.Err, "error of %s", f.URI)
	}
}

func TestRunManifestError(t *testing.T) {
	st := newFakeStore(t)
	st.manifestErr = errors.New("read manifest of cutover.duckdb: IO error")

	_, err := runDir(t, st, t.TempDir(), Options{})

	require.ErrorIs(t, err, st.manifestErr)
	assert.Equal(t, 0, st.writers, "writers created")
}

func TestSummaryTotal(t *testing.T) {
	sum := Summary{Kinds: []KindSummary{
		{Kind: KindALBAccess, Loaded: 1, AlreadyLoaded: 2, Outdated: 3, Failed: 4, Rows: 100, Rejected: 5},
		{Kind: KindALBConnection, Loaded: 10, AlreadyLoaded: 20, Outdated: 30, Failed: 40, Rows: 1000, Rejected: 50},
		{Kind: KindNLB, Skipped: 7},
		{Kind: KindOther, Skipped: 70},
	}}

	assert.Equal(t, KindSummary{
		Kind: "total", Loaded: 11, AlreadyLoaded: 22, Outdated: 33, Skipped: 77, Failed: 44, Rows: 1100, Rejected: 55,
	}, sum.Total())
	assert.Equal(t, KindSummary{Kind: "total"}, Summary{}.Total())
}

func TestRejectReason(t *testing.T) {
	tests := []struct {
		name string
		err  *elblog.ParseError
		want string
	}{
		{
			name: "whole line",
			err:  &elblog.ParseError{Line: 7, Err: elblog.ErrEmptyLine},
			want: "empty line",
		},
		{
			name: "one field",
			err:  &elblog.ParseError{Line: 7, Field: 2, Name: "time", Err: fmt.Errorf("%w: %q", elblog.ErrSyntax, "x")},
			want: `field 2 (time): invalid value: "x"`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, RejectReason(tt.err))
		})
	}
}
