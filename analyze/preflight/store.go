package preflight

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// TrustStore is the ALB trust store's CA bundle, split into the roots that
// anchor a chain and the intermediates that may complete one.
type TrustStore struct {
	roots         *x509.CertPool
	intermediates *x509.CertPool
	// caBySubject maps each CA's subject DN, in identity.CanonicalDN form, to
	// the CAs with that subject.
	caBySubject map[string][]*x509.Certificate
}

// NewTrustStore builds a trust store from the CA certificates of a bundle,
// for example those that ParseBundle returns. A self-signed certificate is a
// root, and any other one an intermediate.
//
// NOTE: AWS does not document whether the ALB anchors a chain at an
// intermediate of the bundle, as OpenSSL's partial-chain mode would. This
// package does not, so an intermediate without its root in the bundle
// anchors nothing.
func NewTrustStore(cas []*x509.Certificate) (*TrustStore, error) {
	store := &TrustStore{
		roots:         x509.NewCertPool(),
		intermediates: x509.NewCertPool(),
		caBySubject:   make(map[string][]*x509.Certificate),
	}
	for i, ca := range cas {
		if ca == nil {
			return nil, fmt.Errorf("trust store CA %d is nil", i+1)
		}
		subject, err := canonicalName(ca.RawSubject)
		if err != nil {
			return nil, fmt.Errorf("trust store CA %d (serial %s): subject: %w", i+1, serialHex(ca.SerialNumber), err)
		}
		store.caBySubject[subject] = append(store.caBySubject[subject], ca)
		if isSelfSigned(ca) {
			store.roots.AddCert(ca)
		} else {
			store.intermediates.AddCert(ca)
		}
	}
	return store, nil
}

func isSelfSigned(cert *x509.Certificate) bool {
	return bytes.Equal(cert.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(cert) == nil
}

// revocations maps a CRL issuer's DN, in identity.CanonicalDN form, to the
// serial numbers, in identity.CanonicalSerial form, that its CRLs revoke.
type revocations map[string]map[string]bool

// newRevocations indexes CRLs by issuer. It does not check their signatures
// or their next-update times.
//
// NOTE: AWS does not document how the ALB treats a CRL past its next-update
// time, so such a CRL still counts here.
func newRevocations(crls []*x509.RevocationList) (revocations, error) {
	index := make(revocations)
	for i, crl := range crls {
		if crl == nil {
			return nil, fmt.Errorf("CRL %d is nil", i+1)
		}
		issuer, err := canonicalName(crl.RawIssuer)
		if err != nil {
			return nil, fmt.Errorf("CRL %d: issuer: %w", i+1, err)
		}
		if index[issuer] == nil {
			index[issuer] = make(map[string]bool)
		}
		for _, entry := range crl.RevokedCertificateEntries {
			if entry.SerialNumber == nil {
				return nil, fmt.Errorf("CRL %d of %s: revoked entry without a serial number", i+1, issuer)
			}
			index[issuer][serialHex(entry.SerialNumber)] = true
		}
	}
	return index, nil
}

// serialHex returns a serial number in identity.CanonicalSerial form.
func serialHex(serial *big.Int) string {
	if serial == nil {
		return ""
	}
	return strings.ToUpper(serial.Text(16))
}

var errNoCertificate = errors.New("no CERTIFICATE block")
