package preflight

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// predictFromLeaf verifies the logged leaf and any logged intermediates
// against the trust store. The checks run in this order: chain and extended
// key usage, chain depth, key type, certificate message size, validity
// period and CRLs. AWS does not document the ALB's order, so for a
// certificate with several faults Status may name another one than the ALB.
func (p *Predictor) predictFromLeaf(client Identity, leaf *x509.Certificate) Prediction {
	at := p.config.At
	var intermediatesSent []*x509.Certificate
	chainLogged := false
	chainNote := ""
	if client.ChainPEM != "" {
		sent, err := parseCertificates(client.ChainPEM)
		if err != nil {
			chainNote = fmt.Sprintf(" The logged intermediates are unusable (%v) and were left out.", err)
		} else {
			intermediatesSent = sent
			chainLogged = true
		}
	}

	intermediates := p.config.TrustStore.intermediates.Clone()
	for _, cert := range intermediatesSent {
		intermediates.AddCert(cert)
	}
	// The chain is verified at a time inside the leaf's validity period, so
	// that the leaf's own dates are judged below, with
	// IgnoreClientCertificateExpiry, and do not end verification here.
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         p.config.TrustStore.roots,
		Intermediates: intermediates,
		CurrentTime:   clampTime(at, leaf.NotBefore, leaf.NotAfter),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		prediction := p.classifyVerifyError(err, leaf, chainLogged)
		prediction.Explanation += chainNote
		return prediction
	}
	chain := shortestChain(chains)

	for _, ca := range chain[1:] {
		if at.Before(ca.NotBefore) || at.After(ca.NotAfter) {
			return unknown("the ALB's status for a CA outside its validity period", "",
				fmt.Sprintf("The chain is valid while the leaf is, but CA %q is valid only from %s to %s. AWS does not document the ALB's status for this case.%s",
					ca.Subject, ca.NotBefore.Format(time.RFC3339), ca.NotAfter.Format(time.RFC3339), chainNote))
		}
	}

	if len(chain) > MaxChainDepth {
		return reject(StatusMaxChainDepthExceeded,
			fmt.Sprintf("The shortest chain to a trust-store root has %d certificates, and the ALB allows %d.%s",
				len(chain), MaxChainDepth, chainNote))
	}

	if reason := unsupportedKey(leaf); reason != "" {
		return reject(StatusTypeUnsupported, fmt.Sprintf("The leaf's %s.%s", reason, chainNote))
	}

	sent := append([]*x509.Certificate{leaf}, intermediatesSent...)
	if size := certificateMessageSize(sent); size > MaxCertificateMessageSize {
		return reject(StatusMaxSizeExceeded,
			fmt.Sprintf("The client's TLS Certificate message takes %d bytes, over the ALB's limit of %d bytes.%s",
				size, MaxCertificateMessageSize, chainNote))
	}

	if prediction, ok := p.judgeValidity(leaf); !ok {
		prediction.Explanation += chainNote
		return prediction
	}

	if prediction, ok := p.judgeRevocation(leaf); !ok {
		prediction.Explanation += chainNote
		return prediction
	}

	prediction := accept(fmt.Sprintf("The leaf verifies to trust-store root %q over %d certificates.%s",
		chain[len(chain)-1].Subject, len(chain), chainNote))
	if at.After(leaf.NotAfter) {
		prediction.Explanation += fmt.Sprintf(" The leaf expired at %s, which IgnoreClientCertificateExpiry allows.",
			leaf.NotAfter.Format(time.RFC3339))
	}
	if !chainLogged {
		prediction.Unchecked = append(prediction.Unchecked,
			"certificate message size, counted for the leaf alone because the intermediates the client sends were not logged")
	}
	return prediction
}

// classifyVerifyError turns a crypto/x509 verification error into a
// prediction.
func (p *Predictor) classifyVerifyError(err error, leaf *x509.Certificate, chainLogged bool) Prediction {
	var authorityErr x509.UnknownAuthorityError
	if errors.As(err, &authorityErr) {
		issuer, nameErr := canonicalName(leaf.RawIssuer)
		issuerInStore := nameErr == nil && len(p.config.TrustStore.caBySubject[issuer]) > 0
		if chainLogged || issuerInStore {
			return reject(StatusUntrusted,
				fmt.Sprintf("The leaf issued by %q does not chain to a trust-store root: %v.", leaf.Issuer, err))
		}
		if nameErr != nil {
			issuer = leaf.Issuer.String()
		}
		return untrustedUnlessChainSent(issuer)
	}

	var invalidErr x509.CertificateInvalidError
	if errors.As(err, &invalidErr) && invalidErr.Reason == x509.IncompatibleUsage {
		// NOTE: AWS lists ClientCertPurposeInvalid without saying what
		// triggers it. It is predicted here for a chain whose extended key
		// usage excludes client authentication, which OpenSSL's purpose
		// check also rejects. A leaf without the extension passes.
		return reject(StatusPurposeInvalid,
			fmt.Sprintf("The chain's extended key usage does not allow TLS client authentication: %v.", err))
	}

	return unknown("the ALB's status for this verification error", "",
		fmt.Sprintf("crypto/x509 rejects the chain (%v), and AWS does not document which status the ALB logs for this case.", err))
}

// judgeValidity returns a rejection and false when the leaf is outside its
// validity period and the listener does not allow that.
func (p *Predictor) judgeValidity(leaf *x509.Certificate) (Prediction, bool) {
	at := p.config.At
	if at.After(leaf.NotAfter) && !p.config.IgnoreClientCertificateExpiry {
		return reject(StatusExpired, fmt.Sprintf("The leaf expired at %s, and the listener does not ignore expiry.",
			leaf.NotAfter.Format(time.RFC3339))), false
	}
	if at.Before(leaf.NotBefore) {
		return reject(StatusNotYetValid, fmt.Sprintf("The leaf is valid only from %s.",
			leaf.NotBefore.Format(time.RFC3339))), false
	}
	return Prediction{}, true
}

// judgeRevocation returns a rejection and false when a CRL of the leaf's
// issuer lists the leaf's serial number.
func (p *Predictor) judgeRevocation(leaf *x509.Certificate) (Prediction, bool) {
	issuer, err := canonicalName(leaf.RawIssuer)
	if err != nil {
		return unknown("a readable issuer name", "", fmt.Sprintf("The leaf's issuer name does not parse: %v.", err)), false
	}
	serial := serialHex(leaf.SerialNumber)
	if p.revoked[issuer][serial] {
		return reject(StatusCrlHit, fmt.Sprintf("A CRL of %s revokes serial %s.", issuer, serial)), false
	}
	return Prediction{}, true
}

func clampTime(at, notBefore, notAfter time.Time) time.Time {
	if at.Before(notBefore) {
		return notBefore
	}
	if at.After(notAfter) {
		return notAfter
	}
	return at
}

func shortestChain(chains [][]*x509.Certificate) []*x509.Certificate {
	shortest := chains[0]
	for _, chain := range chains[1:] {
		if len(chain) < len(shortest) {
			shortest = chain
		}
	}
	return shortest
}

// parseFirstCertificate returns the certificate of the first CERTIFICATE
// block of a PEM text.
func parseFirstCertificate(text string) (*x509.Certificate, error) {
	certs, err := parseCertificates(text)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// parseCertificates returns the certificates of every CERTIFICATE block of a
// PEM text, and an error when a block does not parse or there is none.
func parseCertificates(text string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errNoCertificate
	}
	return certs, nil
}
