package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/gate"
)

// planBatchFile is the part of a --plan-out file that the tests check.
type planBatchFile struct {
	Comment string
	Changes []struct {
		Action            string
		ResourceRecordSet struct {
			Name          string
			Type          string
			SetIdentifier string
			Weight        int64
		}
	}
}

// weightedPair returns a CNAME pair of name in zoneID at 90 and 10.
func weightedPair(zoneID, name string) gate.Pair {
	record := func(id string, weight int64) types.ResourceRecordSet {
		return types.ResourceRecordSet{Name: aws.String(name), Type: types.RRTypeCname, SetIdentifier: aws.String(id),
			Weight: aws.Int64(weight), TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String(id + ".example.org")}}}
	}
	return gate.Pair{
		Set: gate.RecordSet{ZoneID: zoneID, Name: name, Type: "CNAME", NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"},
		NLB: record("nlb", 90),
		ALB: record("alb", 10),
	}
}

// readPlanFile decodes one --plan-out file.
func readPlanFile(t *testing.T, path string) planBatchFile {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var batch planBatchFile
	require.NoError(t, json.Unmarshal(data, &batch), "%s is not valid JSON: %s", path, data)
	return batch
}

// dirNames returns the names of the files in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestGatePlanFilesOneZone(t *testing.T) {
	plan, err := gate.PlanShift(gate.Weights{Pairs: []gate.Pair{weightedPair("Z111111111111", "mtls.example.com.")}}, 25, 100, "10 % to 25 %")
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "batch.json")

	require.NoError(t, writePlanFiles(path, plan))

	assert.Equal(t, []string{"batch.json"}, dirNames(t, dir), "one zone writes the file named by --plan-out")
	batch := readPlanFile(t, path)
	assert.Equal(t, "10 % to 25 %", batch.Comment)
	require.Len(t, batch.Changes, 4)
	var actions []string
	var weights []int64
	for _, c := range batch.Changes {
		actions = append(actions, c.Action)
		weights = append(weights, c.ResourceRecordSet.Weight)
		assert.Equal(t, "mtls.example.com.", c.ResourceRecordSet.Name)
	}
	assert.Equal(t, []string{"DELETE", "DELETE", "CREATE", "CREATE"}, actions)
	assert.Equal(t, []int64{90, 10, 75, 25}, weights)
}

func TestGatePlanFilesTwoZones(t *testing.T) {
	pairs := []gate.Pair{weightedPair("Z111111111111", "mtls.example.com."), weightedPair("Z222222222222", "mtls.example.net.")}
	plan, err := gate.PlanShift(gate.Weights{Pairs: pairs}, 25, 100, "10 % to 25 %")
	require.NoError(t, err)
	require.Len(t, plan.Batches, 2)
	dir := t.TempDir()

	require.NoError(t, writePlanFiles(filepath.Join(dir, "batch.json"), plan))

	assert.Equal(t, []string{"batch-Z111111111111.json", "batch-Z222222222222.json"}, dirNames(t, dir),
		"each zone gets its own file, with the zone ID before the extension")
	for zoneID, name := range map[string]string{"Z111111111111": "mtls.example.com.", "Z222222222222": "mtls.example.net."} {
		batch := readPlanFile(t, filepath.Join(dir, "batch-"+zoneID+".json"))
		require.Len(t, batch.Changes, 4, "zone %s", zoneID)
		for _, c := range batch.Changes {
			assert.Equal(t, name, c.ResourceRecordSet.Name, "zone %s holds only its own records", zoneID)
		}
		assert.Equal(t, int64(25), batch.Changes[3].ResourceRecordSet.Weight, "zone %s: the ALB record's new weight", zoneID)
	}
}

func TestGatePlanFilesUnwritable(t *testing.T) {
	plan, err := gate.PlanShift(gate.Weights{Pairs: []gate.Pair{weightedPair("Z111111111111", "mtls.example.com.")}}, 25, 100, "")
	require.NoError(t, err)

	err = writePlanFiles(filepath.Join(t.TempDir(), "missing", "batch.json"), plan)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "write --plan-out")
}
