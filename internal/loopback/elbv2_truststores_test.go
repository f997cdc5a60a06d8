package loopback

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/testutil/testpki"
)

// download fetches a Location from the loopback server. It fails the test
// for any other host, so a wrong Location cannot send a request elsewhere.
func download(t *testing.T, location string) []byte {
	t.Helper()
	require.True(t, strings.HasPrefix(location, "http://127.0.0.1:"), "location %s is not on the loopback server", location)
	resp, err := http.Get(location)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", location, body)
	return body
}

func TestDescribeTrustStoresByNameAndARN(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	rootCA := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	issuingCA := testpki.NewCA(t, pkix.Name{CommonName: "Issuing CA"}, nil)
	bundle := testpki.Bundle(rootCA, issuingCA)
	crlPEM := testpki.EncodeCRLPEM(testpki.NewCRL(t, rootCA, 10, 11))
	clients, err := state.AddTrustStore(TrustStore{
		Name:                 "clients",
		CACertificatesBundle: bundle,
		Revocations: []TrustStoreRevocation{
			{Content: testpki.NewCRL(t, rootCA, 7)},
			{Content: crlPEM},
		},
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(clients.ARN, "arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/clients/"), clients.ARN)
	assert.Equal(t, []int64{1, 2}, []int64{clients.Revocations[0].RevocationID, clients.Revocations[1].RevocationID})
	partners, err := state.AddTrustStore(TrustStore{Name: "partners", CACertificatesBundle: issuingCA.PEM(), Status: "CREATING"})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	byName, err := client.DescribeTrustStores(ctx, &elbv2.DescribeTrustStoresInput{Names: []string{"clients"}})
	require.NoError(t, err)
	require.Len(t, byName.TrustStores, 1)
	got := byName.TrustStores[0]
	assert.Equal(t, "clients", aws.ToString(got.Name))
	assert.Equal(t, clients.ARN, aws.ToString(got.TrustStoreArn))
	assert.Equal(t, types.TrustStoreStatusActive, got.Status)
	assert.Equal(t, int32(2), aws.ToInt32(got.NumberOfCaCertificates))
	assert.Equal(t, int64(3), aws.ToInt64(got.TotalRevokedEntries))
	assert.Nil(t, byName.NextMarker)

	byARN, err := client.DescribeTrustStores(ctx, &elbv2.DescribeTrustStoresInput{TrustStoreArns: []string{partners.ARN}})
	require.NoError(t, err)
	require.Len(t, byARN.TrustStores, 1)
	assert.Equal(t, "partners", aws.ToString(byARN.TrustStores[0].Name))
	assert.Equal(t, types.TrustStoreStatusCreating, byARN.TrustStores[0].Status)
	assert.Equal(t, int32(1), aws.ToInt32(byARN.TrustStores[0].NumberOfCaCertificates))
	assert.Equal(t, int64(0), aws.ToInt64(byARN.TrustStores[0].TotalRevokedEntries))

	all, err := client.DescribeTrustStores(ctx, &elbv2.DescribeTrustStoresInput{})
	require.NoError(t, err)
	assert.Len(t, all.TrustStores, 2)
}

func TestDescribeTrustStoresNotFound(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	_, err := state.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	client, requests := startELBv2(t, state)
	ctx := context.Background()

	_, err = client.DescribeTrustStores(ctx, &elbv2.DescribeTrustStoresInput{Names: []string{"clients", "missing-store"}})
	var notFound *types.TrustStoreNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not TrustStoreNotFoundException", err)
	assert.Equal(t, "TrustStoreNotFound", notFound.ErrorCode())
	assert.Contains(t, notFound.ErrorMessage(), "missing-store")
	assert.Equal(t, int64(1), requests.Load(), "a not-found error must not be retried")

	missingARN := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/none/0"
	_, err = client.DescribeTrustStores(ctx, &elbv2.DescribeTrustStoresInput{TrustStoreArns: []string{missingARN}})
	require.True(t, errors.As(err, &notFound), "error %v is not TrustStoreNotFoundException", err)
	assert.Contains(t, notFound.ErrorMessage(), missingARN)
}

func TestDescribeTrustStoresPaginator(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	for i := range 5 {
		_, err := state.AddTrustStore(TrustStore{Name: fmt.Sprintf("store-%d", i), CACertificatesBundle: ca.PEM()})
		require.NoError(t, err)
	}
	client, requests := startELBv2(t, state)

	paginator := elbv2.NewDescribeTrustStoresPaginator(client, &elbv2.DescribeTrustStoresInput{PageSize: aws.Int32(2)})
	var names []string
	var pageSizes []int
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pageSizes = append(pageSizes, len(page.TrustStores))
		for _, ts := range page.TrustStores {
			names = append(names, aws.ToString(ts.Name))
		}
	}
	assert.Equal(t, []int{2, 2, 1}, pageSizes)
	assert.Equal(t, []string{"store-0", "store-1", "store-2", "store-3", "store-4"}, names)
	assert.Equal(t, int64(3), requests.Load())
}

func TestGetTrustStoreCaCertificatesBundleDownload(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	rootCA := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	issuingCA := testpki.NewCA(t, pkix.Name{CommonName: "Issuing CA"}, nil)
	bundle := testpki.Bundle(rootCA, issuingCA)
	ts, err := state.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: bundle})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)

	out, err := client.GetTrustStoreCaCertificatesBundle(context.Background(), &elbv2.GetTrustStoreCaCertificatesBundleInput{
		TrustStoreArn: aws.String(ts.ARN),
	})
	require.NoError(t, err)
	body := download(t, aws.ToString(out.Location))
	assert.Equal(t, bundle, body)

	var subjects []string
	rest := body
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		require.NoError(t, err)
		subjects = append(subjects, cert.Subject.CommonName)
	}
	assert.Equal(t, []string{"Root CA", "Issuing CA"}, subjects)
}

// After ModifyTrustStore, the bundle download returns the new bundle, and
// an invalid bundle or an unknown ARN leaves the trust store as it was.
func TestModifyTrustStoreReplacesBundle(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	rootCA := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	issuingCA := testpki.NewCA(t, pkix.Name{CommonName: "Issuing CA"}, nil)
	ts, err := state.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: testpki.Bundle(rootCA)})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)

	fixed := testpki.Bundle(rootCA, issuingCA)
	require.NoError(t, state.ModifyTrustStore(ts.ARN, fixed))
	require.Error(t, state.ModifyTrustStore(ts.ARN, []byte("not a bundle")))
	require.Error(t, state.ModifyTrustStore(ts.ARN+"x", testpki.Bundle(rootCA)))

	out, err := client.GetTrustStoreCaCertificatesBundle(context.Background(), &elbv2.GetTrustStoreCaCertificatesBundleInput{
		TrustStoreArn: aws.String(ts.ARN),
	})
	require.NoError(t, err)
	assert.Equal(t, fixed, download(t, aws.ToString(out.Location)))
}

func TestGetTrustStoreCaCertificatesBundleNotFound(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	client, _ := startELBv2(t, state)

	_, err := client.GetTrustStoreCaCertificatesBundle(context.Background(), &elbv2.GetTrustStoreCaCertificatesBundleInput{
		TrustStoreArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/none/0"),
	})
	var notFound *types.TrustStoreNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not TrustStoreNotFoundException", err)
}

func TestDescribeTrustStoreRevocationsByID(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	ts, err := state.AddTrustStore(TrustStore{
		Name:                 "clients",
		CACertificatesBundle: ca.PEM(),
		Revocations: []TrustStoreRevocation{
			{RevocationID: 4, Content: testpki.NewCRL(t, ca, 1, 2, 3)},
			{Content: testpki.NewCRL(t, ca)},
		},
	})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	all, err := client.DescribeTrustStoreRevocations(ctx, &elbv2.DescribeTrustStoreRevocationsInput{TrustStoreArn: aws.String(ts.ARN)})
	require.NoError(t, err)
	require.Len(t, all.TrustStoreRevocations, 2)
	first := all.TrustStoreRevocations[0]
	assert.Equal(t, ts.ARN, aws.ToString(first.TrustStoreArn))
	assert.Equal(t, int64(4), aws.ToInt64(first.RevocationId))
	assert.Equal(t, types.RevocationTypeCrl, first.RevocationType)
	assert.Equal(t, int64(3), aws.ToInt64(first.NumberOfRevokedEntries))
	assert.Equal(t, int64(5), aws.ToInt64(all.TrustStoreRevocations[1].RevocationId), "a zero ID takes the next free one")
	assert.Equal(t, int64(0), aws.ToInt64(all.TrustStoreRevocations[1].NumberOfRevokedEntries))

	byID, err := client.DescribeTrustStoreRevocations(ctx, &elbv2.DescribeTrustStoreRevocationsInput{
		TrustStoreArn: aws.String(ts.ARN),
		RevocationIds: []int64{5},
	})
	require.NoError(t, err)
	require.Len(t, byID.TrustStoreRevocations, 1)
	assert.Equal(t, int64(5), aws.ToInt64(byID.TrustStoreRevocations[0].RevocationId))

	paginator := elbv2.NewDescribeTrustStoreRevocationsPaginator(client, &elbv2.DescribeTrustStoreRevocationsInput{
		TrustStoreArn: aws.String(ts.ARN),
		PageSize:      aws.Int32(1),
	})
	pages := 0
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		require.NoError(t, err)
		assert.Len(t, page.TrustStoreRevocations, 1)
		pages++
	}
	assert.Equal(t, 2, pages)
}

func TestDescribeTrustStoreRevocationsNotFound(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	ts, err := state.AddTrustStore(TrustStore{
		Name:                 "clients",
		CACertificatesBundle: ca.PEM(),
		Revocations:          []TrustStoreRevocation{{Content: testpki.NewCRL(t, ca, 1)}},
	})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	_, err = client.DescribeTrustStoreRevocations(ctx, &elbv2.DescribeTrustStoreRevocationsInput{
		TrustStoreArn: aws.String(ts.ARN),
		RevocationIds: []int64{1, 99},
	})
	var revocationNotFound *types.RevocationIdNotFoundException
	require.True(t, errors.As(err, &revocationNotFound), "error %v is not RevocationIdNotFoundException", err)
	assert.Equal(t, "RevocationIdNotFound", revocationNotFound.ErrorCode())
	assert.Contains(t, revocationNotFound.ErrorMessage(), "99")

	_, err = client.DescribeTrustStoreRevocations(ctx, &elbv2.DescribeTrustStoreRevocationsInput{
		TrustStoreArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/none/0"),
	})
	var storeNotFound *types.TrustStoreNotFoundException
	require.True(t, errors.As(err, &storeNotFound), "error %v is not TrustStoreNotFoundException", err)
}

func TestGetTrustStoreRevocationContentDownload(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	crlDER := testpki.NewCRL(t, ca, 41, 42)
	ts, err := state.AddTrustStore(TrustStore{
		Name:                 "clients",
		CACertificatesBundle: ca.PEM(),
		Revocations:          []TrustStoreRevocation{{RevocationID: 3, Content: crlDER}},
	})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	out, err := client.GetTrustStoreRevocationContent(ctx, &elbv2.GetTrustStoreRevocationContentInput{
		TrustStoreArn: aws.String(ts.ARN),
		RevocationId:  aws.Int64(3),
	})
	require.NoError(t, err)
	body := download(t, aws.ToString(out.Location))
	assert.Equal(t, crlDER, body)

	crl, err := x509.ParseRevocationList(body)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(ca.Cert))
	require.Len(t, crl.RevokedCertificateEntries, 2)
	assert.Equal(t, int64(41), crl.RevokedCertificateEntries[0].SerialNumber.Int64())
	assert.Equal(t, int64(42), crl.RevokedCertificateEntries[1].SerialNumber.Int64())

	_, err = client.GetTrustStoreRevocationContent(ctx, &elbv2.GetTrustStoreRevocationContentInput{
		TrustStoreArn: aws.String(ts.ARN),
		RevocationId:  aws.Int64(4),
	})
	var revocationNotFound *types.RevocationIdNotFoundException
	require.True(t, errors.As(err, &revocationNotFound), "error %v is not RevocationIdNotFoundException", err)

	_, err = client.GetTrustStoreRevocationContent(ctx, &elbv2.GetTrustStoreRevocationContentInput{
		TrustStoreArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/none/0"),
		RevocationId:  aws.Int64(3),
	})
	var storeNotFound *types.TrustStoreNotFoundException
	require.True(t, errors.As(err, &storeNotFound), "error %v is not TrustStoreNotFoundException", err)
}

func TestTrustStoreThrottleRetried(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	_, err := state.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultThrottle, Action: "DescribeTrustStores", Count: 1}))
	client, requests := startELBv2(t, state)

	out, err := client.DescribeTrustStores(context.Background(), &elbv2.DescribeTrustStoresInput{})
	require.NoError(t, err)
	assert.Len(t, out.TrustStores, 1)
	assert.Equal(t, int64(2), requests.Load())
	assert.Equal(t, 0, state.Faults.Remaining())
}

func TestAddTrustStoreRejectsInvalid(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	keyDER, err := x509.MarshalECPrivateKey(ca.Key)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})

	cases := map[string]TrustStore{
		"missing name":      {CACertificatesBundle: ca.PEM()},
		"invalid name":      {Name: "bad_name", CACertificatesBundle: ca.PEM()},
		"long name":         {Name: strings.Repeat("a", 33), CACertificatesBundle: ca.PEM()},
		"empty bundle":      {Name: "store"},
		"key in bundle":     {Name: "store", CACertificatesBundle: append(ca.PEM(), keyPEM...)},
		"text after bundle": {Name: "store", CACertificatesBundle: append(ca.PEM(), "junk"...)},
		"invalid status":    {Name: "store", CACertificatesBundle: ca.PEM(), Status: "DELETING"},
		"invalid CRL":       {Name: "store", CACertificatesBundle: ca.PEM(), Revocations: []TrustStoreRevocation{{Content: []byte("not a CRL")}}},
		"revocation type":   {Name: "store", CACertificatesBundle: ca.PEM(), Revocations: []TrustStoreRevocation{{RevocationType: "OCSP", Content: testpki.NewCRL(t, ca)}}},
		"duplicate revocation ID": {Name: "store", CACertificatesBundle: ca.PEM(), Revocations: []TrustStoreRevocation{
			{RevocationID: 2, Content: testpki.NewCRL(t, ca)},
			{RevocationID: 2, Content: testpki.NewCRL(t, ca)},
		}},
	}
	for name, ts := range cases {
		_, err := state.AddTrustStore(ts)
		assert.Error(t, err, name)
	}

	_, err = state.AddTrustStore(TrustStore{Name: "store", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	_, err = state.AddTrustStore(TrustStore{Name: "store", CACertificatesBundle: ca.PEM()})
	assert.Error(t, err, "duplicate name")
}

func TestTrustStoreDownloadThroughServer(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv, err := Start(Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), "server URL %s", srv.URL)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	ts, err := srv.ELBv2.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	client := elbv2.New(elbv2.Options{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	})

	out, err := client.GetTrustStoreCaCertificatesBundle(context.Background(), &elbv2.GetTrustStoreCaCertificatesBundleInput{
		TrustStoreArn: aws.String(ts.ARN),
	})
	require.NoError(t, err)
	location := aws.ToString(out.Location)
	assert.True(t, strings.HasPrefix(location, srv.URL+elbv2ContentPathPrefix), location)
	assert.Equal(t, ca.PEM(), download(t, location))
}

func TestTrustStoreDownloadErrors(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	ts, err := state.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	out, err := client.GetTrustStoreCaCertificatesBundle(context.Background(), &elbv2.GetTrustStoreCaCertificatesBundleInput{
		TrustStoreArn: aws.String(ts.ARN),
	})
	require.NoError(t, err)
	location := aws.ToString(out.Location)
	require.True(t, strings.HasPrefix(location, "http://127.0.0.1:"), location)
	base, _, _ := strings.Cut(location, elbv2ContentPathPrefix)

	for _, path := range []string{
		caCertificatesBundlePath + "?TrustStoreArn=missing",
		revocationContentPath + "?TrustStoreArn=" + ts.ARN + "&RevocationId=1",
		elbv2ContentPathPrefix + "unknown?TrustStoreArn=" + ts.ARN,
	} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}

	resp, err := http.Post(location, "text/plain", strings.NewReader(""))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestDescribeTrustStoreRevocationsMissingARN(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	client, _ := startELBv2(t, state)

	_, err := client.DescribeTrustStoreRevocations(context.Background(), &elbv2.DescribeTrustStoreRevocationsInput{
		TrustStoreArn: aws.String(""),
	})
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, "ValidationError", apiErr.ErrorCode())
}
