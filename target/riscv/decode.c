/*
 * RV64GC instruction decoder and disassembler.
 *
 * Field layouts and opcode values follow the RISC-V Unprivileged ISA
 * (version 20191213) and the Privileged ISA (version 20211203).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "target/riscv/decode.h"

static const char *const op_names[RV_OP__COUNT] = {
#define RV_OP_NAME(name, mnemonic) [RV_OP_##name] = mnemonic,
    RV_OPS(RV_OP_NAME)
#undef RV_OP_NAME
};

const char *riscv_op_name(RVOp op)
{
    return op < RV_OP__COUNT ? op_names[op] : "?";
}

static inline uint32_t bits(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int64_t sext(uint64_t v, unsigned width)
{
    return (int64_t)(v << (64 - width)) >> (64 - width);
}

static inline int64_t imm_i(uint32_t r)
{
    return sext(r >> 20, 12);
}

static inline int64_t imm_s(uint32_t r)
{
    return sext((bits(r, 31, 25) << 5) | bits(r, 11, 7), 12);
}

static inline int64_t imm_b(uint32_t r)
{
    return sext((bits(r, 31, 31) << 12) | (bits(r, 7, 7) << 11) |
                (bits(r, 30, 25) << 5) | (bits(r, 11, 8) << 1), 13);
}

static inline int64_t imm_u(uint32_t r)
{
    return sext(r & 0xfffff000u, 32);
}

static inline int64_t imm_j(uint32_t r)
{
    return sext((bits(r, 31, 31) << 20) | (bits(r, 19, 12) << 12) |
                (bits(r, 20, 20) << 11) | (bits(r, 30, 21) << 1), 21);
}

static bool illegal(RVInsn *insn)
{
    insn->op = RV_OP_ILLEGAL;
    return false;
}

static bool set_op(RVInsn *insn, RVOp op)
{
    insn->op = op;
    return true;
}

static bool decode_op_imm(uint32_t r, RVInsn *insn, bool word)
{
    unsigned f3 = bits(r, 14, 12);
    unsigned f6 = bits(r, 31, 26), f7 = bits(r, 31, 25);

    insn->imm = imm_i(r);
    switch (f3) {
    case 0:
        return set_op(insn, word ? RV_OP_ADDIW : RV_OP_ADDI);
    case 1:
        if (word ? f7 != 0 : f6 != 0) {
            return illegal(insn);
        }
        insn->imm = bits(r, word ? 24 : 25, 20);
        return set_op(insn, word ? RV_OP_SLLIW : RV_OP_SLLI);
    case 5:
        insn->imm = bits(r, word ? 24 : 25, 20);
        if (word ? f7 == 0 : f6 == 0) {
            return set_op(insn, word ? RV_OP_SRLIW : RV_OP_SRLI);
        }
        if (word ? f7 == 0x20 : f6 == 0x10) {
            return set_op(insn, word ? RV_OP_SRAIW : RV_OP_SRAI);
        }
        return illegal(insn);
    }
    if (word) {
        return illegal(insn);
    }
    static const RVOp ops[8] = {
        [2] = RV_OP_SLTI, [3] = RV_OP_SLTIU, [4] = RV_OP_XORI,
        [6] = RV_OP_ORI, [7] = RV_OP_ANDI,
    };
    return set_op(insn, ops[f3]);
}

static bool decode_op(uint32_t r, RVInsn *insn, bool word)
{
    unsigned f3 = bits(r, 14, 12), f7 = bits(r, 31, 25);

    if (f7 == 1) {
        static const RVOp mul[8] = {
            RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
            RV_OP_DIV, RV_OP_DIVU, RV_OP_REM, RV_OP_REMU,
        };
        static const RVOp mulw[8] = {
            RV_OP_MULW, RV_OP_ILLEGAL, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
            RV_OP_DIVW, RV_OP_DIVUW, RV_OP_REMW, RV_OP_REMUW,
        };
        RVOp op = word ? mulw[f3] : mul[f3];
        return op == RV_OP_ILLEGAL ? illegal(insn) : set_op(insn, op);
    }
    if (f7 == 0) {
        static const RVOp base[8] = {
            RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
            RV_OP_XOR, RV_OP_SRL, RV_OP_OR, RV_OP_AND,
        };
        static const RVOp basew[8] = {
            RV_OP_ADDW, RV_OP_SLLW, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
            RV_OP_ILLEGAL, RV_OP_SRLW, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
        };
        RVOp op = word ? basew[f3] : base[f3];
        return op == RV_OP_ILLEGAL ? illegal(insn) : set_op(insn, op);
    }
    if (f7 == 0x20) {
        if (f3 == 0) {
            return set_op(insn, word ? RV_OP_SUBW : RV_OP_SUB);
        }
        if (f3 == 5) {
            return set_op(insn, word ? RV_OP_SRAW : RV_OP_SRA);
        }
    }
    return illegal(insn);
}

static bool decode_amo(uint32_t r, RVInsn *insn)
{
    unsigned f3 = bits(r, 14, 12), f5 = bits(r, 31, 27);
    static const RVOp w[32] = {
        [0x00] = RV_OP_AMOADD_W, [0x01] = RV_OP_AMOSWAP_W,
        [0x02] = RV_OP_LR_W, [0x03] = RV_OP_SC_W,
        [0x04] = RV_OP_AMOXOR_W, [0x08] = RV_OP_AMOOR_W,
        [0x0c] = RV_OP_AMOAND_W, [0x10] = RV_OP_AMOMIN_W,
        [0x14] = RV_OP_AMOMAX_W, [0x18] = RV_OP_AMOMINU_W,
        [0x1c] = RV_OP_AMOMAXU_W,
    };
    static const RVOp d[32] = {
        [0x00] = RV_OP_AMOADD_D, [0x01] = RV_OP_AMOSWAP_D,
        [0x02] = RV_OP_LR_D, [0x03] = RV_OP_SC_D,
        [0x04] = RV_OP_AMOXOR_D, [0x08] = RV_OP_AMOOR_D,
        [0x0c] = RV_OP_AMOAND_D, [0x10] = RV_OP_AMOMIN_D,
        [0x14] = RV_OP_AMOMAX_D, [0x18] = RV_OP_AMOMINU_D,
        [0x1c] = RV_OP_AMOMAXU_D,
    };
    RVOp op;

    if (f3 == 2) {
        op = w[f5];
    } else if (f3 == 3) {
        op = d[f5];
    } else {
        return illegal(insn);
    }
    /* LR has no rs2 operand: a non-zero field is reserved. */
    if (op == RV_OP_ILLEGAL ||
        ((op == RV_OP_LR_W || op == RV_OP_LR_D) && insn->rs2 != 0)) {
        return illegal(insn);
    }
    insn->rm = bits(r, 26, 25);      /* aq << 1 | rl */
    return set_op(insn, op);
}

static bool decode_system(uint32_t r, RVInsn *insn)
{
    unsigned f3 = bits(r, 14, 12);

    if (f3 == 0) {
        if (insn->rd != 0) {
            return illegal(insn);
        }
        if (bits(r, 31, 25) == 0x09) {
            return set_op(insn, RV_OP_SFENCE_VMA);
        }
        if (insn->rs1 != 0) {
            return illegal(insn);
        }
        switch (r >> 20) {
        case 0x000:
            return set_op(insn, RV_OP_ECALL);
        case 0x001:
            return set_op(insn, RV_OP_EBREAK);
        case 0x102:
            return set_op(insn, RV_OP_SRET);
        case 0x302:
            return set_op(insn, RV_OP_MRET);
        case 0x105:
            return set_op(insn, RV_OP_WFI);
        }
        return illegal(insn);
    }
    if (f3 == 4) {
        return illegal(insn);
    }
    static const RVOp csr[8] = {
        [1] = RV_OP_CSRRW, [2] = RV_OP_CSRRS, [3] = RV_OP_CSRRC,
        [5] = RV_OP_CSRRWI, [6] = RV_OP_CSRRSI, [7] = RV_OP_CSRRCI,
    };
    insn->imm = r >> 20;
    return set_op(insn, csr[f3]);
}

/* The fmt field (bits 26:25) selects S (0) or D (1); H and Q are absent. */
static bool decode_fp(uint32_t r, RVInsn *insn)
{
    unsigned f7 = bits(r, 31, 25), fmt = f7 & 3, f5 = f7 >> 2;
    unsigned f3 = bits(r, 14, 12), rs2 = insn->rs2;
    bool d = fmt == 1;

    if (fmt > 1) {
        return illegal(insn);
    }
    insn->rm = f3;
    switch (f5) {
    case 0x00:
        return set_op(insn, d ? RV_OP_FADD_D : RV_OP_FADD_S);
    case 0x01:
        return set_op(insn, d ? RV_OP_FSUB_D : RV_OP_FSUB_S);
    case 0x02:
        return set_op(insn, d ? RV_OP_FMUL_D : RV_OP_FMUL_S);
    case 0x03:
        return set_op(insn, d ? RV_OP_FDIV_D : RV_OP_FDIV_S);
    case 0x0b:
        if (rs2 != 0) {
            return illegal(insn);
        }
        return set_op(insn, d ? RV_OP_FSQRT_D : RV_OP_FSQRT_S);
    case 0x04: {
        static const RVOp s[3] = { RV_OP_FSGNJ_S, RV_OP_FSGNJN_S, RV_OP_FSGNJX_S };
        static const RVOp dd[3] = { RV_OP_FSGNJ_D, RV_OP_FSGNJN_D, RV_OP_FSGNJX_D };
        return f3 < 3 ? set_op(insn, d ? dd[f3] : s[f3]) : illegal(insn);
    }
    case 0x05:
        if (f3 > 1) {
            return illegal(insn);
        }
        return set_op(insn, f3 ? (d ? RV_OP_FMAX_D : RV_OP_FMAX_S)
                               : (d ? RV_OP_FMIN_D : RV_OP_FMIN_S));
    case 0x14: {
        static const RVOp s[3] = { RV_OP_FLE_S, RV_OP_FLT_S, RV_OP_FEQ_S };
        static const RVOp dd[3] = { RV_OP_FLE_D, RV_OP_FLT_D, RV_OP_FEQ_D };
        return f3 < 3 ? set_op(insn, d ? dd[f3] : s[f3]) : illegal(insn);
    }
    case 0x08:   /* fcvt.s.d (fmt S, rs2 1) and fcvt.d.s (fmt D, rs2 0) */
        if (rs2 == (d ? 0 : 1)) {
            return set_op(insn, d ? RV_OP_FCVT_D_S : RV_OP_FCVT_S_D);
        }
        return illegal(insn);
    case 0x18: {
        static const RVOp s[4] = { RV_OP_FCVT_W_S, RV_OP_FCVT_WU_S,
                                   RV_OP_FCVT_L_S, RV_OP_FCVT_LU_S };
        static const RVOp dd[4] = { RV_OP_FCVT_W_D, RV_OP_FCVT_WU_D,
                                    RV_OP_FCVT_L_D, RV_OP_FCVT_LU_D };
        return rs2 < 4 ? set_op(insn, d ? dd[rs2] : s[rs2]) : illegal(insn);
    }
    case 0x1a: {
        static const RVOp s[4] = { RV_OP_FCVT_S_W, RV_OP_FCVT_S_WU,
                                   RV_OP_FCVT_S_L, RV_OP_FCVT_S_LU };
        static const RVOp dd[4] = { RV_OP_FCVT_D_W, RV_OP_FCVT_D_WU,
                                    RV_OP_FCVT_D_L, RV_OP_FCVT_D_LU };
        return rs2 < 4 ? set_op(insn, d ? dd[rs2] : s[rs2]) : illegal(insn);
    }
    case 0x1c:
        if (rs2 != 0) {
            return illegal(insn);
        }
        if (f3 == 0) {
            return set_op(insn, d ? RV_OP_FMV_X_D : RV_OP_FMV_X_W);
        }
        if (f3 == 1) {
            return set_op(insn, d ? RV_OP_FCLASS_D : RV_OP_FCLASS_S);
        }
        return illegal(insn);
    case 0x1e:
        if (rs2 != 0 || f3 != 0) {
            return illegal(insn);
        }
        return set_op(insn, d ? RV_OP_FMV_D_X : RV_OP_FMV_W_X);
    }
    return illegal(insn);
}

static bool decode32(uint32_t r, RVInsn *insn)
{
    unsigned f3 = bits(r, 14, 12);

    insn->len = 4;
    insn->rd = bits(r, 11, 7);
    insn->rs1 = bits(r, 19, 15);
    insn->rs2 = bits(r, 24, 20);
    insn->rs3 = bits(r, 31, 27);

    switch (bits(r, 6, 2)) {
    case 0x0d:
        insn->imm = imm_u(r);
        return set_op(insn, RV_OP_LUI);
    case 0x05:
        insn->imm = imm_u(r);
        return set_op(insn, RV_OP_AUIPC);
    case 0x1b:
        insn->imm = imm_j(r);
        return set_op(insn, RV_OP_JAL);
    case 0x19:
        if (f3 != 0) {
            return illegal(insn);
        }
        insn->imm = imm_i(r);
        return set_op(insn, RV_OP_JALR);
    case 0x18: {
        static const RVOp br[8] = {
            RV_OP_BEQ, RV_OP_BNE, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
            RV_OP_BLT, RV_OP_BGE, RV_OP_BLTU, RV_OP_BGEU,
        };
        insn->imm = imm_b(r);
        return br[f3] == RV_OP_ILLEGAL ? illegal(insn) : set_op(insn, br[f3]);
    }
    case 0x00: {
        static const RVOp ld[8] = {
            RV_OP_LB, RV_OP_LH, RV_OP_LW, RV_OP_LD,
            RV_OP_LBU, RV_OP_LHU, RV_OP_LWU, RV_OP_ILLEGAL,
        };
        insn->imm = imm_i(r);
        return ld[f3] == RV_OP_ILLEGAL ? illegal(insn) : set_op(insn, ld[f3]);
    }
    case 0x08: {
        static const RVOp st[8] = { RV_OP_SB, RV_OP_SH, RV_OP_SW, RV_OP_SD };
        insn->imm = imm_s(r);
        return f3 < 4 ? set_op(insn, st[f3]) : illegal(insn);
    }
    case 0x04:
        return decode_op_imm(r, insn, false);
    case 0x06:
        return decode_op_imm(r, insn, true);
    case 0x0c:
        return decode_op(r, insn, false);
    case 0x0e:
        return decode_op(r, insn, true);
    case 0x03:
        if (f3 == 0) {
            insn->rm = bits(r, 27, 20);      /* pred << 4 | succ */
            insn->imm = bits(r, 31, 28);     /* fm */
            return set_op(insn, RV_OP_FENCE);
        }
        if (f3 == 1) {
            insn->imm = imm_i(r);
            return set_op(insn, RV_OP_FENCE_I);
        }
        return illegal(insn);
    case 0x1c:
        return decode_system(r, insn);
    case 0x0b:
        return decode_amo(r, insn);
    case 0x01:
        insn->imm = imm_i(r);
        if (f3 == 2) {
            return set_op(insn, RV_OP_FLW);
        }
        return f3 == 3 ? set_op(insn, RV_OP_FLD) : illegal(insn);
    case 0x09:
        insn->imm = imm_s(r);
        if (f3 == 2) {
            return set_op(insn, RV_OP_FSW);
        }
        return f3 == 3 ? set_op(insn, RV_OP_FSD) : illegal(insn);
    case 0x10: case 0x11: case 0x12: case 0x13: {
        unsigned fmt = bits(r, 26, 25), idx = bits(r, 6, 2) - 0x10;
        static const RVOp s[4] = { RV_OP_FMADD_S, RV_OP_FMSUB_S,
                                   RV_OP_FNMSUB_S, RV_OP_FNMADD_S };
        static const RVOp d[4] = { RV_OP_FMADD_D, RV_OP_FMSUB_D,
                                   RV_OP_FNMSUB_D, RV_OP_FNMADD_D };
        if (fmt > 1) {
            return illegal(insn);
        }
        insn->rm = f3;
        return set_op(insn, fmt ? d[idx] : s[idx]);
    }
    case 0x14:
        return decode_fp(r, insn);
    }
    return illegal(insn);
}

/* ---- Compressed (RVC) instructions, expanded to their base forms ---- */

static inline unsigned creg(unsigned v)
{
    return 8 + (v & 7);      /* the 3-bit register fields name x8..x15 */
}

static bool decode16(uint16_t c, RVInsn *insn)
{
    unsigned f3 = bits(c, 15, 13);
    unsigned rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);

    insn->len = 2;
    insn->rd = insn->rs1 = insn->rs2 = insn->rs3 = 0;
    insn->rm = 0;
    insn->imm = 0;

    switch (c & 3) {
    case 0:
        switch (f3) {
        case 0: {   /* c.addi4spn */
            unsigned imm = (bits(c, 10, 7) << 6) | (bits(c, 12, 11) << 4) |
                           (bits(c, 5, 5) << 3) | (bits(c, 6, 6) << 2);
            if (imm == 0) {
                return illegal(insn);     /* includes the all-zero word */
            }
            insn->rd = creg(bits(c, 4, 2));
            insn->rs1 = 2;
            insn->imm = imm;
            return set_op(insn, RV_OP_ADDI);
        }
        case 1: case 3: case 5: case 7: {   /* c.fld/c.ld, c.fsd/c.sd */
            insn->imm = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
            insn->rs1 = creg(bits(c, 9, 7));
            if (f3 < 4) {
                insn->rd = creg(bits(c, 4, 2));
                return set_op(insn, f3 == 1 ? RV_OP_FLD : RV_OP_LD);
            }
            insn->rs2 = creg(bits(c, 4, 2));
            return set_op(insn, f3 == 5 ? RV_OP_FSD : RV_OP_SD);
        }
        case 2: case 6:   /* c.lw, c.sw */
            insn->imm = (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) |
                        (bits(c, 5, 5) << 6);
            insn->rs1 = creg(bits(c, 9, 7));
            if (f3 == 2) {
                insn->rd = creg(bits(c, 4, 2));
                return set_op(insn, RV_OP_LW);
            }
            insn->rs2 = creg(bits(c, 4, 2));
            return set_op(insn, RV_OP_SW);
        }
        return illegal(insn);

    case 1: {
        int64_t imm6 = sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6);
        switch (f3) {
        case 0:   /* c.addi (c.nop when rd = 0) */
            insn->rd = insn->rs1 = rd;
            insn->imm = imm6;
            return set_op(insn, RV_OP_ADDI);
        case 1:   /* c.addiw */
            if (rd == 0) {
                return illegal(insn);
            }
            insn->rd = insn->rs1 = rd;
            insn->imm = imm6;
            return set_op(insn, RV_OP_ADDIW);
        case 2:   /* c.li */
            insn->rd = rd;
            insn->imm = imm6;
            return set_op(insn, RV_OP_ADDI);
        case 3:
            if (rd == 2) {   /* c.addi16sp */
                int64_t imm = sext((bits(c, 12, 12) << 9) |
                                   (bits(c, 4, 3) << 7) | (bits(c, 5, 5) << 6) |
                                   (bits(c, 2, 2) << 5) | (bits(c, 6, 6) << 4),
                                   10);
                if (imm == 0) {
                    return illegal(insn);
                }
                insn->rd = insn->rs1 = 2;
                insn->imm = imm;
                return set_op(insn, RV_OP_ADDI);
            }
            if (imm6 == 0) {
                return illegal(insn);
            }
            insn->rd = rd;   /* c.lui */
            insn->imm = imm6 << 12;
            return set_op(insn, RV_OP_LUI);
        case 4: {
            unsigned rdp = creg(bits(c, 9, 7));
            insn->rd = insn->rs1 = rdp;
            switch (bits(c, 11, 10)) {
            case 0:   /* c.srli */
                insn->imm = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
                return set_op(insn, RV_OP_SRLI);
            case 1:   /* c.srai */
                insn->imm = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
                return set_op(insn, RV_OP_SRAI);
            case 2:   /* c.andi */
                insn->imm = imm6;
                return set_op(insn, RV_OP_ANDI);
            }
            insn->rs2 = creg(bits(c, 4, 2));
            static const RVOp arith[8] = {
                RV_OP_SUB, RV_OP_XOR, RV_OP_OR, RV_OP_AND,
                RV_OP_SUBW, RV_OP_ADDW, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
            };
            RVOp op = arith[(bits(c, 12, 12) << 2) | bits(c, 6, 5)];
            return op == RV_OP_ILLEGAL ? illegal(insn) : set_op(insn, op);
        }
        case 5:   /* c.j */
            insn->imm = sext((bits(c, 12, 12) << 11) | (bits(c, 8, 8) << 10) |
                             (bits(c, 10, 9) << 8) | (bits(c, 6, 6) << 7) |
                             (bits(c, 7, 7) << 6) | (bits(c, 2, 2) << 5) |
                             (bits(c, 11, 11) << 4) | (bits(c, 5, 3) << 1), 12);
            return set_op(insn, RV_OP_JAL);
        case 6: case 7:   /* c.beqz, c.bnez */
            insn->rs1 = creg(bits(c, 9, 7));
            insn->imm = sext((bits(c, 12, 12) << 8) | (bits(c, 6, 5) << 6) |
                             (bits(c, 2, 2) << 5) | (bits(c, 11, 10) << 3) |
                             (bits(c, 4, 3) << 1), 9);
            return set_op(insn, f3 == 6 ? RV_OP_BEQ : RV_OP_BNE);
        }
        return illegal(insn);
    }

    case 2:
        switch (f3) {
        case 0:   /* c.slli */
            insn->rd = insn->rs1 = rd;
            insn->imm = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
            return set_op(insn, RV_OP_SLLI);
        case 1: case 3:   /* c.fldsp, c.ldsp */
            if (f3 == 3 && rd == 0) {
                return illegal(insn);
            }
            insn->rd = rd;
            insn->rs1 = 2;
            insn->imm = (bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) |
                        (bits(c, 4, 2) << 6);
            return set_op(insn, f3 == 1 ? RV_OP_FLD : RV_OP_LD);
        case 2:   /* c.lwsp */
            if (rd == 0) {
                return illegal(insn);
            }
            insn->rd = rd;
            insn->rs1 = 2;
            insn->imm = (bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) |
                        (bits(c, 3, 2) << 6);
            return set_op(insn, RV_OP_LW);
        case 4:
            if (!bits(c, 12, 12)) {
                if (rs2 == 0) {   /* c.jr */
                    if (rd == 0) {
                        return illegal(insn);
                    }
                    insn->rs1 = rd;
                    return set_op(insn, RV_OP_JALR);
                }
                insn->rd = rd;   /* c.mv */
                insn->rs2 = rs2;
                return set_op(insn, RV_OP_ADD);
            }
            if (rs2 == 0) {
                if (rd == 0) {
                    return set_op(insn, RV_OP_EBREAK);
                }
                insn->rd = 1;   /* c.jalr */
                insn->rs1 = rd;
                return set_op(insn, RV_OP_JALR);
            }
            insn->rd = insn->rs1 = rd;   /* c.add */
            insn->rs2 = rs2;
            return set_op(insn, RV_OP_ADD);
        case 5: case 7:   /* c.fsdsp, c.sdsp */
            insn->rs1 = 2;
            insn->rs2 = rs2;
            insn->imm = (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6);
            return set_op(insn, f3 == 5 ? RV_OP_FSD : RV_OP_SD);
        case 6:   /* c.swsp */
            insn->rs1 = 2;
            insn->rs2 = rs2;
            insn->imm = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
            return set_op(insn, RV_OP_SW);
        }
        return illegal(insn);
    }
    return illegal(insn);
}

bool riscv_decode(uint32_t raw, RVInsn *insn)
{
    if (riscv_insn_length(raw & 0xffff) == 2) {
        return decode16(raw & 0xffff, insn);
    }
    /* 48-bit and longer encodings are not part of RV64GC. */
    if ((raw & 0x1f) == 0x1f) {
        insn->len = 4;
        return illegal(insn);
    }
    return decode32(raw, insn);
}

/* ---- Disassembly ---- */

static const char *const xreg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const freg_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
    "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

typedef enum DisasForm {
    FORM_NONE, FORM_R, FORM_I, FORM_LOAD, FORM_STORE, FORM_BRANCH, FORM_U,
    FORM_JAL, FORM_CSR, FORM_CSRI, FORM_AMO, FORM_LR, FORM_FLOAD, FORM_FSTORE,
    FORM_FR, FORM_FR1, FORM_FR4, FORM_F2X, FORM_X2F, FORM_FCMP, FORM_SFENCE,
} DisasForm;

static DisasForm disas_form(RVOp op)
{
    switch (op) {
    case RV_OP_LUI: case RV_OP_AUIPC:
        return FORM_U;
    case RV_OP_JAL:
        return FORM_JAL;
    case RV_OP_JALR: case RV_OP_LB: case RV_OP_LH: case RV_OP_LW:
    case RV_OP_LD: case RV_OP_LBU: case RV_OP_LHU: case RV_OP_LWU:
        return FORM_LOAD;
    case RV_OP_BEQ: case RV_OP_BNE: case RV_OP_BLT: case RV_OP_BGE:
    case RV_OP_BLTU: case RV_OP_BGEU:
        return FORM_BRANCH;
    case RV_OP_SB: case RV_OP_SH: case RV_OP_SW: case RV_OP_SD:
        return FORM_STORE;
    case RV_OP_ADDI: case RV_OP_SLTI: case RV_OP_SLTIU: case RV_OP_XORI:
    case RV_OP_ORI: case RV_OP_ANDI: case RV_OP_SLLI: case RV_OP_SRLI:
    case RV_OP_SRAI: case RV_OP_ADDIW: case RV_OP_SLLIW: case RV_OP_SRLIW:
    case RV_OP_SRAIW:
        return FORM_I;
    case RV_OP_CSRRW: case RV_OP_CSRRS: case RV_OP_CSRRC:
        return FORM_CSR;
    case RV_OP_CSRRWI: case RV_OP_CSRRSI: case RV_OP_CSRRCI:
        return FORM_CSRI;
    case RV_OP_LR_W: case RV_OP_LR_D:
        return FORM_LR;
    case RV_OP_FLW: case RV_OP_FLD:
        return FORM_FLOAD;
    case RV_OP_FSW: case RV_OP_FSD:
        return FORM_FSTORE;
    case RV_OP_SFENCE_VMA:
        return FORM_SFENCE;
    case RV_OP_FENCE: case RV_OP_FENCE_I: case RV_OP_ECALL: case RV_OP_EBREAK:
    case RV_OP_URET: case RV_OP_SRET: case RV_OP_MRET: case RV_OP_WFI:
    case RV_OP_ILLEGAL:
        return FORM_NONE;
    case RV_OP_FMADD_S: case RV_OP_FMSUB_S: case RV_OP_FNMSUB_S:
    case RV_OP_FNMADD_S: case RV_OP_FMADD_D: case RV_OP_FMSUB_D:
    case RV_OP_FNMSUB_D: case RV_OP_FNMADD_D:
        return FORM_FR4;
    case RV_OP_FSQRT_S: case RV_OP_FSQRT_D: case RV_OP_FCVT_S_D:
    case RV_OP_FCVT_D_S:
        return FORM_FR1;
    case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S:
    case RV_OP_FEQ_D: case RV_OP_FLT_D: case RV_OP_FLE_D:
        return FORM_FCMP;
    case RV_OP_FCLASS_S: case RV_OP_FCLASS_D: case RV_OP_FMV_X_W:
    case RV_OP_FMV_X_D: case RV_OP_FCVT_W_S: case RV_OP_FCVT_WU_S:
    case RV_OP_FCVT_L_S: case RV_OP_FCVT_LU_S: case RV_OP_FCVT_W_D:
    case RV_OP_FCVT_WU_D: case RV_OP_FCVT_L_D: case RV_OP_FCVT_LU_D:
        return FORM_F2X;
    case RV_OP_FMV_W_X: case RV_OP_FMV_D_X: case RV_OP_FCVT_S_W:
    case RV_OP_FCVT_S_WU: case RV_OP_FCVT_S_L: case RV_OP_FCVT_S_LU:
    case RV_OP_FCVT_D_W: case RV_OP_FCVT_D_WU: case RV_OP_FCVT_D_L:
    case RV_OP_FCVT_D_LU:
        return FORM_X2F;
    default:
        break;
    }
    if (op >= RV_OP_SC_W && op <= RV_OP_AMOMAXU_D) {
        return FORM_AMO;
    }
    if (op >= RV_OP_FADD_S && op <= RV_OP_FCVT_D_S) {
        return FORM_FR;
    }
    return FORM_R;
}

/* Whether the funct3 field of @op is a rounding mode (printed unless dyn). */
static bool op_has_rounding_mode(RVOp op)
{
    switch (op) {
    case RV_OP_FSGNJ_S: case RV_OP_FSGNJN_S: case RV_OP_FSGNJX_S:
    case RV_OP_FSGNJ_D: case RV_OP_FSGNJN_D: case RV_OP_FSGNJX_D:
    case RV_OP_FMIN_S: case RV_OP_FMAX_S: case RV_OP_FMIN_D: case RV_OP_FMAX_D:
    case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S:
    case RV_OP_FEQ_D: case RV_OP_FLT_D: case RV_OP_FLE_D:
    case RV_OP_FCLASS_S: case RV_OP_FCLASS_D:
    case RV_OP_FMV_X_W: case RV_OP_FMV_W_X: case RV_OP_FMV_X_D:
    case RV_OP_FMV_D_X:
    case RV_OP_FCVT_D_S: case RV_OP_FCVT_D_W: case RV_OP_FCVT_D_WU:
        return false;    /* exact conversions: the field is ignored */
    default:
        return (op >= RV_OP_FMADD_S && op <= RV_OP_FNMADD_D) ||
               (op >= RV_OP_FADD_S && op <= RV_OP_FCVT_D_S);
    }
}

void riscv_disas(GString *out, uint64_t pc, const RVInsn *in)
{
    static const char *const rm_names[8] = {
        "rne", "rtz", "rdn", "rup", "rmm", "", "", "dyn",
    };
    const char *const *x = xreg_names, *const *f = freg_names;
    DisasForm form = disas_form(in->op);

    g_string_append(out, riscv_op_name(in->op));
    if ((form == FORM_AMO || form == FORM_LR) && in->rm) {
        g_string_append(out, in->rm == 3 ? ".aqrl" : in->rm == 2 ? ".aq" : ".rl");
    }
    switch (form) {
    case FORM_NONE:
        break;
    case FORM_R:
        g_string_append_printf(out, " %s,%s,%s", x[in->rd], x[in->rs1],
                               x[in->rs2]);
        break;
    case FORM_I:
        g_string_append_printf(out, " %s,%s,%" PRId64, x[in->rd], x[in->rs1],
                               in->imm);
        break;
    case FORM_LOAD:
        g_string_append_printf(out, " %s,%" PRId64 "(%s)", x[in->rd], in->imm,
                               x[in->rs1]);
        break;
    case FORM_STORE:
        g_string_append_printf(out, " %s,%" PRId64 "(%s)", x[in->rs2], in->imm,
                               x[in->rs1]);
        break;
    case FORM_BRANCH:
        g_string_append_printf(out, " %s,%s,0x%" PRIx64, x[in->rs1],
                               x[in->rs2], pc + in->imm);
        break;
    case FORM_U:
        g_string_append_printf(out, " %s,0x%" PRIx64, x[in->rd],
                               ((uint64_t)in->imm >> 12) & 0xfffff);
        break;
    case FORM_JAL:
        g_string_append_printf(out, " %s,0x%" PRIx64, x[in->rd],
                               pc + in->imm);
        break;
    case FORM_CSR:
        g_string_append_printf(out, " %s,0x%" PRIx64 ",%s", x[in->rd],
                               in->imm, x[in->rs1]);
        break;
    case FORM_CSRI:
        g_string_append_printf(out, " %s,0x%" PRIx64 ",%u", x[in->rd],
                               in->imm, in->rs1);
        break;
    case FORM_AMO:
        g_string_append_printf(out, " %s,%s,(%s)", x[in->rd], x[in->rs2],
                               x[in->rs1]);
        break;
    case FORM_LR:
        g_string_append_printf(out, " %s,(%s)", x[in->rd], x[in->rs1]);
        break;
    case FORM_FLOAD:
        g_string_append_printf(out, " %s,%" PRId64 "(%s)", f[in->rd], in->imm,
                               x[in->rs1]);
        break;
    case FORM_FSTORE:
        g_string_append_printf(out, " %s,%" PRId64 "(%s)", f[in->rs2], in->imm,
                               x[in->rs1]);
        break;
    case FORM_FR:
        g_string_append_printf(out, " %s,%s,%s", f[in->rd], f[in->rs1],
                               f[in->rs2]);
        break;
    case FORM_FR1:
        g_string_append_printf(out, " %s,%s", f[in->rd], f[in->rs1]);
        break;
    case FORM_FR4:
        g_string_append_printf(out, " %s,%s,%s,%s", f[in->rd], f[in->rs1],
                               f[in->rs2], f[in->rs3]);
        break;
    case FORM_F2X:
        g_string_append_printf(out, " %s,%s", x[in->rd], f[in->rs1]);
        break;
    case FORM_X2F:
        g_string_append_printf(out, " %s,%s", f[in->rd], x[in->rs1]);
        break;
    case FORM_FCMP:
        g_string_append_printf(out, " %s,%s,%s", x[in->rd], f[in->rs1],
                               f[in->rs2]);
        break;
    case FORM_SFENCE:
        g_string_append_printf(out, " %s,%s", x[in->rs1], x[in->rs2]);
        break;
    }
    if (op_has_rounding_mode(in->op) && in->rm != 7) {
        g_string_append_printf(out, ",%s", rm_names[in->rm]);
    }
}

unsigned riscv_disas_line(GString *out, uint64_t pc, const uint8_t *buf,
                          size_t avail)
{
    uint16_t lo;
    uint32_t raw;
    RVInsn insn;

    if (avail < 2) {
        return 0;
    }
    memcpy(&lo, buf, 2);
    if (riscv_insn_length(lo) == 4) {
        if (avail < 4) {
            return 0;
        }
        memcpy(&raw, buf, 4);
        g_string_append_printf(out, "0x%016" PRIx64 ":  %08" PRIx32 "          ",
                               pc, raw);
    } else {
        raw = lo;
        g_string_append_printf(out, "0x%016" PRIx64 ":  %04" PRIx16
                               "              ", pc, lo);
    }
    riscv_decode(raw, &insn);
    riscv_disas(out, pc, &insn);
    g_string_append_c(out, '\n');
    return riscv_insn_length(lo);
}
