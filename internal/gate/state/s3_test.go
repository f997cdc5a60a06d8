package state

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
)

// The loopback server rejects a conditional write only with 412
// PreconditionFailed, so the other rejections are built here as the SDK
// reports them.
func TestIsConditionFailure(t *testing.T) {
	responseError := func(status int) error {
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: errors.New("operation failed")}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "412 PreconditionFailed", err: &smithy.GenericAPIError{Code: "PreconditionFailed"}, want: true},
		{name: "409 ConditionalRequestConflict", err: fmt.Errorf("put: %w", &smithy.GenericAPIError{Code: "ConditionalRequestConflict"}), want: true},
		{name: "412 without a code", err: responseError(http.StatusPreconditionFailed), want: true},
		{name: "403 AccessDenied", err: &smithy.GenericAPIError{Code: "AccessDenied"}, want: false},
		{name: "409 without a code", err: responseError(http.StatusConflict), want: false},
		{name: "network error", err: errors.New("dial tcp 127.0.0.1:1: connection refused"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, isConditionFailure(tt.err))
		})
	}
}
