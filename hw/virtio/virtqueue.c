/*
 * Split virtqueue ring processing (virtio 1.x, section 2.7).
 *
 * Ring layouts (all little-endian):
 *   descriptor: addr u64, len u32, flags u16, next u16  (16 bytes)
 *   available:  flags u16, idx u16, ring[num] u16, used_event u16
 *   used:       flags u16, idx u16, ring[num] {id u32, len u32}, avail_event u16
 *
 * The vCPU running the driver and the device may be on different threads,
 * so ring indices are read and written with acquire/release ordering.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "hw/virtio/virtqueue.h"

typedef struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VRingDesc;

BUILD_BUG_ON(sizeof(VRingDesc) != 16);

void virtqueue_init(VirtQueue *vq, AddressSpace *as)
{
    memset(vq, 0, sizeof(*vq));
    vq->as = as;
}

void virtqueue_reset(VirtQueue *vq)
{
    AddressSpace *as = vq->as;

    virtqueue_init(vq, as);
}

static uint8_t *map_ring(VirtQueue *vq, hwaddr addr, hwaddr size)
{
    hwaddr len = size;
    uint8_t *p = address_space_map_ram(vq->as, addr, &len, true);

    return p && len == size ? p : NULL;
}

void virtqueue_set_ready(VirtQueue *vq, hwaddr desc, hwaddr avail,
                         hwaddr used)
{
    unsigned int n = vq->num;

    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;
    vq->desc_host = map_ring(vq, desc, (hwaddr)n * 16);
    vq->avail_host = map_ring(vq, avail, 6 + (hwaddr)n * 2);
    vq->used_host = map_ring(vq, used, 6 + (hwaddr)n * 8);
    /* Alignment per the spec: 16, 2 and 4 bytes. */
    vq->broken = !n || !vq->desc_host || !vq->avail_host || !vq->used_host ||
                 (desc & 15) || (avail & 1) || (used & 3);
    vq->ready = true;
}

static inline uint16_t avail_idx(VirtQueue *vq)
{
    uint16_t v = __atomic_load_n((uint16_t *)(vq->avail_host + 2),
                                 __ATOMIC_ACQUIRE);
    return GUINT16_FROM_LE(v);
}

static inline uint16_t avail_flags(VirtQueue *vq)
{
    return GUINT16_FROM_LE(__atomic_load_n((uint16_t *)vq->avail_host,
                                           __ATOMIC_ACQUIRE));
}

static inline uint16_t avail_ring(VirtQueue *vq, unsigned int i)
{
    return GUINT16_FROM_LE(*(uint16_t *)(vq->avail_host + 4 + 2 * i));
}

static inline uint16_t used_event(VirtQueue *vq)
{
    return GUINT16_FROM_LE(__atomic_load_n(
        (uint16_t *)(vq->avail_host + 4 + 2 * vq->num), __ATOMIC_ACQUIRE));
}

static bool usable(VirtQueue *vq)
{
    return vq->ready && !vq->broken && vq->num;
}

unsigned int virtqueue_avail_count(VirtQueue *vq)
{
    uint16_t n;

    if (!usable(vq)) {
        return 0;
    }
    n = avail_idx(vq) - vq->last_avail_idx;
    if (n > vq->num) {
        vq->broken = true;       /* the driver claims more than the ring holds */
        return 0;
    }
    return n;
}

bool virtqueue_empty(VirtQueue *vq)
{
    return virtqueue_avail_count(vq) == 0;
}

static void read_desc(const uint8_t *table, unsigned int i, VRingDesc *d)
{
    memcpy(d, table + 16 * (size_t)i, sizeof(*d));
    d->addr = GUINT64_FROM_LE(d->addr);
    d->len = GUINT32_FROM_LE(d->len);
    d->flags = GUINT16_FROM_LE(d->flags);
    d->next = GUINT16_FROM_LE(d->next);
}

typedef struct SgBuilder {
    struct iovec iov[VIRTQUEUE_MAX_SIZE];
    bool is_write[VIRTQUEUE_MAX_SIZE];
    unsigned int n, in_num;
} SgBuilder;

/* Map one descriptor's buffer, possibly as several host pieces. */
static bool add_buffer(VirtQueue *vq, SgBuilder *sg, const VRingDesc *d)
{
    bool write = d->flags & VRING_DESC_F_WRITE;
    hwaddr addr = d->addr, left = d->len;

    if (!write && sg->in_num) {
        return false;            /* readable after writable: not allowed */
    }
    while (left) {
        hwaddr len = left;
        void *p = address_space_map_ram(vq->as, addr, &len, write);
        if (!p || sg->n == VIRTQUEUE_MAX_SIZE) {
            return false;        /* not RAM, or too many pieces */
        }
        if (write) {
            /*
             * The device will write here: translated code made from this
             * RAM goes now (the buffer belongs to the device until it is
             * used, so the guest cannot run it in between).
             */
            address_space_notify_written(vq->as, addr, len);
        }
        sg->iov[sg->n].iov_base = p;
        sg->iov[sg->n].iov_len = len;
        sg->is_write[sg->n] = write;
        sg->n++;
        sg->in_num += write;
        addr += len;
        left -= len;
    }
    return true;
}

/* Walk a chain in @table of @size entries starting at @i. */
static bool walk_chain(VirtQueue *vq, SgBuilder *sg, const uint8_t *table,
                       unsigned int size, unsigned int i, bool indirect_ok)
{
    unsigned int steps = 0;

    for (;;) {
        VRingDesc d;

        if (i >= size || ++steps > size) {
            return false;        /* out of range, or a loop */
        }
        read_desc(table, i, &d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            hwaddr len = d.len;
            const uint8_t *ind;
            if (!indirect_ok || !vq->indirect || (d.flags & VRING_DESC_F_NEXT) ||
                d.len == 0 || d.len % 16 || d.len / 16 > VIRTQUEUE_MAX_SIZE) {
                return false;
            }
            ind = address_space_map_ram(vq->as, d.addr, &len, false);
            if (!ind || len != d.len) {
                return false;
            }
            /* An indirect table holds the whole chain; no nesting. */
            return walk_chain(vq, sg, ind, d.len / 16, 0, false);
        }
        if (!add_buffer(vq, sg, &d)) {
            return false;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        i = d.next;
    }
}

VirtQueueElement *virtqueue_pop(VirtQueue *vq)
{
    /* Scratch space per thread: pops on one thread never nest. */
    static __thread SgBuilder *sg;
    VirtQueueElement *elem;
    unsigned int head, out = 0, in = 0;

    if (virtqueue_avail_count(vq) == 0) {
        return NULL;
    }
    head = avail_ring(vq, vq->last_avail_idx % vq->num);
    if (!sg) {
        sg = g_new(SgBuilder, 1);
    }
    sg->n = sg->in_num = 0;
    if (!walk_chain(vq, sg, vq->desc_host, vq->num, head, true)) {
        vq->broken = true;
        return NULL;
    }
    vq->last_avail_idx++;
    vq->inuse++;
    if (vq->event_idx) {
        /* Tell the driver how far we have read (avail_event). */
        uint16_t ev = GUINT16_TO_LE(vq->last_avail_idx);
        __atomic_store_n((uint16_t *)(vq->used_host + 4 + 8 * vq->num), ev,
                         __ATOMIC_RELEASE);
    }

    elem = g_malloc0(sizeof(*elem) + sizeof(struct iovec) * sg->n);
    elem->index = head;
    elem->out_num = sg->n - sg->in_num;
    elem->in_num = sg->in_num;
    elem->out_sg = (struct iovec *)(elem + 1);
    elem->in_sg = elem->out_sg + elem->out_num;
    for (unsigned int i = 0; i < sg->n; i++) {
        if (sg->is_write[i]) {
            elem->in_sg[in++] = sg->iov[i];
            elem->in_len += sg->iov[i].iov_len;
        } else {
            elem->out_sg[out++] = sg->iov[i];
            elem->out_len += sg->iov[i].iov_len;
        }
    }
    return elem;
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem)
{
    vq->last_avail_idx--;
    vq->inuse--;
}

void virtqueue_fill(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len, unsigned int idx)
{
    uint8_t *slot;
    uint32_t id = GUINT32_TO_LE(elem->index), l;

    if (!usable(vq)) {
        return;
    }
    /* Never claim more was written than the driver offered. */
    l = GUINT32_TO_LE(MIN((size_t)len, elem->in_len));
    slot = vq->used_host + 4 + 8 * ((vq->used_idx + idx) % vq->num);
    memcpy(slot, &id, 4);
    memcpy(slot + 4, &l, 4);
}

void virtqueue_flush(VirtQueue *vq, unsigned int count)
{
    uint16_t old = vq->used_idx, new = old + count;

    if (!usable(vq)) {
        return;
    }
    /* Entries become visible before the index that publishes them. */
    __atomic_store_n((uint16_t *)(vq->used_host + 2), GUINT16_TO_LE(new),
                     __ATOMIC_RELEASE);
    vq->used_idx = new;
    vq->inuse -= MIN(vq->inuse, count);
    /* If the driver's event index passed while we were not looking, the
     * next should_notify must not trust the old signalled position. */
    if ((uint16_t)(new - vq->signalled_used) < (uint16_t)(new - old)) {
        vq->signalled_used_valid = false;
    }
}

void virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len)
{
    virtqueue_fill(vq, elem, len, 0);
    virtqueue_flush(vq, 1);
}

/* virtio spec 2.7.10: notify when new_idx passed event_idx since old_idx. */
static inline bool need_event(uint16_t event_idx, uint16_t new_idx,
                              uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

bool virtqueue_should_notify(VirtQueue *vq)
{
    uint16_t old, new;
    bool valid;

    if (!vq->ready || !vq->num) {
        return false;
    }
    if (vq->broken) {
        return true;             /* let the driver see the device state */
    }
    /* Order our used-index store before reading the driver's wishes. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!vq->event_idx) {
        return !(avail_flags(vq) & VRING_AVAIL_F_NO_INTERRUPT);
    }
    old = vq->signalled_used;
    new = vq->signalled_used = vq->used_idx;
    valid = vq->signalled_used_valid;
    vq->signalled_used_valid = true;
    return !valid || need_event(used_event(vq), new, old);
}

void virtqueue_set_notification(VirtQueue *vq, bool enable)
{
    if (!usable(vq)) {
        return;
    }
    if (vq->event_idx) {
        if (enable) {
            __atomic_store_n((uint16_t *)(vq->used_host + 4 + 8 * vq->num),
                             GUINT16_TO_LE(avail_idx(vq)), __ATOMIC_RELEASE);
        }
    } else {
        uint16_t flags = enable ? 0 : VRING_USED_F_NO_NOTIFY;
        __atomic_store_n((uint16_t *)vq->used_host, GUINT16_TO_LE(flags),
                         __ATOMIC_RELEASE);
    }
    /* The driver must see this before we look at the ring again. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
