//go:build unix

package s3test

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user and system) this process has used, all
// threads together; zero where the system does not say.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
