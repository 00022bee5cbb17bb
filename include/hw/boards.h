/*
 * Machines: MachineClass describes a board (its init, limits and
 * defaults), MachineState is the one machine being built (/machine).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include "hw/qdev-core.h"
#include "exec/memory.h"

#define TYPE_MACHINE "machine"
#define TYPE_MACHINE_SUFFIX "-machine"
#define MACHINE_TYPE_NAME(machinename) (machinename TYPE_MACHINE_SUFFIX)

typedef struct CpuTopology {
    unsigned int cpus;
    unsigned int drawers;
    unsigned int books;
    unsigned int sockets;
    unsigned int dies;
    unsigned int clusters;
    unsigned int modules;
    unsigned int cores;
    unsigned int threads;
    unsigned int max_cpus;
} CpuTopology;

typedef struct MachineState MachineState;
typedef struct MachineClass MachineClass;

struct MachineClass {
    ObjectClass parent_class;
    const char *family;
    char *name;
    const char *alias;
    const char *desc;
    const char *deprecation_reason;
    void (*init)(MachineState *state);
    void (*reset)(MachineState *state, int reason);
    int max_cpus;
    int min_cpus;
    int default_cpus;
    bool is_default;
    const char *default_machine_opts;
    const char *default_boot_order;
    const char *default_display;
    bool no_serial;
    bool no_parallel;
    bool no_floppy;
    bool no_cdrom;
    bool no_sdcard;
    const char *default_cpu_type;
    const char * const *valid_cpu_types;
    ram_addr_t default_ram_size;
    const char *default_ram_id;
    bool has_hotpluggable_cpus;
    bool ignore_memory_transaction_failures;
    int numa_mem_align_shift;
    bool auto_enable_numa;
};

struct MachineState {
    Object parent_obj;
    void *fdt;
    char *dtb;
    char *dumpdtb;
    int phandle_start;
    char *dt_compatible;
    bool dump_guest_core;
    bool mem_merge;
    bool usb;
    bool usb_disabled;
    char *firmware;
    bool iommu;
    bool suppress_vmdesc;
    bool enable_graphics;
    char *ram_memdev_id;
    MemoryRegion *ram;
    ram_addr_t ram_size;
    ram_addr_t maxram_size;
    uint64_t ram_slots;
    char *kernel_filename;
    char *kernel_cmdline;
    char *initrd_filename;
    const char *cpu_type;
    CpuTopology smp;
};

DECLARE_OBJ_CHECKERS(MachineState, MachineClass, MACHINE, TYPE_MACHINE)

extern MachineState *current_machine;

/* Machine types by name or alias; NULL if none. */
MachineClass *find_machine_class(const char *name);
MachineClass *find_default_machine_class(void);
/* Every machine class (sorted by name). */
GSList *machine_class_list(void);

/*
 * Builds the RAM region: the memory-backend named by -machine
 * memory-backend=, or one created with the board's default_ram_id.
 */
bool machine_create_ram(MachineState *ms, Error **errp);
/* Runs the board's init after the generic checks. */
bool machine_run_board_init(MachineState *ms, Error **errp);

#endif
