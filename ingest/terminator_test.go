package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on machines without a zoneinfo database

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/envoy"
	"github.com/cutover-dev/cutover/ingest/haproxy"
	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// readTestdata returns a file of a parser package's testdata folder, given
// by its path below ingest.
func readTestdata(t *testing.T, path string) []byte {
	t.Helper()
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	return body
}

// logsOf returns how many records of a load went to each value of column log.
func logsOf(l *fakeLoad) map[string]int {
	logs := map[string]int{}
	for _, r := range l.terminators {
		logs[r.log]++
	}
	return logs
}

func TestRunTerminatorNginx(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	dir := t.TempDir()
	// testdata/access.log has 11 records and 1 rejected line, error.log 11
	// records, 1 rejected line and 6 lines unrelated to TLS.
	accessURI := writeFile(t, filepath.Join(dir, "web-1", "nginx", "access.log"),
		readTestdata(t, "nginx/testdata/access.log"))
	errorURI := writeFile(t, filepath.Join(dir, "eu-west-1", "i-0123456789abcdef0", "error.log.gz"),
		gzipLines(t, strings.Split(strings.TrimSuffix(string(readTestdata(t, "nginx/testdata/error.log")), "\n"), "\n")...))
	st := newFakeStore(t)

	sum, err := runDir(t, st, dir, Options{Terminator: &TerminatorOptions{
		Proxy: terminator.SourceNginx, TrafficPath: TrafficPathALB, Location: berlin,
	}})

	require.NoError(t, err)
	// A terminator run lists its proxy's kind only.
	assert.Equal(t, []KindSummary{
		{Kind: KindTerminatorNginx, Loaded: 2, Rows: 22, Rejected: 2, SkippedLines: 6},
	}, sum.Kinds)
	assert.Equal(t, 2, sum.LogObjects)

	access := st.load(t, accessURI)
	assert.Equal(t, KindTerminatorNginx, access.obj.Kind)
	assert.Equal(t, nginx.ParserVersion, access.parserVersion)
	assert.Equal(t, "web-1", access.obj.Instance, "first folder below the source")
	assert.Equal(t, TrafficPathALB, access.obj.TrafficPath)
	assert.Equal(t, map[string]int{"access": 11}, logsOf(access))
	assert.Len(t, access.rejected, 1)
	assert.Equal(t, 0, access.skipped)

	errorLog := st.load(t, errorURI)
	assert.Equal(t, "i-0123456789abcdef0", errorLog.obj.Instance, "instance ID in the key")
	assert.Equal(t, map[string]int{"error": 11}, logsOf(errorLog))
	assert.Len(t, errorLog.rejected, 1)
	assert.Equal(t, 6, errorLog.skipped)
	require.NotEmpty(t, errorLog.terminators)
	first := errorLog.terminators[0]
	assert.Equal(t, 3, first.line)
	assert.Equal(t, time.Date(2025, 9, 16, 12, 5, 3, 0, time.UTC), first.record.Time, "14:05:03 in Berlin summer time")
}

func TestRunTerminatorEnvoyAndHAProxyLogs(t *testing.T) {
	for _, tc := range []struct {
		proxy        terminator.Source
		kind         Kind
		version      int
		file         string
		logs         map[string]int
		skippedLines int
	}{
		{terminator.SourceEnvoy, KindTerminatorEnvoy, envoy.ParserVersion, "envoy/testdata/listener.log",
			map[string]int{"listener": 12}, 0},
		{terminator.SourceEnvoy, KindTerminatorEnvoy, envoy.ParserVersion, "envoy/testdata/http.log",
			map[string]int{"http": 6}, 0},
		{terminator.SourceHAProxy, KindTerminatorHAProxy, haproxy.ParserVersion, "haproxy/testdata/connection_errors.log",
			map[string]int{"connection_error": 9}, 4},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			uri := writeFile(t, filepath.Join(dir, "logs", "proxy.log"), readTestdata(t, tc.file))
			st := newFakeStore(t)

			_, err := runDir(t, st, dir, Options{Terminator: &TerminatorOptions{
				Proxy: tc.proxy, Instance: "edge-7", TrafficPath: TrafficPathNLB,
			}})

			require.NoError(t, err)
			l := st.load(t, uri)
			assert.Equal(t, tc.kind, l.obj.Kind)
			assert.Equal(t, tc.version, l.parserVersion)
			assert.Equal(t, "edge-7", l.obj.Instance, "--instance wins over the key")
			assert.Equal(t, tc.logs, logsOf(l))
			assert.Equal(t, tc.skippedLines, l.skipped)
			assert.Empty(t, l.rejected)
		})
	}
}

func TestRunTerminatorWithoutInstance(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "access.log"), readTestdata(t, "nginx/testdata/access.log"))
	src, err := NewLocalSource(path)
	require.NoError(t, err)
	st := newFakeStore(t)

	sum, err := Run(context.Background(), st, []Source{src}, Options{Terminator: &TerminatorOptions{
		Proxy: terminator.SourceNginx, TrafficPath: TrafficPathNLB,
	}})

	require.ErrorIs(t, err, ErrObjectsFailed)
	require.Len(t, sum.Failures, 1)
	assert.Equal(t, path, sum.Failures[0].URI)
	assert.Contains(t, sum.Failures[0].Err, "pass --instance")
	assert.Equal(t, 1, st.load(t, path).rollbacks)
}

func TestInstanceFromKey(t *testing.T) {
	for _, tc := range []struct {
		rel, want string
	}{
		{"web-1/access.log", "web-1"},
		{"web-1/nginx/2026/12/03/access.log.gz", "web-1"},
		{"eu-west-1/i-0123456789abcdef0/error.log", "i-0123456789abcdef0"},
		{"logs/nginx-i-0a1b2c3d.error.log", "i-0a1b2c3d"},
		{"i-0a1b2c3d/access.log", "i-0a1b2c3d"},
		{"web/multi-abcdef12/access.log", "web"},
		{"web/i-0a1b2c3g/access.log", "web"},
		{"access.log", ""},
		{"", ""},
	} {
		assert.Equal(t, tc.want, InstanceFromKey(tc.rel), "InstanceFromKey(%q)", tc.rel)
	}
}

func TestRelativeKeyS3(t *testing.T) {
	for _, prefix := range []string{"proxy-logs", "proxy-logs/"} {
		src := &s3Source{bucket: testBucket, prefix: prefix}
		o := Object{Key: "proxy-logs/web-1/access.log.gz"}
		assert.Equal(t, "web-1/access.log.gz", relativeKey(src, o), "prefix %q", prefix)
	}
}

func TestIsNginxErrorLog(t *testing.T) {
	assert.True(t, IsNginxErrorLog("/var/log/nginx/error.log"))
	assert.True(t, IsNginxErrorLog("web-1/api-Error.log.1.gz"))
	assert.False(t, IsNginxErrorLog("errors/access.log"), "folder names do not count")
	assert.False(t, IsNginxErrorLog("web-1/access.log-20261203.gz"))
}

func TestInstanceFromStream(t *testing.T) {
	for _, tc := range []struct {
		stream, want string
	}{
		{"i-0123456789abcdef0", "i-0123456789abcdef0"},
		{"nginx-access-i-0a1b2c3d", "i-0a1b2c3d"},
		{"web-1/access", "web-1"},
		{"ip-10-0-3-41.ec2.internal", "ip-10-0-3-41.ec2.internal"},
	} {
		assert.Equal(t, tc.want, InstanceFromStream(tc.stream), "InstanceFromStream(%q)", tc.stream)
	}
}

func TestIsNginxErrorLogStream(t *testing.T) {
	assert.True(t, IsNginxErrorLogStream("/aws/ec2/nginx/error", "i-0a1b2c3d"))
	assert.True(t, IsNginxErrorLogStream("/aws/ec2/nginx", "i-0a1b2c3d-Error"))
	assert.False(t, IsNginxErrorLogStream("/aws/ec2/nginx/access", "i-0a1b2c3d"))
}

func TestAsTerminatorObjectSlice(t *testing.T) {
	slice := Object{URI: "cwlogs://nginx/i-0a1b2c3d@2026-12-03T10:00:00Z", Key: "nginx/i-0a1b2c3d", Kind: KindOther,
		End: time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC), LogStream: "i-0a1b2c3d"}
	opts := &TerminatorOptions{Proxy: terminator.SourceNginx, TrafficPath: TrafficPathALB}

	o := asTerminatorObject(nil, slice, opts)

	assert.Equal(t, KindTerminatorNginx, o.Kind)
	assert.Equal(t, slice.End, o.End, "a slice keeps its end")
	assert.Equal(t, "i-0a1b2c3d", o.Instance)
	assert.Equal(t, TrafficPathALB, o.TrafficPath)

	opts.Instance = "edge-7"
	assert.Equal(t, "edge-7", asTerminatorObject(nil, slice, opts).Instance, "--instance wins over the stream")
}

func TestIsNginxErrorObject(t *testing.T) {
	for _, tc := range []struct {
		o    Object
		want bool
	}{
		{Object{Key: "/aws/ec2/nginx/error/i-0a1b2c3d", LogStream: "i-0a1b2c3d"}, true},
		{Object{Key: "/aws/ec2/nginx/i-0a1b2c3d-error", LogStream: "i-0a1b2c3d-error"}, true},
		{Object{Key: "/aws/ec2/nginx/access/i-0a1b2c3d", LogStream: "i-0a1b2c3d"}, false},
		{Object{Key: "errors/access.log"}, false},
		{Object{Key: "web-1/error.log"}, true},
	} {
		assert.Equal(t, tc.want, isNginxErrorObject(tc.o), tc.o.Key)
	}
}
