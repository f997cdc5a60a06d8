package store

import (
	"database/sql"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cutover-dev/cutover/ingest/albaccess"
	"github.com/cutover-dev/cutover/ingest/albconn"
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
}, nil)

var rejectedSchema = arrow.NewSchema([]arrow.Field{
	uriColumn("uri"),
	column("line", arrow.PrimitiveTypes.Int32),
	stringColumn("reason"),
	stringColumn("raw"),
}, nil)

// batch collects rows for one table. The typed appenders below take the
// column index in schema order.
type batch struct {
	b    *array.RecordBuilder
	rows int
}

func newBatch(schema *arrow.Schema) *batch {
	return &batch{b: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
}

func (b *batch) str(i int, v string) {
	b.b.Field(i).(*array.StringBuilder).Append(v)
}

func (b *batch) nullStr(i int, v sql.NullString) {
	f := b.b.Field(i).(*array.StringBuilder)
	if v.Valid {
		f.Append(v.String)
	} else {
		f.AppendNull()
	}
}

// optStr appends v, or NULL when v is empty.
func (b *batch) optStr(i int, v string) {
	b.nullStr(i, sql.NullString{String: v, Valid: v != ""})
}

func (b *batch) uri(i int, v string) {
	b.b.Field(i).(*array.BinaryDictionaryBuilder).AppendString(v)
}

func (b *batch) ts(i int, v time.Time) {
	b.b.Field(i).(*array.TimestampBuilder).Append(arrow.Timestamp(v.UnixMicro()))
}

func (b *batch) nullTS(i int, v sql.NullTime) {
	f := b.b.Field(i).(*array.TimestampBuilder)
	if v.Valid {
		f.Append(arrow.Timestamp(v.Time.UnixMicro()))
	} else {
		f.AppendNull()
	}
}

func (b *batch) i32(i int, v int32) {
	b.b.Field(i).(*array.Int32Builder).Append(v)
}

func (b *batch) nullI32(i int, v sql.NullInt32) {
	f := b.b.Field(i).(*array.Int32Builder)
	if v.Valid {
		f.Append(v.Int32)
	} else {
		f.AppendNull()
	}
}

func (b *batch) nullI64(i int, v sql.NullInt64) {
	f := b.b.Field(i).(*array.Int64Builder)
	if v.Valid {
		f.Append(v.Int64)
	} else {
		f.AppendNull()
	}
}

func (b *batch) nullF64(i int, v sql.NullFloat64) {
	f := b.b.Field(i).(*array.Float64Builder)
	if v.Valid {
		f.Append(v.Float64)
	} else {
		f.AppendNull()
	}
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
	b.rows++
}

func (b *batch) appendRejected(uri string, line int, reason, raw string) {
	b.uri(0, uri)
	b.i32(1, int32(line))
	b.str(2, reason)
	b.str(3, raw)
	b.rows++
}

// take returns the rows collected so far as one record batch and starts a
// new one. The caller releases the batch.
func (b *batch) take() arrow.RecordBatch {
	b.rows = 0
	return b.b.NewRecordBatch()
}

func (b *batch) release() { b.b.Release() }
