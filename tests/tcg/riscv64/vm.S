/*
 * Sv39 (or, with SV48 defined, Sv48) paging from S-mode: identity gigapage for the code, a 4 KiB page
 * whose A and D bits the hart sets on first access, SUM for U pages, and
 * page faults with the faulting address in mtval.
 */
#include "test.h"
    .option norvc

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80
#define DATA_VA 0x40000000
#define USER_VA 0x40001000
#define NOX_VA  0x40002000

    .globl _start
_start:
    la t0, m_handler
    csrw mtvec, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0

    /* root[2] = gigapage 0x80000000, RWX, A and D preset */
    la a0, root
    li t0, (0x80000000 >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    sd t0, 16(a0)
    /* root[0] = gigapage 0 (devices, including the test device), RW */
    li t0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    sd t0, 0(a0)
    /* root[1] -> level-1 table for 0x40000000 */
    la a1, l1
    srli t0, a1, 12
    slli t0, t0, 10
    ori t0, t0, PTE_V
    sd t0, 8(a0)
    /* l1[0] -> level-0 table */
    la a2, l0
    srli t0, a2, 12
    slli t0, t0, 10
    ori t0, t0, PTE_V
    sd t0, 0(a1)
    /* l0[0]: DATA_VA -> page, RW, A and D clear */
    la a3, page
    srli t0, a3, 12
    slli t0, t0, 10
    ori t0, t0, PTE_V | PTE_R | PTE_W
    sd t0, 0(a2)
    /* l0[1]: USER_VA -> page, RW, U */
    ori t0, t0, PTE_U
    sd t0, 8(a2)
    /* l0[2]: NOX_VA -> page, R only (not executable) */
    srli t0, a3, 12
    slli t0, t0, 10
    ori t0, t0, PTE_V | PTE_R | PTE_A
    sd t0, 16(a2)

#ifdef SV48
    /* One more level on top: top[0] -> root, which now maps 0..512 GiB. */
    la t2, top
    srli t0, a0, 12
    slli t0, t0, 10
    ori t0, t0, PTE_V
    sd t0, 0(t2)
    srli t0, t2, 12
    li t1, 9 << 60
#else
    /* satp = Sv39 | root */
    srli t0, a0, 12
    li t1, 8 << 60
#endif
    or t0, t0, t1
    csrw satp, t0
    sfence.vma

    la t0, super
    csrw mepc, t0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800            /* MPP = S */
    csrs mstatus, t0
    mret

super:
    /* A load sets A but not D. */
    li a4, DATA_VA
    li t0, 0x1234
    ld t1, 0(a4)
    la a2, l0
    ld t2, 0(a2)
    andi t3, t2, PTE_A
    CHECK(1, t3, PTE_A)
    andi t3, t2, PTE_D
    CHECK(2, t3, 0)
    /* A store sets D. */
    sd t0, 8(a4)
    ld t2, 0(a2)
    andi t3, t2, PTE_D
    CHECK(3, t3, PTE_D)
    /* The store landed in the physical page. */
    la a3, page
    ld t1, 8(a3)
    CHECK(4, t1, 0x1234)

    /* U page from S without SUM: load page fault, mtval = address. */
    li a5, USER_VA
    li s2, 0
    ld t1, 0(a5)
    CHECK(5, s2, 13)
    CHECK(6, s3, USER_VA)
    /* With SUM it works (and sees the same page). */
    li t0, 1 << 18
    csrs sstatus, t0
    sfence.vma
    ld t1, 8(a5)
    CHECK(7, t1, 0x1234)
    /* Store to a read-only page: store page fault. */
    li a6, NOX_VA
    li s2, 0
    sd t0, 0(a6)
    CHECK(8, s2, 15)
    /* Jump into a non-executable page: instruction page fault. */
    li s2, 0
    la ra, back
    jr a6
back:
    CHECK(9, s2, 12)
    CHECK(10, s3, NOX_VA)
    /* Non-canonical address: page fault. */
    li a7, 0x0000008000000000
    li s2, 0
    ld t1, 0(a7)
    CHECK(11, s2, 13)
    PASS

/* Record cause and tval; resume after the insn, or at ra for fetch faults. */
    .align 2
m_handler:
    csrr s2, mcause
    csrr s3, mtval
    li t5, 12
    beq s2, t5, 1f
    csrr t5, mepc
    addi t5, t5, 4
    csrw mepc, t5
    mret
1:  csrw mepc, ra
    mret

    .data
    .align 12
top:
    .fill 512, 8, 0
root:
    .fill 512, 8, 0
l1:
    .fill 512, 8, 0
l0:
    .fill 512, 8, 0
page:
    .fill 512, 8, 0
