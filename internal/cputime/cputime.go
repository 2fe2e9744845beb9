// Package cputime reads this process's CPU time, for benchmarks: CPU per
// operation does not depend on what else a shared machine is running,
// unlike operations per second.
package cputime

import (
	"syscall"
	"time"
)

// Self is the user and system CPU time this process has used so far.
func Self() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
