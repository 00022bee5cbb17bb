/*
 * Loading firmware, kernel, initrd and device tree for riscv boards, and
 * the reset ROM with OpenSBI's fw_dynamic hand-off.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_RISCV_BOOT_H
#define HW_RISCV_BOOT_H

#include "exec/memory.h"
#include "hw/boards.h"

#define RISCV64_BIOS_BIN "opensbi-riscv64-generic-fw_dynamic.bin"

/* OpenSBI's struct fw_dynamic_info (64-bit layout). */
#define FW_DYNAMIC_INFO_MAGIC_VALUE 0x4942534f
#define FW_DYNAMIC_INFO_VERSION 0x2
#define FW_DYNAMIC_INFO_NEXT_MODE_U 0x0
#define FW_DYNAMIC_INFO_NEXT_MODE_S 0x1
#define FW_DYNAMIC_INFO_NEXT_MODE_M 0x3

/* The firmware's path: NULL for "-bios none"; exits when not found. */
char *riscv_find_firmware(const char *firmware_filename,
                          const char *default_machine_firmware);
/* Load -bios (or the default) at @firmware_load_addr; returns its end. */
hwaddr riscv_find_and_load_firmware(MachineState *machine,
                                    const char *default_machine_firmware,
                                    hwaddr firmware_load_addr);
hwaddr riscv_calc_kernel_start_addr(hwaddr firmware_end_addr);
/* ELF (lowest load address returned), else a raw image at @start. */
hwaddr riscv_load_kernel(MachineState *machine, hwaddr kernel_start_addr);
/* Load -initrd and record its range in /chosen of machine->fdt. */
void riscv_load_initrd(MachineState *machine, uint64_t kernel_entry);
uint64_t riscv_compute_fdt_addr(hwaddr dram_base, hwaddr dram_size,
                                MachineState *ms);
void riscv_load_fdt(hwaddr fdt_addr, void *fdt);
void riscv_setup_rom_reset_vec(MachineState *machine, hwaddr start_addr,
                               hwaddr rom_base, hwaddr rom_size,
                               uint64_t kernel_entry, uint64_t fdt_load_addr);
void riscv_rom_copy_firmware_info(MachineState *machine, hwaddr rom_base,
                                  hwaddr rom_size, uint32_t reset_vec_size,
                                  uint64_t kernel_entry);

#endif
