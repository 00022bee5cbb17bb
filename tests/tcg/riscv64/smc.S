/* Self-modifying code: a rewritten instruction runs in its new form. */
#include "test.h"
    .option norvc
    .globl _start
_start:
    li s0, 0
    la a0, patch
    /* Run the block once in its original form. */
    jal ra, patch
    CHECK(1, s0, 1)
    /* Rewrite "addi s0, s0, 1" as "addi s0, s0, 16", fence.i, run again. */
    lw t0, 0(a0)
    li t1, 0xfff00000
    and t0, t0, t1
    not t1, t1
    lw t2, 0(a0)
    and t2, t2, t1
    li t3, 16 << 20
    or t2, t2, t3
    sw t2, 0(a0)
    fence.i
    jal ra, patch
    CHECK(2, s0, 17)
    /* Patch an instruction of the block that is running (fence.i makes
     * the new form architecturally visible). */
    la a1, next
    li t4, 0x00100493        /* addi s1, zero, 1 */
    li s1, 0
    sw t4, 0(a1)
    fence.i
next:
    addi s1, zero, 2
    CHECK(3, s1, 1)
    PASS

patch:
    addi s0, s0, 1
    ret
