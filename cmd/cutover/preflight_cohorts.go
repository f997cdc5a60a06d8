package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/analyze/preflight"
)

// preflightCohort is the rejected identities that share a predicted status
// and an assumption, and for a status that the issuing CA decides, an issuer:
// usually one partner's certificates.
type preflightCohort struct {
	Status string `json:"status"`
	// FailingOnNLB is true for identities without a successful NLB
	// connection, for which the ALB breaks nothing.
	FailingOnNLB bool `json:"failing_on_nlb"`
	// Issuer is the issuer DN of a status that the issuing CA decides, and
	// "" for the others, whose identities may have several issuers.
	Issuer     string `json:"issuer,omitempty"`
	Assumption string `json:"assumption,omitempty"`
	// ToLog is how to confirm the assumption.
	ToLog       string  `json:"to_log,omitempty"`
	Description string  `json:"description"`
	Identities  int     `json:"identities"`
	Connections int64   `json:"connections"`
	Share       float64 `json:"share"`
}

// issuerStatuses are the statuses that hold for every client of an issuing
// CA, so that a fix to the trust store fixes the whole cohort.
var issuerStatuses = map[string]bool{
	preflight.StatusUntrusted:             true,
	preflight.StatusMaxChainDepthExceeded: true,
}

// preflightCohorts groups the rejected predictions by status and assumption,
// and by issuer for the statuses in issuerStatuses, the groups with the most
// connections first.
func preflightCohorts(rows []preflightRow) []preflightCohort {
	type key struct {
		status, issuer, assumption string
		failingOnNLB               bool
	}
	index := make(map[key]int)
	var cohorts []preflightCohort
	var members [][]analyze.Client
	for _, p := range rows {
		if p.Verdict != preflight.Reject {
			continue
		}
		k := key{status: p.Status, assumption: p.Assumption, failingOnNLB: !p.newlyRejected()}
		if issuerStatuses[p.Status] {
			k.issuer = p.Issuer
		}
		i, ok := index[k]
		if !ok {
			i = len(cohorts)
			index[k] = i
			cohort := preflightCohort{Status: p.Status, Issuer: k.issuer, Assumption: p.Assumption, FailingOnNLB: k.failingOnNLB}
			if p.Assumption != "" {
				cohort.ToLog = p.ToLog
			}
			cohorts = append(cohorts, cohort)
			members = append(members, nil)
		}
		cohorts[i].Identities++
		cohorts[i].Connections += p.Connections
		cohorts[i].Share += p.Share
		members[i] = append(members[i], analyze.Client{Subject: p.Subject, Serial: p.Serial})
	}
	for i := range cohorts {
		cohorts[i].Description = analyze.DescribeCohort(members[i])
	}
	slices.SortStableFunc(cohorts, func(a, b preflightCohort) int {
		return cmp.Or(compareBool(a.FailingOnNLB, b.FailingOnNLB), cmp.Compare(b.Connections, a.Connections),
			cmp.Compare(a.Status, b.Status), cmp.Compare(a.Issuer, b.Issuer))
	})
	return cohorts
}

// writePreflightCohorts prints one paragraph per cohort of rejected
// identities: first those that the NLB accepts, then those that fail on the
// NLB already.
func writePreflightCohorts(w io.Writer, cohorts []preflightCohort) {
	for _, failing := range []bool{false, true} {
		heading := "The ALB would reject these clients, which the NLB accepts:"
		if failing {
			heading = "The ALB would also reject these clients, which fail on the NLB already:"
		}
		printed := false
		for _, c := range cohorts {
			if c.FailingOnNLB != failing {
				continue
			}
			if !printed {
				fmt.Fprintln(w, heading)
				printed = true
			}
			issuer := ""
			if issuerStatuses[c.Status] {
				issuer = ", issued by " + cmp.Or(c.Issuer, "an issuer that was not logged")
			}
			fmt.Fprintf(w, "  %s: %s%s; %d NLB connections (%s).\n",
				c.Status, c.Description, issuer, c.Connections, percent(c.Share))
			if c.Assumption != "" {
				fmt.Fprintf(w, "    This assumes %s. To confirm: %s.\n", c.Assumption, c.ToLog)
			}
		}
		if printed {
			fmt.Fprintln(w)
		}
	}
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
