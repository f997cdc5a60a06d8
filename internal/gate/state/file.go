package state

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

const (
	// staleLockAge is the age after which a lock file is reported as
	// stale. A save holds the lock for milliseconds, so a lock this old was
	// left by a process that stopped while it held it.
	staleLockAge = time.Minute
	// lockWait is how long Save waits for another process's lock.
	lockWait = 10 * time.Second
	// lockPollInterval is how often Save tries again to take the lock.
	lockPollInterval = 10 * time.Millisecond
)

// fileStore keeps the state in a local file. Its Version is the hex SHA-256
// of the file's content.
//
// Save takes a lock file next to the state, created with O_EXCL, compares
// the stored version while it holds the lock, and replaces the state by
// renaming a synced temporary file over it. Load takes no lock, because the
// rename replaces the file in one step and a reader sees the old or the new
// content. The lock works only between processes that share the file
// system and use this store.
type fileStore struct {
	path     string
	lockPath string
	// lockWait is how long Save waits for another process's lock before
	// it gives up. Tests shorten it.
	lockWait time.Duration
}

func newFileStore(path string) *fileStore {
	return &fileStore{path: path, lockPath: path + ".lock", lockWait: lockWait}
}

func (f *fileStore) Load(ctx context.Context) (State, Version, error) {
	data, version, err := f.read()
	if err != nil {
		return State{}, "", err
	}
	if version == "" {
		return emptyState(), "", nil
	}
	st, err := decode(data)
	if err != nil {
		return State{}, "", fmt.Errorf("state %s: %w", f.path, err)
	}
	return st, version, nil
}

func (f *fileStore) Save(ctx context.Context, st State, expected Version) (Version, error) {
	data, err := encode(st)
	if err != nil {
		return "", fmt.Errorf("state %s: %w", f.path, err)
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("state %s: create folder: %w", f.path, err)
	}

	unlock, err := f.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()

	_, current, err := f.read()
	if err != nil {
		return "", err
	}
	if current != expected {
		if expected == "" {
			return "", fmt.Errorf("state %s: %w: the file exists but was expected not to", f.path, ErrConflict)
		}
		if current == "" {
			return "", fmt.Errorf("state %s: %w: the file no longer exists", f.path, ErrConflict)
		}
		return "", fmt.Errorf("state %s: %w: the content's SHA-256 is no longer %s", f.path, ErrConflict, expected)
	}

	if err := f.replace(dir, data); err != nil {
		return "", err
	}
	return contentVersion(data), nil
}

// read returns the file's content and version, or no content and the empty
// Version when the file does not exist.
func (f *fileStore) read() ([]byte, Version, error) {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("state %s: read: %w", f.path, withoutPath(err, f.path))
	}
	return data, contentVersion(data), nil
}

// replace writes data to a temporary file in dir, syncs it and renames it
// over the state file, so that the state file always has either the old or
// the new content.
func (f *fileStore) replace(dir string, data []byte) error {
	temp, err := os.CreateTemp(dir, filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("state %s: create temporary file: %w", f.path, err)
	}
	tempPath := temp.Name()
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tempPath)
		}
	}()

	_, err = temp.Write(data)
	if err == nil {
		err = temp.Sync()
	}
	if closeErr := temp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		// CreateTemp creates the file readable only by its owner.
		err = os.Chmod(tempPath, 0o644)
	}
	if err != nil {
		return fmt.Errorf("state %s: write temporary file: %w", f.path, err)
	}

	if err := os.Rename(tempPath, f.path); err != nil {
		return fmt.Errorf("state %s: replace with %s: %w", f.path, tempPath, err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("state %s: sync folder after rename: %w", f.path, err)
	}
	return nil
}

// lock creates the lock file, waiting up to f.lockWait while another
// process holds it, and returns the function that removes it. A lock file
// older than staleLockAge is an error, and lock leaves it in place because
// only a person can tell that no gate run still holds it.
func (f *fileStore) lock(ctx context.Context) (unlock func(), err error) {
	deadline := time.Now().Add(f.lockWait)
	for {
		file, err := os.OpenFile(f.lockPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			owner := lockOwner()
			_, writeErr := file.WriteString(owner)
			closeErr := file.Close()
			if err := errors.Join(writeErr, closeErr); err != nil {
				os.Remove(f.lockPath)
				return nil, fmt.Errorf("state %s: write lock file %s: %w", f.path, f.lockPath, err)
			}
			return func() { f.unlock(owner) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("state %s: create lock file: %w", f.path, err)
		}

		info, statErr := os.Stat(f.lockPath)
		if statErr == nil {
			age := time.Since(info.ModTime())
			if age > staleLockAge {
				return nil, fmt.Errorf("state %s: lock file %s is stale, created %s ago by %s. Remove it if no gate run is saving this state, then run again",
					f.path, f.lockPath, age.Round(time.Second), readLockOwner(f.lockPath))
			}
		} else if !errors.Is(statErr, fs.ErrNotExist) {
			return nil, fmt.Errorf("state %s: inspect lock file: %w", f.path, statErr)
		}
		// A lock file that disappeared since OpenFile was released, so the
		// next attempt can take it at once.

		if time.Now().After(deadline) {
			return nil, fmt.Errorf("state %s: timed out after %s waiting for lock file %s, held by %s",
				f.path, f.lockWait, f.lockPath, readLockOwner(f.lockPath))
		}
		if err := sleep(ctx, lockPollInterval); err != nil {
			return nil, fmt.Errorf("state %s: wait for lock file %s: %w", f.path, f.lockPath, err)
		}
	}
}

// unlock removes the lock file if it still has the owner line that this
// process wrote, so that a process does not remove a lock that someone
// removed as stale and another process took since.
func (f *fileStore) unlock(owner string) {
	data, err := os.ReadFile(f.lockPath)
	if err != nil || string(data) != owner {
		return
	}
	os.Remove(f.lockPath)
}

// lockOwner returns the text written into a lock file. It names the
// process that holds the lock for a person who finds it left behind, and
// its random number distinguishes two saves in one process.
func lockOwner() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	return fmt.Sprintf("process %d on %s at %s (lock %016x)\n",
		os.Getpid(), host, time.Now().UTC().Format(time.RFC3339), rand.Uint64())
}

// readLockOwner returns the owner line of a lock file, for error messages.
func readLockOwner(path string) string {
	data, err := os.ReadFile(path)
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return "an unknown process"
	}
	return string(bytes.TrimSpace(data))
}

// syncDir flushes a folder's entries, so that a rename in it survives a
// crash. Windows cannot sync a folder, and there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	syncErr := d.Sync()
	return errors.Join(syncErr, d.Close())
}

// contentVersion returns the Version of a file's content: its hex SHA-256.
func contentVersion(data []byte) Version {
	sum := sha256.Sum256(data)
	return Version(hex.EncodeToString(sum[:]))
}

// withoutPath returns the cause of a *fs.PathError about path, so that an
// error that already names the location does not name it twice.
func withoutPath(err error, path string) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) && pathErr.Path == path {
		return pathErr.Err
	}
	return err
}
