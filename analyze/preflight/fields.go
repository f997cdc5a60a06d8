package preflight

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/ingest/outcome"
)

// uncheckedWithoutLeaf are the ALB checks that need the leaf certificate.
var uncheckedWithoutLeaf = []string{
	"signature of the leaf by its issuer",
	"key type and size",
	"extended key usage",
	"certificate message size",
	"start of validity",
}

// predictFromFields judges the logged issuer DN, end of validity and serial
// number, in the same order as predictFromLeaf.
func (p *Predictor) predictFromFields(client Identity) Prediction {
	rawIssuer := client.Issuer
	if strings.TrimSpace(rawIssuer) == "-" {
		rawIssuer = ""
	}
	issuer, err := identity.CanonicalDN(rawIssuer)
	if err != nil {
		return unknown("a valid issuer DN", logIssuerHint, fmt.Sprintf("The logged issuer DN is invalid: %v.", err))
	}
	if issuer == "" {
		explanation := "Without the issuer DN or the leaf certificate, the trust-store CA and the CRLs cannot be matched."
		if p.expired(client.NotAfter) {
			explanation += fmt.Sprintf(" The leaf also expired at %s, so the ALB rejects it unless another check fails first.",
				client.NotAfter.Format(time.RFC3339))
		}
		return unknown("the issuer DN", logIssuerHint+"; or "+logLeafHint, explanation)
	}

	if prediction, ok := p.judgeIssuer(issuer); !ok {
		return prediction
	}

	unchecked := append([]string(nil), uncheckedWithoutLeaf...)
	if client.NotAfter.IsZero() {
		unchecked = append(unchecked, "end of validity")
	} else if p.expired(client.NotAfter) {
		return reject(StatusExpired, fmt.Sprintf("The leaf expired at %s, and the listener does not ignore expiry.",
			client.NotAfter.Format(time.RFC3339)))
	}

	serial := canonicalSerial(client.Serial)
	if serial == "" {
		unchecked = append(unchecked, "revocation")
	} else if p.revoked[issuer][serial] {
		return reject(StatusCrlHit, fmt.Sprintf("A CRL of %s revokes serial %s.", issuer, serial))
	}

	switch outcome.Outcome(client.LastOutcome) {
	case outcome.NotYetValid:
		prediction := reject(StatusNotYetValid, fmt.Sprintf(
			"The start of validity is not logged, but the terminators rejected the client's latest connection, at %s, because a certificate of its chain was not yet valid.",
			client.LastOutcomeAt.Format(time.RFC3339)))
		prediction.ToLog = logLeafHint
		return prediction
	case outcome.Expired:
		if client.NotAfter.IsZero() && !p.config.IgnoreClientCertificateExpiry {
			prediction := reject(StatusExpired, fmt.Sprintf(
				"The end of validity is not logged, but the terminators rejected the client's latest connection, at %s, because a certificate of its chain had expired.",
				client.LastOutcomeAt.Format(time.RFC3339)))
			prediction.ToLog = logNotAfterHint
			return prediction
		}
	}

	prediction := accept(fmt.Sprintf("The issuer %s is a trust-store CA that chains to a trust-store root within the ALB's depth limit, and no logged field fails a check. The data for these checks was not logged: %s.",
		issuer, strings.Join(unchecked, ", ")))
	if !client.NotAfter.IsZero() && p.config.At.After(client.NotAfter) {
		prediction.Explanation += fmt.Sprintf(" The leaf expired at %s, which IgnoreClientCertificateExpiry allows.",
			client.NotAfter.Format(time.RFC3339))
	}
	prediction.Unchecked = unchecked
	prediction.ToLog = logLeafHint
	if client.NotAfter.IsZero() {
		prediction.ToLog += "; " + logNotAfterHint
	}
	return prediction
}

func (p *Predictor) expired(notAfter time.Time) bool {
	return !notAfter.IsZero() && p.config.At.After(notAfter) && !p.config.IgnoreClientCertificateExpiry
}

// issuerOutcome is the result of chaining one trust-store CA to a root.
type issuerOutcome struct {
	status      string // StatusSuccess or a Failed: value, "" when undecided
	explanation string
}

// judgeIssuer returns a prediction and false unless the issuer DN names
// trust-store CAs that all chain to a trust-store root within the depth
// limit, counting the leaf below them.
func (p *Predictor) judgeIssuer(issuer string) (Prediction, bool) {
	cas := p.config.TrustStore.caBySubject[issuer]
	if len(cas) == 0 {
		return untrustedUnlessChainSent(issuer), false
	}

	outcomes := make(map[string]issuerOutcome)
	for _, ca := range cas {
		outcome := p.chainIssuer(ca)
		outcomes[outcome.status] = outcome
	}
	if len(outcomes) > 1 {
		return unknown("the leaf certificate", logLeafHint,
			fmt.Sprintf("%d trust-store CAs are named %s and give different results, so only the leaf's signature tells which one issued it.", len(cas), issuer)), false
	}
	for _, outcome := range outcomes {
		switch outcome.status {
		case StatusSuccess:
			return Prediction{}, true
		case "":
			return unknown("the ALB's status for this verification error", "", outcome.explanation), false
		default:
			return reject(outcome.status, outcome.explanation), false
		}
	}
	return Prediction{}, true
}

// chainIssuer verifies a trust-store CA against the trust store's roots and
// intermediates, for a leaf it would issue.
func (p *Predictor) chainIssuer(ca *x509.Certificate) issuerOutcome {
	chains, err := ca.Verify(x509.VerifyOptions{
		Roots:         p.config.TrustStore.roots,
		Intermediates: p.config.TrustStore.intermediates,
		CurrentTime:   p.config.At,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var authorityErr x509.UnknownAuthorityError
		if errors.As(err, &authorityErr) {
			return issuerOutcome{status: StatusUntrusted,
				explanation: fmt.Sprintf("The issuing CA %q does not chain to a trust-store root: %v.", ca.Subject, err)}
		}
		return issuerOutcome{explanation: fmt.Sprintf("crypto/x509 rejects the issuing CA %q (%v), and AWS does not document which status the ALB logs for this case.", ca.Subject, err)}
	}

	depth := 1 + len(shortestChain(chains))
	if depth > MaxChainDepth {
		return issuerOutcome{status: StatusMaxChainDepthExceeded,
			explanation: fmt.Sprintf("A leaf of %q has a chain of %d certificates to a trust-store root, and the ALB allows %d.",
				ca.Subject, depth, MaxChainDepth)}
	}
	return issuerOutcome{status: StatusSuccess}
}
