/* F and D: rounding modes incl. RMM, flags, NaN rules, conversions. */
#include "test.h"

#define FFLAGS(n, v)  csrr t3, fflags; CHECK(n, t3, v); csrw fflags, zero

    .globl _start
_start:
    li t0, 1 << 13           /* mstatus.FS = initial */
    csrs mstatus, t0
    csrw fflags, zero

    /* 1 + 2^-24 in single precision is a tie between 1 and 1 + 2^-23 */
    li t0, 0x3f800000        /* 1.0f */
    fmv.w.x ft0, t0
    li t0, 0x33800000        /* 2^-24 */
    fmv.w.x ft1, t0
    fadd.s ft2, ft0, ft1, rne
    fmv.x.w a0, ft2
    CHECK(1, a0, 0x3f800000)
    FFLAGS(2, 1)             /* NX */
    fadd.s ft2, ft0, ft1, rmm
    fmv.x.w a0, ft2
    CHECK(3, a0, 0x3f800001)
    fadd.s ft2, ft0, ft1, rup
    fmv.x.w a0, ft2
    CHECK(4, a0, 0x3f800001)
    fadd.s ft2, ft0, ft1, rtz
    fmv.x.w a0, ft2
    CHECK(5, a0, 0x3f800000)
    csrw fflags, zero

    /* Division by zero: DZ and +inf */
    fmv.w.x ft3, zero
    fdiv.s ft2, ft0, ft3
    fmv.x.w a0, ft2
    CHECK(10, a0, 0x7f800000)
    FFLAGS(11, 8)
    /* sqrt(-1): NV and the canonical NaN */
    li t0, 0xbf800000
    fmv.w.x ft4, t0
    fsqrt.s ft2, ft4
    fmv.x.w a0, ft2
    CHECK(12, a0, 0x7fc00000)
    FFLAGS(13, 0x10)

    /* Conversions saturate with NV */
    li t0, 0x4f800000        /* 2^32 as a float */
    fmv.w.x ft5, t0
    fcvt.w.s a0, ft5, rtz
    CHECK(20, a0, 0x7fffffff)
    FFLAGS(21, 0x10)
    fcvt.wu.s a0, ft4, rtz   /* -1.0 to unsigned: 0, NV */
    CHECK(22, a0, 0)
    FFLAGS(23, 0x10)
    li t0, 0xbf000000        /* -0.5 */
    fmv.w.x ft6, t0
    fcvt.wu.s a0, ft6, rtz   /* rounds to -0 -> 0 with NX only */
    CHECK(24, a0, 0)
    FFLAGS(25, 1)
    li t0, 16777217
    fcvt.s.w ft2, t0, rne
    fmv.x.w a0, ft2
    CHECK(26, a0, 0x4b800000)   /* 16777216 */
    fcvt.s.w ft2, t0, rmm
    fmv.x.w a0, ft2
    CHECK(27, a0, 0x4b800001)   /* 16777218 */
    csrw fflags, zero
    li t0, 0xffffffff
    fcvt.d.wu ft2, t0
    fcvt.lu.d a0, ft2
    CHECK(28, a0, 0xffffffff)

    /* NaN-boxing: a double register read as a single is the canonical NaN */
    li t0, 0x3ff0000000000000   /* 1.0 as a double: not NaN-boxed */
    fmv.d.x ft7, t0
    fadd.s ft2, ft7, ft0
    fmv.x.w a0, ft2
    CHECK(30, a0, 0x7fc00000)
    csrw fflags, zero
    flw ft2, one_f, t1
    fmv.x.d a0, ft2
    CHECK(31, a0, 0xffffffff3f800000)

    /* fmin/fmax: -0 < +0, a quiet NaN loses, a signaling NaN sets NV */
    li t0, 0x80000000
    fmv.w.x ft8, t0          /* -0 */
    fmin.s ft2, ft3, ft8
    fmv.x.w a0, ft2
    CHECK(40, a0, 0xffffffff80000000)   /* fmv.x.w sign-extends */
    fmax.s ft2, ft8, ft3
    fmv.x.w a0, ft2
    CHECK(41, a0, 0)
    li t0, 0x7f800001        /* signaling NaN */
    fmv.w.x ft9, t0
    fmin.s ft2, ft9, ft0
    fmv.x.w a0, ft2
    CHECK(42, a0, 0x3f800000)
    FFLAGS(43, 0x10)

    /* Comparisons: feq is quiet for qNaN, flt signals */
    li t0, 0x7fc00000
    fmv.w.x ft10, t0
    feq.s a0, ft10, ft0
    CHECK(50, a0, 0)
    FFLAGS(51, 0)
    flt.s a0, ft10, ft0
    CHECK(52, a0, 0)
    FFLAGS(53, 0x10)

    /* fclass */
    fclass.s a0, ft8
    CHECK(60, a0, 1 << 3)    /* -0 */
    fclass.s a0, ft9
    CHECK(61, a0, 1 << 8)    /* sNaN */
    fclass.d a0, ft7
    CHECK(62, a0, 1 << 6)    /* +normal */

    /* Fused multiply-add rounds once: (1 + 2^-30)^2 - 1 = 2^-29 + 2^-60 */
    li t0, 0x3ff0000000400000
    fmv.d.x fa0, t0
    li t0, 0xbff0000000000000
    fmv.d.x fa1, t0
    fmadd.d fa2, fa0, fa0, fa1
    fmv.x.d a0, fa2
    CHECK(70, a0, 0x3e20000000200000)
    fnmadd.d fa3, fa0, fa0, fa1   /* -(a*b) - c, with c = -1 */
    fmv.x.d a0, fa3
    CHECK(71, a0, 0xbe20000000200000)

    /* A reserved rounding mode in frm makes dynamic-rm insns illegal. */
    la t0, trap
    csrw mtvec, t0
    li t0, 5
    csrw frm, t0
    li s2, 0
    fadd.s ft2, ft0, ft0     /* dyn */
    CHECK(80, s2, 2)
    csrw frm, zero

    /* With FS off every FP instruction is illegal. */
    li t0, 3 << 13
    csrc mstatus, t0
    li s2, 0
    fmv.x.w a0, ft0
    CHECK(81, s2, 2)
    PASS

    .align 2
trap:
    csrr s2, mcause
    csrr t5, mepc
    addi t5, t5, 4
    csrw mepc, t5
    mret

    .data
    .align 2
one_f:
    .word 0x3f800000
