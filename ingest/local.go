package ingest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// localSource lists the files under a folder, or one file.
type localSource struct {
	// root is the absolute path the source was created with.
	root string
}

// NewLocalSource returns a source for a local folder or a single file.
//
// A folder is walked recursively. List lists its regular files and the
// files that symbolic links point to, and skips hidden files and folders
// (names starting with ".") below path, symbolic links to folders, and
// special files such as sockets. A symbolic link whose target is missing
// makes List fail with an error that names the link.
//
// Each Object's URI and Key are the file's absolute path, and its ETag is
// "sha256:" and the hex SHA-256 of the file as stored (before any gzip
// inflation).
func NewLocalSource(path string) (Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("local log source %q: %w", path, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("local log source: %w", err)
	}
	if !info.IsDir() && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("invalid local log source %s: not a folder or a regular file", abs)
	}
	return &localSource{root: abs}, nil
}

// List calls fn for every file that the window selects, sorted by path. It
// reads each selected file once to compute its ETag.
func (s *localSource) List(ctx context.Context, w Window, fn func(Object) error) error {
	paths, err := s.files()
	if err != nil {
		return err
	}

	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		o := Classify(p)
		o.URI = p
		if !w.Selects(o) {
			continue
		}
		o.ETag, o.Size, err = hashFile(p)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// files returns the absolute paths of the files under the source, sorted as
// strings so that the order matches the key order of an S3 listing.
func (s *localSource) files() ([]string, error) {
	info, err := os.Stat(s.root)
	if err != nil {
		return nil, fmt.Errorf("local log source: %w", err)
	}
	if !info.IsDir() {
		return []string{s.root}, nil
	}

	var paths []string
	if err := collectFiles(s.root, &paths); err != nil {
		return nil, err
	}
	sort.Strings(paths)
	return paths, nil
}

// collectFiles appends the paths of the files under dir to paths, following
// symbolic links to files but not to folders, so a link cycle cannot loop.
func collectFiles(dir string, paths *[]string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list local log folder: %w", err)
	}

	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())

		switch mode := e.Type(); {
		case mode.IsDir():
			if err := collectFiles(p, paths); err != nil {
				return err
			}
		case mode.IsRegular():
			*paths = append(*paths, p)
		case mode&fs.ModeSymlink != 0:
			target, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("follow symbolic link in local log folder: %w", err)
			}
			if target.Mode().IsRegular() {
				*paths = append(*paths, p)
			}
		}
	}
	return nil
}

// hashFile returns the ETag of a local file and its size in bytes.
func hashFile(path string) (etag string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("hash local log file: %w", err)
	}
	defer f.Close()

	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hash local log file: %w", err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), size, nil
}

// Open returns the content of the file at o.Key, inflated when the file
// starts with the gzip magic bytes, whatever its name.
func (s *localSource) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	f, err := os.Open(o.Key)
	if err != nil {
		return nil, fmt.Errorf("open local log file: %w", err)
	}
	return inflate(f, o.Key)
}

// gzipMagic is the first two bytes of every gzip member (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// inflate wraps body so that reads return its content, inflated when body
// starts with the gzip magic bytes. Inflation streams, so memory use does
// not grow with the object. Read errors other than io.EOF name uri, and
// Close closes body. On an error, inflate closes body itself.
func inflate(body io.ReadCloser, uri string) (io.ReadCloser, error) {
	buffered := bufio.NewReaderSize(body, 64<<10)
	magic, err := buffered.Peek(len(gzipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		body.Close()
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	if string(magic) != string(gzipMagic) {
		return &content{reader: buffered, body: body, uri: uri}, nil
	}

	// gzip.Reader reads concatenated gzip members as one stream, as gunzip does.
	gz, err := gzip.NewReader(buffered)
	if err != nil {
		body.Close()
		return nil, fmt.Errorf("read %s: invalid gzip stream: %w", uri, err)
	}
	return &content{reader: gz, gz: gz, body: body, uri: uri}, nil
}

// content is the reader that inflate returns.
type content struct {
	reader io.Reader
	gz     *gzip.Reader // nil for plain content
	body   io.Closer
	uri    string
}

func (c *content) Read(p []byte) (int, error) {
	n, err := c.reader.Read(p)
	// io.EOF stays unwrapped because callers such as io.ReadAll compare it
	// with ==.
	if err != nil && err != io.EOF {
		what := "read"
		if c.gz != nil {
			what = "inflate gzip object"
		}
		err = fmt.Errorf("%s %s: %w", what, c.uri, err)
	}
	return n, err
}

func (c *content) Close() error {
	var gzErr error
	if c.gz != nil {
		gzErr = c.gz.Close()
	}
	return errors.Join(c.body.Close(), gzErr)
}
