package main

import (
	"errors"
	"fmt"
)

// Exit codes, the same for every command. The table in docs/exit-codes.md
// explains each one.
const (
	exitOK          = 0 // ok; GO; a step, rollback or decommission done and confirmed
	exitError       = 1 // something could not be read or done
	exitUsage       = 2 // invalid command line
	exitFail        = 3 // a check failed
	exitWait        = 4 // not enough evidence yet
	exitRefused     = 5 // a safety check failed, so nothing changed
	exitUnconfirmed = 6 // a change was applied but not confirmed
)

// exitCodeError carries an exit code other than exitError up to main. err is
// the message to print, and nil prints none.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// usageError reports an invalid command line. A hint is printed after it as
// "Try: ...".
type usageError struct {
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

func newUsageError(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	var code *exitCodeError
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return code.code
	case errors.As(err, &usage):
		return exitUsage
	}
	return exitError
}
