// Package s3fake runs an in-memory S3 server on 127.0.0.1 for tests, with
// gofakes3 as the server and an SDK client configured to reach it.
//
// The package sets no environment variables. A test that needs the SDK's
// standard configuration to find the server sets AWS_ENDPOINT_URL and the
// other variables itself with t.Setenv.
package s3fake

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/klauspost/compress/gzip"
)

// Region is the region that Client signs requests for.
const Region = "us-east-1"

// Static credentials of Client. The server does not check signatures, so
// any values work.
const (
	AccessKeyID     = "AKIDS3FAKETEST"
	SecretAccessKey = "s3fake-secret-access-key"
)

// Server is a running fake S3 server.
type Server struct {
	// URL is the server's base URL, such as "http://127.0.0.1:40123".
	URL string
	// Client sends path-style requests to URL with static credentials.
	Client *s3.Client

	mu      sync.Mutex
	denied  map[string]bool   // "bucket/key" paths that get 403 AccessDenied
	stalled map[string]*stall // "bucket/key" paths whose GET stops midway
}

// stall holds a GET response after a number of body bytes.
type stall struct {
	after   int
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

// Start starts a server with an empty in-memory backend and stops it when
// the test ends.
func Start(t testing.TB) *Server {
	t.Helper()

	s := &Server{denied: make(map[string]bool), stalled: make(map[string]*stall)}
	faker := gofakes3.New(s3mem.New())
	httpServer := httptest.NewUnstartedServer(s.denyAccess(s.stallGets(faker.Server())))

	// httptest would also fall back to [::1]. Listening explicitly keeps the
	// server on 127.0.0.1.
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("s3fake: listen on 127.0.0.1: %v", err)
	}
	httpServer.Listener.Close()
	httpServer.Listener = listener
	httpServer.Start()
	t.Cleanup(httpServer.Close)

	s.URL = httpServer.URL
	s.Client = s3.New(s3.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
	})
	return s
}

// Deny makes the server reject every later request for the object with 403
// AccessDenied, as S3 does when the caller's policy does not allow it.
func (s *Server) Deny(bucket, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[bucket+"/"+key] = true
}

// denyAccess wraps next with the access checks that Deny sets up. The
// server only receives path-style requests, so the URL path is
// "/bucket/key".
func (s *Server) denyAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		denied := s.denied[strings.TrimPrefix(r.URL.Path, "/")]
		s.mu.Unlock()
		if !denied {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` +
			`<Error><Code>AccessDenied</Code><Message>Access Denied</Message>` +
			`<RequestId>s3fake</RequestId></Error>`))
	})
}

// Stall makes the next GET of the object send its first after bytes and then
// wait until release is called or the client goes away. The rest of the
// body is never sent. reached is closed once those bytes are sent. It lets a test
// stop a reader in the middle of an object.
func (s *Server) Stall(bucket, key string, after int) (reached <-chan struct{}, release func()) {
	st := &stall{after: after, reached: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.stalled[bucket+"/"+key] = st
	s.mu.Unlock()
	return st.reached, func() { st.once.Do(func() { close(st.release) }) }
}

func (s *Server) stallGets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		s.mu.Lock()
		st := s.stalled[path]
		if r.Method == http.MethodGet && st != nil {
			delete(s.stalled, path)
		} else {
			st = nil
		}
		s.mu.Unlock()
		if st == nil {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&stallingWriter{ResponseWriter: w, stall: st, ctx: r.Context()}, r)
	})
}

// stallingWriter passes a response body through until stall.after bytes are
// written, then blocks.
type stallingWriter struct {
	http.ResponseWriter
	stall   *stall
	ctx     context.Context
	written int
	stopped bool
}

func (w *stallingWriter) Write(p []byte) (int, error) {
	if w.stopped {
		return len(p), nil
	}
	if w.written+len(p) < w.stall.after {
		w.written += len(p)
		return w.ResponseWriter.Write(p)
	}
	head := p[:w.stall.after-w.written]
	n, err := w.ResponseWriter.Write(head)
	if err != nil {
		return n, err
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	close(w.stall.reached)
	select {
	case <-w.stall.release:
	case <-w.ctx.Done():
	}
	w.stopped = true
	return len(p), nil
}

// CreateBucket creates a bucket and fails the test on an error.
func (s *Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	_, err := s.Client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("s3fake: create bucket %s: %v", bucket, err)
	}
}

// PutObject stores body under key as is and fails the test on an error.
func (s *Server) PutObject(t testing.TB, bucket, key string, body []byte) {
	t.Helper()
	_, err := s.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket),
		Key:    aws.String(key),
		Body:   bytes.NewReader(body),
	})
	if err != nil {
		t.Fatalf("s3fake: put s3://%s/%s: %v", bucket, key, err)
	}
}

// PutGzipObject stores body under key gzip-compressed, as ELB delivers
// its logs, and returns the compressed bytes.
func (s *Server) PutGzipObject(t testing.TB, bucket, key string, body []byte) []byte {
	t.Helper()
	compressed := Gzip(t, body)
	s.PutObject(t, bucket, key, compressed)
	return compressed
}

// Gzip returns body compressed as one gzip member.
func Gzip(t testing.TB, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		t.Fatalf("s3fake: gzip: %v", err)
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("s3fake: gzip: %v", err)
	}
	return buf.Bytes()
}
