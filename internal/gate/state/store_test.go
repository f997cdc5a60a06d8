package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
)

// backend is one kind of state location under test, with direct access to
// the stored bytes so that tests can check and corrupt them.
type backend struct {
	name string
	// open returns a store at a new, empty location and that location.
	open func(t *testing.T) (Store, string, rawAccess)
}

// rawAccess reads and writes the stored bytes, bypassing the store.
type rawAccess struct {
	read  func(t *testing.T) []byte
	write func(t *testing.T, data []byte)
}

func backends() []backend {
	return []backend{
		{name: "file", open: openFileBackend},
		{name: "s3", open: openS3Backend},
	}
}

func openFileBackend(t *testing.T) (Store, string, rawAccess) {
	t.Helper()
	// The folder does not exist yet, so the first Save must create it.
	location := filepath.Join(t.TempDir(), "gate", "state.json")
	store, err := Open(context.Background(), location, nil)
	require.NoError(t, err)
	raw := rawAccess{
		read: func(t *testing.T) []byte {
			data, err := os.ReadFile(location)
			require.NoError(t, err)
			return data
		},
		write: func(t *testing.T, data []byte) {
			require.NoError(t, os.MkdirAll(filepath.Dir(location), 0o755))
			require.NoError(t, os.WriteFile(location, data, 0o644))
		},
	}
	return store, location, raw
}

func openS3Backend(t *testing.T) (Store, string, rawAccess) {
	t.Helper()
	client := startS3(t, "cutover-state")
	location := "s3://cutover-state/gates/checkout/state.json"
	store, err := Open(context.Background(), location, client)
	require.NoError(t, err)
	raw := rawAccess{
		read: func(t *testing.T) []byte {
			out, err := client.GetObject(context.Background(), &s3.GetObjectInput{
				Bucket: aws.String("cutover-state"),
				Key:    aws.String("gates/checkout/state.json"),
			})
			require.NoError(t, err)
			defer out.Body.Close()
			data, err := io.ReadAll(out.Body)
			require.NoError(t, err)
			return data
		},
		write: func(t *testing.T, data []byte) {
			_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String("cutover-state"),
				Key:    aws.String("gates/checkout/state.json"),
				Body:   bytes.NewReader(data),
			})
			require.NoError(t, err)
		},
	}
	return store, location, raw
}

// startS3 starts a loopback server with one empty bucket and returns an S3
// client for it with the server's static credentials and region.
func startS3(t *testing.T, bucket string) *s3.Client {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv, err := loopback.Start(loopback.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	require.NoError(t, srv.CreateBucket(bucket))

	env := map[string]string{}
	for _, kv := range srv.Env() {
		name, value, _ := strings.Cut(kv, "=")
		env[name] = value
	}
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Region:       env["AWS_REGION"],
		Credentials: credentials.NewStaticCredentialsProvider(
			env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], ""),
	})
}

// evaluation returns an evaluation entry at minute m of the migration.
func evaluation(m int, message string) Entry {
	return Entry{
		Time:      time.Date(2025, 3, 4, 10, m, 0, 0, time.UTC),
		Kind:      EntryEvaluation,
		Verdict:   VerdictHaltWait,
		Before:    RecordWeights{ALB: 10, NLB: 90},
		After:     RecordWeights{ALB: 10, NLB: 90},
		Outcome:   OutcomeNone,
		CallerARN: "arn:aws:sts::123456789012:assumed-role/cutover-ci/pipeline",
		Checks: []Check{
			{Name: "error-rate", Verdict: "PASS", Summary: "ALB 5xx rate 0.02% is within 0.1% of the NLB's."},
			{Name: "soak", Verdict: "WAIT", Summary: "The step has run 12 of 30 minutes."},
		},
		Message:  message,
		ExitCode: 3,
	}
}

func TestStoreCreateLoadUpdate(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			store, _, _ := b.open(t)

			empty, version, err := store.Load(ctx)
			require.NoError(t, err)
			assert.Equal(t, Version(""), version, "version of a missing state")
			assert.Equal(t, State{FormatVersion: FormatVersion}, empty)

			created := State{Policy: "checkout", Step: 1, ALBWeight: 10,
				StepStartedAt: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
			v1, err := store.Save(ctx, created, "")
			require.NoError(t, err)
			require.NotEmpty(t, v1)

			loaded, loadedVersion, err := store.Load(ctx)
			require.NoError(t, err)
			assert.Equal(t, v1, loadedVersion, "Load returns the version that Save returned")
			created.FormatVersion = FormatVersion
			assert.Equal(t, created, loaded)

			loaded.Append(evaluation(5, "soak time not reached"))
			v2, err := store.Save(ctx, loaded, v1)
			require.NoError(t, err)
			assert.NotEqual(t, v1, v2, "a changed state gets a new version")

			updated, updatedVersion, err := store.Load(ctx)
			require.NoError(t, err)
			assert.Equal(t, v2, updatedVersion)
			require.Len(t, updated.Audit, 1)
			assert.Equal(t, evaluation(5, "soak time not reached"), updated.Audit[0])
		})
	}
}

func TestStoreSaveConflict(t *testing.T) {
	tests := []struct {
		name string
		// expected returns the version to save with, given the version of
		// the stored state and the version that it replaced.
		expected func(current, previous Version) Version
		reason   string
	}{
		{
			name:     "stale version",
			expected: func(current, previous Version) Version { return previous },
			reason:   "is no longer",
		},
		{
			name:     "create when one exists",
			expected: func(current, previous Version) Version { return "" },
			reason:   "expected not to",
		},
	}
	for _, b := range backends() {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				store, location, raw := b.open(t)

				v1, err := store.Save(ctx, State{Policy: "checkout"}, "")
				require.NoError(t, err)
				v2, err := store.Save(ctx, State{Policy: "checkout", Step: 1, ALBWeight: 10}, v1)
				require.NoError(t, err)
				before := raw.read(t)

				_, err = store.Save(ctx, State{Policy: "checkout", Step: 2, ALBWeight: 25}, tt.expected(v2, v1))
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrConflict)
				assert.Equal(t, 1, strings.Count(err.Error(), location), "the error names the location once: %v", err)
				assert.Contains(t, err.Error(), tt.reason)
				assert.Equal(t, string(before), string(raw.read(t)), "a rejected save leaves the stored content unchanged")

				_, version, err := store.Load(ctx)
				require.NoError(t, err)
				assert.Equal(t, v2, version)
			})
		}
	}
}

func TestStoreSaveRace(t *testing.T) {
	const rounds = 50
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			store, _, _ := b.open(t)
			_, err := store.Save(ctx, State{Policy: "checkout"}, "")
			require.NoError(t, err)

			for round := range rounds {
				current, version, err := store.Load(ctx)
				require.NoError(t, err)

				start := make(chan struct{})
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for runner := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						claimed := current
						claimed.Audit = append(claimed.Audit[:len(claimed.Audit):len(claimed.Audit)],
							evaluation(round%60, fmt.Sprintf("round %d runner %d", round, runner)))
						<-start
						_, errs[runner] = store.Save(ctx, claimed, version)
					}()
				}
				close(start)
				wg.Wait()

				var winners []int
				for runner, err := range errs {
					if err == nil {
						winners = append(winners, runner)
						continue
					}
					assert.ErrorIs(t, err, ErrConflict, "round %d runner %d", round, runner)
				}
				require.Len(t, winners, 1, "round %d: exactly one save wins", round)

				stored, _, err := store.Load(ctx)
				require.NoError(t, err)
				require.Len(t, stored.Audit, round+1)
				assert.Equal(t, fmt.Sprintf("round %d runner %d", round, winners[0]), stored.Audit[round].Message,
					"round %d: the stored state is the winner's", round)
			}
		})
	}
}

func TestUpdateUnderContention(t *testing.T) {
	const (
		goroutines = 8
		rounds     = 10
	)
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			store, _, _ := b.open(t)

			// In each round, every goroutine appends one entry and all of
			// them start together, as gate runs that start at once do.
			// Each conflict means that another goroutine of the round
			// saved, so no Update needs more than 8 attempts.
			for round := range rounds {
				start := make(chan struct{})
				errs := make([]error, goroutines)
				var wg sync.WaitGroup
				for g := range goroutines {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, _, errs[g] = Update(ctx, store, func(s *State) error {
							s.Policy = "checkout"
							s.Append(evaluation(round, fmt.Sprintf("round %d goroutine %d", round, g)))
							return nil
						})
					}()
				}
				close(start)
				wg.Wait()
				for g, err := range errs {
					assert.NoError(t, err, "round %d goroutine %d", round, g)
				}
			}

			stored, _, err := store.Load(ctx)
			require.NoError(t, err)
			assert.Equal(t, goroutines*rounds, len(stored.Audit), "audit entries")
			seen := map[string]int{}
			for _, e := range stored.Audit {
				seen[e.Message]++
			}
			for round := range rounds {
				for g := range goroutines {
					message := fmt.Sprintf("round %d goroutine %d", round, g)
					assert.Equal(t, 1, seen[message], "entry %q", message)
				}
			}
		})
	}
}

func TestUpdateMutateError(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			store, _, _ := b.open(t)
			rejected := errors.New("policy name does not match")

			_, _, err := Update(ctx, store, func(s *State) error { return rejected })
			assert.ErrorIs(t, err, rejected)

			_, version, err := store.Load(ctx)
			require.NoError(t, err)
			assert.Equal(t, Version(""), version, "a failed mutation saves nothing")
		})
	}
}

func TestStoreLoadInvalid(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{name: "corrupt JSON", content: `{"version": 1, "policy": "checkout"`, want: "invalid JSON"},
		{name: "empty", content: ``, want: "invalid JSON"},
		{name: "wrong format version", content: `{"version": 2, "policy": "checkout"}`, want: "format version 2 is not supported, because this build reads only version 1"},
		{name: "missing format version", content: `{"policy": "checkout"}`, want: `the "version" field is missing`},
		{name: "unknown field", content: `{"version": 1, "policy": "checkout", "owner": "team-a"}`, want: `unknown field "owner"`},
		{name: "wrong field type", content: `{"version": 1, "step": "two"}`, want: "invalid state"},
		{name: "trailing data", content: `{"version": 1} {"version": 1}`, want: "invalid JSON"},
	}
	for _, b := range backends() {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				store, location, raw := b.open(t)
				raw.write(t, []byte(tt.content))

				_, _, err := store.Load(context.Background())
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.want)
				assert.Equal(t, 1, strings.Count(err.Error(), location), "the error names the location once: %v", err)
			})
		}
	}
}

func TestOpenLocation(t *testing.T) {
	client := s3.New(s3.Options{Region: "eu-west-1"})
	tests := []struct {
		location string
		client   S3API
		want     string
	}{
		{location: "", want: "state location is empty"},
		{location: "s3://", client: client, want: "is invalid"},
		{location: "s3://cutover-state", client: client, want: "is invalid"},
		{location: "s3://cutover-state/", client: client, want: "is invalid"},
		{location: "s3:///state.json", client: client, want: "is invalid"},
		{location: "s3://cutover-state/gates/", client: client, want: "is invalid"},
		{location: "s3://cutover-state/state.json", want: "no S3 client was given"},
	}
	for _, tt := range tests {
		t.Run(tt.location, func(t *testing.T) {
			_, err := Open(context.Background(), tt.location, tt.client)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("kinds", func(t *testing.T) {
		store, err := Open(context.Background(), "s3://cutover-state/gates/checkout.json", client)
		require.NoError(t, err)
		require.IsType(t, &s3Store{}, store)
		assert.Equal(t, "cutover-state", store.(*s3Store).bucket)
		assert.Equal(t, "gates/checkout.json", store.(*s3Store).key)

		store, err = Open(context.Background(), "state/checkout.json", nil)
		require.NoError(t, err)
		require.IsType(t, &fileStore{}, store)
		assert.Equal(t, "state/checkout.json", store.(*fileStore).path)
	})
}
