/*
 * fw_cfg, memory-mapped ("qemu,fw-cfg-mmio"): firmware reads numbered
 * items (signature, id, CPU count, named files listed in a directory)
 * through a 16-bit selector and a data register, or with the DMA
 * interface.  All items here are read-only and set up by the board.
 *
 * Registers: data at +0 (1..data_width bytes, in item byte order),
 * selector at +8 (16-bit big-endian), DMA address at +16 (64-bit
 * big-endian; writing its low half, or all of it, starts the transfer).
 * The memory core delivers little-endian values, so the big-endian
 * registers are swapped here.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/log.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/nvram/fw_cfg.h"
#include "system/bootdevice.h"
#include "migration/vmstate.h"

static FWCfgEntry *fw_cfg_cur(FWCfgState *s)
{
    if (s->cur_entry == FW_CFG_INVALID ||
        s->cur_entry >= FW_CFG_FILE_FIRST + s->file_slots) {
        return NULL;
    }
    return &s->entries[s->cur_entry];
}

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->cur_offset = 0;
    /* Bit 14 asks for write access, which no item here grants. */
    key &= 0x3fff;
    s->cur_entry = key < FW_CFG_FILE_FIRST + s->file_slots ? key :
                   FW_CFG_INVALID;
}

static uint64_t fw_cfg_data_read(void *opaque, hwaddr addr, unsigned size)
{
    FWCfgState *s = opaque;
    FWCfgEntry *e = fw_cfg_cur(s);
    uint64_t value = 0;

    for (unsigned i = 0; i < size; i++) {
        if (e && e->data && s->cur_offset < e->len) {
            value |= (uint64_t)e->data[s->cur_offset++] << (8 * i);
        }
    }
    return value;
}

static void fw_cfg_data_write(void *opaque, hwaddr addr, uint64_t value,
                              unsigned size)
{
    qemu_log_mask(LOG_GUEST_ERROR, "fw_cfg: write to the data register "
                  "ignored\n");
}

static uint64_t fw_cfg_ctl_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void fw_cfg_ctl_write(void *opaque, hwaddr addr, uint64_t value,
                             unsigned size)
{
    fw_cfg_select(opaque, GUINT16_SWAP_LE_BE(value));
}

/* Run the DMA request whose descriptor is at s->dma_addr. */
static void fw_cfg_dma_transfer(FWCfgState *s)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    uint8_t desc[16];
    uint32_t control, length;
    uint64_t address;
    FWCfgEntry *e;

    if (address_space_read(s->dma_as, s->dma_addr, attrs, desc, 16)) {
        return;
    }
    s->dma_busy = true;
    control = (uint32_t)desc[0] << 24 | desc[1] << 16 | desc[2] << 8 |
              desc[3];
    length = (uint32_t)desc[4] << 24 | desc[5] << 16 | desc[6] << 8 | desc[7];
    address = 0;
    for (int i = 8; i < 16; i++) {
        address = (address << 8) | desc[i];
    }

    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    e = fw_cfg_cur(s);
    control &= FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SKIP |
               FW_CFG_DMA_CTL_WRITE;
    if (control & FW_CFG_DMA_CTL_WRITE) {
        control = FW_CFG_DMA_CTL_ERROR;     /* nothing here is writable */
    } else if (control & (FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SKIP)) {
        bool read = control & FW_CFG_DMA_CTL_READ;

        control = 0;
        while (length) {
            static const uint8_t zeros[4096];
            uint32_t avail = (e && e->data && s->cur_offset < e->len) ?
                             e->len - s->cur_offset : 0;
            /* Past the item's end the guest reads zeros, a page at a time. */
            uint32_t n = avail ? MIN(avail, length) :
                         MIN(length, (uint32_t)sizeof(zeros));

            if (read) {
                const uint8_t *src = avail ? e->data + s->cur_offset : zeros;
                if (address_space_write(s->dma_as, address, attrs, src, n)) {
                    control = FW_CFG_DMA_CTL_ERROR;
                    break;
                }
            }
            if (avail) {
                s->cur_offset += n;
            }
            address += n;
            length -= n;
        }
    } else {
        control = 0;
    }
    /* Completion: control becomes 0, or has only the error bit. */
    {
        uint8_t be[4] = { control >> 24, control >> 16, control >> 8,
                          control };
        address_space_write(s->dma_as, s->dma_addr, attrs, be, 4);
    }
    s->dma_busy = false;
}

static uint64_t fw_cfg_dma_read(void *opaque, hwaddr addr, unsigned size)
{
    /* The signature, big-endian, so a probe can tell DMA is there. */
    uint64_t sig = GUINT64_SWAP_LE_BE(FW_CFG_DMA_SIGNATURE);

    return (sig >> (8 * (addr & 7))) & (size == 8 ? ~0ULL :
                                        (1ULL << (8 * size)) - 1);
}

static void fw_cfg_dma_write(void *opaque, hwaddr addr, uint64_t value,
                             unsigned size)
{
    FWCfgState *s = opaque;

    if (s->dma_busy) {
        /* The transfer itself writes here: ignore it, as QEMU blocks
         * re-entrant I/O. */
        qemu_log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA into its own "
                      "register ignored\n");
        return;
    }
    if (size == 4) {
        if (addr == 0) {
            s->dma_addr = (uint64_t)GUINT32_SWAP_LE_BE(value) << 32;   /* high half */
        } else if (addr == 4) {
            s->dma_addr |= GUINT32_SWAP_LE_BE(value);
            fw_cfg_dma_transfer(s);
        }
    } else if (size == 8 && addr == 0) {
        s->dma_addr = GUINT64_SWAP_LE_BE(value);
        fw_cfg_dma_transfer(s);
    }
}

static const MemoryRegionOps fw_cfg_ctl_ops = {
    .read = fw_cfg_ctl_read,
    .write = fw_cfg_ctl_write,
    .valid = { .min_access_size = 2, .max_access_size = 2 },
    .impl = { .min_access_size = 2, .max_access_size = 2 },
};

static const MemoryRegionOps fw_cfg_data_ops = {
    .read = fw_cfg_data_read,
    .write = fw_cfg_data_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, void *data, size_t len)
{
    assert(key < FW_CFG_FILE_FIRST + s->file_slots);
    g_free(s->entries[key].data);
    s->entries[key].data = g_memdup2(data, len);
    s->entries[key].len = len;
}

void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value)
{
    fw_cfg_add_bytes(s, key, (void *)value, strlen(value) + 1);
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

/*
 * Named files take the keys from FW_CFG_FILE_FIRST in name order (as
 * QEMU keeps them); the directory item is a big-endian count followed by
 * {size, select, reserved, name[56]} records.
 */
static void fw_cfg_rebuild_files(FWCfgState *s)
{
    uint32_t count = GUINT32_TO_BE(s->file_count);

    g_byte_array_set_size(s->file_dir, 0);
    g_byte_array_append(s->file_dir, (uint8_t *)&count, 4);
    for (uint32_t i = 0; i < s->file_count; i++) {
        FWCfgFile *f = &s->files[i];
        uint16_t key = FW_CFG_FILE_FIRST + i;
        uint8_t rec[64] = { 0 };

        s->entries[key].data = f->data;
        s->entries[key].len = f->len;
        rec[0] = f->len >> 24;
        rec[1] = f->len >> 16;
        rec[2] = f->len >> 8;
        rec[3] = f->len;
        rec[4] = key >> 8;
        rec[5] = key;
        g_strlcpy((char *)rec + 8, f->name, FW_CFG_MAX_FILE_PATH);
        g_byte_array_append(s->file_dir, rec, sizeof(rec));
    }
    s->entries[FW_CFG_FILE_DIR].data = s->file_dir->data;
    s->entries[FW_CFG_FILE_DIR].len = s->file_dir->len;
}

void fw_cfg_add_file(FWCfgState *s, const char *filename, void *data,
                     size_t len)
{
    uint32_t pos = 0;

    if (s->file_count >= s->file_slots) {
        error_report("fw_cfg: no free file slot for %s", filename);
        return;
    }
    while (pos < s->file_count && strcmp(s->files[pos].name, filename) < 0) {
        pos++;
    }
    memmove(&s->files[pos + 1], &s->files[pos],
            (s->file_count - pos) * sizeof(FWCfgFile));
    s->files[pos].name = g_strndup(filename, FW_CFG_MAX_FILE_PATH - 1);
    s->files[pos].data = len ? g_memdup2(data, len) : NULL;
    s->files[pos].len = len;
    s->file_count++;
    fw_cfg_rebuild_files(s);
}

void fw_cfg_modify_file(FWCfgState *s, const char *filename, void *data,
                        size_t len)
{
    for (uint32_t i = 0; i < s->file_count; i++) {
        if (!strcmp(s->files[i].name, filename)) {
            g_free(s->files[i].data);
            s->files[i].data = len ? g_memdup2(data, len) : NULL;
            s->files[i].len = len;
            fw_cfg_rebuild_files(s);
            return;
        }
    }
    fw_cfg_add_file(s, filename, data, len);
}

static void fw_cfg_mem_realize(DeviceState *dev, Error **errp)
{
    FWCfgState *s = FW_CFG(dev);
    uint32_t version = FW_CFG_VERSION;
    uint8_t uuid[16] = { 0 };
    int32_t no_reboot = -1;

    if (s->data_width < 1 || s->data_width > 8 ||
        (s->data_width & (s->data_width - 1))) {
        error_setg(errp, "data_width must be 1, 2, 4 or 8");
        return;
    }
    s->entries = g_new0(FWCfgEntry, FW_CFG_FILE_FIRST + s->file_slots);
    s->files = g_new0(FWCfgFile, s->file_slots);
    s->file_dir = g_byte_array_new();
    fw_cfg_rebuild_files(s);
    s->cur_entry = FW_CFG_INVALID;
    if (s->dma_enabled) {
        version |= FW_CFG_VERSION_DMA;
    }
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, version);
    fw_cfg_add_bytes(s, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, 0);
    fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_file(s, "etc/boot-fail-wait", &no_reboot, 4);
    /* Filled at reset, once every device has its bootindex. */
    fw_cfg_add_file(s, "bootorder", NULL, 0);
    fw_cfg_add_file(s, "bios-geometry", NULL, 0);

    memory_region_init_io(&s->ctl_iomem, OBJECT(s), &fw_cfg_ctl_ops, s,
                          "fwcfg.ctl", 2);
    sysbus_init_mmio(SYS_BUS_DEVICE(s), &s->ctl_iomem);
    memory_region_init_io(&s->data_iomem, OBJECT(s), &fw_cfg_data_ops, s,
                          "fwcfg.data", s->data_width);
    sysbus_init_mmio(SYS_BUS_DEVICE(s), &s->data_iomem);
    if (s->dma_enabled) {
        memory_region_init_io(&s->dma_iomem, OBJECT(s), &fw_cfg_dma_ops, s,
                              "fwcfg.dma", 8);
        sysbus_init_mmio(SYS_BUS_DEVICE(s), &s->dma_iomem);
    }
}

static void fw_cfg_reset(DeviceState *dev)
{
    FWCfgState *s = FW_CFG(dev);
    size_t len;
    g_autofree char *order = get_boot_devices_list(&len);

    s->cur_entry = FW_CFG_INVALID;
    s->cur_offset = 0;
    s->dma_addr = 0;
    fw_cfg_modify_file(s, "bootorder", order, len);
}

static const VMStateDescription vmstate_fw_cfg = {
    .name = "fw_cfg",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(cur_entry, FWCfgState),
        VMSTATE_UINT32(cur_offset, FWCfgState),
        VMSTATE_UINT64(dma_addr, FWCfgState),
        VMSTATE_END_OF_LIST()
    }
};

static Property fw_cfg_mem_properties[] = {
    DEFINE_PROP_UINT32("data_width", FWCfgState, data_width, 1),
    DEFINE_PROP_BOOL("dma_enabled", FWCfgState, dma_enabled, true),
    DEFINE_PROP_UINT16("x-file-slots", FWCfgState, file_slots,
                       FW_CFG_FILE_SLOTS_DFLT),
    DEFINE_PROP_END_OF_LIST(),
};

static void fw_cfg_mem_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = fw_cfg_mem_realize;
    dc->vmsd = &vmstate_fw_cfg;
    device_class_set_legacy_reset(dc, fw_cfg_reset);
    device_class_set_props(dc, fw_cfg_mem_properties);
}

static const TypeInfo fw_cfg_types[] = {
    {
        .name = TYPE_FW_CFG,
        .parent = TYPE_SYS_BUS_DEVICE,
        .abstract = true,
        .instance_size = sizeof(FWCfgState),
    },
    {
        .name = TYPE_FW_CFG_MEM,
        .parent = TYPE_FW_CFG,
        .instance_size = sizeof(FWCfgState),
        .class_init = fw_cfg_mem_class_init,
    },
};

DEFINE_TYPES(fw_cfg_types)

FWCfgState *fw_cfg_init_mem_wide(hwaddr ctl_addr, hwaddr data_addr,
                                 uint32_t data_width, hwaddr dma_addr,
                                 AddressSpace *dma_as)
{
    DeviceState *dev = qdev_new(TYPE_FW_CFG_MEM);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);
    FWCfgState *s = FW_CFG(dev);

    qdev_prop_set_uint32(dev, "data_width", data_width);
    qdev_prop_set_bit(dev, "dma_enabled", dma_addr && dma_as);
    s->dma_as = dma_as;
    sysbus_realize_and_unref(sbd, &error_fatal);
    sysbus_mmio_map(sbd, 0, ctl_addr);
    sysbus_mmio_map(sbd, 1, data_addr);
    if (s->dma_enabled) {
        sysbus_mmio_map(sbd, 2, dma_addr);
    }
    return s;
}
