package outcome

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAllTaxonomyWords(t *testing.T) {
	want := []Outcome{
		"ok", "no_cert", "expired", "not_yet_valid", "untrusted", "revoked", "crl_error", "chain_too_long",
		"too_large", "bad_purpose", "unsupported", "invalid", "rejected", "incompatible", "handshake_error", "other",
	}
	assert.Equal(t, want, All())
	assert.NotContains(t, All(), NotVerified)
}

func TestAllReturnsCopy(t *testing.T) {
	words := All()
	words[0] = Other
	assert.Equal(t, OK, All()[0])
}
