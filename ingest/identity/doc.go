// Package identity builds the client identity that joins the NLB path and the
// ALB path: the leaf certificate's subject DN and serial number, each in one
// canonical form, or the client IP address as a weaker fallback.
//
// Every log source spells the same certificate differently. For a leaf
// certificate whose subject is C=US, O=Example, Inc., CN=client.example.com:
//
//	ALB connection log, X-Amzn-Mtls-Clientcert-Subject   CN=client.example.com,O=Example\, Inc.,C=US
//	nginx $ssl_client_s_dn (1.11.6 and later)            CN=client.example.com,O=Example\, Inc.,C=US
//	nginx $ssl_client_s_dn_legacy                        /C=US/O=Example, Inc./CN=client.example.com
//	HAProxy ssl_c_s_dn                                   /C=US/O=Example, Inc./CN=client.example.com
//	HAProxy ssl_c_s_dn(,0,rfc2253)                       CN=client.example.com,O=Example\, Inc.,C=US
//	Envoy %DOWNSTREAM_PEER_SUBJECT%                      CN=client.example.com,O=Example\, Inc.,C=US
//
// nginx, HAProxy with rfc2253 and Envoy print RFC 2253 names with OpenSSL's or
// BoringSSL's X509_NAME_print_ex and the XN_FLAG_RFC2253 flags. OpenSSL 3.0
// then writes each byte of a non-ASCII UTF-8 character as a \XX escape. AWS
// documents only that the ALB writes RFC 2253 names, so CanonicalDN accepts
// both escaped and raw UTF-8.
//
// The slash forms list the most general RDN first. nginx's legacy variables
// come from X509_NAME_oneline, which writes bytes outside printable ASCII as
// \xXX. In OpenSSL 3.0 it also escapes "/" and "+" inside values and joins the
// members of a multi-valued RDN with "+". HAProxy's default form copies the
// value bytes without any escaping and starts every attribute with "/".
//
// CanonicalDN turns each of these into the form described on that function,
// and CanonicalSerial does the same for serial numbers. A log parser must first
// undo its own format's escaping: nginx's default log escaping, for example,
// writes the "\" of "\," as \x5C.
package identity
