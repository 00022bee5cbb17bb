/*
 * Bare-metal test runner for the riscv64 execution core: RAM at
 * 0x80000000, a sifive_test-style exit register at 0x100000 and a
 * byte-output register at 0x10000000 (for debugging prints).  Exits with
 * the test's status; a test that runs too long fails with status 124.
 *
 * This runner exercises the CPU on its own; the `virt` machine will run
 * the same ELF files with -bios none -kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <elf.h>
#include "vireo/error.h"
#include "exec/memory.h"
#include "target/riscv/cpu.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (64ULL << 20)

static int exit_status = -1;

static void test_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    if (addr != 0) {
        return;
    }
    if ((val & 0xffff) == 0x5555) {
        exit_status = 0;
    } else if ((val & 0xffff) == 0x3333) {
        exit_status = (val >> 16) & 0xffff;
    }
}

static const MemoryRegionOps test_ops = {
    .write = test_write,
    .valid = { .min_access_size = 2, .max_access_size = 4 },
};

static void out_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    if (addr == 0) {
        fputc((int)val, stdout);
    }
}

static const MemoryRegionOps out_ops = {
    .write = out_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t load_elf(const char *path)
{
    g_autofree gchar *buf = NULL;
    gsize len;
    Elf64_Ehdr *eh;

    if (!g_file_get_contents(path, &buf, &len, NULL) || len < sizeof(*eh)) {
        fprintf(stderr, "riscv-run: cannot read %s\n", path);
        exit(2);
    }
    eh = (Elf64_Ehdr *)buf;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_RISCV ||
        eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len) {
        fprintf(stderr, "riscv-run: %s is not a riscv64 ELF\n", path);
        exit(2);
    }
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff) + i;
        if (ph->p_type != PT_LOAD || ph->p_offset + ph->p_filesz > len) {
            continue;
        }
        address_space_write_rom(&address_space_memory, ph->p_paddr,
                                MEMTXATTRS_UNSPECIFIED, buf + ph->p_offset,
                                ph->p_filesz);
    }
    return eh->e_entry;
}

int main(int argc, char **argv)
{
    MemoryRegion ram, test, out;
    CPURISCVState *env = g_new0(CPURISCVState, 1);
    uint64_t limit = 200 * 1000 * 1000;

    if (argc != 2) {
        fprintf(stderr, "usage: riscv-run TEST.elf\n");
        return 2;
    }
    memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &error_abort);
    memory_region_init_io(&test, NULL, &test_ops, NULL, "test", 0x1000);
    memory_region_init_io(&out, NULL, &out_ops, NULL, "out", 0x100);
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    memory_region_add_subregion(get_system_memory(), 0x100000, &test);
    memory_region_add_subregion(get_system_memory(), 0x10000000, &out);

    env->as = &address_space_memory;
    riscv_cpu_reset(env, load_elf(argv[1]));
    while (exit_status < 0 && env->icount < limit) {
        if (riscv_cpu_exec(env, 10000) == RISCV_EXIT_WFI) {
            fprintf(stderr, "riscv-run: wfi with no interrupt source\n");
            return 125;
        }
    }
    if (exit_status < 0) {
        fprintf(stderr, "riscv-run: no result after %" PRIu64 " insns, pc "
                "0x%" PRIx64 "\n", env->icount, env->pc);
        return 124;
    }
    if (exit_status) {
        fprintf(stderr, "riscv-run: %s failed check %d (pc 0x%" PRIx64 ")\n",
                argv[1], exit_status, env->pc);
    }
    return exit_status;
}
