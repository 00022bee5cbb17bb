/*
 * The riscv64 "virt" board, with QEMU's memory map, interrupt numbers,
 * device-tree node names and compatible strings: harts, CLINT (ACLINT
 * MSWI + MTIMER), PLIC, NS16550A UART0, sifive_test, goldfish RTC and
 * the virtio-mmio slots, plus RAM at 0x80000000 and the reset ROM.  The
 * device tree is generated from what is present unless -dtb is given.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <libfdt.h>
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/irq.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/char/serial.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/intc/sifive_plic.h"
#include "hw/misc/sifive_test.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/riscv/boot.h"
#include "hw/riscv/riscv_hart.h"
#include "hw/riscv/virt.h"
#include "hw/rtc/goldfish_rtc.h"
#include "hw/pci-host/gpex.h"
#include "system/system.h"
#include "target/riscv/cpu-qom.h"

#define FDT_MAX_SIZE 0x100000
#define VIRT_ISA_STRING "rv64imafdc_zicsr_zifencei"

const MemMapEntry virt_memmap[] = {
    [VIRT_DEBUG] =   { 0x0,        0x100 },
    [VIRT_MROM] =    { 0x1000,     0xf000 },
    [VIRT_TEST] =    { 0x100000,   0x1000 },
    [VIRT_RTC] =     { 0x101000,   0x1000 },
    [VIRT_CLINT] =   { 0x2000000,  0x10000 },
    [VIRT_PLIC] =    { 0xc000000,  VIRT_PLIC_SIZE(VIRT_CPUS_MAX * 2) },
    [VIRT_UART0] =   { 0x10000000, 0x100 },
    [VIRT_VIRTIO] =  { 0x10001000, 0x1000 },
    [VIRT_FW_CFG] =  { 0x10100000, 0x18 },
    [VIRT_PCIE_PIO] = { 0x3000000, 0x10000 },
    [VIRT_PCIE_ECAM] = { 0x30000000, 0x10000000 },
    [VIRT_PCIE_MMIO] = { 0x40000000, 0x40000000 },
    [VIRT_DRAM] =    { 0x80000000, 0x0 },
};

/* libfdt calls with error checking: a failure is a bug in this file. */
static void fdt_check(int ret, const char *what)
{
    if (ret < 0) {
        error_report("virt: device tree %s: %s", what, fdt_strerror(ret));
        exit(1);
    }
}

static int fdt_node(void *fdt, const char *path)
{
    const char *slash = strrchr(path, '/');
    g_autofree char *parent = g_strndup(path, slash - path);
    int poff = parent[0] ? fdt_path_offset(fdt, parent) : 0;
    int off;

    fdt_check(poff, path);
    off = fdt_add_subnode(fdt, poff, slash + 1);
    fdt_check(off, path);
    return off;
}

static void fdt_str(void *fdt, int node, const char *name, const char *val)
{
    fdt_check(fdt_setprop_string(fdt, node, name, val), name);
}

static void fdt_cell(void *fdt, int node, const char *name, uint32_t val)
{
    fdt_check(fdt_setprop_u32(fdt, node, name, val), name);
}

static void fdt_empty(void *fdt, int node, const char *name)
{
    fdt_check(fdt_setprop_empty(fdt, node, name), name);
}

/* Several strings in one property ("a\0b\0"). */
static void fdt_strings(void *fdt, int node, const char *name,
                        const char *const *vals, int n)
{
    GString *s = g_string_new(NULL);

    for (int i = 0; i < n; i++) {
        g_string_append_len(s, vals[i], strlen(vals[i]) + 1);
    }
    fdt_check(fdt_setprop(fdt, node, name, s->str, s->len), name);
    g_string_free(s, true);
}

static void fdt_cells(void *fdt, int node, const char *name,
                      const uint32_t *cells, int n)
{
    g_autofree uint32_t *be = g_new(uint32_t, n);

    for (int i = 0; i < n; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    fdt_check(fdt_setprop(fdt, node, name, be, n * sizeof(uint32_t)), name);
}

/* reg = <0 base 0 size> with #address-cells = #size-cells = 2. */
static void fdt_reg2(void *fdt, int node, hwaddr base, hwaddr size)
{
    uint32_t cells[4] = { base >> 32, (uint32_t)base, size >> 32,
                          (uint32_t)size };

    fdt_cells(fdt, node, "reg", cells, 4);
}

static void create_fdt_cpus(RISCVVirtState *s, void *fdt, uint32_t *phandle)
{
    int cpus = fdt_node(fdt, "/cpus");

    fdt_cell(fdt, cpus, "timebase-frequency",
             RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ);
    fdt_cell(fdt, cpus, "#size-cells", 0);
    fdt_cell(fdt, cpus, "#address-cells", 1);
    fdt_node(fdt, "/cpus/cpu-map");
    fdt_node(fdt, "/cpus/cpu-map/cluster0");

    s->intc_phandles = g_new0(uint32_t, s->num_harts);
    /* Created highest first so they appear in order (libfdt prepends). */
    for (int i = s->num_harts - 1; i >= 0; i--) {
        g_autofree char *name = g_strdup_printf("/cpus/cpu@%d", i);
        g_autofree char *intc_name = g_strdup_printf("%s/interrupt-controller",
                                                     name);
        g_autofree char *core = g_strdup_printf("/cpus/cpu-map/cluster0/"
                                                "core%d", i);
        uint32_t cpu_phandle = (*phandle)++;
        int node = fdt_node(fdt, name);
        int intc;

        fdt_str(fdt, node, "mmu-type", "riscv,sv48");
        fdt_str(fdt, node, "riscv,isa", VIRT_ISA_STRING);
        fdt_str(fdt, node, "compatible", "riscv");
        fdt_str(fdt, node, "status", "okay");
        fdt_cell(fdt, node, "reg", s->harts[i]->env.mhartid);
        fdt_str(fdt, node, "device_type", "cpu");
        fdt_cell(fdt, node, "phandle", cpu_phandle);

        intc = fdt_node(fdt, intc_name);
        s->intc_phandles[i] = (*phandle)++;
        fdt_cell(fdt, intc, "phandle", s->intc_phandles[i]);
        fdt_str(fdt, intc, "compatible", "riscv,cpu-intc");
        fdt_empty(fdt, intc, "interrupt-controller");
        fdt_cell(fdt, intc, "#interrupt-cells", 1);

        fdt_cell(fdt, fdt_node(fdt, core), "cpu", cpu_phandle);
    }
}

static void create_fdt_devices(RISCVVirtState *s, void *fdt)
{
    MachineState *ms = MACHINE(s);
    const MemMapEntry *m = virt_memmap;
    g_autofree uint32_t *cells = g_new(uint32_t, s->num_harts * 4);
    g_autofree char *name = NULL;
    int node;

    name = g_strdup_printf("/memory@%" HWADDR_PRIx, m[VIRT_DRAM].base);
    node = fdt_node(fdt, name);
    fdt_reg2(fdt, node, m[VIRT_DRAM].base, ms->ram_size);
    fdt_str(fdt, node, "device_type", "memory");

    /* CLINT: MSIP (3) and MTIP (7) of every hart. */
    g_free(name);
    name = g_strdup_printf("/soc/clint@%" HWADDR_PRIx, m[VIRT_CLINT].base);
    for (int i = 0; i < s->num_harts; i++) {
        cells[i * 4 + 0] = s->intc_phandles[i];
        cells[i * 4 + 1] = IRQ_M_SOFT;
        cells[i * 4 + 2] = s->intc_phandles[i];
        cells[i * 4 + 3] = IRQ_M_TIMER;
    }
    node = fdt_node(fdt, name);
    fdt_strings(fdt, node, "compatible",
                (const char *const[]) { "sifive,clint0", "riscv,clint0" }, 2);
    fdt_reg2(fdt, node, m[VIRT_CLINT].base, m[VIRT_CLINT].size);
    fdt_cells(fdt, node, "interrupts-extended", cells, s->num_harts * 4);

    /* PLIC: MEIP (11) and SEIP (9) contexts of every hart. */
    g_free(name);
    name = g_strdup_printf("/soc/plic@%" HWADDR_PRIx, m[VIRT_PLIC].base);
    for (int i = 0; i < s->num_harts; i++) {
        cells[i * 4 + 0] = s->intc_phandles[i];
        cells[i * 4 + 1] = IRQ_M_EXT;
        cells[i * 4 + 2] = s->intc_phandles[i];
        cells[i * 4 + 3] = IRQ_S_EXT;
    }
    node = fdt_node(fdt, name);
    fdt_cell(fdt, node, "#interrupt-cells", 1);
    fdt_cell(fdt, node, "#address-cells", 0);
    fdt_strings(fdt, node, "compatible",
                (const char *const[]) { "sifive,plic-1.0.0", "riscv,plic0" },
                2);
    fdt_empty(fdt, node, "interrupt-controller");
    fdt_cells(fdt, node, "interrupts-extended", cells, s->num_harts * 4);
    fdt_reg2(fdt, node, m[VIRT_PLIC].base, m[VIRT_PLIC].size);
    fdt_cell(fdt, node, "riscv,ndev", VIRTIO_NDEV);
    fdt_cell(fdt, node, "phandle", s->plic_phandle);
}

void virt_create_virtio_mmio(RISCVVirtState *s)
{
    const MemMapEntry *m = virt_memmap;

    if (!object_class_by_name("virtio-mmio")) {
        return;     /* no virtio transport in this build */
    }
    for (int i = 0; i < VIRTIO_COUNT; i++) {
        hwaddr base = m[VIRT_VIRTIO].base + i * m[VIRT_VIRTIO].size;
        qemu_irq irq = qdev_get_gpio_in(s->irqchip, VIRTIO_IRQ + i);

        s->virtio_mmio[i] = sysbus_create_simple("virtio-mmio", base, irq);
    }
}

/* Nodes for the transports virt_create_virtio_mmio() made. */
static void create_fdt_virtio(RISCVVirtState *s, void *fdt)
{
    const MemMapEntry *m = virt_memmap;

    for (int i = 0; i < VIRTIO_COUNT; i++) {
        hwaddr base = m[VIRT_VIRTIO].base + i * m[VIRT_VIRTIO].size;
        g_autofree char *name = g_strdup_printf("/soc/virtio_mmio@%"
                                                HWADDR_PRIx, base);
        int node;

        if (!s->virtio_mmio[i]) {
            continue;
        }
        node = fdt_node(fdt, name);
        fdt_str(fdt, node, "compatible", "virtio,mmio");
        fdt_reg2(fdt, node, base, m[VIRT_VIRTIO].size);
        fdt_cell(fdt, node, "interrupt-parent", s->plic_phandle);
        fdt_cell(fdt, node, "interrupts", VIRTIO_IRQ + i);
    }
}

/*
 * The PCIe host bridge: ECAM, the I/O window, the 32-bit window and the
 * 64-bit one above RAM, each an alias into the bridge's PCI space at the
 * same address; INTx lines on PLIC sources PCIE_IRQ..PCIE_IRQ+3.
 */
static void create_pcie(RISCVVirtState *s)
{
    MachineState *ms = MACHINE(s);
    const MemMapEntry *m = virt_memmap;
    MemoryRegion *sysmem = get_system_memory();
    MemoryRegion *window, *low = g_new0(MemoryRegion, 1),
                 *high = g_new0(MemoryRegion, 1);
    SysBusDevice *sbd;

    s->gpex = qdev_new(TYPE_GPEX_HOST);
    sbd = SYS_BUS_DEVICE(s->gpex);
    sysbus_realize_and_unref(sbd, &error_fatal);
    memory_region_add_subregion(sysmem, m[VIRT_PCIE_ECAM].base,
                                sysbus_mmio_get_region(sbd, GPEX_MMIO_ECAM));
    window = sysbus_mmio_get_region(sbd, GPEX_MMIO_WINDOW);
    memory_region_init_alias(low, OBJECT(s->gpex), "pcie-mmio", window,
                             m[VIRT_PCIE_MMIO].base, m[VIRT_PCIE_MMIO].size);
    memory_region_add_subregion(sysmem, m[VIRT_PCIE_MMIO].base, low);
    s->high_pcie_mmio_base = ROUND_UP(m[VIRT_DRAM].base + ms->ram_size,
                                      VIRT_HIGH_PCIE_MMIO_SIZE);
    memory_region_init_alias(high, OBJECT(s->gpex), "pcie-mmio-high", window,
                             s->high_pcie_mmio_base,
                             VIRT_HIGH_PCIE_MMIO_SIZE);
    memory_region_add_subregion(sysmem, s->high_pcie_mmio_base, high);
    memory_region_add_subregion(sysmem, m[VIRT_PCIE_PIO].base,
                                sysbus_mmio_get_region(sbd,
                                                       GPEX_MMIO_IOPORT));
    for (int i = 0; i < GPEX_NUM_IRQS; i++) {
        sysbus_connect_irq(sbd, i, qdev_get_gpio_in(s->irqchip, PCIE_IRQ + i));
    }
}

/* QEMU's node: Linux's pci-host-ecam-generic driver probes it. */
static void create_fdt_pcie(RISCVVirtState *s, void *fdt)
{
    const MemMapEntry *m = virt_memmap;
    g_autofree char *name = g_strdup_printf("/soc/pci@%" HWADDR_PRIx,
                                            m[VIRT_PCIE_ECAM].base);
    hwaddr hb = s->high_pcie_mmio_base, hs = VIRT_HIGH_PCIE_MMIO_SIZE;
    uint32_t ranges[] = {
        0x01000000, 0, 0,                   /* I/O at PCI address 0 */
        0, m[VIRT_PCIE_PIO].base, 0, m[VIRT_PCIE_PIO].size,
        0x02000000, 0, m[VIRT_PCIE_MMIO].base,          /* 32-bit MMIO */
        0, m[VIRT_PCIE_MMIO].base, 0, m[VIRT_PCIE_MMIO].size,
        0x03000000, hb >> 32, (uint32_t)hb,             /* 64-bit MMIO */
        hb >> 32, (uint32_t)hb, hs >> 32, (uint32_t)hs,
    };
    uint32_t map[GPEX_NUM_IRQS * GPEX_NUM_IRQS * 6];
    uint32_t *e = map;
    int node = fdt_node(fdt, name);

    /* Slot s, pin p (1 = INTA) raises PCIE_IRQ + (p - 1 + s) % 4. */
    for (int slot = 0; slot < GPEX_NUM_IRQS; slot++) {
        for (int pin = 0; pin < GPEX_NUM_IRQS; pin++) {
            *e++ = PCI_DEVFN(slot, 0) << 8;
            *e++ = 0;
            *e++ = 0;
            *e++ = pin + 1;
            *e++ = s->plic_phandle;
            *e++ = PCIE_IRQ + (pin + slot) % GPEX_NUM_IRQS;
        }
    }
    fdt_cell(fdt, node, "#address-cells", 3);
    fdt_cell(fdt, node, "#interrupt-cells", 1);
    fdt_cell(fdt, node, "#size-cells", 2);
    fdt_str(fdt, node, "compatible", "pci-host-ecam-generic");
    fdt_str(fdt, node, "device_type", "pci");
    fdt_cell(fdt, node, "linux,pci-domain", 0);
    fdt_cells(fdt, node, "bus-range", (const uint32_t[]) {
        0, m[VIRT_PCIE_ECAM].size / (1 << 20) - 1 }, 2);
    fdt_empty(fdt, node, "dma-coherent");
    fdt_reg2(fdt, node, m[VIRT_PCIE_ECAM].base, m[VIRT_PCIE_ECAM].size);
    fdt_cells(fdt, node, "ranges", ranges, G_N_ELEMENTS(ranges));
    fdt_cells(fdt, node, "interrupt-map-mask",
              (const uint32_t[]) { 0x1800, 0, 0, 7 }, 4);
    fdt_cells(fdt, node, "interrupt-map", map, G_N_ELEMENTS(map));
}

static void create_fdt(RISCVVirtState *s)
{
    MachineState *ms = MACHINE(s);
    const MemMapEntry *m = virt_memmap;
    uint32_t phandle = 1;
    uint8_t rng_seed[32];
    g_autofree char *name = NULL;
    void *fdt = g_malloc0(FDT_MAX_SIZE);
    int node;

    fdt_check(fdt_create_empty_tree(fdt, FDT_MAX_SIZE), "create");
    ms->fdt = fdt;
    s->fdt_size = FDT_MAX_SIZE;

    fdt_str(fdt, 0, "model", "riscv-virtio,qemu");
    fdt_str(fdt, 0, "compatible", "riscv-virtio");
    fdt_cell(fdt, 0, "#size-cells", 2);
    fdt_cell(fdt, 0, "#address-cells", 2);

    node = fdt_node(fdt, "/soc");
    fdt_empty(fdt, node, "ranges");
    fdt_str(fdt, node, "compatible", "simple-bus");
    fdt_cell(fdt, node, "#size-cells", 2);
    fdt_cell(fdt, node, "#address-cells", 2);

    create_fdt_cpus(s, fdt, &phandle);
    s->plic_phandle = phandle++;
    s->test_phandle = phandle++;
    create_fdt_devices(s, fdt);

    create_fdt_virtio(s, fdt);
    create_fdt_pcie(s, fdt);

    name = g_strdup_printf("/soc/test@%" HWADDR_PRIx, m[VIRT_TEST].base);
    node = fdt_node(fdt, name);
    fdt_strings(fdt, node, "compatible",
                (const char *const[]) { "sifive,test1", "sifive,test0",
                                        "syscon" }, 3);
    fdt_reg2(fdt, node, m[VIRT_TEST].base, m[VIRT_TEST].size);
    fdt_cell(fdt, node, "phandle", s->test_phandle);

    node = fdt_node(fdt, "/reboot");
    fdt_str(fdt, node, "compatible", "syscon-reboot");
    fdt_cell(fdt, node, "regmap", s->test_phandle);
    fdt_cell(fdt, node, "offset", 0);
    fdt_cell(fdt, node, "value", FINISHER_RESET);

    node = fdt_node(fdt, "/poweroff");
    fdt_str(fdt, node, "compatible", "syscon-poweroff");
    fdt_cell(fdt, node, "regmap", s->test_phandle);
    fdt_cell(fdt, node, "offset", 0);
    fdt_cell(fdt, node, "value", FINISHER_PASS);

    g_free(name);
    name = g_strdup_printf("/soc/serial@%" HWADDR_PRIx, m[VIRT_UART0].base);
    node = fdt_node(fdt, name);
    fdt_str(fdt, node, "compatible", "ns16550a");
    fdt_reg2(fdt, node, m[VIRT_UART0].base, m[VIRT_UART0].size);
    fdt_cell(fdt, node, "clock-frequency", 3686400);
    fdt_cell(fdt, node, "interrupt-parent", s->plic_phandle);
    fdt_cell(fdt, node, "interrupts", UART0_IRQ);

    node = fdt_node(fdt, "/chosen");
    fdt_str(fdt, node, "stdout-path", name);
    for (size_t i = 0; i < sizeof(rng_seed); i += 4) {
        uint32_t r = g_random_int();
        memcpy(rng_seed + i, &r, 4);
    }
    fdt_check(fdt_setprop(fdt, node, "rng-seed", rng_seed, sizeof(rng_seed)),
              "rng-seed");

    g_free(name);
    name = g_strdup_printf("/soc/rtc@%" HWADDR_PRIx, m[VIRT_RTC].base);
    node = fdt_node(fdt, name);
    fdt_str(fdt, node, "compatible", "google,goldfish-rtc");
    fdt_reg2(fdt, node, m[VIRT_RTC].base, m[VIRT_RTC].size);
    fdt_cell(fdt, node, "interrupt-parent", s->plic_phandle);
    fdt_cell(fdt, node, "interrupts", RTC_IRQ);

    g_free(name);
    name = g_strdup_printf("/fw-cfg@%" HWADDR_PRIx, m[VIRT_FW_CFG].base);
    node = fdt_node(fdt, name);
    fdt_str(fdt, node, "compatible", "qemu,fw-cfg-mmio");
    fdt_reg2(fdt, node, m[VIRT_FW_CFG].base, m[VIRT_FW_CFG].size);
    fdt_empty(fdt, node, "dma-coherent");
}

static void virt_load_dtb_file(MachineState *ms)
{
    g_autofree gchar *buf = NULL;
    gsize len;
    void *fdt;
    int ret;

    if (!g_file_get_contents(ms->dtb, &buf, &len, NULL)) {
        error_report("Unable to get size of device tree file '%s'", ms->dtb);
        error_report("load_device_tree() failed");
        exit(1);
    }
    /* Room for what the board adds to /chosen, as QEMU allows. */
    fdt = g_malloc0(len + 0x10000);
    memcpy(fdt, buf, len);
    ret = len < sizeof(struct fdt_header) ? -FDT_ERR_TRUNCATED :
          fdt_open_into(fdt, fdt, len + 0x10000);
    if (ret) {
        error_report("load_device_tree: Unable to copy device tree into "
                     "memory: %s", fdt_strerror(ret));
        error_report("load_device_tree() failed");
        exit(1);
    }
    ms->fdt = fdt;
}

static void virt_set_bootargs(MachineState *ms)
{
    int chosen = fdt_path_offset(ms->fdt, "/chosen");

    if (chosen < 0) {
        chosen = fdt_add_subnode(ms->fdt, 0, "chosen");
        fdt_check(chosen, "/chosen");
    }
    if (ms->kernel_cmdline && *ms->kernel_cmdline) {
        fdt_str(ms->fdt, chosen, "bootargs", ms->kernel_cmdline);
    }
}

static void virt_dumpdtb(MachineState *ms)
{
    fdt_pack(ms->fdt);
    if (!g_file_set_contents(ms->dumpdtb, ms->fdt, fdt_totalsize(ms->fdt),
                             NULL)) {
        error_report("Failed to write dtb to '%s'", ms->dumpdtb);
        exit(1);
    }
    info_report("dtb dumped to %s. Exiting.", ms->dumpdtb);
    exit(0);
}

/* Firmware, kernel, initrd and FDT into memory; the reset ROM last. */
static void virt_load_images(RISCVVirtState *s)
{
    MachineState *ms = MACHINE(s);
    const MemMapEntry *m = virt_memmap;
    hwaddr start_addr = m[VIRT_DRAM].base;
    hwaddr firmware_end, kernel_start;
    uint64_t kernel_entry = 0, fdt_addr;

    firmware_end = riscv_find_and_load_firmware(ms, RISCV64_BIOS_BIN,
                                                start_addr);
    if (ms->kernel_filename) {
        kernel_start = riscv_calc_kernel_start_addr(firmware_end);
        kernel_entry = riscv_load_kernel(ms, kernel_start);
        if (ms->initrd_filename) {
            riscv_load_initrd(ms, kernel_entry);
        }
    }
    virt_set_bootargs(ms);
    if (ms->dumpdtb) {
        virt_dumpdtb(ms);
    }
    fdt_addr = riscv_compute_fdt_addr(m[VIRT_DRAM].base, ms->ram_size, ms);
    riscv_load_fdt(fdt_addr, ms->fdt);
    riscv_setup_rom_reset_vec(ms, start_addr, m[VIRT_MROM].base,
                              m[VIRT_MROM].size, kernel_entry, fdt_addr);
}

void virt_machine_init(MachineState *machine)
{
    RISCVVirtState *s = RISCV_VIRT_MACHINE(machine);
    const MemMapEntry *m = virt_memmap;
    MemoryRegion *system_memory = get_system_memory();
    g_autofree char *hart_config = NULL;
    GString *hc;
    int n = machine->smp.cpus;

    /* The machine core normally rejects this already. */
    if (n < 1 || n > VIRT_CPUS_MAX) {
        error_report("Invalid SMP CPUs %d. The max CPUs supported by machine "
                     "'virt' is %d", n, VIRT_CPUS_MAX);
        exit(1);
    }

    /* Harts 0..n-1, one socket. */
    object_initialize_child(OBJECT(machine), "soc0", &s->soc[0],
                            TYPE_RISCV_HART_ARRAY);
    qdev_prop_set_string(DEVICE(&s->soc[0]), "cpu-type",
                         machine->cpu_type ? machine->cpu_type :
                         TYPE_RISCV_CPU_BASE);
    qdev_prop_set_uint32(DEVICE(&s->soc[0]), "hartid-base", 0);
    qdev_prop_set_uint32(DEVICE(&s->soc[0]), "num-harts", n);
    qdev_prop_set_uint64(DEVICE(&s->soc[0]), "resetvec", m[VIRT_MROM].base);
    sysbus_realize(SYS_BUS_DEVICE(&s->soc[0]), &error_fatal);
    s->num_harts = n;
    s->harts = g_new0(RISCVCPU *, n);
    hc = g_string_new(NULL);
    for (int i = 0; i < n; i++) {
        s->harts[i] = &s->soc[0].harts[i];
        g_string_append(hc, i ? ",MS" : "MS");
    }
    hart_config = g_string_free(hc, false);

    riscv_aclint_swi_create(m[VIRT_CLINT].base, 0, n, false);
    riscv_aclint_mtimer_create(m[VIRT_CLINT].base + RISCV_ACLINT_SWI_SIZE,
                               RISCV_ACLINT_DEFAULT_MTIMER_SIZE, 0, n,
                               RISCV_ACLINT_DEFAULT_MTIMECMP,
                               RISCV_ACLINT_DEFAULT_MTIME,
                               RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ, true);
    s->irqchip = sifive_plic_create(m[VIRT_PLIC].base, hart_config, n, 0,
                                    VIRT_IRQCHIP_NUM_SOURCES,
                                    (1u << VIRT_IRQCHIP_NUM_PRIO_BITS) - 1,
                                    VIRT_PLIC_PRIORITY_BASE,
                                    VIRT_PLIC_PENDING_BASE,
                                    VIRT_PLIC_ENABLE_BASE,
                                    VIRT_PLIC_ENABLE_STRIDE,
                                    VIRT_PLIC_CONTEXT_BASE,
                                    VIRT_PLIC_CONTEXT_STRIDE,
                                    m[VIRT_PLIC].size);

    if (!machine->ram) {
        machine->ram = g_new0(MemoryRegion, 1);
        memory_region_init_ram(machine->ram, OBJECT(machine),
                               "riscv_virt_board.ram", machine->ram_size,
                               &error_fatal);
    }
    memory_region_add_subregion(system_memory, m[VIRT_DRAM].base,
                                machine->ram);

    memory_region_init_rom(&s->mrom, NULL, "riscv_virt_board.mrom",
                           m[VIRT_MROM].size, &error_fatal);
    memory_region_add_subregion(system_memory, m[VIRT_MROM].base, &s->mrom);

    sifive_test_create(m[VIRT_TEST].base);

    serial_mm_init(system_memory, m[VIRT_UART0].base, 0,
                   qdev_get_gpio_in(s->irqchip, UART0_IRQ), 399193,
                   serial_hd(0), DEVICE_LITTLE_ENDIAN);

    sysbus_create_simple(TYPE_GOLDFISH_RTC, m[VIRT_RTC].base,
                         qdev_get_gpio_in(s->irqchip, RTC_IRQ));

    /* Selector at +8, data at +0 (8 bytes wide), DMA at +16. */
    s->fw_cfg = fw_cfg_init_mem_wide(m[VIRT_FW_CFG].base + 8,
                                     m[VIRT_FW_CFG].base, 8,
                                     m[VIRT_FW_CFG].base + 16,
                                     &address_space_memory);
    fw_cfg_add_i16(s->fw_cfg, FW_CFG_NB_CPUS, (uint16_t)n);

    virt_create_virtio_mmio(s);
    create_pcie(s);

    if (machine->dtb) {
        virt_load_dtb_file(machine);
    } else {
        create_fdt(s);
    }
    virt_load_images(s);
}

static void virt_machine_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->desc = "RISC-V VirtIO board";
    mc->init = virt_machine_init;
    mc->max_cpus = VIRT_CPUS_MAX;
    mc->default_cpu_type = TYPE_RISCV_CPU_BASE;
    mc->default_ram_id = "riscv_virt_board.ram";
    mc->default_ram_size = 128 * 1024 * 1024;
}

static const TypeInfo virt_machine_typeinfo = {
    .name = TYPE_RISCV_VIRT_MACHINE,
    .parent = TYPE_MACHINE,
    .class_init = virt_machine_class_init,
    .instance_size = sizeof(RISCVVirtState),
};

static void virt_machine_init_register_types(void)
{
    type_register_static(&virt_machine_typeinfo);
}

type_init(virt_machine_init_register_types)
