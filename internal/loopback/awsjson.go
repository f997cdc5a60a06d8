package loopback

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// maxJSONBodyBytes is the largest AWS JSON request body that a handler
// reads.
const maxJSONBodyBytes = 10 << 20

// readJSONInput decodes an AWS JSON request body into input. An empty body
// leaves input unchanged. Members that input does not declare are ignored.
func readJSONInput(r *http.Request, input any) error {
	if encoding := r.Header.Get("Content-Encoding"); encoding != "" && encoding != "identity" {
		return fmt.Errorf("request Content-Encoding %q is not supported by the loopback server", encoding)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBodyBytes+1))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxJSONBodyBytes {
		return fmt.Errorf("request body is larger than %d bytes", maxJSONBodyBytes)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, input); err != nil {
		return fmt.Errorf("decode JSON request body: %w", err)
	}
	return nil
}

// writeJSON sends an AWS JSON 1.1 response.
func writeJSON(w http.ResponseWriter, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", fmt.Sprintf("encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(encoded)))
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// jsonError is the AWS JSON error body. The SDK reads the error code from
// __type, or from the X-Amzn-ErrorType header when that is set.
type jsonError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// writeJSONError sends an AWS JSON 1.1 error with the code, such as
// "ResourceNotFoundException", in the body and in X-Amzn-ErrorType.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	encoded, err := json.Marshal(jsonError{Type: code, Message: message})
	if err != nil {
		// The error body contains only strings, which always encode.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(encoded)))
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// jsonErrorFormat is the ErrorFormat for faults on an AWS JSON service
// whose throttling error code is "ThrottlingException".
var jsonErrorFormat = ErrorFormat{
	ThrottlingCode: "ThrottlingException",
	Write:          writeJSONError,
}
