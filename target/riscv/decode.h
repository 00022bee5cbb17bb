/*
 * RV64GC instruction decoder: turns a raw 16- or 32-bit instruction into a
 * uniform RVInsn (compressed forms are expanded to their base equivalents),
 * the input of both the translator and the disassembler.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_DECODE_H
#define TARGET_RISCV_DECODE_H

#include "vireo/osdep.h"

/* X(enum suffix, assembler mnemonic) */
#define RV_OPS(X) \
    X(ILLEGAL, "illegal") \
    X(LUI, "lui") X(AUIPC, "auipc") X(JAL, "jal") X(JALR, "jalr") \
    X(BEQ, "beq") X(BNE, "bne") X(BLT, "blt") X(BGE, "bge") \
    X(BLTU, "bltu") X(BGEU, "bgeu") \
    X(LB, "lb") X(LH, "lh") X(LW, "lw") X(LD, "ld") \
    X(LBU, "lbu") X(LHU, "lhu") X(LWU, "lwu") \
    X(SB, "sb") X(SH, "sh") X(SW, "sw") X(SD, "sd") \
    X(ADDI, "addi") X(SLTI, "slti") X(SLTIU, "sltiu") X(XORI, "xori") \
    X(ORI, "ori") X(ANDI, "andi") X(SLLI, "slli") X(SRLI, "srli") \
    X(SRAI, "srai") \
    X(ADD, "add") X(SUB, "sub") X(SLL, "sll") X(SLT, "slt") X(SLTU, "sltu") \
    X(XOR, "xor") X(SRL, "srl") X(SRA, "sra") X(OR, "or") X(AND, "and") \
    X(ADDIW, "addiw") X(SLLIW, "slliw") X(SRLIW, "srliw") X(SRAIW, "sraiw") \
    X(ADDW, "addw") X(SUBW, "subw") X(SLLW, "sllw") X(SRLW, "srlw") \
    X(SRAW, "sraw") \
    X(FENCE, "fence") X(FENCE_I, "fence.i") \
    X(ECALL, "ecall") X(EBREAK, "ebreak") X(URET, "uret") X(SRET, "sret") \
    X(MRET, "mret") X(WFI, "wfi") X(SFENCE_VMA, "sfence.vma") \
    X(CSRRW, "csrrw") X(CSRRS, "csrrs") X(CSRRC, "csrrc") \
    X(CSRRWI, "csrrwi") X(CSRRSI, "csrrsi") X(CSRRCI, "csrrci") \
    X(MUL, "mul") X(MULH, "mulh") X(MULHSU, "mulhsu") X(MULHU, "mulhu") \
    X(DIV, "div") X(DIVU, "divu") X(REM, "rem") X(REMU, "remu") \
    X(MULW, "mulw") X(DIVW, "divw") X(DIVUW, "divuw") X(REMW, "remw") \
    X(REMUW, "remuw") \
    X(LR_W, "lr.w") X(SC_W, "sc.w") X(AMOSWAP_W, "amoswap.w") \
    X(AMOADD_W, "amoadd.w") X(AMOXOR_W, "amoxor.w") X(AMOAND_W, "amoand.w") \
    X(AMOOR_W, "amoor.w") X(AMOMIN_W, "amomin.w") X(AMOMAX_W, "amomax.w") \
    X(AMOMINU_W, "amominu.w") X(AMOMAXU_W, "amomaxu.w") \
    X(LR_D, "lr.d") X(SC_D, "sc.d") X(AMOSWAP_D, "amoswap.d") \
    X(AMOADD_D, "amoadd.d") X(AMOXOR_D, "amoxor.d") X(AMOAND_D, "amoand.d") \
    X(AMOOR_D, "amoor.d") X(AMOMIN_D, "amomin.d") X(AMOMAX_D, "amomax.d") \
    X(AMOMINU_D, "amominu.d") X(AMOMAXU_D, "amomaxu.d") \
    X(FLW, "flw") X(FSW, "fsw") X(FLD, "fld") X(FSD, "fsd") \
    X(FMADD_S, "fmadd.s") X(FMSUB_S, "fmsub.s") X(FNMSUB_S, "fnmsub.s") \
    X(FNMADD_S, "fnmadd.s") \
    X(FMADD_D, "fmadd.d") X(FMSUB_D, "fmsub.d") X(FNMSUB_D, "fnmsub.d") \
    X(FNMADD_D, "fnmadd.d") \
    X(FADD_S, "fadd.s") X(FSUB_S, "fsub.s") X(FMUL_S, "fmul.s") \
    X(FDIV_S, "fdiv.s") X(FSQRT_S, "fsqrt.s") X(FSGNJ_S, "fsgnj.s") \
    X(FSGNJN_S, "fsgnjn.s") X(FSGNJX_S, "fsgnjx.s") X(FMIN_S, "fmin.s") \
    X(FMAX_S, "fmax.s") X(FEQ_S, "feq.s") X(FLT_S, "flt.s") X(FLE_S, "fle.s") \
    X(FCLASS_S, "fclass.s") X(FMV_X_W, "fmv.x.w") X(FMV_W_X, "fmv.w.x") \
    X(FCVT_W_S, "fcvt.w.s") X(FCVT_WU_S, "fcvt.wu.s") \
    X(FCVT_L_S, "fcvt.l.s") X(FCVT_LU_S, "fcvt.lu.s") \
    X(FCVT_S_W, "fcvt.s.w") X(FCVT_S_WU, "fcvt.s.wu") \
    X(FCVT_S_L, "fcvt.s.l") X(FCVT_S_LU, "fcvt.s.lu") \
    X(FADD_D, "fadd.d") X(FSUB_D, "fsub.d") X(FMUL_D, "fmul.d") \
    X(FDIV_D, "fdiv.d") X(FSQRT_D, "fsqrt.d") X(FSGNJ_D, "fsgnj.d") \
    X(FSGNJN_D, "fsgnjn.d") X(FSGNJX_D, "fsgnjx.d") X(FMIN_D, "fmin.d") \
    X(FMAX_D, "fmax.d") X(FEQ_D, "feq.d") X(FLT_D, "flt.d") X(FLE_D, "fle.d") \
    X(FCLASS_D, "fclass.d") X(FMV_X_D, "fmv.x.d") X(FMV_D_X, "fmv.d.x") \
    X(FCVT_W_D, "fcvt.w.d") X(FCVT_WU_D, "fcvt.wu.d") \
    X(FCVT_L_D, "fcvt.l.d") X(FCVT_LU_D, "fcvt.lu.d") \
    X(FCVT_D_W, "fcvt.d.w") X(FCVT_D_WU, "fcvt.d.wu") \
    X(FCVT_D_L, "fcvt.d.l") X(FCVT_D_LU, "fcvt.d.lu") \
    X(FCVT_S_D, "fcvt.s.d") X(FCVT_D_S, "fcvt.d.s")

typedef enum RVOp {
#define RV_OP_ENUM(name, mnemonic) RV_OP_##name,
    RV_OPS(RV_OP_ENUM)
#undef RV_OP_ENUM
    RV_OP__COUNT
} RVOp;

typedef struct RVInsn {
    uint16_t op;          /* RVOp */
    uint8_t len;          /* 2 (compressed) or 4 bytes */
    uint8_t rd, rs1, rs2, rs3;
    /*
     * Rounding mode (F/D), aq<<1|rl (AMOs), pred<<4|succ (fence);
     * for CSR instructions imm holds the CSR number and rs1 the register
     * or the 5-bit immediate.
     */
    uint8_t rm;
    int64_t imm;
} RVInsn;

/* Length in bytes of the instruction whose first 16 bits are @lo. */
static inline unsigned riscv_insn_length(uint16_t lo)
{
    return (lo & 3) == 3 ? 4 : 2;
}

/*
 * Decode @raw (the low 16 bits only are used for a compressed
 * instruction).  Returns false and sets RV_OP_ILLEGAL for encodings that
 * are reserved or outside RV64GC.
 */
bool riscv_decode(uint32_t raw, RVInsn *insn);

const char *riscv_op_name(RVOp op);

/* Append "mnemonic operands" in the GNU assembler's style. */
void riscv_disas(GString *out, uint64_t pc, const RVInsn *insn);

/*
 * Append one line for the instruction at @pc whose bytes start at @buf
 * (@avail bytes readable): "0x<pc>:  <hex>  <mnemonic operands>\n", the
 * layout of QEMU's "x/i" and "-d in_asm".  Returns the instruction's
 * length, or 0 (nothing appended) when @avail is too short for it.
 */
unsigned riscv_disas_line(GString *out, uint64_t pc, const uint8_t *buf,
                          size_t avail);

#endif
