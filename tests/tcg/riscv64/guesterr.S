/*
 * Bad guest behaviour the machine must survive, for the functional test
 * of -d guest_errors (tests/functional/test_riscv_debug.py): a store and a
 * load to an address nothing decodes, an illegal instruction in M-mode,
 * and a jump to unmapped memory.  Each must trap with the access-fault or
 * illegal-instruction cause, as on hardware, and the test then passes.
 */
#include "test.h"
    .option norvc            /* the handler steps over 4-byte insns */

#define NOWHERE 0x200000     /* unmapped in QEMU's virt memory map too */

    .globl _start
_start:
    la t0, m_handler
    csrw mtvec, t0

    li a0, NOWHERE
    li a1, 0x1234
    sw a1, 0(a0)             /* store access fault */
    CHECK(1, s2, 7)
    CHECK(2, s3, NOWHERE)

    lw a1, 8(a0)             /* load access fault */
    CHECK(3, s2, 5)
    CHECK(4, s3, NOWHERE + 8)

    .word 0x0000707b         /* reserved custom-3 opcode: illegal */
    CHECK(5, s2, 2)

    jalr ra, 0(a0)           /* fetch from nowhere: instruction access */
    CHECK(6, s2, 1)          /* fault; the handler returns to ra */
    CHECK(7, s3, NOWHERE)
    PASS

/* Record mcause in s2 and mtval in s3; resume after the faulting
 * instruction, or at ra after a fetch fault (mepc is the bad target). */
m_handler:
    csrr s2, mcause
    csrr s3, mtval
    li t0, 1
    beq s2, t0, 1f
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
1:  csrw mepc, ra
    mret
