package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// inlineSVG checks that data is an SVG document that is safe to inline in
// the HTML report and returns it without its XML declaration. The document
// must be well-formed XML with one svg root element and no DOCTYPE. It must
// not contain script or foreignObject elements or event handler attributes
// (on...). An href attribute or CSS url() may only refer to a fragment (#id)
// or a data: URL. So an inlined chart runs no code and fetches nothing.
//
// NOTE: id attributes inside the SVG are kept as they are, so two inlined
// charts with the same id would clash. Charts from package plot have none.
func inlineSVG(data []byte) (string, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return "", errors.New("SVG is missing")
	}
	if err := checkSVG(data); err != nil {
		return "", fmt.Errorf("invalid SVG: %w", err)
	}
	return string(stripXMLDeclaration(data)), nil
}

// stripXMLDeclaration removes a leading <?xml ...?> and the line break after
// it, which HTML does not allow inside the body.
func stripXMLDeclaration(data []byte) []byte {
	trimmed := bytes.TrimLeft(data, "\ufeff \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<?xml")) {
		return data
	}
	end := bytes.Index(trimmed, []byte("?>"))
	if end < 0 {
		return data
	}
	rest := trimmed[end+len("?>"):]
	rest = bytes.TrimPrefix(rest, []byte("\r"))
	return bytes.TrimPrefix(rest, []byte("\n"))
}

func checkSVG(data []byte) error {
	decoder := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	sawRoot := false
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}

		switch t := token.(type) {
		case xml.StartElement:
			if depth == 0 {
				if sawRoot {
					return errors.New("more than one root element")
				}
				if t.Name.Local != "svg" {
					return fmt.Errorf("root element is %q, expected svg", t.Name.Local)
				}
				sawRoot = true
			}
			depth++
			if err := checkSVGElement(t); err != nil {
				return err
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth > 0 && hasExternalCSSReference(string(t)) {
				return errors.New("text refers to an external resource in CSS url() or @import")
			}
		case xml.Directive:
			return errors.New("DOCTYPE or other <!...> directive is not allowed")
		case xml.ProcInst:
			if t.Target != "xml" {
				return fmt.Errorf("processing instruction <?%s?> is not allowed", t.Target)
			}
		}
	}
	if !sawRoot {
		return errors.New("no svg element")
	}
	return nil
}

func checkSVGElement(element xml.StartElement) error {
	name := strings.ToLower(element.Name.Local)
	if name == "script" || name == "foreignobject" {
		return fmt.Errorf("element %s is not allowed", element.Name.Local)
	}
	for _, attr := range element.Attr {
		attrName := strings.ToLower(attr.Name.Local)
		if strings.HasPrefix(attrName, "on") {
			return fmt.Errorf("event handler attribute %s on element %s is not allowed", attr.Name.Local, element.Name.Local)
		}
		if attrName == "href" && !isLocalReference(attr.Value) {
			return fmt.Errorf("element %s links to %q: only #fragment and data: references are allowed", element.Name.Local, attr.Value)
		}
		if hasExternalCSSReference(attr.Value) {
			return fmt.Errorf("attribute %s on element %s refers to an external resource in CSS", attr.Name.Local, element.Name.Local)
		}
	}
	return nil
}

// isLocalReference reports whether a URL points into the same document or
// carries its data, so that a browser fetches nothing for it.
func isLocalReference(url string) bool {
	url = strings.TrimSpace(url)
	return strings.HasPrefix(url, "#") || strings.HasPrefix(strings.ToLower(url), "data:")
}

// hasExternalCSSReference reports whether css contains an @import or a url()
// whose target is not local.
func hasExternalCSSReference(css string) bool {
	lower := strings.ToLower(css)
	if strings.Contains(lower, "@import") {
		return true
	}
	for {
		start := strings.Index(lower, "url(")
		if start < 0 {
			return false
		}
		lower = lower[start+len("url("):]
		target := strings.TrimLeft(lower, " \t\r\n\"'")
		if !isLocalReference(target) {
			return true
		}
	}
}
