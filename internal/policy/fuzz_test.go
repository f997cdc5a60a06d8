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
	decommissionExample, err := os.ReadFile(decommissionPolicy)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(decommissionExample)
	f.Add([]byte(fullFile))
	f.Add([]byte(waiverFile))
	f.Add([]byte("version: 1\nanalyze:\n  window: &w {settle: 1d}\n  baseline: *w\n"))
	f.Add([]byte(gateFile))
	f.Add([]byte(gateBase + "  steps: [&s {weight: 10, bake: 2h}, 100]\n  total_weight: 20\n"))
	f.Add([]byte("version: 1\ngate:\n"))
	f.Add([]byte(decommissionFile))
	f.Add([]byte(decommissionBase + "  zones: [&z /hostedzone/Z1, Z2]\n  background_new_flows: 0.25\n"))
	f.Add([]byte("version: 1\ndecommission: {load_balancer: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/alb/50dc6c495c0c9188'}\n"))

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
