/*
 * QEMU firmware configuration device (fw_cfg), memory-mapped variant.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_FW_CFG_H
#define HW_FW_CFG_H

#include "hw/sysbus.h"

#define FW_CFG_SIGNATURE        0x00
#define FW_CFG_ID               0x01
#define FW_CFG_UUID             0x02
#define FW_CFG_RAM_SIZE         0x03
#define FW_CFG_NOGRAPHIC        0x04
#define FW_CFG_NB_CPUS          0x05
#define FW_CFG_MACHINE_ID       0x06
#define FW_CFG_KERNEL_ADDR      0x07
#define FW_CFG_KERNEL_SIZE      0x08
#define FW_CFG_KERNEL_CMDLINE   0x09
#define FW_CFG_INITRD_ADDR      0x0a
#define FW_CFG_INITRD_SIZE      0x0b
#define FW_CFG_BOOT_DEVICE      0x0c
#define FW_CFG_NUMA             0x0d
#define FW_CFG_BOOT_MENU        0x0e
#define FW_CFG_MAX_CPUS         0x0f
#define FW_CFG_FILE_DIR         0x19
#define FW_CFG_FILE_FIRST       0x20
#define FW_CFG_FILE_SLOTS_DFLT  0x20
#define FW_CFG_INVALID          0xffff

#define FW_CFG_VERSION          0x01
#define FW_CFG_VERSION_DMA      0x02

#define FW_CFG_DMA_CTL_ERROR    0x01
#define FW_CFG_DMA_CTL_READ     0x02
#define FW_CFG_DMA_CTL_SKIP     0x04
#define FW_CFG_DMA_CTL_SELECT   0x08
#define FW_CFG_DMA_CTL_WRITE    0x10

#define FW_CFG_DMA_SIGNATURE    0x51454d5520434647ULL   /* "QEMU CFG" */

#define FW_CFG_MAX_FILE_PATH    56

#define TYPE_FW_CFG "fw_cfg"
#define TYPE_FW_CFG_MEM "fw_cfg_mem"
OBJECT_DECLARE_SIMPLE_TYPE(FWCfgState, FW_CFG)

typedef struct FWCfgEntry {
    uint32_t len;
    uint8_t *data;
} FWCfgEntry;

typedef struct FWCfgFile {
    char *name;
    uint8_t *data;
    uint32_t len;
} FWCfgFile;

struct FWCfgState {
    SysBusDevice parent_obj;

    uint16_t file_slots;
    FWCfgEntry *entries;
    FWCfgFile *files;           /* sorted by name */
    GByteArray *file_dir;       /* FW_CFG_FILE_DIR contents */
    uint32_t file_count;
    uint16_t cur_entry;
    uint32_t cur_offset;
    bool dma_enabled;
    uint64_t dma_addr;
    bool dma_busy;
    AddressSpace *dma_as;
    uint32_t data_width;
    MemoryRegion ctl_iomem, data_iomem, dma_iomem;
};

FWCfgState *fw_cfg_init_mem_wide(hwaddr ctl_addr, hwaddr data_addr,
                                 uint32_t data_width, hwaddr dma_addr,
                                 AddressSpace *dma_as);
void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, void *data, size_t len);
void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value);
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);
/* Replace the contents of file @filename (added when missing). */
void fw_cfg_modify_file(FWCfgState *s, const char *filename, void *data,
                        size_t len);
void fw_cfg_add_file(FWCfgState *s, const char *filename, void *data,
                     size_t len);

#endif
