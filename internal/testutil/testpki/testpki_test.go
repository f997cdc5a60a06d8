package testpki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

func TestChainVerifies(t *testing.T) {
	root := NewCA(t, pkix.Name{CommonName: "Test Root CA"}, nil)
	issuing := NewCA(t, pkix.Name{CommonName: "Test Issuing CA"}, &root)

	if err := root.Cert.CheckSignatureFrom(root.Cert); err != nil {
		t.Errorf("root is not self-signed: %v", err)
	}
	if got := issuing.Cert.Issuer.CommonName; got != "Test Root CA" {
		t.Errorf("issuing CA issuer = %q, expected Test Root CA", got)
	}
	if root.Cert.SerialNumber.Cmp(issuing.Cert.SerialNumber) == 0 {
		t.Errorf("root and issuing CA share serial number %s", root.Cert.SerialNumber)
	}

	roots := x509.NewCertPool()
	roots.AddCert(root.Cert)
	chains, err := issuing.Cert.Verify(x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		t.Fatalf("verify issuing CA against root: %v", err)
	}
	if len(chains) != 1 {
		t.Fatalf("verify returned %d chains, expected 1", len(chains))
	}
	if len(chains[0]) != 2 {
		t.Errorf("chain has %d certificates, expected 2 (issuing CA and root)", len(chains[0]))
	}
}

func TestBundleParses(t *testing.T) {
	root := NewCA(t, pkix.Name{CommonName: "Bundle Root CA"}, nil)
	issuing := NewCA(t, pkix.Name{CommonName: "Bundle Issuing CA"}, &root)

	var subjects []string
	rest := Bundle(root, issuing)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			t.Fatalf("block type = %q, expected CERTIFICATE", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("parse bundle certificate: %v", err)
		}
		subjects = append(subjects, cert.Subject.CommonName)
	}
	if len(rest) != 0 {
		t.Errorf("%d bytes after the last PEM block", len(rest))
	}
	if len(subjects) != 2 || subjects[0] != "Bundle Root CA" || subjects[1] != "Bundle Issuing CA" {
		t.Errorf("bundle subjects = %q, expected [Bundle Root CA Bundle Issuing CA]", subjects)
	}
}

func TestCRLListsSerials(t *testing.T) {
	ca := NewCA(t, pkix.Name{CommonName: "CRL Test CA"}, nil)
	large, _ := new(big.Int).SetString("7e57c0ffee0123456789abcdef012345", 16)

	cases := []struct {
		name    string
		der     []byte
		serials []*big.Int
	}{
		{name: "int64 serials", der: NewCRL(t, ca, 0x1001, 0x1002), serials: []*big.Int{big.NewInt(0x1001), big.NewInt(0x1002)}},
		{name: "128-bit serial", der: NewCRLBigSerials(t, ca, large), serials: []*big.Int{large}},
		{name: "empty", der: NewCRL(t, ca), serials: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			crl, err := x509.ParseRevocationList(c.der)
			if err != nil {
				t.Fatalf("parse CRL: %v", err)
			}
			if err := crl.CheckSignatureFrom(ca.Cert); err != nil {
				t.Errorf("CRL signature: %v", err)
			}
			if !crl.ThisUpdate.Equal(NotBefore) {
				t.Errorf("ThisUpdate = %s, expected %s", crl.ThisUpdate, NotBefore)
			}
			if !crl.NextUpdate.Equal(NotAfter) {
				t.Errorf("NextUpdate = %s, expected %s", crl.NextUpdate, NotAfter)
			}
			if len(crl.RevokedCertificateEntries) != len(c.serials) {
				t.Fatalf("CRL lists %d serials, expected %d", len(crl.RevokedCertificateEntries), len(c.serials))
			}
			for i, want := range c.serials {
				if got := crl.RevokedCertificateEntries[i].SerialNumber; got.Cmp(want) != 0 {
					t.Errorf("entry %d serial = %x, expected %x", i, got, want)
				}
			}
		})
	}
}

func TestCRLNumbersIncrease(t *testing.T) {
	ca := NewCA(t, pkix.Name{CommonName: "CRL Number CA"}, nil)
	first, err := x509.ParseRevocationList(NewCRL(t, ca))
	if err != nil {
		t.Fatalf("parse first CRL: %v", err)
	}
	second, err := x509.ParseRevocationList(NewCRL(t, ca))
	if err != nil {
		t.Fatalf("parse second CRL: %v", err)
	}
	if second.Number.Cmp(first.Number) <= 0 {
		t.Errorf("second CRL number %s is not larger than first %s", second.Number, first.Number)
	}
}

func TestEncodeCRLPEM(t *testing.T) {
	ca := NewCA(t, pkix.Name{CommonName: "PEM CRL CA"}, nil)
	der := NewCRL(t, ca, 7)

	block, rest := pem.Decode(EncodeCRLPEM(der))
	if block == nil {
		t.Fatal("EncodeCRLPEM output has no PEM block")
	}
	if block.Type != "X509 CRL" {
		t.Errorf("block type = %q, expected X509 CRL", block.Type)
	}
	if string(block.Bytes) != string(der) {
		t.Error("PEM block does not contain the DER CRL")
	}
	if len(rest) != 0 {
		t.Errorf("%d bytes after the PEM block", len(rest))
	}
}
