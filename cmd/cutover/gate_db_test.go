package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A mistyped --db is an error, and the gate creates no database that would
// only ever make it wait.
func TestGateMissingDatabase(t *testing.T) {
	_, policyFile := gateAccount(t, 90, 10, "")
	db := filepath.Join(t.TempDir(), "typo.duckdb")

	code, out, errOut := cutoverAt(t, scenarioStart, "gate", "--db", db, "--policy", policyFile)
	assert.Equal(t, exitError, code, errOut)
	assert.Contains(t, out, "the database does not exist")
	assert.NoFileExists(t, db)

	code, _, errOut = cutoverAt(t, scenarioStart, "gate", "rollback", "--db", db, "--policy", policyFile)
	assert.Equal(t, exitOK, code, errOut)
	assert.NoFileExists(t, db, "a rollback judges nothing and needs no database")
}
