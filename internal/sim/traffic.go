package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// ALB defaults and timeouts that shape connections and requests.
const (
	// idleTimeout is the default of the ALB attribute
	// idle_timeout.timeout_seconds (AWS ALB user guide). The ALB closes a
	// client connection that stays idle longer.
	idleTimeout = 60 * time.Second
	// clientKeepAlive is the default of the ALB attribute
	// client_keep_alive.seconds (Pulumi AWS provider documentation). The ALB
	// closes a client connection after it, however busy it is.
	clientKeepAlive = 3600 * time.Second
	// targetConnectTimeout is how long the ALB waits for a target connection
	// before it returns 504.
	targetConnectTimeout = 10 * time.Second
	// transientFailureRate is the share of handshakes that fail for reasons
	// unrelated to the certificate (the client gives up or resets), which the
	// ALB logs as Failed:UnmappedConnectionError.
	transientFailureRate = 2e-4
)

// verifyStatus is the outcome of a connection attempt's handshake.
type verifyStatus uint8

const (
	statusSuccess verifyStatus = iota
	statusUntrusted
	statusExpired
	statusNotYetValid
	statusCrlHit
	statusUnmapped
	statusMaxChainDepth
)

// verifyStatusText holds the tls_verify_status values of the ALB connection
// log.
var verifyStatusText = [...]string{
	statusSuccess:     "Success",
	statusUntrusted:   "Failed:ClientCertUntrusted",
	statusExpired:     "Failed:ClientCertExpired",
	statusNotYetValid: "Failed:ClientCertNotYetValid",
	statusCrlHit:      "Failed:ClientCertCrlHit",
	statusUnmapped:    "Failed:UnmappedConnectionError",

	statusMaxChainDepth: "Failed:ClientCertMaxChainDepthExceeded",
}

// route is one kind of request the service handles.
type route struct {
	method   string
	path     string // the URL path; idParam routes append "/<id>"
	suffix   string // appended after the id
	idParam  bool
	hasBody  bool
	priority int // matched_rule_priority: 0 is the default rule
	weight   float64
	latency  float64 // factor on the client's median target time
}

var routes = []route{
	{method: "GET", path: "/v1/orders", idParam: true, priority: 20, weight: 30, latency: 1},
	{method: "POST", path: "/v1/orders", hasBody: true, priority: 20, weight: 10, latency: 2.5},
	{method: "PUT", path: "/v1/orders", idParam: true, suffix: "/status", hasBody: true, priority: 20, weight: 5, latency: 1.8},
	{method: "DELETE", path: "/v1/orders", idParam: true, priority: 20, weight: 1, latency: 1.2},
	{method: "GET", path: "/v1/payments", idParam: true, priority: 10, weight: 15, latency: 1.3},
	{method: "POST", path: "/v1/payments", hasBody: true, priority: 10, weight: 8, latency: 4},
	{method: "GET", path: "/v1/accounts", idParam: true, suffix: "/balance", priority: 30, weight: 12, latency: 0.8},
	{method: "GET", path: "/v2/catalog?page=", idParam: true, suffix: "&size=100", priority: 0, weight: 6, latency: 2},
	{method: "GET", path: "/v1/status", priority: 0, weight: 3, latency: 0.2},
}

// tlsParameters are the protocol, cipher and key-exchange group a client
// negotiates with the ALB's RSA certificate.
type tlsParameters struct {
	protocol, cipher, keyExchange string
}

var (
	tls13Choices = []tlsParameters{
		{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "X25519"},
		{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "X25519MLKEM768"},
		{"TLSv1.3", "TLS_AES_256_GCM_SHA384", "X25519"},
		{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "secp256r1"},
	}
	tls13Weights = []float64{0.5, 0.25, 0.15, 0.1}
	tls12Choices = []tlsParameters{
		{"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "X25519"},
		{"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "secp256r1"},
		{"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "secp384r1"},
	}
	tls12Weights = []float64{0.45, 0.35, 0.2}
)

// client is an Identity with what the simulation derives from it once:
// rates in the units the generator uses, and the client's fixed traits.
type client struct {
	*Identity
	peakConnRate float64 // connections per second at the peak, RateScale included
	shift        int64   // µs of PeakShift
	notBefore    int64   // µs
	notAfter     int64   // µs
	ips          []string
	tls          tlsParameters
	rtt          int64   // µs round-trip time to the load balancer
	keyCost      int64   // µs the certificate's signature adds to a handshake
	targetMedian float64 // µs median target processing time
	errorFactor  float64 // multiplies the service's error rates for this client
	routes       [4]uint8
	// nonCompliant clients send a header that desync mitigation classifies
	// as Acceptable / NonCompliantHeader.
	nonCompliant bool
	// traceHeader clients send their own X-Amzn-Trace-Id, so the load
	// balancer logs it with a Self part in front.
	traceHeader bool
}

// nodeWindow is a Node's active window in µs; until is the end of time for
// a node that never leaves.
type nodeWindow struct{ from, until int64 }

// model is the simulated world, fixed for a run.
type model struct {
	cfg        *Config
	start, end int64 // µs
	identities []Identity
	clients    []client
	resolvers  []resolver
	nodes      []nodeWindow
	trust      [2]*TrustPolicy // by path
}

func newModel(cfg *Config) *model {
	m := &model{
		cfg:        cfg,
		start:      cfg.Start.UnixMicro(),
		end:        cfg.End().UnixMicro(),
		identities: newPopulation(cfg),
		resolvers:  newResolvers(cfg),
	}
	m.trust[pathNLB] = &cfg.TerminatorTrust
	m.trust[pathALB] = &cfg.ALBTrust
	for _, n := range cfg.Nodes {
		w := nodeWindow{from: math.MinInt64, until: math.MaxInt64}
		if !n.From.IsZero() {
			w.from = n.From.UnixMicro()
		}
		if !n.Until.IsZero() {
			w.until = n.Until.UnixMicro()
		}
		m.nodes = append(m.nodes, w)
	}

	r := newRand(cfg.Seed, streamTraits)
	routeWeights := make([]float64, len(routes))
	for i, rt := range routes {
		routeWeights[i] = rt.weight
	}
	m.clients = make([]client, len(m.identities))
	for i := range m.identities {
		id := &m.identities[i]
		c := &m.clients[i]
		c.Identity = id
		bh := &id.Behaviour
		c.peakConnRate = bh.PeakRequestRate * cfg.RateScale / bh.RequestsPerConnection
		c.shift = bh.PeakShift.Microseconds()
		if id.Certificate != nil {
			c.notBefore = id.Certificate.NotBefore.UnixMicro()
			c.notAfter = id.Certificate.NotAfter.UnixMicro()
			c.keyCost = [...]int64{1800, 9000, 700, 1200}[id.Certificate.Key]
		}
		for _, ip := range id.SourceIPs {
			c.ips = append(c.ips, ip.String())
		}
		if bh.TLS13 {
			c.tls = tls13Choices[pickWeighted(r, tls13Weights)]
		} else {
			c.tls = tls12Choices[pickWeighted(r, tls12Weights)]
		}
		c.rtt = int64(math.Min(logNormal(r, 30_000, 0.7), 400_000))
		c.targetMedian = logNormal(r, 35_000, 0.4)
		c.errorFactor = 1
		if r.Float64() < 0.05 {
			c.errorFactor = 6
		}
		for k := range c.routes {
			c.routes[k] = uint8(pickWeighted(r, routeWeights))
		}
		c.nonCompliant = r.Float64() < 0.01
		c.traceHeader = r.Float64() < 0.1
	}
	return m
}

// diurnal returns the traffic level at t (µs) for a client whose peak is
// shift µs after Config.PeakHour: 1 at the peak, TroughRatio 12 hours away,
// with a squared raised cosine in between.
func (m *model) diurnal(t, shift int64) float64 {
	const day = 86400 * 1e6
	tod := math.Mod(float64(t-shift), day)
	if tod < 0 {
		tod += day
	}
	hours := tod / 3.6e9
	c := (1 + math.Cos(2*math.Pi*(hours-m.cfg.PeakHour)/24)) / 2
	return m.cfg.TroughRatio + (1-m.cfg.TroughRatio)*c*c
}

// verify returns the outcome of a handshake at t (µs) on a path that
// verifies by policy. It checks trust, then the chain depth, then
// revocation, then the validity period. Which failure the ALB reports for a
// certificate with several faults is not documented, and no simulated
// certificate has two, so the order does not change the output.
func (c *client) verify(policy *TrustPolicy, t int64) verifyStatus {
	switch {
	case c.Certificate == nil:
		return statusUnmapped
	case c.Cohort == CohortMissingIntermediate && !policy.Intermediates:
		return statusUntrusted
	case c.Certificate.ChainDepth > policy.MaxChainDepth:
		return statusMaxChainDepth
	case c.Cohort == CohortRevoked && policy.CheckCRL:
		return statusCrlHit
	case t < c.notBefore:
		return statusNotYetValid
	case t >= c.notAfter:
		return statusExpired
	}
	return statusSuccess
}

// connection is one connection attempt and, when its handshake succeeded,
// the requests it carried. The generator reuses one connection value, so a
// sink must copy what it keeps.
type connection struct {
	client  *client
	path    path
	node    int // index into Config.Nodes; ALB path only
	attempt int // 0 for a client's first attempt, n for its nth retry
	start   int64
	// logged is the connection-log time: when the handshake completed or
	// failed.
	logged int64
	// handshake is the handshake latency in µs, or -1 when it failed.
	handshake int64
	status    verifyStatus
	// certLogged is false when no certificate reached the load balancer.
	certLogged bool
	clientIP   string
	clientPort int
	traceID    [2]uint64
	requests   []request
}

// request is one HTTP request on a connection. Times are µs since the Unix
// epoch; durations are µs, -1 where the ALB logs -1.
type request struct {
	created      int64 // request_creation_time
	done         int64 // the access log's time: when the response was generated
	written      int64 // when the entry was written, after the response was sent
	requestTime  int64
	targetTime   int64
	responseTime int64
	elbStatus    int16
	targetStatus int16 // 0 when no target responded
	target       int16 // index into Config.Targets
	route        uint8
	id           uint32 // the resource id in the URL
	received     int32
	sent         int32 // bytes of the response, headers included
	body         int32 // bytes of the response body; 0 when the ALB answered
	trace        [2]uint64
	traceSecond  int64 // Unix second in the Root part of the trace id
}

// connectionSink receives the connections on one path.
type connectionSink interface {
	add(c *connection)
}

// generator draws connections and requests for one interval at a time and
// passes each connection to the sink of its path.
type generator struct {
	m      *model
	rnd    *rand.Rand
	sinks  [2]connectionSink
	conn   connection
	starts []int64
	active []int
}

func newGenerator(m *model, nlb, alb connectionSink) *generator {
	g := &generator{m: m, rnd: newRand(m.cfg.Seed, streamTraffic)}
	g.sinks[pathNLB] = nlb
	g.sinks[pathALB] = alb
	return g
}

// generate draws the sessions that start in [from, to) (µs). A session is
// a client opening a connection for a batch of requests, with retries when
// the handshake fails.
func (g *generator) generate(from, to int64) error {
	seconds := float64(to-from) / 1e6
	mid := from + (to-from)/2
	for i := range g.m.clients {
		c := &g.m.clients[i]
		mean := c.peakConnRate * g.m.diurnal(mid, c.shift) * seconds
		n := poisson(g.rnd, mean)
		if n == 0 {
			continue
		}
		starts := g.starts[:0]
		for range n {
			starts = append(starts, from+g.rnd.Int64N(to-from))
		}
		slices.Sort(starts)
		for _, s := range starts {
			if err := g.session(c, s); err != nil {
				return err
			}
		}
		g.starts = starts
	}
	return nil
}

func (g *generator) session(c *client, start int64) error {
	for attempt := 0; ; attempt++ {
		conn, err := g.connect(c, start, attempt)
		if err != nil || conn == nil {
			return err
		}
		g.sinks[conn.path].add(conn)

		bh := &c.Behaviour
		if conn.status == statusSuccess || !bh.RetryOnFailure || attempt >= bh.MaxRetries {
			return nil
		}
		backoff := bh.RetryBackoff.Microseconds() << attempt
		start = conn.logged + backoff + g.rnd.Int64N(backoff/5+1)
		if start >= g.m.end {
			return nil
		}
	}
}

// connect draws one connection attempt that starts at start (µs). It
// returns nil when the attempt would be logged after the end of the run.
func (g *generator) connect(c *client, start int64, attempt int) (*connection, error) {
	m, r := g.m, g.rnd
	res := &m.resolvers[c.Resolver]
	conn := &g.conn
	*conn = connection{client: c, attempt: attempt, start: start, requests: conn.requests[:0]}
	conn.path = res.answer(m.cfg.Seed, start, m.cfg.ALBWeight)
	if conn.path == pathALB {
		g.active = g.active[:0]
		for i, w := range m.nodes {
			if w.from <= start && start < w.until {
				g.active = append(g.active, i)
			}
		}
		if len(g.active) == 0 {
			return nil, fmt.Errorf("sim: no ALB node is active at %s: add a node to Config.Nodes whose window covers that time",
				time.UnixMicro(start).UTC().Format(time.RFC3339))
		}
		conn.node = res.node(m.cfg.Seed, start, c.Index, g.active)
	}

	conn.status = c.verify(m.trust[conn.path], start)
	conn.certLogged = c.Certificate != nil
	if conn.status == statusSuccess && r.Float64() < transientFailureRate {
		conn.status = statusUnmapped
		conn.certLogged = false
	}

	// A full handshake takes about one and a half round trips plus the
	// signature operations; mTLS listeners do not resume sessions.
	latency := c.rtt*3/2 + c.keyCost + 400 + int64(r.ExpFloat64()*2000)
	if conn.status == statusSuccess {
		conn.handshake = latency
		conn.logged = start + latency
	} else {
		conn.handshake = -1
		conn.logged = start + latency*2/3
	}
	if conn.logged >= m.end {
		return nil, nil
	}

	conn.clientIP = c.ips[r.IntN(len(c.ips))]
	conn.clientPort = 1024 + r.IntN(65536-1024)
	conn.traceID = [2]uint64{r.Uint64(), r.Uint64()}
	if conn.status == statusSuccess {
		g.addRequests(conn)
	}
	return conn, nil
}

// addRequests draws the requests of an established connection. The
// connection ends after the client's keep-alive length, when the client
// stays idle past the ALB's idle timeout, at the ALB's keep-alive limit,
// when its node leaves, or at the end of the run.
func (g *generator) addRequests(conn *connection) {
	m, r, c := g.m, g.rnd, conn.client
	limit := min(m.end, conn.start+clientKeepAlive.Microseconds())
	if conn.path == pathALB {
		limit = min(limit, m.nodes[conn.node].until)
	}
	n := geometric(r, c.Behaviour.RequestsPerConnection)
	think := float64(c.Behaviour.ThinkTime.Microseconds())
	if c.Behaviour.HTTP2 {
		think /= 4
	}

	var prevCreated, prevDone int64
	for i := range n {
		var created int64
		if i == 0 {
			created = conn.logged + c.rtt/2 + r.Int64N(2000)
		} else {
			gap := int64(r.ExpFloat64() * think)
			if gap >= idleTimeout.Microseconds() {
				break
			}
			if c.Behaviour.HTTP2 {
				created = prevCreated + gap
			} else {
				created = prevDone + gap
			}
		}
		if created >= limit {
			break
		}
		req := g.newRequest(c, created, i)
		if conn.path == pathALB {
			g.delay(&req, &m.cfg.ALBTargetDelay)
		}
		if req.written >= m.end {
			break
		}
		conn.requests = append(conn.requests, req)
		prevCreated, prevDone = created, req.done
	}
}

// newRequest draws one request that the load balancer received at created.
// seq is the request's position on its connection.
func (g *generator) newRequest(c *client, created int64, seq int) request {
	r := g.rnd
	req := request{
		created: created,
		route:   uint8(c.routes[r.IntN(len(c.routes))]),
		target:  int16(r.IntN(len(g.m.cfg.Targets))),
		id:      uint32(100000 + r.IntN(9900000)),
		trace:   [2]uint64{r.Uint64(), r.Uint64()},
	}
	rt := &routes[req.route]
	req.traceSecond = created / 1e6

	// Request bytes: the header block (HPACK-compressed after the first
	// request on an HTTP/2 connection) plus the body.
	if c.Behaviour.HTTP2 && seq > 0 {
		req.received = int32(30 + r.IntN(120))
	} else {
		req.received = int32(180 + len(c.UserAgent) + len(rt.path) + r.IntN(350))
	}
	if rt.hasBody {
		req.received += int32(logNormal(r, 1200, 0.9))
	}

	ef := c.errorFactor
	body := int32(0)
	switch u := r.Float64(); {
	case u < 0.0004*ef:
		// The target closed or reset the connection: 502 from the ALB.
		req.elbStatus = 502
		req.requestTime, req.targetTime, req.responseTime = -1, -1, -1
		req.done = created + 1000 + r.Int64N(800_000)
		req.sent = int32(272 + r.IntN(20))
	case u < 0.0007*ef:
		// No target connection within the connect timeout: 504.
		req.elbStatus = 504
		req.requestTime, req.targetTime, req.responseTime = -1, -1, -1
		req.done = created + targetConnectTimeout.Microseconds() + r.Int64N(50_000)
		req.sent = int32(282 + r.IntN(20))
	default:
		req.elbStatus = g.targetStatus(rt, u, ef)
		req.targetStatus = req.elbStatus
		req.requestTime = 20 + r.Int64N(900)
		req.targetTime = int64(math.Min(logNormal(r, c.targetMedian*rt.latency, 0.6), 55e6))
		req.responseTime = 10 + r.Int64N(400)
		req.done = created + req.requestTime + req.targetTime + req.responseTime
		switch {
		case req.elbStatus == 204 || req.elbStatus == 304:
		case req.elbStatus >= 400:
			body = int32(60 + r.IntN(240))
		default:
			body = int32(logNormal(r, 900, 1.1))
		}
		req.sent = int32(160+r.IntN(200)) + body
	}
	req.body = body

	// The entry is written once the response is sent, so entries of
	// concurrent requests can be a little out of time order.
	req.written = req.done + int64(req.sent)/4 + r.Int64N(300)
	return req
}

// delay applies shift to the target processing time of req and moves the
// times that follow it.
func (g *generator) delay(req *request, shift *LatencyShift) {
	shifted := shift.apply(req.targetTime)
	if shifted == req.targetTime {
		return
	}
	d := shifted - req.targetTime
	req.targetTime = shifted
	req.done += d
	req.written += d
}

// targetStatus returns the status code a target responds with, given a
// uniform draw u that has already passed the ALB's own error cases.
func (g *generator) targetStatus(rt *route, u, errorFactor float64) int16 {
	r := g.rnd
	switch {
	case u < 0.004*errorFactor:
		if r.IntN(10) < 7 {
			return 500
		}
		return 503
	case u < 0.03*errorFactor:
		codes := [...]int16{400, 401, 403, 404, 404, 404, 409, 422, 429, 429}
		return codes[r.IntN(len(codes))]
	}
	switch rt.method {
	case "POST":
		if r.IntN(10) < 7 {
			return 201
		}
		return 200
	case "PUT":
		if r.IntN(2) == 0 {
			return 204
		}
		return 200
	case "DELETE":
		return 204
	}
	if r.IntN(20) == 0 {
		return 304
	}
	return 200
}
