/*
 * virtio-balloon-device: the guest gives pages back on request (QMP
 * balloon), the host drops them (madvise), and the guest reports its
 * memory statistics through the stats queue, polled every
 * guest-stats-polling-interval seconds and read with qom-get guest-stats.
 * One balloon per machine, as QEMU's QMP commands assume.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/mman.h>
#include "vireo/error.h"
#include "vireo/log.h"
#include "vireo/timer.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"
#include "qapi/visitor.h"
#include "qapi/qapi-commands-machine.h"
#include "qapi/qapi-events-machine.h"

#define TYPE_VIRTIO_BALLOON "virtio-balloon-device"
#define VIRTIO_ID_BALLOON 5

#define VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define VIRTIO_BALLOON_F_STATS_VQ       1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2

#define BALLOON_PAGE_SHIFT 12
#define BALLOON_PAGE_SIZE (1 << BALLOON_PAGE_SHIFT)

/* Statistics tags (virtio 1.2, 5.5.6.3) and QEMU's names for them. */
static const char *const stat_names[] = {
    "stat-swap-in", "stat-swap-out", "stat-major-faults",
    "stat-minor-faults", "stat-free-memory", "stat-total-memory",
    "stat-available-memory", "stat-disk-caches", "stat-htlb-pgalloc",
    "stat-htlb-pgfail",
};
#define BALLOON_NR_STATS G_N_ELEMENTS(stat_names)

typedef struct __attribute__((packed)) BalloonConfig {
    uint32_t num_pages;
    uint32_t actual;
} BalloonConfig;

typedef struct __attribute__((packed)) BalloonStat {
    uint16_t tag;
    uint64_t val;
} BalloonStat;

typedef struct VirtIOBalloon {
    VirtIODevice parent_obj;
    VirtQueue *ivq, *dvq, *svq;
    uint32_t num_pages;         /* target, in 4 KiB pages */
    uint32_t actual;            /* what the guest reports it gave */
    bool deflate_on_oom;
    VirtQueueElement *stats_elem;   /* held until the next poll */
    uint64_t stats[BALLOON_NR_STATS];
    int64_t stats_last_update;
    int64_t stats_poll_interval;
    QEMUTimer *stats_timer;
} VirtIOBalloon;

DECLARE_INSTANCE_CHECKER(VirtIOBalloon, VIRTIO_BALLOON, TYPE_VIRTIO_BALLOON)

static VirtIOBalloon *the_balloon;

static uint64_t balloon_ram_size(void)
{
    return current_machine ? current_machine->ram_size : 0;
}

/* Inflated pages: the host frees their memory; they read as zero after. */
static void balloon_discard_page(uint64_t pfn)
{
    hwaddr addr = pfn << BALLOON_PAGE_SHIFT, len = BALLOON_PAGE_SIZE;
    void *host = address_space_map_ram(&address_space_memory, addr, &len,
                                       true);

    if (!host || len < BALLOON_PAGE_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-balloon: pfn 0x%" PRIx64
                      " is not RAM\n", pfn);
        return;
    }
    madvise(host, BALLOON_PAGE_SIZE, MADV_DONTNEED);
    address_space_notify_written(&address_space_memory, addr,
                                 BALLOON_PAGE_SIZE);
}

static void balloon_handle_pages(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        for (unsigned i = 0; i < elem->out_num; i++) {
            const uint32_t *pfns = elem->out_sg[i].iov_base;
            size_t n = elem->out_sg[i].iov_len / sizeof(uint32_t);

            for (size_t j = 0; j < n && vq == s->ivq; j++) {
                balloon_discard_page(GUINT32_FROM_LE(pfns[j]));
            }
            /* Deflated pages need nothing: they fault back in on use. */
        }
        virtqueue_push(vq, elem, 0);
        g_free(elem);
    }
    virtio_notify(vdev, vq);
}

static void balloon_stats_request(VirtIOBalloon *s)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);

    if (!s->stats_elem) {
        return;
    }
    /* Giving the buffer back asks the guest for fresh statistics. */
    virtqueue_push(s->svq, s->stats_elem, 0);
    virtio_notify(vdev, s->svq);
    g_free(s->stats_elem);
    s->stats_elem = NULL;
}

static void balloon_handle_stats(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(vdev);
    VirtQueueElement *elem = virtqueue_pop(vq);
    size_t offset = 0;

    if (!elem) {
        return;
    }
    if (s->stats_elem) {
        /* The guest must not queue two: keep the newest. */
        virtqueue_push(vq, s->stats_elem, 0);
        g_free(s->stats_elem);
    }
    s->stats_elem = elem;
    for (;;) {
        BalloonStat st;
        size_t got = 0;
        size_t skip = offset;

        for (unsigned i = 0; i < elem->out_num && got < sizeof(st); i++) {
            size_t len = elem->out_sg[i].iov_len;

            if (skip >= len) {
                skip -= len;
                continue;
            }
            size_t n = MIN(len - skip, sizeof(st) - got);

            memcpy((uint8_t *)&st + got,
                   (uint8_t *)elem->out_sg[i].iov_base + skip, n);
            got += n;
            skip = 0;
        }
        if (got < sizeof(st)) {
            break;
        }
        offset += sizeof(st);
        if (GUINT16_FROM_LE(st.tag) < BALLOON_NR_STATS) {
            s->stats[GUINT16_FROM_LE(st.tag)] = GUINT64_FROM_LE(st.val);
        }
    }
    s->stats_last_update = g_get_real_time() / G_USEC_PER_SEC;
}

static void balloon_stats_poll(void *opaque)
{
    VirtIOBalloon *s = opaque;

    balloon_stats_request(s);
    if (s->stats_poll_interval > 0) {
        timer_mod(s->stats_timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
                  s->stats_poll_interval * 1000);
    }
}

static void balloon_get_poll_interval(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    visit_type_int64(v, name, &VIRTIO_BALLOON(obj)->stats_poll_interval,
                     errp);
}

static void balloon_set_poll_interval(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(obj);
    int64_t value;

    if (!visit_type_int64(v, name, &value, errp)) {
        return;
    }
    if (value < 0 || value > UINT32_MAX) {
        error_setg(errp, "timer value must be in range [0, %u]", UINT32_MAX);
        return;
    }
    s->stats_poll_interval = value;
    if (!s->stats_timer) {
        return;             /* armed at realize */
    }
    if (value == 0) {
        timer_del(s->stats_timer);
    } else {
        timer_mod(s->stats_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + value * 1000);
    }
}

static void balloon_get_stats(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(obj);
    bool ok = false;

    if (!visit_start_struct(v, name, NULL, 0, errp)) {
        return;
    }
    if (!visit_type_int64(v, "last-update", &s->stats_last_update, errp) ||
        !visit_start_struct(v, "stats", NULL, 0, errp)) {
        goto out;
    }
    for (size_t i = 0; i < BALLOON_NR_STATS; i++) {
        uint64_t value = s->stats[i];

        if (!visit_type_uint64(v, stat_names[i], &value, errp)) {
            goto out_stats;
        }
    }
    ok = visit_check_struct(v, errp);
out_stats:
    visit_end_struct(v, NULL);
out:
    if (ok) {
        ok = visit_check_struct(v, errp);
    }
    visit_end_struct(v, NULL);
}

static void balloon_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(vdev);
    BalloonConfig c = {
        .num_pages = GUINT32_TO_LE(s->num_pages),
        .actual = GUINT32_TO_LE(s->actual),
    };

    memcpy(config, &c, sizeof(c));
}

static void balloon_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(vdev);
    const BalloonConfig *c = (const BalloonConfig *)config;
    uint32_t actual = GUINT32_FROM_LE(c->actual);

    if (actual != s->actual) {
        s->actual = actual;
        qapi_event_send_balloon_change(balloon_ram_size() -
            ((uint64_t)actual << BALLOON_PAGE_SHIFT));
    }
}

void qmp_balloon(int64_t target, Error **errp)
{
    VirtIOBalloon *s = the_balloon;
    uint64_t ram = balloon_ram_size();

    if (!s) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_ACTIVE,
                  "No balloon device has been activated");
        return;
    }
    if (target <= 0) {
        error_setg(errp, "Parameter 'target' expects a size");
        return;
    }
    if ((uint64_t)target > ram) {
        target = ram;
    }
    s->num_pages = (ram - target) >> BALLOON_PAGE_SHIFT;
    virtio_notify_config(VIRTIO_DEVICE(s));
}

BalloonInfo *qmp_query_balloon(Error **errp)
{
    BalloonInfo *info;

    if (!the_balloon) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_ACTIVE,
                  "No balloon device has been activated");
        return NULL;
    }
    info = g_new0(BalloonInfo, 1);
    info->actual = balloon_ram_size() -
                   ((uint64_t)the_balloon->actual << BALLOON_PAGE_SHIFT);
    return info;
}

static void balloon_realize(DeviceState *dev, Error **errp)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(dev);
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);

    if (the_balloon) {
        error_setg(errp, "Only one balloon device is supported");
        return;
    }
    virtio_init(vdev, VIRTIO_ID_BALLOON, sizeof(BalloonConfig));
    vdev->host_features |= 1ULL << VIRTIO_BALLOON_F_STATS_VQ;
    if (s->deflate_on_oom) {
        vdev->host_features |= 1ULL << VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
    }
    s->ivq = virtio_add_queue(vdev, 128, balloon_handle_pages);
    s->dvq = virtio_add_queue(vdev, 128, balloon_handle_pages);
    s->svq = virtio_add_queue(vdev, 128, balloon_handle_stats);
    s->stats_timer = timer_new_ms(QEMU_CLOCK_REALTIME, balloon_stats_poll,
                                  s);
    if (s->stats_poll_interval > 0) {
        timer_mod(s->stats_timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
                  s->stats_poll_interval * 1000);
    }
    the_balloon = s;
}

static void balloon_reset(VirtIODevice *vdev)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(vdev);

    g_free(s->stats_elem);
    s->stats_elem = NULL;
    s->actual = 0;
}

static void balloon_unrealize(DeviceState *dev)
{
    VirtIOBalloon *s = VIRTIO_BALLOON(dev);

    balloon_reset(VIRTIO_DEVICE(dev));
    timer_free(s->stats_timer);
    s->stats_timer = NULL;
    if (the_balloon == s) {
        the_balloon = NULL;
    }
    virtio_cleanup(VIRTIO_DEVICE(dev));
}

static void balloon_instance_init(Object *obj)
{
    object_property_add(obj, "guest-stats", "guest statistics",
                        balloon_get_stats, NULL, NULL, NULL);
    object_property_add(obj, "guest-stats-polling-interval", "int",
                        balloon_get_poll_interval, balloon_set_poll_interval,
                        NULL, NULL);
    for (size_t i = 0; i < BALLOON_NR_STATS; i++) {
        VIRTIO_BALLOON(obj)->stats[i] = UINT64_MAX;     /* not reported */
    }
}

static const VMStateDescription vmstate_virtio_balloon = {
    .name = "virtio-balloon",
    .minimum_version_id = 1,
    .version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(parent_obj.status, VirtIOBalloon),
        VMSTATE_UINT64(parent_obj.guest_features, VirtIOBalloon),
        VMSTATE_UINT32(num_pages, VirtIOBalloon),
        VMSTATE_UINT32(actual, VirtIOBalloon),
        VMSTATE_END_OF_LIST()
    },
};

static Property balloon_properties[] = {
    DEFINE_PROP_BOOL("deflate-on-oom", VirtIOBalloon, deflate_on_oom, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void balloon_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, balloon_properties);
    dc->vmsd = &vmstate_virtio_balloon;
    dc->desc = "VirtIO balloon";
    dc->hotpluggable = false;
    vdc->realize = balloon_realize;
    vdc->unrealize = balloon_unrealize;
    vdc->reset = balloon_reset;
    vdc->get_config = balloon_get_config;
    vdc->set_config = balloon_set_config;
}

static const TypeInfo balloon_info = {
    .name = TYPE_VIRTIO_BALLOON,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOBalloon),
    .instance_init = balloon_instance_init,
    .class_init = balloon_class_init,
};

static void balloon_register(void)
{
    type_register_static(&balloon_info);
}

type_init(balloon_register)
