package main

import (
	"context"
	"slices"
	"time"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/internal/sim"
)

// lookInterval is how often the simulated gate looks.
const lookInterval = 5 * time.Minute

// handshakeKey groups connections as query analyze_handshakes does.
type handshakeKey struct {
	path    string
	client  string
	outcome outcome.Outcome
	reason  string
}

// clientKey is one client on one path.
type clientKey struct {
	path, client string
}

// bin holds the records whose time falls in one look interval.
type bin struct {
	handshakes map[handshakeKey]*analyze.HandshakeGroup
	requests   map[clientKey]*analyze.RequestCounts
	times      map[clientKey]map[float64]int
}

func newBin() *bin {
	return &bin{
		handshakes: map[handshakeKey]*analyze.HandshakeGroup{},
		requests:   map[clientKey]*analyze.RequestCounts{},
		times:      map[clientKey]map[float64]int{},
	}
}

// recording is one simulated run reduced to bins of lookInterval.
type recording struct {
	start time.Time
	bins  []*bin
}

// record runs the simulator and bins its records the way the store's
// analyze queries group rows.
func record(ctx context.Context, cfg sim.Config) (*recording, error) {
	n := int(cfg.Duration / lookInterval)
	r := &recording{start: cfg.Start, bins: make([]*bin, n)}
	for i := range r.bins {
		r.bins[i] = newBin()
	}
	err := sim.Records(ctx, cfg, func(c *sim.Connection) error {
		if !c.Logged {
			return nil
		}
		client := clientOf(c)
		b := r.binOf(c.Time)
		if b == nil {
			return nil
		}
		hk := handshakeKey{c.Path, client.Key, c.Outcome, c.Reason}
		g := b.handshakes[hk]
		if g == nil {
			g = &analyze.HandshakeGroup{Path: c.Path, Client: client, Outcome: c.Outcome, Reason: c.Reason, First: c.Time, Last: c.Time}
			b.handshakes[hk] = g
		}
		g.Count++
		if c.Time.Before(g.First) {
			g.First = c.Time
		}
		if c.Time.After(g.Last) {
			g.Last = c.Time
		}
		for _, req := range c.Requests {
			rb := r.binOf(req.Time)
			if rb == nil {
				continue
			}
			ck := clientKey{c.Path, client.Key}
			rc := rb.requests[ck]
			if rc == nil {
				rc = &analyze.RequestCounts{Path: c.Path, Client: client}
				rb.requests[ck] = rc
			}
			rc.Requests++
			switch req.Status / 100 {
			case 5:
				rc.Status5xx++
			case 4:
				rc.Status4xx++
			}
			if req.HeaderSeconds >= 0 {
				m := rb.times[ck]
				if m == nil {
					m = map[float64]int{}
					rb.times[ck] = m
				}
				m[req.HeaderSeconds]++
			}
		}
		return nil
	})
	return r, err
}

// clientOf returns the identity the store's queries give a connection.
func clientOf(c *sim.Connection) analyze.Client {
	if c.Subject == "" && c.Serial == "" {
		return analyze.Client{Key: "ip:" + c.ClientIP, IP: c.ClientIP}
	}
	return analyze.Client{Key: c.Subject + " / " + c.Serial, Subject: c.Subject, Serial: c.Serial}
}

// binOf returns the bin of t, or nil outside the run.
func (r *recording) binOf(t time.Time) *bin {
	i := int(t.Sub(r.start) / lookInterval)
	if i < 0 || i >= len(r.bins) {
		return nil
	}
	return r.bins[i]
}

// accumulator sums bins as looks advance.
type accumulator struct {
	bin
	clients map[string]analyze.Client
}

func newAccumulator() *accumulator {
	return &accumulator{bin: *newBin(), clients: map[string]analyze.Client{}}
}

// add adds one bin.
func (a *accumulator) add(b *bin) {
	for k, g := range b.handshakes {
		s := a.handshakes[k]
		if s == nil {
			c := *g
			a.handshakes[k] = &c
			continue
		}
		s.Count += g.Count
		if g.First.Before(s.First) {
			s.First = g.First
		}
		if g.Last.After(s.Last) {
			s.Last = g.Last
		}
	}
	for k, rc := range b.requests {
		s := a.requests[k]
		if s == nil {
			c := *rc
			a.requests[k] = &c
			continue
		}
		s.Requests += rc.Requests
		s.Status5xx += rc.Status5xx
		s.Status4xx += rc.Status4xx
	}
	for k, m := range b.times {
		s := a.times[k]
		if s == nil {
			s = map[float64]int{}
			a.times[k] = s
			a.clients[k.client] = b.requests[k].Client
		}
		for v, n := range m {
			s[v] += n
		}
	}
}

// inputs returns the accumulated rows as analyze.Inputs for the window, with
// every source fresh and no gaps: the evaluation judges the statistics, not
// log delivery.
func (a *accumulator) inputs(w analyze.Window) analyze.Inputs {
	in := analyze.Inputs{Window: w, Mode: analyze.ModeVerify}
	var albRows, nlbRows int
	for _, g := range a.handshakes {
		in.Handshakes = append(in.Handshakes, *g)
		if g.Path == analyze.PathALB {
			albRows += g.Count
		} else {
			nlbRows += g.Count
		}
	}
	for _, rc := range a.requests {
		in.Requests = append(in.Requests, *rc)
	}
	for k, m := range a.times {
		ht := analyze.HeaderTimes{Path: k.path, Client: a.clients[k.client]}
		ht.Seconds = make([]float64, 0, len(m))
		for v := range m {
			ht.Seconds = append(ht.Seconds, v)
		}
		slices.Sort(ht.Seconds)
		ht.Counts = make([]int, len(ht.Seconds))
		for i, v := range ht.Seconds {
			ht.Counts[i] = m[v]
		}
		in.HeaderTimes = append(in.HeaderTimes, ht)
	}
	newest := w.To.Add(-time.Second)
	in.Sources = []analyze.Source{
		{Kind: "alb_connection", Name: "app/sim", Path: analyze.PathALB, Newest: newest, Rows: max(albRows, 1)},
		{Kind: "terminator_nginx", Name: "sim", Log: "access", Path: analyze.PathNLB, Newest: newest, Rows: max(nlbRows, 1)},
	}
	return in
}
