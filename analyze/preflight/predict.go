package preflight

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/ingest/identity"
)

// Verdict is the predicted outcome of the ALB's client certificate check.
type Verdict string

const (
	// Accept means every check that the data allows passes.
	Accept Verdict = "accept"
	// Reject means the ALB fails the handshake with Prediction.Status.
	Reject Verdict = "reject"
	// Unknown means the data cannot decide, and Prediction.Missing names the gap.
	Unknown Verdict = "unknown"
)

// Values of the tls_verify_status field of the ALB connection log, as listed
// in the AWS page "Connection logs for your Application Load Balancer".
const (
	StatusSuccess               = "Success"
	StatusUntrusted             = "Failed:ClientCertUntrusted"
	StatusExpired               = "Failed:ClientCertExpired"
	StatusNotYetValid           = "Failed:ClientCertNotYetValid"
	StatusCrlHit                = "Failed:ClientCertCrlHit"
	StatusMaxChainDepthExceeded = "Failed:ClientCertMaxChainDepthExceeded"
	StatusTypeUnsupported       = "Failed:ClientCertTypeUnsupported"
	StatusMaxSizeExceeded       = "Failed:ClientCertMaxSizeExceeded"
	StatusPurposeInvalid        = "Failed:ClientCertPurposeInvalid"
)

// What to log in each terminator to fill a gap in the data.
const (
	logLeafHint       = "log the leaf certificate: nginx $ssl_client_escaped_cert, Envoy %DOWNSTREAM_PEER_CERT%, HAProxy ssl_c_der,base64"
	logIssuerHint     = "log the issuer DN: nginx $ssl_client_i_dn, Envoy %DOWNSTREAM_PEER_ISSUER%, HAProxy ssl_c_i_dn(,0,rfc2253)"
	logNotAfterHint   = "log the end of validity: nginx $ssl_client_v_end, Envoy %DOWNSTREAM_PEER_CERT_V_END%, HAProxy ssl_c_notafter"
	intermediatesHint = "find out which intermediate certificates the client sends, or add its issuing CA and that CA's chain to the trust store"
)

// AssumeNoIntermediatesSent is the Prediction.Assumption of a client whose
// issuer is not a trust-store CA and whose sent intermediates were not
// logged.
const AssumeNoIntermediatesSent = "the client sends no intermediate certificates"

// Config is the ALB trust store and listener setting that the traffic will meet.
type Config struct {
	// TrustStore holds the CA bundle of the listener's trust store.
	TrustStore *TrustStore
	// CRLs are the revocation lists added to the trust store.
	CRLs []*x509.RevocationList
	// IgnoreClientCertificateExpiry is the listener attribute of that name.
	// It lets an expired leaf pass, but not a leaf that is not yet valid.
	//
	// NOTE: AWS documents the attribute for expired certificates only, so a
	// leaf that is not yet valid is still predicted as rejected.
	IgnoreClientCertificateExpiry bool
	// At is the time to judge validity periods at.
	At time.Time
}

// Identity is one client as the NLB path's terminators logged it.
type Identity struct {
	// Subject is the leaf's subject DN. It is only carried into the
	// prediction, because the ALB does not check it.
	Subject string
	// Serial is the leaf's serial number in hex. Any spelling that
	// identity.CanonicalSerial accepts works.
	Serial string
	// Issuer is the leaf's issuer DN in any spelling that
	// identity.CanonicalDN accepts, or "" when it was not logged.
	Issuer string
	// NotAfter is the end of the leaf's validity, or the zero time when it
	// was not logged.
	NotAfter time.Time
	// LeafPEM is the leaf certificate in PEM, or "" when it was not logged.
	LeafPEM string
	// ChainPEM holds the intermediate certificates the client sends, in PEM,
	// or "" when they were not logged.
	ChainPEM string
	// LastOutcome is the outcome word (package ingest/outcome) of the
	// client's latest connection on the NLB path that logged one, and
	// LastOutcomeAt its time. Without the leaf certificate, a latest
	// connection that the terminators rejected as not yet valid is the only
	// evidence on the start of validity.
	LastOutcome   string
	LastOutcomeAt time.Time
}

// Prediction is the predicted ALB verdict for one identity.
type Prediction struct {
	Subject string  `json:"subject"`
	Serial  string  `json:"serial"`
	Verdict Verdict `json:"verdict"`
	// Status is the tls_verify_status that the ALB is expected to log:
	// StatusSuccess for Accept, one of the Failed: values for Reject, and ""
	// for Unknown.
	Status string `json:"status"`
	// Missing names the data that an Unknown prediction lacks.
	Missing string `json:"missing,omitempty"`
	// ToLog is the log field or fact to add so that an Unknown prediction
	// can be decided or the checks in Unchecked can be made.
	ToLog string `json:"to_log,omitempty"`
	// Unchecked lists the ALB checks that an Accept did not cover because
	// the data was not logged.
	Unchecked []string `json:"unchecked,omitempty"`
	// Assumption is the premise of a Reject beyond the logged data, or ""
	// when the data alone decides. ToLog then describes how to confirm it.
	Assumption string `json:"assumption,omitempty"`
	// Explanation is a sentence or two on the reason for the verdict.
	Explanation string `json:"explanation"`
}

// Predictor predicts ALB verdicts under one Config.
type Predictor struct {
	config  Config
	revoked revocations
}

// NewPredictor checks config and indexes its CRLs.
func NewPredictor(config Config) (*Predictor, error) {
	if config.TrustStore == nil {
		return nil, errors.New("preflight: trust store is missing")
	}
	if config.At.IsZero() {
		return nil, errors.New("preflight: the time to judge at is missing")
	}
	revoked, err := newRevocations(config.CRLs)
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	return &Predictor{config: config, revoked: revoked}, nil
}

// Predict returns the predicted ALB verdict for one identity. With a leaf
// certificate that parses, it verifies the chain. Otherwise it judges the
// logged issuer DN, end of validity and serial number.
func (p *Predictor) Predict(client Identity) Prediction {
	var prediction Prediction
	if client.LeafPEM != "" {
		leaf, err := parseFirstCertificate(client.LeafPEM)
		if err == nil {
			prediction = p.predictFromLeaf(client, leaf)
		} else {
			prediction = p.predictFromFields(client)
			prediction.Explanation = fmt.Sprintf("The logged leaf certificate is unusable (%v), so only the logged fields were judged. %s",
				err, prediction.Explanation)
		}
	} else {
		prediction = p.predictFromFields(client)
	}
	prediction.Subject = client.Subject
	prediction.Serial = client.Serial
	return prediction
}

func accept(explanation string) Prediction {
	return Prediction{Verdict: Accept, Status: StatusSuccess, Explanation: explanation}
}

func reject(status, explanation string) Prediction {
	return Prediction{Verdict: Reject, Status: status, Explanation: explanation}
}

// untrustedUnlessChainSent is the prediction for a client whose issuer is
// not a trust-store CA when the intermediates it sends were not logged. A
// wrong Accept breaks a client, while a wrong Reject only calls for a check,
// so the client is predicted as rejected, with the assumption named.
func untrustedUnlessChainSent(issuer string) Prediction {
	prediction := reject(StatusUntrusted, fmt.Sprintf(
		"The issuer %s is not a trust-store CA. The ALB accepts the client only if it sends intermediates that lead to a trust-store root with every handshake, and the logs do not show which intermediates it sends.",
		issuer))
	prediction.Assumption = AssumeNoIntermediatesSent
	prediction.ToLog = intermediatesHint
	return prediction
}

func unknown(missing, toLog, explanation string) Prediction {
	return Prediction{Verdict: Unknown, Missing: missing, ToLog: toLog, Explanation: explanation}
}

// canonicalSerial returns the serial in identity.CanonicalSerial form, or ""
// when it is absent or invalid.
func canonicalSerial(serial string) string {
	if serial == "" || serial == "-" {
		return ""
	}
	canonical, err := identity.CanonicalSerial(serial)
	if err != nil {
		return ""
	}
	return canonical
}
