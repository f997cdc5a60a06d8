package loopback

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// elbv2ContentPathPrefix is the path prefix under which the server serves
// the downloads that GetTrustStoreCaCertificatesBundle and
// GetTrustStoreRevocationContent point to. S3 bucket names cannot start
// with "_", so the prefix never shadows a path-style S3 request.
const elbv2ContentPathPrefix = "/_loopback/elbv2/"

const (
	caCertificatesBundlePath = elbv2ContentPathPrefix + "trust-store-ca-certificates-bundle"
	revocationContentPath    = elbv2ContentPathPrefix + "trust-store-revocation-content"
)

// trustStoreNamePattern is the trust store name syntax of the ELBv2 API
// reference: 1 to 32 letters, digits and inner hyphens.
var trustStoreNamePattern = regexp.MustCompile(`^([a-zA-Z0-9]+-)*[a-zA-Z0-9]+$`)

const maxTrustStoreNameLength = 32

// TrustStore is an Elastic Load Balancing v2 trust store, which holds the
// CA certificates and certificate revocation lists (CRLs) that a listener
// in mutual TLS verify mode checks client certificates against.
type TrustStore struct {
	Name string
	// ARN is generated from the region, account and name when empty.
	ARN string
	// CACertificatesBundle is the PEM bundle of CA certificates. It must
	// contain at least one CERTIFICATE block and nothing else.
	CACertificatesBundle []byte
	Revocations          []TrustStoreRevocation
	// Status is "ACTIVE" or "CREATING". Empty means "ACTIVE".
	Status string
}

// TrustStoreRevocation is a revocation file of a trust store.
type TrustStoreRevocation struct {
	// RevocationID identifies the file within its trust store. Zero means
	// the next ID after the largest one in the trust store, starting at 1.
	RevocationID int64
	// RevocationType is "CRL", the only type that ELBv2 defines. Empty
	// means "CRL".
	RevocationType string
	// Content is the CRL in DER or PEM form.
	Content []byte
}

// AddTrustStore stores ts with defaults for its empty fields and returns
// the stored value. It returns an error when the name is missing, invalid
// or taken, the ARN is taken, the CA bundle or a CRL does not parse, or
// two revocations share an ID.
func (e *ELBv2) AddTrustStore(ts TrustStore) (TrustStore, error) {
	if ts.Name == "" {
		return TrustStore{}, fmt.Errorf("add trust store: name is missing")
	}
	if len(ts.Name) > maxTrustStoreNameLength || !trustStoreNamePattern.MatchString(ts.Name) {
		return TrustStore{}, fmt.Errorf("add trust store: invalid name %q, want 1 to %d letters, digits and inner hyphens", ts.Name, maxTrustStoreNameLength)
	}
	if ts.Status == "" {
		ts.Status = "ACTIVE"
	}
	if ts.Status != "ACTIVE" && ts.Status != "CREATING" {
		return TrustStore{}, fmt.Errorf("add trust store %q: invalid status %q, want ACTIVE or CREATING", ts.Name, ts.Status)
	}
	if _, err := countCACertificates(ts.CACertificatesBundle); err != nil {
		return TrustStore{}, fmt.Errorf("add trust store %q: %w", ts.Name, err)
	}
	if ts.ARN == "" {
		ts.ARN = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:truststore/%s/%s", e.region, e.accountID, ts.Name, randomHex(8))
	}
	ts.CACertificatesBundle = bytes.Clone(ts.CACertificatesBundle)

	revocations, err := normalizeRevocations(ts.Revocations)
	if err != nil {
		return TrustStore{}, fmt.Errorf("add trust store %q: %w", ts.Name, err)
	}
	ts.Revocations = revocations

	e.mu.Lock()
	defer e.mu.Unlock()
	for _, existing := range e.trustStores {
		if existing.Name == ts.Name {
			return TrustStore{}, fmt.Errorf("add trust store: name %q is already taken by %s", ts.Name, existing.ARN)
		}
		if existing.ARN == ts.ARN {
			return TrustStore{}, fmt.Errorf("add trust store %q: ARN %s is already taken", ts.Name, ts.ARN)
		}
	}
	e.trustStores = append(e.trustStores, ts)
	return cloneTrustStore(ts), nil
}

// ModifyTrustStore replaces the CA bundle of the trust store arn, as
// ELBv2's ModifyTrustStore does; its revocations stay. Listeners that use
// the trust store check client certificates against the new bundle from
// the next request on. It returns an error when the trust store is
// missing or the bundle does not parse.
func (e *ELBv2) ModifyTrustStore(arn string, bundle []byte) error {
	if _, err := countCACertificates(bundle); err != nil {
		return fmt.Errorf("modify trust store %s: %w", arn, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.trustStores {
		if e.trustStores[i].ARN == arn {
			e.trustStores[i].CACertificatesBundle = bytes.Clone(bundle)
			return nil
		}
	}
	return fmt.Errorf("modify trust store %s: no such trust store", arn)
}

// normalizeRevocations returns copies of revocations with their IDs and
// types filled in, after it checks that each CRL parses.
func normalizeRevocations(revocations []TrustStoreRevocation) ([]TrustStoreRevocation, error) {
	var nextID int64 = 1
	for _, revocation := range revocations {
		nextID = max(nextID, revocation.RevocationID+1)
	}

	normalized := make([]TrustStoreRevocation, 0, len(revocations))
	seen := map[int64]bool{}
	for i, revocation := range revocations {
		if revocation.RevocationID < 0 {
			return nil, fmt.Errorf("revocation at index %d: invalid ID %d, want a positive number or 0 for the next free ID", i, revocation.RevocationID)
		}
		if revocation.RevocationID == 0 {
			revocation.RevocationID = nextID
			nextID++
		}
		if seen[revocation.RevocationID] {
			return nil, fmt.Errorf("revocation at index %d: ID %d is already taken", i, revocation.RevocationID)
		}
		seen[revocation.RevocationID] = true

		if revocation.RevocationType == "" {
			revocation.RevocationType = "CRL"
		}
		if revocation.RevocationType != "CRL" {
			return nil, fmt.Errorf("revocation at index %d: invalid type %q, want CRL", i, revocation.RevocationType)
		}
		if _, err := countRevokedEntries(revocation.Content); err != nil {
			return nil, fmt.Errorf("revocation at index %d: %w", i, err)
		}
		revocation.Content = bytes.Clone(revocation.Content)
		normalized = append(normalized, revocation)
	}
	return normalized, nil
}

// countCACertificates returns the number of certificates in a PEM bundle.
// It returns an error for an empty bundle, a block that is not a
// certificate, a certificate that does not parse, or text after the last
// block.
func countCACertificates(bundle []byte) (int, error) {
	count := 0
	rest := bundle
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return 0, fmt.Errorf("CA certificates bundle: block %d is %q, want CERTIFICATE", count+1, block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return 0, fmt.Errorf("CA certificates bundle: parse certificate %d: %w", count+1, err)
		}
		count++
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return 0, fmt.Errorf("CA certificates bundle: %d bytes after certificate %d are not a PEM block", len(rest), count)
	}
	if count == 0 {
		return 0, fmt.Errorf("CA certificates bundle contains no PEM certificate")
	}
	return count, nil
}

// countRevokedEntries returns the number of revoked certificates in a CRL
// in PEM ("X509 CRL" block) or DER form.
func countRevokedEntries(content []byte) (int, error) {
	der := content
	if block, _ := pem.Decode(content); block != nil {
		if block.Type != "X509 CRL" {
			return 0, fmt.Errorf("CRL: PEM block is %q, want X509 CRL", block.Type)
		}
		der = block.Bytes
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return 0, fmt.Errorf("parse CRL: %w", err)
	}
	return len(crl.RevokedCertificateEntries), nil
}

func cloneTrustStore(ts TrustStore) TrustStore {
	ts.CACertificatesBundle = bytes.Clone(ts.CACertificatesBundle)
	revocations := make([]TrustStoreRevocation, len(ts.Revocations))
	for i, revocation := range ts.Revocations {
		revocation.Content = bytes.Clone(revocation.Content)
		revocations[i] = revocation
	}
	ts.Revocations = revocations
	return ts
}

// trustStoreByARN must be called with e.mu held.
func (e *ELBv2) trustStoreByARN(arn string) (TrustStore, bool) {
	for _, ts := range e.trustStores {
		if ts.ARN == arn {
			return ts, true
		}
	}
	return TrustStore{}, false
}

func trustStoreNotFound(message string) *elbv2Error {
	return &elbv2Error{status: http.StatusBadRequest, code: "TrustStoreNotFound", message: message}
}

func revocationIDNotFound(message string) *elbv2Error {
	return &elbv2Error{status: http.StatusBadRequest, code: "RevocationIdNotFound", message: message}
}

// requiredTrustStore returns the stored trust store that the request's
// TrustStoreArn names.
func (e *ELBv2) requiredTrustStore(query awsQueryRequest) (TrustStore, *elbv2Error) {
	arn := query.Get("TrustStoreArn")
	if arn == "" {
		return TrustStore{}, validationError("TrustStoreArn is missing")
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	ts, ok := e.trustStoreByARN(arn)
	if !ok {
		return TrustStore{}, trustStoreNotFound(fmt.Sprintf("Trust store '%s' not found", arn))
	}
	return cloneTrustStore(ts), nil
}

// selectTrustStores returns every trust store when the request names
// none, and TrustStoreNotFound when a requested one is missing.
// NOTE: the ELBv2 API reference does not say how AWS treats a request with
// both Names and TrustStoreArns. This server rejects it, like
// DescribeLoadBalancers.
func (e *ELBv2) selectTrustStores(query awsQueryRequest) ([]TrustStore, *elbv2Error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return selectByNameOrARN(query, "Names", "TrustStoreArns", e.trustStores,
		func(ts TrustStore) (string, string) { return ts.Name, ts.ARN },
		func(id string) *elbv2Error { return trustStoreNotFound(fmt.Sprintf("Trust store '%s' not found", id)) })
}

func (e *ELBv2) describeTrustStores(w http.ResponseWriter, query awsQueryRequest) {
	selected, apiErr := e.selectTrustStores(query)
	page, nextMarker, ok := pageOf(e, w, query, selected, apiErr)
	if !ok {
		return
	}

	result := describeTrustStoresResult{NextMarker: nextMarker}
	for _, ts := range page {
		// AddTrustStore rejects a bundle or CRL that does not parse, so the
		// counts cannot fail here.
		certificates, _ := countCACertificates(ts.CACertificatesBundle)
		var revokedEntries int64
		for _, revocation := range ts.Revocations {
			entries, _ := countRevokedEntries(revocation.Content)
			revokedEntries += int64(entries)
		}
		result.TrustStores = append(result.TrustStores, trustStoreXML{
			Name:                   ts.Name,
			TrustStoreArn:          ts.ARN,
			Status:                 ts.Status,
			NumberOfCaCertificates: int32(certificates),
			TotalRevokedEntries:    revokedEntries,
		})
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

func (e *ELBv2) describeTrustStoreRevocations(w http.ResponseWriter, query awsQueryRequest) {
	ts, apiErr := e.requiredTrustStore(query)
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}

	selected := ts.Revocations
	if rawIDs := query.List("RevocationIds"); len(rawIDs) > 0 {
		selected = nil
		for _, rawID := range rawIDs {
			revocation, apiErr := findRevocation(ts, rawID)
			if apiErr != nil {
				e.writeError(w, apiErr)
				return
			}
			selected = append(selected, revocation)
		}
	}

	page, nextMarker, ok := pageOf(e, w, query, selected, nil)
	if !ok {
		return
	}
	result := describeTrustStoreRevocationsResult{NextMarker: nextMarker}
	for _, revocation := range page {
		entries, _ := countRevokedEntries(revocation.Content)
		result.TrustStoreRevocations = append(result.TrustStoreRevocations, trustStoreRevocationXML{
			TrustStoreArn:          ts.ARN,
			RevocationID:           revocation.RevocationID,
			RevocationType:         revocation.RevocationType,
			NumberOfRevokedEntries: int64(entries),
		})
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

// findRevocation returns the revocation of ts whose ID is the decimal
// rawID.
func findRevocation(ts TrustStore, rawID string) (TrustStoreRevocation, *elbv2Error) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil {
		return TrustStoreRevocation{}, validationError("revocation ID %q is invalid, want an integer", rawID)
	}
	for _, revocation := range ts.Revocations {
		if revocation.RevocationID == id {
			return revocation, nil
		}
	}
	return TrustStoreRevocation{}, revocationIDNotFound(fmt.Sprintf("Revocation ID '%d' not found in trust store '%s'", id, ts.ARN))
}

func (e *ELBv2) getTrustStoreCaCertificatesBundle(w http.ResponseWriter, r *http.Request, query awsQueryRequest) {
	ts, apiErr := e.requiredTrustStore(query)
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	location := contentURL(r, caCertificatesBundlePath, url.Values{"TrustStoreArn": {ts.ARN}})
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, locationResult{
		XMLName:  xml.Name{Local: query.Action + "Result"},
		Location: location,
	})
}

func (e *ELBv2) getTrustStoreRevocationContent(w http.ResponseWriter, r *http.Request, query awsQueryRequest) {
	ts, apiErr := e.requiredTrustStore(query)
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	rawID := query.Get("RevocationId")
	if rawID == "" {
		e.writeError(w, validationError("RevocationId is missing"))
		return
	}
	revocation, apiErr := findRevocation(ts, rawID)
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}

	location := contentURL(r, revocationContentPath, url.Values{
		"TrustStoreArn": {ts.ARN},
		"RevocationId":  {strconv.FormatInt(revocation.RevocationID, 10)},
	})
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, locationResult{
		XMLName:  xml.Name{Local: query.Action + "Result"},
		Location: location,
	})
}

// contentURL returns the absolute URL of a download on the server that
// received r, so the URL works both behind [Start] and in an
// httptest.Server.
//
// NOTE: AWS returns a pre-signed S3 URL that expires after ten minutes.
// These URLs do not expire and need no signature.
func contentURL(r *http.Request, path string, query url.Values) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	location := url.URL{Scheme: scheme, Host: r.Host, Path: path, RawQuery: query.Encode()}
	return location.String()
}

// serveContent handles a GET of a download URL from contentURL. It reads
// the current state, so a download reflects changes made after the
// Location was issued. Faults do not apply to downloads.
func (e *ELBv2) serveContent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, fmt.Sprintf("method %s is not allowed, use GET", r.Method), http.StatusMethodNotAllowed)
		return
	}

	query := r.URL.Query()
	arn := query.Get("TrustStoreArn")
	e.mu.Lock()
	ts, ok := e.trustStoreByARN(arn)
	if ok {
		ts = cloneTrustStore(ts)
	}
	e.mu.Unlock()
	if !ok {
		http.Error(w, fmt.Sprintf("trust store %q not found", arn), http.StatusNotFound)
		return
	}

	var content []byte
	var contentType string
	switch r.URL.Path {
	case caCertificatesBundlePath:
		content = ts.CACertificatesBundle
		contentType = "application/x-pem-file"
	case revocationContentPath:
		revocation, apiErr := findRevocation(ts, query.Get("RevocationId"))
		if apiErr != nil {
			http.Error(w, apiErr.message, http.StatusNotFound)
			return
		}
		content = revocation.Content
		contentType = "application/pkix-crl"
	default:
		http.Error(w, fmt.Sprintf("path %s is not a trust store download", r.URL.Path), http.StatusNotFound)
		return
	}

	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(content)
	}
}

// isContentPath reports whether path is under elbv2ContentPathPrefix.
func isContentPath(path string) bool {
	return strings.HasPrefix(path, elbv2ContentPathPrefix)
}

// The types below are the XML shapes of the trust store outputs.

type describeTrustStoresResult struct {
	XMLName     xml.Name        `xml:"DescribeTrustStoresResult"`
	TrustStores []trustStoreXML `xml:"TrustStores>member"`
	NextMarker  string          `xml:"NextMarker,omitempty"`
}

type trustStoreXML struct {
	Name                   string `xml:"Name"`
	TrustStoreArn          string `xml:"TrustStoreArn"`
	Status                 string `xml:"Status"`
	NumberOfCaCertificates int32  `xml:"NumberOfCaCertificates"`
	TotalRevokedEntries    int64  `xml:"TotalRevokedEntries"`
}

type describeTrustStoreRevocationsResult struct {
	XMLName               xml.Name                  `xml:"DescribeTrustStoreRevocationsResult"`
	TrustStoreRevocations []trustStoreRevocationXML `xml:"TrustStoreRevocations>member"`
	NextMarker            string                    `xml:"NextMarker,omitempty"`
}

type trustStoreRevocationXML struct {
	TrustStoreArn          string `xml:"TrustStoreArn"`
	RevocationID           int64  `xml:"RevocationId"`
	RevocationType         string `xml:"RevocationType"`
	NumberOfRevokedEntries int64  `xml:"NumberOfRevokedEntries"`
}

// locationResult is the output of GetTrustStoreCaCertificatesBundle and
// GetTrustStoreRevocationContent, whose XMLName is set per action.
type locationResult struct {
	XMLName  xml.Name
	Location string `xml:"Location"`
}
