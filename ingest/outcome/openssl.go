package outcome

import "strings"

// x509Error is one OpenSSL certificate verification error: its X509_V_ERR
// number and name, and the texts that X509_verify_cert_error_string returns
// for it.
type x509Error struct {
	code    int
	name    string
	outcome Outcome
	texts   []string
}

// x509Errors lists every X509_V_ERR code of OpenSSL, 0 to 104. Sources:
// numbers and names from include/openssl/x509_vfy.h.in and texts from
// crypto/x509/x509_txt.c of the OpenSSL master branch. The OpenSSL 3.0 texts
// of codes 9, 18, 19, 24, 26, 55, 62 and 76 were checked in libcrypto 3.0.19.
// Texts marked "OpenSSL 1.x" are the older spellings, from the
// X509_verify_cert_error_string of OpenSSL 1.0.1. Matching is
// case-insensitive, so texts that changed only in case are listed once.
//
// NOTE: Envoy links BoringSSL, whose texts were not checked against this
// table. Its texts for codes 10 and 20, as seen in Envoy logs, match the ones
// listed here. A text that differs maps to Other.
var x509Errors = []x509Error{
	{0, "X509_V_OK", OK, []string{"ok"}},
	{1, "X509_V_ERR_UNSPECIFIED", Other, []string{"unspecified certificate verification error"}},
	{2, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT", Untrusted, []string{"unable to get issuer certificate"}},
	{3, "X509_V_ERR_UNABLE_TO_GET_CRL", CRLError, []string{"unable to get certificate CRL"}},
	// 4, 6 and 7: the issuer named in the certificate did not sign it, so the
	// certificate does not chain to a trusted CA.
	{4, "X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE", Untrusted, []string{"unable to decrypt certificate's signature"}},
	{5, "X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE", CRLError, []string{"unable to decrypt CRL's signature"}},
	{6, "X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY", Untrusted, []string{"unable to decode issuer public key"}},
	{7, "X509_V_ERR_CERT_SIGNATURE_FAILURE", Untrusted, []string{"certificate signature failure"}},
	{8, "X509_V_ERR_CRL_SIGNATURE_FAILURE", CRLError, []string{"CRL signature failure"}},
	{9, "X509_V_ERR_CERT_NOT_YET_VALID", NotYetValid, []string{
		"certificate is not yet valid",
		"certificate is not yet valid or the system clock is incorrect", // OpenSSL master
	}},
	{10, "X509_V_ERR_CERT_HAS_EXPIRED", Expired, []string{"certificate has expired"}},
	{11, "X509_V_ERR_CRL_NOT_YET_VALID", CRLError, []string{"CRL is not yet valid"}},
	{12, "X509_V_ERR_CRL_HAS_EXPIRED", CRLError, []string{"CRL has expired"}},
	{13, "X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD", Invalid, []string{"format error in certificate's notBefore field"}},
	{14, "X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD", Invalid, []string{"format error in certificate's notAfter field"}},
	{15, "X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD", CRLError, []string{"format error in CRL's lastUpdate field"}},
	{16, "X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD", CRLError, []string{"format error in CRL's nextUpdate field"}},
	{17, "X509_V_ERR_OUT_OF_MEM", Other, []string{"out of memory"}},
	{18, "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT", Untrusted, []string{
		"self-signed certificate",
		"self signed certificate", // OpenSSL 1.x
	}},
	{19, "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN", Untrusted, []string{
		"self-signed certificate in certificate chain",
		"self signed certificate in certificate chain", // OpenSSL 1.x
	}},
	{20, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY", Untrusted, []string{"unable to get local issuer certificate"}},
	{21, "X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE", Untrusted, []string{"unable to verify the first certificate"}},
	{22, "X509_V_ERR_CERT_CHAIN_TOO_LONG", ChainTooLong, []string{"certificate chain too long"}},
	{23, "X509_V_ERR_CERT_REVOKED", Revoked, []string{"certificate revoked"}},
	// 24 was X509_V_ERR_INVALID_CA ("invalid CA certificate") in OpenSSL 1.x
	// and is X509_V_ERR_NO_ISSUER_PUBLIC_KEY in OpenSSL 3. Both mean a broken
	// CA certificate, so the number maps to Invalid whichever version wrote it.
	{24, "X509_V_ERR_NO_ISSUER_PUBLIC_KEY", Invalid, []string{"issuer certificate doesn't have a public key"}},
	{25, "X509_V_ERR_PATH_LENGTH_EXCEEDED", Invalid, []string{"path length constraint exceeded"}},
	{26, "X509_V_ERR_INVALID_PURPOSE", BadPurpose, []string{
		"unsuitable certificate purpose",
		"unsupported certificate purpose", // OpenSSL 1.x
	}},
	{27, "X509_V_ERR_CERT_UNTRUSTED", Untrusted, []string{"certificate not trusted"}},
	// 28: the trust store marks the root as rejected for this purpose, a
	// setting of the operator rather than a defect of the certificate.
	{28, "X509_V_ERR_CERT_REJECTED", Rejected, []string{"certificate rejected"}},
	// OpenSSL reports 29 to 31 while it looks for an issuer. As a final result
	// they mean that no issuer was found.
	{29, "X509_V_ERR_SUBJECT_ISSUER_MISMATCH", Untrusted, []string{"subject issuer mismatch"}},
	{30, "X509_V_ERR_AKID_SKID_MISMATCH", Untrusted, []string{"authority and subject key identifier mismatch"}},
	{31, "X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH", Untrusted, []string{"authority and issuer serial number mismatch"}},
	{32, "X509_V_ERR_KEYUSAGE_NO_CERTSIGN", Invalid, []string{"key usage does not include certificate signing"}},
	{33, "X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER", CRLError, []string{"unable to get CRL issuer certificate"}},
	{34, "X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION", Unsupported, []string{"unhandled critical extension"}},
	{35, "X509_V_ERR_KEYUSAGE_NO_CRL_SIGN", CRLError, []string{"key usage does not include CRL signing"}},
	{36, "X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION", CRLError, []string{"unhandled critical CRL extension"}},
	{37, "X509_V_ERR_INVALID_NON_CA", Invalid, []string{"invalid non-CA certificate (has CA markings)"}},
	{38, "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED", Invalid, []string{"proxy path length constraint exceeded"}},
	{39, "X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE", BadPurpose, []string{"key usage does not include digital signature"}},
	{40, "X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED", Unsupported, []string{"proxy certificates not allowed, please set the appropriate flag"}},
	{41, "X509_V_ERR_INVALID_EXTENSION", Invalid, []string{"invalid or inconsistent certificate extension"}},
	{42, "X509_V_ERR_INVALID_POLICY_EXTENSION", Invalid, []string{"invalid or inconsistent certificate policy extension"}},
	{43, "X509_V_ERR_NO_EXPLICIT_POLICY", Invalid, []string{"no explicit policy"}},
	{44, "X509_V_ERR_DIFFERENT_CRL_SCOPE", CRLError, []string{"different CRL scope"}},
	{45, "X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE", Unsupported, []string{"unsupported extension feature"}},
	{46, "X509_V_ERR_UNNESTED_RESOURCE", Invalid, []string{"RFC 3779 resource not subset of parent's resources"}},
	{47, "X509_V_ERR_PERMITTED_VIOLATION", Invalid, []string{"permitted subtree violation"}},
	{48, "X509_V_ERR_EXCLUDED_VIOLATION", Invalid, []string{"excluded subtree violation"}},
	{49, "X509_V_ERR_SUBTREE_MINMAX", Unsupported, []string{"name constraints minimum and maximum not supported"}},
	// 50: the application's own verify callback rejected the certificate.
	{50, "X509_V_ERR_APPLICATION_VERIFICATION", Rejected, []string{"application verification failure"}},
	{51, "X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE", Unsupported, []string{"unsupported name constraint type"}},
	{52, "X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX", Unsupported, []string{"unsupported or invalid name constraint syntax"}},
	{53, "X509_V_ERR_UNSUPPORTED_NAME_SYNTAX", Unsupported, []string{"unsupported or invalid name syntax"}},
	{54, "X509_V_ERR_CRL_PATH_VALIDATION_ERROR", CRLError, []string{"CRL path validation error"}},
	{55, "X509_V_ERR_PATH_LOOP", Untrusted, []string{"path loop"}},
	{56, "X509_V_ERR_SUITE_B_INVALID_VERSION", Unsupported, []string{"Suite B: certificate version invalid"}},
	{57, "X509_V_ERR_SUITE_B_INVALID_ALGORITHM", Unsupported, []string{"Suite B: invalid public key algorithm"}},
	{58, "X509_V_ERR_SUITE_B_INVALID_CURVE", Unsupported, []string{"Suite B: invalid ECC curve"}},
	{59, "X509_V_ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM", Unsupported, []string{"Suite B: invalid signature algorithm"}},
	{60, "X509_V_ERR_SUITE_B_LOS_NOT_ALLOWED", Unsupported, []string{"Suite B: curve not allowed for this LOS"}},
	{61, "X509_V_ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256", Unsupported, []string{"Suite B: cannot sign P-384 with P-256"}},
	// 62 to 64 come only from host, email or IP checks that the operator set.
	{62, "X509_V_ERR_HOSTNAME_MISMATCH", Rejected, []string{"hostname mismatch"}},
	{63, "X509_V_ERR_EMAIL_MISMATCH", Rejected, []string{"email address mismatch"}},
	{64, "X509_V_ERR_IP_ADDRESS_MISMATCH", Rejected, []string{"IP address mismatch"}},
	{65, "X509_V_ERR_DANE_NO_MATCH", Untrusted, []string{"no matching DANE TLSA records"}},
	// 66 to 68: the key or digest is below the security level. The ALB, too,
	// supports only some keys: RSA of 2048 to 8192 bits and three ECDSA curves.
	{66, "X509_V_ERR_EE_KEY_TOO_SMALL", Unsupported, []string{"EE certificate key too weak"}},
	{67, "X509_V_ERR_CA_KEY_TOO_SMALL", Unsupported, []string{"CA certificate key too weak"}},
	{68, "X509_V_ERR_CA_MD_TOO_WEAK", Unsupported, []string{"CA signature digest algorithm too weak"}},
	{69, "X509_V_ERR_INVALID_CALL", Other, []string{"invalid certificate verification context"}},
	{70, "X509_V_ERR_STORE_LOOKUP", Other, []string{"issuer certificate lookup error"}},
	{71, "X509_V_ERR_NO_VALID_SCTS", Rejected, []string{"Certificate Transparency required, but no valid SCTs found"}},
	{72, "X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION", Invalid, []string{"proxy subject name violation"}},
	{73, "X509_V_ERR_OCSP_VERIFY_NEEDED", CRLError, []string{"OCSP verification needed"}},
	{74, "X509_V_ERR_OCSP_VERIFY_FAILED", CRLError, []string{"OCSP verification failed"}},
	{75, "X509_V_ERR_OCSP_CERT_UNKNOWN", CRLError, []string{"OCSP unknown cert"}},
	{76, "X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM", Unsupported, []string{"Cannot find certificate signature algorithm"}},
	{77, "X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH", Invalid, []string{"subject signature algorithm and issuer public key algorithm mismatch"}},
	{78, "X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY", Invalid, []string{"cert info signature and signature algorithm mismatch"}},
	{79, "X509_V_ERR_INVALID_CA", Invalid, []string{"invalid CA certificate"}}, // also code 24 in OpenSSL 1.x
	{80, "X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA", Invalid, []string{"Path length invalid for non-CA cert"}},
	{81, "X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN", Invalid, []string{"Path length given without key usage keyCertSign"}},
	{82, "X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA", Invalid, []string{"Key usage keyCertSign invalid for non-CA cert"}},
	{83, "X509_V_ERR_ISSUER_NAME_EMPTY", Invalid, []string{"Issuer name empty"}},
	{84, "X509_V_ERR_SUBJECT_NAME_EMPTY", Invalid, []string{"Subject name empty"}},
	{85, "X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER", Invalid, []string{"Missing Authority Key Identifier"}},
	{86, "X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER", Invalid, []string{"Missing Subject Key Identifier"}},
	{87, "X509_V_ERR_EMPTY_SUBJECT_ALT_NAME", Invalid, []string{"Empty Subject Alternative Name extension"}},
	{88, "X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL", Invalid, []string{"Subject empty and Subject Alt Name extension not critical"}},
	{89, "X509_V_ERR_CA_BCONS_NOT_CRITICAL", Invalid, []string{"Basic Constraints of CA cert not marked critical"}},
	{90, "X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL", Invalid, []string{"Authority Key Identifier marked critical"}},
	{91, "X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL", Invalid, []string{"Subject Key Identifier marked critical"}},
	{92, "X509_V_ERR_CA_CERT_MISSING_KEY_USAGE", Invalid, []string{"CA cert does not include key usage extension"}},
	{93, "X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3", Invalid, []string{"Using cert extension requires at least X509v3"}},
	{94, "X509_V_ERR_EC_KEY_EXPLICIT_PARAMS", Invalid, []string{"Certificate public key has explicit ECC parameters"}},
	{95, "X509_V_ERR_RPK_UNTRUSTED", Untrusted, []string{"Raw public key untrusted, no trusted keys configured"}},
	{96, "X509_V_ERR_OCSP_RESP_INVALID", CRLError, []string{"OCSP response(s) invalid"}},
	{97, "X509_V_ERR_OCSP_SIGNATURE_FAILURE", CRLError, []string{"OCSP response signature verification failure"}},
	{98, "X509_V_ERR_OCSP_NOT_YET_VALID", CRLError, []string{"OCSP response not yet valid (contains a date in the future)"}},
	{99, "X509_V_ERR_OCSP_HAS_EXPIRED", CRLError, []string{"OCSP response has expired"}},
	{100, "X509_V_ERR_OCSP_NO_RESPONSE", CRLError, []string{"no OCSP response available for certificate"}},
	// 101 to 104 are newer than the texts of x509_txt.c read for this table,
	// so they are matched by number only.
	{101, "X509_V_ERR_CRL_VERIFY_FAILED", CRLError, nil},
	{102, "X509_V_ERR_EMPTY_AUTHORITY_KEY_IDENTIFIER", Invalid, nil},
	{103, "X509_V_ERR_AKID_ISSUER_SERIAL_NOT_PAIRED", Invalid, nil},
	{104, "X509_V_ERR_IDP_ONLY_USER_CA_ATTR_EXCLUSIVE", CRLError, nil},
}

// extraVerifyTexts are texts that share no number of their own.
var extraVerifyTexts = map[string]Outcome{
	"invalid CA certificate": Invalid, // OpenSSL 1.x code 24, OpenSSL 3 code 79
	// OpenSSL 3's X509_verify_cert_error_string for a number it does not know.
	"unknown certificate verification error": Other,
	// nginx ngx_ssl_ocsp_get_status, for ssl_ocsp (nginx 1.19.0 and later).
	"certificate status request failed": CRLError,
	"certificate status unknown":        CRLError,
}

var (
	outcomeByCode = map[int]Outcome{}
	outcomeByText = map[string]Outcome{}
)

func init() {
	for _, e := range x509Errors {
		outcomeByCode[e.code] = e.outcome
		for _, text := range e.texts {
			outcomeByText[strings.ToLower(text)] = e.outcome
		}
	}
	for text, outcome := range extraVerifyTexts {
		outcomeByText[strings.ToLower(text)] = outcome
	}
}

// FromOpenSSLCode maps an OpenSSL X509_V_ERR verification result number, such
// as HAProxy's ssl_c_verify, ssl_c_err and ssl_c_ca_err or the number in
// nginx's "client SSL certificate verify error" message. 0 is OK, and numbers
// that OpenSSL does not define map to Other.
//
// HAProxy reports the leaf's error in ssl_c_err and the first error of the
// rest of the chain in ssl_c_ca_err. A caller with both should map the
// non-zero one, preferring ssl_c_err.
func FromOpenSSLCode(code int) Outcome {
	if outcome, ok := outcomeByCode[code]; ok {
		return outcome
	}
	return Other
}

// fromOpenSSLText maps a text of X509_verify_cert_error_string, without regard
// to case and to surrounding spaces.
func fromOpenSSLText(text string) Outcome {
	if outcome, ok := lookupOpenSSLText(text); ok {
		return outcome
	}
	return Other
}

func lookupOpenSSLText(text string) (Outcome, bool) {
	outcome, ok := outcomeByText[strings.ToLower(strings.TrimSpace(text))]
	return outcome, ok
}
