package loopback

import (
	"fmt"
	"net/http"
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
}

// ErrorFormat is the error encoding of one wire protocol, which keeps
// Faults independent of the protocol.
type ErrorFormat struct {
	// ThrottlingCode is the protocol's error code for throttling, such as
	// "Throttling" for awsQuery.
	ThrottlingCode string
	// Write sends an error response with the HTTP status, code and message.
	Write func(w http.ResponseWriter, status int, code, message string)
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
	case FaultThrottle, FaultInternalError:
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

// Apply applies the next fault that matches action to the request. It
// returns true when it has sent the response, or when the client went
// away during a delay, so the handler must not write a response.
func (f *Faults) Apply(w http.ResponseWriter, r *http.Request, action string, format ErrorFormat) bool {
	fault, ok := f.take(action)
	if !ok {
		return false
	}

	switch fault.Kind {
	case FaultThrottle:
		format.Write(w, http.StatusBadRequest, format.ThrottlingCode, "Rate exceeded (injected fault)")
		return true
	case FaultInternalError:
		format.Write(w, http.StatusInternalServerError, "InternalFailure", "Internal failure (injected fault)")
		return true
	case FaultDelay:
		timer := time.NewTimer(fault.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
			return false
		case <-r.Context().Done():
			return true
		}
	}
	return false
}
