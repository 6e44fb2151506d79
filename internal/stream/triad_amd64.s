#include "textflag.h"

// func triadAVX2(a, b, c *float64, n int, s float64)
// a[i] = b[i] + s*c[i] for i < n; n is a positive multiple of 16. A
// multiply then an add (no FMA), so that every element is bit for bit what
// the Go loop computes.
TEXT ·triadAVX2(SB), NOSPLIT, $0-40
	MOVQ         a+0(FP), DI
	MOVQ         b+8(FP), SI
	MOVQ         c+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSD s+32(FP), Y15

loop:
	VMULPD  (DX), Y15, Y0
	VMULPD  32(DX), Y15, Y1
	VMULPD  64(DX), Y15, Y2
	VMULPD  96(DX), Y15, Y3
	VADDPD  (SI), Y0, Y0
	VADDPD  32(SI), Y1, Y1
	VADDPD  64(SI), Y2, Y2
	VADDPD  96(SI), Y3, Y3
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	ADDQ    $128, DI
	ADDQ    $128, SI
	ADDQ    $128, DX
	SUBQ    $16, CX
	JNZ     loop
	VZEROUPPER
	RET
