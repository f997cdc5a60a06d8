package identity

import (
	"errors"
	"testing"
)

// FuzzCanonicalDN checks that CanonicalDN never panics, that every error wraps
// ErrInvalidDN, and that its output is a fixed point: canonicalising the
// output again returns it unchanged and without an error.
func FuzzCanonicalDN(f *testing.F) {
	for _, tc := range sameNameCases {
		f.Add(tc.want)
		for _, input := range tc.inputs {
			f.Add(input)
		}
	}
	for _, seed := range []string{
		`CN=abc\`, `CN="abc`, `C = US, O = x`, `/`, `CN=#0`, `CN=a;O=b`, `OID.1.2=#00`,
		"CN=\xc3", `/CN=\x`, `/CN=a\`, `CN=\ `, `CN=" "`, `/CN= `,
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, dn string) {
		out, err := CanonicalDN(dn)
		if err != nil {
			if !errors.Is(err, ErrInvalidDN) {
				t.Fatalf("CanonicalDN(%q) error %v does not wrap ErrInvalidDN", dn, err)
			}
			return
		}
		again, err := CanonicalDN(out)
		if err != nil {
			t.Fatalf("CanonicalDN(%q) = %q, which returns error %v", dn, out, err)
		}
		if again != out {
			t.Fatalf("CanonicalDN(%q) = %q, but CanonicalDN of that is %q", dn, out, again)
		}
	})
}

// FuzzCanonicalSerial checks that CanonicalSerial never panics and that its
// output is a fixed point.
func FuzzCanonicalSerial(f *testing.F) {
	for _, seed := range []string{"FEF257372D5C14D4", "00fe:f2", "-0x1a", "0", "-", "", "0x", "--1", "1 2"} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, serial string) {
		out, err := CanonicalSerial(serial)
		if err != nil {
			if !errors.Is(err, ErrInvalidSerial) {
				t.Fatalf("CanonicalSerial(%q) error %v does not wrap ErrInvalidSerial", serial, err)
			}
			return
		}
		again, err := CanonicalSerial(out)
		if err != nil || again != out {
			t.Fatalf("CanonicalSerial(%q) = %q, but CanonicalSerial of that is %q, %v", serial, out, again, err)
		}
	})
}
