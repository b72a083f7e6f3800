// Package perf is a development harness, not part of the emulator (it lives
// under bench/ because it imports the pipeline, which the emulator must not): it runs
// the whole `orders --local` path in one process exactly as the CLI does
// (emulator on a persistent data dir, IAM enforced, a loopback listener,
// the pipeline's `up`, then invoke.Load), so that `go test -cpuprofile`,
// `-blockprofile` and `-mutexprofile` show where an order's time goes.
// It lives in a test file because it drives the emulator as a client would
// (the emulator itself must not import the pipeline).
//
// Skipped unless ORDERS_PERF=1:
//
//	ORDERS_PERF=1 go test ./bench/perf -run TestPerf -v -count=1 \
//	    -cpuprofile /tmp/cpu.out -blockprofile /tmp/block.out -mutexprofile /tmp/mutex.out
//	go tool pprof -top /tmp/cpu.out
//
// ORDERS_PERF_COUNT (default 3000), ORDERS_PERF_CONCURRENCY (default
// "1,8,32"), ORDERS_PERF_MAXCONC (instances per function, default the
// emulator's), ORDERS_PERF_DIR (default a fresh temp dir) tune the run. The
// function processes' CPU is not in the profile; the harness prints it per
// run (from /proc) next to this process's own. ORDERS_PERF_COLD_ONLY=1
// skips the load runs; ORDERS_PERF_ZIP replaces the function's code with
// another zip (e.g. an unstripped build, for `perf record`). TestOpenTime
// times opening an existing data dir. Linux only (/proc, getrusage).
package perf
