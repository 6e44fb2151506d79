// mockcuda.c: a stand-in for libcuda.so.1 and libcublas.so, for testing the
// purego bindings of package cuda on machines without a GPU. "Device"
// memory is host memory, events read CLOCK_MONOTONIC, the only kernel is
// teebench_inc, and cublasGemmEx computes the TN GEMM on the CPU. It
// checks what a real driver would reject (base names in cuGetProcAddress,
// the TN layout's leading dimensions) and returns errors for it.
//
// Built by the tests: gcc -shared -fPIC -O2 -o libmockcuda.so mockcuda.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

static int no_device, no_pinned, proc_version, launches;

// mockcuda_config makes cuInit fail with CUDA_ERROR_NO_DEVICE and/or
// cuMemAllocHost with CUDA_ERROR_NOT_SUPPORTED.
void mockcuda_config(int nodev, int nopinned) { no_device = nodev; no_pinned = nopinned; }
int mockcuda_proc_version(void) { return proc_version; }
int mockcuda_launches(void) { return launches; }

CUresult cuInit(unsigned flags) { return no_device ? 100 : (flags ? 1 : 0); }
static CUresult driverGetVersion(int *v) { *v = 12040; return 0; }
static CUresult deviceGetCount(int *n) { *n = 1; return 0; }
static CUresult deviceGet(int *d, int ord) { if (ord != 0) return 101; *d = 0; return 0; }
static CUresult deviceGetName(char *name, int len, int dev) {
	if (dev != 0 || len < 16) return 1;
	strcpy(name, "Mock GPU");
	return 0;
}
static CUresult deviceTotalMem(size_t *b, int dev) { *b = (size_t)1 << 30; return dev ? 101 : 0; }
static int ctx_token;
static CUresult primaryCtxRetain(void **ctx, int dev) { *ctx = &ctx_token; return dev ? 101 : 0; }
static CUresult primaryCtxRelease(int dev) { return dev ? 101 : 0; }
static CUresult ctxSetCurrent(void *ctx) { return ctx == &ctx_token ? 0 : 201; }
static CUresult ctxSynchronize(void) { return 0; }
static CUresult memAlloc(CUdeviceptr *p, size_t n) { void *m = malloc(n); if (!m) return 2; *p = (CUdeviceptr)(uintptr_t)m; return 0; }
static CUresult memFree(CUdeviceptr p) { if (p < 4096) return 1; free((void *)(uintptr_t)p); return 0; }
static CUresult memsetD8(CUdeviceptr p, unsigned char v, size_t n) { memset((void *)(uintptr_t)p, v, n); return 0; }
static CUresult memAllocHost(void **p, size_t n) { if (no_pinned) return 801; *p = malloc(n); return *p ? 0 : 2; }
static CUresult memFreeHost(void *p) { free(p); return 0; }
static CUresult memcpyHtoD(CUdeviceptr d, const void *s, size_t n) { memcpy((void *)(uintptr_t)d, s, n); return 0; }
static CUresult memcpyDtoH(void *d, CUdeviceptr s, size_t n) { memcpy(d, (void *)(uintptr_t)s, n); return 0; }
static CUresult memcpyDtoD(CUdeviceptr d, CUdeviceptr s, size_t n) { memmove((void *)(uintptr_t)d, (void *)(uintptr_t)s, n); return 0; }
// Streams: a handle is a struct stream with the magic; async copies accept
// the default stream (NULL) or a live stream, and run at once.
struct stream { unsigned magic; };
#define STREAM_MAGIC 0x57ea3u
static int streams_live;
static int bad_stream(void *st) { return st && ((struct stream *)st)->magic != STREAM_MAGIC; }
int mockcuda_streams(void) { return streams_live; }
static CUresult streamCreate(struct stream **st, unsigned flags) {
	if (flags != 1) return 1; // teebench always asks for CU_STREAM_NON_BLOCKING
	*st = calloc(1, sizeof **st);
	if (!*st) return 2;
	(*st)->magic = STREAM_MAGIC;
	streams_live++;
	return 0;
}
static CUresult streamDestroy(struct stream *st) {
	if (!st || bad_stream(st)) return 400;
	st->magic = 0;
	free(st);
	streams_live--;
	return 0;
}
static CUresult streamSynchronize(struct stream *st) { return bad_stream(st) ? 400 : 0; }
static CUresult memGetInfo(size_t *free, size_t *total) { *total = (size_t)1 << 30; *free = (size_t)768 << 20; return 0; }
static CUresult memcpyHtoDAsync(CUdeviceptr d, const void *s, size_t n, void *st) { return bad_stream(st) ? 400 : memcpyHtoD(d, s, n); }
static CUresult memcpyDtoHAsync(void *d, CUdeviceptr s, size_t n, void *st) { return bad_stream(st) ? 400 : memcpyDtoH(d, s, n); }
static CUresult memcpyDtoDAsync(CUdeviceptr d, CUdeviceptr s, size_t n, void *st) { return bad_stream(st) ? 400 : memcpyDtoD(d, s, n); }

struct event { double t; int recorded; };
static double now(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }
static CUresult eventCreate(struct event **e, unsigned flags) { if (flags) return 1; *e = calloc(1, sizeof **e); return 0; }
static CUresult eventDestroy(struct event *e) { free(e); return 0; }
static CUresult eventRecord(struct event *e, void *st) { if (st) return 400; e->t = now(); e->recorded = 1; return 0; }
static CUresult eventSynchronize(struct event *e) { return e->recorded ? 0 : 600; }
static CUresult eventElapsedTime(float *ms, struct event *a, struct event *b) {
	if (!a->recorded || !b->recorded) return 600;
	*ms = (float)((b->t - a->t) * 1e3);
	return 0;
}
static int module_token;
static CUresult moduleLoadData(void **m, const void *image) {
	if (!strstr((const char *)image, ".visible .entry teebench_inc(")) return 218;
	*m = &module_token;
	return 0;
}
static CUresult moduleGetFunction(void **f, void *m, const char *name) {
	if (m != &module_token) return 400;
	if (strcmp(name, "teebench_inc") != 0) return 500;
	*f = &module_token;
	return 0;
}
static CUresult moduleUnload(void *m) { return m == &module_token ? 0 : 400; }
static CUresult launchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
	unsigned shmem, void *st, void **params, void **extra) {
	if (f != &module_token || st || extra || shmem) return 1;
	if (gx * gy * gz * bx * by * bz != 1) return 1;
	uint32_t *counter = (uint32_t *)(uintptr_t)(*(uint64_t *)params[0]);
	(*counter)++;
	launches++;
	return 0;
}

static const struct { const char *name; void *fn; } procs[] = {
	{"cuDriverGetVersion", driverGetVersion}, {"cuDeviceGetCount", deviceGetCount},
	{"cuDeviceGet", deviceGet}, {"cuDeviceGetName", deviceGetName}, {"cuDeviceTotalMem", deviceTotalMem},
	{"cuDevicePrimaryCtxRetain", primaryCtxRetain}, {"cuDevicePrimaryCtxRelease", primaryCtxRelease},
	{"cuCtxSetCurrent", ctxSetCurrent}, {"cuCtxSynchronize", ctxSynchronize},
	{"cuMemAlloc", memAlloc}, {"cuMemFree", memFree}, {"cuMemAllocHost", memAllocHost},
	{"cuMemFreeHost", memFreeHost}, {"cuMemsetD8", memsetD8}, {"cuMemcpyHtoD", memcpyHtoD}, {"cuMemcpyDtoH", memcpyDtoH},
	{"cuMemcpyDtoD", memcpyDtoD}, {"cuMemcpyHtoDAsync", memcpyHtoDAsync},
	{"cuMemcpyDtoHAsync", memcpyDtoHAsync}, {"cuMemcpyDtoDAsync", memcpyDtoDAsync},
	{"cuEventCreate", eventCreate}, {"cuEventDestroy", eventDestroy}, {"cuEventRecord", eventRecord},
	{"cuEventSynchronize", eventSynchronize}, {"cuEventElapsedTime", eventElapsedTime},
	{"cuModuleLoadData", moduleLoadData}, {"cuModuleGetFunction", moduleGetFunction},
	{"cuModuleUnload", moduleUnload}, {"cuLaunchKernel", launchKernel},
	{"cuStreamCreate", streamCreate}, {"cuStreamDestroy", streamDestroy},
	{"cuStreamSynchronize", streamSynchronize}, {"cuMemGetInfo", memGetInfo},
};

// cuGetProcAddress_v2 knows only cuda.h base names, as the real one does
// (a versioned name such as cuMemAlloc_v2 is "not found").
CUresult cuGetProcAddress_v2(const char *symbol, void **pfn, int version, unsigned long long flags, int *status) {
	proc_version = version;
	*pfn = 0;
	if (flags) return 1;
	for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++) {
		if (strcmp(procs[i].name, symbol) == 0) {
			*pfn = procs[i].fn;
			if (status) *status = 0;
			return 0;
		}
	}
	if (status) *status = 1;
	return 500;
}

// cuBLAS.
static int blas_token;
int cublasCreate_v2(void **h) { *h = &blas_token; return 0; }
int cublasDestroy_v2(void *h) { return h == &blas_token ? 0 : 1; }
int cublasGetVersion_v2(void *h, int *v) { *v = 120402; return h == &blas_token ? 0 : 1; }

static float half_to_float(uint16_t h) { _Float16 f; memcpy(&f, &h, 2); return (float)f; }
static uint16_t float_to_half(float x) { _Float16 f = (_Float16)x; uint16_t h; memcpy(&h, &f, 2); return h; }
static float bf16_to_float(uint16_t h) { uint32_t b = (uint32_t)h << 16; float f; memcpy(&f, &b, 4); return f; }
static uint16_t float_to_bf16(float x) { uint32_t b; memcpy(&b, &x, 4); b += 0x7fff + ((b >> 16) & 1); return b >> 16; }

int cublasGemmEx(void *h, int transa, int transb, int m, int n, int k, const void *alpha,
	const void *A, int atype, int lda, const void *B, int btype, int ldb, const void *beta,
	void *C, int ctype, int ldc, int compute, int algo) {
	if (h != &blas_token) return 1;
	if (transa != 1 || transb != 0 || lda != k || ldb != k || ldc != m || algo != -1 || atype != btype) return 7;
	for (int j = 0; j < n; j++) {
		for (int i = 0; i < m; i++) {
			if (atype == 3 && ctype == 10 && compute == 72) {
				const int8_t *a = A, *b = B;
				int32_t s = 0;
				for (int p = 0; p < k; p++) s += (int32_t)a[i * k + p] * b[j * k + p];
				((int32_t *)C)[i + j * m] = *(const int32_t *)alpha * s + *(const int32_t *)beta * ((int32_t *)C)[i + j * m];
			} else if ((atype == 2 || atype == 14) && ctype == atype && compute == 68) {
				const uint16_t *a = A, *b = B;
				float s = 0;
				for (int p = 0; p < k; p++) {
					s += atype == 2 ? half_to_float(a[i * k + p]) * half_to_float(b[j * k + p])
					                : bf16_to_float(a[i * k + p]) * bf16_to_float(b[j * k + p]);
				}
				s *= *(const float *)alpha;
				if (*(const float *)beta != 0) return 7;
				((uint16_t *)C)[i + j * m] = atype == 2 ? float_to_half(s) : float_to_bf16(s);
			} else {
				return 15;
			}
		}
	}
	return 0;
}
