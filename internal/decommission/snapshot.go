package decommission

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// SnapshotFormatVersion is the value of the "version" field that this
// build writes and the only one it reads.
const SnapshotFormatVersion = 1

// snapshotTimeLayout is the time in a snapshot's file name, which sorts in
// time order as text.
const snapshotTimeLayout = "20060102T150405Z"

// Snapshot is the NLB's configuration and the plan, saved as JSON before
// anything is deleted, so that the NLB can be rebuilt by hand and a rerun
// can finish the plan once the NLB is gone. AWS objects keep the field
// names of the AWS SDK for Go v2.
type Snapshot struct {
	FormatVersion int                   `json:"version"`
	CreatedAt     time.Time             `json:"created_at"`
	LoadBalancer  elbtypes.LoadBalancer `json:"load_balancer"`
	Attributes    map[string]string     `json:"attributes"`
	Tags          map[string]string     `json:"tags"`
	Listeners     []elbtypes.Listener   `json:"listeners"`
	TargetGroups  []TargetGroup         `json:"target_groups"`
	Plan          *Plan                 `json:"plan"`
}

// WriteSnapshot writes the plan's inventory and the plan to a new file
// NAME-TIME.json in dir, creating dir when needed, and returns the file's
// path. It syncs the file before it returns, because the deletions that
// follow rely on it. A second snapshot in the same second gets the suffix
// -2, -3 and so on.
func WriteSnapshot(dir string, plan *Plan, now time.Time) (string, error) {
	inv := plan.inventory
	if inv == nil {
		return "", errors.New("write snapshot: the plan was read from a snapshot and has no inventory of its own")
	}
	snapshot := Snapshot{
		FormatVersion: SnapshotFormatVersion,
		CreatedAt:     now.UTC(),
		LoadBalancer:  inv.LoadBalancer,
		Attributes:    inv.Attributes,
		Tags:          inv.Tags,
		Listeners:     inv.Listeners,
		TargetGroups:  inv.TargetGroups,
		Plan:          plan,
	}
	data, err := json.MarshalIndent(snapshot, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode the snapshot of %s: %w", plan.LoadBalancerName, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create snapshot directory: %w", err)
	}

	base := plan.LoadBalancerName + "-" + now.UTC().Format(snapshotTimeLayout)
	for n := 1; ; n++ {
		name := base + ".json"
		if n > 1 {
			name = fmt.Sprintf("%s-%d.json", base, n)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create snapshot file: %w", err)
		}
		if err := writeAndSync(f, append(data, '\n')); err != nil {
			os.Remove(path)
			return "", fmt.Errorf("write snapshot file %s: %w", path, err)
		}
		return path, nil
	}
}

func writeAndSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadSnapshot reads a snapshot file. Its plan, passed to Execute, resumes
// the decommission without writing another snapshot.
func ReadSnapshot(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	var snapshot Snapshot
	if err := json.Unmarshal(data, &snapshot); err != nil {
		return nil, fmt.Errorf("read snapshot %s: invalid JSON: %w", path, err)
	}
	if snapshot.FormatVersion != SnapshotFormatVersion {
		return nil, fmt.Errorf("read snapshot %s: version %d is not supported, want %d", path, snapshot.FormatVersion, SnapshotFormatVersion)
	}
	if snapshot.Plan == nil {
		return nil, fmt.Errorf("read snapshot %s: the plan is missing", path)
	}
	snapshot.Plan.resumedFrom = path
	return &snapshot, nil
}

// LatestSnapshot reads the newest snapshot of the load balancer named name
// in dir, by the time in the file names. It returns an error that wraps
// os.ErrNotExist when there is none.
func LatestSnapshot(dir, name string) (*Snapshot, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list snapshots of %s: %w", name, err)
	}

	type candidate struct {
		path string
		time time.Time
		seq  int
	}
	var candidates []candidate
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), name+"-")
		if !ok || e.IsDir() {
			continue
		}
		rest, ok = strings.CutSuffix(rest, ".json")
		if !ok {
			continue
		}
		stamp, seqText, hasSeq := strings.Cut(rest, "-")
		t, err := time.Parse(snapshotTimeLayout, stamp)
		if err != nil {
			continue
		}
		seq := 1
		if hasSeq {
			if seq, err = strconv.Atoi(seqText); err != nil {
				continue
			}
		}
		candidates = append(candidates, candidate{path: filepath.Join(dir, e.Name()), time: t, seq: seq})
	}
	if len(candidates) == 0 {
		return nil, fmt.Errorf("no snapshot of load balancer %s in %s: %w", name, dir, os.ErrNotExist)
	}
	latest := slices.MaxFunc(candidates, func(a, b candidate) int {
		if c := a.time.Compare(b.time); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	return ReadSnapshot(latest.path)
}
