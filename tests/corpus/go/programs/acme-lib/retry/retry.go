// Package retry runs an operation until it succeeds or the attempts run out.
package retry

import (
	"fmt"
	"time"
)

// Policy says how often and how long to retry.
type Policy struct {
	Attempts int
	Backoff  time.Duration
}

// Default retries three times without waiting (good enough for batch jobs).
var Default = Policy{Attempts: 3}

// Do calls fn until it returns nil. It returns the last error.
func Do(p Policy, fn func(attempt int) error) error {
	var err error
	for attempt := 0; attempt < p.Attempts; attempt++ {
		if err = fn(attempt); err == nil {
			return nil
		}
		time.Sleep(p.Backoff)
	}
	return err
}

// MustDo is Do for callers that cannot continue without the operation.
func MustDo(p Policy, op string, fn func(attempt int) error) {
	if err := Do(p, fn); err != nil {
		panic(fmt.Sprintf("retry: %s: %d attempts exhausted: %v", op, p.Attempts, err))
	}
}
