/*
 * stream_triad.c: STREAM's Triad kernel (jeffhammond/STREAM stream.c v5.10,
 * METHODS.md §7) as a shared library, for cpu_bench's Go-vs-C comparison.
 *
 *   a[j] = b[j] + scalar * c[j]     doubles, scalar = 3.0, 3 x 8 bytes per j
 *
 * stream_triad runs one pass over n elements with the given number of
 * OpenMP threads (schedule(static): contiguous chunks, as STREAM and the Go
 * kernels split the arrays). cpu_bench compiles it at run time with
 *   gcc -O3 -march=native -fopenmp -shared -fPIC
 * (STREAM's Makefile at jeffhammond/STREAM 1da4cd4 uses -O3 -march=znver1
 * -fopenmp; -march=native is the same choice for whatever CPU runs this),
 * loads it with purego (no cgo) and calls it on the same Go-allocated arrays
 * as the Go triad, timing both the same way, pass by pass.
 */
#include <omp.h>

void stream_triad(double *restrict a, const double *restrict b,
                  const double *restrict c, long n, int threads) {
	const double scalar = 3.0;
	long j;
#pragma omp parallel for schedule(static) num_threads(threads)
	for (j = 0; j < n; j++)
		a[j] = b[j] + scalar * c[j];
}
