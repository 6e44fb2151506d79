package cuda

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DType is the element type of a GEMM benchmark: the type of the inputs A
// and B; the output and accumulation types follow from it (see GemmTypes).
type DType int

// The GEMM element types of gpu_bench.
const (
	// Int8 multiplies int8 matrices into int32 with int32 accumulation
	// (the "INT8 TOPS" of the reference report's section VI).
	Int8 DType = iota
	// FP16 multiplies IEEE binary16 matrices into binary16 with float32
	// accumulation, as torch.matmul does for half tensors.
	FP16
	// BF16 multiplies bfloat16 matrices into bfloat16 with float32
	// accumulation.
	BF16
)

// DTypes lists every DType in benchmark order.
var DTypes = []DType{Int8, FP16, BF16}

// cudaDataType_t and cublasComputeType_t codes (library_types.h,
// cublas_api.h; docs/apis.md §5).
const (
	cudaR32F  = 0
	cudaR16F  = 2
	cudaR8I   = 3
	cudaR32I  = 10
	cudaR16BF = 14

	cublasCompute32F = 68
	cublasCompute32I = 72
)

type dtypeInfo struct {
	name            string
	inSize, outSize int
	abType, cType   int32
	compute         int32
	outEps          float64 // relative rounding of one output element
}

var dtypeInfos = [...]dtypeInfo{
	Int8: {name: "int8", inSize: 1, outSize: 4, abType: cudaR8I, cType: cudaR32I, compute: cublasCompute32I, outEps: 0},
	FP16: {name: "fp16", inSize: 2, outSize: 2, abType: cudaR16F, cType: cudaR16F, compute: cublasCompute32F, outEps: 0x1p-11},
	BF16: {name: "bf16", inSize: 2, outSize: 2, abType: cudaR16BF, cType: cudaR16BF, compute: cublasCompute32F, outEps: 0x1p-8},
}

func (d DType) info() dtypeInfo {
	if d < 0 || int(d) >= len(dtypeInfos) {
		panic(fmt.Sprintf("cuda: invalid DType %d", int(d)))
	}
	return dtypeInfos[d]
}

// String returns the name used in benchmark names: int8, fp16 or bf16.
func (d DType) String() string {
	if d < 0 || int(d) >= len(dtypeInfos) {
		return fmt.Sprintf("DType(%d)", int(d))
	}
	return dtypeInfos[d].name
}

// InSize is the size in bytes of one element of A or B.
func (d DType) InSize() int { return d.info().inSize }

// OutSize is the size in bytes of one element of C.
func (d DType) OutSize() int { return d.info().outSize }

// GemmTypes returns the cublasGemmEx codes: the cudaDataType_t of A and B,
// that of C, and the cublasComputeType_t.
func (d DType) GemmTypes() (ab, c, compute int32) {
	i := d.info()
	return i.abType, i.cType, i.compute
}

// Float32ToHalf rounds f to the nearest IEEE 754 binary16 value (ties to
// even) and returns its bits. Overflow gives ±Inf; NaN stays NaN.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp == 0 && man == 0:
		return sign
	}
	e := exp - 127 + 15 // biased half exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half (or underflow to zero): the value is
		// m * 2^(e-1-10) with the implicit bit made explicit.
		if e < -10 {
			return sign
		}
		m := man | 0x800000
		shift := uint(14 - e) // 24-bit significand down to 10 - (1-e) bits
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++ // may carry into the smallest normal, which is correct
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, up to Inf, which is correct
	}
	return sign | uint16(h)
}

// HalfToFloat32 returns the value of the binary16 bits h; it is exact.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		v := float32(man) * 0x1p-24
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}

// Float32ToBF16 rounds f to the nearest bfloat16 (ties to even) and
// returns its bits. NaN stays NaN.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40 // quiet NaN
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BF16ToFloat32 returns the value of the bfloat16 bits h; it is exact.
func BF16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// In returns element i of an A or B buffer of type d as a float64.
func (d DType) In(buf []byte, i int) float64 {
	switch d {
	case Int8:
		return float64(int8(buf[i]))
	case FP16:
		return float64(HalfToFloat32(binary.LittleEndian.Uint16(buf[2*i:])))
	case BF16:
		return float64(BF16ToFloat32(binary.LittleEndian.Uint16(buf[2*i:])))
	}
	panic(fmt.Sprintf("cuda: invalid DType %d", int(d)))
}

// Out returns element i of a C buffer of type d as a float64.
func (d DType) Out(buf []byte, i int) float64 {
	switch d {
	case Int8:
		return float64(int32(binary.LittleEndian.Uint32(buf[4*i:])))
	case FP16, BF16:
		return d.In(buf, i)
	}
	panic(fmt.Sprintf("cuda: invalid DType %d", int(d)))
}
