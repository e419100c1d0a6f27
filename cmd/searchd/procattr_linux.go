package main

import "syscall"

// childProcAttr makes the kernel kill a child build when searchd dies, even by SIGKILL, so
// no build outlives the searchd that asked for it (its .tmp is removed by the next build).
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
