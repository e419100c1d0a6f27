//go:build !unix

package perf

import "os"

// maxRSSMB is 0 where the system does not report a process's peak resident set.
func maxRSSMB(*os.ProcessState) float64 { return 0 }
