package policy

import (
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The types that decoder parses from a scalar itself, because their YAML
// spelling differs from what yaml.v3 would decode.
var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
	prefixType   = reflect.TypeFor[netip.Prefix]()
	stepType     = reflect.TypeFor[Step]()
)

// defaulter is a section type with defaults of its own, held by a pointer
// field that is nil while the file leaves the section out. When the file
// has the section, the decoder allocates it, calls setDefaults, and then
// decodes the file's fields onto it.
type defaulter interface {
	setDefaults()
}

// decoder decodes a YAML node tree onto a Go value field by field. It does
// the work of yaml.v3's Decoder with KnownFields(true) and adds what that
// decoder's errors lack: the field path in every error, durations with days,
// and dates. A time.Time field tagged date:"end" reads a date as the end of
// that day. A float64 field tagged number:"per-minute" is a number per
// minute, not a fraction, so its errors give no fraction hint. The decoder
// records the line of every field it sets, for the errors of validation,
// and goes on after an error so that one run reports them all.
type decoder struct {
	file   string
	lines  map[string]int
	errs   []error
	visits int
}

// maxVisits bounds the number of nodes that one decode visits, counting a
// node again each time an alias repeats it, so that a small file whose
// aliases repeat lists of lists cannot make decoding slow.
const maxVisits = 100_000

// fail records an error about the field at path, found on line.
func (d *decoder) fail(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Field: path, Err: fmt.Errorf(format, args...)})
}

// decode sets out, an addressable value, from node. path is the field path
// of out, "" for the document's root. tag is the struct tag of the field
// out, which sets how a time.Time or a float64 is read.
func (d *decoder) decode(node *yaml.Node, path string, out reflect.Value, tag reflect.StructTag) {
	for node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	d.visits++
	if d.visits > maxVisits {
		if d.visits == maxVisits+1 {
			d.fail(node.Line, path, "more than %d values after expanding aliases: repeat fewer lists through aliases", maxVisits)
		}
		return
	}
	if _, ok := d.lines[path]; !ok && path != "" {
		d.lines[path] = node.Line
	}

	switch out.Type() {
	case durationType:
		d.scalar(node, path, out, func(s string) (any, error) { return parseDuration(s) })
		return
	case timeType:
		endOfDay := tag.Get("date") == "end"
		d.scalar(node, path, out, func(s string) (any, error) { return parseTime(s, endOfDay) })
		return
	case prefixType:
		d.scalar(node, path, out, func(s string) (any, error) { return parsePrefix(s) })
		return
	case stepType:
		d.step(node, path, out)
		return
	}

	switch out.Kind() {
	case reflect.Pointer:
		d.section(node, path, out)
	case reflect.Struct:
		d.mapping(node, path, out)
	case reflect.Slice:
		d.sequence(node, path, out)
	case reflect.String:
		// Trimming drops the final newline of a folded or literal block (> or |).
		d.scalar(node, path, out, func(s string) (any, error) { return strings.TrimSpace(s), nil })
	case reflect.Float64:
		d.number(node, path, out, tag.Get("number") == "per-minute")
	case reflect.Int:
		d.integer(node, path, out)
	default:
		// Only a field type added without a case here can reach this.
		panic(fmt.Sprintf("policy: no decoder for field %s of type %s", path, out.Type()))
	}
}

// mapping sets the fields of the struct out from the mapping node, one key
// at a time. A key that names no field is an error that lists the fields.
func (d *decoder) mapping(node *yaml.Node, path string, out reflect.Value) {
	if node.ShortTag() == "!!null" {
		return
	}
	if node.Kind != yaml.MappingNode {
		d.fail(node.Line, path, "expected a mapping of fields, found %s", describe(node))
		return
	}

	fields, names := yamlFields(out.Type())
	seen := make(map[string]int)
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		name := key.Value
		fieldPath := joinPath(path, name)
		if first, ok := seen[name]; ok {
			d.fail(key.Line, fieldPath, "field set twice, first on line %d", first)
			continue
		}
		seen[name] = key.Line

		index, ok := fields[name]
		if !ok {
			d.fail(key.Line, fieldPath, "unknown field %q: expected one of %s", name, strings.Join(names, ", "))
			continue
		}
		d.lines[fieldPath] = key.Line
		d.decode(value, fieldPath, out.Field(index), out.Type().Field(index).Tag)
	}
}

// section sets the pointer out, whose element type is a defaulter, from
// the mapping node. A null value leaves out unchanged, so that a section
// key without a value counts as no section.
func (d *decoder) section(node *yaml.Node, path string, out reflect.Value) {
	if node.ShortTag() == "!!null" {
		return
	}
	if out.IsNil() {
		out.Set(reflect.New(out.Type().Elem()))
		out.Interface().(defaulter).setDefaults()
	}
	d.mapping(node, path, out.Elem())
}

// step sets the Step out from a weight, such as 25, or from a mapping such
// as {weight: 25, bake: 2h}. A bake of 0 in the mapping is an error,
// because Step.Bake 0 stands for the section's bake.
func (d *decoder) step(node *yaml.Node, path string, out reflect.Value) {
	expected := "expected a weight in percent such as 25, or a mapping such as {weight: 25, bake: 2h}"
	switch {
	case node.Kind == yaml.MappingNode:
		d.mapping(node, path, out)
		bakePath := path + ".bake"
		if line, ok := d.lines[bakePath]; ok && out.Interface().(Step).Bake == 0 {
			d.fail(line, bakePath, "invalid bake 0s: a step's bake of 0 stands for gate.bake, so leave bake out to use gate.bake")
		}
	case node.Kind != yaml.ScalarNode:
		d.fail(node.Line, path, "%s, found %s", expected, describe(node))
	case node.ShortTag() == "!!null":
		d.fail(node.Line, path, "missing step: %s", expected)
	default:
		weight := out.FieldByName("Weight")
		d.scalar(node, path, weight, func(s string) (any, error) {
			var i int
			if node.ShortTag() != "!!int" || node.Decode(&i) != nil {
				return nil, fmt.Errorf("invalid step %q: %s", s, expected)
			}
			return i, nil
		})
	}
}

// sequence sets the slice out from the sequence node. A null value and an
// empty list leave a nil slice.
func (d *decoder) sequence(node *yaml.Node, path string, out reflect.Value) {
	if node.ShortTag() == "!!null" || node.Kind == yaml.SequenceNode && len(node.Content) == 0 {
		out.SetZero()
		return
	}
	if node.Kind != yaml.SequenceNode {
		d.fail(node.Line, path, "expected a list, found %s", describe(node))
		return
	}

	items := reflect.MakeSlice(out.Type(), len(node.Content), len(node.Content))
	for i, item := range node.Content {
		d.decode(item, fmt.Sprintf("%s[%d]", path, i), items.Index(i), "")
	}
	out.Set(items)
}

// scalar sets out from the scalar node, parsed by parse. The value that
// parse returns must be convertible to out's type.
func (d *decoder) scalar(node *yaml.Node, path string, out reflect.Value, parse func(string) (any, error)) {
	if node.Kind != yaml.ScalarNode {
		d.fail(node.Line, path, "expected a single value, found %s", describe(node))
		return
	}
	if node.ShortTag() == "!!null" {
		d.fail(node.Line, path, "missing value: write one, or remove the field to keep its default")
		return
	}
	value, err := parse(node.Value)
	if err != nil {
		d.fail(node.Line, path, "%v", err)
		return
	}
	out.Set(reflect.ValueOf(value).Convert(out.Type()))
}

// number sets the float64 out from a YAML int or float. perMinute marks a
// number per minute, whose errors give an example of that kind instead of
// the hint for fractions.
func (d *decoder) number(node *yaml.Node, path string, out reflect.Value, perMinute bool) {
	d.scalar(node, path, out, func(s string) (any, error) {
		finite := ""
		if node.ShortTag() == "!!int" || node.ShortTag() == "!!float" {
			var f float64
			if err := node.Decode(&f); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f, nil
			}
			finite = "finite "
		}

		if perMinute {
			return nil, fmt.Errorf("invalid value %q: expected a %snumber per minute, such as 5", s, finite)
		}
		return nil, invalidNumber(s, "a "+finite+"number such as 0.05")
	})
}

// integer sets the int out from a YAML int.
func (d *decoder) integer(node *yaml.Node, path string, out reflect.Value) {
	d.scalar(node, path, out, func(s string) (any, error) {
		invalid := fmt.Errorf("invalid value %q: expected a whole number such as 1000", s)
		if node.ShortTag() != "!!int" {
			return nil, invalid
		}
		var i int
		if err := node.Decode(&i); err != nil {
			return nil, invalid
		}
		return i, nil
	})
}

// invalidNumber returns the error for a value s that is not the number
// expected. A percentage gets a hint, because rates and ratios are fractions
// here.
func invalidNumber(s, expected string) error {
	if percent, ok := strings.CutSuffix(strings.TrimSpace(s), "%"); ok {
		if f, err := strconv.ParseFloat(percent, 64); err == nil {
			return fmt.Errorf("invalid value %q: expected a fraction, so write %s as %s", s, s, strconv.FormatFloat(f/100, 'f', -1, 64))
		}
	}
	return fmt.Errorf("invalid value %q: expected %s", s, expected)
}

// yamlFields returns the index of each field of the struct type t by its
// YAML name, and the names in declaration order. Fields tagged "-" and
// unexported fields are left out.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := make(map[string]int)
	var names []string
	for i := range t.NumField() {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("yaml"), ",")
		if !field.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	return fields, names
}

// joinPath returns the path of field name inside path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// describe names the kind of node for an error message.
func describe(node *yaml.Node) string {
	switch node.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", node.Value)
	}
}
