package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// FieldError is an invalid field of a policy: a field that the file format
// does not have, a value of the wrong type, or a value that validation
// rejects.
type FieldError struct {
	// File is the policy file's name, or "" for a policy built in Go.
	File string
	// Line is the 1-based line of the field in File, or 0 when the file does not
	// set the field.
	Line int
	// Field is the path of the field, such as analyze.waivers[1].until, or ""
	// for the whole file.
	Field string
	// Err is the cause, such as an unknown field or an invalid value.
	Err error
}

// Error returns the error as file:line: field: message, leaving out the
// parts that are unknown.
func (e *FieldError) Error() string {
	var b bytes.Buffer
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// Load reads the policy file at name with Parse.
func Load(name string) (Policy, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return Policy{}, fmt.Errorf("read policy file: %w", err)
	}
	return Parse(data, name)
}

// Parse decodes a policy file's content onto Default and validates the
// result with Validate. name is the file's name for the errors and for
// Policy.File. The error joins one *FieldError per problem. Decoding
// reports every unknown field and every value of the wrong type, in the
// order of the file. Only when decoding succeeds does validation run, which
// reports every invalid value in the order of the Policy's fields.
func Parse(data []byte, name string) (Policy, error) {
	d := &decoder{file: name, lines: make(map[string]int)}
	p := Default()
	p.Version = 0
	p.File = name

	// Read exactly one YAML document.
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return Policy{}, &FieldError{File: name, Err: errors.New("empty policy file: expected at least version: 1")}
		}
		return Policy{}, &FieldError{File: name, Err: fmt.Errorf("invalid YAML: %w", err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Policy{}, &FieldError{File: name, Line: extra.Line, Err: errors.New("more than one YAML document: a policy file contains one")}
	}

	d.decode(root.Content[0], "", reflect.ValueOf(&p).Elem(), "")
	if len(d.errs) > 0 {
		return Policy{}, errors.Join(d.errs...)
	}
	if err := p.validate(name, d.lines); err != nil {
		return Policy{}, err
	}
	return p, nil
}
