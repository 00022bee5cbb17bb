/*
 * The hart's debug log items and register dump, in QEMU's formats where
 * tools or people reading logs rely on them.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "target/riscv/decode.h"
#include "target/riscv/log.h"

static const char *const riscv_int_regnames[32] = {
    "x0/zero", "x1/ra", "x2/sp", "x3/gp", "x4/tp", "x5/t0", "x6/t1",
    "x7/t2", "x8/s0", "x9/s1", "x10/a0", "x11/a1", "x12/a2", "x13/a3",
    "x14/a4", "x15/a5", "x16/a6", "x17/a7", "x18/s2", "x19/s3", "x20/s4",
    "x21/s5", "x22/s6", "x23/s7", "x24/s8", "x25/s9", "x26/s10", "x27/s11",
    "x28/t3", "x29/t4", "x30/t5", "x31/t6",
};

static const char *const riscv_fpr_regnames[32] = {
    "f0/ft0", "f1/ft1", "f2/ft2", "f3/ft3", "f4/ft4", "f5/ft5", "f6/ft6",
    "f7/ft7", "f8/fs0", "f9/fs1", "f10/fa0", "f11/fa1", "f12/fa2",
    "f13/fa3", "f14/fa4", "f15/fa5", "f16/fa6", "f17/fa7", "f18/fs2",
    "f19/fs3", "f20/fs4", "f21/fs5", "f22/fs6", "f23/fs7", "f24/fs8",
    "f25/fs9", "f26/fs10", "f27/fs11", "f28/ft8", "f29/ft9", "f30/ft10",
    "f31/ft11",
};

void riscv_dump_state(const CPURISCVState *env, GString *out, int flags)
{
    const struct {
        const char *name;
        uint64_t value;
    } csrs[] = {
        { "mstatus", riscv_mstatus_read(env) },
        { "mip", __atomic_load_n(&env->mip, __ATOMIC_SEQ_CST) },
        { "mie", env->mie },
        { "mideleg", env->mideleg },
        { "medeleg", env->medeleg },
        { "mtvec", env->mtvec },
        { "stvec", env->stvec },
        { "mepc", env->mepc },
        { "sepc", env->sepc },
        { "mcause", env->mcause },
        { "scause", env->scause },
        { "mtval", env->mtval },
        { "stval", env->stval },
        { "mscratch", env->mscratch },
        { "sscratch", env->sscratch },
        { "satp", env->satp },
    };

    g_string_append_printf(out, " %-8s %016" PRIx64 "\n", "pc", env->pc);
    g_string_append_printf(out, " %-8s %016" PRIx64 "\n", "mhartid",
                           env->mhartid);
    for (size_t i = 0; i < G_N_ELEMENTS(csrs); i++) {
        g_string_append_printf(out, " %-8s %016" PRIx64 "\n", csrs[i].name,
                               csrs[i].value);
    }
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(out, " %-8s %016" PRIx64, riscv_int_regnames[i],
                               env->gpr[i]);
        if ((i & 3) == 3) {
            g_string_append_c(out, '\n');
        }
    }
    if (flags & RISCV_DUMP_FPU) {
        for (int i = 0; i < 32; i++) {
            g_string_append_printf(out, " %-8s %016" PRIx64,
                                   riscv_fpr_regnames[i], env->fpr[i]);
            if ((i & 3) == 3) {
                g_string_append_c(out, '\n');
            }
        }
    }
}

void riscv_log_block_in_asm(const CPURISCVState *env,
                            const TranslationBlock *tb, const uint8_t *host)
{
    g_autoptr(GString) out = g_string_new("----------------\nIN: \n");
    uint32_t off = 0;

    g_string_append_printf(out, "Priv: %u; Virt: 0\n", (unsigned)env->priv);
    while (off < tb->size) {
        unsigned len = riscv_disas_line(out, tb->pc + off, host + off,
                                        tb->size - off);
        if (!len) {
            break;
        }
        off += len;
    }
    g_string_append_c(out, '\n');
    qemu_log("%s", out->str);
}

void riscv_log_block_exec(const CPURISCVState *env,
                          const TranslationBlock *tb)
{
    if (qemu_loglevel_mask(CPU_LOG_EXEC)) {
        qemu_log("Trace %" PRIu64 ": %p [00000000/%016" PRIx64 "/%08" PRIx32
                 "/00000000] \n", env->mhartid, (void *)tb, tb->pc, tb->flags);
    }
    if (qemu_loglevel_mask(CPU_LOG_TB_CPU)) {
        g_autoptr(GString) out = g_string_new(NULL);

        riscv_dump_state(env, out, qemu_loglevel_mask(CPU_LOG_TB_FPU) ?
                         RISCV_DUMP_FPU : 0);
        qemu_log("%s", out->str);
    }
}

static const char *trap_name(uint64_t code, bool interrupt)
{
    static const char *const exceptions[] = {
        "misaligned_fetch", "fault_fetch", "illegal_instruction",
        "breakpoint", "misaligned_load", "fault_load", "misaligned_store",
        "fault_store", "user_ecall", "supervisor_ecall", "hypervisor_ecall",
        "machine_ecall", "exec_page_fault", "load_page_fault", "reserved",
        "store_page_fault",
    };
    static const char *const interrupts[] = {
        "u_software", "s_software", "vs_software", "m_software",
        "u_timer", "s_timer", "vs_timer", "m_timer",
        "u_external", "s_external", "vs_external", "m_external",
    };

    if (interrupt) {
        return code < G_N_ELEMENTS(interrupts) ? interrupts[code] : "(unknown)";
    }
    return code < G_N_ELEMENTS(exceptions) ? exceptions[code] : "(unknown)";
}

void riscv_log_trap(const CPURISCVState *env, uint64_t cause, uint64_t tval)
{
    bool interrupt = cause >> 63;
    uint64_t code = cause & ~(1ULL << 63);

    qemu_log("riscv_cpu_do_interrupt: hart:%" PRIu64 ", async:%d, cause:%016"
             PRIx64 ", epc:0x%016" PRIx64 ", tval:0x%016" PRIx64 ", desc=%s\n",
             env->mhartid, interrupt, code, env->pc, tval,
             trap_name(code, interrupt));
}

void riscv_log_reset(const CPURISCVState *env)
{
    g_autoptr(GString) out = g_string_new(NULL);

    riscv_dump_state(env, out, RISCV_DUMP_FPU);
    qemu_log("CPU Reset (CPU %" PRIu64 ")\n%s", env->mhartid, out->str);
}

void riscv_log_block_out_asm(const TranslationBlock *tb, size_t size)
{
    g_autoptr(GString) out = g_string_new(NULL);
    const uint8_t *code = tb->host_code;

    g_string_append_printf(out, "OUT: [size=%zu]\n", size);
    for (size_t i = 0; i < size; i += 16) {
        g_string_append_printf(out, "  %p: ", (void *)(code + i));
        for (size_t j = i; j < MIN(size, i + 16); j++) {
            g_string_append_printf(out, " %02x", code[j]);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
    qemu_log("%s", out->str);
}
