#include "textflag.h"

// func permMinAVX512(sig, a, b, hs []uint64)
// For each lane group of 8 permutations: sig[j] = min over h in hs of
// ((a[j]*h + b[j]) mod 2^64) mod (2^61-1). len(sig) must be a multiple of 8
// and len(a), len(b) >= len(sig).
TEXT ·permMinAVX512(SB), NOSPLIT, $0-96
	MOVQ sig_base+0(FP), DI
	MOVQ sig_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	MOVQ hs_base+72(FP), R8
	MOVQ hs_len+80(FP), R9
	MOVQ $0x1fffffffffffffff, AX
	VPBROADCASTQ AX, Z31
	VPTERNLOGQ $0xff, Z30, Z30, Z30

group:
	CMPQ CX, $16
	JB   single
	VMOVDQU64 (SI), Z0
	VMOVDQU64 64(SI), Z10
	VMOVDQU64 (DX), Z1
	VMOVDQU64 64(DX), Z11
	VMOVDQA64 Z30, Z2
	VMOVDQA64 Z30, Z12
	MOVQ R8, R10
	MOVQ R9, R11

loop2:
	TESTQ R11, R11
	JE    store2
	VPBROADCASTQ (R10), Z3
	VPMULLQ Z3, Z0, Z4
	VPMULLQ Z3, Z10, Z14
	VPADDQ  Z1, Z4, Z4
	VPADDQ  Z11, Z14, Z14
	VPSRLQ  $61, Z4, Z5
	VPSRLQ  $61, Z14, Z15
	VPANDQ  Z31, Z4, Z4
	VPANDQ  Z31, Z14, Z14
	VPADDQ  Z5, Z4, Z4
	VPADDQ  Z15, Z14, Z14
	VPSUBQ  Z31, Z4, Z5
	VPSUBQ  Z31, Z14, Z15
	VPMINUQ Z5, Z4, Z4
	VPMINUQ Z15, Z14, Z14
	VPMINUQ Z4, Z2, Z2
	VPMINUQ Z14, Z12, Z12
	ADDQ $8, R10
	DECQ R11
	JMP  loop2

store2:
	VMOVDQU64 Z2, (DI)
	VMOVDQU64 Z12, 64(DI)
	ADDQ $128, DI
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $16, CX
	JMP  group

single:
	CMPQ CX, $8
	JB   done
	VMOVDQU64 (SI), Z0
	VMOVDQU64 (DX), Z1
	VMOVDQA64 Z30, Z2
	MOVQ R8, R10
	MOVQ R9, R11

loop1:
	TESTQ R11, R11
	JE    store1
	VPBROADCASTQ (R10), Z3
	VPMULLQ Z3, Z0, Z4
	VPADDQ  Z1, Z4, Z4
	VPSRLQ  $61, Z4, Z5
	VPANDQ  Z31, Z4, Z4
	VPADDQ  Z5, Z4, Z4
	VPSUBQ  Z31, Z4, Z5
	VPMINUQ Z5, Z4, Z4
	VPMINUQ Z4, Z2, Z2
	ADDQ $8, R10
	DECQ R11
	JMP  loop1

store1:
	VMOVDQU64 Z2, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $8, CX
	JMP  single

done:
	VZEROUPPER
	RET

// func permMinAVX2(sig, a, b, hs []uint64)
// Same contract as permMinAVX512 for len(sig) a multiple of 4 and hs not
// empty. AVX2 has no 64-bit low multiply: a*h mod 2^64 is built from three
// 32x32->64 VPMULUDQ; values stay below 2^61, so a signed compare gives the
// unsigned minimum.
TEXT ·permMinAVX2(SB), NOSPLIT, $0-96
	MOVQ sig_base+0(FP), DI
	MOVQ sig_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	MOVQ hs_base+72(FP), R8
	MOVQ hs_len+80(FP), R9
	MOVQ $0x1fffffffffffffff, AX
	MOVQ AX, X8
	VPBROADCASTQ X8, Y8
	MOVQ $1, AX
	MOVQ AX, X9
	VPBROADCASTQ X9, Y9
	MOVQ $0x7fffffffffffffff, AX
	MOVQ AX, X15
	VPBROADCASTQ X15, Y15

group4:
	CMPQ CX, $4
	JB   done2
	VMOVDQU (SI), Y0
	VPSRLQ  $32, Y0, Y1
	VMOVDQU (DX), Y2
	VMOVDQA Y15, Y3
	MOVQ R8, R10
	MOVQ R9, R11

loop4:
	TESTQ R11, R11
	JE    store4
	MOVQ  (R10), AX
	MOVQ  AX, X10
	VPBROADCASTQ X10, Y10
	SHRQ  $32, AX
	MOVQ  AX, X11
	VPBROADCASTQ X11, Y11
	VPMULUDQ Y10, Y0, Y12
	VPMULUDQ Y10, Y1, Y13
	VPMULUDQ Y11, Y0, Y14
	VPADDQ   Y14, Y13, Y13
	VPSLLQ   $32, Y13, Y13
	VPADDQ   Y13, Y12, Y12
	VPADDQ   Y2, Y12, Y12
	VPSRLQ   $61, Y12, Y13
	VPAND    Y8, Y12, Y12
	VPADDQ   Y13, Y12, Y12
	VPADDQ   Y9, Y12, Y13
	VPSRLQ   $61, Y13, Y13
	VPADDQ   Y13, Y12, Y12
	VPSLLQ   $61, Y13, Y13
	VPSUBQ   Y13, Y12, Y12
	VPCMPGTQ Y12, Y3, Y13
	VPBLENDVB Y13, Y12, Y3, Y3
	ADDQ $8, R10
	DECQ R11
	JMP  loop4

store4:
	VMOVDQU Y3, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $4, CX
	JMP  group4

done2:
	VZEROUPPER
	RET
