//go:build unix

package perf

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSSMB is the peak resident set of an ended process in MB.
func maxRSSMB(st *os.ProcessState) float64 {
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" { // bytes there, KiB elsewhere
		return float64(ru.Maxrss) / 1e6
	}
	return float64(ru.Maxrss) * 1024 / 1e6
}
