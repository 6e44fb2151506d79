package pace

import (
	"fmt"
	"syscall"
)

// RaiseOpenFiles makes sure the process and the processes it starts
// afterwards (ab, wrk, an embedded target) may have at least need open
// files (RLIMIT_NOFILE), raising the soft limit up to the hard limit when
// needed. It returns the soft limit now in force, and an error naming both
// limits when need exceeds the hard limit (raising the hard limit needs
// privileges; `ulimit -Hn` shows it).
//
// The Go runtime raises its own soft limit at start-up but restores the
// original one (often 1024) in every process it starts, unless the program
// has set the limit itself (syscall.Setrlimit). So the limit is always set
// here, even when the process's own soft limit is already high enough:
// otherwise `ab -c 2000` fails with "Too many open files" under the common
// default of `ulimit -Sn 1024`.
func RaiseOpenFiles(need uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("pace: getrlimit(RLIMIT_NOFILE): %w", err)
	}
	want := lim
	want.Cur = min(max(need, lim.Cur), lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return lim.Cur, fmt.Errorf("pace: raise RLIMIT_NOFILE soft limit from %d to %d (hard %d): %w", lim.Cur, want.Cur, lim.Max, err)
	}
	if want.Cur < need {
		return want.Cur, fmt.Errorf("pace: need %d open files but RLIMIT_NOFILE hard limit is %d (raise it with ulimit -Hn as root)", need, lim.Max)
	}
	return want.Cur, nil
}
