package sim

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// How the NLB and nginx on the terminators behave. nginx runs with
// "ssl_verify_client on", the log_format of nginx.RecommendedLogFormat,
// "error_log ... info" and "server_tokens off".
const (
	// healthCheckInterval is the target group's HealthCheckIntervalSeconds.
	// The NLB node in each subnet checks every terminator this often.
	healthCheckInterval = 10 * time.Second
	// nginxWorkers is the number of nginx worker processes per instance.
	nginxWorkers = 2
)

// Sizes in bytes of nginx's built-in error pages with server_tokens off,
// with CRLF line ends. The two 400 pages of ingest/nginx/testdata/access.log
// are 7 bytes longer because server_tokens on adds "/1.22.1".
const (
	pageCertError = 208 // 400 The SSL certificate error
	pageNoCert    = 230 // 400 No required SSL certificate was sent
	pageBadGW     = 150 // 502 Bad Gateway
	pageGWTimeout = 160 // 504 Gateway Time-out
)

// nginxVerifyError is nginx's report of a certificate that failed
// verification: the X509_V_ERR number and the text of
// X509_verify_cert_error_string, which $ssl_client_verify writes after
// "FAILED:".
type nginxVerifyError struct {
	code    int
	text    string
	outcome outcome.Outcome
}

// nginxVerifyErrors are indexed by verifyStatus. statusUntrusted occurs on
// the NLB path only when Config.TerminatorTrust lacks the intermediates.
var nginxVerifyErrors = [...]nginxVerifyError{
	statusUntrusted:     {20, "unable to get local issuer certificate", outcome.Untrusted},
	statusExpired:       {10, "certificate has expired", outcome.Expired},
	statusNotYetValid:   {9, "certificate is not yet valid", outcome.NotYetValid},
	statusCrlHit:        {23, "certificate revoked", outcome.Revoked},
	statusMaxChainDepth: {22, "certificate chain too long", outcome.ChainTooLong},
}

// nginxHandshakeFailures are the error-log messages, without nginx's
// context, for a client that gives up or resets during the handshake: the
// failures the ALB logs as Failed:UnmappedConnectionError. reset is true
// where the client closed the connection with a TCP reset, and false where
// it closed with a FIN.
// NOTE: nginx versions differ in the level of the OpenSSL 3 "unexpected eof"
// message, and the simulator writes both at info.
var nginxHandshakeFailures = [...]struct {
	message string
	reset   bool
}{
	{"peer closed connection in SSL handshake (104: Connection reset by peer)", true},
	{"SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading)", false},
}

// healthCheckMessage is nginx's error-log message for a TCP health check,
// which opens a connection and closes it before sending a ClientHello.
const healthCheckMessage = "client closed connection"

// nginxClientFields are a client's certificate values and User-Agent,
// escaped as escape=json writes them.
type nginxClientFields struct {
	subject, issuer, serial, notAfter string
	userAgent                         string
}

// nginxInstance is the state of nginx on one terminator.
type nginxInstance struct {
	// connection is the last $connection number that nginx gave out. The
	// counter starts where a server that has run for a while would be.
	connection uint64
	// workerPID is the process ID of the first worker. The other workers
	// have the next IDs.
	workerPID int
}

// nginxAccept is one TCP connection that nginx accepts: a client
// connection, or a health check when conn is nil.
type nginxAccept struct {
	at       int64 // µs
	instance int
	conn     *connection
	checker  int // index into nginxLog.checkers, for a health check
}

// nginxLog is the sink of the NLB path. It keeps the connections it
// receives until no earlier connection can follow, so that it numbers
// them, and the NLB's health checks, in the order nginx accepts them. It
// writes each terminator's access-log and error-log lines into the pending
// lines, with the terminator's index as the node.
type nginxLog struct {
	m       *model
	pending *pendingLines
	summary *counts
	metrics *metricRecorder // nil when the run writes no metrics
	rnd     *rand.Rand
	loc     *time.Location

	instances []nginxInstance
	// checkers are the addresses from which the NLB node in each subnet
	// sends health checks.
	checkers []string
	fields   []nginxClientFields // by client index

	buffered []*connection
	free     []*connection
	accepts  []nginxAccept
	line     []byte
}

func newNginxLog(m *model, pending *pendingLines, summary *counts, metrics *metricRecorder) *nginxLog {
	cfg := m.cfg
	n := &nginxLog{
		m:       m,
		pending: pending,
		summary: summary,
		metrics: metrics,
		rnd:     newRand(cfg.Seed, streamTerminators),
		loc:     cfg.ErrorLogLocation,
	}
	n.instances = newNginxInstances(cfg, n.rnd)
	for i, s := range cfg.NLBSubnets {
		n.checkers = append(n.checkers, subnetAddress(netip.MustParsePrefix(s), hash3(cfg.Seed, 0x6e6c62, uint64(i))))
	}
	n.fields = make([]nginxClientFields, len(m.clients))
	for i := range m.clients {
		c := &m.clients[i]
		f := &n.fields[i]
		f.userAgent = string(appendJSONText(nil, c.UserAgent))
		if c.Certificate == nil {
			continue
		}
		f.subject = string(appendJSONText(nil, c.Certificate.Subject))
		f.issuer = string(appendJSONText(nil, c.Certificate.Issuer))
		f.serial = c.Certificate.Serial
		// ASN1_TIME_print's form, which pads the day with a space.
		f.notAfter = c.Certificate.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT")
	}
	return n
}

// newNginxInstances draws the starting state of nginx on each terminator
// from r, the terminators' random stream.
func newNginxInstances(cfg *Config, r *rand.Rand) []nginxInstance {
	var instances []nginxInstance
	for range cfg.Terminators {
		instances = append(instances, nginxInstance{
			connection: uint64(1000 + r.IntN(2_000_000)),
			workerPID:  900 + r.IntN(30000),
		})
	}
	return instances
}

// subnetAddress returns an address in p chosen by h, outside the first four
// and the last address, which AWS reserves in every subnet.
func subnetAddress(p netip.Prefix, h uint64) string {
	base := p.Masked().Addr().As4()
	first := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	size := uint64(1) << (32 - p.Bits())
	v := first + uint32(4+h%(size-5))
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

func (n *nginxLog) add(conn *connection) {
	s := n.summary
	s.nlb.Connections++
	if conn.status != statusSuccess {
		s.nlb.FailedConnections++
	}
	if conn.attempt > 0 {
		s.nlb.Retries++
	}
	s.nlb.Requests += len(conn.requests)
	if conn.certLogged {
		s.nlbIdentities[conn.client.Index] = true
	}
	n.metrics.addNLBFlow(conn)

	// The generator reuses conn, so keep a copy.
	var saved *connection
	if k := len(n.free); k > 0 {
		saved, n.free = n.free[k-1], n.free[:k-1]
	} else {
		saved = new(connection)
	}
	requests := append(saved.requests[:0], conn.requests...)
	*saved = *conn
	saved.requests = requests
	n.buffered = append(n.buffered, saved)
}

// release numbers and writes the connections that start before to, and the
// health checks in [from, to) (µs). The generator calls it after it has
// drawn the sessions that start before to, so every later connection starts
// at or after to.
func (n *nginxLog) release(from, to int64) {
	slices.SortStableFunc(n.buffered, func(a, b *connection) int { return cmp.Compare(a.start, b.start) })
	ready := 0
	for ready < len(n.buffered) && n.buffered[ready].start < to {
		ready++
	}

	accepts := n.accepts[:0]
	for _, conn := range n.buffered[:ready] {
		accepts = append(accepts, nginxAccept{at: conn.start, instance: n.flowTarget(conn), conn: conn})
	}
	accepts = n.appendHealthChecks(accepts, from, to)
	slices.SortStableFunc(accepts, func(a, b nginxAccept) int { return cmp.Compare(a.at, b.at) })

	for i := range accepts {
		a := &accepts[i]
		inst := &n.instances[a.instance]
		inst.connection++
		if a.conn == nil {
			n.writeHealthCheck(a, inst.connection)
		} else {
			n.writeConnection(a.conn, a.instance, inst.connection)
		}
	}
	n.accepts = accepts

	n.free = append(n.free, n.buffered[:ready]...)
	n.buffered = append(n.buffered[:0], n.buffered[ready:]...)
}

// flowTarget returns the terminator that the NLB sends conn to: a hash of
// the client's address and port. The real NLB hashes the 5-tuple.
func (n *nginxLog) flowTarget(conn *connection) int {
	h := uint64(14695981039346656037)
	for i := 0; i < len(conn.clientIP); i++ {
		h = (h ^ uint64(conn.clientIP[i])) * 1099511628211
	}
	return int(hash3(n.m.cfg.Seed, h, uint64(conn.clientPort)) % uint64(len(n.instances)))
}

// appendHealthChecks appends the health checks in [from, to) (µs): each
// NLB node checks each terminator every healthCheckInterval, at a phase of
// its own.
func (n *nginxLog) appendHealthChecks(accepts []nginxAccept, from, to int64) []nginxAccept {
	period := healthCheckInterval.Microseconds()
	for checker := range n.checkers {
		for instance := range n.instances {
			phase := int64(hash3(n.m.cfg.Seed, 0x6863, uint64(checker)<<32|uint64(instance)) % uint64(period))
			t := phase + floorDiv(from-phase+period-1, period)*period
			for ; t < to; t += period {
				accepts = append(accepts, nginxAccept{at: t, instance: instance, checker: checker})
			}
		}
	}
	return accepts
}

// writeHealthCheck writes the error-log line of a TCP health check, which
// closes the connection a moment after it opens.
func (n *nginxLog) writeHealthCheck(a *nginxAccept, id uint64) {
	at := a.at + 300 + int64(hash3(n.m.cfg.Seed, id, uint64(a.instance))%1500)
	if at >= n.m.end {
		return
	}
	b := n.appendErrorStart(n.line[:0], at, a.instance, id)
	b = append(b, healthCheckMessage+" while SSL handshaking, client: "...)
	b = append(b, n.checkers[a.checker]...)
	b = append(b, ", server: 0.0.0.0:"...)
	b = strconv.AppendInt(b, int64(n.m.cfg.ListenerPort), 10)
	n.line = append(b, '\n')

	t := &n.summary.terminators[a.instance]
	t.healthChecks++
	t.errorLines++
	n.pending.add(kindError, a.instance, at, at, n.line)
}

// writeConnection writes the lines of one client connection that nginx
// numbered id.
func (n *nginxLog) writeConnection(conn *connection, instance int, id uint64) {
	switch {
	case conn.status == statusSuccess:
		n.writeRequests(conn, instance, id)
	case conn.status == statusUnmapped && conn.client.Certificate != nil:
		n.writeHandshakeFailure(conn, instance, id)
	default:
		n.writeRejected(conn, instance, id)
	}
}

// writeRequests writes one access-log line per request on an established
// connection whose certificate verified.
func (n *nginxLog) writeRequests(conn *connection, instance int, id uint64) {
	t := &n.summary.terminators[instance]
	written := 0
	for i := range conn.requests {
		req := &conn.requests[i]
		e := nginxEntry{
			conn:       conn,
			id:         id,
			seq:        i + 1,
			route:      req.route,
			resourceID: req.id,
			verify:     "SUCCESS",
			status:     int(req.elbStatus),
			body:       int(req.body),
		}
		e.msec, e.requestMs, e.upstreamMs = nginxRequestTimes(req)
		switch req.elbStatus {
		case 502:
			e.body = pageBadGW
		case 504:
			e.body = pageGWTimeout
		}
		if e.msec*1000 >= n.m.end {
			break
		}
		n.line = n.appendAccessLine(n.line[:0], &e)
		n.pending.add(kindAccess, instance, e.msec*1000, e.msec*1000, n.line)
		t.accessLines++
		written++
	}
	if written == 0 {
		n.summary.nlb.UnloggedConnections++
		return
	}
	t.byOutcome[outcome.OK]++
}

// nginxRequestTimes returns $msec, $request_time and $upstream_header_time
// of req in ms, with upstreamMs -1 for "-" when no upstream responded (502
// and 504).
func nginxRequestTimes(req *request) (msec, requestMs, upstreamMs int64) {
	requestMs = (req.written - req.created + 999) / 1000
	upstreamMs = -1
	if req.elbStatus != 502 && req.elbStatus != 504 {
		// $request_time runs from the first byte of the request to the
		// log write, so it exceeds the time to the upstream's headers.
		upstreamMs = req.targetTime / 1000
		requestMs = max(requestMs, upstreamMs+1)
	}
	return req.created/1000 + requestMs, requestMs, upstreamMs
}

// nginxRejection is the one request of a connection that nginx rejects
// with 400.
type nginxRejection struct {
	created    int64 // µs, when nginx reads the request and writes the error-log line
	route      uint8
	resourceID uint32
	msec       int64 // the access-log time in ms
}

// drawRejection draws the request of a connection that nginx rejects from
// r, the terminators' random stream. It reports false when nginx would
// write either of its lines at or after end (µs), and then writes neither.
func drawRejection(r *rand.Rand, conn *connection, end int64) (nginxRejection, bool) {
	c := conn.client
	// conn.logged is where the ALB gives up, two thirds into the handshake.
	handshakeDone := conn.start + (conn.logged-conn.start)*3/2
	var rej nginxRejection
	rej.created = handshakeDone + c.rtt/2 + r.Int64N(2000)
	rej.route = c.routes[r.IntN(len(c.routes))]
	rej.resourceID = uint32(100000 + r.IntN(9900000))
	rej.msec = rej.created/1000 + int64(r.IntN(2))
	return rej, rej.created < end && rej.msec*1000 < end
}

// drawHandshakeFailure draws from r, the terminators' random stream, the
// index into nginxHandshakeFailures of a handshake that the client broke off.
func drawHandshakeFailure(r *rand.Rand) int {
	return r.IntN(len(nginxHandshakeFailures))
}

// writeRejected writes a connection whose certificate failed verification
// or that sent none. With ssl_verify_client on, nginx completes the
// handshake, responds to the first request with 400 and closes the
// connection, and logs the reason in the error log when it reads that
// request.
func (n *nginxLog) writeRejected(conn *connection, instance int, id uint64) {
	c := conn.client
	rej, ok := drawRejection(n.rnd, conn, n.m.end)
	if !ok {
		n.summary.nlb.UnloggedConnections++
		return
	}
	created := rej.created
	e := nginxEntry{
		conn:       conn,
		id:         id,
		seq:        1,
		route:      rej.route,
		resourceID: rej.resourceID,
		status:     400,
		upstreamMs: -2,
		msec:       rej.msec,
	}

	var message []byte
	var result outcome.Outcome
	if c.Certificate == nil {
		e.verify = "NONE"
		e.body = pageNoCert
		message = append(message, "client sent no required SSL certificate"...)
		result = outcome.NoCert
	} else {
		v := nginxVerifyErrors[conn.status]
		e.verify = "FAILED:" + v.text
		e.body = pageCertError
		message = append(message, "client SSL certificate verify error: ("...)
		message = strconv.AppendInt(message, int64(v.code), 10)
		message = append(message, ':')
		message = append(message, v.text...)
		message = append(message, ')')
		result = v.outcome
	}

	b := n.appendErrorStart(n.line[:0], created, instance, id)
	b = append(b, message...)
	b = append(b, " while reading client request headers, client: "...)
	b = append(b, conn.clientIP...)
	b = append(b, ", server: "...)
	b = append(b, n.m.cfg.DomainName...)
	b = append(b, `, request: "`...)
	b = appendRequestLine(b, c, e.route, e.resourceID)
	b = append(b, `", host: "`...)
	b = append(b, n.m.cfg.DomainName...)
	n.line = append(b, "\"\n"...)
	n.pending.add(kindError, instance, created, created, n.line)

	n.line = n.appendAccessLine(n.line[:0], &e)
	n.pending.add(kindAccess, instance, e.msec*1000, e.msec*1000, n.line)

	t := &n.summary.terminators[instance]
	t.errorLines++
	t.accessLines++
	t.byOutcome[result]++
}

// writeHandshakeFailure writes the error-log line of a handshake that the
// client broke off. nginx writes no access-log line for it.
func (n *nginxLog) writeHandshakeFailure(conn *connection, instance int, id uint64) {
	failure := &nginxHandshakeFailures[drawHandshakeFailure(n.rnd)]
	if failure.reset {
		n.metrics.addClientReset(conn.logged)
	}
	b := n.appendErrorStart(n.line[:0], conn.logged, instance, id)
	b = append(b, failure.message...)
	b = append(b, " while SSL handshaking, client: "...)
	b = append(b, conn.clientIP...)
	if netip.MustParseAddr(conn.clientIP).Is6() {
		b = append(b, ", server: [::]:"...)
	} else {
		b = append(b, ", server: 0.0.0.0:"...)
	}
	b = strconv.AppendInt(b, int64(n.m.cfg.ListenerPort), 10)
	n.line = append(b, '\n')
	n.pending.add(kindError, instance, conn.logged, conn.logged, n.line)

	t := &n.summary.terminators[instance]
	t.errorLines++
	t.byOutcome[outcome.HandshakeError]++
}

// appendErrorStart appends "2026/03/09 12:00:01 [info] 1234#1234: *56 ",
// the start of an error-log line at t (µs) in ErrorLogLocation.
func (n *nginxLog) appendErrorStart(b []byte, t int64, instance int, id uint64) []byte {
	b = time.UnixMicro(t).In(n.loc).AppendFormat(b, "2006/01/02 15:04:05")
	b = append(b, " [info] "...)
	pid := int64(n.instances[instance].workerPID) + int64(id%nginxWorkers)
	b = strconv.AppendInt(b, pid, 10)
	b = append(b, '#')
	b = strconv.AppendInt(b, pid, 10)
	b = append(b, ": *"...)
	b = strconv.AppendUint(b, id, 10)
	return append(b, ' ')
}

// nginxEntry is one access-log line.
type nginxEntry struct {
	conn       *connection
	id         uint64
	seq        int // $connection_requests
	route      uint8
	resourceID uint32
	verify     string
	status     int
	body       int
	msec       int64 // ms since the Unix epoch
	requestMs  int64
	// upstreamMs is $upstream_header_time in ms, -1 for "-" (no response
	// from the upstream) and -2 for "" (no upstream was tried).
	upstreamMs int64
}

// appendAccessLine appends e as a line of nginx.RecommendedLogFormat, with
// its newline.
func (n *nginxLog) appendAccessLine(b []byte, e *nginxEntry) []byte {
	conn, c := e.conn, e.conn.client
	f := &n.fields[c.Index]

	b = append(b, `{"msec":"`...)
	b = appendMillis(b, e.msec)
	b = append(b, `","connection":"`...)
	b = strconv.AppendUint(b, e.id, 10)
	b = append(b, `","connection_requests":"`...)
	b = strconv.AppendInt(b, int64(e.seq), 10)
	b = append(b, `","remote_addr":"`...)
	b = append(b, conn.clientIP...)
	b = append(b, `","remote_port":"`...)
	b = strconv.AppendInt(b, int64(conn.clientPort), 10)
	b = append(b, `","ssl_protocol":"`...)
	b = append(b, c.tls.protocol...)
	b = append(b, `","ssl_cipher":"`...)
	b = append(b, c.tls.cipher...)
	b = append(b, `","ssl_server_name":"`...)
	if c.SendsSNI {
		b = append(b, n.m.cfg.DomainName...)
	}

	b = append(b, `","ssl_client_verify":"`...)
	b = append(b, e.verify...)
	b = append(b, `","ssl_client_s_dn":"`...)
	b = append(b, f.subject...)
	b = append(b, `","ssl_client_i_dn":"`...)
	b = append(b, f.issuer...)
	b = append(b, `","ssl_client_serial":"`...)
	b = append(b, f.serial...)
	b = append(b, `","ssl_client_v_end":"`...)
	b = append(b, f.notAfter...)

	b = append(b, `","status":"`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `","request_time":"`...)
	b = appendMillis(b, e.requestMs)
	b = append(b, `","upstream_header_time":"`...)
	switch {
	case e.upstreamMs >= 0:
		b = appendMillis(b, e.upstreamMs)
	case e.upstreamMs == -1:
		b = append(b, '-')
	}
	b = append(b, `","request":"`...)
	b = appendRequestLine(b, c, e.route, e.resourceID)
	b = append(b, `","body_bytes_sent":"`...)
	b = strconv.AppendInt(b, int64(e.body), 10)
	b = append(b, `","http_user_agent":"`...)
	b = append(b, f.userAgent...)
	// NOTE: the simulated certificates have no DER encoding, so
	// ssl_client_escaped_cert is written empty, as for a client without a
	// certificate.
	return append(b, `","http_x_forwarded_for":"","ssl_client_escaped_cert":""}`+"\n"...)
}

// appendRequestLine appends nginx's $request: "GET /v1/orders/123 HTTP/1.1".
func appendRequestLine(b []byte, c *client, route uint8, id uint32) []byte {
	rt := &routes[route]
	b = append(b, rt.method...)
	b = append(b, ' ')
	b = appendRequestPath(b, rt, id)
	if c.Behaviour.HTTP2 {
		return append(b, " HTTP/2.0"...)
	}
	return append(b, " HTTP/1.1"...)
}

// appendMillis appends ms milliseconds as seconds with three decimals, as
// nginx writes $msec and $request_time.
func appendMillis(b []byte, ms int64) []byte {
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	return appendPadded(b, ms%1000, 3)
}

// appendJSONText appends s escaped as nginx's escape=json escapes a value:
// a backslash before '"' and '\', and \n, \r, \t, \b, \f or \u00XX for the
// other control characters.
func appendJSONText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"' || ch == '\\':
			b = append(b, '\\', ch)
		case ch == '\n':
			b = append(b, `\n`...)
		case ch == '\r':
			b = append(b, `\r`...)
		case ch == '\t':
			b = append(b, `\t`...)
		case ch == '\b':
			b = append(b, `\b`...)
		case ch == '\f':
			b = append(b, `\f`...)
		case ch < 0x20:
			b = append(b, `\u00`...)
			b = appendHexN(b, uint64(ch), 2)
		default:
			b = append(b, ch)
		}
	}
	return b
}
