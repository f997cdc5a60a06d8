// Package queries holds cutover's named SQL queries. Each *.sql file is one
// query, named after its file; its leading "--" comment lines describe it.
// Users run them with "cutover query NAME" and may copy them as a start for
// their own.
package queries

import (
	"embed"
	"sort"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Query is one named query.
type Query struct {
	Name        string
	Description string
	SQL         string
}

// All returns every named query, sorted by name.
func All() []Query {
	entries, err := files.ReadDir(".")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	var out []Query
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		text, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, parse(name, string(text)))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the query with the given name.
func Lookup(name string) (Query, bool) {
	for _, q := range All() {
		if q.Name == name {
			return q, true
		}
	}
	return Query{}, false
}

func parse(name, text string) Query {
	var desc []string
	for _, line := range strings.Split(text, "\n") {
		comment, ok := strings.CutPrefix(strings.TrimSpace(line), "--")
		if !ok {
			break
		}
		desc = append(desc, strings.TrimSpace(comment))
	}
	return Query{Name: name, Description: strings.Join(desc, " "), SQL: text}
}
