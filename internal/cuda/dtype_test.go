package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/x448/float16"
)

func TestHalfRoundTripEveryValue(t *testing.T) {
	// Every binary16 value converts to float32 exactly and back to itself.
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if want := float16.Frombits(uint16(h)).Float32(); math.Float32bits(f) != math.Float32bits(want) && !(f != f && want != want) {
			t.Fatalf("HalfToFloat32(%#04x) = %v, x448/float16 says %v", h, f, want)
		}
		if f != f { // NaN
			if got := Float32ToHalf(f); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("Float32ToHalf(NaN from %#04x) = %#04x, not a NaN", h, got)
			}
			continue
		}
		if got := Float32ToHalf(f); got != uint16(h) {
			t.Fatalf("Float32ToHalf(HalfToFloat32(%#04x) = %v) = %#04x", h, f, got)
		}
	}
}

func TestFloat32ToHalfRounding(t *testing.T) {
	for _, c := range []struct {
		f    float32
		want uint16
	}{
		{1, 0x3c00},
		{-2, 0xc000},
		{65504, 0x7bff},         // largest half
		{65519.99, 0x7bff},      // just below the rounding point to Inf
		{65520, 0x7c00},         // rounds to Inf (tie to even goes up)
		{0x1p-24, 0x0001},       // smallest subnormal
		{0x1p-25, 0x0000},       // tie between 0 and 2^-24 goes to even (0)
		{0x1.8p-24, 0x0002},     // tie between 1 and 2 units goes to even (2)
		{0x1p-14, 0x0400},       // smallest normal
		{0x1.ffcp-15, 0x0400},   // largest subnormal + half a unit rounds up into the normals
		{1 + 0x1p-11, 0x3c00},   // tie at 1: to even (1.0)
		{1 + 3*0x1p-11, 0x3c02}, // tie at 1+2^-10: to even (1+2^-9)
		{1 + 0x1p-11 + 0x1p-20, 0x3c01},
		{float32(math.Inf(-1)), 0xfc00},
	} {
		if got := Float32ToHalf(c.f); got != c.want {
			t.Errorf("Float32ToHalf(%v) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
}

func TestFloat32ToHalfMatchesX448(t *testing.T) {
	// An independent implementation agrees on random float32 bit patterns
	// across the whole range, subnormals and overflow included.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2_000_000; i++ {
		f := math.Float32frombits(rng.Uint32())
		if f != f {
			continue
		}
		if got, want := Float32ToHalf(f), float16.Fromfloat32(f).Bits(); got != want {
			t.Fatalf("Float32ToHalf(%v = %#08x) = %#04x, x448/float16 says %#04x", f, math.Float32bits(f), got, want)
		}
	}
}

func TestBF16(t *testing.T) {
	for _, c := range []struct {
		f    float32
		want uint16
	}{
		{1, 0x3f80},
		{-1, 0xbf80},
		{1 + 0x1p-8, 0x3f80},           // tie: to even
		{1 + 3*0x1p-8, 0x3f82},         // tie: to even
		{1 + 0x1p-8 + 0x1p-20, 0x3f81}, // above the tie: up
		{math.MaxFloat32, 0x7f80},      // rounds to Inf
	} {
		if got := Float32ToBF16(c.f); got != c.want {
			t.Errorf("Float32ToBF16(%v) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
	for h := 0; h < 1<<16; h++ {
		f := BF16ToFloat32(uint16(h))
		if f != f {
			if g := Float32ToBF16(f); g&0x7f80 != 0x7f80 || g&0x7f == 0 {
				t.Fatalf("Float32ToBF16(NaN %#04x) = %#04x, not a NaN", h, g)
			}
			continue
		}
		if g := Float32ToBF16(f); g != uint16(h) {
			t.Fatalf("Float32ToBF16(BF16ToFloat32(%#04x)) = %#04x", h, g)
		}
	}
}

func TestDTypeTable(t *testing.T) {
	// The cuBLAS codes are those of library_types.h / cublas_api.h
	// (docs/apis.md §5); a typo here makes cublasGemmEx compute the wrong thing
	// or fail with CUBLAS_STATUS_NOT_SUPPORTED.
	for _, c := range []struct {
		d               DType
		name            string
		in, out         int
		ab, ct, compute int32
	}{
		{Int8, "int8", 1, 4, 3, 10, 72},  // CUDA_R_8I -> CUDA_R_32I, CUBLAS_COMPUTE_32I
		{FP16, "fp16", 2, 2, 2, 2, 68},   // CUDA_R_16F, CUBLAS_COMPUTE_32F
		{BF16, "bf16", 2, 2, 14, 14, 68}, // CUDA_R_16BF, CUBLAS_COMPUTE_32F
	} {
		ab, ct, compute := c.d.GemmTypes()
		if c.d.String() != c.name || c.d.InSize() != c.in || c.d.OutSize() != c.out || ab != c.ab || ct != c.ct || compute != c.compute {
			t.Errorf("%v: name %q in %d out %d types %d/%d/%d, want %q %d %d %d/%d/%d",
				c.d, c.d, c.d.InSize(), c.d.OutSize(), ab, ct, compute, c.name, c.in, c.out, c.ab, c.ct, c.compute)
		}
	}
	if got := DType(7).String(); got != "DType(7)" {
		t.Errorf("DType(7) = %q", got)
	}
	if len(DTypes) != 3 {
		t.Errorf("DTypes = %v", DTypes)
	}
}
