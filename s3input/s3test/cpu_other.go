//go:build !unix

package s3test

import "time"

// CPUTime is the CPU time this process has used: unknown here, zero.
func CPUTime() time.Duration { return 0 }
