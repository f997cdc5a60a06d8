package store

import (
	"database/sql"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appendRejectedRows appends n rejected lines numbered from on, each with a
// one-letter raw text that follows the line number.
func appendRejectedRows(b *batch, uri string, from, n int) {
	for i := from; i < from+n; i++ {
		b.appendRejected(uri, i, "reason", string(rune('a'+i%26)))
	}
}

func TestBatchNullBitmapAcrossBytes(t *testing.T) {
	b := newBatch(accessSchema)
	rec := sampleAccess()
	for i := range 19 {
		// Every third row has a target; the others leave it NULL.
		rec.TargetIP = sql.NullString{String: "10.0.0.1", Valid: i%3 == 0}
		rec.Extra = ""
		if i == 18 {
			rec.Extra = "x"
		}
		b.appendAccess("/logs/a.log", &rec, i+1)
	}
	batch := b.take()
	defer batch.Release()

	require.Equal(t, int64(19), batch.NumRows())
	target := batch.Column(5).(*array.String)
	assert.Equal(t, 12, target.NullN())
	for i := range 19 {
		assert.Equal(t, i%3 == 0, target.IsValid(i), "row %d", i)
		if i%3 == 0 {
			assert.Equal(t, "10.0.0.1", target.Value(i), "row %d", i)
		}
	}
	extra := batch.Column(37).(*array.String)
	assert.Equal(t, 18, extra.NullN(), "an empty extra_fields is NULL")
	assert.Equal(t, "x", extra.Value(18))

	line := batch.Column(39).(*array.Int32)
	assert.Equal(t, 0, line.NullN())
	assert.Equal(t, int32(19), line.Value(18))
}

func TestBatchTakeStartsNewBatch(t *testing.T) {
	b := newBatch(rejectedSchema)
	appendRejectedRows(b, "/logs/a.log", 0, 10)
	first := b.take()
	defer first.Release()
	appendRejectedRows(b, "/logs/a.log", 10, 3)
	second := b.take()
	defer second.Release()

	assert.Equal(t, int64(10), first.NumRows())
	assert.Equal(t, int64(3), second.NumRows())
	assert.Equal(t, "j", first.Column(3).(*array.String).Value(9), "the second batch must not change the first")
	assert.Equal(t, "k", second.Column(3).(*array.String).Value(0))
	assert.Equal(t, int32(12), second.Column(1).(*array.Int32).Value(2))
}

func TestBatchDictionaryColumn(t *testing.T) {
	b := newBatch(rejectedSchema)
	appendRejectedRows(b, "/logs/a.log", 0, 2)
	appendRejectedRows(b, "/logs/b.log", 2, 1)
	appendRejectedRows(b, "/logs/a.log", 3, 1)
	batch := b.take()
	defer batch.Release()

	uris := batch.Column(0).(*array.Dictionary)
	dict := uris.Dictionary().(*array.String)
	require.Equal(t, 2, dict.Len())
	var got []string
	for i := range uris.Len() {
		got = append(got, dict.Value(uris.GetValueIndex(i)))
	}
	assert.Equal(t, []string{"/logs/a.log", "/logs/a.log", "/logs/b.log", "/logs/a.log"}, got)
}

func TestBatchEmptyTake(t *testing.T) {
	b := newBatch(accessSchema)
	batch := b.take()
	defer batch.Release()
	assert.Equal(t, int64(0), batch.NumRows())
	assert.True(t, batch.Schema().Equal(accessSchema))
	for i, col := range batch.Columns() {
		assert.Equal(t, 0, col.Len(), "column %d", i)
	}
}

func TestBatchTypesMatchSchema(t *testing.T) {
	for _, schema := range []*arrow.Schema{accessSchema, connectionSchema, nlbSchema, terminatorSchema, rejectedSchema} {
		b := newBatch(schema)
		batch := b.take()
		for i, f := range schema.Fields() {
			assert.True(t, arrow.TypeEqual(f.Type, batch.Column(i).DataType()), "column %s", f.Name)
		}
		batch.Release()
	}
}

func TestBatchFullAtChunkRows(t *testing.T) {
	b := newBatch(rejectedSchema)
	appendRejectedRows(b, "/logs/a.log", 0, chunkRows-1)
	assert.False(t, b.full())
	appendRejectedRows(b, "/logs/a.log", chunkRows-1, 1)
	assert.True(t, b.full())
}

func TestBatchAfterReleasedBatch(t *testing.T) {
	b := newBatch(rejectedSchema)
	for i := range 3000 {
		b.appendRejected("/logs/a.log", i, "a long reason that fills the pooled memory", "raw text of the first batch")
	}
	b.take().Release() // its slices go back to columnMemory

	for i := range 2000 {
		b.appendRejected("/logs/b.log", i, "short", "")
	}
	second := b.take()
	defer second.Release()

	reasons := second.Column(2).(*array.String)
	raws := second.Column(3).(*array.String)
	lines := second.Column(1).(*array.Int32)
	require.Equal(t, 2000, reasons.Len())
	for i := range 2000 {
		assert.Equal(t, "short", reasons.Value(i), "row %d", i)
		assert.Equal(t, "", raws.Value(i), "row %d", i)
		assert.Equal(t, int32(i), lines.Value(i), "row %d", i)
	}
	assert.Equal(t, 0, raws.NullN(), "raw is appended as text even when empty")
}
