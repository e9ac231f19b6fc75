package patcher

import "errors"

// ErrNotImplemented is returned until the engine is complete.
var ErrNotImplemented = errors.New("not implemented")

// Fix evaluates every workload in src and returns the file rewritten toward
// the configured level. An error is an *Error naming the file and line; on
// error nothing is to be written.
func Fix(path string, src []byte, opts Options) (*FileResult, error) {
	return nil, ErrNotImplemented
}

// Check evaluates every workload in src without changing it. Remaining lists
// every failing check, with Fixable set where Fix would fix it.
func Check(path string, src []byte, opts Options) (*FileResult, error) {
	return nil, ErrNotImplemented
}
