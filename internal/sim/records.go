package sim

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// The values of Connection.Path, as the store's path column holds them.
const (
	PathALB = "alb"
	PathNLB = "nlb"
)

// Connection is one connection attempt as the logs show it after ingest:
// the row that the store's view tls_handshakes holds for it, with the rows
// of view requests that belong to it.
type Connection struct {
	// Path is PathALB or PathNLB.
	Path string
	// Time is the time of the connection's row in tls_handshakes. On the ALB
	// it is the connection-log time (µs), when the handshake completed or
	// failed. On the NLB it is the access-log time (ms) of the first request
	// for a connection that nginx accepted or rejected with 400, and the
	// error-log time (whole seconds, read back in
	// Config.ErrorLogLocation) for a handshake that the client broke off.
	// For a connection that is not Logged, it is the handshake's end (µs)
	// or the time of the 400 response that came too late.
	Time time.Time
	// Subject and Serial are the canonical leaf subject DN
	// (identity.CanonicalDN) and serial (identity.CanonicalSerial) of the
	// certificate that the log names, or "" when it names none.
	Subject string
	Serial  string
	// ClientIP is the client's address as logged.
	ClientIP string
	// Outcome is the taxonomy word that ingest derives from Reason.
	Outcome outcome.Outcome
	// Reason is the raw value of the store's reason_raw column: the ALB's
	// tls_verify_status, or what the nginx parsers store in verify_raw
	// ($ssl_client_verify, or the error-log message of a broken-off
	// handshake).
	Reason string
	// Requests are the connection's requests in the order the client sent
	// them, as view requests holds them. On the NLB path a connection that
	// nginx rejected has its one request with status 400.
	Requests []Request

	// Logged is false when the logs have no row for the connection, so
	// ingest never reads it. That happens on the NLB path when an
	// established connection's first request, or a rejected connection's 400
	// response, would be logged after the end of the run. Every ALB
	// connection is logged.
	Logged bool
	// Client is the Identity.Index of the client, and Cohort the name of
	// its cohort (Cohort.String).
	Client int
	Cohort string
	// Attempt is 0 for a client's first attempt of a session and n for its
	// nth retry after a failed handshake.
	Attempt int
}

// Request is one request as view requests holds it.
type Request struct {
	// Time is the access-log time: the ALB's time field (µs), or nginx's
	// $msec (ms).
	Time time.Time
	// Status is the ALB's elb_status_code or nginx's $status.
	Status int
	// HeaderSeconds is the ALB's target_processing_time or nginx's
	// $upstream_header_time in seconds at the millisecond resolution of the
	// log, and -1 when the log has none: the ALB's -1, and nginx's "-" or
	// empty value. Ingest stores those as NULL.
	HeaderSeconds float64
}

// Records runs cfg like Run, but instead of writing objects passes every
// connection attempt, with its requests, to fn in the order the generator
// produces them. The connections and requests are those of Run with the
// same cfg, drawn from the same random streams, and hold the values that
// ingest reads from Run's logs.
//
// fn may use the Connection, and its Requests, only until it returns,
// because Records reuses their memory. Records stops at the first error of
// fn or when ctx ends, and returns that error. After an error of fn, Records
// still generates the rest of the current 5-minute interval, but does not
// call fn again.
//
// NOTE: Records ignores Config.MalformedRate and passes every connection as
// if no line were damaged. Which lines Run damages depends on the lengths
// of the formatted lines, so Records cannot tell without formatting them.
// The ALB's connections and requests whose lines Run damages are ones that
// ingest rejects, so compare Records with logs of a run whose rate is 0.
func Records(ctx context.Context, cfg Config, fn func(*Connection) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.Start = cfg.Start.UTC()

	m := newModel(&cfg)
	sink, err := newRecordSink(m, fn)
	if err != nil {
		return err
	}
	gen := newGenerator(m, sink, sink)

	first, last := intervalOf(m.start), intervalOf(m.end-1)
	for index := first; index <= last; index++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		from := max(index*intervalSeconds*1e6, m.start)
		to := min((index+1)*intervalSeconds*1e6, m.end)
		if err := gen.generate(from, to); err != nil {
			return err
		}
		sink.release(to)
		if sink.err != nil {
			return sink.err
		}
	}
	if n := len(sink.queue); n != 0 {
		return fmt.Errorf("sim: internal error: %d connections still wait for nginx after the run", n)
	}
	return nil
}

// recordClient is a client's values as the logs show them.
type recordClient struct {
	subject, serial string // canonical, "" without a certificate
	cohort          string
	// nginxVerify is $ssl_client_verify of a connection that nginx rejects,
	// by verifyStatus: "NONE" without a certificate, else "FAILED:<reason>".
	nginxVerify *[len(verifyStatusText)]string
}

// recordReason is a raw reason with the outcome that ingest maps it to.
type recordReason struct {
	raw     string
	outcome outcome.Outcome
}

// pendingRecord is an NLB connection whose record waits for draws from
// the terminators' random stream.
type pendingRecord struct {
	rec *Connection
	seq uint64 // the record's number in the queue
	// conn holds the fields of the generator's connection that the draws
	// read. Its requests are not kept.
	conn connection
}

// recordSink is the sink of both paths for Records. It converts each
// connection into a Connection and passes it to fn, or queues it while an
// earlier NLB connection waits for nginx.
//
// nginx draws the 400 response of a rejected connection, and the message
// of a broken-off handshake, from the terminators' random stream in the
// order it accepts the connections, which is the order of their start
// times, not the generator's. recordSink makes the same draws in the same
// order as nginxLog.release, and holds back the connections that follow a
// connection that waits, so that fn still receives them in the generator's
// order.
type recordSink struct {
	m   *model
	fn  func(*Connection) error
	err error
	rnd *rand.Rand // the terminators' random stream
	loc *time.Location

	clients []recordClient
	// albReasons are the ALB's reasons by verifyStatus, with the outcome
	// for a line without and with certificate fields.
	albReasons [len(verifyStatusText)][2]recordReason
	// nginxOutcomes are the outcomes of the $ssl_client_verify values that
	// the simulated nginx writes.
	nginxOutcomes map[string]outcome.Outcome
	// handshakeFailures are the error-log messages of
	// nginxHandshakeFailures as the nginx error-log reader stores them.
	handshakeFailures []recordReason

	// scratch is the record passed straight to fn when nothing waits.
	scratch Connection
	// queue holds the records, in the generator's order, from the first
	// one that waits for nginx. Each queued record gets the next number,
	// from queueHead for queue[0] on.
	queue     []*Connection
	queueHead uint64
	// arena holds the requests of the queued records, so that they do not
	// need memory of their own. arenaNeeded counts the requests queued
	// since the queue was last empty, fitting in the arena or not.
	arena       []Request
	arenaNeeded int
	// waiting are the queued NLB connections that wait for nginx, in the
	// order nginxLog.release would see them.
	waiting []pendingRecord
	free    []*Connection
}

func newRecordSink(m *model, fn func(*Connection) error) (*recordSink, error) {
	cfg := m.cfg
	s := &recordSink{
		m:             m,
		fn:            fn,
		rnd:           newRand(cfg.Seed, streamTerminators),
		loc:           cfg.ErrorLogLocation,
		nginxOutcomes: make(map[string]outcome.Outcome),
	}
	// Advance the stream past the draws of newNginxLog.
	newNginxInstances(cfg, s.rnd)

	for status, text := range verifyStatusText {
		for hasCert := range 2 {
			s.albReasons[status][hasCert] = recordReason{text, outcome.FromALB(text, hasCert == 1)}
		}
	}

	var failedVerify, noCertVerify [len(verifyStatusText)]string
	for status := range verifyStatusText {
		noCertVerify[status] = "NONE"
		if text := nginxVerifyErrors[status].text; text != "" {
			failedVerify[status] = "FAILED:" + text
		}
	}
	for _, v := range append(failedVerify[:], "NONE", "SUCCESS") {
		if v != "" {
			s.nginxOutcomes[v] = outcome.FromNginx(v)
		}
	}

	for _, f := range nginxHandshakeFailures {
		reason, err := readHandshakeFailure(f.message)
		if err != nil {
			return nil, err
		}
		s.handshakeFailures = append(s.handshakeFailures, reason)
	}

	s.clients = make([]recordClient, len(m.clients))
	for i := range m.clients {
		c := &m.clients[i]
		rc := &s.clients[i]
		rc.cohort = c.Cohort.String()
		rc.nginxVerify = &noCertVerify
		if c.Certificate == nil {
			continue
		}
		rc.nginxVerify = &failedVerify
		// Ingest stores NULL for a DN or serial that does not parse.
		if dn, err := identity.CanonicalDN(c.Certificate.Subject); err == nil {
			rc.subject = dn
		}
		if serial, err := identity.CanonicalSerial(c.Certificate.Serial); err == nil {
			rc.serial = serial
		}
	}
	return s, nil
}

// readHandshakeFailure returns the verify_raw value and outcome that the
// nginx error-log reader stores for a line with message, the one mapping
// that package outcome does not export.
func readHandshakeFailure(message string) (recordReason, error) {
	line := "2026/01/01 00:00:00 [info] 1000#1000: *1 " + message + " while SSL handshaking, client: 192.0.2.1, server: 0.0.0.0:443\n"
	var rec terminator.Record
	if err := nginx.NewErrorReader(strings.NewReader(line)).Read(&rec); err != nil {
		return recordReason{}, fmt.Errorf("sim: internal error: the nginx error-log reader rejects the simulated line %q: %w", line, err)
	}
	return recordReason{rec.VerifyRaw.String, outcome.Outcome(rec.Outcome)}, nil
}

func (s *recordSink) add(conn *connection) {
	if s.err != nil {
		return
	}
	// A record that needs draws that nginx makes later waits in the queue,
	// and so does every record after it.
	waits := conn.path == pathNLB && conn.status != statusSuccess
	rec := &s.scratch
	if waits || len(s.queue) > 0 {
		rec = s.newRecord()
	}
	s.fill(rec, conn)
	queued := rec != &s.scratch
	if queued {
		rec.Requests = s.arena[len(s.arena):len(s.arena)]
	}

	switch {
	case conn.path == pathALB:
		s.fillALB(rec, conn)
	case conn.status == statusSuccess:
		s.fillNLBEstablished(rec, conn)
	default:
		s.fillNLBFailedIdentity(rec, conn)
	}

	if !queued {
		s.call(rec)
		return
	}
	// The requests went into the arena unless they did not fit, and then
	// into memory of their own.
	n := len(s.arena)
	if k := len(rec.Requests); k <= cap(s.arena)-n {
		s.arena = s.arena[:n+k]
		rec.Requests = rec.Requests[:k:k]
	}
	s.arenaNeeded += len(rec.Requests)
	if waits {
		p := pendingRecord{rec: rec, seq: s.queueHead + uint64(len(s.queue)), conn: *conn}
		p.conn.requests = nil
		s.waiting = append(s.waiting, p)
	}
	s.queue = append(s.queue, rec)
}

// newRecord returns a record from the free list, or a new one.
func (s *recordSink) newRecord() *Connection {
	if k := len(s.free); k > 0 {
		rec := s.free[k-1]
		s.free = s.free[:k-1]
		return rec
	}
	return new(Connection)
}

// fill fills the fields that both paths log alike and resets the others.
func (s *recordSink) fill(rec *Connection, conn *connection) {
	rc := &s.clients[conn.client.Index]
	*rec = Connection{
		ClientIP: conn.clientIP,
		Requests: rec.Requests[:0],
		Logged:   true,
		Client:   conn.client.Index,
		Cohort:   rc.cohort,
		Attempt:  conn.attempt,
	}
}

func (s *recordSink) fillALB(rec *Connection, conn *connection) {
	rec.Path = PathALB
	rec.Time = time.UnixMicro(conn.logged).UTC()
	if conn.certLogged {
		rc := &s.clients[conn.client.Index]
		rec.Subject, rec.Serial = rc.subject, rc.serial
	}
	// Ingest counts a certificate as logged when its subject or serial
	// parses.
	hasCert := 0
	if rec.Subject != "" || rec.Serial != "" {
		hasCert = 1
	}
	reason := &s.albReasons[conn.status][hasCert]
	rec.Reason, rec.Outcome = reason.raw, reason.outcome

	for i := range conn.requests {
		req := &conn.requests[i]
		seconds := -1.0
		if req.targetTime >= 0 {
			seconds = albSeconds(req.targetTime)
		}
		rec.Requests = append(rec.Requests, Request{
			Time:          time.UnixMicro(req.done).UTC(),
			Status:        int(req.elbStatus),
			HeaderSeconds: seconds,
		})
	}
}

// albSeconds returns a duration of us µs (not negative) as the ALB log
// writes it, rounded to the millisecond as appendSeconds rounds it.
func albSeconds(us int64) float64 {
	return float64((us+500)/1000) / 1000
}

// fillNLBEstablished fills the record of a connection whose certificate
// nginx verified, from the access-log lines that nginxLog.writeRequests
// writes.
func (s *recordSink) fillNLBEstablished(rec *Connection, conn *connection) {
	rc := &s.clients[conn.client.Index]
	rec.Path = PathNLB
	rec.Subject, rec.Serial = rc.subject, rc.serial
	rec.Reason = "SUCCESS"
	rec.Outcome = s.nginxOutcomes[rec.Reason]

	for i := range conn.requests {
		msec, _, upstreamMs := nginxRequestTimes(&conn.requests[i])
		if msec*1000 >= s.m.end {
			break
		}
		seconds := -1.0
		if upstreamMs >= 0 {
			seconds = float64(upstreamMs) / 1000
		}
		rec.Requests = append(rec.Requests, Request{
			Time:          time.UnixMilli(msec).UTC(),
			Status:        int(conn.requests[i].elbStatus),
			HeaderSeconds: seconds,
		})
	}
	if len(rec.Requests) == 0 {
		rec.Logged = false
		rec.Time = time.UnixMicro(conn.logged).UTC()
		return
	}
	rec.Time = rec.Requests[0].Time
}

// fillNLBFailedIdentity fills what the logs show of a connection that
// nginx rejects or whose handshake the client broke off, before the draws.
func (s *recordSink) fillNLBFailedIdentity(rec *Connection, conn *connection) {
	rec.Path = PathNLB
	if isHandshakeFailure(conn) {
		// The error-log line names no certificate.
		return
	}
	rc := &s.clients[conn.client.Index]
	rec.Subject, rec.Serial = rc.subject, rc.serial
	rec.Reason = rc.nginxVerify[conn.status]
	rec.Outcome = s.nginxOutcomes[rec.Reason]
}

// isHandshakeFailure reports whether nginx logs conn as a handshake that
// the client broke off, as nginxLog.writeConnection decides.
func isHandshakeFailure(conn *connection) bool {
	return conn.status == statusUnmapped && conn.client.Certificate != nil
}

// release makes the draws of the waiting connections that start before to
// (µs), as nginxLog.release does after the generator has drawn the
// sessions that start before to, then passes the complete records at the
// head of the queue to fn.
func (s *recordSink) release(to int64) {
	slices.SortStableFunc(s.waiting, func(a, b pendingRecord) int { return cmp.Compare(a.conn.start, b.conn.start) })
	ready := 0
	for ready < len(s.waiting) && s.waiting[ready].conn.start < to {
		ready++
	}
	for i := range s.waiting[:ready] {
		s.draw(&s.waiting[i])
	}
	s.waiting = append(s.waiting[:0], s.waiting[ready:]...)

	// The earliest waiting record, if any, holds back the records after it.
	complete := len(s.queue)
	for _, p := range s.waiting {
		complete = min(complete, int(p.seq-s.queueHead))
	}
	for _, rec := range s.queue[:complete] {
		if s.err == nil {
			s.call(rec)
		}
		rec.Requests = nil
		s.free = append(s.free, rec)
	}
	s.queue = append(s.queue[:0], s.queue[complete:]...)
	s.queueHead += uint64(complete)

	// No queued record refers to the arena any more.
	if len(s.queue) == 0 {
		if s.arenaNeeded > cap(s.arena) {
			s.arena = make([]Request, 0, s.arenaNeeded+s.arenaNeeded/4)
		}
		s.arena = s.arena[:0]
		s.arenaNeeded = 0
	}
}

// draw completes the record of a waiting connection with the draws that
// nginxLog.writeConnection makes for it.
func (s *recordSink) draw(p *pendingRecord) {
	rec, conn := p.rec, &p.conn
	if isHandshakeFailure(conn) {
		reason := &s.handshakeFailures[drawHandshakeFailure(s.rnd)]
		rec.Reason, rec.Outcome = reason.raw, reason.outcome
		rec.Time = errorLogTime(conn.logged, s.loc)
		return
	}

	rej, ok := drawRejection(s.rnd, conn, s.m.end)
	rec.Time = time.UnixMilli(rej.msec).UTC()
	if !ok {
		rec.Logged = false
		return
	}
	rec.Requests = append(rec.Requests, Request{Time: rec.Time, Status: 400, HeaderSeconds: -1})
}

// errorLogTime returns the time that the nginx error-log reader reads from
// a line written at us (µs) in loc: the local time to the second, read back
// in loc. In the hour that repeats when daylight saving time ends, both
// pick the same one of the two instants, as time.Date does.
func errorLogTime(us int64, loc *time.Location) time.Time {
	t := time.UnixMicro(us).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc).UTC()
}

func (s *recordSink) call(rec *Connection) {
	if err := s.fn(rec); err != nil {
		s.err = err
	}
}
