/*
 * Unit tests for the memory API: flattening, priorities, aliases, size
 * adaptation of MMIO accesses, listeners.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "exec/memory.h"

/* A register file that records the last access it saw. */
typedef struct TestDev {
    uint8_t regs[16];
    unsigned last_size;
    hwaddr last_addr;
    unsigned accesses;
} TestDev;

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    uint64_t v = 0;

    d->last_size = size;
    d->last_addr = addr;
    d->accesses++;
    memcpy(&v, d->regs + addr, size);
    return v;
}

static void testdev_write(void *opaque, hwaddr addr, uint64_t data,
                          unsigned size)
{
    TestDev *d = opaque;

    d->last_size = size;
    d->last_addr = addr;
    d->accesses++;
    memcpy(d->regs + addr, &data, size);
}

static const MemoryRegionOps testdev_ops_4 = {
    .read = testdev_read,
    .write = testdev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const MemoryRegionOps testdev_ops_strict = {
    .read = testdev_read,
    .write = testdev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void test_ram_and_holes(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t back[8];

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_ram(&ram, NULL, "ram", 0x1000, &error_abort);
    memory_region_add_subregion(&root, 0x10000, &ram);
    address_space_init(&as, &root, "test");

    g_assert_cmpint(address_space_write(&as, 0x10ff8, MEMTXATTRS_UNSPECIFIED,
                                        buf, 8), ==, MEMTX_OK);
    g_assert_cmpint(address_space_read(&as, 0x10ff8, MEMTXATTRS_UNSPECIFIED,
                                       back, 8), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 8, back, 8);
    /* Reading across the end of RAM hits a hole. */
    g_assert_cmpint(address_space_read(&as, 0x10ffc, MEMTXATTRS_UNSPECIFIED,
                                       back, 8), &, MEMTX_DECODE_ERROR);
    g_assert_cmpint(address_space_ldl_le(&as, 0x10ffc, MEMTXATTRS_UNSPECIFIED,
                                         NULL), ==, 0x08070605);

    address_space_destroy(&as);
    memory_region_finalize(&ram);
    memory_region_finalize(&root);
}

static void test_priority_and_alias(void)
{
    MemoryRegion root, low, high, alias;
    AddressSpace as;
    FlatView *view;
    const FlatRange *fr;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_ram(&low, NULL, "low", 0x4000, &error_abort);
    memory_region_init_ram(&high, NULL, "high", 0x1000, &error_abort);
    address_space_init(&as, &root, "test");

    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0, &low);
    memory_region_add_subregion_overlap(&root, 0x1000, &high, 1);
    memory_region_transaction_commit();

    view = address_space_get_flatview(&as);
    g_assert_cmpuint(view->nr, ==, 3);
    fr = flatview_lookup(view, 0x1800);
    g_assert(fr && fr->mr == &high);
    g_assert_cmphex(fr->offset_in_region + (0x1800 - fr->start), ==, 0x800);
    fr = flatview_lookup(view, 0x2800);
    g_assert(fr && fr->mr == &low);
    g_assert_cmphex(fr->offset_in_region + (0x2800 - fr->start), ==, 0x2800);
    g_assert_null(flatview_lookup(view, 0x4000));
    flatview_unref(view);

    /* An alias of low's second page, mapped at 0x8000. */
    memory_region_init_alias(&alias, NULL, "alias", &low, 0x1000, 0x1000);
    memory_region_add_subregion(&root, 0x8000, &alias);
    ((uint8_t *)memory_region_get_ram_ptr(&low))[0x1010] = 0x5a;
    g_assert_cmpuint(address_space_ldl_le(&as, 0x8010, MEMTXATTRS_UNSPECIFIED,
                                          NULL) & 0xff, ==, 0x5a);

    /* Disabling the high region uncovers low again. */
    memory_region_set_enabled(&high, false);
    view = address_space_get_flatview(&as);
    fr = flatview_lookup(view, 0x1800);
    g_assert(fr && fr->mr == &low);
    flatview_unref(view);

    address_space_destroy(&as);
    memory_region_finalize(&alias);
    memory_region_finalize(&high);
    memory_region_finalize(&low);
    memory_region_finalize(&root);
}

static void test_mmio_size_adaptation(void)
{
    MemoryRegion root, io;
    AddressSpace as;
    TestDev dev = { 0 };
    uint64_t v;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_io(&io, NULL, &testdev_ops_4, &dev, "dev", 16);
    memory_region_add_subregion(&root, 0x100, &io);
    address_space_init(&as, &root, "test");

    /* An 8-byte write is split into two 4-byte callbacks. */
    address_space_stq_le(&as, 0x100, 0x1122334455667788ULL,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    g_assert_cmpuint(dev.accesses, ==, 2);
    g_assert_cmpuint(dev.last_size, ==, 4);
    g_assert_cmphex(dev.last_addr, ==, 4);
    /* A 1-byte read is widened to the aligned 4-byte register. */
    dev.accesses = 0;
    g_assert_cmpint(memory_region_dispatch_read(&io, 6, &v, 1,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_OK);
    g_assert_cmpuint(dev.accesses, ==, 1);
    g_assert_cmphex(dev.last_addr, ==, 4);
    g_assert_cmphex(v, ==, 0x22);
    g_assert_cmphex(address_space_ldq_le(&as, 0x100, MEMTXATTRS_UNSPECIFIED,
                                         NULL), ==, 0x1122334455667788ULL);

    address_space_destroy(&as);
    memory_region_finalize(&io);
    memory_region_finalize(&root);
}

static void test_mmio_invalid_access(void)
{
    MemoryRegion io;
    TestDev dev = { 0 };
    uint64_t v = 1;

    memory_region_init_io(&io, NULL, &testdev_ops_strict, &dev, "strict", 16);
    g_assert_cmpint(memory_region_dispatch_read(&io, 0, &v, 2,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_ACCESS_ERROR);
    g_assert_cmpuint(v, ==, 0);
    g_assert_cmpint(memory_region_dispatch_write(&io, 2, 0, 4,
                                                 MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_ACCESS_ERROR);
    g_assert_cmpuint(dev.accesses, ==, 0);
    memory_region_finalize(&io);
}

static void test_rom_write_protect(void)
{
    MemoryRegion root, rom;
    AddressSpace as;
    uint32_t v = 0xdeadbeef;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_rom(&rom, NULL, "rom", 0x1000, &error_abort);
    memory_region_add_subregion(&root, 0x1000, &rom);
    address_space_init(&as, &root, "test");

    address_space_write(&as, 0x1000, MEMTXATTRS_UNSPECIFIED, &v, 4);
    g_assert_cmphex(address_space_ldl_le(&as, 0x1000, MEMTXATTRS_UNSPECIFIED,
                                         NULL), ==, 0);
    address_space_write_rom(&as, 0x1000, MEMTXATTRS_UNSPECIFIED, &v, 4);
    g_assert_cmphex(address_space_ldl_le(&as, 0x1000, MEMTXATTRS_UNSPECIFIED,
                                         NULL), ==, 0xdeadbeef);

    address_space_destroy(&as);
    memory_region_finalize(&rom);
    memory_region_finalize(&root);
}

typedef struct CountingListener {
    MemoryListener listener;
    int added, removed, commits;
} CountingListener;

static void count_add(MemoryListener *l, const FlatRange *fr)
{
    container_of(l, CountingListener, listener)->added++;
}

static void count_del(MemoryListener *l, const FlatRange *fr)
{
    container_of(l, CountingListener, listener)->removed++;
}

static void count_commit(MemoryListener *l)
{
    container_of(l, CountingListener, listener)->commits++;
}

static void test_listener(void)
{
    MemoryRegion root, a, b;
    AddressSpace as;
    CountingListener cl = {
        .listener = { .region_add = count_add, .region_del = count_del,
                      .commit = count_commit },
    };

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_ram(&a, NULL, "a", 0x1000, &error_abort);
    memory_region_init_ram(&b, NULL, "b", 0x1000, &error_abort);
    address_space_init(&as, &root, "test");
    memory_region_add_subregion(&root, 0, &a);

    memory_listener_register(&cl.listener, &as);
    g_assert_cmpint(cl.added, ==, 1);
    memory_region_add_subregion(&root, 0x1000, &b);
    g_assert_cmpint(cl.added, ==, 2);
    g_assert_cmpint(cl.removed, ==, 0);
    memory_region_del_subregion(&root, &a);
    g_assert_cmpint(cl.removed, ==, 1);
    g_assert_cmpint(cl.commits, ==, 3);
    memory_listener_unregister(&cl.listener);

    address_space_destroy(&as);
    memory_region_finalize(&b);
    memory_region_finalize(&a);
    memory_region_finalize(&root);
}

static void test_mtree(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    g_autoptr(GString) out = g_string_new("");

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_ram(&ram, NULL, "dram", 0x1000, &error_abort);
    memory_region_add_subregion(&root, 0x80000000, &ram);
    address_space_init(&as, &root, "mtree-test");
    mtree_info(out, false);
    g_assert_nonnull(strstr(out->str, "address-space: mtree-test\n"));
    g_assert_nonnull(strstr(out->str, "0000000080000000-0000000080000fff "
                                      "(prio 0, ram): dram\n"));
    address_space_destroy(&as);
    memory_region_finalize(&ram);
    memory_region_finalize(&root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/ram-and-holes", test_ram_and_holes);
    g_test_add_func("/memory/priority-and-alias", test_priority_and_alias);
    g_test_add_func("/memory/mmio-size-adaptation", test_mmio_size_adaptation);
    g_test_add_func("/memory/mmio-invalid-access", test_mmio_invalid_access);
    g_test_add_func("/memory/rom-write-protect", test_rom_write_protect);
    g_test_add_func("/memory/listener", test_listener);
    g_test_add_func("/memory/mtree", test_mtree);
    return g_test_run();
}
