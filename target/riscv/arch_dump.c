/*
 * riscv64 registers in guest memory dumps: one NT_PRSTATUS note per hart
 * with Linux's elf_prstatus layout (struct user_regs_struct: pc, then
 * x1..x31), the way crash and gdb expect them.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <elf.h>
#include "target/riscv/cpu-qom.h"
#include "target/riscv/arch_dump.h"
#include "dump/dump.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

/* Linux's struct elf_prstatus on riscv64, reduced to what a dump fills. */
typedef struct RISCV64Prstatus {
    uint8_t pad1[32];           /* siginfo, cursig, sigpend, sighold */
    uint32_t pr_pid;
    uint8_t pad2[76];           /* ppid, pgrp, sid, four timevals */
    uint64_t regs[32];          /* pc, x1..x31 */
    uint8_t pad3[8];            /* pr_fpvalid and padding */
} __attribute__((packed)) RISCV64Prstatus;

G_STATIC_ASSERT(sizeof(RISCV64Prstatus) == 376);

static void riscv_write_cpu_notes(GByteArray *notes)
{
    for (int i = 0; i < riscv_cpu_count(); i++) {
        RISCVCPU *cpu = riscv_cpu_by_index(i);
        RISCV64Prstatus st = { .pr_pid = GUINT32_TO_LE(i + 1) };

        st.regs[0] = GUINT64_TO_LE(cpu->env.pc);
        for (int r = 1; r < 32; r++) {
            st.regs[r] = GUINT64_TO_LE(cpu->env.gpr[r]);
        }
        dump_append_elf_note(notes, "CORE", NT_PRSTATUS, &st, sizeof(st));
    }
}

static const DumpArch riscv_dump_arch = {
    .elf_machine = EM_RISCV,
    .write_cpu_notes = riscv_write_cpu_notes,
};

void riscv_dump_register(void)
{
    dump_register_arch(&riscv_dump_arch);
}
