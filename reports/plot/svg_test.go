package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// svgDocument is the part of an SVG chart that the tests check.
type svgDocument struct {
	root  xml.StartElement
	texts []string
	paths []svgPath
}

type svgPath struct {
	data  string
	style string
}

// parseSVG parses data as XML and collects the root element, the text of
// every <text> element and every <path> element.
func parseSVG(t *testing.T, data []byte) svgDocument {
	t.Helper()

	var doc svgDocument
	decoder := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	inText := false
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}

		switch element := token.(type) {
		case xml.StartElement:
			if depth == 0 {
				doc.root = element.Copy()
			}
			depth++
			switch element.Name.Local {
			case "text":
				inText = true
				doc.texts = append(doc.texts, "")
			case "path":
				doc.paths = append(doc.paths, svgPath{
					data:  attribute(element, "d"),
					style: attribute(element, "style"),
				})
			}
		case xml.EndElement:
			depth--
			if element.Name.Local == "text" {
				inText = false
			}
		case xml.CharData:
			if inText {
				doc.texts[len(doc.texts)-1] += string(element)
			}
		}
	}

	if doc.root.Name.Local == "" {
		t.Fatal("SVG has no root element")
	}
	return doc
}

func attribute(element xml.StartElement, name string) string {
	for _, attr := range element.Attr {
		if attr.Name.Local == name {
			return attr.Value
		}
	}
	return ""
}

func (doc svgDocument) hasText(text string) bool {
	for _, t := range doc.texts {
		if t == text {
			return true
		}
	}
	return false
}

// pathsWithStyle returns the paths whose style contains every one of parts.
func (doc svgDocument) pathsWithStyle(parts ...string) []svgPath {
	var matched []svgPath
	for _, path := range doc.paths {
		all := true
		for _, part := range parts {
			if !strings.Contains(path.style, part) {
				all = false
				break
			}
		}
		if all {
			matched = append(matched, path)
		}
	}
	return matched
}
