// Package truststore fetches the inputs of an ALB client certificate check
// from AWS: CA bundles and CRLs stored in S3, an Elastic Load Balancing v2
// trust store with its revocation files, and a listener's mutual TLS
// settings. It returns the raw bytes, which package analyze/preflight
// parses.
package truststore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// MaxDownloadSize is the largest CA bundle, CRL or S3 object, in bytes,
// that this package reads. The AWS page "Quotas for your Application Load
// Balancers" limits a revocation file to 50 MB and a CA certificate to
// 16 KB, with at most 25 per trust store, so this leaves room above both.
const MaxDownloadSize = 64 << 20

// ErrNotFound is matched by the errors for a trust store, revocation file,
// listener or S3 object that does not exist.
var ErrNotFound = errors.New("not found")

// notFoundError reports a missing resource in its own words and matches
// ErrNotFound.
type notFoundError struct {
	message string
}

func (e *notFoundError) Error() string { return e.message }

func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// ELBv2API is the part of the Elastic Load Balancing v2 client that this
// package uses. *elasticloadbalancingv2.Client implements it.
type ELBv2API interface {
	elbv2.DescribeTrustStoreRevocationsAPIClient
	DescribeTrustStores(ctx context.Context, params *elbv2.DescribeTrustStoresInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTrustStoresOutput, error)
	GetTrustStoreCaCertificatesBundle(ctx context.Context, params *elbv2.GetTrustStoreCaCertificatesBundleInput, optFns ...func(*elbv2.Options)) (*elbv2.GetTrustStoreCaCertificatesBundleOutput, error)
	GetTrustStoreRevocationContent(ctx context.Context, params *elbv2.GetTrustStoreRevocationContentInput, optFns ...func(*elbv2.Options)) (*elbv2.GetTrustStoreRevocationContentOutput, error)
	DescribeListeners(ctx context.Context, params *elbv2.DescribeListenersInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error)
}

// HTTPClient sends the GET requests for the download URLs that ELBv2
// returns. *http.Client and the HTTPClient of an aws.Config implement it.
type HTTPClient interface {
	Do(req *http.Request) (*http.Response, error)
}

// TrustStore is an ELBv2 trust store as FetchTrustStore downloads it.
type TrustStore struct {
	Name string
	ARN  string
	// Status is "ACTIVE" or "CREATING".
	Status string
	// CACertificatesBundle is the PEM bundle of the trust store's CA
	// certificates.
	CACertificatesBundle []byte
	// Revocations are the trust store's revocation files in the order
	// DescribeTrustStoreRevocations lists them.
	Revocations []Revocation
}

// Revocation is one revocation file of a trust store.
type Revocation struct {
	ID int64
	// Type is "CRL", the only type ELBv2 defines.
	Type string
	// Content is the CRL in the PEM or DER form it was added in.
	Content []byte
}

// Option configures FetchTrustStore.
type Option func(*options)

type options struct {
	pageSize int32
}

// WithRevocationPageSize sets the maximum number of revocation files per
// DescribeTrustStoreRevocations response. Zero, the default, leaves the
// size to ELBv2.
func WithRevocationPageSize(n int32) Option {
	return func(o *options) { o.pageSize = n }
}

// IsARN reports whether nameOrARN is an ARN rather than a name.
func IsARN(nameOrARN string) bool {
	return strings.HasPrefix(nameOrARN, "arn:")
}

// FetchTrustStore downloads a trust store's CA bundle and every revocation
// file. nameOrARN is the trust store's name or, when it starts with "arn:",
// its ARN. The downloads are GET requests of the Location URLs that
// GetTrustStoreCaCertificatesBundle and GetTrustStoreRevocationContent
// return, sent with httpClient.
//
// A trust store, or a revocation file, that does not exist is an error that
// matches ErrNotFound.
func FetchTrustStore(ctx context.Context, client ELBv2API, httpClient HTTPClient, nameOrARN string, opts ...Option) (TrustStore, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}

	ts, err := describeTrustStore(ctx, client, nameOrARN)
	if err != nil {
		return TrustStore{}, err
	}
	label := trustStoreLabel(ts)

	bundleOut, err := client.GetTrustStoreCaCertificatesBundle(ctx, &elbv2.GetTrustStoreCaCertificatesBundleInput{TrustStoreArn: aws.String(ts.ARN)})
	if err != nil {
		return TrustStore{}, fmt.Errorf("get the CA certificates bundle of trust store %s: %w", label, err)
	}
	ts.CACertificatesBundle, err = download(ctx, httpClient, aws.ToString(bundleOut.Location), "the CA certificates bundle of trust store "+label)
	if err != nil {
		return TrustStore{}, err
	}

	ts.Revocations, err = fetchRevocations(ctx, client, httpClient, ts, label, o.pageSize)
	if err != nil {
		return TrustStore{}, err
	}
	return ts, nil
}

// describeTrustStore returns the name, ARN and status of one trust store.
func describeTrustStore(ctx context.Context, client ELBv2API, nameOrARN string) (TrustStore, error) {
	if nameOrARN == "" {
		return TrustStore{}, errors.New("the trust store name or ARN is empty")
	}
	input := &elbv2.DescribeTrustStoresInput{Names: []string{nameOrARN}}
	if IsARN(nameOrARN) {
		input = &elbv2.DescribeTrustStoresInput{TrustStoreArns: []string{nameOrARN}}
	}
	out, err := client.DescribeTrustStores(ctx, input)
	if err != nil {
		var missing *types.TrustStoreNotFoundException
		if errors.As(err, &missing) {
			return TrustStore{}, &notFoundError{message: fmt.Sprintf(
				"trust store %s not found: check the name or ARN, and that the region is the trust store's region", nameOrARN)}
		}
		return TrustStore{}, fmt.Errorf("describe trust store %s: %w", nameOrARN, err)
	}
	if len(out.TrustStores) != 1 {
		return TrustStore{}, fmt.Errorf("describe trust store %s: ELBv2 returned %d trust stores, expected 1", nameOrARN, len(out.TrustStores))
	}
	found := out.TrustStores[0]
	return TrustStore{
		Name:   aws.ToString(found.Name),
		ARN:    aws.ToString(found.TrustStoreArn),
		Status: string(found.Status),
	}, nil
}

// fetchRevocations lists every revocation file of ts, page by page, and
// downloads each one.
func fetchRevocations(ctx context.Context, client ELBv2API, httpClient HTTPClient, ts TrustStore, label string, pageSize int32) ([]Revocation, error) {
	input := &elbv2.DescribeTrustStoreRevocationsInput{TrustStoreArn: aws.String(ts.ARN)}
	if pageSize > 0 {
		input.PageSize = aws.Int32(pageSize)
	}
	pages := elbv2.NewDescribeTrustStoreRevocationsPaginator(client, input)

	var revocations []Revocation
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the revocation files of trust store %s: %w", label, err)
		}
		for _, listed := range page.TrustStoreRevocations {
			id := aws.ToInt64(listed.RevocationId)
			out, err := client.GetTrustStoreRevocationContent(ctx, &elbv2.GetTrustStoreRevocationContentInput{
				TrustStoreArn: aws.String(ts.ARN),
				RevocationId:  aws.Int64(id),
			})
			if err != nil {
				var missing *types.RevocationIdNotFoundException
				if errors.As(err, &missing) {
					return nil, &notFoundError{message: fmt.Sprintf(
						"revocation ID %d of trust store %s not found: it was removed while the trust store was read, so run the command again", id, label)}
				}
				return nil, fmt.Errorf("get revocation ID %d of trust store %s: %w", id, label, err)
			}
			description := fmt.Sprintf("revocation ID %d of trust store %s", id, label)
			content, err := download(ctx, httpClient, aws.ToString(out.Location), description)
			if err != nil {
				return nil, err
			}
			revocations = append(revocations, Revocation{ID: id, Type: string(listed.RevocationType), Content: content})
		}
	}
	return revocations, nil
}

// trustStoreLabel names a trust store in messages by its name and ARN.
func trustStoreLabel(ts TrustStore) string {
	return fmt.Sprintf("%s (%s)", ts.Name, ts.ARN)
}

// download sends a GET request for location and returns the body. description
// names the content in errors. The query string is left out of every error
// because in AWS it carries the signature of a presigned S3 URL.
func download(ctx context.Context, httpClient HTTPClient, location, description string) ([]byte, error) {
	if location == "" {
		return nil, fmt.Errorf("download %s: ELBv2 returned no Location", description)
	}
	target, err := url.Parse(location)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("download %s: ELBv2 returned a Location that is not an HTTP or HTTPS URL", description)
	}
	redactedURL := withoutQuery(target)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, fmt.Errorf("download %s from %s: %w", description, redactedURL, err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("download %s from %s: %w", description, redactedURL, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("download %s from %s: HTTP status %s, expected 200 OK: %s",
			description, redactedURL, resp.Status, strings.TrimSpace(string(snippet)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDownloadSize+1))
	if err != nil {
		return nil, fmt.Errorf("download %s from %s: %w", description, redactedURL, err)
	}
	if len(body) > MaxDownloadSize {
		return nil, fmt.Errorf("download %s from %s: larger than the maximum of %d bytes", description, redactedURL, MaxDownloadSize)
	}
	return body, nil
}

// withoutQuery returns u as a string without its user information, query
// and fragment.
func withoutQuery(u *url.URL) string {
	redactedURL := *u
	redactedURL.RawQuery = ""
	redactedURL.Fragment = ""
	redactedURL.User = nil
	return redactedURL.String()
}
