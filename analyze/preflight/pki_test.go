package preflight

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// judgeAt is the time every test judges validity at.
var judgeAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// issued is a certificate made in a test, with its private key.
type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func (c issued) pem() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw}))
}

// certSpec describes a certificate for issue. Zero fields take defaults: a
// one-year validity around judgeAt and a client-authentication leaf.
type certSpec struct {
	subject    pkix.Name
	serial     int64
	isCA       bool
	key        crypto.Signer
	notBefore  time.Time
	notAfter   time.Time
	extKeyUses []x509.ExtKeyUsage
	noEKU      bool
	extraBytes int // size of a filler extension, to make a large certificate
}

var serialCounter int64 = 1000

func newECDSAKey(t *testing.T) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return key
}

func newRSAKey(t *testing.T, bits int) crypto.Signer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	require.NoError(t, err)
	return key
}

func newEd25519Key(t *testing.T) crypto.Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return key
}

// issue signs a certificate for spec by parent, or self-signs it when parent
// is nil.
func issue(t *testing.T, spec certSpec, parent *issued) issued {
	t.Helper()
	if spec.key == nil {
		spec.key = newECDSAKey(t)
	}
	if spec.serial == 0 {
		serialCounter++
		spec.serial = serialCounter
	}
	if spec.notBefore.IsZero() {
		spec.notBefore = judgeAt.AddDate(0, -6, 0)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = judgeAt.AddDate(0, 6, 0)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(spec.serial),
		Subject:               spec.subject,
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		BasicConstraintsValid: true,
		IsCA:                  spec.isCA,
	}
	if spec.isCA {
		template.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		template.KeyUsage = x509.KeyUsageDigitalSignature
		template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		if spec.extKeyUses != nil {
			template.ExtKeyUsage = spec.extKeyUses
		}
		if spec.noEKU {
			template.ExtKeyUsage = nil
		}
	}
	if spec.extraBytes > 0 {
		filler, err := asn1.Marshal(strings.Repeat("x", spec.extraBytes))
		require.NoError(t, err)
		template.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1}, Value: filler}}
	}

	signerCert, signerKey := template, spec.key
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signerCert, spec.key.Public(), signerKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return issued{cert: cert, key: spec.key}
}

func caName(cn string) pkix.Name {
	return pkix.Name{Country: []string{"US"}, Organization: []string{"Example, Inc."}, CommonName: cn}
}

func clientName(cn string) pkix.Name {
	return pkix.Name{Country: []string{"US"}, Organization: []string{"Example, Inc."}, CommonName: cn}
}

// revoke returns a CRL by issuer that lists serials.
func revoke(t *testing.T, issuer issued, serials ...int64) *x509.RevocationList {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, serial := range serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(serial), RevocationTime: judgeAt.AddDate(0, -1, 0)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(1),
		ThisUpdate:                judgeAt.AddDate(0, 0, -1),
		NextUpdate:                judgeAt.AddDate(0, 0, 6),
		RevokedCertificateEntries: entries,
	}, issuer.cert, issuer.key)
	require.NoError(t, err)
	crl, err := x509.ParseRevocationList(der)
	require.NoError(t, err)
	return crl
}
