/*
 * riscv boot support: finding and loading the firmware (-bios), the
 * kernel (-kernel: ELF or raw Image), the initrd and the device tree into
 * guest memory, and writing the reset ROM that hands over to OpenSBI's
 * fw_dynamic with a0 = hartid, a1 = FDT address, a2 = &fw_dynamic_info.
 *
 * Everything loaded is kept as a blob and written again on machine reset,
 * so a guest reboot starts from pristine images as on real firmware.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <elf.h>
#include <libfdt.h>
#include "config-host.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "exec/memory.h"
#include "exec/tb.h"
#include "hw/boards.h"
#include "hw/riscv/boot.h"
#include "system/reset.h"

typedef struct BootBlob {
    char *name;
    hwaddr addr;
    GBytes *data;
} BootBlob;

static GPtrArray *boot_blobs;

static void boot_blob_write(BootBlob *b)
{
    gsize len;
    const void *p = g_bytes_get_data(b->data, &len);

    address_space_write_rom(&address_space_memory, b->addr,
                            MEMTXATTRS_UNSPECIFIED, p, len);
}

static void boot_blobs_reset(void *opaque)
{
    for (guint i = 0; i < boot_blobs->len; i++) {
        boot_blob_write(g_ptr_array_index(boot_blobs, i));
    }
    /* Code the guest ran from the old contents is stale now. */
    tb_flush();
}

static void boot_add_blob(const char *name, const void *data, size_t len,
                          hwaddr addr)
{
    BootBlob *b = g_new0(BootBlob, 1);

    if (!boot_blobs) {
        boot_blobs = g_ptr_array_new();
        qemu_register_reset(boot_blobs_reset, NULL);
    }
    b->name = g_strdup(name);
    b->addr = addr;
    b->data = g_bytes_new(data, len);
    g_ptr_array_add(boot_blobs, b);
    boot_blob_write(b);
}

/* True when [addr, addr + len) lies in RAM or ROM. */
static bool boot_range_ok(hwaddr addr, uint64_t len)
{
    while (len) {
        hwaddr xlat, plen = len;
        MemoryRegion *mr = address_space_translate(&address_space_memory,
                                                   addr, &xlat, &plen, false,
                                                   MEMTXATTRS_UNSPECIFIED);
        if (!mr || !memory_region_is_ram(mr) || plen == 0) {
            return false;
        }
        plen = MIN(plen, len);
        addr += plen;
        len -= plen;
    }
    return true;
}

/*
 * Load an ELF's PT_LOAD segments at their physical addresses.  Returns
 * false when @buf is not an ELF for riscv64; exits on a broken one.
 */
static bool load_elf64(const char *path, const uint8_t *buf, size_t len,
                       uint64_t *lowaddr, uint64_t *highaddr,
                       uint64_t *entry)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
    uint64_t low = UINT64_MAX, high = 0;

    if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_RISCV) {
        return false;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff) {
        error_report("could not load '%s': bad ELF program headers", path);
        exit(1);
    }
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(buf + eh->e_phoff) + i;
        g_autofree uint8_t *seg = NULL;

        if (ph->p_type != PT_LOAD || ph->p_memsz == 0) {
            continue;
        }
        if (ph->p_filesz > ph->p_memsz || ph->p_offset > len ||
            ph->p_filesz > len - ph->p_offset ||
            !boot_range_ok(ph->p_paddr, ph->p_memsz)) {
            error_report("could not load '%s': segment %d does not fit in "
                         "guest memory", path, i);
            exit(1);
        }
        seg = g_malloc0(ph->p_memsz);
        memcpy(seg, buf + ph->p_offset, ph->p_filesz);
        boot_add_blob(path, seg, ph->p_memsz, ph->p_paddr);
        low = MIN(low, ph->p_paddr);
        high = MAX(high, ph->p_paddr + ph->p_memsz);
    }
    if (low == UINT64_MAX) {
        error_report("could not load '%s': no loadable segment", path);
        exit(1);
    }
    *lowaddr = low;
    *highaddr = high;
    *entry = eh->e_entry;
    return true;
}

/* Raw image at @addr; returns its size or -1 when it does not fit. */
static int64_t load_raw(const char *path, const uint8_t *buf, size_t len,
                        hwaddr addr)
{
    if (!boot_range_ok(addr, len)) {
        return -1;
    }
    boot_add_blob(path, buf, len, addr);
    return len;
}

char *riscv_find_firmware(const char *firmware_filename,
                          const char *default_machine_firmware)
{
    static const char *const dirs[] = {
        CONFIG_BUILD_ROOT "/pc-bios",
        CONFIG_DATADIR,
        "/usr/share/qemu",
    };

    if (firmware_filename && !strcmp(firmware_filename, "none")) {
        return NULL;
    }
    if (firmware_filename && strcmp(firmware_filename, "default")) {
        if (g_file_test(firmware_filename, G_FILE_TEST_IS_REGULAR)) {
            return g_strdup(firmware_filename);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
            char *p = g_build_filename(dirs[i], firmware_filename, NULL);
            if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
                return p;
            }
            g_free(p);
        }
        error_report("Unable to load the RISC-V firmware \"%s\"",
                     firmware_filename);
        exit(1);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        char *p = g_build_filename(dirs[i], default_machine_firmware, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
            return p;
        }
        g_free(p);
    }
    /* Debian's opensbi package. */
    if (g_file_test("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin",
                    G_FILE_TEST_IS_REGULAR)) {
        return g_strdup("/usr/lib/riscv64-linux-gnu/opensbi/generic/"
                        "fw_dynamic.bin");
    }
    error_report("Unable to load the RISC-V firmware \"%s\"",
                 default_machine_firmware);
    exit(1);
}

hwaddr riscv_find_and_load_firmware(MachineState *machine,
                                    const char *default_machine_firmware,
                                    hwaddr firmware_load_addr)
{
    g_autofree char *path = riscv_find_firmware(machine->firmware,
                                                default_machine_firmware);
    g_autofree gchar *buf = NULL;
    uint64_t low, high, entry;
    gsize len;

    if (!path) {
        return firmware_load_addr;      /* -bios none */
    }
    if (!g_file_get_contents(path, &buf, &len, NULL)) {
        error_report("could not load firmware '%s'", path);
        exit(1);
    }
    if (load_elf64(path, (uint8_t *)buf, len, &low, &high, &entry)) {
        return high;
    }
    if (load_raw(path, (uint8_t *)buf, len, firmware_load_addr) < 0) {
        error_report("could not load firmware '%s'", path);
        exit(1);
    }
    return firmware_load_addr + len;
}

hwaddr riscv_calc_kernel_start_addr(hwaddr firmware_end_addr)
{
    /* rv64 kernels want a 2 MiB aligned start. */
    return ROUND_UP(firmware_end_addr, 2 * 1024 * 1024);
}

hwaddr riscv_load_kernel(MachineState *machine, hwaddr kernel_start_addr)
{
    const char *path = machine->kernel_filename;
    g_autofree gchar *buf = NULL;
    uint64_t low, high, entry;
    gsize len;

    if (!g_file_get_contents(path, &buf, &len, NULL)) {
        error_report("could not load kernel '%s'", path);
        exit(1);
    }
    /* ELF: the lowest address, as fw_dynamic and raw images jump there. */
    if (load_elf64(path, (uint8_t *)buf, len, &low, &high, &entry)) {
        return low;
    }
    if (load_raw(path, (uint8_t *)buf, len, kernel_start_addr) < 0) {
        error_report("could not load kernel '%s'", path);
        exit(1);
    }
    return kernel_start_addr;
}

void riscv_load_initrd(MachineState *machine, uint64_t kernel_entry)
{
    const char *path = machine->initrd_filename;
    uint64_t mem_size = machine->ram_size;
    g_autofree gchar *buf = NULL;
    hwaddr start;
    gsize len;

    /* Far enough above the kernel that unpacking it does not clobber the
     * initrd: half of small RAMs, 128 MiB into bigger ones. */
    start = kernel_entry + MIN(mem_size / 2, 128 * 1024 * 1024);
    if (!g_file_get_contents(path, &buf, &len, NULL) ||
        load_raw(path, (uint8_t *)buf, len, start) < 0) {
        error_report("could not load ramdisk '%s'", path);
        exit(1);
    }
    if (machine->fdt) {
        int chosen = fdt_path_offset(machine->fdt, "/chosen");
        if (chosen < 0) {
            chosen = fdt_add_subnode(machine->fdt, 0, "chosen");
        }
        fdt_setprop_u64(machine->fdt, chosen, "linux,initrd-start", start);
        fdt_setprop_u64(machine->fdt, chosen, "linux,initrd-end",
                        start + len);
    }
}

uint64_t riscv_compute_fdt_addr(hwaddr dram_base, hwaddr dram_size,
                                MachineState *ms)
{
    uint64_t dram_end = dram_base + dram_size;
    uint64_t top;
    int fdtsize;

    fdt_pack(ms->fdt);
    fdtsize = fdt_totalsize(ms->fdt);
    if (fdtsize <= 0 || (uint64_t)fdtsize > dram_size) {
        error_report("invalid device-tree");
        exit(1);
    }
    /* Keep it below 3 GiB so 32-bit addressing firmware can reach it,
     * at the end of RAM, 2 MiB aligned. */
    top = dram_base < 3072ULL * 1024 * 1024 ?
          MIN(dram_end, 3072ULL * 1024 * 1024) : dram_end;
    return (top - fdtsize) & ~(uint64_t)(2 * 1024 * 1024 - 1);
}

void riscv_load_fdt(hwaddr fdt_addr, void *fdt)
{
    boot_add_blob("fdt", fdt, fdt_totalsize(fdt), fdt_addr);
}

void riscv_rom_copy_firmware_info(MachineState *machine, hwaddr rom_base,
                                  hwaddr rom_size, uint32_t reset_vec_size,
                                  uint64_t kernel_entry)
{
    uint64_t dinfo[6];

    dinfo[0] = GUINT64_TO_LE(FW_DYNAMIC_INFO_MAGIC_VALUE);
    dinfo[1] = GUINT64_TO_LE(FW_DYNAMIC_INFO_VERSION);
    dinfo[2] = GUINT64_TO_LE(kernel_entry);              /* next_addr */
    dinfo[3] = GUINT64_TO_LE(FW_DYNAMIC_INFO_NEXT_MODE_S);
    dinfo[4] = 0;                                         /* options */
    dinfo[5] = 0;                                         /* boot_hart */
    if (sizeof(dinfo) > rom_size - reset_vec_size) {
        error_report("not enough space to store dynamic firmware info");
        exit(1);
    }
    boot_add_blob("mrom.finfo", dinfo, sizeof(dinfo),
                  rom_base + reset_vec_size);
}

void riscv_setup_rom_reset_vec(MachineState *machine, hwaddr start_addr,
                               hwaddr rom_base, hwaddr rom_size,
                               uint64_t kernel_entry, uint64_t fdt_load_addr)
{
    /*
     * Every hart starts here: t0 = the fw_dynamic_info that follows,
     * a2 = t0, a0 = mhartid, a1 = the FDT address, then jump to start.
     */
    uint32_t reset_vec[10] = {
        0x00000297,                 /* auipc t0, 0 */
        0x02828613,                 /* addi a2, t0, 40 */
        0xf1402573,                 /* csrr a0, mhartid */
        0x0202b583,                 /* ld a1, 32(t0) */
        0x0182b283,                 /* ld t0, 24(t0) */
        0x00028067,                 /* jr t0 */
        (uint32_t)start_addr,
        (uint32_t)(start_addr >> 32),
        (uint32_t)fdt_load_addr,
        (uint32_t)(fdt_load_addr >> 32),
    };

    for (size_t i = 0; i < G_N_ELEMENTS(reset_vec); i++) {
        reset_vec[i] = GUINT32_TO_LE(reset_vec[i]);
    }
    boot_add_blob("mrom.reset", reset_vec, sizeof(reset_vec), rom_base);
    riscv_rom_copy_firmware_info(machine, rom_base, rom_size,
                                 sizeof(reset_vec), kernel_entry);
}
