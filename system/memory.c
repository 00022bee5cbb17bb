/*
 * Memory API: the region tree, its flattening into per-address-space views,
 * and access dispatch with size adaptation.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/mman.h>
#include "vireo/error.h"
#include "vireo/log.h"
#include "trace/trace.h"
#include "exec/memory.h"

BUILD_BUG_ON(G_BYTE_ORDER != G_LITTLE_ENDIAN);

static GPtrArray *address_spaces;      /* of AddressSpace * */
static unsigned transaction_depth;
static bool transaction_pending;
static ram_addr_t ram_next_offset;
/* Serialises view swaps against readers taking a reference. */
static GMutex flatview_lock;

static MemoryRegion system_memory;
AddressSpace address_space_memory;

static void memory_region_update(void);

static void mr_init_common(MemoryRegion *mr, Object *owner, const char *name,
                           uint64_t size, MemoryRegionKind kind)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name ? name : "anonymous");
    mr->owner = owner;
    mr->size = size;
    mr->kind = kind;
    mr->enabled = true;
    mr->terminates = kind == MR_RAM || kind == MR_IO;
    mr->subregions = g_ptr_array_new();
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    mr_init_common(mr, owner, name, size, MR_CONTAINER);
}

void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    mr_init_common(mr, owner, name, size, MR_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

static RAMBlock *ram_block_new(const char *name, uint64_t size, void *host,
                               Error **errp)
{
    RAMBlock *block = g_new0(RAMBlock, 1);

    if (!host) {
        host = mmap(NULL, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (host == MAP_FAILED) {
            error_setg_errno(errp, errno,
                             "cannot set up guest memory '%s'", name);
            g_free(block);
            return NULL;
        }
        block->owns_host = true;
    }
    block->host = host;
    block->size = size;
    block->idstr = g_strdup(name);
    /* Keep RAM blocks page-aligned in ram_addr space for dirty tracking. */
    block->offset = ram_next_offset;
    ram_next_offset += ROUND_UP(size, (uint64_t)64 * 1024);
    return block;
}

bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp)
{
    RAMBlock *block = ram_block_new(name, size, NULL, errp);

    if (!block) {
        return false;
    }
    mr_init_common(mr, owner, name, size, MR_RAM);
    mr->ram_block = block;
    return true;
}

void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner,
                                const char *name, uint64_t size, void *ptr)
{
    mr_init_common(mr, owner, name, size, MR_RAM);
    mr->ram_block = ram_block_new(name, size, ptr, &error_abort);
}

bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp)
{
    if (!memory_region_init_ram(mr, owner, name, size, errp)) {
        return false;
    }
    mr->readonly = true;
    return true;
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size)
{
    mr_init_common(mr, owner, name, size, MR_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_finalize(MemoryRegion *mr)
{
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    while (mr->subregions->len) {
        memory_region_del_subregion(mr, g_ptr_array_index(mr->subregions, 0));
    }
    g_ptr_array_free(mr->subregions, true);
    if (mr->ram_block) {
        if (mr->ram_block->owns_host) {
            munmap(mr->ram_block->host, mr->ram_block->size);
        }
        g_free(mr->ram_block->idstr);
        g_free(mr->ram_block);
    }
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    uint64_t offset = 0;

    while (mr->kind == MR_ALIAS) {
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    assert(mr->ram_block);
    return mr->ram_block->host + offset;
}

ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr)
{
    return mr->ram_block ? mr->ram_block->offset : RAM_ADDR_INVALID;
}

/* Keep subregions sorted by descending priority; later additions of equal
 * priority win, as in QEMU, so they go before their peers. */
static void add_subregion_common(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *sub)
{
    guint i;

    assert(!sub->container);
    sub->container = mr;
    sub->addr = offset;
    for (i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *other = g_ptr_array_index(mr->subregions, i);
        if (sub->priority >= other->priority) {
            break;
        }
    }
    g_ptr_array_insert(mr->subregions, i, sub);
    memory_region_update();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    subregion->priority = 0;
    add_subregion_common(mr, offset, subregion);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion, int priority)
{
    subregion->priority = priority;
    add_subregion_common(mr, offset, subregion);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    assert(subregion->container == mr);
    g_ptr_array_remove(mr->subregions, subregion);
    subregion->container = NULL;
    memory_region_update();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_region_update();
    }
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    MemoryRegion *container = mr->container;

    if (!container) {
        mr->addr = addr;
        return;
    }
    memory_region_transaction_begin();
    g_ptr_array_remove(container->subregions, mr);
    mr->container = NULL;
    add_subregion_common(container, addr, mr);
    memory_region_transaction_commit();
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        memory_region_update();
    }
}

/* ---- Flattening ---- */

typedef struct ViewBuilder {
    GArray *ranges;              /* of FlatRange, sorted by start */
} ViewBuilder;

/*
 * Insert [start, start + size) of @mr into the view, filling only the holes:
 * regions are rendered from highest to lowest priority, so whatever is
 * already there wins.
 */
static void view_insert(ViewBuilder *vb, hwaddr start, uint64_t size,
                        MemoryRegion *mr, hwaddr offset, bool readonly)
{
    hwaddr end = start + size;
    guint i = 0;

    while (start < end) {
        FlatRange *fr = NULL;
        hwaddr hole_end = end;

        /* Skip ranges entirely below start. */
        while (i < vb->ranges->len) {
            fr = &g_array_index(vb->ranges, FlatRange, i);
            if (fr->start + fr->size > start) {
                break;
            }
            i++;
            fr = NULL;
        }
        if (fr && fr->start <= start) {
            /* start lies inside an existing range: jump over it. */
            hwaddr skip = fr->start + fr->size - start;
            if (skip >= end - start) {
                return;
            }
            offset += skip;
            start += skip;
            i++;
            continue;
        }
        if (fr && fr->start < hole_end) {
            hole_end = fr->start;
        }
        FlatRange nr = {
            .start = start,
            .size = hole_end - start,
            .mr = mr,
            .offset_in_region = offset,
            .readonly = readonly,
        };
        g_array_insert_val(vb->ranges, i, nr);
        i++;
        offset += nr.size;
        start = hole_end;
    }
}

static void render_region(ViewBuilder *vb, MemoryRegion *mr, hwaddr base,
                          hwaddr clip_start, hwaddr clip_end, bool readonly)
{
    hwaddr start, end, last;

    if (!mr->enabled || mr->size == 0) {
        return;
    }
    base += mr->addr;
    /* Inclusive bounds, so a region reaching the top of 2^64 still fits. */
    last = mr->size - 1 > UINT64_MAX - base ? UINT64_MAX : base + mr->size - 1;
    start = MAX(base, clip_start);
    end = MIN(last, clip_end);
    if (start > end) {
        return;
    }
    readonly |= mr->readonly;

    if (mr->kind == MR_ALIAS) {
        /* Render the target so that its offset alias_offset lands at base. */
        render_region(vb, mr->alias, base - mr->alias_offset - mr->alias->addr,
                      start, end, readonly);
        return;
    }
    for (guint i = 0; i < mr->subregions->len; i++) {
        render_region(vb, g_ptr_array_index(mr->subregions, i), base,
                      start, end, readonly);
    }
    if (mr->terminates) {
        view_insert(vb, start, end - start + 1, mr, start - base, readonly);
    }
}

static FlatView *generate_flatview(MemoryRegion *root)
{
    ViewBuilder vb = { .ranges = g_array_new(false, false, sizeof(FlatRange)) };
    FlatView *view = g_new0(FlatView, 1);
    guint out = 0;

    if (root) {
        render_region(&vb, root, -root->addr, 0, UINT64_MAX, false);
    }
    /* Merge neighbours that continue the same region. */
    for (guint i = 0; i < vb.ranges->len; i++) {
        FlatRange *fr = &g_array_index(vb.ranges, FlatRange, i);
        if (out > 0) {
            FlatRange *prev = &g_array_index(vb.ranges, FlatRange, out - 1);
            if (prev->mr == fr->mr && prev->readonly == fr->readonly &&
                prev->start + prev->size == fr->start &&
                prev->offset_in_region + prev->size == fr->offset_in_region) {
                prev->size += fr->size;
                continue;
            }
        }
        g_array_index(vb.ranges, FlatRange, out++) = *fr;
    }
    view->ref = 1;
    view->nr = out;
    view->ranges = (FlatRange *)g_array_free(vb.ranges, false);
    return view;
}

void flatview_unref(FlatView *view)
{
    if (view && g_atomic_int_dec_and_test(&view->ref)) {
        g_free(view->ranges);
        g_free(view);
    }
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    FlatView *view;

    g_mutex_lock(&flatview_lock);
    view = as->current_map;
    g_atomic_int_inc(&view->ref);
    g_mutex_unlock(&flatview_lock);
    return view;
}

uint64_t address_space_generation(AddressSpace *as)
{
    return __atomic_load_n(&as->generation, __ATOMIC_ACQUIRE);
}

bool address_space_ram_window(AddressSpace *as, hwaddr addr, hwaddr *start,
                              uint64_t *size, uint8_t **host, uint64_t *gen)
{
    FlatView *view;
    const FlatRange *fr;
    bool ok;

    g_mutex_lock(&flatview_lock);
    view = as->current_map;
    g_atomic_int_inc(&view->ref);
    *gen = as->generation;
    g_mutex_unlock(&flatview_lock);

    fr = flatview_lookup(view, addr);
    ok = fr && memory_region_is_ram(fr->mr) && !fr->readonly &&
         !fr->mr->readonly;
    if (ok) {
        *start = fr->start;
        *size = fr->size;
        *host = (uint8_t *)memory_region_get_ram_ptr(fr->mr) +
                fr->offset_in_region;
    }
    flatview_unref(view);
    return ok;
}

const FlatRange *flatview_lookup(const FlatView *view, hwaddr addr)
{
    unsigned lo = 0, hi = view->nr;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const FlatRange *fr = &view->ranges[mid];
        if (addr < fr->start) {
            hi = mid;
        } else if (addr - fr->start >= fr->size) {
            lo = mid + 1;
        } else {
            return fr;
        }
    }
    return NULL;
}

static bool flatrange_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->size == b->size && a->mr == b->mr &&
           a->offset_in_region == b->offset_in_region &&
           a->readonly == b->readonly;
}

static void address_space_update(AddressSpace *as)
{
    FlatView *old = as->current_map;
    FlatView *new = generate_flatview(as->root);

    for (guint l = 0; l < as->listeners->len; l++) {
        MemoryListener *ml = g_ptr_array_index(as->listeners, l);
        if (ml->begin) {
            ml->begin(ml);
        }
        /* Tell listeners what went away and what is new. */
        for (unsigned i = 0; old && i < old->nr; i++) {
            bool kept = false;
            for (unsigned j = 0; j < new->nr && !kept; j++) {
                kept = flatrange_equal(&old->ranges[i], &new->ranges[j]);
            }
            if (!kept && ml->region_del) {
                ml->region_del(ml, &old->ranges[i]);
            }
        }
        for (unsigned j = 0; j < new->nr; j++) {
            bool existed = false;
            for (unsigned i = 0; old && i < old->nr && !existed; i++) {
                existed = flatrange_equal(&old->ranges[i], &new->ranges[j]);
            }
            if (!existed && ml->region_add) {
                ml->region_add(ml, &new->ranges[j]);
            }
        }
        if (ml->commit) {
            ml->commit(ml);
        }
    }

    g_mutex_lock(&flatview_lock);
    as->current_map = new;
    __atomic_store_n(&as->generation, as->generation + 1, __ATOMIC_RELEASE);
    g_mutex_unlock(&flatview_lock);
    flatview_unref(old);
}

static void memory_region_update(void)
{
    if (transaction_depth) {
        transaction_pending = true;
        return;
    }
    for (guint i = 0; address_spaces && i < address_spaces->len; i++) {
        address_space_update(g_ptr_array_index(address_spaces, i));
    }
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    assert(transaction_depth);
    if (--transaction_depth == 0 && transaction_pending) {
        transaction_pending = false;
        memory_region_update();
    }
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->current_map = generate_flatview(root);
    as->generation = 1;         /* a zeroed cache never matches */
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    g_ptr_array_remove(address_spaces, as);
    g_ptr_array_free(as->listeners, true);
    flatview_unref(as->current_map);
    g_free(as->name);
    memset(as, 0, sizeof(*as));
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    FlatView *view = as->current_map;

    listener->as = as;
    g_ptr_array_add(as->listeners, listener);
    if (listener->begin) {
        listener->begin(listener);
    }
    for (unsigned i = 0; i < view->nr; i++) {
        if (listener->region_add) {
            listener->region_add(listener, &view->ranges[i]);
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
}

void memory_listener_unregister(MemoryListener *listener)
{
    if (listener->as) {
        g_ptr_array_remove(listener->as->listeners, listener);
        listener->as = NULL;
    }
}

MemoryRegion *get_system_memory(void)
{
    if (!system_memory.subregions) {
        memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
        address_space_init(&address_space_memory, &system_memory, "memory");
    }
    return &system_memory;
}

/* ---- Dispatch ---- */

static inline unsigned ops_min(unsigned v)
{
    return v ? v : 1;
}

static inline unsigned ops_max(unsigned v)
{
    return v ? v : 4;
}

static bool access_valid(MemoryRegion *mr, hwaddr addr, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;

    if (size < ops_min(ops->valid.min_access_size) ||
        size > ops_max(ops->valid.max_access_size)) {
        return false;
    }
    if (!ops->valid.unaligned && (addr & (size - 1))) {
        return false;
    }
    return true;
}

__thread int memory_trace_cpu_index = -1;

static MemTxResult io_read_one(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                               unsigned size, MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;

    if (mr->ops->read_with_attrs) {
        r = mr->ops->read_with_attrs(mr->opaque, addr, data, size, attrs);
    } else if (mr->ops->read) {
        *data = mr->ops->read(mr->opaque, addr, size);
    } else {
        *data = 0;        /* write-only register: reads as zero */
    }
    trace_memory_region_ops_read(memory_trace_cpu_index, mr, mr->addr + addr,
                                 *data, size, mr->name);
    return r;
}

static MemTxResult io_write_one(MemoryRegion *mr, hwaddr addr, uint64_t data,
                                unsigned size, MemTxAttrs attrs)
{
    trace_memory_region_ops_write(memory_trace_cpu_index, mr, mr->addr + addr,
                                  data, size, mr->name);
    if (mr->ops->write_with_attrs) {
        return mr->ops->write_with_attrs(mr->opaque, addr, data, size, attrs);
    }
    if (mr->ops->write) {
        mr->ops->write(mr->opaque, addr, data, size);
    }
    return MEMTX_OK;
}

/*
 * Split or widen an access so the callbacks only see the sizes they
 * implement.  Values are little-endian: byte i of the access is bits
 * 8*i..8*i+7 (no Vireo machine needs big-endian devices).
 */
static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *data, unsigned size,
                                        MemTxAttrs attrs)
{
    unsigned imin, imax;
    MemTxResult r = MEMTX_OK;
    uint64_t val = 0;

    if (mr->kind == MR_RAM) {
        memcpy(&val, mr->ram_block->host + addr, size);
        *data = val;
        return MEMTX_OK;
    }
    if (!access_valid(mr, addr, size)) {
        qemu_log_mask(LOG_GUEST_ERROR, "Invalid read at addr 0x%" PRIx64
                      ", size %u, region '%s', reason: invalid size\n",
                      addr, size, mr->name);
        *data = 0;
        return MEMTX_ACCESS_ERROR;
    }
    imin = ops_min(mr->ops->impl.min_access_size);
    imax = ops_max(mr->ops->impl.max_access_size);
    if (size < imin) {
        /* Widen: read the aligned unit holding the bytes and extract them. */
        hwaddr base = addr & ~(hwaddr)(imin - 1);
        r = io_read_one(mr, base, &val, imin, attrs);
        val >>= (addr - base) * 8;
    } else {
        unsigned step = MIN(size, imax);
        for (unsigned done = 0; done < size; done += step) {
            uint64_t part = 0;
            r |= io_read_one(mr, addr + done, &part, step, attrs);
            val |= (part & size_mask(step)) << (done * 8);
        }
    }
    *data = val & size_mask(size);
    return r;
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs)
{
    unsigned imin, imax;
    MemTxResult r = MEMTX_OK;

    if (mr->kind == MR_RAM) {
        if (!mr->readonly) {
            memcpy(mr->ram_block->host + addr, &data, size);
        }
        return MEMTX_OK;
    }
    if (!access_valid(mr, addr, size)) {
        qemu_log_mask(LOG_GUEST_ERROR, "Invalid write at addr 0x%" PRIx64
                      ", size %u, region '%s', reason: invalid size\n",
                      addr, size, mr->name);
        return MEMTX_ACCESS_ERROR;
    }
    imin = ops_min(mr->ops->impl.min_access_size);
    imax = ops_max(mr->ops->impl.max_access_size);
    data &= size_mask(size);
    if (size < imin) {
        /* The device only takes wider writes: the other bytes read as 0. */
        hwaddr base = addr & ~(hwaddr)(imin - 1);
        return io_write_one(mr, base, data << ((addr - base) * 8), imin,
                            attrs);
    }
    unsigned step = MIN(size, imax);
    for (unsigned done = 0; done < size; done += step) {
        r |= io_write_one(mr, addr + done, (data >> (done * 8)) &
                          size_mask(step), step, attrs);
    }
    return r;
}

MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs)
{
    FlatView *view = address_space_get_flatview(as);
    const FlatRange *fr = flatview_lookup(view, addr);
    MemoryRegion *mr = NULL;

    if (fr) {
        hwaddr left = fr->size - (addr - fr->start);
        mr = fr->mr;
        *xlat = fr->offset_in_region + (addr - fr->start);
        if (plen && *plen > left) {
            *plen = left;
        }
    }
    flatview_unref(view);
    return mr;
}

static RamWriteHook *ram_write_hook;

void memory_set_ram_write_hook(RamWriteHook *hook)
{
    ram_write_hook = hook;
}

void address_space_notify_written(AddressSpace *as, hwaddr addr, hwaddr len)
{
    /* Only the system address space is what the vCPUs fetch code from. */
    if (ram_write_hook && as == &address_space_memory && len) {
        ram_write_hook(addr, len);
    }
}

static MemTxResult flatview_rw(FlatView *view, hwaddr addr, MemTxAttrs attrs,
                               uint8_t *buf, hwaddr len, bool is_write,
                               bool write_rom, bool notify)
{
    MemTxResult result = MEMTX_OK;

    while (len > 0) {
        const FlatRange *fr = flatview_lookup(view, addr);
        hwaddr in_range, xlat, chunk;

        if (!fr) {
            qemu_log_mask(LOG_GUEST_ERROR, "Invalid %s at addr 0x%" PRIx64
                          ", size %" PRIu64 ", region '(null)', reason: "
                          "rejected\n", is_write ? "write" : "read",
                          addr, len);
            if (!is_write) {
                memset(buf, 0, 1);
            }
            result |= MEMTX_DECODE_ERROR;
            addr++, buf++, len--;
            continue;
        }
        in_range = fr->size - (addr - fr->start);
        xlat = fr->offset_in_region + (addr - fr->start);
        chunk = MIN(len, in_range);

        if (fr->mr->kind == MR_RAM) {
            uint8_t *host = fr->mr->ram_block->host + xlat;
            if (!is_write) {
                memcpy(buf, host, chunk);
            } else if (!fr->readonly || write_rom) {
                memcpy(host, buf, chunk);
                if (notify && ram_write_hook) {
                    ram_write_hook(addr, chunk);
                }
            }
        } else {
            /* MMIO: the largest naturally aligned power of two that fits. */
            hwaddr done = 0;
            while (done < chunk) {
                unsigned size = 8;
                while (size > chunk - done || ((addr + done) & (size - 1))) {
                    size >>= 1;
                }
                size = MIN(size, ops_max(fr->mr->ops->valid.max_access_size));
                if (is_write) {
                    uint64_t v = 0;
                    memcpy(&v, buf + done, size);
                    result |= memory_region_dispatch_write(fr->mr, xlat + done,
                                                           v, size, attrs);
                } else {
                    uint64_t v;
                    result |= memory_region_dispatch_read(fr->mr, xlat + done,
                                                          &v, size, attrs);
                    memcpy(buf + done, &v, size);
                }
                done += size;
            }
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return result;
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    FlatView *view = address_space_get_flatview(as);
    MemTxResult r = flatview_rw(view, addr, attrs, buf, len, is_write, false,
                                as == &address_space_memory);

    flatview_unref(view);
    return r;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len)
{
    return address_space_rw(as, addr, attrs, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len)
{
    return address_space_rw(as, addr, attrs, (void *)buf, len, true);
}

MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len)
{
    FlatView *view = address_space_get_flatview(as);
    MemTxResult r = flatview_rw(view, addr, attrs, (uint8_t *)buf, len, true,
                                true, as == &address_space_memory);

    flatview_unref(view);
    return r;
}

uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    uint32_t v = 0;
    MemTxResult r = address_space_read(as, addr, attrs, &v, 4);

    if (result) {
        *result = r;
    }
    return GUINT32_FROM_LE(v);
}

uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    uint64_t v = 0;
    MemTxResult r = address_space_read(as, addr, attrs, &v, 8);

    if (result) {
        *result = r;
    }
    return GUINT64_FROM_LE(v);
}

void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    uint32_t v = GUINT32_TO_LE(val);
    MemTxResult r = address_space_write(as, addr, attrs, &v, 4);

    if (result) {
        *result = r;
    }
}

void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    uint64_t v = GUINT64_TO_LE(val);
    MemTxResult r = address_space_write(as, addr, attrs, &v, 8);

    if (result) {
        *result = r;
    }
}

void *address_space_map_ram(AddressSpace *as, hwaddr addr, hwaddr *plen,
                            bool is_write)
{
    FlatView *view = address_space_get_flatview(as);
    const FlatRange *fr = flatview_lookup(view, addr);
    void *ptr = NULL;

    if (fr && fr->mr->kind == MR_RAM && !(is_write && fr->readonly)) {
        hwaddr left = fr->size - (addr - fr->start);
        ptr = fr->mr->ram_block->host + fr->offset_in_region +
              (addr - fr->start);
        *plen = MIN(*plen, left);
    }
    flatview_unref(view);
    return ptr;
}

/* ---- info mtree ---- */

static const char *mr_type_name(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_RAM:
        return mr->readonly ? "rom" : "ram";
    case MR_IO:
        return "i/o";
    default:
        return "i/o";      /* containers and aliases print as QEMU does */
    }
}

static void mtree_print_mr(GString *out, const MemoryRegion *mr,
                           unsigned level, hwaddr base)
{
    hwaddr start = base + mr->addr;
    hwaddr end = mr->size ? start + mr->size - 1 : start;

    g_string_append_printf(out, "%*s%016" PRIx64 "-%016" PRIx64
                           " (prio %d, %s%s): ", level * 2, "",
                           start, mr->size == UINT64_MAX ? UINT64_MAX : end,
                           mr->priority, mr_type_name(mr),
                           mr->enabled ? "" : ", disabled");
    if (mr->kind == MR_ALIAS) {
        g_string_append_printf(out, "alias %s @%s %016" PRIx64 "-%016" PRIx64
                               "\n", mr->name, mr->alias->name,
                               mr->alias_offset,
                               mr->alias_offset + mr->size - 1);
        return;
    }
    g_string_append_printf(out, "%s\n", mr->name);
    for (guint i = 0; i < mr->subregions->len; i++) {
        mtree_print_mr(out, g_ptr_array_index(mr->subregions, i), level + 1,
                       start);
    }
}

void mtree_info(GString *out, bool flatview)
{
    for (guint i = 0; address_spaces && i < address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(address_spaces, i);

        if (flatview) {
            FlatView *view = address_space_get_flatview(as);
            g_string_append_printf(out, "FlatView #%u\n AS \"%s\", root: %s\n"
                                   " Root memory region: %s\n", i, as->name,
                                   as->root->name, as->root->name);
            for (unsigned j = 0; j < view->nr; j++) {
                const FlatRange *fr = &view->ranges[j];
                g_string_append_printf(out, "  %016" PRIx64 "-%016" PRIx64
                                       " (prio 0, %s): %s", fr->start,
                                       fr->start + fr->size - 1,
                                       fr->readonly && fr->mr->kind == MR_RAM
                                       ? "rom" : mr_type_name(fr->mr),
                                       fr->mr->name);
                if (fr->offset_in_region) {
                    g_string_append_printf(out, " @%016" PRIx64,
                                           fr->offset_in_region);
                }
                g_string_append_c(out, '\n');
            }
            g_string_append_c(out, '\n');
            flatview_unref(view);
            continue;
        }
        g_string_append_printf(out, "address-space: %s\n", as->name);
        mtree_print_mr(out, as->root, 1, -as->root->addr);
        g_string_append_c(out, '\n');
    }
}
