package outcome

// Outcome is one word of the handshake and verification taxonomy, as stored
// in the schema's outcome columns.
type Outcome string

// The taxonomy. The package documentation defines each word.
const (
	OK             Outcome = "ok"
	NoCert         Outcome = "no_cert"
	Expired        Outcome = "expired"
	NotYetValid    Outcome = "not_yet_valid"
	Untrusted      Outcome = "untrusted"
	Revoked        Outcome = "revoked"
	CRLError       Outcome = "crl_error"
	ChainTooLong   Outcome = "chain_too_long"
	TooLarge       Outcome = "too_large"
	BadPurpose     Outcome = "bad_purpose"
	Unsupported    Outcome = "unsupported"
	Invalid        Outcome = "invalid"
	Rejected       Outcome = "rejected"
	Incompatible   Outcome = "incompatible"
	HandshakeError Outcome = "handshake_error"
	Other          Outcome = "other"
)

// NotVerified is the zero Outcome: the record shows no verification, so it
// has no outcome in the taxonomy and is stored as NULL.
const NotVerified Outcome = ""

// All returns the words of the taxonomy in their documented order, without
// NotVerified.
func All() []Outcome {
	return []Outcome{
		OK, NoCert, Expired, NotYetValid, Untrusted, Revoked, CRLError, ChainTooLong,
		TooLarge, BadPurpose, Unsupported, Invalid, Rejected, Incompatible, HandshakeError, Other,
	}
}
