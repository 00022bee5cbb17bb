/*
 * Guest memory dumps: what a target provides to dump-guest-memory.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef DUMP_DUMP_H
#define DUMP_DUMP_H

#include "vireo/osdep.h"

typedef struct DumpArch {
    uint16_t elf_machine;       /* e_machine, e.g. EM_RISCV */
    /* Appends one ELF note per vCPU (NT_PRSTATUS etc.) to @notes. */
    void (*write_cpu_notes)(GByteArray *notes);
} DumpArch;

/* Called once by the target when its first vCPU is created. */
void dump_register_arch(const DumpArch *arch);

/* Appends an ELF64 note (name padded, descriptor padded to 4 bytes). */
void dump_append_elf_note(GByteArray *notes, const char *name, uint32_t type,
                          const void *desc, uint32_t desc_size);

#endif
