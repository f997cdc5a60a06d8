package sim

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
)

// albLog is the sink of the ALB path. It writes one connection-log line per
// connection attempt and one access-log line per request into the pending
// lines of the interval and node they belong to, and counts them.
type albLog struct {
	m       *model
	pending *pendingLines
	summary *counts
	metrics *metricRecorder // nil when the run writes no metrics
	damage  damager
	times   timeFormatter

	elb          string
	targetGroup  string
	quotedCert   string // `"arn:aws:acm:..."`
	quotedDomain string
	urlPrefix    string // "https://<domain>:<port>"
	listenerPort string
	nodeIPs      []string
	certFields   []certFields // by client index

	line []byte
}

// certFields are a client's certificate fields as the connection log writes
// them.
type certFields struct {
	subject  string // quoted
	validity string
	serial   string
}

func newALBLog(m *model, pending *pendingLines, summary *counts, metrics *metricRecorder) *albLog {
	cfg := m.cfg
	w := &albLog{
		m:            m,
		pending:      pending,
		summary:      summary,
		metrics:      metrics,
		damage:       newDamager(cfg),
		elb:          cfg.ELB(),
		targetGroup:  targetGroupARN(cfg),
		quotedCert:   `"` + certificateARN(cfg) + `"`,
		quotedDomain: `"` + cfg.DomainName + `"`,
		urlPrefix:    "https://" + cfg.DomainName + ":" + strconv.Itoa(cfg.ListenerPort),
		listenerPort: strconv.Itoa(cfg.ListenerPort),
	}
	for _, n := range cfg.Nodes {
		w.nodeIPs = append(w.nodeIPs, n.IP)
	}
	w.certFields = make([]certFields, len(m.clients))
	for i := range m.clients {
		cert := m.clients[i].Certificate
		if cert == nil {
			continue
		}
		w.certFields[i] = certFields{
			subject:  `"` + cert.Subject + `"`,
			validity: "NotBefore=" + cert.NotBefore.Format("2006-01-02T15:04:05Z") + ";NotAfter=" + cert.NotAfter.Format("2006-01-02T15:04:05Z"),
			serial:   cert.Serial,
		}
	}
	return w
}

// targetGroupARN returns the ARN of the target group behind the listener.
func targetGroupARN(cfg *Config) string {
	return "arn:aws:elasticloadbalancing:" + cfg.Region + ":" + cfg.AccountID + ":" + cfg.ALBTargetGroup()
}

// certificateARN returns the ARN of the listener's ACM certificate; its
// UUID is derived from the seed.
func certificateARN(cfg *Config) string {
	b := []byte("arn:aws:acm:" + cfg.Region + ":" + cfg.AccountID + ":certificate/")
	hi, lo := hash3(cfg.Seed, 0x6163, 1), hash3(cfg.Seed, 0x6163, 2)
	b = appendHexN(b, hi>>32, 8)
	b = append(b, '-')
	b = appendHexN(b, hi>>16, 4)
	b = append(b, '-')
	b = appendHexN(b, 0x4000|hi&0x0fff, 4)
	b = append(b, '-')
	b = appendHexN(b, 0x8000|lo>>48&0x3fff, 4)
	b = append(b, '-')
	return string(appendHexN(b, lo, 12))
}

func (w *albLog) add(conn *connection) {
	s := w.summary
	s.alb.Connections++
	if conn.status != statusSuccess {
		s.alb.FailedConnections++
	}
	if conn.attempt > 0 {
		s.alb.Retries++
	}
	s.alb.Requests += len(conn.requests)
	w.metrics.addALB(conn)

	w.line = w.appendConnectionLine(w.line[:0], conn)
	connDamage := w.damage.next()
	if connDamage != damageNone {
		w.line = w.damage.apply(connDamage, w.line, 1, 2, 7)
		s.malformedConnection[connDamage]++
	} else {
		s.connectionLines++
		s.connectionsByStatus[conn.status]++
		if conn.certLogged {
			s.albIdentities[conn.client.Index] = true
		}
	}
	w.pending.add(kindConnection, conn.node, conn.logged, conn.logged, w.line)

	for i := range conn.requests {
		req := &conn.requests[i]
		w.line = w.appendAccessLine(w.line[:0], conn, req)
		d := w.damage.next()
		if d != damageNone {
			w.line = w.damage.apply(d, w.line, 2, 3, 12)
			s.malformedAccess[d]++
		} else {
			s.accessLines++
			s.requestsByClass[req.elbStatus/100]++
			if connDamage != damageNone {
				s.accessWithoutConnection++
			}
		}
		w.pending.add(kindAccess, conn.node, req.done, req.written, w.line)
	}
}

// appendConnectionLine appends the 15-field connection-log line of conn,
// with its newline.
func (w *albLog) appendConnectionLine(b []byte, conn *connection) []byte {
	c := conn.client

	// time, client, listener and TLS parameters
	b = w.times.appendMicro(b, conn.logged)
	b = append(b, ' ')
	b = append(b, conn.clientIP...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(conn.clientPort), 10)
	b = append(b, ' ')
	b = append(b, w.listenerPort...)
	b = append(b, ' ')
	b = append(b, c.tls.protocol...)
	b = append(b, ' ')
	b = append(b, c.tls.cipher...)
	b = append(b, ' ')
	if conn.handshake < 0 {
		b = append(b, '-')
	} else {
		b = appendSeconds(b, conn.handshake)
	}
	b = append(b, ' ')

	// NOTE: a connection without a certificate is written with the quoted
	// placeholder "-" in the subject field, as the access log writes empty
	// quoted fields. The AWS page read shows no such line.
	if conn.certLogged {
		f := &w.certFields[c.Index]
		b = append(b, f.subject...)
		b = append(b, ' ')
		b = append(b, f.validity...)
		b = append(b, ' ')
		b = append(b, f.serial...)
	} else {
		b = append(b, `"-" - -`...)
	}

	// tls_verify_status, conn_trace_id, tls_keyexchange, elb, ip_address
	b = append(b, ' ')
	b = append(b, verifyStatusText[conn.status]...)
	b = append(b, " TID_"...)
	b = appendHex64(b, conn.traceID[0])
	b = appendHex64(b, conn.traceID[1])
	b = append(b, ' ')
	b = append(b, c.tls.keyExchange...)
	b = append(b, ' ')
	b = append(b, w.elb...)
	b = append(b, ' ')
	b = append(b, w.nodeIPs[conn.node]...)
	return append(b, '\n')
}

// appendAccessLine appends the 33-field access-log line of one request on
// conn, with its newline.
func (w *albLog) appendAccessLine(b []byte, conn *connection, req *request) []byte {
	c := conn.client
	rt := &routes[req.route]
	target := w.m.cfg.Targets[req.target]

	// Fields 1 to 12: type, time, addresses, timings, status codes, sizes.
	if c.Behaviour.HTTP2 {
		b = append(b, "h2 "...)
	} else {
		b = append(b, "https "...)
	}
	b = w.times.appendMicro(b, req.done)
	b = append(b, ' ')
	b = append(b, w.elb...)
	b = append(b, ' ')
	b = append(b, conn.clientIP...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(conn.clientPort), 10)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, ' ')
	b = appendSeconds(b, req.requestTime)
	b = append(b, ' ')
	b = appendSeconds(b, req.targetTime)
	b = append(b, ' ')
	b = appendSeconds(b, req.responseTime)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(req.elbStatus), 10)
	b = append(b, ' ')
	if req.targetStatus == 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, int64(req.targetStatus), 10)
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(req.received), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(req.sent), 10)

	// request: "METHOD https://host:port/path HTTP/version"
	b = append(b, " \""...)
	b = append(b, rt.method...)
	b = append(b, ' ')
	b = append(b, w.urlPrefix...)
	b = appendRequestPath(b, rt, req.id)
	if c.Behaviour.HTTP2 {
		b = append(b, " HTTP/2.0\" \""...)
	} else {
		b = append(b, " HTTP/1.1\" \""...)
	}
	if c.UserAgent == "" {
		b = append(b, '-')
	} else {
		b = append(b, c.UserAgent...)
	}
	b = append(b, "\" "...)
	b = append(b, c.tls.cipher...)
	b = append(b, ' ')
	b = append(b, c.tls.protocol...)
	b = append(b, ' ')
	b = append(b, w.targetGroup...)
	b = append(b, " \""...)
	b = w.appendTraceID(b, c, req)
	b = append(b, "\" "...)
	if c.SendsSNI {
		b = append(b, w.quotedDomain...)
	} else {
		b = append(b, `"-"`...)
	}
	b = append(b, ' ')
	b = append(b, w.quotedCert...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(rt.priority), 10)
	b = append(b, ' ')
	b = w.times.appendMilliPadded(b, req.created)

	// actions_executed, redirect_url, error_reason, then the target lists.
	b = append(b, ` "forward" "-" "-" "`...)
	b = append(b, target...)
	b = append(b, `" "`...)
	if req.targetStatus == 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, int64(req.targetStatus), 10)
	}
	if c.nonCompliant {
		b = append(b, `" "Acceptable" "NonCompliantHeader" TID_`...)
	} else {
		b = append(b, `" "-" "-" TID_`...)
	}
	b = appendHex64(b, conn.traceID[0])
	b = appendHex64(b, conn.traceID[1])
	return append(b, ` "-" "-" "-"`+"\n"...)
}

// appendRequestPath appends the path and query of a request on rt for the
// resource id.
func appendRequestPath(b []byte, rt *route, id uint32) []byte {
	b = append(b, rt.path...)
	if rt.idParam {
		if rt.path[len(rt.path)-1] != '=' {
			b = append(b, '/')
		}
		b = strconv.AppendUint(b, uint64(id), 10)
		b = append(b, rt.suffix...)
	}
	return b
}

// appendTraceID appends the X-Amzn-Trace-Id value: "Root=1-<time>-<id>", or
// with a "Self=" part before the client's own Root when the client sent the
// header.
func (w *albLog) appendTraceID(b []byte, c *client, req *request) []byte {
	if c.traceHeader {
		b = append(b, "Self=1-"...)
		b = appendHexN(b, uint64(req.traceSecond), 8)
		b = append(b, '-')
		self := mix64(req.trace[0] ^ req.trace[1])
		b = appendHex64(b, self)
		b = appendHexN(b, mix64(self), 8)
		b = append(b, ';')
	}
	b = append(b, "Root=1-"...)
	b = appendHexN(b, uint64(req.traceSecond), 8)
	b = append(b, '-')
	b = appendHexN(b, req.trace[0], 16)
	return appendHexN(b, req.trace[1], 8)
}

// damageKind is a way a line is written damaged.
type damageKind uint8

const (
	damageNone damageKind = iota
	// damageTruncated cuts the line inside its leading unquoted fields, so
	// it has too few fields for any version of the format.
	damageTruncated
	// damageUnterminatedQuote drops the closing quote of the line's last
	// quoted field, so the line ends inside a quoted field.
	damageUnterminatedQuote
	// damageBadTimestamp puts an out-of-range hour, month or day into the
	// line's time field.
	damageBadTimestamp
)

// damager picks the lines to damage. It draws the gap to the next damaged
// line from a geometric distribution, which damages each line independently
// with probability rate while drawing once per damaged line.
type damager struct {
	rnd  *rand.Rand
	rate float64
	gap  int64 // undamaged lines before the next damaged one
}

func newDamager(cfg *Config) damager {
	d := damager{rnd: newRand(cfg.Seed, streamDamage), rate: cfg.MalformedRate}
	d.gap = d.drawGap()
	return d
}

func (d *damager) drawGap() int64 {
	if d.rate <= 0 {
		return math.MaxInt64
	}
	u := 1 - d.rnd.Float64() // in (0, 1]
	return int64(math.Log(u) / math.Log1p(-d.rate))
}

// next returns how to damage the next line: damageNone for most lines.
func (d *damager) next() damageKind {
	if d.gap > 0 {
		d.gap--
		return damageNone
	}
	d.gap = d.drawGap()
	return damageKind(1 + d.rnd.IntN(3))
}

// apply damages line, which ends in a newline, and returns it. timeField is
// the 1-indexed number of the time field. A truncated line keeps at least
// part of field firstCut and nothing after field lastCut, and both must be
// unquoted fields.
func (d *damager) apply(kind damageKind, line []byte, timeField, firstCut, lastCut int) []byte {
	body := line[:len(line)-1]
	switch kind {
	case damageTruncated:
		lo := fieldStart(body, firstCut)
		hi := fieldStart(body, lastCut+1) - 1 // the space after lastCut
		cut := lo + 1 + d.rnd.IntN(hi-lo-1)
		if body[cut-1] == ' ' {
			cut--
		}
		body = body[:cut]
	case damageUnterminatedQuote:
		i := bytes.LastIndexByte(body, '"')
		body = append(body[:i], body[i+1:]...)
	case damageBadTimestamp:
		t := body[fieldStart(body, timeField):]
		switch d.rnd.IntN(3) {
		case 0:
			copy(t[11:13], "25")
		case 1:
			copy(t[5:7], "13")
		default:
			copy(t[8:10], "32")
		}
	}
	return append(body, '\n')
}

// fieldStart returns the offset of the 1-indexed field n in a line whose
// first n-1 fields are unquoted.
func fieldStart(line []byte, n int) int {
	off := 0
	for range n - 1 {
		off += bytes.IndexByte(line[off:], ' ') + 1
	}
	return off
}
