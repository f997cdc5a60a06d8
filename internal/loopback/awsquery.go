package loopback

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// awsQueryRequest is a parsed awsQuery request: a form with an Action and
// a Version, sent by POST in the body or by GET in the query string.
type awsQueryRequest struct {
	Action string
	form   url.Values
}

func parseAWSQuery(r *http.Request) (awsQueryRequest, error) {
	if err := r.ParseForm(); err != nil {
		return awsQueryRequest{}, fmt.Errorf("parse form: %w", err)
	}
	return awsQueryRequest{Action: r.Form.Get("Action"), form: r.Form}, nil
}

// Get returns the value of one parameter, or "" when it is missing.
func (q awsQueryRequest) Get(name string) string {
	return q.form.Get(name)
}

// List returns the members of a list parameter, which awsQuery sends as
// NAME.member.1, NAME.member.2 and so on, starting at 1 without gaps.
func (q awsQueryRequest) List(name string) []string {
	var members []string
	for i := 1; ; i++ {
		key := name + ".member." + strconv.Itoa(i)
		if !q.form.Has(key) {
			return members
		}
		members = append(members, q.form.Get(key))
	}
}

// newRequestID returns a random ID in the UUID layout that AWS uses for
// request IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// awsQueryResponse is the envelope of a successful awsQuery response:
// <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>.
// The SDK reads the output from the element named ActionResult.
type awsQueryResponse struct {
	XMLName  xml.Name
	Xmlns    string `xml:"xmlns,attr"`
	Result   any
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// writeAWSQueryResult sends result, whose XMLName must be ActionResult, in
// the envelope for action.
func writeAWSQueryResult(w http.ResponseWriter, namespace, action string, result any) {
	requestID := newRequestID()
	body, err := xml.Marshal(awsQueryResponse{
		XMLName:  xml.Name{Local: action + "Response"},
		Xmlns:    namespace,
		Result:   result,
		Metadata: responseMetadata{RequestID: requestID},
	})
	if err != nil {
		writeAWSQueryError(w, namespace, http.StatusInternalServerError, "InternalFailure",
			fmt.Sprintf("encode %s response: %v", action, err))
		return
	}
	writeXML(w, http.StatusOK, requestID, body)
}

// awsQueryErrorResponse is the awsQuery error body:
// <ErrorResponse><Error><Type><Code><Message></Error><RequestId>.
type awsQueryErrorResponse struct {
	XMLName   xml.Name      `xml:"ErrorResponse"`
	Xmlns     string        `xml:"xmlns,attr"`
	Error     awsQueryError `xml:"Error"`
	RequestID string        `xml:"RequestId"`
}

type awsQueryError struct {
	// Type is Sender for client errors (4xx) and Receiver for server errors.
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func writeAWSQueryError(w http.ResponseWriter, namespace string, status int, code, message string) {
	errorType := "Sender"
	if status >= 500 {
		errorType = "Receiver"
	}
	requestID := newRequestID()
	body, err := xml.Marshal(awsQueryErrorResponse{
		Xmlns:     namespace,
		Error:     awsQueryError{Type: errorType, Code: code, Message: message},
		RequestID: requestID,
	})
	if err != nil {
		// The error body contains only strings, which always encode.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeXML(w, status, requestID, body)
}

// awsQueryErrorFormat returns the ErrorFormat for faults on an awsQuery
// service with the XML namespace.
func awsQueryErrorFormat(namespace string) ErrorFormat {
	return ErrorFormat{
		ThrottlingCode: "Throttling",
		Write: func(w http.ResponseWriter, status int, code, message string) {
			writeAWSQueryError(w, namespace, status, code, message)
		},
	}
}

func writeXML(w http.ResponseWriter, status int, requestID string, body []byte) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.Write(body)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
