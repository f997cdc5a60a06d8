package analyze

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

func TestClientsLeftBehind(t *testing.T) {
	client := certClient("CN=edi-1,O=Northwind,C=NL", "51")
	ip := ipClient("203.0.113.7")
	untrusted, expired := "Failed:ClientCertUntrusted", "Failed:ClientCertExpired"

	tests := []struct {
		name string
		rows []HandshakeGroup
		// listed is whether the client is left behind.
		listed bool
	}{
		{
			name: "untrusted with NLB success after",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.Untrusted, untrusted, 30, 10, 50),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 5, 55),
			},
			listed: true,
		},
		{
			name: "NLB success only before the ALB failure",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.Expired, expired, 30, 30, 55),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 1, 25),
			},
		},
		{
			name: "NLB still accepts an expired certificate",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.Expired, expired, 30, 30, 55),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 1, 45),
			},
			listed: true,
		},
		{
			name: "handshake error before an expiry",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.HandshakeError, "Failed:UnmappedConnectionError", 1, 5, 5),
				attempts(PathALB, client, outcome.Expired, expired, 30, 30, 55),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 1, 20),
			},
		},
		{
			name: "NLB success only after the ALB failure",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.NotYetValid, "Failed:ClientCertNotYetValid", 30, 5, 20),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 25, 58),
			},
		},
		{
			name: "handshake error after a start of validity",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.NotYetValid, "Failed:ClientCertNotYetValid", 30, 5, 20),
				attempts(PathALB, client, outcome.HandshakeError, "Failed:UnmappedConnectionError", 1, 50, 50),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 25, 58),
			},
		},
		{
			name: "IP-only client",
			rows: []HandshakeGroup{
				attempts(PathALB, ip, outcome.Untrusted, untrusted, 30, 10, 50),
				attempts(PathNLB, ip, outcome.OK, "SUCCESS", 40, 5, 55),
			},
		},
		{
			name: "handshake errors only",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.HandshakeError, "Failed:UnmappedConnectionError", 30, 10, 50),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 5, 55),
			},
		},
		{
			name: "no certificate sent",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.NoCert, "Failed:UnmappedConnectionError", 30, 10, 50),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 5, 55),
			},
		},
		{
			name: "one ALB success",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.Untrusted, untrusted, 30, 10, 50),
				attempts(PathALB, client, outcome.OK, "Success", 1, 52, 52),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 5, 55),
			},
		},
		{
			name: "not seen on the NLB",
			rows: []HandshakeGroup{attempts(PathALB, client, outcome.Untrusted, untrusted, 30, 10, 50)},
		},
		{
			name: "NLB failures only",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.Untrusted, untrusted, 30, 10, 50),
				attempts(PathNLB, client, outcome.Untrusted, "FAILED:unable to get local issuer certificate", 40, 5, 55),
			},
		},
		{
			name: "unverified ALB connections do not count as success",
			rows: []HandshakeGroup{
				attempts(PathALB, client, outcome.Untrusted, untrusted, 30, 10, 50),
				attempts(PathALB, client, outcome.NotVerified, "-", 10, 10, 50),
				attempts(PathNLB, client, outcome.OK, "SUCCESS", 40, 5, 55),
			},
			listed: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := checkNamed(t, evaluate(t, verifyInputs(tc.rows), defaultOptions()), CheckClientsLeftBehind)
			if !tc.listed {
				assert.Equal(t, Pass, c.Verdict, c.Sentence)
				assert.Empty(t, c.Clients)
				assert.Equal(t, 0.0, c.Values["clients"])
				return
			}
			assert.Equal(t, Fail, c.Verdict)
			assert.Equal(t, []string{client.Key}, findingKeys(c))
			assert.Equal(t, 1.0, c.Values["clients"])
		})
	}
}

func TestClientsLeftBehindFinding(t *testing.T) {
	edi1 := certClient("CN=edi-1,O=Northwind,C=NL", "51")
	edi2 := certClient("CN=edi-2,O=Northwind,C=NL", "52")
	in := verifyInputs([]HandshakeGroup{
		attempts(PathALB, edi1, outcome.Untrusted, "Failed:ClientCertUntrusted", 30, 10, 50),
		attempts(PathNLB, edi1, outcome.OK, "SUCCESS", 40, 5, 55),
		attempts(PathNLB, edi1, outcome.HandshakeError, "SSL_do_handshake() failed", 2, 5, 55),
		attempts(PathALB, edi2, outcome.Untrusted, "Failed:ClientCertUntrusted", 10, 12, 48),
		attempts(PathNLB, edi2, outcome.OK, "SUCCESS", 15, 5, 55),
	})
	c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckClientsLeftBehind)
	require.Equal(t, Fail, c.Verdict)
	assert.Equal(t, "2 left behind", c.ALB)
	assert.Contains(t, c.Sentence, "2 clients that the NLB accepts are only rejected by the ALB, mostly untrusted (Failed:ClientCertUntrusted)")
	assert.Contains(t, c.Sentence, `2 clients with subjects ending "O=Northwind,C=NL"`)
	assert.Contains(t, c.Sentence, "add the issuing CA and its intermediates to the ALB trust store")
	assert.Contains(t, c.Sentence, "Halt and roll back the step.")

	require.Len(t, c.Clients, 2)
	assert.Equal(t, ClientFinding{
		Client: edi1.Key, Subject: edi1.Subject, Serial: "51",
		Reason: "Failed:ClientCertUntrusted", Outcome: "untrusted",
		ALBFailed: 30, ALBTotal: 30, NLBOK: 40, NLBTotal: 42,
		First: at(10), Last: at(50),
	}, c.Clients[0])
	assert.Equal(t, edi2.Key, c.Clients[1].Client)
	assert.Equal(t, 10, c.Clients[1].ALBFailed)
	assert.Equal(t, 15, c.Clients[1].NLBOK)
}

// reasonSplit returns 20 clients with alb ALB and nlb NLB successful
// connections each, plus revoked clients whose ALB connections all fail as
// revoked. Every client is on both paths, so the chance s of
// newFailureReason is alb/(alb+nlb).
func reasonSplit(alb, nlb, revoked int) Inputs {
	return verifyInputs(
		traffic(PathALB, fleet(20, "app", "O=Contoso,C=DE"), alb, 0, "", ""),
		traffic(PathNLB, fleet(20, "app", "O=Contoso,C=DE"), nlb, 0, "", ""),
		traffic(PathALB, fleet(revoked, "edi", "O=Northwind,C=NL"), 0, alb, outcome.Revoked, "Failed:ClientCertCrlHit"),
		traffic(PathNLB, fleet(revoked, "edi", "O=Northwind,C=NL"), nlb, 0, "", ""),
	)
}

func TestNewFailureReasonThreshold(t *testing.T) {
	const alpha = 0.05
	tests := []struct {
		name     string
		alb, nlb int
		share    float64
		// k is the smallest k with share^k ≤ alpha/16.
		k int
	}{
		{"10 % on the ALB", 10, 90, 0.10, 3},
		{"25 % on the ALB", 25, 75, 0.25, 5},
		{"half on the ALB", 50, 50, 0.50, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// newFailureReason documents k as the smallest count with
			// s^k ≤ alpha/16.
			assert.Equal(t, float64(tc.k), math.Ceil(math.Log(alpha/16)/math.Log(tc.share)))
			assert.LessOrEqual(t, math.Pow(tc.share, float64(tc.k)), alpha/16)
			assert.Greater(t, math.Pow(tc.share, float64(tc.k-1)), alpha/16)

			opts := defaultOptions()
			opts.Policy.Analyze.Statistics.Alpha = alpha

			fail := checkNamed(t, evaluate(t, reasonSplit(tc.alb, tc.nlb, tc.k), opts), CheckNewFailureReason)
			assert.Equal(t, tc.share, fail.Values["alb_only_chance"])
			assert.Equal(t, float64(tc.k), fail.Values["clients_to_fail"])
			assert.Equal(t, Fail, fail.Verdict, fail.Sentence)
			assert.Len(t, fail.Clients, tc.k)
			assert.Contains(t, fail.Sentence, "The ALB rejects clients for a reason the NLB never shows: revoked (Failed:ClientCertCrlHit) from")
			assert.Contains(t, fail.Sentence, `clients with subjects ending "O=Northwind,C=NL"`)
			assert.Contains(t, fail.Sentence, "Halt and roll back the step.")

			wait := checkNamed(t, evaluate(t, reasonSplit(tc.alb, tc.nlb, tc.k-1), opts), CheckNewFailureReason)
			assert.Equal(t, Wait, wait.Verdict, wait.Sentence)
			assert.Empty(t, wait.Clients)
			assert.Contains(t, wait.Sentence, "revoked ("+strconv.Itoa(tc.k-1)+" clients)")
			assert.Contains(t, wait.Sentence, "("+strconv.Itoa(tc.k)+" needed at this traffic split)")
		})
	}
}

func TestNewFailureReasonALBOnlyClients(t *testing.T) {
	// 20 clients on both paths carry 10 % of their connections to the ALB,
	// and 10 more appear on the ALB only: a third of the clients, which
	// outweighs the connection share of 300/2100.
	in := verifyInputs(
		traffic(PathALB, fleet(20, "app", "O=Contoso,C=DE"), 10, 0, "", ""),
		traffic(PathNLB, fleet(20, "app", "O=Contoso,C=DE"), 90, 0, "", ""),
		traffic(PathALB, fleet(10, "new", "O=Contoso,C=DE"), 10, 0, "", ""),
	)
	c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckNewFailureReason)
	assert.InDelta(t, 1.0/3.0, c.Values["alb_only_chance"], 1e-12)
	assert.Equal(t, 6.0, c.Values["clients_to_fail"])
	assert.Equal(t, Pass, c.Verdict)
}

func TestNewFailureReasonSeenOnBothPaths(t *testing.T) {
	in := reasonSplit(25, 75, 6)
	in.Handshakes = append(in.Handshakes,
		attempts(PathNLB, certClient("CN=legacy-1,O=Contoso,C=DE", "99"), outcome.Revoked, "FAILED:certificate revoked", 3, 10, 20))
	c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckNewFailureReason)
	assert.Equal(t, Pass, c.Verdict, c.Sentence)
	assert.Equal(t, "Every failure outcome on the ALB also occurs on the NLB.", c.Sentence)
	assert.Empty(t, c.Clients)
}

func TestNewFailureReasonAllTrafficOnALB(t *testing.T) {
	in := verifyInputs(traffic(PathALB, fleet(12, "edi", "O=Northwind,C=NL"), 0, 5, outcome.Revoked, "Failed:ClientCertCrlHit"))
	c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckNewFailureReason)
	assert.Equal(t, Wait, c.Verdict)
	assert.Contains(t, c.Sentence, "revoked (12 clients)")
	assert.Contains(t, c.Sentence, "compare with a baseline window")
}

// healthyFleet returns the connections of 20 clients, 1000 on each path,
// of which one per client and path is a broken-off handshake.
func healthyFleet() []HandshakeGroup {
	clients := fleet(20, "app", "O=Contoso,C=DE")
	rows := traffic(PathALB, clients, 999, 1, outcome.HandshakeError, "Failed:UnmappedConnectionError")
	return append(rows, traffic(PathNLB, clients, 999, 1, outcome.HandshakeError, "SSL_do_handshake() failed")...)
}

func TestHandshakeRateHealthy(t *testing.T) {
	c := checkNamed(t, evaluate(t, verifyInputs(healthyFleet()), defaultOptions()), CheckHandshakeRate)
	assert.Equal(t, Pass, c.Verdict, c.Sentence)
	assert.InDelta(t, 0.001, c.Values["alb_rate"], 1e-12)
	assert.InDelta(t, 0.001, c.Values["nlb_rate"], 1e-12)
	assert.InDelta(t, 0.0, c.Values["difference"], 1e-12)
	assert.Equal(t, 20.0, c.Values["paired_clients"])
	assert.Less(t, c.Values["upper"], 0.002)
	assert.Greater(t, c.Values["lower"], -0.002)
	assert.Equal(t, "0.10 % of 20000", c.ALB)
	assert.Contains(t, c.Sentence, "For the 20 clients seen on both paths, the ALB fails 0.10 % of handshakes and the NLB 0.10 %")
	assert.Contains(t, c.Sentence, "below the margin of +0.20 pt")
}

func TestHandshakeRateCohortFails(t *testing.T) {
	northwind := fleet(3, "edi", "O=Northwind,C=NL")
	in := verifyInputs(healthyFleet(),
		traffic(PathALB, northwind, 0, 1000, outcome.Untrusted, "Failed:ClientCertUntrusted"),
		traffic(PathNLB, northwind, 1000, 0, "", ""),
	)
	res := evaluate(t, in, defaultOptions())
	c := checkNamed(t, res, CheckHandshakeRate)
	assert.Equal(t, Fail, c.Verdict, c.Sentence)
	assert.Greater(t, c.Values["lower"], 0.002)
	assert.Equal(t, 23.0, c.Values["paired_clients"])
	assert.Contains(t, c.Sentence, "For the 23 clients seen on both paths")
	assert.Contains(t, c.Sentence, `Most of the excess is untrusted (Failed:ClientCertUntrusted) from 3 clients with subjects ending "O=Northwind,C=NL"`)
	assert.Contains(t, c.Sentence, "add the issuing CA and its intermediates to the ALB trust store")
	assert.Contains(t, c.Sentence, "Halt and roll back the step.")
	assert.Equal(t, Fail, res.Verdict)
}

func TestHandshakeRateTooLittleData(t *testing.T) {
	tests := []struct {
		name         string
		clients, per int
		wantSentence []string
		wantWait     time.Duration
	}{
		{
			name: "too few connections", clients: 5, per: 100,
			wantSentence: []string{
				"at least 1000 connections on each path from 10 clients seen on both are needed (statistics.min_connections and min_clients), and there are 500 on the ALB and 500 on the NLB from 5 clients.",
				"It needs about 500 more connections on the ALB and 500 on the NLB.",
				"At the current rate that takes about 1h0m0s.",
			},
			wantWait: time.Hour,
		},
		{
			name: "too few clients", clients: 5, per: 1000,
			wantSentence: []string{"and there are 5000 on the ALB and 5000 on the NLB from 5 clients."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clients := fleet(tc.clients, "app", "O=Contoso,C=DE")
			in := verifyInputs(traffic(PathALB, clients, tc.per, 0, "", ""), traffic(PathNLB, clients, tc.per, 0, "", ""))
			c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckHandshakeRate)
			assert.Equal(t, Wait, c.Verdict)
			for _, words := range tc.wantSentence {
				assert.Contains(t, c.Sentence, words)
			}
			assert.Equal(t, tc.wantWait, c.Wait)
		})
	}
}

func TestHandshakeRateMinimumsFromPolicy(t *testing.T) {
	clients := fleet(5, "app", "O=Contoso,C=DE")
	in := verifyInputs(traffic(PathALB, clients, 100, 0, "", ""), traffic(PathNLB, clients, 100, 0, "", ""))

	lower := defaultOptions()
	lower.Policy.Analyze.Statistics.MinConnections = 400
	lower.Policy.Analyze.Statistics.MinClients = 5
	c := checkNamed(t, evaluate(t, in, lower), CheckHandshakeRate)
	assert.NotContains(t, c.Sentence, "Too little data")

	higher := defaultOptions()
	higher.Policy.Analyze.Statistics.MinConnections = 2000
	higher.Policy.Analyze.Statistics.MinClients = 7
	c = checkNamed(t, evaluate(t, in, higher), CheckHandshakeRate)
	assert.Equal(t, Wait, c.Verdict)
	assert.Contains(t, c.Sentence, "at least 2000 connections on each path from 7 clients seen on both are needed")
	assert.Contains(t, c.Sentence, "It needs about 1500 more connections on the ALB and 1500 on the NLB.")
}
