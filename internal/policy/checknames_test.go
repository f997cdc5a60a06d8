package policy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// analyzeDir is the source directory of package analyze, which imports this
// package and so cannot be imported by its tests.
const analyzeDir = "../../analyze"

// TestCheckNamesMatchAnalyze compares checkNames with the string constants
// named Check* in package analyze's source, in the order of declaration.
func TestCheckNamesMatchAnalyze(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(analyzeDir, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	var names []string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		names = append(names, checkConstants(t, f)...)
	}
	assert.Equal(t, checkNames, names)
}

// checkConstants returns the values of the string constants in f whose
// names start with Check, in the order of declaration.
func checkConstants(t *testing.T, f *ast.File) []string {
	var values []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			valueSpec := spec.(*ast.ValueSpec)
			for i, name := range valueSpec.Names {
				if !strings.HasPrefix(name.Name, "Check") || i >= len(valueSpec.Values) {
					continue
				}
				literal, ok := valueSpec.Values[i].(*ast.BasicLit)
				require.True(t, ok && literal.Kind == token.STRING, "constant %s is not a string literal", name.Name)
				value, err := strconv.Unquote(literal.Value)
				require.NoError(t, err)
				values = append(values, value)
			}
		}
	}
	return values
}
