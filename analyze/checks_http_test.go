package analyze

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/policy"
)

// headerTimes returns, for each client, times from 1 ms to 100 ms plus
// shift seconds, each perValue times.
func headerTimes(path string, clients []Client, shift float64, perValue int) []HeaderTimes {
	var rows []HeaderTimes
	for _, c := range clients {
		row := HeaderTimes{Path: path, Client: c}
		for ms := 1; ms <= 100; ms++ {
			row.Seconds = append(row.Seconds, float64(ms)/1000+shift)
			row.Counts = append(row.Counts, perValue)
		}
		rows = append(rows, row)
	}
	return rows
}

func headerTimeInputs(albShift float64, perValue int) Inputs {
	clients := fleet(20, "app", "O=Contoso,C=DE")
	in := verifyInputs()
	in.HeaderTimes = append(headerTimes(PathALB, clients, albShift, perValue), headerTimes(PathNLB, clients, 0, perValue)...)
	return in
}

var headerTimeChecks = []string{CheckHeaderTimeP50, CheckHeaderTimeP90, CheckHeaderTimeP99}

func TestHeaderTimesEqual(t *testing.T) {
	res := evaluate(t, headerTimeInputs(0, 10), defaultOptions())
	for i, name := range headerTimeChecks {
		c := checkNamed(t, res, name)
		assert.Equal(t, Pass, c.Verdict, "%s: %s", name, c.Sentence)
		assert.Equal(t, 20000.0, c.Values["alb_requests"], name)
		assert.Equal(t, 20000.0, c.Values["nlb_requests"], name)
		assert.Equal(t, 20.0, c.Values["paired_clients"], name)
		assert.Equal(t, 12.0, c.Values["look"], "one look per 5 minutes of the hour: %s", name)
		assert.Equal(t, c.Values["alb_seconds"], c.Values["nlb_seconds"], name)
		assert.Contains(t, c.Sentence, "time to response headers is", name)
		assert.Contains(t, c.Sentence, []string{"p50", "p90", "p99"}[i], name)
	}
	assert.InDelta(t, 0.050, checkNamed(t, res, CheckHeaderTimeP50).Values["alb_seconds"], 1e-9)
	assert.InDelta(t, 0.099, checkNamed(t, res, CheckHeaderTimeP99).Values["alb_seconds"], 1e-9)
}

func TestHeaderTimesShifted(t *testing.T) {
	// 200 ms more on the ALB is far beyond every default margin.
	res := evaluate(t, headerTimeInputs(0.200, 10), defaultOptions())
	for _, name := range headerTimeChecks {
		c := checkNamed(t, res, name)
		assert.Equal(t, Fail, c.Verdict, "%s: %s", name, c.Sentence)
		assert.Greater(t, c.Values["alb_lower_seconds"], c.Values["nlb_upper_seconds"]*1.2+0.025, name)
		assert.Contains(t, c.Sentence, "look at the targets behind the ALB", name)
	}
	p99 := checkNamed(t, res, CheckHeaderTimeP99)
	assert.Contains(t, p99.Sentence, "beyond p99 × 1.20 + 25ms of the NLB")
	assert.Equal(t, Fail, res.Verdict)
}

func TestHeaderTimesWithinMargin(t *testing.T) {
	// 2 ms more on the ALB stays within the p50 margin of 10 % plus 5 ms.
	res := evaluate(t, headerTimeInputs(0.002, 10), defaultOptions())
	assert.Equal(t, Pass, checkNamed(t, res, CheckHeaderTimeP50).Verdict)
}

func TestHeaderTimesTooFewRequests(t *testing.T) {
	// One request per value gives 2000 requests per path, below a minimum
	// of 5000.
	opts := defaultOptions()
	opts.Policy.Analyze.Statistics.MinRequests = 5000
	c := checkNamed(t, evaluate(t, headerTimeInputs(0, 1), opts), CheckHeaderTimeP90)
	assert.Equal(t, Wait, c.Verdict)
	assert.Contains(t, c.Sentence, "at least 5000 requests on each path from 10 clients seen on both are needed (statistics.min_requests and min_clients), and there are 2000 on the ALB and 2000 on the NLB from 20 clients.")
	assert.Contains(t, c.Sentence, "It needs about 3000 more requests on the ALB and 3000 on the NLB.")
}

func TestHeaderTimesWithoutCounts(t *testing.T) {
	// Rows without counts count each value once.
	in := headerTimeInputs(0, 10)
	for i := range in.HeaderTimes {
		if in.HeaderTimes[i].Path == PathALB {
			in.HeaderTimes[i].Counts = nil
		}
	}
	c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckHeaderTimeP50)
	assert.Equal(t, 2000.0, c.Values["alb_requests"])
	assert.Equal(t, 20000.0, c.Values["nlb_requests"])
}

// requestCountsOf returns one row per client with requests requests, of
// which status5xx and status4xx failed.
func requestCountsOf(path string, clients []Client, requests, status5xx, status4xx int) []RequestCounts {
	var rows []RequestCounts
	for _, c := range clients {
		rows = append(rows, RequestCounts{Path: path, Client: c, Requests: requests, Status5xx: status5xx, Status4xx: status4xx})
	}
	return rows
}

func TestHTTP5xxRate(t *testing.T) {
	clients := fleet(20, "app", "O=Contoso,C=DE")
	tests := []struct {
		name         string
		alb5xx       int
		requests     int
		want         Verdict
		wantSentence string
	}{
		{"no 5xx on either path", 0, 1000, Pass, "The ALB returns 5xx for 0.00 % of requests and the NLB for 0.00 %"},
		{"5 % 5xx on the ALB", 50, 1000, Fail, "check the ALB's target health and elb_status_code 502/503/504"},
		{"too few requests", 0, 20, Wait, "at least 1000 requests on each path from 10 clients seen on both are needed (statistics.min_requests and min_clients), and there are 400 on the ALB and 400 on the NLB from 20 clients"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := verifyInputs()
			in.Requests = append(requestCountsOf(PathALB, clients, tc.requests, tc.alb5xx, 0),
				requestCountsOf(PathNLB, clients, tc.requests, 0, 0)...)
			c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckHTTP5xxRate)
			assert.Equal(t, tc.want, c.Verdict, c.Sentence)
			assert.Contains(t, c.Sentence, tc.wantSentence)
			assert.Equal(t, float64(20*tc.requests), c.Values["alb_requests"])
		})
	}
}

func TestClient4xx(t *testing.T) {
	clients := fleet(20, "app", "O=Contoso,C=DE")
	portal := certClient("CN=hr-portal,O=Contoso,C=DE", "7F")
	newcomer := certClient("CN=new-app,O=Tailspin,C=US", "80")
	kiosk := ipClient("203.0.113.7")
	healthy := append(requestCountsOf(PathALB, clients, 1000, 0, 5), requestCountsOf(PathNLB, clients, 1000, 0, 5)...)

	tests := []struct {
		name string
		rows []RequestCounts
		want Verdict
		// flagged lists the keys of the clients the check names.
		flagged      []string
		wantSentence string
	}{
		{
			name:         "same 4xx rate on both paths",
			want:         Pass,
			wantSentence: "No client gets more 4xx responses on the ALB than on the NLB beyond the margin.",
		},
		{
			name: "client with far more 4xx on the ALB",
			rows: []RequestCounts{
				{Path: PathALB, Client: portal, Requests: 10000, Status4xx: 3000},
				{Path: PathNLB, Client: portal, Requests: 1000, Status4xx: 5},
			},
			want:         Fail,
			flagged:      []string{portal.Key},
			wantSentence: "1 client: CN=hr-portal,O=Contoso,C=DE (serial 7F) gets more 4xx responses on the ALB",
		},
		{
			name: "slightly more 4xx on the ALB",
			rows: []RequestCounts{
				{Path: PathALB, Client: portal, Requests: 1000, Status4xx: 8},
				{Path: PathNLB, Client: portal, Requests: 1000, Status4xx: 5},
			},
			want: Pass,
		},
		{
			// 3 % against 0.5 % exceeds the margin, but 100 requests do not
			// show it beyond doubt.
			name: "few ALB requests with more 4xx",
			rows: []RequestCounts{
				{Path: PathALB, Client: portal, Requests: 100, Status4xx: 3},
				{Path: PathNLB, Client: portal, Requests: 1000, Status4xx: 5},
			},
			want: Pass,
		},
		{
			// Clients differ widely in their own 4xx rates, so one without
			// enough NLB requests has no reference and is not judged.
			name: "client with few NLB requests not judged",
			rows: []RequestCounts{
				{Path: PathALB, Client: newcomer, Requests: 10000, Status4xx: 3000},
				{Path: PathNLB, Client: newcomer, Requests: 10, Status4xx: 0},
			},
			want:         Pass,
			wantSentence: "1 client with fewer than 20 requests on the NLB is not judged",
		},
		{
			name: "IP-only client named by address",
			rows: []RequestCounts{
				{Path: PathALB, Client: kiosk, Requests: 10000, Status4xx: 3000},
				{Path: PathNLB, Client: kiosk, Requests: 1000, Status4xx: 5},
			},
			want:         Fail,
			flagged:      []string{kiosk.Key},
			wantSentence: "1 client: IP 203.0.113.7 gets more 4xx responses",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := verifyInputs()
			in.Requests = append(append([]RequestCounts{}, healthy...), tc.rows...)
			c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckClient4xx)
			assert.Equal(t, tc.want, c.Verdict, c.Sentence)
			assert.Equal(t, tc.flagged, findingKeys(c))
			assert.Equal(t, float64(len(tc.flagged)), c.Values["clients_flagged"])
			assert.Contains(t, c.Sentence, tc.wantSentence)
		})
	}
}

func TestClient4xxFinding(t *testing.T) {
	portal := certClient("CN=hr-portal,O=Contoso,C=DE", "7F")
	clients := fleet(20, "app", "O=Contoso,C=DE")
	in := verifyInputs()
	in.Requests = append(requestCountsOf(PathALB, clients, 1000, 0, 5), requestCountsOf(PathNLB, clients, 1000, 0, 5)...)
	in.Requests = append(in.Requests,
		RequestCounts{Path: PathALB, Client: portal, Requests: 10000, Status4xx: 3000},
		RequestCounts{Path: PathNLB, Client: portal, Requests: 1000, Status4xx: 5},
	)
	c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckClient4xx)
	require.Len(t, c.Clients, 1)
	assert.Equal(t, ClientFinding{Client: portal.Key, Subject: portal.Subject, Serial: "7F",
		ALBFailed: 3000, ALBTotal: 10000, NLBOK: 995, NLBTotal: 1000}, c.Clients[0])
	assert.InDelta(t, 0.3-0.005, c.Values["largest_difference"], 1e-12)

	// A waiver without outcomes takes the client's requests out.
	pol, err := policy.Parse([]byte(`version: 1
analyze:
  waivers:
    - name: hr-portal
      subjects: ['CN=hr-portal,O=Contoso,C=DE']
      reason: The portal answers 401 to probe requests on purpose.
      until: 2026-12-31
`), "waivers.yaml")
	require.NoError(t, err)
	opts := defaultOptions()
	opts.Policy = pol
	c = checkNamed(t, evaluate(t, in, opts), CheckClient4xx)
	assert.Equal(t, Pass, c.Verdict, c.Sentence)
	assert.Empty(t, c.Clients)
}

func TestClient4xxTooFewRequests(t *testing.T) {
	clients := fleet(20, "app", "O=Contoso,C=DE")
	in := verifyInputs()
	in.Requests = append(requestCountsOf(PathALB, clients, 10, 0, 0), requestCountsOf(PathNLB, clients, 100, 0, 0)...)
	c := checkNamed(t, evaluate(t, in, defaultOptions()), CheckClient4xx)
	assert.Equal(t, Wait, c.Verdict)
	assert.Contains(t, c.Sentence, "at least 1000 requests on each path are needed (statistics.min_requests), and there are 200 on the ALB and 2000 on the NLB.")
}
