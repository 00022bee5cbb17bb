/*
 * Traps: causes, mepc/mtval, privilege changes with mret/sret, delegation
 * to S-mode, CSR permission checks, misaligned atomics.
 */
#include "test.h"
    .option norvc            /* the handler steps over 4-byte insns */

/* Expect the last M-mode trap to have had cause c (s2 = mcause). */
#define EXPECT_CAUSE(n, c) CHECK(n, s2, c)

    .globl _start
_start:
    la t0, m_handler
    csrw mtvec, t0
    /* Let S and U touch all memory (no PMP entry means no access). */
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f              /* NAPOT, R W X */
    csrw pmpcfg0, t0

    /* Illegal instruction in M-mode: mtval holds the encoding. */
    .word 0x0000707b         /* reserved custom-3 opcode */
    EXPECT_CAUSE(1, 2)
    CHECK(2, s3, 0x0000707b)

    /* ecall from M */
    ecall
    EXPECT_CAUSE(3, 11)

    /* ebreak: mtval is the pc */
    la t1, ebreak_here
ebreak_here:
    ebreak
    EXPECT_CAUSE(4, 3)
    bne s4, t1, fail5        /* mepc: the ebreak itself */
    beqz s3, 1f              /* mtval: 0 (QEMU 7.2) or the pc (newer) */
    bne s3, t1, fail5
1:

    /* Misaligned LR and AMO raise address-misaligned exceptions. */
    la a0, data
    addi a0, a0, 1
    lr.w a1, (a0)
    EXPECT_CAUSE(6, 4)
    amoadd.w a1, a1, (a0)    /* store/AMO misaligned per the spec; */
    EXPECT_CAUSE(7, 6)       /* QEMU 7.2 reports a load misaligned here */

    /* Drop to U-mode; an ecall from U comes back with cause 8. */
    la t0, user_code
    csrw mepc, t0
    li t0, 0x1800            /* MPP = U */
    csrc mstatus, t0
    mret
user_code:
    csrr a0, mstatus         /* M CSR from U: illegal */
    ecall                    /* back to M for good */
    /* m_handler returns here only for the csrr; the ecall handler
     * below jumps to after_user. */
    j fail_stray

after_user:
    /* The csrr was illegal with cause 2, then the ecall had cause 8. */
    CHECK(8, s5, 2)
    EXPECT_CAUSE(9, 8)

    /* Delegate U ecalls to S; run S, sret to U, ecall lands in S. */
    li t0, 1 << 8
    csrw medeleg, t0
    la t0, s_handler
    csrw stvec, t0
    la t0, super_code
    csrw mepc, t0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800            /* MPP = S */
    csrs mstatus, t0
    mret
super_code:
    la t0, user2
    csrw sepc, t0
    li t0, 0x100             /* SPP = U */
    csrc sstatus, t0
    sret
user2:
    ecall
    j fail_stray

s_done:
    /* In S after the delegated ecall. */
    CHECK(10, s6, 8)
    la t1, user2
    bne s7, t1, fail11
    /* sstatus.SPP was 0 (from U). */
    CHECK(12, s8, 0)
    /* An ecall from S goes to M (not delegated): finish there. */
    li s9, 1
    ecall
    j fail_stray

finish:
    PASS

fail5:
    FAIL(5)
fail11:
    FAIL(11)
fail_stray:
    FAIL(99)

/* Records mcause/mtval/mepc in s2/s3/s4 and resumes after the insn
 * (every instruction here is 4 bytes). */
    .align 2
m_handler:
    csrr s2, mcause
    csrr s3, mtval
    csrr s4, mepc
    li t2, 8
    beq s2, t2, from_user
    li t2, 9
    beq s2, t2, from_super
    li t2, 2
    bne s2, t2, 1f
    mv s5, s2                /* remember the last illegal-insn trap */
1:
    addi t3, s4, 4
    csrw mepc, t3
    mret
from_user:
    /* Continue in M at after_user. */
    li t0, 0x1800
    csrs mstatus, t0         /* MPP = M */
    la t0, after_user
    csrw mepc, t0
    mret
from_super:
    li t0, 1
    bne s9, t0, fail_stray
    li t0, 0x1800
    csrs mstatus, t0
    la t0, finish
    csrw mepc, t0
    mret

    .align 2
s_handler:
    csrr s6, scause
    csrr s7, sepc
    csrr s8, sstatus
    andi s8, s8, 0x100
    la t0, s_done
    csrw sepc, t0
    li t0, 0x100
    csrs sstatus, t0         /* return to S */
    sret

    .data
    .align 3
data:
    .dword 0, 0
