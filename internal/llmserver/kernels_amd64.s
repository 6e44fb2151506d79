#include "textflag.h"

// Both kernels keep four accumulators, Y0-Y3, so that four FMAs are in
// flight; DOT_START loads the arguments and clears them, DOT_END adds them
// up into the float32 result and returns.
#define DOT_START \
	MOVQ   x+0(FP), SI  \
	MOVQ   w+8(FP), DI  \
	MOVQ   n+16(FP), CX \
	VXORPS Y0, Y0, Y0   \
	VXORPS Y1, Y1, Y1   \
	VXORPS Y2, Y2, Y2   \
	VXORPS Y3, Y3, Y3

#define DOT_END \
	VADDPS       Y1, Y0, Y0 \
	VADDPS       Y3, Y2, Y2 \
	VADDPS       Y2, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VHADDPS      X0, X0, X0 \
	VHADDPS      X0, X0, X0 \
	VZEROUPPER              \
	MOVSS        X0, ret+24(FP) \
	RET

// func dotF32AVX2(x, w *float32, n int) float32
// n is a positive multiple of 8.
TEXT ·dotF32AVX2(SB), NOSPLIT, $0-28
	DOT_START

f32loop32:
	CMPQ CX, $32
	JLT  f32loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  f32loop32

f32loop8:
	CMPQ CX, $8
	JLT  f32done
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  f32loop8

f32done:
	DOT_END

// func dotBF16AVX2(x *float32, w *uint16, n int) float32
// w holds bfloat16 values (the high half of a float32); n is a positive
// multiple of 8.
TEXT ·dotBF16AVX2(SB), NOSPLIT, $0-28
	DOT_START

bf16loop32:
	CMPQ CX, $32
	JLT  bf16loop8
	VPMOVZXWD (DI), Y4
	VPMOVZXWD 16(DI), Y5
	VPMOVZXWD 32(DI), Y6
	VPMOVZXWD 48(DI), Y7
	VPSLLD    $16, Y4, Y4
	VPSLLD    $16, Y5, Y5
	VPSLLD    $16, Y6, Y6
	VPSLLD    $16, Y7, Y7
	VFMADD231PS (SI), Y4, Y0
	VFMADD231PS 32(SI), Y5, Y1
	VFMADD231PS 64(SI), Y6, Y2
	VFMADD231PS 96(SI), Y7, Y3
	ADDQ $128, SI
	ADDQ $64, DI
	SUBQ $32, CX
	JMP  bf16loop32

bf16loop8:
	CMPQ CX, $8
	JLT  bf16done
	VPMOVZXWD (DI), Y4
	VPSLLD    $16, Y4, Y4
	VFMADD231PS (SI), Y4, Y0
	ADDQ $32, SI
	ADDQ $16, DI
	SUBQ $8, CX
	JMP  bf16loop8

bf16done:
	DOT_END
