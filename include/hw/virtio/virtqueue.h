/*
 * Split virtqueues (virtio 1.x, section 2.7): taking available buffers,
 * returning used ones, and deciding when the driver must be notified.
 * This is the ring logic only; devices and transports build on it.
 *
 * Buffers are mapped straight into guest RAM (zero copy).  Everything the
 * driver writes into the rings is checked: a malformed chain (a loop, an
 * index out of range, a buffer outside RAM, a write-only descriptor before
 * a readable one) marks the queue broken instead of crashing or touching
 * memory it should not.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_VIRTIO_VIRTQUEUE_H
#define HW_VIRTIO_VIRTQUEUE_H

#include "vireo/osdep.h"
#include <sys/uio.h>
#include "exec/memory.h"

#define VIRTQUEUE_MAX_SIZE 1024

/* Descriptor flags */
#define VRING_DESC_F_NEXT     1
#define VRING_DESC_F_WRITE    2
#define VRING_DESC_F_INDIRECT 4
/* Ring flags */
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1

/* Feature bits the ring logic implements */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1          32

typedef struct VirtQueueElement {
    unsigned int index;          /* head descriptor, returned in used ring */
    unsigned int out_num;        /* device-readable buffers */
    unsigned int in_num;         /* device-writable buffers */
    size_t out_len, in_len;      /* their total sizes */
    struct iovec *out_sg;
    struct iovec *in_sg;
} VirtQueueElement;

typedef struct VirtQueue {
    AddressSpace *as;
    unsigned int num;            /* ring size (power of two), 0 = absent */
    bool ready;
    bool event_idx;              /* VIRTIO_RING_F_EVENT_IDX negotiated */
    bool indirect;               /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
    bool broken;                 /* the driver broke the rules: stop */
    hwaddr desc, avail, used;    /* guest physical addresses of the rings */
    /* Host views of the rings, resolved once when the queue becomes ready. */
    uint8_t *desc_host, *avail_host, *used_host;

    uint16_t last_avail_idx;     /* next available entry to take */
    uint16_t used_idx;           /* next used entry to fill */
    uint16_t signalled_used;     /* used_idx when the driver was last told */
    bool signalled_used_valid;
    unsigned int inuse;          /* popped but not yet pushed */
} VirtQueue;

void virtqueue_init(VirtQueue *vq, AddressSpace *as);
/*
 * Enable the queue with its rings at @desc, @avail and @used (the driver's
 * QueueReady).  The rings must lie in RAM; otherwise the queue is broken.
 */
void virtqueue_set_ready(VirtQueue *vq, hwaddr desc, hwaddr avail,
                         hwaddr used);
/* Forget all ring state (device reset). */
void virtqueue_reset(VirtQueue *vq);

/* Number of buffers the driver has made available and not yet taken. */
unsigned int virtqueue_avail_count(VirtQueue *vq);
bool virtqueue_empty(VirtQueue *vq);

/*
 * Take the next available chain, or NULL when none (or the queue is
 * broken).  The element is one allocation; free it with g_free() after
 * virtqueue_push().
 */
VirtQueueElement *virtqueue_pop(VirtQueue *vq);
/* Put an element back so the next pop returns it again. */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);

/*
 * Return @elem to the driver, @len bytes having been written into its
 * device-writable buffers.  virtqueue_fill + virtqueue_flush let a device
 * return several elements and publish them at once.
 */
void virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len);
void virtqueue_fill(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len, unsigned int idx);
void virtqueue_flush(VirtQueue *vq, unsigned int count);

/* Whether the driver wants an interrupt for what was pushed since last time. */
bool virtqueue_should_notify(VirtQueue *vq);

/* Ask the driver not to notify (true) or to notify again (false). */
void virtqueue_set_notification(VirtQueue *vq, bool enable);

#endif
