package loopback

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// FaultKind is the way an injected fault changes a request's response.
type FaultKind int

const (
	// FaultThrottle sends the protocol's throttling error, which the
	// SDK's standard retryer retries.
	FaultThrottle FaultKind = iota + 1
	// FaultInternalError sends HTTP 500 and the code InternalFailure.
	FaultInternalError
	// FaultDelay waits for Fault.Delay and then lets the handler respond
	// normally.
	FaultDelay
	// FaultDrop closes the connection without sending a response, so the
	// client sees EOF or a connection reset, which the SDK's standard
	// retryer retries.
	FaultDrop
	// FaultTruncate sends the handler's normal status, headers and full
	// Content-Length, but only the first half of the body, and then closes
	// the connection. The SDK (aws-sdk-go-v2 v1.48.0) reports the short
	// body as a deserialization error and does not retry it.
	FaultTruncate
	// FaultDropAfter lets the handler run, so a write request takes effect,
	// then discards its response and closes the connection. The client
	// sees the same error as for FaultDrop and cannot tell whether the
	// request was applied.
	FaultDropAfter
	// FaultAPIError sends the error Fault.Code with the HTTP status
	// Fault.Status, such as Route 53's PriorRequestNotComplete, without
	// running the handler.
	FaultAPIError
)

// String returns the kind's name as used in error messages.
func (k FaultKind) String() string {
	switch k {
	case FaultThrottle:
		return "throttle"
	case FaultInternalError:
		return "internal error"
	case FaultDelay:
		return "delay"
	case FaultDrop:
		return "drop"
	case FaultTruncate:
		return "truncate"
	case FaultDropAfter:
		return "drop after handler"
	case FaultAPIError:
		return "API error"
	default:
		return fmt.Sprintf("FaultKind(%d)", int(k))
	}
}

// Fault describes the next Count requests that fail or slow down.
type Fault struct {
	Kind FaultKind
	// Action limits the fault to one operation name, such as
	// "DescribeLoadBalancers". An empty Action matches every request.
	Action string
	// Count is the number of matching requests that the fault affects.
	Count int
	// Delay is the wait before the response for FaultDelay.
	Delay time.Duration
	// Code is the error code that FaultAPIError sends, such as
	// "PriorRequestNotComplete".
	Code string
	// Status is the HTTP status that FaultAPIError sends. Zero means 400.
	Status int
}

// ErrorFormat is the error encoding of one wire protocol, which keeps
// Faults independent of the protocol.
type ErrorFormat struct {
	// ThrottlingCode is the protocol's error code for throttling, such as
	// "Throttling" for awsQuery.
	ThrottlingCode string
	// ThrottlingStatus is the HTTP status of the throttling error, such as
	// 503 for EC2. Zero means 400.
	ThrottlingStatus int
	// Write sends an error response with the HTTP status, code and message.
	Write func(w http.ResponseWriter, status int, code, message string)
}

// apiError is an API error that a handler sends in its protocol's error
// format.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string {
	return e.code + ": " + e.message
}

// write sends the error in format.
func (e *apiError) write(w http.ResponseWriter, format ErrorFormat) {
	format.Write(w, e.status, e.code, e.message)
}

// Faults is a queue of injected faults that a protocol handler consults
// before it responds to each request. The zero value is empty and ready to use,
// and all methods are safe for concurrent use.
type Faults struct {
	mu      sync.Mutex
	pending []Fault
}

// Inject queues a fault. Queued faults apply in the order they were
// injected: a request takes one use from the first fault that matches its
// action.
func (f *Faults) Inject(fault Fault) error {
	switch fault.Kind {
	case FaultThrottle, FaultInternalError, FaultDrop, FaultTruncate, FaultDropAfter:
	case FaultAPIError:
		if fault.Code == "" {
			return fmt.Errorf("inject API error fault: code is missing")
		}
		if fault.Status != 0 && (fault.Status < 400 || fault.Status > 599) {
			return fmt.Errorf("inject API error fault %s: status is %d, want 400 to 599 or 0 for 400", fault.Code, fault.Status)
		}
	case FaultDelay:
		if fault.Delay <= 0 {
			return fmt.Errorf("inject delay fault: delay is %v, want a positive duration", fault.Delay)
		}
	default:
		return fmt.Errorf("inject fault: unknown kind %v", fault.Kind)
	}
	if fault.Count < 1 {
		return fmt.Errorf("inject %v fault: count is %d, want at least 1", fault.Kind, fault.Count)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, fault)
	return nil
}

// Clear removes every queued fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = nil
}

// Remaining returns the number of requests that queued faults will still
// affect.
func (f *Faults) Remaining() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	total := 0
	for _, fault := range f.pending {
		total += fault.Count
	}
	return total
}

// take removes one use of the first queued fault that matches action.
func (f *Faults) take(action string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.pending {
		fault := &f.pending[i]
		if fault.Action != "" && fault.Action != action {
			continue
		}
		taken := *fault
		fault.Count--
		if fault.Count == 0 {
			f.pending = append(f.pending[:i], f.pending[i+1:]...)
		}
		return taken, true
	}
	return Fault{}, false
}

// Serve responds to a request for action. When a queued fault matches
// action, Serve applies it, and otherwise it calls respond, which writes
// the handler's normal response to the writer it is given. After
// FaultDelay, respond runs when the delay ends, and not at all when the
// client goes away during the delay. FaultTruncate and FaultDropAfter also
// run respond, and the other kinds do not.
func (f *Faults) Serve(w http.ResponseWriter, r *http.Request, action string, format ErrorFormat, respond func(http.ResponseWriter)) {
	fault, ok := f.take(action)
	if !ok {
		respond(w)
		return
	}

	switch fault.Kind {
	case FaultThrottle:
		status := format.ThrottlingStatus
		if status == 0 {
			status = http.StatusBadRequest
		}
		format.Write(w, status, format.ThrottlingCode, "Rate exceeded (injected fault)")
	case FaultInternalError:
		format.Write(w, http.StatusInternalServerError, "InternalFailure", "Internal failure (injected fault)")
	case FaultDelay:
		timer := time.NewTimer(fault.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
			respond(w)
		case <-r.Context().Done():
		}
	case FaultDrop:
		dropConnection(w)
	case FaultTruncate:
		writeTruncated(w, respond)
	case FaultDropAfter:
		respond(&bufferedResponse{header: http.Header{}})
		dropConnection(w)
	case FaultAPIError:
		status := fault.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		format.Write(w, status, fault.Code, fault.Code+" (injected fault)")
	default:
		respond(w)
	}
}

// dropConnection closes the client's connection without writing anything.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// The connection cannot be taken over, as with HTTP/2. Aborting
		// the handler makes the server reset the stream or close the
		// connection instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// writeTruncated sends the response that respond writes, cut to half of its
// body. It declares the full Content-Length, so the Go HTTP server closes
// the connection after the short body and the client reads an unexpected
// EOF.
func writeTruncated(w http.ResponseWriter, respond func(http.ResponseWriter)) {
	buffered := &bufferedResponse{header: http.Header{}}
	respond(buffered)

	for name, values := range buffered.header {
		w.Header()[name] = values
	}
	body := buffered.body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	status := buffered.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body[:len(body)/2])
}

// bufferedResponse is an http.ResponseWriter that keeps the response in
// memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
