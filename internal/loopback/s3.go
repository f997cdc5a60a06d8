// Package loopback serves AWS APIs on 127.0.0.1 for the demo and for tests,
// so that the AWS SDK runs its real wire protocol against a server of the
// project's own instead of AWS. S3 is gofakes3 with an in-memory backend.
package loopback

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running loopback S3 server.
type Server struct {
	// URL is the server's base URL, such as "http://127.0.0.1:40123", for
	// AWS_ENDPOINT_URL or --endpoint-url.
	URL    string
	server *http.Server
}

// StartS3 starts an empty in-memory S3 server on a free port of 127.0.0.1.
func StartS3() (*Server, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	faker := gofakes3.New(s3mem.New())
	s := &Server{
		URL:    "http://" + listener.Addr().String(),
		server: &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second},
	}
	go s.server.Serve(listener)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.server.Shutdown(ctx)
}

// Env returns the environment variables that point the AWS SDK's standard
// configuration at the server, with static credentials that the server
// accepts, and keep the SDK from asking an instance metadata service.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=AKIDLOOPBACKDEMO",
		"AWS_SECRET_ACCESS_KEY=loopback-demo-secret",
		"AWS_REGION=eu-west-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PROFILE=",
	}
}
