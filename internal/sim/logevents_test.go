package sim

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventsConfig returns 20 minutes of the default population with the
// terminators' lines sent as log events.
func eventsConfig() Config {
	cfg := testConfig()
	cfg.Duration = 20 * time.Minute
	cfg.TerminatorLogEvents = true
	return cfg
}

// objectLines returns the lines of the terminator objects of w by
// "<log group>|<instance ID>", in the order of the objects and of the lines
// within them.
func objectLines(t *testing.T, cfg *Config, w *memWriter) map[string][]string {
	t.Helper()
	lines := map[string][]string{}
	for _, key := range w.order {
		m := terminatorKeyPattern.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		group := cfg.TerminatorAccessLogGroup()
		if m[2] == "error" {
			group = cfg.TerminatorErrorLogGroup()
		}
		text := strings.TrimSuffix(gunzipString(t, w.objects[key]), "\n")
		lines[group+"|"+m[1]] = append(lines[group+"|"+m[1]], strings.Split(text, "\n")...)
	}
	return lines
}

func TestLogEventsMatchObjectLines(t *testing.T) {
	cfg := eventsConfig()
	r := cachedCloudRun(t, "events", cfg)

	objectsCfg := cfg
	objectsCfg.TerminatorLogEvents = false
	plain := newMemWriter()
	plainSummary, err := Run(context.Background(), objectsCfg, plain)
	require.NoError(t, err)
	want := objectLines(t, &objectsCfg, plain)
	require.Len(t, want, 2*len(cfg.Terminators), "object streams")

	got := map[string][]string{}
	for _, e := range r.writer.events {
		key := e.group + "|" + e.stream
		got[key] = append(got[key], e.message)
	}
	assert.Equal(t, want, got, "event messages against object lines, by group and stream")

	assert.True(t, r.summary.TerminatorLogEvents)
	assert.False(t, plainSummary.TerminatorLogEvents)
	require.Len(t, r.summary.Terminators, len(cfg.Terminators))
	for i, ts := range r.summary.Terminators {
		id := cfg.Terminators[i].InstanceID
		assert.Equal(t, ts.AccessLines, len(got[cfg.TerminatorAccessLogGroup()+"|"+id]), "access events of %s", id)
		assert.Equal(t, ts.ErrorLines, len(got[cfg.TerminatorErrorLogGroup()+"|"+id]), "error events of %s", id)
		assert.Zero(t, ts.AccessObjects, "access objects of %s", id)
		assert.Zero(t, ts.ErrorObjects, "error objects of %s", id)

		// Apart from the object counts, the ground truth is that of the
		// object path.
		objects := plainSummary.Terminators[i]
		assert.Positive(t, objects.AccessObjects)
		objects.AccessObjects, objects.ErrorObjects = 0, 0
		assert.Equal(t, objects, ts, "terminator summary of %s", id)
	}
}

func TestLogEventsGroupsAndStreams(t *testing.T) {
	cfg := eventsConfig()
	r := cachedCloudRun(t, "events", cfg)
	require.NotEmpty(t, r.writer.events)
	assert.Equal(t, "/cutover-sim/nginx/access", cfg.TerminatorAccessLogGroup())
	assert.Equal(t, "/cutover-sim/nginx/error", cfg.TerminatorErrorLogGroup())

	streams := map[string]bool{}
	for _, term := range cfg.Terminators {
		streams[term.InstanceID] = true
	}
	for _, e := range r.writer.events {
		assert.Contains(t, []string{cfg.TerminatorAccessLogGroup(), cfg.TerminatorErrorLogGroup()}, e.group)
		assert.True(t, streams[e.stream], "stream %q is no terminator", e.stream)
		assert.NotContains(t, e.message, "\n")
		assert.NotEmpty(t, e.message)
	}
	for _, key := range r.writer.order {
		assert.False(t, strings.HasPrefix(key, TerminatorKeyPrefix), "terminator object written: %s", key)
	}
}

var msecPattern = regexp.MustCompile(`^\{"msec":"(\d+)\.(\d{3})"`)

func TestLogEventsTimes(t *testing.T) {
	cfg := eventsConfig()
	r := cachedCloudRun(t, "events", cfg)

	last := map[string]time.Time{}
	for _, e := range r.writer.events {
		key := e.group + "|" + e.stream
		assert.False(t, e.at.Before(last[key]), "event at %v after one at %v in %s", e.at, last[key], key)
		last[key] = e.at
		assert.Equal(t, time.UTC, e.at.Location())
		assert.Zero(t, e.at.Nanosecond()%int(time.Millisecond), "event time finer than a millisecond: %v", e.at)
		assert.False(t, e.at.Before(cfg.Start) || !e.at.Before(cfg.End()), "event at %v outside the run", e.at)

		if e.group == cfg.TerminatorAccessLogGroup() {
			m := msecPattern.FindStringSubmatch(e.message)
			require.NotNil(t, m, e.message)
			seconds, err := strconv.ParseInt(m[1], 10, 64)
			require.NoError(t, err)
			millis, err := strconv.ParseInt(m[2], 10, 64)
			require.NoError(t, err)
			assert.Equal(t, time.UnixMilli(seconds*1000+millis).UTC(), e.at, "access event time against $msec")
			continue
		}
		lineTime, err := time.ParseInLocation("2006/01/02 15:04:05", e.message[:19], cfg.ErrorLogLocation)
		require.NoError(t, err, e.message)
		assert.Equal(t, lineTime, e.at.Truncate(time.Second), "error event time against the line's time")
	}
}

func TestLogEventsNeedLogEventWriter(t *testing.T) {
	cfg := eventsConfig()
	cfg.Duration = 10 * time.Minute
	w := newMemWriter()
	s, err := Run(context.Background(), cfg, w)
	require.NoError(t, err)

	assert.False(t, s.TerminatorLogEvents)
	assert.Positive(t, terminatorObjects(s), "terminator objects")
	assert.Equal(t, len(w.order), s.AccessObjects+s.ConnectionObjects+s.ControlObjects+terminatorObjects(s), "objects written")
}

func TestLogEventsLeaveALBObjectsUnchanged(t *testing.T) {
	cfg := eventsConfig()
	r := cachedCloudRun(t, "events", cfg)
	objectsCfg := cfg
	objectsCfg.TerminatorLogEvents = false
	plain := newMemWriter()
	_, err := Run(context.Background(), objectsCfg, plain)
	require.NoError(t, err)

	var albKeys []string
	for _, key := range plain.order {
		if !strings.HasPrefix(key, TerminatorKeyPrefix) {
			albKeys = append(albKeys, key)
		}
	}
	assert.Equal(t, albKeys, r.writer.order, "ALB objects written")
	for _, key := range albKeys {
		assert.True(t, bytes.Equal(plain.objects[key], r.writer.objects[key]), "object differs: %s", key)
	}
}

func TestLogEventsDeterministic(t *testing.T) {
	cfg := eventsConfig()
	cfg.Duration = 10 * time.Minute
	first, second := newCloudWriter(), newCloudWriter()
	_, err := Run(context.Background(), cfg, first)
	require.NoError(t, err)
	_, err = Run(context.Background(), cfg, second)
	require.NoError(t, err)
	require.NotEmpty(t, first.events)
	assert.Equal(t, first.events, second.events)
}
