package preflight

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/identity"
)

// testPKI is a trust store of a root, an issuing intermediate and a line of
// three more intermediates for depth tests, and a partner PKI that is not in
// the trust store.
type testPKI struct {
	root, issuing  issued
	depth1, depth2 issued
	depth3         issued
	partnerIssuing issued
	// unlisted is issued by root but left out of the trust store.
	unlisted      issued
	store         *TrustStore
	issuingCRL    *x509.RevocationList
	revokedSerial int64
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	pki := &testPKI{revokedSerial: 4242}
	pki.root = issue(t, certSpec{subject: caName("Example Root CA"), isCA: true, key: newRSAKey(t, 2048),
		notBefore: judgeAt.AddDate(-5, 0, 0), notAfter: judgeAt.AddDate(5, 0, 0)}, nil)
	pki.issuing = issue(t, certSpec{isCA: true, subject: pkix.Name{
		Country: []string{"US"}, Province: []string{"Zürich"}, Organization: []string{"Example, Inc."},
		CommonName: "Example Issuing CA"}}, &pki.root)
	pki.unlisted = issue(t, certSpec{subject: caName("Unlisted Issuing CA"), isCA: true}, &pki.root)
	pki.depth1 = issue(t, certSpec{subject: caName("Depth 1 CA"), isCA: true}, &pki.root)
	pki.depth2 = issue(t, certSpec{subject: caName("Depth 2 CA"), isCA: true}, &pki.depth1)
	pki.depth3 = issue(t, certSpec{subject: caName("Depth 3 CA"), isCA: true}, &pki.depth2)

	partnerRoot := issue(t, certSpec{subject: caName("Partner Root CA"), isCA: true}, nil)
	pki.partnerIssuing = issue(t, certSpec{subject: caName("Partner Issuing CA"), isCA: true}, &partnerRoot)

	store, err := NewTrustStore([]*x509.Certificate{
		pki.root.cert, pki.issuing.cert, pki.depth1.cert, pki.depth2.cert, pki.depth3.cert,
	})
	require.NoError(t, err)
	pki.store = store
	pki.issuingCRL = revoke(t, pki.issuing, pki.revokedSerial)
	return pki
}

func (pki *testPKI) predictor(t *testing.T, ignoreExpiry bool) *Predictor {
	t.Helper()
	predictor, err := NewPredictor(Config{
		TrustStore:                    pki.store,
		CRLs:                          []*x509.RevocationList{pki.issuingCRL},
		IgnoreClientCertificateExpiry: ignoreExpiry,
		At:                            judgeAt,
	})
	require.NoError(t, err)
	return predictor
}

// fieldsOf returns the logged fields of a leaf, without its PEM, with the
// issuer spelled as Go's pkix prints it.
func fieldsOf(t *testing.T, leaf issued) Identity {
	t.Helper()
	subject, err := canonicalName(leaf.cert.RawSubject)
	require.NoError(t, err)
	return Identity{
		Subject:  subject,
		Serial:   serialHex(leaf.cert.SerialNumber),
		Issuer:   leaf.cert.Issuer.String(),
		NotAfter: leaf.cert.NotAfter,
	}
}

func TestPredict(t *testing.T) {
	pki := newTestPKI(t)

	type testCase struct {
		name         string
		leaf         issued
		chain        []issued // intermediates the client sends, logged
		ignoreExpiry bool
		// wantLeaf is the prediction from the leaf PEM, and wantFields the
		// one from the issuer DN, serial and end of validity alone.
		wantLeaf, wantFields             Verdict
		wantLeafStatus, wantFieldsStatus string
	}
	leafSpec := func(cn string) certSpec { return certSpec{subject: clientName(cn)} }
	withSpec := func(spec certSpec, change func(*certSpec)) certSpec { change(&spec); return spec }

	cases := []testCase{
		{
			name: "valid ECDSA leaf", leaf: issue(t, leafSpec("good"), &pki.issuing),
			wantLeaf: Accept, wantLeafStatus: StatusSuccess, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "valid RSA 2048 leaf", leaf: issue(t, withSpec(leafSpec("rsa"), func(s *certSpec) { s.key = newRSAKey(t, 2048) }), &pki.issuing),
			wantLeaf: Accept, wantLeafStatus: StatusSuccess, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "intermediate missing from trust store", leaf: issue(t, leafSpec("partner"), &pki.partnerIssuing),
			chain:    []issued{pki.partnerIssuing},
			wantLeaf: Reject, wantLeafStatus: StatusUntrusted, wantFields: Reject, wantFieldsStatus: StatusUntrusted,
		},
		{
			// Only the prediction from the leaf uses the intermediates the client sends.
			name: "issuer missing from trust store, sent by the client", leaf: issue(t, leafSpec("sends-chain"), &pki.unlisted),
			chain:    []issued{pki.unlisted},
			wantLeaf: Accept, wantLeafStatus: StatusSuccess, wantFields: Reject, wantFieldsStatus: StatusUntrusted,
		},
		{
			name: "expired leaf", leaf: issue(t, withSpec(leafSpec("expired"), func(s *certSpec) {
				s.notBefore, s.notAfter = judgeAt.AddDate(-1, 0, 0), judgeAt.AddDate(0, 0, -1)
			}), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusExpired, wantFields: Reject, wantFieldsStatus: StatusExpired,
		},
		{
			name: "expired leaf with expiry ignored", leaf: issue(t, withSpec(leafSpec("expired-ok"), func(s *certSpec) {
				s.notBefore, s.notAfter = judgeAt.AddDate(-1, 0, 0), judgeAt.AddDate(0, 0, -1)
			}), &pki.issuing),
			ignoreExpiry: true,
			wantLeaf:     Accept, wantLeafStatus: StatusSuccess, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			// The fields carry no start of validity, so only the leaf decides.
			name: "not yet valid leaf", leaf: issue(t, withSpec(leafSpec("future"), func(s *certSpec) {
				s.notBefore, s.notAfter = judgeAt.AddDate(0, 0, 1), judgeAt.AddDate(1, 0, 0)
			}), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusNotYetValid, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "revoked serial", leaf: issue(t, withSpec(leafSpec("revoked"), func(s *certSpec) { s.serial = pki.revokedSerial }), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusCrlHit, wantFields: Reject, wantFieldsStatus: StatusCrlHit,
		},
		{
			name: "chain of five certificates", leaf: issue(t, leafSpec("deep"), &pki.depth3),
			wantLeaf: Reject, wantLeafStatus: StatusMaxChainDepthExceeded,
			wantFields: Reject, wantFieldsStatus: StatusMaxChainDepthExceeded,
		},
		{
			name: "chain of four certificates", leaf: issue(t, leafSpec("depth-four"), &pki.depth2),
			wantLeaf: Accept, wantLeafStatus: StatusSuccess, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "Ed25519 leaf", leaf: issue(t, withSpec(leafSpec("ed25519"), func(s *certSpec) { s.key = newEd25519Key(t) }), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusTypeUnsupported, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "RSA 1024 leaf", leaf: issue(t, withSpec(leafSpec("rsa1024"), func(s *certSpec) { s.key = newRSAKey(t, 1024) }), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusTypeUnsupported, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "server-only extended key usage", leaf: issue(t, withSpec(leafSpec("server-eku"), func(s *certSpec) {
				s.extKeyUses = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			}), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusPurposeInvalid, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "no extended key usage", leaf: issue(t, withSpec(leafSpec("no-eku"), func(s *certSpec) { s.noEKU = true }), &pki.issuing),
			wantLeaf: Accept, wantLeafStatus: StatusSuccess, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "leaf over TLS message size", leaf: issue(t, withSpec(leafSpec("huge"), func(s *certSpec) { s.extraBytes = 70000 }), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusMaxSizeExceeded, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			predictor := pki.predictor(t, tc.ignoreExpiry)
			fields := fieldsOf(t, tc.leaf)

			withLeaf := fields
			withLeaf.LeafPEM = tc.leaf.pem()
			for _, cert := range tc.chain {
				withLeaf.ChainPEM += cert.pem()
			}
			got := predictor.Predict(withLeaf)
			assert.Equal(t, tc.wantLeaf, got.Verdict, "leaf verdict: %s", got.Explanation)
			assert.Equal(t, tc.wantLeafStatus, got.Status, "leaf status: %s", got.Explanation)
			assert.NotEmpty(t, got.Explanation, "leaf explanation")
			assert.Equal(t, fields.Subject, got.Subject, "leaf subject")

			got = predictor.Predict(fields)
			assert.Equal(t, tc.wantFields, got.Verdict, "fields verdict: %s", got.Explanation)
			assert.Equal(t, tc.wantFieldsStatus, got.Status, "fields status: %s", got.Explanation)
			if got.Verdict == Accept {
				assert.Contains(t, got.Unchecked, "key type and size", "fields accept lists unchecked checks")
				assert.Contains(t, got.ToLog, "$ssl_client_escaped_cert", "fields accept says how to log the leaf")
			}
			if got.Status == StatusUntrusted {
				assert.Equal(t, AssumeNoIntermediatesSent, got.Assumption, "fields untrusted rests on the intermediates sent")
				assert.Contains(t, got.ToLog, "intermediate", "fields untrusted says how to confirm")
			}
			if got.Verdict == Unknown {
				assert.NotEmpty(t, got.Missing, "fields unknown names what is missing")
				assert.NotEmpty(t, got.ToLog, "fields unknown says what to log")
			}
		})
	}
}

// A leaf whose issuer is not in the trust store, logged without the
// intermediates the client sends, is rejected as untrusted on the assumption
// that the client sends none. With the issuer's root in the trust store, the
// same leaf is accepted once the intermediate is logged.
func TestPredictLeafWithoutLoggedChain(t *testing.T) {
	pki := newTestPKI(t)
	for _, tc := range []struct {
		name   string
		issuer *issued
	}{
		{"issuer chains to an unlisted root", &pki.partnerIssuing},
		{"issuer chains to a trust-store root", &pki.unlisted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaf := issue(t, certSpec{subject: clientName("no-chain")}, tc.issuer)
			client := fieldsOf(t, leaf)
			client.LeafPEM = leaf.pem()

			got := pki.predictor(t, false).Predict(client)

			assert.Equal(t, Reject, got.Verdict, got.Explanation)
			assert.Equal(t, StatusUntrusted, got.Status)
			assert.Equal(t, AssumeNoIntermediatesSent, got.Assumption)
			assert.Contains(t, got.Explanation, tc.issuer.cert.Subject.CommonName)
			assert.Contains(t, got.ToLog, "intermediate")
		})
	}
}

func TestPredictIssuerNotLogged(t *testing.T) {
	pki := newTestPKI(t)
	leaf := issue(t, certSpec{subject: clientName("no-issuer")}, &pki.issuing)
	predictor := pki.predictor(t, false)

	for _, issuer := range []string{"", "-", "  "} {
		client := fieldsOf(t, leaf)
		client.Issuer = issuer

		got := predictor.Predict(client)

		assert.Equal(t, Unknown, got.Verdict, "issuer %q", issuer)
		assert.Equal(t, "the issuer DN", got.Missing, "issuer %q", issuer)
		assert.Contains(t, got.ToLog, "$ssl_client_i_dn", "issuer %q", issuer)
	}
}

func TestPredictUnparsableLeafFallsBack(t *testing.T) {
	pki := newTestPKI(t)
	leaf := issue(t, certSpec{subject: clientName("broken-pem")}, &pki.issuing)
	client := fieldsOf(t, leaf)
	client.LeafPEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"

	got := pki.predictor(t, false).Predict(client)

	assert.Equal(t, Accept, got.Verdict, got.Explanation)
	assert.Contains(t, got.Explanation, "unusable")
	assert.NotEmpty(t, got.Unchecked)
}

func TestPredictSameIssuerEverySpelling(t *testing.T) {
	pki := newTestPKI(t)
	leaf := issue(t, certSpec{subject: clientName("spelled"), serial: 77}, &pki.issuing)
	predictor := pki.predictor(t, false)

	// The issuing CA's subject, C=US, ST=Zürich, O=Example, Inc.,
	// CN=Example Issuing CA, as each terminator logs the issuer DN.
	spellings := map[string]string{
		"nginx $ssl_client_i_dn":         `CN=Example Issuing CA,O=Example\, Inc.,ST=Z\C3\BCrich,C=US`,
		"nginx $ssl_client_i_dn_legacy":  `/C=US/ST=Z\xC3\xBCrich/O=Example, Inc./CN=Example Issuing CA`,
		"HAProxy ssl_c_i_dn":             `/C=US/ST=Zürich/O=Example, Inc./CN=Example Issuing CA`,
		"HAProxy ssl_c_i_dn(,0,rfc2253)": `CN=Example Issuing CA,O=Example\, Inc.,ST=Z\C3\BCrich,C=US`,
		"Envoy %DOWNSTREAM_PEER_ISSUER%": `CN=Example Issuing CA,O=Example\, Inc.,ST=Zürich,C=US`,
	}
	storeSubject, err := canonicalName(pki.issuing.cert.RawSubject)
	require.NoError(t, err)

	for source, spelling := range spellings {
		canonical, err := identity.CanonicalDN(spelling)
		require.NoError(t, err, source)
		assert.Equal(t, storeSubject, canonical, source)

		got := predictor.Predict(Identity{Subject: "CN=spelled", Serial: "4D", Issuer: spelling, NotAfter: leaf.cert.NotAfter})
		assert.Equal(t, Accept, got.Verdict, "%s: %s", source, got.Explanation)
	}
}

func TestPredictSerialSpellingsHitCRL(t *testing.T) {
	pki := newTestPKI(t)
	predictor := pki.predictor(t, false)
	issuer := pki.issuing.cert.Subject.String()

	// 4242 is 0x1092.
	for _, serial := range []string{"1092", "001092", "10:92", "0x1092", "1092 "} {
		got := predictor.Predict(Identity{Subject: "CN=x", Serial: serial, Issuer: issuer})
		assert.Equal(t, StatusCrlHit, got.Status, "serial %q", serial)
	}
}

func TestPredictCAOutsideValidity(t *testing.T) {
	pki := newTestPKI(t)
	oldCA := issue(t, certSpec{subject: caName("Old CA"), isCA: true,
		notBefore: judgeAt.AddDate(-3, 0, 0), notAfter: judgeAt.AddDate(0, -1, 0)}, &pki.root)
	store, err := NewTrustStore([]*x509.Certificate{pki.root.cert, oldCA.cert})
	require.NoError(t, err)
	leaf := issue(t, certSpec{subject: clientName("old"), notBefore: judgeAt.AddDate(-2, 0, 0),
		notAfter: judgeAt.AddDate(0, -2, 0)}, &oldCA)
	predictor, err := NewPredictor(Config{TrustStore: store, IgnoreClientCertificateExpiry: true, At: judgeAt})
	require.NoError(t, err)
	client := fieldsOf(t, leaf)
	client.LeafPEM = leaf.pem()

	got := predictor.Predict(client)

	assert.Equal(t, Unknown, got.Verdict, got.Explanation)
	assert.Contains(t, got.Explanation, "Old CA")
}

func TestNewPredictorRejectsMissingInputs(t *testing.T) {
	pki := newTestPKI(t)

	_, err := NewPredictor(Config{At: judgeAt})
	assert.ErrorContains(t, err, "trust store")

	_, err = NewPredictor(Config{TrustStore: pki.store})
	assert.ErrorContains(t, err, "time")

	_, err = NewPredictor(Config{TrustStore: pki.store, At: judgeAt, CRLs: []*x509.RevocationList{nil}})
	assert.ErrorContains(t, err, "CRL 1")
}

func TestCanonicalNameMatchesPKIXString(t *testing.T) {
	pki := newTestPKI(t)
	for _, cert := range []*x509.Certificate{pki.root.cert, pki.issuing.cert, pki.depth3.cert} {
		fromDER, err := canonicalName(cert.RawSubject)
		require.NoError(t, err)
		fromString, err := identity.CanonicalDN(cert.Subject.String())
		require.NoError(t, err)
		assert.Equal(t, fromString, fromDER, cert.Subject.String())
	}
}

// Without the leaf, the terminators' verdict on the latest connection is
// the evidence on the validity period.
func TestPredictFromLastOutcome(t *testing.T) {
	pki := newTestPKI(t)
	leaf := issue(t, certSpec{subject: clientName("last-outcome")}, &pki.issuing)
	at := judgeAt.Add(-time.Hour)
	tests := []struct {
		name         string
		outcome      string
		notAfter     bool
		ignoreExpiry bool
		want         Verdict
		wantStatus   string
	}{
		{name: "not yet valid", outcome: "not_yet_valid", notAfter: true, want: Reject, wantStatus: StatusNotYetValid},
		{name: "expired without end of validity", outcome: "expired", want: Reject, wantStatus: StatusExpired},
		{name: "expired with expiry ignored", outcome: "expired", ignoreExpiry: true, want: Accept, wantStatus: StatusSuccess},
		{name: "expired but end of validity logged as valid", outcome: "expired", notAfter: true, want: Accept, wantStatus: StatusSuccess},
		{name: "accepted", outcome: "ok", want: Accept, wantStatus: StatusSuccess},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := fieldsOf(t, leaf)
			if !tc.notAfter {
				client.NotAfter = time.Time{}
			}
			client.LastOutcome, client.LastOutcomeAt = tc.outcome, at

			got := pki.predictor(t, tc.ignoreExpiry).Predict(client)

			assert.Equal(t, tc.want, got.Verdict, got.Explanation)
			assert.Equal(t, tc.wantStatus, got.Status)
			if tc.want == Reject {
				assert.Contains(t, got.Explanation, at.Format(time.RFC3339))
			}
		})
	}

	// The leaf decides when it was logged.
	withLeaf := fieldsOf(t, leaf)
	withLeaf.LeafPEM = leaf.pem()
	withLeaf.LastOutcome, withLeaf.LastOutcomeAt = "not_yet_valid", at
	got := pki.predictor(t, false).Predict(withLeaf)
	assert.Equal(t, Accept, got.Verdict, got.Explanation)
}
