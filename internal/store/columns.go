package store

import (
	"database/sql"
	"math/bits"
	"sync"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/ingest/nlbtls"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// Rows are handed to DuckDB as Arrow record batches: DuckDB scans them in
// place, which is several times faster than its row-by-row appender.

var utcMicros = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func column(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

func stringColumn(name string) arrow.Field { return column(name, arrow.BinaryTypes.String) }

// uriColumn holds the object URI of each row. It is dictionary-encoded: every
// row of an object shares one entry, so a batch carries each URI once.
func uriColumn(name string) arrow.Field {
	return column(name, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String})
}

var accessSchema = arrow.NewSchema([]arrow.Field{
	stringColumn("type"),
	column("time", utcMicros),
	stringColumn("elb"),
	stringColumn("client_ip"),
	column("client_port", arrow.PrimitiveTypes.Int32),
	stringColumn("target_ip"),
	column("target_port", arrow.PrimitiveTypes.Int32),
	column("request_processing_time", arrow.PrimitiveTypes.Float64),
	column("target_processing_time", arrow.PrimitiveTypes.Float64),
	column("response_processing_time", arrow.PrimitiveTypes.Float64),
	column("elb_status_code", arrow.PrimitiveTypes.Int32),
	column("target_status_code", arrow.PrimitiveTypes.Int32),
	column("received_bytes", arrow.PrimitiveTypes.Int64),
	column("sent_bytes", arrow.PrimitiveTypes.Int64),
	stringColumn("request_verb"),
	stringColumn("request_url"),
	stringColumn("request_proto"),
	stringColumn("user_agent"),
	stringColumn("ssl_cipher"),
	stringColumn("ssl_protocol"),
	stringColumn("target_group_arn"),
	stringColumn("trace_id"),
	stringColumn("domain_name"),
	stringColumn("chosen_cert_arn"),
	column("matched_rule_priority", arrow.PrimitiveTypes.Int32),
	column("request_creation_time", utcMicros),
	stringColumn("actions_executed"),
	stringColumn("redirect_url"),
	stringColumn("error_reason"),
	stringColumn("target_port_list"),
	stringColumn("target_status_code_list"),
	stringColumn("classification"),
	stringColumn("classification_reason"),
	stringColumn("conn_trace_id"),
	stringColumn("transformed_host"),
	stringColumn("transformed_uri"),
	stringColumn("request_transform_status"),
	stringColumn("extra_fields"),
	uriColumn("source_uri"),
	column("source_line", arrow.PrimitiveTypes.Int32),
}, nil)

var connectionSchema = arrow.NewSchema([]arrow.Field{
	column("time", utcMicros),
	stringColumn("client_ip"),
	column("client_port", arrow.PrimitiveTypes.Int32),
	column("listener_port", arrow.PrimitiveTypes.Int32),
	stringColumn("tls_protocol"),
	stringColumn("tls_cipher"),
	column("tls_handshake_latency", arrow.PrimitiveTypes.Float64),
	stringColumn("leaf_client_cert_subject"),
	stringColumn("leaf_client_cert_validity"),
	column("cert_not_before", utcMicros),
	column("cert_not_after", utcMicros),
	stringColumn("leaf_client_cert_serial_number"),
	stringColumn("tls_verify_status"),
	stringColumn("conn_trace_id"),
	stringColumn("tls_keyexchange"),
	stringColumn("elb"),
	stringColumn("ip_address"),
	stringColumn("extra_fields"),
	uriColumn("source_uri"),
	column("source_line", arrow.PrimitiveTypes.Int32),
	stringColumn("subject"),
	stringColumn("serial"),
	stringColumn("outcome"),
}, nil)

var nlbSchema = arrow.NewSchema([]arrow.Field{
	stringColumn("type"),
	stringColumn("version"),
	column("time", utcMicros),
	stringColumn("elb"),
	stringColumn("listener"),
	stringColumn("client_ip"),
	column("client_port", arrow.PrimitiveTypes.Int32),
	stringColumn("destination_ip"),
	column("destination_port", arrow.PrimitiveTypes.Int32),
	column("connection_time_ms", arrow.PrimitiveTypes.Float64),
	column("tls_handshake_time_ms", arrow.PrimitiveTypes.Float64),
	column("received_bytes", arrow.PrimitiveTypes.Int64),
	column("sent_bytes", arrow.PrimitiveTypes.Int64),
	column("incoming_tls_alert", arrow.PrimitiveTypes.Int32),
	stringColumn("chosen_cert_arn"),
	stringColumn("chosen_cert_serial"),
	stringColumn("tls_cipher"),
	stringColumn("tls_protocol_version"),
	stringColumn("tls_named_group"),
	stringColumn("domain_name"),
	stringColumn("alpn_fe_protocol"),
	stringColumn("alpn_be_protocol"),
	stringColumn("alpn_client_preference_list"),
	column("tls_connection_creation_time", utcMicros),
	stringColumn("extra_fields"),
	uriColumn("source_uri"),
	column("source_line", arrow.PrimitiveTypes.Int32),
}, nil)

var terminatorSchema = arrow.NewSchema([]arrow.Field{
	stringColumn("instance"),
	stringColumn("path"),
	stringColumn("log"),
	stringColumn("source"),
	stringColumn("kind"),
	column("time", utcMicros),
	stringColumn("connection_id"),
	column("connection_requests", arrow.PrimitiveTypes.Int64),
	stringColumn("client_ip"),
	column("client_port", arrow.PrimitiveTypes.Int32),
	stringColumn("forwarded_for"),
	stringColumn("sni"),
	stringColumn("tls_protocol"),
	stringColumn("tls_cipher"),
	stringColumn("verify_raw"),
	stringColumn("outcome"),
	stringColumn("subject_raw"),
	stringColumn("issuer_raw"),
	stringColumn("serial_raw"),
	stringColumn("subject"),
	stringColumn("issuer"),
	stringColumn("serial"),
	column("cert_not_after", utcMicros),
	stringColumn("cert_pem"),
	stringColumn("method"),
	stringColumn("uri"),
	column("status", arrow.PrimitiveTypes.Int32),
	stringColumn("user_agent"),
	column("bytes_sent", arrow.PrimitiveTypes.Int64),
	column("request_time", arrow.PrimitiveTypes.Float64),
	column("upstream_header_time", arrow.PrimitiveTypes.Float64),
	column("handshake_time", arrow.PrimitiveTypes.Float64),
	stringColumn("detail"),
	uriColumn("source_uri"),
	column("source_line", arrow.PrimitiveTypes.Int32),
	column("health_check", arrow.FixedWidthTypes.Boolean),
	stringColumn("proxy_ip"),
}, nil)

var rejectedSchema = arrow.NewSchema([]arrow.Field{
	uriColumn("uri"),
	column("line", arrow.PrimitiveTypes.Int32),
	stringColumn("reason"),
	stringColumn("raw"),
}, nil)

// batch collects rows for one table in plain Go slices, one column per
// schema field, and its take method hands them to an Arrow record batch
// without copying them. Appending to a slice costs a fraction of an Arrow
// builder's per-value bookkeeping, which used as much CPU time as inflating
// and parsing the lines (docs/performance.md). The typed appenders below take
// the column index in schema order.
type batch struct {
	schema *arrow.Schema
	rows   int
	// Each column sits in the slice of its type at its schema index, and the
	// other slices hold nil there. Timestamps are int64 microseconds.
	strings  []*textColumn
	int32s   []*fixedColumn[int32]
	int64s   []*fixedColumn[int64]
	float64s []*fixedColumn[float64]
	dicts    []*dictColumn
	bools    []*boolColumn
}

func newBatch(schema *arrow.Schema) *batch {
	n := schema.NumFields()
	b := &batch{
		schema:   schema,
		strings:  make([]*textColumn, n),
		int32s:   make([]*fixedColumn[int32], n),
		int64s:   make([]*fixedColumn[int64], n),
		float64s: make([]*fixedColumn[float64], n),
		dicts:    make([]*dictColumn, n),
		bools:    make([]*boolColumn, n),
	}
	for i, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.STRING:
			b.strings[i] = &textColumn{}
		case arrow.INT32:
			b.int32s[i] = &fixedColumn[int32]{}
		case arrow.INT64, arrow.TIMESTAMP:
			b.int64s[i] = &fixedColumn[int64]{}
		case arrow.FLOAT64:
			b.float64s[i] = &fixedColumn[float64]{}
		case arrow.DICTIONARY:
			b.dicts[i] = &dictColumn{}
		case arrow.BOOL:
			b.bools[i] = &boolColumn{}
		default:
			panic("store: no batch column for Arrow type " + f.Type.String())
		}
	}
	return b
}

func (b *batch) str(i int, v string) {
	b.strings[i].append(b.rows, v, true)
}

func (b *batch) nullStr(i int, v sql.NullString) {
	b.strings[i].append(b.rows, v.String, v.Valid)
}

// optStr appends v, or NULL when v is empty.
func (b *batch) optStr(i int, v string) {
	b.strings[i].append(b.rows, v, v != "")
}

func (b *batch) uri(i int, v string) {
	b.dicts[i].append(v)
}

func (b *batch) ts(i int, v time.Time) {
	b.int64s[i].append(b.rows, v.UnixMicro(), true)
}

func (b *batch) nullTS(i int, v sql.NullTime) {
	var micros int64
	if v.Valid {
		micros = v.Time.UnixMicro()
	}
	b.int64s[i].append(b.rows, micros, v.Valid)
}

func (b *batch) i32(i int, v int32) {
	b.int32s[i].append(b.rows, v, true)
}

func (b *batch) nullI32(i int, v sql.NullInt32) {
	b.int32s[i].append(b.rows, v.Int32, v.Valid)
}

func (b *batch) nullI64(i int, v sql.NullInt64) {
	b.int64s[i].append(b.rows, v.Int64, v.Valid)
}

func (b *batch) nullF64(i int, v sql.NullFloat64) {
	b.float64s[i].append(b.rows, v.Float64, v.Valid)
}

func (b *batch) boolean(i int, v bool) {
	b.bools[i].append(b.rows, v)
}

func (b *batch) appendAccess(uri string, r *albaccess.Record, line int) {
	b.str(0, r.Type)
	b.ts(1, r.Time)
	b.str(2, r.ELB)
	b.str(3, r.ClientIP)
	b.nullI32(4, r.ClientPort)
	b.nullStr(5, r.TargetIP)
	b.nullI32(6, r.TargetPort)
	b.nullF64(7, r.RequestProcessingTime)
	b.nullF64(8, r.TargetProcessingTime)
	b.nullF64(9, r.ResponseProcessingTime)
	b.nullI32(10, r.ELBStatusCode)
	b.nullI32(11, r.TargetStatusCode)
	b.nullI64(12, r.ReceivedBytes)
	b.nullI64(13, r.SentBytes)
	b.nullStr(14, r.RequestVerb)
	b.nullStr(15, r.RequestURL)
	b.nullStr(16, r.RequestProto)
	b.nullStr(17, r.UserAgent)
	b.nullStr(18, r.SSLCipher)
	b.nullStr(19, r.SSLProtocol)
	b.nullStr(20, r.TargetGroupARN)
	b.nullStr(21, r.TraceID)
	b.nullStr(22, r.DomainName)
	b.nullStr(23, r.ChosenCertARN)
	b.nullI32(24, r.MatchedRulePriority)
	b.nullTS(25, r.RequestCreationTime)
	b.nullStr(26, r.ActionsExecuted)
	b.nullStr(27, r.RedirectURL)
	b.nullStr(28, r.ErrorReason)
	b.nullStr(29, r.TargetPortList)
	b.nullStr(30, r.TargetStatusCodeList)
	b.nullStr(31, r.Classification)
	b.nullStr(32, r.ClassificationReason)
	b.nullStr(33, r.ConnTraceID)
	b.nullStr(34, r.TransformedHost)
	b.nullStr(35, r.TransformedURI)
	b.nullStr(36, r.RequestTransformStatus)
	b.optStr(37, r.Extra)
	b.uri(38, uri)
	b.i32(39, int32(line))
	b.rows++
}

func (b *batch) appendConnection(uri string, r *albconn.Record, line int) {
	b.ts(0, r.Time)
	b.str(1, r.ClientIP)
	b.nullI32(2, r.ClientPort)
	b.nullI32(3, r.ListenerPort)
	b.nullStr(4, r.TLSProtocol)
	b.nullStr(5, r.TLSCipher)
	b.nullF64(6, r.TLSHandshakeLatency)
	b.nullStr(7, r.LeafClientCertSubject)
	b.nullStr(8, r.LeafClientCertValidity)
	b.nullTS(9, r.CertNotBefore)
	b.nullTS(10, r.CertNotAfter)
	b.nullStr(11, r.LeafClientCertSerialNumber)
	b.nullStr(12, r.TLSVerifyStatus)
	b.nullStr(13, r.ConnTraceID)
	b.nullStr(14, r.TLSKeyExchange)
	b.nullStr(15, r.ELB)
	b.nullStr(16, r.IPAddress)
	b.optStr(17, r.Extra)
	b.uri(18, uri)
	b.i32(19, int32(line))
	subject := canonicalOrNull(r.LeafClientCertSubject, identity.CanonicalDN)
	serial := canonicalOrNull(r.LeafClientCertSerialNumber, identity.CanonicalSerial)
	b.nullStr(20, subject)
	b.nullStr(21, serial)
	hasCert := subject.Valid || serial.Valid
	b.optStr(22, string(outcome.FromALB(r.TLSVerifyStatus.String, hasCert)))
	b.rows++
}

// canonicalOrNull returns the canonical form of raw by canonical, or NULL
// when raw is NULL, empty or unreadable.
func canonicalOrNull(raw sql.NullString, canonical func(string) (string, error)) sql.NullString {
	if !raw.Valid {
		return sql.NullString{}
	}
	v, err := canonical(raw.String)
	if err != nil || v == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: v, Valid: true}
}

func (b *batch) appendNLB(uri string, r *nlbtls.Record, line int) {
	b.str(0, r.Type)
	b.str(1, r.Version)
	b.ts(2, r.Time)
	b.str(3, r.ELB)
	b.str(4, r.Listener)
	b.str(5, r.ClientIP)
	b.nullI32(6, r.ClientPort)
	b.nullStr(7, r.DestinationIP)
	b.nullI32(8, r.DestinationPort)
	b.nullF64(9, r.ConnectionTimeMS)
	b.nullF64(10, r.TLSHandshakeTimeMS)
	b.nullI64(11, r.ReceivedBytes)
	b.nullI64(12, r.SentBytes)
	b.nullI32(13, r.IncomingTLSAlert)
	b.nullStr(14, r.ChosenCertARN)
	b.nullStr(15, r.ChosenCertSerial)
	b.nullStr(16, r.TLSCipher)
	b.nullStr(17, r.TLSProtocolVersion)
	b.nullStr(18, r.TLSNamedGroup)
	b.nullStr(19, r.DomainName)
	b.nullStr(20, r.ALPNFEProtocol)
	b.nullStr(21, r.ALPNBEProtocol)
	b.nullStr(22, r.ALPNClientPreferenceList)
	b.nullTS(23, r.TLSConnectionCreationTime)
	b.optStr(24, r.Extra)
	b.uri(25, uri)
	b.i32(26, int32(line))
	b.rows++
}

func (b *batch) appendTerminator(uri, instance, path, log string, r *terminator.Record, line int) {
	b.str(0, instance)
	b.str(1, path)
	b.str(2, log)
	b.str(3, string(r.Source))
	b.str(4, string(r.Kind))
	b.ts(5, r.Time)
	b.nullStr(6, r.ConnectionID)
	b.nullI64(7, r.ConnectionRequests)
	b.str(8, r.ClientIP)
	b.nullI32(9, r.ClientPort)
	b.nullStr(10, r.ForwardedFor)
	b.nullStr(11, r.SNI)
	b.nullStr(12, r.TLSProtocol)
	b.nullStr(13, r.TLSCipher)
	b.nullStr(14, r.VerifyRaw)
	b.optStr(15, r.Outcome)
	b.nullStr(16, r.SubjectRaw)
	b.nullStr(17, r.IssuerRaw)
	b.nullStr(18, r.SerialRaw)
	b.nullStr(19, r.Subject)
	b.nullStr(20, r.Issuer)
	b.nullStr(21, r.Serial)
	b.nullTS(22, r.CertNotAfter)
	b.nullStr(23, r.CertPEM)
	b.nullStr(24, r.Method)
	b.nullStr(25, r.URI)
	b.nullI32(26, r.Status)
	b.nullStr(27, r.UserAgent)
	b.nullI64(28, r.BytesSent)
	b.nullF64(29, r.RequestTime)
	b.nullF64(30, r.UpstreamHeaderTime)
	b.nullF64(31, r.HandshakeTime)
	b.nullStr(32, r.Detail)
	b.uri(33, uri)
	b.i32(34, int32(line))
	b.boolean(35, r.HealthCheck)
	b.nullStr(36, r.ProxyIP)
	b.rows++
}

func (b *batch) appendRejected(uri string, line int, reason, raw string) {
	b.uri(0, uri)
	b.i32(1, int32(line))
	b.str(2, reason)
	b.str(3, raw)
	b.rows++
}

// maxBatchBytes caps the text one string column of a batch holds, below
// the 2 GiB that the int32 offsets of an Arrow string column can address.
// Real ALB lines stay far below it, so it matters only for an object of
// unusually long lines.
const maxBatchBytes = 1 << 30

// full reports whether the batch holds chunkRows rows, or a string column
// holds maxBatchBytes of text.
func (b *batch) full() bool {
	if b.rows >= chunkRows {
		return true
	}
	for _, c := range b.strings {
		if c != nil && len(c.data) >= maxBatchBytes {
			return true
		}
	}
	return false
}

// take returns the rows collected so far as one record batch and starts a
// new one. The record batch keeps the column slices, so the batch allocates
// new ones, sized like the old ones, once rows are appended again. The caller
// releases the record batch.
func (b *batch) take() arrow.RecordBatch {
	cols := make([]arrow.Array, b.schema.NumFields())
	for i, f := range b.schema.Fields() {
		var data arrow.ArrayData
		switch {
		case b.strings[i] != nil:
			data = b.strings[i].take(b.rows)
		case b.int32s[i] != nil:
			data = b.int32s[i].take(f.Type, b.rows)
		case b.int64s[i] != nil:
			data = b.int64s[i].take(f.Type, b.rows)
		case b.float64s[i] != nil:
			data = b.float64s[i].take(f.Type, b.rows)
		case b.dicts[i] != nil:
			data = b.dicts[i].take(f.Type, b.rows)
		case b.bools[i] != nil:
			data = b.bools[i].take(b.rows)
		}
		cols[i] = array.MakeFromData(data)
		data.Release()
	}
	rec := array.NewRecordBatch(b.schema, cols, int64(b.rows))
	for _, c := range cols {
		c.Release()
	}
	b.rows = 0
	return rec
}

// release drops the rows collected since the last take.
func (b *batch) release() {
	for i := range b.strings {
		b.strings[i], b.int32s[i], b.int64s[i], b.float64s[i], b.dicts[i], b.bools[i] = nil, nil, nil, nil, nil, nil
	}
	b.rows = 0
}

// validity is an Arrow validity bitmap: bit i is set when row i is not NULL.
type validity struct {
	bits  []byte
	nulls int
}

func (v *validity) append(row int, valid bool) {
	if row%8 == 0 {
		v.bits = append(v.bits, 0)
	}
	if valid {
		v.bits[row/8] |= 1 << (row % 8)
	} else {
		v.nulls++
	}
}

// take returns the bitmap as an Arrow buffer and its NULL count, and starts
// a new bitmap. The buffer is nil when no row is NULL, which Arrow reads as
// all rows valid.
func (v *validity) take() (*memory.Buffer, int) {
	var buf *memory.Buffer
	if v.nulls > 0 {
		buf = memory.NewBufferBytes(v.bits)
	}
	nulls := v.nulls
	*v = validity{}
	return buf, nulls
}

// grow returns s with room for n more elements. Its capacity at least
// doubles, where append would grow a large slice by a quarter and copy it
// more often. The first call reserves room for hint elements, the length the
// column reached before its last take, so that the rows of a large object
// are not copied at every doubling. The memory comes from columnMemory, and
// the old slice goes back to it.
func grow[T byte | int32 | int64 | float64](s []T, n, hint int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	capacity := max(len(s)+n, 2*cap(s), hint, 64)
	grown := arrow.GetData[T](columnMemory.get(capacity * size))[:len(s)]
	copy(grown, s)
	if s != nil {
		columnMemory.put(arrow.GetBytes(s))
	}
	return grown
}

// pooledBuffer wraps the memory of s in an Arrow buffer that hands it back to
// columnMemory once every record batch that uses it is released.
func pooledBuffer[T byte | int32 | int64 | float64](s []T) *memory.Buffer {
	if s == nil {
		return memory.NewBufferBytes(nil)
	}
	return memory.NewBufferWithAllocator(arrow.GetBytes(s), &columnMemory)
}

// columnMemory is the memory of the column slices of every batch. Without it
// each batch took fresh memory from the Go heap, which the kernel zeroed page
// by page and the garbage collector reclaimed. Reusing it saved about 5
// percent of ingest's CPU time and 400 MiB of peak RSS (docs/performance.md).
var columnMemory slicePool

// slicePool recycles byte slices whose capacity is a power of two. A slice
// is safe to reuse once DuckDB has read it. Load releases its record batches
// only after the INSERT that reads them has returned, and the Arrow C stream
// that DuckDB reads holds references of its own until DuckDB releases it.
// Pooled slices are not zeroed, so every column writes each byte it hands
// to Arrow.
type slicePool struct {
	// classes[c] holds *[]byte of capacity 1<<c. sync.Pool drops what the
	// garbage collector finds unused for two cycles, so the pool does not
	// keep memory that ingest no longer needs.
	classes [maxPoolClass + 1]sync.Pool
}

// Slices from 1 KiB to maxBatchBytes are pooled.
const (
	minPoolClass = 10
	maxPoolClass = 30
)

// get returns a slice of length 0 and a capacity of at least size bytes.
func (p *slicePool) get(size int) []byte {
	class := max(bits.Len(uint(size-1)), minPoolClass)
	if class > maxPoolClass {
		return make([]byte, 0, size)
	}
	if v := p.classes[class].Get(); v != nil {
		return (*v.(*[]byte))[:0]
	}
	return make([]byte, 0, 1<<class)
}

// put keeps b for reuse when its capacity is a pooled class.
func (p *slicePool) put(b []byte) {
	class := bits.Len(uint(cap(b) - 1))
	if cap(b) != 1<<class || class < minPoolClass || class > maxPoolClass {
		return
	}
	b = b[:0]
	p.classes[class].Put(&b)
}

// Allocate, Reallocate and Free make slicePool a memory.Allocator, the
// interface through which a released Arrow buffer frees its memory. Arrow
// calls only Free on the buffers that pooledBuffer makes. Allocate and
// Reallocate zero the memory they add, as Arrow's own allocators do.
func (p *slicePool) Allocate(size int) []byte {
	b := p.get(size)[:size]
	clear(b)
	return b
}

func (p *slicePool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		grown := b[:size]
		clear(grown[len(b):])
		return grown
	}
	grown := p.Allocate(size)
	copy(grown, b)
	p.Free(b)
	return grown
}

func (p *slicePool) Free(b []byte) {
	p.put(b[:cap(b)])
}

// textColumn holds an Arrow string column: the text of all values one after
// another, and the offset at which each value ends.
type textColumn struct {
	offsets []int32 // offsets[0] is 0, so row i is data[offsets[i]:offsets[i+1]]
	data    []byte
	validity
	// rowsHint and bytesHint are the rows and bytes of the last take.
	rowsHint, bytesHint int
}

func (c *textColumn) append(row int, v string, valid bool) {
	if c.offsets == nil {
		c.offsets = append(grow(c.offsets, 2, c.rowsHint+1), 0)
	}
	if valid {
		c.data = append(grow(c.data, len(v), c.bytesHint), v...)
	}
	c.offsets = append(grow(c.offsets, 1, 0), int32(len(c.data)))
	c.validity.append(row, valid)
}

func (c *textColumn) take(rows int) arrow.ArrayData {
	if c.offsets == nil {
		c.offsets = []int32{0}
	}
	bitmap, nulls := c.validity.take()
	data := array.NewData(arrow.BinaryTypes.String, rows,
		[]*memory.Buffer{bitmap, pooledBuffer(c.offsets), pooledBuffer(c.data)}, nil, nulls, 0)
	c.rowsHint, c.bytesHint = rows, len(c.data)
	c.offsets, c.data = nil, nil
	return data
}

// fixedColumn holds an Arrow column of fixed-width values.
type fixedColumn[T int32 | int64 | float64] struct {
	values []T // zero for NULL
	validity
	rowsHint int // the rows of the last take
}

func (c *fixedColumn[T]) append(row int, v T, valid bool) {
	c.values = append(grow(c.values, 1, c.rowsHint), v)
	c.validity.append(row, valid)
}

func (c *fixedColumn[T]) take(t arrow.DataType, rows int) arrow.ArrayData {
	bitmap, nulls := c.validity.take()
	data := array.NewData(t, rows, []*memory.Buffer{bitmap, pooledBuffer(c.values)}, nil, nulls, 0)
	c.rowsHint = rows
	c.values = nil
	return data
}

// dictColumn holds a dictionary-encoded string column whose rows repeat a
// few values, such as the object URI that every row of an object shares.
type dictColumn struct {
	indices  []int32
	values   textColumn // the dictionary
	rowsHint int        // the rows of the last take
}

func (c *dictColumn) append(v string) {
	// Search from the last value, the likeliest. In practice a batch holds
	// one.
	i := len(c.values.offsets) - 2
	for ; i >= 0; i-- {
		if string(c.values.data[c.values.offsets[i]:c.values.offsets[i+1]]) == v {
			break
		}
	}
	if i < 0 {
		i = max(len(c.values.offsets)-1, 0)
		c.values.append(i, v, true)
	}
	c.indices = append(grow(c.indices, 1, c.rowsHint), int32(i))
}

func (c *dictColumn) take(t arrow.DataType, rows int) arrow.ArrayData {
	dict := c.values.take(max(len(c.values.offsets)-1, 0))
	defer dict.Release()
	data := array.NewData(t, rows, []*memory.Buffer{nil, pooledBuffer(c.indices)}, nil, 0, 0)
	data.SetDictionary(dict)
	c.rowsHint = rows
	c.indices = nil
	return data
}

// boolColumn holds an Arrow boolean column without NULLs. Arrow packs its
// values in a bitmap: bit i is set when row i is true.
type boolColumn struct {
	bits []byte
}

func (c *boolColumn) append(row int, v bool) {
	if row%8 == 0 {
		c.bits = append(c.bits, 0)
	}
	if v {
		c.bits[row/8] |= 1 << (row % 8)
	}
}

func (c *boolColumn) take(rows int) arrow.ArrayData {
	data := array.NewData(arrow.FixedWidthTypes.Boolean, rows, []*memory.Buffer{nil, memory.NewBufferBytes(c.bits)}, nil, 0, 0)
	c.bits = nil
	return data
}
