package loopback

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
)

// encodePageToken returns position, a small JSON-encodable struct, as an
// opaque next-page token.
func encodePageToken(position any) string {
	encoded, err := json.Marshal(position)
	if err != nil {
		// Page positions are structs of strings and integers, which
		// always encode.
		panic(fmt.Sprintf("encode page token: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(encoded)
}

// decodePageToken reads a token from encodePageToken into position.
func decodePageToken(token string, position any) error {
	encoded, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return fmt.Errorf("decode page token %q: %w", token, err)
	}
	if err := json.Unmarshal(encoded, position); err != nil {
		return fmt.Errorf("decode page token %q: %w", token, err)
	}
	return nil
}

// fingerprint returns a short hash of the parameters that a paged request
// must repeat unchanged with its next-page token. The parameters must not
// contain pointers, because %#v prints their addresses.
func fingerprint(parameters ...any) string {
	h := fnv.New64a()
	for _, p := range parameters {
		fmt.Fprintf(h, "%#v\x00", p)
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
