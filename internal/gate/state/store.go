package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Version identifies one stored content of the state: an S3 ETag, or the
// hex SHA-256 of a file's content. The empty Version means that no state is
// stored yet.
type Version string

// ErrConflict is the error that Save returns, wrapped with the location,
// when the stored version is no longer the one that the caller loaded, or
// when the caller tried to create a state that already exists.
var ErrConflict = errors.New("the state was saved by another gate run since it was loaded")

// Store loads and saves the state at one location.
type Store interface {
	// Load returns the stored state and its version. When no state is
	// stored, it returns a State with only FormatVersion set, and the
	// empty Version.
	Load(ctx context.Context) (State, Version, error)
	// Save writes s if the stored version is still expected, and returns
	// the new version. The empty expected Version creates the state and
	// requires that none exists. When the stored version differs, Save
	// writes nothing and returns an error that matches ErrConflict.
	Save(ctx context.Context, s State, expected Version) (Version, error)
}

// Open returns the store for a state location: "s3://bucket/key" for an S3
// object, which s3Client reads and writes, and any other value for a local
// file path. s3Client may be nil for a file path. Open sends no request and
// touches no file, so ctx is unused.
func Open(_ context.Context, location string, s3Client S3API) (Store, error) {
	if location == "" {
		return nil, errors.New("state location is empty, expected a file path or s3://bucket/key")
	}
	if rest, ok := strings.CutPrefix(location, "s3://"); ok {
		bucket, key, _ := strings.Cut(rest, "/")
		if bucket == "" || key == "" || strings.HasSuffix(key, "/") {
			return nil, fmt.Errorf("state location %q is invalid: an S3 location is s3://bucket/key, with a key that does not end in /", location)
		}
		if s3Client == nil {
			return nil, fmt.Errorf("state location %s: no S3 client was given", location)
		}
		return &s3Store{client: s3Client, bucket: bucket, key: key, location: location}, nil
	}
	return newFileStore(location), nil
}

// maxUpdateAttempts is the number of times that Update loads, mutates and
// saves before it returns the conflict. When n runs each call Update once
// at the same time, none needs more than n attempts, because each conflict
// means that another of those runs saved. The exception is S3's 409
// ConditionalRequestConflict, which a write in progress can cause and
// which can cost more attempts. Gate runs start minutes apart, so 10
// leaves a wide margin.
const maxUpdateAttempts = 10

// Update loads the state, applies mutate to it and saves it. When another
// run saved first, Update waits a random pause, loads again and repeats, up
// to 10 attempts in all. It returns the saved state and its version.
//
// mutate may run more than once and each time receives a fresh load, so it
// must change only the State it is given. Use Update only for writes that
// are safe to repeat on a newer state, such as appending an evaluation's
// audit entry. A write that claims a Route 53 change must use Store.Save
// directly and treat ErrConflict as the claim being refused.
func Update(ctx context.Context, store Store, mutate func(*State) error) (State, Version, error) {
	for attempt := 1; ; attempt++ {
		current, version, err := store.Load(ctx)
		if err != nil {
			return State{}, "", err
		}
		if err := mutate(&current); err != nil {
			return State{}, "", err
		}

		saved, err := store.Save(ctx, current, version)
		if err == nil {
			return current, saved, nil
		}
		if !errors.Is(err, ErrConflict) {
			return State{}, "", err
		}
		if attempt == maxUpdateAttempts {
			return State{}, "", fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		if err := sleep(ctx, updateBackoff(attempt)); err != nil {
			return State{}, "", err
		}
	}
}

// updateBackoff returns a random pause before the attempt after attempt.
// The pause is at most 10ms doubled with each attempt, and at most 500ms.
// Drawing it from the whole range spreads out runs that conflicted with
// each other.
func updateBackoff(attempt int) time.Duration {
	maximum := min(10*time.Millisecond<<min(attempt-1, 10), 500*time.Millisecond)
	return rand.N(maximum) + time.Millisecond
}

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// encode returns the stored form of s: indented JSON with the current
// format version, ending in a newline.
func encode(s State) ([]byte, error) {
	s.FormatVersion = FormatVersion
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return append(data, '\n'), nil
}

// decode parses a stored state. It checks the format version before the
// other fields, so that a document in another format gets an error about
// the version and not about a field. The errors do not name the location,
// because the callers add it.
func decode(data []byte) (State, error) {
	var header struct {
		FormatVersion *int `json:"version"`
	}
	if err := json.Unmarshal(data, &header); err != nil {
		return State{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if header.FormatVersion == nil {
		return State{}, fmt.Errorf(`the "version" field is missing, expected %d`, FormatVersion)
	}
	if *header.FormatVersion != FormatVersion {
		return State{}, fmt.Errorf("format version %d is not supported, because this build reads only version %d", *header.FormatVersion, FormatVersion)
	}

	// Unknown fields are an error so that this build does not drop, on its
	// next save, fields that another build wrote.
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var s State
	if err := decoder.Decode(&s); err != nil {
		return State{}, fmt.Errorf("invalid state: %w", err)
	}
	// The json.Unmarshal above already rejected data after the object.
	return s, nil
}

// emptyState is the State that Load returns when none is stored.
func emptyState() State {
	return State{FormatVersion: FormatVersion}
}
