package preflight

import (
	"bytes"
	"testing"
)

func FuzzParseBundle(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("# comment only\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n"))
	f.Add([]byte("junk\n-----BEGIN X-----\n-----END Y-----junk\n-----END CERTIFICATE-----"))
	f.Add([]byte("-----BEGIN -----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		certs, problems := ParseBundle(data)

		lines := 1 + bytes.Count(data, []byte("\n"))
		blocks := bytes.Count(data, pemBegin)
		if len(certs)+len(problems) == 0 && len(bytes.TrimSpace(data)) > 0 && data[0] != '#' && blocks > 0 {
			t.Fatalf("bundle with %d BEGIN markers gave neither certificates nor problems", blocks)
		}
		for _, cert := range certs {
			if cert == nil {
				t.Fatal("nil certificate in result")
			}
		}
		for _, problem := range problems {
			if problem.Line < 1 || problem.Line > lines {
				t.Fatalf("problem line %d outside 1..%d: %v", problem.Line, lines, problem)
			}
			if problem.Block < 0 || problem.Block > blocks {
				t.Fatalf("problem block %d outside 0..%d: %v", problem.Block, blocks, problem)
			}
			if problem.Reason == "" {
				t.Fatalf("problem without a reason: %+v", problem)
			}
		}
		if len(certs) > blocks {
			t.Fatalf("%d certificates from %d BEGIN markers", len(certs), blocks)
		}
	})
}
