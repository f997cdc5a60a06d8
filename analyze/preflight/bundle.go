package preflight

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// BundleProblem is a part of a PEM CA bundle that the trust store cannot use.
type BundleProblem struct {
	// Line is the 1-based line of the block's BEGIN line, or of the text
	// outside any block.
	Line int
	// Block is the 1-based index of the PEM block, counting every BEGIN
	// line, or 0 for text outside any block.
	Block int
	// Reason is a sentence that describes the fault.
	Reason string
}

func (p BundleProblem) String() string {
	if p.Block == 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
	}
	return fmt.Sprintf("line %d, block %d: %s", p.Line, p.Block, p.Reason)
}

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
)

// ParseBundle parses a CA bundle in the format that CreateTrustStore takes:
// PEM CERTIFICATE blocks, with comment lines that start with "#" between
// them. It returns the certificates of the valid blocks in bundle order.
// Each block that is malformed, is not a CERTIFICATE, does not parse or is
// over MaxCACertificateSize gets a problem and is left out. Each other
// non-blank line outside the blocks also gets a problem.
func ParseBundle(data []byte) ([]*x509.Certificate, []BundleProblem) {
	var certs []*x509.Certificate
	var problems []BundleProblem

	offset := 0
	blockIndex := 0
	for offset < len(data) {
		rest := data[offset:]
		begin := bytes.Index(rest, pemBegin)
		if begin < 0 {
			problems = append(problems, strayText(data, offset, len(data))...)
			break
		}
		problems = append(problems, strayText(data, offset, offset+begin)...)

		blockIndex++
		start := offset + begin
		line := lineAt(data, start)
		end := blockEnd(data, start)
		if end < 0 {
			problems = append(problems, BundleProblem{Line: line, Block: blockIndex,
				Reason: "PEM block has no END line"})
			break
		}

		cert, reason := parseBundleBlock(data[start:end])
		if reason != "" {
			problems = append(problems, BundleProblem{Line: line, Block: blockIndex, Reason: reason})
		} else {
			certs = append(certs, cert)
		}
		offset = end
	}
	return certs, problems
}

// blockEnd returns the offset just past the line that holds the first END
// marker after start, or -1 when there is none.
func blockEnd(data []byte, start int) int {
	endMarker := bytes.Index(data[start:], pemEnd)
	if endMarker < 0 {
		return -1
	}
	end := start + endMarker
	newline := bytes.IndexByte(data[end:], '\n')
	if newline < 0 {
		return len(data)
	}
	return end + newline + 1
}

// parseBundleBlock parses one PEM block of a CA bundle and returns the
// certificate, or "" and the reason it cannot be used.
func parseBundleBlock(block []byte) (*x509.Certificate, string) {
	decoded, trailing := pem.Decode(block)
	if decoded == nil {
		return nil, "PEM block is malformed: the BEGIN and END lines differ or the base64 body is invalid"
	}
	if len(bytes.TrimSpace(trailing)) > 0 {
		return nil, "PEM block is malformed: text follows the END marker on its line"
	}
	if decoded.Type != "CERTIFICATE" {
		return nil, fmt.Sprintf("PEM block type is %q, but a CA bundle holds only CERTIFICATE blocks", decoded.Type)
	}
	if len(decoded.Bytes) > MaxCACertificateSize {
		return nil, fmt.Sprintf("certificate is %d bytes of DER, over the ALB's CA certificate size quota of %d bytes",
			len(decoded.Bytes), MaxCACertificateSize)
	}
	cert, err := x509.ParseCertificate(decoded.Bytes)
	if err != nil {
		return nil, fmt.Sprintf("certificate does not parse: %v", err)
	}
	return cert, ""
}

// strayText returns a problem for each line of data[from:to] that is neither
// blank nor a "#" comment.
func strayText(data []byte, from, to int) []BundleProblem {
	var problems []BundleProblem
	lineStart := from
	for lineStart < to {
		lineEnd := to
		if newline := bytes.IndexByte(data[lineStart:to], '\n'); newline >= 0 {
			lineEnd = lineStart + newline
		}
		text := bytes.TrimSpace(data[lineStart:lineEnd])
		if len(text) > 0 && text[0] != '#' {
			problems = append(problems, BundleProblem{Line: lineAt(data, lineStart),
				Reason: "text outside a PEM block is neither blank nor a # comment"})
		}
		lineStart = lineEnd + 1
	}
	return problems
}

func lineAt(data []byte, offset int) int {
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

// ParseCRL parses a certificate revocation list in PEM ("X509 CRL" block) or
// DER form. It does not check the CRL's signature.
func ParseCRL(data []byte) (*x509.RevocationList, error) {
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, pemBegin) {
		block, _ := pem.Decode(trimmed)
		if block == nil {
			return nil, errors.New("parse CRL: PEM block is malformed")
		}
		if block.Type != "X509 CRL" {
			return nil, fmt.Errorf("parse CRL: PEM block type is %q, expected \"X509 CRL\"", block.Type)
		}
		data = block.Bytes
	}
	crl, err := x509.ParseRevocationList(data)
	if err != nil {
		return nil, fmt.Errorf("parse CRL: %w", err)
	}
	return crl, nil
}
