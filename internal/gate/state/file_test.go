package state

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileSaveWaitsForLock(t *testing.T) {
	location := filepath.Join(t.TempDir(), "state.json")
	lockPath := location + ".lock"
	require.NoError(t, os.WriteFile(lockPath, []byte("process 1 on ci-runner\n"), 0o644))
	go func() {
		time.Sleep(100 * time.Millisecond)
		os.Remove(lockPath)
	}()

	store := newFileStore(location)
	_, err := store.Save(context.Background(), State{Policy: "checkout"}, "")
	require.NoError(t, err)

	_, err = os.Stat(lockPath)
	assert.ErrorIs(t, err, os.ErrNotExist, "Save removes its lock file")
}

func TestFileSaveLockTimeout(t *testing.T) {
	location := filepath.Join(t.TempDir(), "state.json")
	lockPath := location + ".lock"
	require.NoError(t, os.WriteFile(lockPath, []byte("process 4242 on ci-runner-7\n"), 0o644))

	store := newFileStore(location)
	store.lockWait = 50 * time.Millisecond
	_, err := store.Save(context.Background(), State{Policy: "checkout"}, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timed out")
	assert.Contains(t, err.Error(), "process 4242 on ci-runner-7")
	assert.NotErrorIs(t, err, ErrConflict)

	_, err = os.Stat(location)
	assert.ErrorIs(t, err, os.ErrNotExist, "no state is written without the lock")
	_, err = os.Stat(lockPath)
	assert.NoError(t, err, "the other process's lock stays")
}

func TestFileSaveStaleLock(t *testing.T) {
	location := filepath.Join(t.TempDir(), "state.json")
	lockPath := location + ".lock"
	require.NoError(t, os.WriteFile(lockPath, []byte("process 4242 on ci-runner-7\n"), 0o644))
	old := time.Now().Add(-2 * time.Minute)
	require.NoError(t, os.Chtimes(lockPath, old, old))

	store := newFileStore(location)
	start := time.Now()
	_, err := store.Save(context.Background(), State{Policy: "checkout"}, "")
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second, "a stale lock is reported at once")
	assert.Contains(t, err.Error(), "is stale")
	assert.Contains(t, err.Error(), lockPath)
	assert.Contains(t, err.Error(), "process 4242 on ci-runner-7")
	assert.Equal(t, 1, strings.Count(err.Error(), location+":"), "the error names the location once: %v", err)

	_, err = os.Stat(lockPath)
	assert.NoError(t, err, "a stale lock is left for a person to remove")
}

func TestFileSaveWritesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	location := filepath.Join(dir, "state.json")
	store := newFileStore(location)
	ctx := context.Background()

	v1, err := store.Save(ctx, State{Policy: "checkout"}, "")
	require.NoError(t, err)
	_, err = store.Save(ctx, State{Policy: "checkout", Step: 1, ALBWeight: 10}, v1)
	require.NoError(t, err)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"state.json"}, names)

	info, err := os.Stat(location)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}

func TestFileVersionIsContentHash(t *testing.T) {
	location := filepath.Join(t.TempDir(), "state.json")
	store := newFileStore(location)
	version, err := store.Save(context.Background(), State{Policy: "checkout"}, "")
	require.NoError(t, err)

	data, err := os.ReadFile(location)
	require.NoError(t, err)
	assert.Equal(t, contentVersion(data), version)
	assert.Len(t, string(version), 64, "hex SHA-256")
}
