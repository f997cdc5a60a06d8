package policy

import (
	"os"
	"testing"
)

// FuzzParse checks that Parse returns a policy or an error for any input,
// and that an accepted policy passes Validate again unchanged.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(examplePolicy)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	gateExample, err := os.ReadFile(gatePolicy)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gateExample)
	f.Add([]byte(fullFile))
	f.Add([]byte(waiverFile))
	f.Add([]byte("version: 1\nanalyze:\n  window: &w {settle: 1d}\n  baseline: *w\n"))
	f.Add([]byte(gateFile))
	f.Add([]byte(gateBase + "  steps: [&s {weight: 10, bake: 2h}, 100]\n  total_weight: 20\n"))
	f.Add([]byte("version: 1\ngate:\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "fuzz.yaml")
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Validate rejects what Parse accepted: %v", err)
		}
	})
}
