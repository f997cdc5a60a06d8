package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/internal/sim"
)

// minAccessLines is the least number of access-log lines the data set must
// hold.
const minAccessLines = 1_000_000

// dataLayout names the way this file turns a sim.Config into the logs
// folder. Change it whenever that changes, so that an old folder is
// generated again.
const dataLayout = "access-only-v1"

// dataConfig returns the simulation behind the benchmark data: two peak
// hours of the default population with every request on the ALB, at four
// times the default request rate, which gives a little over one million
// access-log lines. MaxLinesPerObject keeps the simulator's default of
// 50,000, so each node writes one object per 5-minute interval, as ALB
// nodes do below that load (about 4,800 lines each here).
func dataConfig() sim.Config {
	cfg := sim.DefaultConfig(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	cfg.Duration = 2 * time.Hour
	cfg.ALBWeight = 100
	cfg.RateScale = 4
	return cfg
}

// dataMarker is the JSON file beside the logs folder that records what the
// folder was generated from. It is written only after the folder is
// complete.
type dataMarker struct {
	Layout  string     `json:"layout"`
	Config  sim.Config `json:"config"`
	Objects int        `json:"access_objects"`
	Lines   int        `json:"access_lines"`
	// Malformed counts the damaged lines among Lines, which cutover stores
	// as rejected lines.
	Malformed int `json:"malformed_access_lines"`
}

// dataSet describes the generated logs folder.
type dataSet struct {
	dir   string
	files []string
	bytes int64
	dataMarker
}

// prepareData returns the logs folder under dir, generating it unless its
// marker shows that it was generated from the same configuration.
func prepareData(ctx context.Context, dir string) (dataSet, error) {
	logs := filepath.Join(dir, "logs")
	markerPath := filepath.Join(dir, "logs.json")
	want := dataMarker{Layout: dataLayout, Config: dataConfig()}

	var have dataMarker
	if raw, err := os.ReadFile(markerPath); err == nil && json.Unmarshal(raw, &have) == nil && sameConfig(have, want) {
		fmt.Fprintf(os.Stderr, "reusing %s: generated from the same configuration\n", logs)
		return listData(logs, have)
	}

	fmt.Fprintf(os.Stderr, "generating %s ...\n", logs)
	if err := os.Remove(markerPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dataSet{}, err
	}
	if err := os.RemoveAll(logs); err != nil {
		return dataSet{}, err
	}
	start := time.Now()
	sum, err := sim.Run(ctx, want.Config, accessOnly{sim.DirWriter{Root: logs}})
	if err != nil {
		return dataSet{}, fmt.Errorf("generate benchmark logs in %s: %w", logs, err)
	}
	if sum.AccessLines+sum.MalformedAccess.Total() < minAccessLines {
		return dataSet{}, fmt.Errorf("generated %d access lines, want at least %d: raise RateScale in dataConfig",
			sum.AccessLines+sum.MalformedAccess.Total(), minAccessLines)
	}
	want.Objects = sum.AccessObjects
	want.Malformed = sum.MalformedAccess.Total()
	want.Lines = sum.AccessLines + want.Malformed
	fmt.Fprintf(os.Stderr, "generated %d access lines in %d objects in %.1f s\n",
		want.Lines, want.Objects, time.Since(start).Seconds())

	raw, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		return dataSet{}, err
	}
	if err := os.WriteFile(markerPath, raw, 0o644); err != nil {
		return dataSet{}, err
	}
	return listData(logs, want)
}

// sameConfig reports whether two markers describe the same generation.
func sameConfig(a, b dataMarker) bool {
	ja, errA := json.Marshal(a.Config)
	jb, errB := json.Marshal(b.Config)
	return errA == nil && errB == nil && a.Layout == b.Layout && bytes.Equal(ja, jb)
}

// listData finds the objects in the logs folder and checks them against
// the marker, so that a folder changed by hand is not measured.
func listData(logs string, m dataMarker) (dataSet, error) {
	d := dataSet{dir: logs, dataMarker: m}
	err := filepath.WalkDir(logs, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		d.files = append(d.files, path)
		d.bytes += info.Size()
		return nil
	})
	if err != nil {
		return dataSet{}, fmt.Errorf("list benchmark logs: %w", err)
	}
	if len(d.files) != m.Objects {
		return dataSet{}, fmt.Errorf("%s contains %d files, but its marker records %d objects: delete %s and run again",
			logs, len(d.files), m.Objects, filepath.Dir(logs))
	}
	sort.Strings(d.files)
	return d, nil
}

// accessOnly passes only access-log objects on, dropping connection-log
// objects and the ELBAccessLogTestFile, so that every method reads the same
// kind of line.
type accessOnly struct {
	w sim.ObjectWriter
}

func (a accessOnly) WriteObject(ctx context.Context, key string, body []byte) error {
	if ingest.Classify(key).Kind != ingest.KindALBAccess {
		return nil
	}
	return a.w.WriteObject(ctx, key, body)
}
