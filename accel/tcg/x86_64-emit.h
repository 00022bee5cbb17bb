/*
 * A minimal x86-64 instruction encoder for the TCG back end: the handful
 * of forms the riscv translator emits, each writing its bytes at the
 * cursor of a CodeBuf.
 *
 * Register numbers are the hardware ones (RAX = 0 ... R15 = 15).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ACCEL_TCG_X86_64_EMIT_H
#define ACCEL_TCG_X86_64_EMIT_H

#include "vireo/osdep.h"

enum {
    RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
    R8 = 8, R9, R10, R11, R12, R13, R14, R15,
};

/* Condition codes for jcc/setcc */
enum {
    CC_O = 0, CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
    CC_L = 12, CC_GE = 13, CC_LE = 14, CC_G = 15,
};

/* ALU operations with their /digit (imm forms) and opcode (reg forms). */
typedef enum X86Alu {
    ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6,
    ALU_CMP = 7,
} X86Alu;

typedef enum X86Shift { SHIFT_SHL = 4, SHIFT_SHR = 5, SHIFT_SAR = 7 } X86Shift;

typedef struct CodeBuf {
    uint8_t *ptr;
    uint8_t *end;
    bool overflow;
} CodeBuf;

static inline void emit8(CodeBuf *cb, uint8_t b)
{
    if (cb->ptr < cb->end) {
        *cb->ptr++ = b;
    } else {
        cb->overflow = true;
    }
}

static inline void emit32(CodeBuf *cb, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        emit8(cb, v >> (8 * i));
    }
}

static inline void emit64(CodeBuf *cb, uint64_t v)
{
    emit32(cb, v);
    emit32(cb, v >> 32);
}

/* REX prefix: W for 64-bit operands, R extends modrm.reg, B modrm.rm. */
static inline void emit_rex(CodeBuf *cb, bool w, int reg, int rm, bool force)
{
    uint8_t rex = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);

    if (rex != 0x40 || force) {
        emit8(cb, rex);
    }
}

/* modrm for [base + disp32] (base is never RSP/R12 here: no SIB). */
static inline void emit_mem(CodeBuf *cb, int reg, int base, int32_t disp)
{
    emit8(cb, 0x80 | ((reg & 7) << 3) | (base & 7));
    emit32(cb, disp);
}

static inline void emit_modrm_reg(CodeBuf *cb, int reg, int rm)
{
    emit8(cb, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

/* mov reg, [base + disp] (64-bit) */
static inline void emit_load64(CodeBuf *cb, int reg, int base, int32_t disp)
{
    emit_rex(cb, true, reg, base, false);
    emit8(cb, 0x8b);
    emit_mem(cb, reg, base, disp);
}

/* mov [base + disp], reg (64-bit) */
static inline void emit_store64(CodeBuf *cb, int reg, int base, int32_t disp)
{
    emit_rex(cb, true, reg, base, false);
    emit8(cb, 0x89);
    emit_mem(cb, reg, base, disp);
}

/* mov reg, imm (the shortest form that yields the 64-bit value) */
static inline void emit_movi(CodeBuf *cb, int reg, uint64_t imm)
{
    if (imm <= UINT32_MAX) {
        emit_rex(cb, false, 0, reg, false);       /* zero-extending mov r32 */
        emit8(cb, 0xb8 + (reg & 7));
        emit32(cb, imm);
    } else if ((int64_t)imm == (int32_t)imm) {
        emit_rex(cb, true, 0, reg, false);        /* sign-extended imm32 */
        emit8(cb, 0xc7);
        emit_modrm_reg(cb, 0, reg);
        emit32(cb, imm);
    } else {
        emit_rex(cb, true, 0, reg, false);
        emit8(cb, 0xb8 + (reg & 7));
        emit64(cb, imm);
    }
}

/* mov qword [base + disp], simm32 */
static inline void emit_store_imm(CodeBuf *cb, int base, int32_t disp,
                                  int32_t imm)
{
    emit_rex(cb, true, 0, base, false);
    emit8(cb, 0xc7);
    emit_mem(cb, 0, base, disp);
    emit32(cb, imm);
}

/* op dst, src (64 or 32-bit) */
static inline void emit_alu_rr(CodeBuf *cb, X86Alu op, bool w, int dst,
                               int src)
{
    static const uint8_t opcode[8] = {
        [ALU_ADD] = 0x01, [ALU_OR] = 0x09, [ALU_AND] = 0x21,
        [ALU_SUB] = 0x29, [ALU_XOR] = 0x31, [ALU_CMP] = 0x39,
    };
    emit_rex(cb, w, src, dst, false);
    emit8(cb, opcode[op]);
    emit_modrm_reg(cb, src, dst);
}

/* op dst, simm32 */
static inline void emit_alu_ri(CodeBuf *cb, X86Alu op, bool w, int dst,
                               int32_t imm)
{
    emit_rex(cb, w, 0, dst, false);
    emit8(cb, 0x81);
    emit_modrm_reg(cb, op, dst);
    emit32(cb, imm);
}

/* add qword [base + disp], simm32 */
static inline void emit_add_mem_imm(CodeBuf *cb, int base, int32_t disp,
                                    int32_t imm)
{
    emit_rex(cb, true, 0, base, false);
    emit8(cb, 0x81);
    emit_mem(cb, ALU_ADD, base, disp);
    emit32(cb, imm);
}

/* shift reg by imm8, or by CL when count < 0 */
static inline void emit_shift(CodeBuf *cb, X86Shift op, bool w, int reg,
                              int count)
{
    emit_rex(cb, w, 0, reg, false);
    if (count < 0) {
        emit8(cb, 0xd3);
        emit_modrm_reg(cb, op, reg);
    } else {
        emit8(cb, 0xc1);
        emit_modrm_reg(cb, op, reg);
        emit8(cb, count);
    }
}

/* imul dst, src */
static inline void emit_imul(CodeBuf *cb, bool w, int dst, int src)
{
    emit_rex(cb, w, dst, src, false);
    emit8(cb, 0x0f);
    emit8(cb, 0xaf);
    emit_modrm_reg(cb, dst, src);
}

/* movsxd dst, src32 */
static inline void emit_sext32(CodeBuf *cb, int dst, int src)
{
    emit_rex(cb, true, dst, src, false);
    emit8(cb, 0x63);
    emit_modrm_reg(cb, dst, src);
}

/* dst = (condition) ? 1 : 0, after a cmp */
static inline void emit_setcc(CodeBuf *cb, int cc, int dst)
{
    emit_rex(cb, false, 0, dst, dst >= 4);        /* byte regs sil/dil need REX */
    emit8(cb, 0x0f);
    emit8(cb, 0x90 + cc);
    emit_modrm_reg(cb, 0, dst);
    emit_rex(cb, false, dst, dst, dst >= 4);      /* movzx dst32, dst8 */
    emit8(cb, 0x0f);
    emit8(cb, 0xb6);
    emit_modrm_reg(cb, dst, dst);
}

/* test reg32, reg32 */
static inline void emit_test32(CodeBuf *cb, int a, int b)
{
    emit_rex(cb, false, b, a, false);
    emit8(cb, 0x85);
    emit_modrm_reg(cb, b, a);
}

/* jcc rel32 to be patched: returns the address of the rel32 field */
static inline uint8_t *emit_jcc(CodeBuf *cb, int cc)
{
    emit8(cb, 0x0f);
    emit8(cb, 0x80 + cc);
    uint8_t *field = cb->ptr;
    emit32(cb, 0);
    return field;
}

static inline uint8_t *emit_jmp(CodeBuf *cb)
{
    emit8(cb, 0xe9);
    uint8_t *field = cb->ptr;
    emit32(cb, 0);
    return field;
}

/* Point a jump's rel32 field at the current cursor. */
static inline void patch_here(CodeBuf *cb, uint8_t *field)
{
    if (!cb->overflow) {
        int32_t rel = cb->ptr - (field + 4);
        memcpy(field, &rel, 4);
    }
}

/* call an absolute address through RAX */
static inline void emit_call(CodeBuf *cb, const void *fn)
{
    emit_movi(cb, RAX, (uintptr_t)fn);
    emit8(cb, 0xff);
    emit8(cb, 0xd0);
}

/* modrm for [base] + disp8 */
static inline void emit_mem8(CodeBuf *cb, int reg, int base, int8_t disp)
{
    emit8(cb, 0x40 | ((reg & 7) << 3) | (base & 7));
    emit8(cb, disp);
}

/*
 * dst = zero- or sign-extended load of @size bytes from [base + disp8]
 * (base must not be RSP/R12).
 */
static inline void emit_load_sized(CodeBuf *cb, int dst, int base,
                                   int8_t disp, unsigned size, bool sign)
{
    switch (size) {
    case 1:
    case 2:
        emit_rex(cb, sign, dst, base, false);
        emit8(cb, 0x0f);
        emit8(cb, (sign ? 0xbe : 0xb6) + (size == 2));
        break;
    case 4:
        emit_rex(cb, sign, dst, base, false);
        emit8(cb, sign ? 0x63 : 0x8b);    /* movsxd / mov r32 */
        break;
    default:
        emit_rex(cb, true, dst, base, false);
        emit8(cb, 0x8b);
        break;
    }
    emit_mem8(cb, dst, base, disp);
}

/* [base + disp8] = low @size bytes of src */
static inline void emit_store_sized(CodeBuf *cb, int src, int base,
                                    int8_t disp, unsigned size)
{
    if (size == 2) {
        emit8(cb, 0x66);
    }
    emit_rex(cb, size == 8, src, base, size == 1 && src >= 4);
    emit8(cb, size == 1 ? 0x88 : 0x89);
    emit_mem8(cb, src, base, disp);
}

/* cmp reg, [base + disp8] (64-bit) */
static inline void emit_cmp_mem8(CodeBuf *cb, int reg, int base, int8_t disp)
{
    emit_rex(cb, true, reg, base, false);
    emit8(cb, 0x3b);
    emit_mem8(cb, reg, base, disp);
}

/* add dst, [base + disp] (64-bit) */
static inline void emit_add_mem(CodeBuf *cb, int dst, int base, int32_t disp)
{
    emit_rex(cb, true, dst, base, false);
    emit8(cb, 0x03);
    emit_mem(cb, dst, base, disp);
}

/* cmp reg, [base + disp32] (64-bit) */
static inline void emit_cmp_mem(CodeBuf *cb, int reg, int base, int32_t disp)
{
    emit_rex(cb, true, reg, base, false);
    emit8(cb, 0x3b);
    emit_mem(cb, reg, base, disp);
}

/* cmp byte [base + disp32], imm8 */
static inline void emit_cmp_mem_imm8(CodeBuf *cb, int base, int32_t disp,
                                     int8_t imm)
{
    emit_rex(cb, false, 0, base, false);
    emit8(cb, 0x80);
    emit_mem(cb, 7, base, disp);
    emit8(cb, imm);
}

/* test reg, reg (64-bit) */
static inline void emit_test64(CodeBuf *cb, int a, int b)
{
    emit_rex(cb, true, b, a, false);
    emit8(cb, 0x85);
    emit_modrm_reg(cb, b, a);
}

/* jmp reg */
static inline void emit_jmp_reg(CodeBuf *cb, int reg)
{
    emit_rex(cb, false, 0, reg, false);
    emit8(cb, 0xff);
    emit_modrm_reg(cb, 4, reg);
}

/* mov dst, src (64-bit) */
static inline void emit_mov_rr(CodeBuf *cb, int dst, int src)
{
    emit_rex(cb, true, src, dst, false);
    emit8(cb, 0x89);
    emit_modrm_reg(cb, src, dst);
}

#endif
