package cuda

import (
	"errors"
	"fmt"
)

// ErrNoDriver is returned (wrapped) when the NVIDIA driver libraries cannot
// be loaded; gpu_bench skips with it.
var ErrNoDriver = errors.New("no NVIDIA driver (libcuda.so.1 / libnvidia-ml.so.1 not found)")

// ErrNoDevice is returned (wrapped) when the driver loads but cuInit finds no
// usable GPU (no device, driver/library mismatch, GPUs not ready).
var ErrNoDevice = errors.New("no usable NVIDIA GPU")

// ErrNoBLAS is returned (wrapped) when libcublas cannot be loaded. cuBLAS
// ships with the CUDA toolkit or the nvidia-cublas-cu12 wheel (which
// PyTorch installs); put its directory on LD_LIBRARY_PATH.
var ErrNoBLAS = errors.New("cuBLAS not found (libcublas.so.13 / libcublas.so.12; add its directory to LD_LIBRARY_PATH)")

// Result is a CUresult, the return code of every driver API call. A
// non-zero Result is an error.
type Result int32

// Success is CUDA_SUCCESS.
const Success Result = 0

// Driver API result codes that callers test for.
const (
	ErrorOutOfMemory  Result = 2
	ErrorNoDevice     Result = 100
	ErrorNotSupported Result = 801
)

var resultNames = map[Result]string{
	0: "CUDA_SUCCESS", 1: "CUDA_ERROR_INVALID_VALUE", 2: "CUDA_ERROR_OUT_OF_MEMORY",
	3: "CUDA_ERROR_NOT_INITIALIZED", 4: "CUDA_ERROR_DEINITIALIZED", 34: "CUDA_ERROR_STUB_LIBRARY",
	46: "CUDA_ERROR_DEVICE_UNAVAILABLE", 100: "CUDA_ERROR_NO_DEVICE",
	101: "CUDA_ERROR_INVALID_DEVICE", 200: "CUDA_ERROR_INVALID_IMAGE", 201: "CUDA_ERROR_INVALID_CONTEXT",
	209: "CUDA_ERROR_NO_BINARY_FOR_GPU", 218: "CUDA_ERROR_INVALID_PTX",
	222: "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", 400: "CUDA_ERROR_INVALID_HANDLE", 500: "CUDA_ERROR_NOT_FOUND",
	600: "CUDA_ERROR_NOT_READY", 700: "CUDA_ERROR_ILLEGAL_ADDRESS", 701: "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
	702: "CUDA_ERROR_LAUNCH_TIMEOUT", 719: "CUDA_ERROR_LAUNCH_FAILED", 801: "CUDA_ERROR_NOT_SUPPORTED",
	802: "CUDA_ERROR_SYSTEM_NOT_READY", 803: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
	804: "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE", 999: "CUDA_ERROR_UNKNOWN",
}

// Error returns the CUresult's name and number, e.g.
// "CUDA_ERROR_OUT_OF_MEMORY (2)".
func (r Result) Error() string {
	if n, ok := resultNames[r]; ok {
		return fmt.Sprintf("%s (%d)", n, int32(r))
	}
	return fmt.Sprintf("CUresult %d", int32(r))
}

// check wraps a non-zero Result with the operation that returned it.
func check(op string, r Result) error {
	if r == Success {
		return nil
	}
	return fmt.Errorf("%s: %w", op, r)
}

// Status is a cublasStatus_t. A non-zero Status is an error.
type Status int32

var statusNames = map[Status]string{
	0: "CUBLAS_STATUS_SUCCESS", 1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED",
	7: "CUBLAS_STATUS_INVALID_VALUE", 8: "CUBLAS_STATUS_ARCH_MISMATCH", 11: "CUBLAS_STATUS_MAPPING_ERROR",
	13: "CUBLAS_STATUS_EXECUTION_FAILED", 14: "CUBLAS_STATUS_INTERNAL_ERROR", 15: "CUBLAS_STATUS_NOT_SUPPORTED",
	16: "CUBLAS_STATUS_LICENSE_ERROR",
}

// Error returns the status name and number.
func (s Status) Error() string {
	if n, ok := statusNames[s]; ok {
		return fmt.Sprintf("%s (%d)", n, int32(s))
	}
	return fmt.Sprintf("cublasStatus %d", int32(s))
}

func checkBLAS(op string, s Status) error {
	if s == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w", op, s)
}
