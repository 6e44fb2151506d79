// Package io_bench runs the nine fio jobs of the reference report (section
// II, storage) on a Go I/O engine, and on fio itself as the reference.
package io_bench
