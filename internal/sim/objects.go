package sim

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// ObjectWriter stores the objects of a run, such as an S3 bucket or a
// folder.
type ObjectWriter interface {
	// WriteObject stores body under key, a slash-separated S3 key. body is
	// valid only during the call: Run reuses its memory for later objects.
	// Run never calls WriteObject concurrently, but may call it from another
	// goroutine than its own.
	WriteObject(ctx context.Context, key string, body []byte) error
}

// DirWriter is an ObjectWriter that writes each object to a file under Root,
// with the key as its relative path.
type DirWriter struct {
	Root string
}

// WriteObject writes body to Root/key, creating the folders the key names.
func (d DirWriter) WriteObject(ctx context.Context, key string, body []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rel := filepath.FromSlash(key)
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("sim: invalid object key %q: want a relative path without \"..\"", key)
	}
	name := filepath.Join(d.Root, rel)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("sim: write object %s: %w", key, err)
	}
	if err := os.WriteFile(name, body, 0o644); err != nil {
		return fmt.Errorf("sim: write object %s: %w", key, err)
	}
	return nil
}

// logKind is the kind of log a line or object belongs to.
type logKind uint8

const (
	kindAccess logKind = iota
	kindConnection
	// kindError is a terminator's nginx error log. ALB objects have only
	// the other two kinds.
	kindError

	numLogKinds
)

// intervalSeconds is the length of the logging interval: each node delivers
// its entries every 5 minutes.
const intervalSeconds = 300

// intervalOf returns the number of the 5-minute interval that contains t
// (µs). Interval n covers [n*300 s, (n+1)*300 s) since the Unix epoch.
func intervalOf(t int64) int64 { return floorDiv(t, intervalSeconds*1e6) }

// lineRef locates one line in an interval's blocks. key orders the lines
// of an object.
type lineRef struct {
	key   int64
	block uint32
	off   uint32
	n     uint32
}

// blockSize is the size of the blocks that hold pending lines. Fixed blocks
// avoid copying a large buffer every time it grows.
const blockSize = 1 << 20

// intervalLines holds the lines of one interval for every node until the
// interval is complete.
type intervalLines struct {
	index  int64
	blocks [][]byte
	refs   [numLogKinds][][]lineRef // by logKind, then by node or terminator
}

// line returns the text of ref.
func (il *intervalLines) line(ref lineRef) []byte {
	return il.blocks[ref.block][ref.off : ref.off+ref.n]
}

// pendingLines holds the intervals that still receive lines. Lines land in
// the interval of their time, which for requests on long keep-alive
// connections is later than the interval their connection started in.
type pendingLines struct {
	nodes      int
	open       map[int64]*intervalLines
	free       []*intervalLines
	freeBlocks [][]byte
}

func newPendingLines(nodes int) *pendingLines {
	return &pendingLines{nodes: nodes, open: make(map[int64]*intervalLines)}
}

// add copies line into the interval that contains t (µs). key orders lines
// within an object.
func (p *pendingLines) add(kind logKind, node int, t, key int64, line []byte) {
	index := intervalOf(t)
	il := p.open[index]
	if il == nil {
		il = p.newInterval(index)
		p.open[index] = il
	}
	last := len(il.blocks) - 1
	if last < 0 || len(il.blocks[last])+len(line) > cap(il.blocks[last]) {
		il.blocks = append(il.blocks, p.newBlock(len(line)))
		last++
	}
	block := il.blocks[last]
	ref := lineRef{key: key, block: uint32(last), off: uint32(len(block)), n: uint32(len(line))}
	il.blocks[last] = append(block, line...)
	il.refs[kind][node] = append(il.refs[kind][node], ref)
}

// newBlock returns an empty block that holds at least size bytes.
func (p *pendingLines) newBlock(size int) []byte {
	if size > blockSize {
		return make([]byte, 0, size)
	}
	if n := len(p.freeBlocks); n > 0 {
		b := p.freeBlocks[n-1]
		p.freeBlocks = p.freeBlocks[:n-1]
		return b[:0]
	}
	return make([]byte, 0, blockSize)
}

func (p *pendingLines) newInterval(index int64) *intervalLines {
	var il *intervalLines
	if n := len(p.free); n > 0 {
		il, p.free = p.free[n-1], p.free[:n-1]
	} else {
		il = &intervalLines{}
		for k := range il.refs {
			il.refs[k] = make([][]lineRef, p.nodes)
		}
	}
	il.index = index
	for k := range il.refs {
		for n := range il.refs[k] {
			il.refs[k][n] = il.refs[k][n][:0]
		}
	}
	return il
}

// take removes the interval index from the pending set and returns it, or
// nil when it holds no lines.
func (p *pendingLines) take(index int64) *intervalLines {
	il := p.open[index]
	delete(p.open, index)
	return il
}

// release returns an interval's memory for reuse.
func (p *pendingLines) release(il *intervalLines) {
	for _, b := range il.blocks {
		if cap(b) == blockSize {
			p.freeBlocks = append(p.freeBlocks, b)
		}
	}
	il.blocks = il.blocks[:0]
	p.free = append(p.free, il)
}

// objectJob is one object to compress: a run of sorted lines of one node
// and kind.
type objectJob struct {
	kind logKind
	node int
	refs []lineRef
	body *bytes.Buffer
}

// objectFlusher turns complete intervals into gzip objects and writes them.
type objectFlusher struct {
	cfg     *Config
	w       ObjectWriter
	summary *counts
	rnd     *rand.Rand // delivery delays and key suffixes

	folderPrefix string // "<prefix>/AWSLogs/<acct>/elasticloadbalancing/<region>/"
	namePrefix   string // "<acct>_elasticloadbalancing_<region>_app.<name>.<id>_"

	jobs []objectJob
	compressor
}

func newObjectFlusher(cfg *Config, w ObjectWriter, summary *counts) *objectFlusher {
	return &objectFlusher{
		cfg:          cfg,
		w:            w,
		summary:      summary,
		rnd:          newRand(cfg.Seed, streamDelivery),
		folderPrefix: awsLogsPrefix(cfg) + "elasticloadbalancing/" + cfg.Region + "/",
		namePrefix:   cfg.AccountID + "_elasticloadbalancing_" + cfg.Region + "_app." + cfg.LoadBalancerName + "." + cfg.LoadBalancerID + "_",
	}
}

// awsLogsPrefix returns "[<prefix>/]AWSLogs/<acct>/".
func awsLogsPrefix(cfg *Config) string {
	p := "AWSLogs/" + cfg.AccountID + "/"
	if cfg.Prefix != "" {
		p = cfg.Prefix + "/" + p
	}
	return p
}

// Delivery delay after the end of an interval. AWS documents no delay;
// third parties see objects arrive a few minutes after the interval.
const (
	minDeliveryDelay = time.Minute
	maxDeliveryDelay = 8 * time.Minute
)

// flush writes the objects of one complete interval: per node, the access
// log and then the connection log, each split into objects of at most
// Config.MaxLinesPerObject lines.
func (f *objectFlusher) flush(ctx context.Context, il *intervalLines) error {
	f.jobs = f.jobs[:0]
	for node := range f.cfg.Nodes {
		for _, kind := range []logKind{kindAccess, kindConnection} {
			refs := il.refs[kind][node]
			slices.SortFunc(refs, compareLineRefs)
			for len(refs) > 0 {
				n := min(len(refs), f.cfg.MaxLinesPerObject)
				f.jobs = append(f.jobs, objectJob{kind: kind, node: node, refs: refs[:n]})
				refs = refs[n:]
			}
		}
	}
	if len(f.jobs) == 0 {
		return nil
	}
	f.compress(il, f.jobs)

	end := time.Unix((il.index+1)*intervalSeconds, 0).UTC()
	suffixes := make(map[string]bool, len(f.jobs))
	for i := range f.jobs {
		job := &f.jobs[i]
		suffix := f.newSuffix(suffixes)
		delay := minDeliveryDelay + time.Duration(f.rnd.Int64N(int64(maxDeliveryDelay-minDeliveryDelay)))
		key := f.objectKey(job.kind, f.cfg.Nodes[job.node].IP, end, end.Add(delay), suffix)
		if err := f.w.WriteObject(ctx, key, job.body.Bytes()); err != nil {
			return fmt.Errorf("sim: write object %s: %w", key, err)
		}
		if job.kind == kindAccess {
			f.summary.accessObjects++
		} else {
			f.summary.connectionObjects++
		}
	}
	return nil
}

// compressor gzips the objects of an interval and keeps its buffers and
// gzip writers for the next interval.
type compressor struct {
	bodies  []*bytes.Buffer
	writers []*gzip.Writer
}

// compress gzips every job's lines into job.body, spreading the jobs over
// the CPUs. The bytes do not depend on which goroutine compressed a job.
func (f *compressor) compress(il *intervalLines, jobs []objectJob) {
	for len(f.bodies) < len(jobs) {
		f.bodies = append(f.bodies, new(bytes.Buffer))
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	for len(f.writers) < workers {
		zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		f.writers = append(f.writers, zw)
	}

	var wg sync.WaitGroup
	for worker := range workers {
		wg.Add(1)
		go func(zw *gzip.Writer) {
			defer wg.Done()
			for i := worker; i < len(jobs); i += workers {
				job := &jobs[i]
				job.body = f.bodies[i]
				job.body.Reset()
				zw.Reset(job.body)
				for _, ref := range job.refs {
					// Writes to a bytes.Buffer through gzip fail only on
					// out-of-memory, which panics anyway.
					_, _ = zw.Write(il.line(ref))
				}
				_ = zw.Close()
			}
		}(f.writers[worker])
	}
	wg.Wait()
}

// newSuffix returns the random part of an object name: 8 lower-case letters
// and digits, unique within the interval.
func (f *objectFlusher) newSuffix(used map[string]bool) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	for {
		var b [8]byte
		for i := range b {
			b[i] = chars[f.rnd.IntN(len(chars))]
		}
		s := string(b[:])
		if !used[s] {
			used[s] = true
			return s
		}
	}
}

// objectKey returns the S3 key of a log object: the folder is the delivery
// date, the name carries the interval end and the node address.
func (f *objectFlusher) objectKey(kind logKind, nodeIP string, end, delivered time.Time, suffix string) string {
	b := make([]byte, 0, 192)
	b = append(b, f.folderPrefix...)
	b = delivered.AppendFormat(b, "2006/01/02/")
	if kind == kindConnection {
		b = append(b, "conn_log_"...)
	}
	b = append(b, f.namePrefix...)
	b = end.AppendFormat(b, "20060102T1504Z")
	b = append(b, '_')
	b = append(b, nodeIP...)
	b = append(b, '_')
	b = append(b, suffix...)
	b = append(b, ".log.gz"...)
	return string(b)
}

// compareLineRefs orders lines by key, and lines with the same key by
// block and offset, which is the order in which they were added.
func compareLineRefs(a, b lineRef) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	if c := cmp.Compare(a.block, b.block); c != 0 {
		return c
	}
	return cmp.Compare(a.off, b.off)
}
