/* Atomics: every AMO's result and memory effect, LR/SC success and failure. */
#include "test.h"
    .globl _start
_start:
    la a0, word
    li t0, 5
    sw t0, 0(a0)
    li t1, -3
    amoadd.w a1, t1, (a0)
    CHECK(1, a1, 5)
    lw a2, 0(a0)
    CHECK(2, a2, 2)
    amomin.w a1, t1, (a0)     /* signed min(2, -3) = -3 */
    lw a2, 0(a0)
    CHECK(3, a2, -3)
    li t1, 7
    amominu.w a1, t1, (a0)    /* unsigned: 7 < 0xfffffffd */
    lw a2, 0(a0)
    CHECK(4, a2, 7)
    li t1, -1
    amomaxu.w a1, t1, (a0)
    CHECK(5, a1, 7)
    lw a2, 0(a0)
    CHECK(6, a2, -1)          /* the loaded word is sign-extended */
    li t1, 0x0f
    amoand.w a1, t1, (a0)
    amoor.w a1, t1, (a0)
    CHECK(7, a1, 0x0f)
    amoxor.w a1, t1, (a0)
    lw a2, 0(a0)
    CHECK(8, a2, 0)
    li t1, 0x1234
    amoswap.w a1, t1, (a0)
    CHECK(9, a1, 0)

    la a0, dword
    li t0, 0x100000000
    sd t0, 0(a0)
    li t1, 1
    amoadd.d a1, t1, (a0)
    CHECK(20, a1, 0x100000000)
    ld a2, 0(a0)
    CHECK(21, a2, 0x100000001)
    li t1, -1
    amomax.d a1, t1, (a0)
    ld a2, 0(a0)
    CHECK(22, a2, 0x100000001)

    /* LR/SC: success writes and returns 0 */
    lr.d a1, (a0)
    addi a1, a1, 1
    sc.d a2, a1, (a0)
    CHECK(30, a2, 0)
    ld a3, 0(a0)
    CHECK(31, a3, 0x100000002)
    /* SC without a reservation fails and does not write */
    li t1, 99
    sc.d a2, t1, (a0)
    CHECK(32, a2, 1)
    ld a3, 0(a0)
    CHECK(33, a3, 0x100000002)
    /* A store to the address between LR and SC makes SC fail here
     * (this hart's own store changes the value LR saw). */
    lr.w a1, (a0)
    li t1, 77
    sw t1, 0(a0)
    sc.w a2, t1, (a0)
    CHECK(34, a2, 1)
    PASS

    .data
    .align 3
word:  .word 0, 0
dword: .dword 0
