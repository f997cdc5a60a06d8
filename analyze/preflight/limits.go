package preflight

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
)

// Limits of ALB mutual TLS, from the AWS Elastic Load Balancing user guide,
// page "Quotas for your Application Load Balancers", table "Certificates".
const (
	// MaxChainDepth is the "Maximum certificate chain depth" quota of 4.
	//
	// NOTE: AWS does not say which certificates the depth counts. This
	// package counts every certificate of the verified path, leaf and root
	// included, which is the stricter reading: a leaf, two intermediates and
	// a root pass, and one more intermediate fails.
	MaxChainDepth = 4

	// MaxCertificateMessageSize is the "TLS message size" quota of 64K, in
	// bytes, applied to the TLS Certificate message that carries the
	// client's leaf and intermediates.
	//
	// NOTE: AWS writes "64K" without saying whether K is 1000 or 1024 bytes.
	// This package uses 1024.
	MaxCertificateMessageSize = 64 * 1024

	// MaxCACertificateSize is the "CA certificate size" quota of 16 KB, in
	// bytes of DER, for each certificate of the trust store's CA bundle.
	MaxCACertificateSize = 16 * 1024
)

// RSA key sizes and ECDSA curves that the ALB accepts in client
// certificates, from the AWS page "Mutual authentication with TLS in
// Application Load Balancer", section on certificate requirements: RSA keys
// of 2048 to 8192 bits, and ECDSA keys on secp256r1, secp384r1 or secp521r1.
//
// NOTE: The same page allows signatures with SHA-256, SHA-384 or SHA-512
// over RSA or ECDSA, and RSASSA-PSS. Signature algorithms are not checked,
// because AWS does not say which status the ALB logs for another one.
const (
	minRSAKeyBits = 2048
	maxRSAKeyBits = 8192
)

// unsupportedKey returns why the ALB does not accept the public key of a
// client certificate, or "" when it does.
func unsupportedKey(cert *x509.Certificate) string {
	switch key := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := key.N.BitLen()
		if bits < minRSAKeyBits || bits > maxRSAKeyBits {
			return fmt.Sprintf("RSA key of %d bits is outside the supported %d to %d bits",
				bits, minRSAKeyBits, maxRSAKeyBits)
		}
		return ""
	case *ecdsa.PublicKey:
		switch key.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return ""
		}
		return fmt.Sprintf("ECDSA key on curve %s is not one of secp256r1, secp384r1 and secp521r1",
			key.Curve.Params().Name)
	default:
		return fmt.Sprintf("%s key is not supported, only RSA and ECDSA keys are", cert.PublicKeyAlgorithm)
	}
}

// certificateMessageSize returns the size in bytes of the TLS 1.3
// Certificate handshake message that carries certs. Each entry has a 3-byte
// length and 2 bytes of empty extensions, the list has a 3-byte length and a
// 1-byte request context precedes it, and the handshake header takes 4
// bytes. TLS 1.2 needs 2 bytes less per certificate and 1 byte less overall,
// so this is the larger of the two.
func certificateMessageSize(certs []*x509.Certificate) int {
	size := 4 + 1 + 3
	for _, cert := range certs {
		size += 3 + len(cert.Raw) + 2
	}
	return size
}
