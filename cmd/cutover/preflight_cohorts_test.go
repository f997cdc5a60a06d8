package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze/preflight"
)

func TestPreflightCohorts(t *testing.T) {
	const fabrikam = `CN=Fabrikam Issuing CA G2,OU=Trust Services,O=Fabrikam\, Inc.,C=DE`
	const contoso = `CN=Contoso Device CA 2024,O=Contoso Ltd,C=GB`
	row := func(subject, serial, issuer, status, assumption string, connections, nlbOK int64, share float64) preflightRow {
		verdict := preflight.Reject
		if status == preflight.StatusSuccess {
			verdict = preflight.Accept
		}
		return preflightRow{
			Prediction:  preflight.Prediction{Subject: subject, Serial: serial, Verdict: verdict, Status: status, Assumption: assumption, ToLog: "log it"},
			Issuer:      issuer,
			Connections: connections,
			NLBOK:       nlbOK,
			Share:       share,
		}
	}
	rows := []preflightRow{
		row(`CN=pos-0001,OU=Stores,O=Fabrikam\, Inc.,C=DE`, "0A", fabrikam, preflight.StatusUntrusted, preflight.AssumeNoIntermediatesSent, 40, 40, 0.04),
		row(`CN=device-7,O=Contoso Ltd,C=GB`, "0B", contoso, preflight.StatusExpired, "", 100, 0, 0.10),
		row(`CN=pos-0002,OU=Stores,O=Fabrikam\, Inc.,C=DE`, "0C", fabrikam, preflight.StatusUntrusted, preflight.AssumeNoIntermediatesSent, 70, 65, 0.07),
		row(`CN=device-8,O=Contoso Ltd,C=GB`, "0D", contoso, preflight.StatusSuccess, "", 500, 500, 0.50),
		row(`CN=pos-0003,OU=Stores,O=Fabrikam\, Inc.,C=DE`, "0E", fabrikam, preflight.StatusExpired, "", 5, 0, 0.005),
	}

	cohorts := preflightCohorts(rows)

	require.Len(t, cohorts, 2)
	assert.Equal(t, preflightCohort{
		Status: preflight.StatusUntrusted, Issuer: fabrikam, Assumption: preflight.AssumeNoIntermediatesSent, ToLog: "log it",
		Description: `2 clients with subjects ending "OU=Stores,O=Fabrikam\, Inc.,C=DE"`,
		Identities:  2, Connections: 110, Share: 0.11,
	}, roundShare(cohorts[0]))
	assert.Equal(t, preflightCohort{
		Status: preflight.StatusExpired, FailingOnNLB: true,
		Description: `2 clients: CN=device-7,O=Contoso Ltd,C=GB (serial 0B); CN=pos-0003,OU=Stores,O=Fabrikam\, Inc.,C=DE (serial 0E)`,
		Identities:  2, Connections: 105, Share: 0.105,
	}, roundShare(cohorts[1]))

	var out bytes.Buffer
	writePreflightCohorts(&out, cohorts)
	assert.Equal(t, `The ALB would reject these clients, which the NLB accepts:
  Failed:ClientCertUntrusted: 2 clients with subjects ending "OU=Stores,O=Fabrikam\, Inc.,C=DE", issued by `+fabrikam+`; 110 NLB connections (11.00%).
    This assumes the client sends no intermediate certificates. To confirm: log it.

The ALB would also reject these clients, which fail on the NLB already:
  Failed:ClientCertExpired: 2 clients: CN=device-7,O=Contoso Ltd,C=GB (serial 0B); CN=pos-0003,OU=Stores,O=Fabrikam\, Inc.,C=DE (serial 0E); 105 NLB connections (10.50%).

`, out.String())
}

// roundShare rounds a cohort's share to 1e-9, so that sums of fractions
// compare equal.
func roundShare(c preflightCohort) preflightCohort {
	c.Share = float64(int64(c.Share*1e9+0.5)) / 1e9
	return c
}
