// Package testpki builds ECDSA P-256 CA certificates and CRLs for tests.
//
// Every certificate is valid from NotBefore to NotAfter, and every CRL has
// ThisUpdate at NotBefore and NextUpdate at NotAfter, so tests whose clocks
// or simulated log times fall between 2020 and 2040 see them as current.
// Serial numbers are random 127-bit values, so the chance that two CAs
// share one is negligible.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync/atomic"
	"testing"
	"time"
)

// NotBefore and NotAfter bound the validity of every certificate and CRL
// that the package builds.
var (
	NotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	NotAfter  = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
)

// crlNumber is the last CRL number issued, shared by all issuers so that
// each CRL of an issuer has a larger number than the one before.
var crlNumber atomic.Int64

// CA is a CA certificate and its private key.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// PEM encodes the certificate as one PEM block of type CERTIFICATE. Each
// call returns a new slice, so a caller may append to it.
func (ca CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Bundle concatenates the PEM certificates of the CAs, in order, as a trust
// store's CA certificates bundle.
func Bundle(cas ...CA) []byte {
	var bundle []byte
	for _, ca := range cas {
		bundle = append(bundle, ca.PEM()...)
	}
	return bundle
}

// NewCA generates a key and a CA certificate with the subject, signed by
// parent, or self-signed when parent is nil. The certificate may sign
// certificates and CRLs.
func NewCA(t testing.TB, subject pkix.Name, parent *CA) CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key of CA %q: %v", subject.CommonName, err)
	}
	template := &x509.Certificate{
		SerialNumber:          randomSerial(t),
		Subject:               subject,
		NotBefore:             NotBefore,
		NotAfter:              NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	issuer, issuerKey := template, key
	if parent != nil {
		issuer, issuerKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, issuer, &key.PublicKey, issuerKey)
	if err != nil {
		t.Fatalf("create certificate of CA %q: %v", subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate of CA %q: %v", subject.CommonName, err)
	}
	return CA{Cert: cert, Key: key}
}

// NewCRL returns a DER CRL signed by issuer that revokes the serial numbers.
// With no serial numbers it returns an empty CRL.
func NewCRL(t testing.TB, issuer CA, serials ...int64) []byte {
	t.Helper()
	bigSerials := make([]*big.Int, len(serials))
	for i, serial := range serials {
		bigSerials[i] = big.NewInt(serial)
	}
	return NewCRLBigSerials(t, issuer, bigSerials...)
}

// NewCRLBigSerials is NewCRL for serial numbers that may not fit in an
// int64, such as the 128-bit serials of generated client certificates. Each
// entry's revocation time is NotBefore.
func NewCRLBigSerials(t testing.TB, issuer CA, serials ...*big.Int) []byte {
	t.Helper()
	entries := make([]x509.RevocationListEntry, len(serials))
	for i, serial := range serials {
		entries[i] = x509.RevocationListEntry{SerialNumber: serial, RevocationTime: NotBefore}
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(crlNumber.Add(1)),
		ThisUpdate:                NotBefore,
		NextUpdate:                NotAfter,
		RevokedCertificateEntries: entries,
	}, issuer.Cert, issuer.Key)
	if err != nil {
		t.Fatalf("create CRL of %q: %v", issuer.Cert.Subject.CommonName, err)
	}
	return der
}

// EncodeCRLPEM encodes a DER CRL as one PEM block of type X509 CRL.
func EncodeCRLPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// randomSerial returns a random positive serial number of at most 127 bits,
// which fits the 20 octets that RFC 5280 allows.
func randomSerial(t testing.TB) *big.Int {
	t.Helper()
	limit := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	serial, err := rand.Int(rand.Reader, limit)
	if err != nil {
		t.Fatalf("generate serial number: %v", err)
	}
	return serial.Add(serial, big.NewInt(1))
}
