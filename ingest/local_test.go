package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/testutil/s3fake"
)

const (
	accessName1 = "123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20261203T1005Z_10.0.1.7_1a2b3c4d.log.gz"
	accessName2 = "123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20261203T1010Z_10.0.2.9_9z8y7x6w.log"
	connName    = "conn_log_123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20261203T1005Z_10.0.1.7_5k4j3h2g.log.gz"
)

// writeFile creates path with its parent folders and returns its absolute path.
func writeFile(t *testing.T, path string, body []byte) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, body, 0o644))
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	return abs
}

// listAll returns every object that src lists for w.
func listAll(t *testing.T, src Source, w Window) []Object {
	t.Helper()
	var objects []Object
	err := src.List(context.Background(), w, func(o Object) error {
		objects = append(objects, o)
		return nil
	})
	require.NoError(t, err)
	return objects
}

// readAll opens o and returns its whole content.
func readAll(t *testing.T, src Source, o Object) string {
	t.Helper()
	r, err := src.Open(context.Background(), o)
	require.NoError(t, err)
	defer r.Close()
	body, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(body)
}

func sha256ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestLocalSourceFolder(t *testing.T) {
	dir := t.TempDir()
	accessGzip := s3fake.Gzip(t, []byte("access line 1\n"))
	connGzip := s3fake.Gzip(t, []byte("conn line 1\n"))

	access1 := writeFile(t, filepath.Join(dir, "2026/12/03", accessName1), accessGzip)
	access2 := writeFile(t, filepath.Join(dir, "2026/12/03", accessName2), []byte("access line 2\n"))
	conn := writeFile(t, filepath.Join(dir, "2026/12/03/conn", connName), connGzip)
	notes := writeFile(t, filepath.Join(dir, "notes.txt"), []byte("plain text"))
	// "a-b" sorts before "a/..." as a string, but after "a" as a folder entry.
	nestedA := writeFile(t, filepath.Join(dir, "a/z.log"), []byte("z"))
	dashA := writeFile(t, filepath.Join(dir, "a-b.log"), []byte("b"))
	writeFile(t, filepath.Join(dir, ".hidden.log"), []byte("hidden"))
	writeFile(t, filepath.Join(dir, ".git/objects/x"), []byte("hidden folder"))

	linkTarget := writeFile(t, filepath.Join(t.TempDir(), "target.log"), []byte("linked\n"))
	link := filepath.Join(dir, "linked.log")
	require.NoError(t, os.Symlink(linkTarget, link))
	require.NoError(t, os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "folder-link")))

	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	var uris []string
	for _, o := range objects {
		uris = append(uris, o.URI)
	}
	assert.Equal(t, []string{access1, access2, conn, dashA, nestedA, link, notes}, uris)

	byURI := make(map[string]Object)
	for _, o := range objects {
		assert.Equal(t, o.URI, o.Key, "Key of %s", o.URI)
		byURI[o.URI] = o
	}

	assert.Equal(t, KindALBAccess, byURI[access1].Kind)
	assert.Equal(t, time.Date(2026, 12, 3, 10, 5, 0, 0, time.UTC), byURI[access1].End)
	assert.Equal(t, "10.0.1.7", byURI[access1].Node)
	assert.Equal(t, sha256ETag(accessGzip), byURI[access1].ETag)
	assert.Equal(t, int64(len(accessGzip)), byURI[access1].Size)
	assert.Equal(t, KindALBAccess, byURI[access2].Kind)
	assert.Equal(t, KindALBConnection, byURI[conn].Kind)
	assert.Equal(t, KindOther, byURI[notes].Kind)
	assert.Equal(t, sha256ETag([]byte("linked\n")), byURI[link].ETag)
	assert.Equal(t, int64(len("linked\n")), byURI[link].Size)

	assert.Equal(t, "access line 1\n", readAll(t, src, byURI[access1]))
	assert.Equal(t, "access line 2\n", readAll(t, src, byURI[access2]))
	assert.Equal(t, "conn line 1\n", readAll(t, src, byURI[conn]))
	assert.Equal(t, "linked\n", readAll(t, src, byURI[link]))
}

func TestLocalSourceETagStable(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, accessName1), s3fake.Gzip(t, []byte("line\n")))
	writeFile(t, filepath.Join(dir, "copy", accessName1), s3fake.Gzip(t, []byte("line\n")))
	writeFile(t, filepath.Join(dir, "other", accessName1), s3fake.Gzip(t, []byte("other line\n")))

	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	first := listAll(t, src, Window{})
	second := listAll(t, src, Window{})

	require.Len(t, first, 3)
	assert.Equal(t, first, second, "two listings of unchanged files")
	assert.Equal(t, first[0].ETag, first[1].ETag, "same content in two files")
	assert.NotEqual(t, first[0].ETag, first[2].ETag, "different content")
}

func TestLocalSourceSingleFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, connName), s3fake.Gzip(t, []byte("conn\n")))
	writeFile(t, filepath.Join(dir, accessName1), []byte("not listed"))

	relative, err := filepath.Rel(mustGetwd(t), path)
	require.NoError(t, err)
	src, err := NewLocalSource(relative)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	require.Len(t, objects, 1)
	assert.Equal(t, path, objects[0].URI)
	assert.Equal(t, KindALBConnection, objects[0].Kind)
	assert.Equal(t, "conn\n", readAll(t, src, objects[0]))
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return wd
}

func TestLocalSourceHiddenRoot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".logs")
	path := writeFile(t, filepath.Join(dir, accessName2), []byte("line\n"))

	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	require.Len(t, objects, 1)
	assert.Equal(t, path, objects[0].URI)
}

func TestLocalSourceWindow(t *testing.T) {
	dir := t.TempDir()
	access1 := writeFile(t, filepath.Join(dir, accessName1), []byte("10:05\n"))
	writeFile(t, filepath.Join(dir, accessName2), []byte("10:10\n"))
	other := writeFile(t, filepath.Join(dir, "README"), []byte("other\n"))

	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	w := Window{
		From: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		To:   time.Date(2026, 12, 3, 10, 4, 0, 0, time.UTC),
	}
	objects := listAll(t, src, w)

	require.Len(t, objects, 2)
	assert.Equal(t, access1, objects[0].URI)
	assert.Equal(t, other, objects[1].URI)
}

func TestLocalSourceGzipByContent(t *testing.T) {
	dir := t.TempDir()
	gzipNamedLog := writeFile(t, filepath.Join(dir, "a.log"), s3fake.Gzip(t, []byte("inflated\n")))
	plainNamedGz := writeFile(t, filepath.Join(dir, "b.log.gz"), []byte("plain\n"))
	empty := writeFile(t, filepath.Join(dir, "c.log.gz"), nil)
	oneByte := writeFile(t, filepath.Join(dir, "d.log"), []byte{0x1f})

	src, err := NewLocalSource(dir)
	require.NoError(t, err)

	assert.Equal(t, "inflated\n", readAll(t, src, Object{URI: gzipNamedLog, Key: gzipNamedLog}))
	assert.Equal(t, "plain\n", readAll(t, src, Object{URI: plainNamedGz, Key: plainNamedGz}))
	assert.Equal(t, "", readAll(t, src, Object{URI: empty, Key: empty}))
	assert.Equal(t, "\x1f", readAll(t, src, Object{URI: oneByte, Key: oneByte}))
}

func TestLocalSourceConcatenatedGzip(t *testing.T) {
	body := append(s3fake.Gzip(t, []byte("first\n")), s3fake.Gzip(t, []byte("second\n"))...)
	path := writeFile(t, filepath.Join(t.TempDir(), accessName1), body)

	src, err := NewLocalSource(path)
	require.NoError(t, err)

	assert.Equal(t, "first\nsecond\n", readAll(t, src, Object{URI: path, Key: path}))
}

func TestLocalSourceCorruptGzip(t *testing.T) {
	compressed := s3fake.Gzip(t, []byte("a line that is long enough to compress\n"))
	path := writeFile(t, filepath.Join(t.TempDir(), accessName1), compressed[:len(compressed)-6])

	src, err := NewLocalSource(path)
	require.NoError(t, err)
	r, err := src.Open(context.Background(), Object{URI: path, Key: path})
	require.NoError(t, err)
	defer r.Close()
	_, err = io.ReadAll(r)

	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestLocalSourceMissingPath(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-folder")

	_, err := NewLocalSource(missing)

	require.Error(t, err)
	assert.Contains(t, err.Error(), missing)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestLocalSourceDanglingLink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "gone.log")
	require.NoError(t, os.Symlink(filepath.Join(dir, "missing-target.log"), link))

	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	err = src.List(context.Background(), Window{}, func(Object) error { return nil })

	require.Error(t, err)
	assert.Contains(t, err.Error(), link)
}

func TestLocalSourceStopsOnCallbackError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, accessName1), []byte("1\n"))
	writeFile(t, filepath.Join(dir, accessName2), []byte("2\n"))
	stop := assert.AnError

	src, err := NewLocalSource(dir)
	require.NoError(t, err)
	calls := 0
	err = src.List(context.Background(), Window{}, func(Object) error {
		calls++
		return stop
	})

	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
}
