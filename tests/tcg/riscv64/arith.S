/* Integer instructions: RV64I, M, W-forms, shifts, division edge cases. */
#include "test.h"
    .globl _start
_start:
    li a0, -1
    li a1, 1
    add a2, a0, a1
    CHECK(1, a2, 0)
    addiw a2, a0, 0          /* sign-extends the low 32 bits */
    CHECK(2, a2, -1)
    li a0, 0x7fffffff
    addiw a2, a0, 1          /* wraps to INT32_MIN, sign-extended */
    CHECK(3, a2, 0xffffffff80000000)
    li a0, 0x80000000
    sllw a2, a0, zero
    CHECK(4, a2, 0xffffffff80000000)
    li a0, -16
    srai a2, a0, 2
    CHECK(5, a2, -4)
    srli a2, a0, 60
    CHECK(6, a2, 15)
    li a1, 65
    sll a2, a1, a1           /* shift amount uses the low 6 bits: 65 -> 1 */
    CHECK(7, a2, 130)
    li a0, 0xffffffff
    sraiw a2, a0, 4          /* -1 as a 32-bit value */
    CHECK(8, a2, -1)
    srliw a2, a0, 4
    CHECK(9, a2, 0x0fffffff)
    li a0, -5
    li a1, 3
    slt a2, a0, a1
    CHECK(10, a2, 1)
    sltu a2, a0, a1
    CHECK(11, a2, 0)
    sltiu a2, zero, 1        /* seqz */
    CHECK(12, a2, 1)

    /* M extension */
    li a0, 7
    li a1, -3
    mul a2, a0, a1
    CHECK(20, a2, -21)
    div a2, a0, a1
    CHECK(21, a2, -2)
    rem a2, a0, a1
    CHECK(22, a2, 1)
    div a2, a0, zero         /* division by zero: all ones */
    CHECK(23, a2, -1)
    divu a2, a0, zero
    CHECK(24, a2, -1)
    rem a2, a0, zero         /* remainder by zero: the dividend */
    CHECK(25, a2, 7)
    li a0, 0x8000000000000000
    li a1, -1
    div a2, a0, a1           /* overflow: the dividend */
    CHECK(26, a2, 0x8000000000000000)
    rem a2, a0, a1
    CHECK(27, a2, 0)
    mulh a2, a0, a1          /* INT64_MIN * -1 = 2^63: high part 0 */
    CHECK(28, a2, 0)
    mulhu a2, a1, a1         /* (2^64-1)^2 high part */
    CHECK(29, a2, 0xfffffffffffffffe)
    mulhsu a2, a1, a1        /* -1 * (2^64-1) high part */
    CHECK(30, a2, -1)
    li a0, 0x80000000
    li a1, -1
    divw a2, a0, a1          /* 32-bit overflow */
    CHECK(31, a2, 0xffffffff80000000)
    remw a2, a0, a1
    CHECK(32, a2, 0)
    divuw a2, a0, zero
    CHECK(33, a2, -1)
    remuw a2, a0, zero
    CHECK(34, a2, 0xffffffff80000000)
    mulw a2, a0, a0          /* low 32 bits of 2^62 are 0 */
    CHECK(35, a2, 0)

    /* Compressed forms expand correctly */
    .option push
    .option rvc
    c.li a3, -7
    c.addi a3, 2
    CHECK(40, a3, -5)
    c.slli a3, 4
    CHECK(41, a3, -80)
    .option pop

    /* Loads and stores, sign and zero extension, misaligned access */
    la a0, data
    li a1, 0x8899aabbccddeeff
    sd a1, 0(a0)
    lb a2, 0(a0)
    CHECK(50, a2, -1)
    lbu a2, 0(a0)
    CHECK(51, a2, 0xff)
    lh a2, 6(a0)
    CHECK(52, a2, 0xffffffffffff8899)
    lwu a2, 4(a0)
    CHECK(53, a2, 0x8899aabb)
    lw a2, 1(a0)             /* misaligned: handled transparently */
    CHECK(54, a2, 0xffffffffbbccddee)
    sw zero, 3(a0)
    ld a2, 0(a0)
    CHECK(55, a2, 0x8800000000ddeeff)
    PASS

    .data
    .align 3
data:
    .dword 0, 0
