// Package policy loads the policy file that `cutover analyze` judges the two
// paths by, that sets which Route 53 records `cutover gate` moves and in
// which steps, and that names the NLB that `cutover decommission` removes.
//
// A policy file is YAML with a version and one section per command:
//
//	version: 1
//	name: partner-api
//	analyze:
//	  margins:
//	    handshake_failure_rate: 0.002
//	gate:
//	  records:
//	    - zone_id: Z0123456789ABCDEFGHIJ
//	      name: mtls.api.example.com
//	      nlb_set_identifier: nlb
//	      alb_set_identifier: alb
//	decommission:
//	  load_balancer: partner-api-nlb
//
// Every field except version is optional, and so are the gate and the
// decommission sections. But a gate section must list its records, and a
// decommission section must name its load balancer. Parse and Load decode
// the file onto Default, a gate section onto DefaultGate and a
// decommission section onto DefaultDecommission, so a field that the file
// leaves out keeps its default. Decoding is strict. An unknown field, a value of the wrong type, a second YAML document
// or a key set twice is an error, and so is every value that Validate
// rejects. Each error is a *FieldError that names the file, the line and the
// field path, such as analyze.waivers[1].until. docs/policy.md lists every
// field with its default.
//
// Terms used in this package:
//
//	path         the route that traffic takes to the service: "nlb" for the old
//	             path (NLB to the EC2 instances that terminate mutual TLS), "alb"
//	             for the new path (the ALB that does mutual TLS)
//	margin       how much worse the ALB path may be than the NLB path before a
//	             check fails. Rates are fractions, so 0.002 is 0.2 percentage points.
//	settle time  the newest part of the data, which is never judged because ALB
//	             logs arrive every 5 minutes, best effort
//	baseline     a stored window of the NLB path from before the shift, compared
//	             against when the NLB's share of traffic has become too small
//	waiver       an accepted difference: records of some clients or outcomes, on
//	             one path or both, that analyze shows apart instead of judging,
//	             until an expiry time
//	outcome      a word of the handshake and verification taxonomy of package
//	             outcome, such as revoked or untrusted
//	step         a share of traffic, in percent, that the gate gives the ALB
//	             by setting the weights of the NLB's and the ALB's records
//	bake         the minimum time that the gate stays at a step before the
//	             next one
//	drain time   how long the NLB must see at most the background rate of new
//	             flows, once its records' weight is 0 and their TTL has
//	             passed, before the decommission removes it
//
// Durations are written as Go durations with an added day unit d, which may
// only lead: 15m, 2h, 7d, 1d12h. Times are RFC 3339 (2026-11-02T09:00:00Z) or
// a date (2026-12-31) in UTC. A date used as the end of a period stands for
// the end of that day.
//
// A Policy is safe for concurrent use once loaded, because no method other
// than Validate changes it. Nothing in this package reads the wall clock, so
// methods that depend on the time take it as an argument.
package policy
