// Package preflight predicts, before any traffic moves, the verdict of an
// Application Load Balancer in mutual TLS verify mode for each client identity
// seen on the NLB path.
//
// A prediction uses what the NLB path's terminators logged about the client
// certificate and what the ALB will hold: the trust store's CA bundle, its
// CRLs and the listener's IgnoreClientCertificateExpiry setting. Where the
// leaf certificate was logged in PEM, the prediction verifies the full chain
// with crypto/x509. Otherwise it judges the issuer DN, the expiry date and the
// serial number, and lists the checks it could not make. Anything the data
// cannot decide is predicted as Unknown, with what is missing and what to log,
// and never as Accept. One case is decided on an assumption instead: a client
// whose issuer is not a trust-store CA, with no logged intermediates, is
// predicted as rejected as untrusted unless it sends the intermediates, and
// the prediction names that assumption.
//
// Rejections carry the tls_verify_status value that the ALB writes to its
// connection log, such as Failed:ClientCertUntrusted.
package preflight
