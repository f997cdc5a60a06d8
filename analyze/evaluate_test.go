package analyze

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/internal/policy"
)

// The judged window of every test: one hour, so that counts per window are
// counts per hour.
var (
	windowFrom = time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC)
	windowTo   = windowFrom.Add(time.Hour)
)

// at returns the time minute minutes into the judged window.
func at(minute int) time.Time {
	return windowFrom.Add(time.Duration(minute) * time.Minute)
}

func certClient(subject, serial string) Client {
	return Client{Key: subject + " / " + serial, Subject: subject, Serial: serial}
}

func ipClient(address string) Client {
	return Client{Key: "ip:" + address, IP: address}
}

// fleet returns n certificate clients of one organization, such as
// CN=app-03,O=Contoso,C=DE with serial 1003.
func fleet(n int, prefix, org string) []Client {
	var clients []Client
	for i := range n {
		clients = append(clients, certClient(fmt.Sprintf("CN=%s-%02d,%s", prefix, i, org), fmt.Sprintf("%X", 0x1000+i)))
	}
	return clients
}

// attempts returns one handshake group spanning minutes first to last.
func attempts(path string, c Client, o outcome.Outcome, reason string, count, first, last int) HandshakeGroup {
	return HandshakeGroup{Path: path, Client: c, Outcome: o, Reason: reason, Count: count, First: at(first), Last: at(last)}
}

// traffic returns, for each client, ok successful connections and failed
// connections with outcome o on one path, spread over the window.
func traffic(path string, clients []Client, ok, failed int, o outcome.Outcome, reason string) []HandshakeGroup {
	var rows []HandshakeGroup
	for _, c := range clients {
		if ok > 0 {
			rows = append(rows, attempts(path, c, outcome.OK, "SUCCESS", ok, 1, 58))
		}
		if failed > 0 {
			rows = append(rows, attempts(path, c, o, reason, failed, 2, 57))
		}
	}
	return rows
}

// freshSources returns the sources of a verify-mode window whose newest
// records are a minute or two old.
func freshSources() []Source {
	return []Source{
		{Kind: "alb_connection", Name: "app/edge/1", Path: PathALB, Newest: at(58), Rows: 500},
		{Kind: "alb_access", Name: "app/edge/1", Path: PathALB, Newest: at(58), Rows: 800},
		{Kind: "terminator_nginx", Name: "i-0a1", Log: "access", Path: PathNLB, Newest: at(59), Rows: 900},
	}
}

func verifyInputs(rows ...[]HandshakeGroup) Inputs {
	in := Inputs{Window: Window{From: windowFrom, To: windowTo}, Mode: ModeVerify, Sources: freshSources()}
	for _, r := range rows {
		in.Handshakes = append(in.Handshakes, r...)
	}
	return in
}

// defaultOptions returns the default policy, the clock at the window's end
// and no ALB weight.
func defaultOptions() Options {
	return Options{Policy: policy.Default(), Now: windowTo, ALBWeight: -1}
}

func evaluate(t *testing.T, in Inputs, opts Options) Result {
	t.Helper()
	res, err := Evaluate(in, opts)
	require.NoError(t, err)
	return res
}

func checkNamed(t *testing.T, res Result, name string) Check {
	t.Helper()
	for _, c := range res.Checks {
		if c.Name == name {
			return c
		}
	}
	require.Failf(t, "check missing", "no check %q in the result", name)
	return Check{}
}

func withoutBaseline(in Inputs) Inputs {
	in.Baseline = nil
	return in
}

func findingKeys(c Check) []string {
	var keys []string
	for _, f := range c.Clients {
		keys = append(keys, f.Client)
	}
	return keys
}

func TestOverallVerdictOrder(t *testing.T) {
	tests := []struct {
		name     string
		verdicts []Verdict
		want     Verdict
	}{
		{"no checks", nil, Pass},
		{"all pass", []Verdict{Pass, Pass}, Pass},
		{"skip alone", []Verdict{Skip}, Pass},
		{"skip with pass", []Verdict{Pass, Skip}, Pass},
		{"wait over pass", []Verdict{Pass, Wait, Skip}, Wait},
		{"fail over wait", []Verdict{Wait, Fail, Pass}, Fail},
		{"fail after wait", []Verdict{Pass, Wait, Fail}, Fail},
		{"wait after fail", []Verdict{Fail, Wait, Pass}, Fail},
		{"fail with skip", []Verdict{Skip, Fail}, Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var checks []Check
			for i, v := range tc.verdicts {
				checks = append(checks, Check{Name: fmt.Sprint(i), Verdict: v})
			}
			assert.Equal(t, tc.want, overall(checks))
		})
	}
}

func TestEvaluateOverallVerdict(t *testing.T) {
	healthy := fleet(20, "app", "O=Contoso,C=DE")
	in := verifyInputs(
		traffic(PathALB, healthy, 1000, 0, "", ""),
		traffic(PathNLB, healthy, 1000, 0, "", ""),
	)

	// Without requests the latency and 5xx checks wait, and nothing fails.
	res := evaluate(t, in, defaultOptions())
	assert.Equal(t, Wait, res.Verdict)
	assert.Equal(t, Pass, checkNamed(t, res, CheckHandshakeRate).Verdict)
	assert.Equal(t, Skip, checkNamed(t, res, CheckTrafficShare).Verdict)

	// One client left behind turns the whole result into FAIL.
	left := certClient("CN=edi-1,O=Northwind,C=NL", "51")
	in.Handshakes = append(in.Handshakes,
		attempts(PathALB, left, outcome.Untrusted, "Failed:ClientCertUntrusted", 30, 10, 50),
		attempts(PathNLB, left, outcome.OK, "SUCCESS", 30, 5, 55),
	)
	res = evaluate(t, in, defaultOptions())
	assert.Equal(t, Fail, res.Verdict)
	assert.Equal(t, Fail, checkNamed(t, res, CheckClientsLeftBehind).Verdict)
}

func TestEvaluateCheckOrder(t *testing.T) {
	in := verifyInputs()
	res := evaluate(t, in, defaultOptions())
	var names []string
	for _, c := range res.Checks {
		names = append(names, c.Name)
	}
	verify := []string{
		CheckFreshness, CheckCompleteness, CheckTrafficShare, CheckHandshakeRate, CheckNewFailureReason,
		CheckClientsLeftBehind, CheckHeaderTimeP50, CheckHeaderTimeP90, CheckHeaderTimeP99, CheckHTTP5xxRate, CheckClient4xx,
	}
	assert.Equal(t, verify, names)

	in.Mode = ModePassthrough
	res = evaluate(t, in, defaultOptions())
	require.Len(t, res.Checks, len(verify)+1)
	assert.Equal(t, CheckPassthroughEvidence, res.Checks[2].Name)
	assert.Equal(t, ModePassthrough, res.Mode)
}

func TestEvaluateRejectsInvalidInputs(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Inputs, *Options)
		wantErr string
	}{
		{"empty window", func(in *Inputs, _ *Options) { in.Window.To = in.Window.From }, "is empty"},
		{"reversed window", func(in *Inputs, _ *Options) { in.Window.To = in.Window.From.Add(-time.Minute) }, "is empty"},
		{"unknown mode", func(in *Inputs, _ *Options) { in.Mode = "terminate" }, `unknown mode "terminate"`},
		{"missing mode", func(in *Inputs, _ *Options) { in.Mode = "" }, `unknown mode ""`},
		{"weight above 100", func(_ *Inputs, o *Options) { o.ALBWeight = 100.5 }, "from 0 to 100"},
		{"infinite weight", func(_ *Inputs, o *Options) { o.ALBWeight = math.Inf(1) }, "from 0 to 100"},
		{"NaN weight", func(_ *Inputs, o *Options) { o.ALBWeight = math.NaN() }, "from 0 to 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, opts := verifyInputs(), defaultOptions()
			tc.change(&in, &opts)
			_, err := Evaluate(in, opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestEvaluateAcceptsWeightBounds(t *testing.T) {
	for _, weight := range []float64{-1, 0, 100} {
		opts := defaultOptions()
		opts.ALBWeight = weight
		_, err := Evaluate(verifyInputs(), opts)
		assert.NoError(t, err, "weight %v", weight)
	}
}

func TestEvaluateBaseline(t *testing.T) {
	clients := fleet(20, "app", "O=Contoso,C=DE")
	// The NLB carries 200 of 20200 connections, below the default minimum
	// share of 5 %.
	in := verifyInputs(
		traffic(PathALB, clients, 999, 1, outcome.HandshakeError, "SSL_ERROR_SYSCALL"),
		traffic(PathNLB, clients, 10, 0, "", ""),
	)
	baselineWindow := Window{From: windowFrom.AddDate(0, 0, -7), To: windowTo.AddDate(0, 0, -7)}
	baseline := &Baseline{Window: baselineWindow,
		Handshakes: traffic(PathNLB, clients, 999, 1, outcome.HandshakeError, "SSL_ERROR_SYSCALL")}

	t.Run("without baseline", func(t *testing.T) {
		res := evaluate(t, in, defaultOptions())
		assert.Nil(t, res.Baseline)
		rate := checkNamed(t, res, CheckHandshakeRate)
		assert.Equal(t, Wait, rate.Verdict)
		assert.Contains(t, rate.Sentence, "The NLB carries 0.99 % of connections, below the 5.00 %")
		assert.Contains(t, rate.Sentence, "set a baseline window from before the shift")
	})

	t.Run("with baseline", func(t *testing.T) {
		with := in
		with.Baseline = baseline
		res := evaluate(t, with, defaultOptions())
		require.NotNil(t, res.Baseline)
		assert.Equal(t, baselineWindow, *res.Baseline)

		rate := checkNamed(t, res, CheckHandshakeRate)
		assert.Equal(t, Pass, rate.Verdict, rate.Sentence)
		assert.Equal(t, 20000.0, rate.Values["nlb_connections"], "NLB connections come from the baseline")
		assert.Equal(t, 20000.0, rate.Values["alb_connections"])
		assert.Equal(t, "0.10 % of 20000", rate.NLB)
		assert.Contains(t, rate.Sentence, "the NLB in the baseline window")

		// The traffic share stays with the current window.
		share := checkNamed(t, res, CheckTrafficShare)
		assert.InDelta(t, 20000.0/20200.0, share.Values["alb_connection_share"], 1e-12)
	})

	t.Run("clients left behind against baseline", func(t *testing.T) {
		expired := certClient("CN=old-1,O=Northwind,C=NL", "A1")
		untrusted := certClient("CN=edi-1,O=Northwind,C=NL", "A2")
		with := in
		with.Handshakes = append(slices.Clone(in.Handshakes),
			attempts(PathALB, expired, outcome.Expired, "Failed:ClientCertExpired", 20, 5, 55),
			attempts(PathALB, untrusted, outcome.Untrusted, "Failed:ClientCertUntrusted", 20, 5, 55),
		)
		// The baseline saw both clients succeed, a week before the window.
		rows := slices.Clone(baseline.Handshakes)
		for _, c := range []Client{expired, untrusted} {
			rows = append(rows, HandshakeGroup{Path: PathNLB, Client: c, Outcome: outcome.OK, Reason: "SUCCESS", Count: 40,
				First: baselineWindow.From, Last: baselineWindow.To.Add(-time.Minute)})
		}
		with.Baseline = &Baseline{Window: baselineWindow, Handshakes: rows}

		// Without the baseline, neither client succeeded on the NLB in the
		// window, so no client is left behind.
		assert.Equal(t, Pass, checkNamed(t, evaluate(t, withoutBaseline(with), defaultOptions()), CheckClientsLeftBehind).Verdict)

		// The certificate may have expired since the baseline, so only the
		// untrusted one is left behind.
		left := checkNamed(t, evaluate(t, with, defaultOptions()), CheckClientsLeftBehind)
		assert.Equal(t, Fail, left.Verdict)
		assert.Equal(t, []string{untrusted.Key}, findingKeys(left))
		assert.Contains(t, left.Sentence, "the NLB in the baseline window accepts")
	})

	t.Run("NLB share above minimum", func(t *testing.T) {
		balanced := verifyInputs(
			traffic(PathALB, clients, 1000, 0, "", ""),
			traffic(PathNLB, clients, 1000, 0, "", ""),
		)
		balanced.Baseline = baseline
		res := evaluate(t, balanced, defaultOptions())
		assert.Nil(t, res.Baseline)
		rate := checkNamed(t, res, CheckHandshakeRate)
		assert.Equal(t, Pass, rate.Verdict)
		assert.NotContains(t, rate.Sentence, "baseline")
	})
}

// waiverPolicy has an active waiver by subject pattern, an active one by a
// subject in slash form, and an expired one.
const waiverPolicy = `version: 1
analyze:
  waivers:
    - name: northwind-revoked
      path: alb
      subject_patterns: ['CN=edi-[0-9]+,O=Northwind,C=NL']
      outcomes: [revoked]
      reason: The Northwind gateways are revoked on purpose.
      until: 2026-12-15
    - name: contoso-batch
      path: alb
      subjects: ['/C=DE/O=Contoso/CN=batch.contoso.example']
      outcomes: [untrusted]
      reason: The batch client moves to the new CA next month.
      until: 2026-12-01T12:00:00Z
    - name: fabrikam-pos
      subjects: ['CN=pos-1,O=Fabrikam\, Inc.,C=US']
      outcomes: [untrusted]
      reason: The point-of-sale client was to be renewed.
      until: 2026-11-01
`

func TestEvaluateWaivers(t *testing.T) {
	healthy := fleet(20, "app", "O=Contoso,C=DE")
	northwind := fleet(3, "edi", "O=Northwind,C=NL")
	batch := certClient("CN=batch.contoso.example,O=Contoso,C=DE", "42")
	pos := certClient(`CN=pos-1,O=Fabrikam\, Inc.,C=US`, "7")
	in := verifyInputs(
		traffic(PathALB, healthy, 1000, 0, "", ""),
		traffic(PathNLB, healthy, 1000, 0, "", ""),
		traffic(PathALB, northwind, 0, 1000, outcome.Revoked, "Failed:ClientCertCrlHit"),
		traffic(PathNLB, northwind, 1000, 0, "", ""),
		[]HandshakeGroup{
			attempts(PathALB, batch, outcome.Untrusted, "Failed:ClientCertUntrusted", 50, 5, 55),
			attempts(PathNLB, batch, outcome.OK, "SUCCESS", 50, 5, 58),
			attempts(PathALB, pos, outcome.Untrusted, "Failed:ClientCertUntrusted", 40, 5, 55),
			attempts(PathNLB, pos, outcome.OK, "SUCCESS", 40, 5, 58),
		},
	)

	unwaived := evaluate(t, in, defaultOptions())
	assert.Len(t, checkNamed(t, unwaived, CheckClientsLeftBehind).Clients, 5, "without waivers")
	assert.Empty(t, unwaived.Waived)
	assert.Empty(t, unwaived.ExpiredWaivers)

	pol, err := policy.Parse([]byte(waiverPolicy), "waivers.yaml")
	require.NoError(t, err)
	opts := defaultOptions()
	opts.Policy = pol
	res := evaluate(t, in, opts)

	assert.Equal(t, []Waived{
		{Waiver: "contoso-batch", Reason: "The batch client moves to the new CA next month.", Until: "2026-12-01T12:00:00Z",
			Path: PathALB, Clients: 1, Connections: 50, Failed: 50, Outcomes: []string{"untrusted"}},
		{Waiver: "northwind-revoked", Reason: "The Northwind gateways are revoked on purpose.", Until: "2026-12-16T00:00:00Z",
			Path: PathALB, Clients: 3, Connections: 3000, Failed: 3000, Outcomes: []string{"revoked"}},
	}, res.Waived)
	assert.Equal(t, []string{"fabrikam-pos"}, res.ExpiredWaivers)

	left := checkNamed(t, res, CheckClientsLeftBehind)
	assert.Equal(t, Fail, left.Verdict)
	assert.Equal(t, []string{pos.Key}, findingKeys(left), "only the client of the expired waiver")

	reasons := checkNamed(t, res, CheckNewFailureReason)
	assert.NotContains(t, reasons.Sentence, "revoked")
	assert.Contains(t, reasons.Sentence, "untrusted (1 client)")

	// The waived clients have no ALB connections left, so only the 20
	// healthy clients and the Fabrikam client are paired.
	rate := checkNamed(t, res, CheckHandshakeRate)
	assert.Equal(t, 21.0, rate.Values["paired_clients"])
	assert.Equal(t, 20040.0, rate.Values["alb_connections"])
}

func TestEvaluateWaiverBeforeExpiry(t *testing.T) {
	pos := certClient(`CN=pos-1,O=Fabrikam\, Inc.,C=US`, "7")
	in := verifyInputs([]HandshakeGroup{
		attempts(PathALB, pos, outcome.Untrusted, "Failed:ClientCertUntrusted", 40, 5, 55),
		attempts(PathNLB, pos, outcome.OK, "SUCCESS", 40, 5, 58),
	})
	pol, err := policy.Parse([]byte(waiverPolicy), "waivers.yaml")
	require.NoError(t, err)

	// Judged as of a clock before its expiry, the Fabrikam waiver covers
	// the client.
	opts := defaultOptions()
	opts.Policy = pol
	opts.Now = time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	in.Window = Window{From: opts.Now.Add(-time.Hour), To: opts.Now}
	for i := range in.Handshakes {
		in.Handshakes[i].First = opts.Now.Add(-50 * time.Minute)
		in.Handshakes[i].Last = opts.Now.Add(-5 * time.Minute)
	}
	in.Sources = nil
	res := evaluate(t, in, opts)
	assert.Empty(t, res.ExpiredWaivers)
	require.Len(t, res.Waived, 1)
	assert.Equal(t, "fabrikam-pos", res.Waived[0].Waiver)
	assert.Equal(t, PathALB, res.Waived[0].Path)
	assert.Equal(t, 40, res.Waived[0].Connections)
	assert.Equal(t, Pass, checkNamed(t, res, CheckClientsLeftBehind).Verdict)
}

func TestResultEncodesAsJSON(t *testing.T) {
	// All traffic on the ALB and no requests give infinite bounds and NaN
	// shares, which JSON cannot carry.
	in := verifyInputs([]HandshakeGroup{
		attempts(PathALB, certClient("CN=edi-1,O=Northwind,C=NL", "1"), outcome.Revoked, "Failed:ClientCertCrlHit", 5, 5, 55),
		attempts(PathALB, certClient("CN=app-1,O=Contoso,C=DE", "2"), outcome.OK, "SUCCESS", 50, 5, 55),
	})
	opts := defaultOptions()
	opts.ALBWeight = 100
	res := evaluate(t, in, opts)
	for _, c := range res.Checks {
		for k, v := range c.Values {
			assert.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%s: %s is %v", c.Name, k, v)
		}
	}
	reasons := checkNamed(t, res, CheckNewFailureReason)
	assert.NotContains(t, reasons.Values, "clients_to_fail", "an infinite threshold is left out")
	assert.Equal(t, 1.0, reasons.Values["alb_only_chance"])

	data, err := json.Marshal(res)
	require.NoError(t, err)
	var decoded struct {
		Verdict string `json:"verdict"`
		Checks  []struct {
			Name    string             `json:"name"`
			Verdict string             `json:"verdict"`
			Values  map[string]float64 `json:"values"`
		} `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(data, &decoded))
	assert.Equal(t, string(res.Verdict), decoded.Verdict)
	require.Len(t, decoded.Checks, len(res.Checks))
	assert.Equal(t, CheckFreshness, decoded.Checks[0].Name)
}
