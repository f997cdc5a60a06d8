package ingest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// closingBody is a request body that records whether it was closed and
// fails every read after Close.
type closingBody struct {
	r      io.Reader
	closed bool
}

func (b *closingBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, io.ErrClosedPipe
	}
	return b.r.Read(p)
}

func (b *closingBody) Close() error {
	b.closed = true
	return nil
}

func TestDetachedBodyClientSendsCopy(t *testing.T) {
	var received []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		received = append(received, string(body))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	client := detachedBodyClient{next: srv.Client()}

	tests := []struct {
		name string
		body string
		// detached is true when the client sends a copy, so closing the
		// original body after the request does not reach the transport.
		detached bool
	}{
		{"small JSON body", `{"logGroupName":"/ec2/nginx/access"}`, true},
		{"body above the limit", strings.Repeat("x", maxDetachedBody+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			original := &closingBody{r: strings.NewReader(tt.body)}
			req, err := http.NewRequest(http.MethodPost, srv.URL, original)
			require.NoError(t, err)
			req.ContentLength = int64(len(tt.body))

			resp, err := client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			assert.Equal(t, tt.body, received[len(received)-1])

			// The transport closes the body it sent. A copy leaves the
			// original open.
			assert.Equal(t, !tt.detached, original.closed)
		})
	}
}

func TestDetachedBodyClientKeepsRequestsWithoutBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Body-Bytes", strconv.Itoa(len(body)))
		_, _ = io.Copy(w, bytes.NewReader([]byte("ok")))
	}))
	t.Cleanup(srv.Close)

	resp, err := detachedBodyClient{next: srv.Client()}.Do(httptestRequest(t, srv.URL))
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(got))
	assert.Equal(t, "0", resp.Header.Get("X-Body-Bytes"))
}

func httptestRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return req
}
