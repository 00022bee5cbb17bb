/*
 * Bare-metal test conventions: code starts at 0x80000000 in M-mode; a test
 * ends by writing sifive_test at 0x100000 (0x5555 = pass, code<<16|0x3333 =
 * fail with that code).  CHECK compares a register with a constant and
 * fails with the check's number.
 *
 * SPDX-License-Identifier: MIT
 */
#define TEST_DEVICE 0x100000

#define PASS                    \
    li t6, TEST_DEVICE;         \
    li t5, 0x5555;              \
    sw t5, 0(t6);               \
99: j 99b

/* Fail with code n (1..65535). */
#define FAIL(n)                 \
    li t6, TEST_DEVICE;         \
    li t5, ((n) << 16) | 0x3333; \
    sw t5, 0(t6);               \
98: j 98b

#define CHECK(n, reg, value)    \
    li t4, value;               \
    beq reg, t4, 1f;            \
    FAIL(n);                    \
1:
