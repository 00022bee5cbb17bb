/*
 * x86-64 code generation for riscv64 translation blocks.
 *
 * Integer ALU instructions, branches and jumps become native code working
 * on the guest registers in CPURISCVState (RBX holds env).  Loads and
 * stores call the soft-MMU helpers; every other instruction calls the
 * interpreter for that one instruction, so the generated code and the
 * interpreter always agree on semantics.
 *
 * A block's code returns: 0 or 1 when it left through exit slot 0 (taken
 * branch or jump target) or 1 (fall-through), -1 when it left elsewhere
 * (computed jump, block cut short), -2 when an instruction raised
 * env->excp with env->pc pointing at it.  env->pc and env->icount are up
 * to date on every return.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/mman.h>
#include "exec/tb.h"
#include "accel/tcg/x86_64-emit.h"
#include "target/riscv/cpu.h"
#include "target/riscv/decode.h"
#include "target/riscv/jit.h"
#include "target/riscv/log.h"

#define CODE_BUFFER_SIZE (64u << 20)
#define MAX_STUBS (2 * 256)

static uint8_t *code_buffer;
static size_t code_used;
static uint64_t code_flushes_seen;

#define ENV_GPR(r) ((int32_t)(offsetof(CPURISCVState, gpr) + 8 * (r)))
#define ENV_PC ((int32_t)offsetof(CPURISCVState, pc))
#define ENV_ICOUNT ((int32_t)offsetof(CPURISCVState, icount))
#define ENV_DATA_TLB ((int32_t)offsetof(CPURISCVState, data_tlb))
#define ENV_ICOUNT_LIMIT ((int32_t)offsetof(CPURISCVState, icount_limit))
#define ENV_EXIT_REQUEST ((int32_t)offsetof(CPURISCVState, exit_request))
#define TB_INVALID ((int32_t)offsetof(TranslationBlock, invalid))
#define TB_HOST_CODE ((int32_t)offsetof(TranslationBlock, host_code))
#define TLB_READ ((int8_t)offsetof(RISCVTLBEntry, tag_read))
#define TLB_WRITE ((int8_t)offsetof(RISCVTLBEntry, tag_write))
#define TLB_ADDEND ((int8_t)offsetof(RISCVTLBEntry, addend))

BUILD_BUG_ON(sizeof(RISCVTLBEntry) != 32);

typedef struct Stub {
    uint8_t *field;        /* rel32 to patch */
    uint64_t pc;           /* guest pc to store */
    uint32_t done;         /* instructions completed */
    int ret;               /* value to return */
    bool set_pc;           /* false when the helper already set env->pc */
} Stub;

typedef struct JitCtx {
    CodeBuf cb;
    Stub stubs[MAX_STUBS];
    unsigned nstubs;
    bool failed;
} JitCtx;

static void add_stub(JitCtx *j, uint8_t *field, uint64_t pc, uint32_t done,
                     int ret, bool set_pc)
{
    if (j->nstubs == MAX_STUBS) {
        j->failed = true;
        return;
    }
    j->stubs[j->nstubs++] = (Stub) { field, pc, done, ret, set_pc };
}

/* Leave the block: pc, icount, return value. */
static void emit_exit(CodeBuf *cb, bool set_pc, uint64_t pc, uint32_t done,
                      int ret)
{
    if (set_pc) {
        emit_movi(cb, RAX, pc);
        emit_store64(cb, RAX, RBX, ENV_PC);
    }
    if (done) {
        emit_add_mem_imm(cb, RBX, ENV_ICOUNT, done);
    }
    emit_movi(cb, RAX, (uint32_t)ret);
    emit8(cb, 0x5b);               /* pop rbx */
    emit8(cb, 0xc3);               /* ret */
}

/* push rbx; mov rbx, rdi: what a chained jump skips (RBX is env already). */
#define PROLOGUE_LEN 4

/*
 * Leave through exit slot @slot towards @pc, jumping straight into the
 * chained block when there is one: the chain pointer is read at run time,
 * so unchaining needs no patching (an invalid or missing target, a used-up
 * budget or a pending exit request take the normal return instead).
 */
static void emit_goto_slot(CodeBuf *cb, TranslationBlock *tb, int slot,
                           uint64_t pc, uint32_t done)
{
    uint8_t *out[6];

    emit_movi(cb, RAX, pc);
    emit_store64(cb, RAX, RBX, ENV_PC);
    emit_add_mem_imm(cb, RBX, ENV_ICOUNT, done);
    emit_load64(cb, RAX, RBX, ENV_ICOUNT);
    emit_cmp_mem(cb, RAX, RBX, ENV_ICOUNT_LIMIT);
    out[0] = emit_jcc(cb, CC_AE);
    emit_load64(cb, RAX, RBX, ENV_EXIT_REQUEST);
    emit_test64(cb, RAX, RAX);
    out[1] = emit_jcc(cb, CC_NE);
    emit_movi(cb, RAX, (uintptr_t)&tb->jmp_target[slot]);
    emit_load64(cb, RAX, RAX, 0);
    emit_test64(cb, RAX, RAX);
    out[2] = emit_jcc(cb, CC_E);
    emit_cmp_mem_imm8(cb, RAX, TB_INVALID, 0);
    out[3] = emit_jcc(cb, CC_NE);
    emit_load64(cb, RAX, RAX, TB_HOST_CODE);
    emit_test64(cb, RAX, RAX);
    out[4] = emit_jcc(cb, CC_E);
    emit_alu_ri(cb, ALU_ADD, true, RAX, PROLOGUE_LEN);
    emit_jmp_reg(cb, RAX);
    for (int k = 0; k < 5; k++) {
        patch_here(cb, out[k]);
    }
    emit_movi(cb, RAX, (uint32_t)slot);
    emit8(cb, 0x5b);               /* pop rbx */
    emit8(cb, 0xc3);               /* ret */
}

static void load_gpr(CodeBuf *cb, int host, unsigned r)
{
    if (r == 0) {
        emit_alu_rr(cb, ALU_XOR, false, host, host);
    } else {
        emit_load64(cb, host, RBX, ENV_GPR(r));
    }
}

static void store_gpr(CodeBuf *cb, int host, unsigned r)
{
    if (r != 0) {
        emit_store64(cb, host, RBX, ENV_GPR(r));
    }
}

/* Native forms of the simple integer instructions; false if not one. */
static bool emit_alu(CodeBuf *cb, const RVInsn *in, uint64_t pc)
{
    int32_t imm = (int32_t)in->imm;

    switch (in->op) {
    case RV_OP_LUI:
        emit_movi(cb, RAX, in->imm);
        break;
    case RV_OP_AUIPC:
        emit_movi(cb, RAX, pc + in->imm);
        break;
    case RV_OP_ADDI: case RV_OP_XORI: case RV_OP_ORI: case RV_OP_ANDI:
    case RV_OP_ADDIW: {
        static const X86Alu alu[] = {
            [RV_OP_ADDI] = ALU_ADD, [RV_OP_XORI] = ALU_XOR,
            [RV_OP_ORI] = ALU_OR, [RV_OP_ANDI] = ALU_AND,
            [RV_OP_ADDIW] = ALU_ADD,
        };
        bool w = in->op != RV_OP_ADDIW;
        load_gpr(cb, RAX, in->rs1);
        if (imm) {
            emit_alu_ri(cb, alu[in->op], w, RAX, imm);
        }
        if (!w) {
            emit_sext32(cb, RAX, RAX);
        }
        break;
    }
    case RV_OP_SLTI: case RV_OP_SLTIU:
        load_gpr(cb, RCX, in->rs1);
        emit_alu_rr(cb, ALU_XOR, false, RAX, RAX);
        emit_alu_ri(cb, ALU_CMP, true, RCX, imm);
        emit_setcc(cb, in->op == RV_OP_SLTI ? CC_L : CC_B, RAX);
        break;
    case RV_OP_SLLI: case RV_OP_SRLI: case RV_OP_SRAI:
    case RV_OP_SLLIW: case RV_OP_SRLIW: case RV_OP_SRAIW: {
        bool w = in->op <= RV_OP_SRAI;
        X86Shift s = (in->op == RV_OP_SLLI || in->op == RV_OP_SLLIW)
                     ? SHIFT_SHL : (in->op == RV_OP_SRLI ||
                                    in->op == RV_OP_SRLIW) ? SHIFT_SHR
                                                           : SHIFT_SAR;
        load_gpr(cb, RAX, in->rs1);
        if (imm) {
            emit_shift(cb, s, w, RAX, imm);
        }
        if (!w) {
            emit_sext32(cb, RAX, RAX);
        }
        break;
    }
    case RV_OP_ADD: case RV_OP_SUB: case RV_OP_XOR: case RV_OP_OR:
    case RV_OP_AND: case RV_OP_ADDW: case RV_OP_SUBW: {
        X86Alu alu = (in->op == RV_OP_ADD || in->op == RV_OP_ADDW) ? ALU_ADD :
                     (in->op == RV_OP_SUB || in->op == RV_OP_SUBW) ? ALU_SUB :
                     in->op == RV_OP_XOR ? ALU_XOR :
                     in->op == RV_OP_OR ? ALU_OR : ALU_AND;
        bool w = in->op != RV_OP_ADDW && in->op != RV_OP_SUBW;
        load_gpr(cb, RAX, in->rs1);
        load_gpr(cb, RCX, in->rs2);
        emit_alu_rr(cb, alu, w, RAX, RCX);
        if (!w) {
            emit_sext32(cb, RAX, RAX);
        }
        break;
    }
    case RV_OP_SLL: case RV_OP_SRL: case RV_OP_SRA:
    case RV_OP_SLLW: case RV_OP_SRLW: case RV_OP_SRAW: {
        bool w = in->op <= RV_OP_SRA;
        X86Shift s = (in->op == RV_OP_SLL || in->op == RV_OP_SLLW) ? SHIFT_SHL :
                     (in->op == RV_OP_SRL || in->op == RV_OP_SRLW) ? SHIFT_SHR
                                                                   : SHIFT_SAR;
        /* x86 masks the count in CL to 6 (64-bit) or 5 (32-bit) bits,
         * exactly as RISC-V does. */
        load_gpr(cb, RAX, in->rs1);
        load_gpr(cb, RCX, in->rs2);
        emit_shift(cb, s, w, RAX, -1);
        if (!w) {
            emit_sext32(cb, RAX, RAX);
        }
        break;
    }
    case RV_OP_SLT: case RV_OP_SLTU:
        load_gpr(cb, RCX, in->rs1);
        load_gpr(cb, RDX, in->rs2);
        emit_alu_rr(cb, ALU_XOR, false, RAX, RAX);
        emit_alu_rr(cb, ALU_CMP, true, RCX, RDX);
        emit_setcc(cb, in->op == RV_OP_SLT ? CC_L : CC_B, RAX);
        break;
    case RV_OP_MUL: case RV_OP_MULW: {
        bool w = in->op == RV_OP_MUL;
        load_gpr(cb, RAX, in->rs1);
        load_gpr(cb, RCX, in->rs2);
        emit_imul(cb, w, RAX, RCX);
        if (!w) {
            emit_sext32(cb, RAX, RAX);
        }
        break;
    }
    default:
        return false;
    }
    store_gpr(cb, RAX, in->rd);
    return true;
}

static bool is_alu(RVOp op)
{
    switch (op) {
    case RV_OP_LUI: case RV_OP_AUIPC: case RV_OP_ADDI: case RV_OP_XORI:
    case RV_OP_ORI: case RV_OP_ANDI: case RV_OP_ADDIW: case RV_OP_SLTI:
    case RV_OP_SLTIU: case RV_OP_SLLI: case RV_OP_SRLI: case RV_OP_SRAI:
    case RV_OP_SLLIW: case RV_OP_SRLIW: case RV_OP_SRAIW: case RV_OP_ADD:
    case RV_OP_SUB: case RV_OP_XOR: case RV_OP_OR: case RV_OP_AND:
    case RV_OP_ADDW: case RV_OP_SUBW: case RV_OP_SLL: case RV_OP_SRL:
    case RV_OP_SRA: case RV_OP_SLLW: case RV_OP_SRLW: case RV_OP_SRAW:
    case RV_OP_SLT: case RV_OP_SLTU: case RV_OP_MUL: case RV_OP_MULW:
        return true;
    default:
        return false;
    }
}

static int load_desc(RVOp op)
{
    switch (op) {
    case RV_OP_LB: return 1 | JIT_LOAD_SIGNED;
    case RV_OP_LH: return 2 | JIT_LOAD_SIGNED;
    case RV_OP_LW: return 4 | JIT_LOAD_SIGNED;
    case RV_OP_LD: return 8;
    case RV_OP_LBU: return 1;
    case RV_OP_LHU: return 2;
    case RV_OP_LWU: return 4;
    default: return 0;
    }
}

static int store_size(RVOp op)
{
    switch (op) {
    case RV_OP_SB: return 1;
    case RV_OP_SH: return 2;
    case RV_OP_SW: return 4;
    case RV_OP_SD: return 8;
    default: return 0;
    }
}

/*
 * Inline soft-MMU hit path for the address in RSI: jumps to the returned
 * field (to be patched to the slow path) on a miss or a page-crossing
 * access; on a hit leaves the host address in RAX.  Clobbers RCX.
 */
static uint8_t *emit_tlb_lookup(CodeBuf *cb, unsigned size, bool is_store,
                                uint8_t **miss2)
{
    uint8_t *miss;

    /* RAX = &data_tlb[(vaddr >> 12) & 255] */
    emit_mov_rr(cb, RAX, RSI);
    emit_shift(cb, SHIFT_SHR, true, RAX, 12);
    emit_alu_ri(cb, ALU_AND, false, RAX, RISCV_TLB_SIZE - 1);
    emit_shift(cb, SHIFT_SHL, false, RAX, 5);
    emit_add_mem(cb, RAX, RBX, ENV_DATA_TLB);
    /* tag compare on the page address */
    emit_mov_rr(cb, RCX, RSI);
    emit_alu_ri(cb, ALU_AND, true, RCX, (int32_t)TARGET_PAGE_MASK);
    emit_cmp_mem8(cb, RCX, RAX, is_store ? TLB_WRITE : TLB_READ);
    miss = emit_jcc(cb, CC_NE);
    /* the access must not run off the page */
    *miss2 = NULL;
    if (size > 1) {
        emit_mov_rr(cb, RCX, RSI);
        emit_alu_ri(cb, ALU_AND, false, RCX, ~TARGET_PAGE_MASK);
        emit_alu_ri(cb, ALU_CMP, false, RCX, TARGET_PAGE_SIZE - size);
        *miss2 = emit_jcc(cb, CC_A);
    }
    /* host address = vaddr + addend */
    emit_load64(cb, RAX, RAX, TLB_ADDEND);
    emit_alu_rr(cb, ALU_ADD, true, RAX, RSI);
    return miss;
}

/* RSI = x[rs1] + imm */
static void emit_address(CodeBuf *cb, const RVInsn *in)
{
    load_gpr(cb, RSI, in->rs1);
    if (in->imm) {
        emit_alu_ri(cb, ALU_ADD, true, RSI, (int32_t)in->imm);
    }
}

/* Whether emit_insn leaves the block itself when @op is the last insn. */
static bool ends_with_exit(RVOp op)
{
    return !is_alu(op) && !load_desc(op) && !store_size(op);
}

static void emit_insn(JitCtx *j, const RVInsn *in, uint64_t pc, uint32_t i,
                      bool last, TranslationBlock *tb)
{
    CodeBuf *cb = &j->cb;
    uint64_t next = pc + in->len;
    int desc, size;

    if (is_alu(in->op)) {
        if (in->rd != 0) {
            emit_alu(cb, in, pc);
        }
        return;
    }
    if ((desc = load_desc(in->op))) {
        uint8_t *miss, *miss2, *done;
        emit_address(cb, in);
        miss = emit_tlb_lookup(cb, desc & 0xf, false, &miss2);
        emit_load_sized(cb, RAX, RAX, 0, desc & 0xf, desc & JIT_LOAD_SIGNED);
        store_gpr(cb, RAX, in->rd);
        done = emit_jmp(cb);
        patch_here(cb, miss);
        if (miss2) {
            patch_here(cb, miss2);
        }
        emit_mov_rr(cb, RDI, RBX);
        emit_movi(cb, RDX, (uint32_t)(desc | (in->rd << JIT_LOAD_RD_SHIFT)));
        emit_call(cb, jit_helper_load);
        emit_test32(cb, RAX, RAX);
        add_stub(j, emit_jcc(cb, CC_E), pc, i, -2, true);
        patch_here(cb, done);
        return;
    }
    if ((size = store_size(in->op))) {
        uint8_t *miss, *miss2, *done;
        emit_address(cb, in);
        load_gpr(cb, RDX, in->rs2);
        miss = emit_tlb_lookup(cb, size, true, &miss2);
        emit_store_sized(cb, RDX, RAX, 0, size);
        done = emit_jmp(cb);
        patch_here(cb, miss);
        if (miss2) {
            patch_here(cb, miss2);
        }
        emit_mov_rr(cb, RDI, RBX);
        emit_movi(cb, RCX, size);
        emit_call(cb, jit_helper_store);
        emit_test32(cb, RAX, RAX);
        add_stub(j, emit_jcc(cb, CC_E), pc, i, -2, true);
        emit_alu_ri(cb, ALU_CMP, false, RAX, 2);
        add_stub(j, emit_jcc(cb, CC_E), next, i + 1, -1, true);
        patch_here(cb, done);
        return;
    }
    switch (in->op) {
    case RV_OP_JAL:
        if (in->rd) {
            emit_movi(cb, RAX, next);
            store_gpr(cb, RAX, in->rd);
        }
        tb->jmp_pc[0] = pc + in->imm;
        emit_goto_slot(cb, tb, 0, pc + in->imm, i + 1);
        return;
    case RV_OP_JALR:
        load_gpr(cb, RAX, in->rs1);
        if (in->imm) {
            emit_alu_ri(cb, ALU_ADD, true, RAX, (int32_t)in->imm);
        }
        emit_alu_ri(cb, ALU_AND, true, RAX, -2);
        emit_store64(cb, RAX, RBX, ENV_PC);
        if (in->rd) {
            emit_movi(cb, RAX, next);
            store_gpr(cb, RAX, in->rd);
        }
        emit_exit(cb, false, 0, i + 1, -1);
        return;
    case RV_OP_BEQ: case RV_OP_BNE: case RV_OP_BLT: case RV_OP_BGE:
    case RV_OP_BLTU: case RV_OP_BGEU: {
        static const int cc[] = {
            [RV_OP_BEQ] = CC_E, [RV_OP_BNE] = CC_NE, [RV_OP_BLT] = CC_L,
            [RV_OP_BGE] = CC_GE, [RV_OP_BLTU] = CC_B, [RV_OP_BGEU] = CC_AE,
        };
        uint8_t *taken;
        load_gpr(cb, RAX, in->rs1);
        load_gpr(cb, RCX, in->rs2);
        emit_alu_rr(cb, ALU_CMP, true, RAX, RCX);
        taken = emit_jcc(cb, cc[in->op]);
        tb->jmp_pc[1] = next;
        emit_goto_slot(cb, tb, 1, next, i + 1);
        patch_here(cb, taken);
        tb->jmp_pc[0] = pc + in->imm;
        emit_goto_slot(cb, tb, 0, pc + in->imm, i + 1);
        return;
    }
    default:
        break;
    }

    /* Everything else: the interpreter, for this one instruction. */
    emit_mov_rr(cb, RDI, RBX);
    emit_movi(cb, RSI, (uintptr_t)in);
    emit_movi(cb, RDX, pc);
    emit_call(cb, jit_helper_insn);
    emit_test32(cb, RAX, RAX);
    add_stub(j, emit_jcc(cb, CC_E), pc, i, -2, false);
    if (last) {
        emit_exit(cb, false, 0, i + 1, -1);
    } else {
        emit_alu_ri(cb, ALU_CMP, false, RAX, 2);
        add_stub(j, emit_jcc(cb, CC_E), next, i + 1, -1, false);
    }
}

static bool code_buffer_init(void)
{
    if (!code_buffer) {
        void *p = mmap(NULL, CODE_BUFFER_SIZE, PROT_READ | PROT_WRITE |
                       PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            return false;
        }
        code_buffer = p;
    }
    /* Blocks are freed together with their code on a cache flush. */
    if (code_flushes_seen != tb_flush_count()) {
        code_flushes_seen = tb_flush_count();
        code_used = 0;
    }
    return true;
}

bool riscv_jit_translate(TranslationBlock *tb)
{
    const RVInsn *insns = (const RVInsn *)tb->ops;
    JitCtx *j;
    uint64_t pc = tb->pc;
    uint8_t *start;

    if (!code_buffer_init()) {
        return false;
    }
    if (CODE_BUFFER_SIZE - code_used < 64 * 1024) {
        tb_flush();                 /* frees every block and its code */
        code_buffer_init();
    }
    j = g_new0(JitCtx, 1);
    start = code_buffer + code_used;
    j->cb = (CodeBuf) { start, code_buffer + CODE_BUFFER_SIZE, false };

    emit8(&j->cb, 0x53);            /* push rbx */
    emit_mov_rr(&j->cb, RBX, RDI);
    g_assert(j->cb.ptr - start == PROLOGUE_LEN);
    for (uint32_t i = 0; i < tb->n_ops; i++) {
        bool last = i + 1 == tb->n_ops;
        emit_insn(j, &insns[i], pc, i, last, tb);
        pc += insns[i].len;
        if (last && !ends_with_exit(insns[i].op)) {
            /* Block cut at the page end or size limit: fall through. */
            tb->jmp_pc[1] = pc;
            emit_goto_slot(&j->cb, tb, 1, pc, tb->n_ops);
        }
    }
    for (unsigned s = 0; s < j->nstubs; s++) {
        Stub *st = &j->stubs[s];
        patch_here(&j->cb, st->field);
        emit_exit(&j->cb, st->set_pc, st->pc, st->done, st->ret);
    }
    if (j->cb.overflow || j->failed) {
        g_free(j);
        return false;
    }
    code_used += j->cb.ptr - start;
    code_used = ROUND_UP(code_used, 16);
    tb->host_code = start;
    if (unlikely(qemu_loglevel_mask(CPU_LOG_TB_OUT_ASM))) {
        riscv_log_block_out_asm(tb, j->cb.ptr - start);
    }
    g_free(j);
    return true;
}
