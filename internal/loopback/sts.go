package loopback

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sync"
)

// STSNamespace is the XML namespace of STS (API version 2011-06-15)
// responses.
const STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

const stsVersion = "2011-06-15"

// defaultUserID is the unique ID of the caller when none is set. IAM user
// IDs start with AIDA.
const defaultUserID = "AIDALOOPBACKUSER00001"

// CallerIdentity is the identity that GetCallerIdentity returns.
type CallerIdentity struct {
	// Account is the AWS account ID, such as "123456789012".
	Account string
	// Arn is the caller's ARN, such as
	// "arn:aws:iam::123456789012:user/loopback".
	Arn string
	// UserID is the caller's unique ID, such as "AIDALOOPBACKUSER00001".
	UserID string
}

// STS serves GetCallerIdentity over the awsQuery protocol. Its methods are
// safe for concurrent use.
type STS struct {
	// Faults are applied to each request before the handler responds.
	// Fault.Action matches the action name, "GetCallerIdentity".
	Faults Faults

	accountID string

	mu       sync.Mutex
	identity CallerIdentity
	calls    map[string]int
}

// NewSTS returns an STS whose caller is the IAM user "loopback" in the
// account accountID.
func NewSTS(accountID string) *STS {
	s := &STS{accountID: accountID, calls: map[string]int{}}
	s.identity = s.withDefaults(CallerIdentity{})
	return s
}

// SetCallerIdentity sets the identity that GetCallerIdentity returns. An
// empty Account means the server's account, an empty Arn means the IAM
// user "loopback" in that account, and an empty UserID means
// "AIDALOOPBACKUSER00001".
func (s *STS) SetCallerIdentity(identity CallerIdentity) {
	identity = s.withDefaults(identity)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identity = identity
}

// CallerIdentity returns the identity that GetCallerIdentity returns.
func (s *STS) CallerIdentity() CallerIdentity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identity
}

func (s *STS) withDefaults(identity CallerIdentity) CallerIdentity {
	if identity.Account == "" {
		identity.Account = s.accountID
	}
	if identity.Arn == "" {
		identity.Arn = fmt.Sprintf("arn:aws:iam::%s:user/loopback", identity.Account)
	}
	if identity.UserID == "" {
		identity.UserID = defaultUserID
	}
	return identity
}

// Calls returns the number of requests for action, such as
// "GetCallerIdentity", that reached the server, including requests that
// got an injected fault.
func (s *STS) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// ServeHTTP handles an awsQuery request. It supports GetCallerIdentity and
// rejects other actions with InvalidAction. It does not check request
// signatures, so every caller gets the same identity.
func (s *STS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	errorFormat := awsQueryErrorFormat(STSNamespace)
	query, err := parseAWSQuery(r)
	if err != nil {
		errorFormat.Write(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	if version := query.Get("Version"); version != stsVersion {
		errorFormat.Write(w, http.StatusBadRequest, "InvalidParameterValue",
			fmt.Sprintf("Version %q is not supported, want %s", version, stsVersion))
		return
	}

	s.mu.Lock()
	s.calls[query.Action]++
	s.mu.Unlock()

	s.Faults.Serve(w, r, query.Action, errorFormat, func(w http.ResponseWriter) {
		if query.Action != "GetCallerIdentity" {
			errorFormat.Write(w, http.StatusBadRequest, "InvalidAction",
				fmt.Sprintf("The action %q is not valid for this web service", query.Action))
			return
		}
		identity := s.CallerIdentity()
		writeAWSQueryResult(w, STSNamespace, query.Action, getCallerIdentityResult{
			Arn:     identity.Arn,
			UserID:  identity.UserID,
			Account: identity.Account,
		})
	})
}

type getCallerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}
