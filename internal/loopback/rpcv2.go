package loopback

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// maxRPCv2BodyBytes is the largest Smithy RPCv2 CBOR request body that a
// handler reads.
const maxRPCv2BodyBytes = 10 << 20

// parseRPCv2Path splits a Smithy RPCv2 request path,
// /service/SERVICE/operation/OPERATION, into its service and operation.
func parseRPCv2Path(path string) (service, operation string, ok bool) {
	rest, found := strings.CutPrefix(path, "/service/")
	if !found {
		return "", "", false
	}
	service, operation, found = strings.Cut(rest, "/operation/")
	if !found || service == "" || operation == "" || strings.Contains(operation, "/") {
		return service, "", false
	}
	return service, operation, true
}

// cborStruct is a decoded CBOR map that represents a Smithy structure. Its
// accessors treat a missing member and a CBOR null as absent, and return an
// error that names the member when the value has the wrong type.
type cborStruct cbor.Map

// readCBORStruct decodes a request body. An empty body is an empty
// structure, because Smithy RPCv2 clients may omit the body of an empty
// input.
func readCBORStruct(r *http.Request) (cborStruct, error) {
	if encoding := r.Header.Get("Content-Encoding"); encoding != "" && encoding != "identity" {
		return nil, fmt.Errorf("request Content-Encoding %q is not supported by the loopback server", encoding)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRPCv2BodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxRPCv2BodyBytes {
		return nil, fmt.Errorf("request body is larger than %d bytes", maxRPCv2BodyBytes)
	}
	if len(body) == 0 {
		return cborStruct{}, nil
	}
	value, err := cbor.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("decode CBOR request body: %w", err)
	}
	m, ok := value.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("request body is a CBOR %T, want a map", value)
	}
	return cborStruct(m), nil
}

// member returns the member's value, or false when it is missing or null.
func (s cborStruct) member(name string) (cbor.Value, bool) {
	v, ok := s[name]
	if !ok {
		return nil, false
	}
	switch v.(type) {
	case *cbor.Nil, *cbor.Undefined:
		return nil, false
	}
	return v, true
}

func (s cborStruct) stringMember(name string) (string, error) {
	v, ok := s.member(name)
	if !ok {
		return "", nil
	}
	str, ok := v.(cbor.String)
	if !ok {
		return "", fmt.Errorf("member %s is a CBOR %T, want a text string", name, v)
	}
	return string(str), nil
}

func (s cborStruct) int64Member(name string) (int64, bool, error) {
	v, ok := s.member(name)
	if !ok {
		return 0, false, nil
	}
	n, err := cbor.AsInt64(v)
	if err != nil {
		return 0, false, fmt.Errorf("member %s: %w", name, err)
	}
	return n, true, nil
}

func (s cborStruct) boolMember(name string) (bool, bool, error) {
	v, ok := s.member(name)
	if !ok {
		return false, false, nil
	}
	b, ok := v.(cbor.Bool)
	if !ok {
		return false, false, fmt.Errorf("member %s is a CBOR %T, want a boolean", name, v)
	}
	return bool(b), true, nil
}

// timeMember reads a timestamp, which Smithy RPCv2 CBOR sends as tag 1 around
// epoch seconds, an integer or a float.
func (s cborStruct) timeMember(name string) (time.Time, bool, error) {
	v, ok := s.member(name)
	if !ok {
		return time.Time{}, false, nil
	}
	t, err := cbor.AsTime(v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("member %s: %w", name, err)
	}
	return t.UTC(), true, nil
}

func (s cborStruct) structMember(name string) (cborStruct, bool, error) {
	v, ok := s.member(name)
	if !ok {
		return nil, false, nil
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, false, fmt.Errorf("member %s is a CBOR %T, want a map", name, v)
	}
	return cborStruct(m), true, nil
}

// structListMember reads a list of structures. A null item is an error, because
// Smithy lists of structures are not sparse.
func (s cborStruct) structListMember(name string) ([]cborStruct, error) {
	v, ok := s.member(name)
	if !ok {
		return nil, nil
	}
	list, ok := v.(cbor.List)
	if !ok {
		return nil, fmt.Errorf("member %s is a CBOR %T, want a list", name, v)
	}
	items := make([]cborStruct, 0, len(list))
	for i, item := range list {
		m, ok := item.(cbor.Map)
		if !ok {
			return nil, fmt.Errorf("member %s item %d is a CBOR %T, want a map", name, i, item)
		}
		items = append(items, cborStruct(m))
	}
	return items, nil
}

// cborTime encodes a timestamp as Smithy RPCv2 CBOR does: tag 1 around
// epoch seconds as a float, with millisecond precision.
func cborTime(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1e3)}
}

// writeRPCv2 sends a Smithy RPCv2 CBOR response.
func writeRPCv2(w http.ResponseWriter, status int, body cbor.Value) {
	encoded := cbor.Encode(body)
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Content-Length", strconv.Itoa(len(encoded)))
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// writeRPCv2Error sends a Smithy RPCv2 CBOR error: a map with __type, the
// error's shape ID, and message. For a service with the awsQueryCompatible
// trait, queryCode is the awsQuery error code, which the SDK reads from the
// X-Amzn-Query-Error header and reports as the error code. An empty
// queryCode leaves the header out.
func writeRPCv2Error(w http.ResponseWriter, status int, errorType, queryCode, message string) {
	if queryCode != "" {
		fault := "Sender"
		if status >= 500 {
			fault = "Receiver"
		}
		w.Header().Set("X-Amzn-Query-Error", queryCode+";"+fault)
	}
	writeRPCv2(w, status, cbor.Map{
		"__type":  cbor.String(errorType),
		"message": cbor.String(message),
	})
}
