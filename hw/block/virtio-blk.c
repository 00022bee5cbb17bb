/*
 * virtio-blk-device: a disk for the guest on a BlockBackend (drive=).
 * Requests (read, write, flush, get-id, discard, write-zeroes) go to the
 * worker pool and complete in the main loop.  Errors follow the drive's
 * werror/rerror policy; a request that stopped the VM is retried when it
 * runs again.  block_resize reaches the guest as a config change.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-block.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "system/bootdevice.h"

#define TYPE_VIRTIO_BLK "virtio-blk-device"
#define VIRTIO_ID_BLOCK 2

/* Feature bits (virtio 1.2, 5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_CONFIG_WCE   11
#define VIRTIO_BLK_F_MQ           12
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1
#define SECTOR_SIZE 512
#define MAX_REQUEST_SECTORS 0x3fffff

typedef struct __attribute__((packed)) VirtIOBlkConfig {
    uint64_t capacity;
    uint32_t size_max;
    uint32_t seg_max;
    uint16_t cylinders;
    uint8_t heads, sectors;
    uint32_t blk_size;
    uint8_t physical_block_exp, alignment_offset;
    uint16_t min_io_size;
    uint32_t opt_io_size;
    uint8_t writeback, unused0;
    uint16_t num_queues;
    uint32_t max_discard_sectors, max_discard_seg, discard_sector_alignment;
    uint32_t max_write_zeroes_sectors, max_write_zeroes_seg;
    uint8_t write_zeroes_may_unmap, unused1[3];
} VirtIOBlkConfig;

typedef struct __attribute__((packed)) VirtIOBlkOutHdr {
    uint32_t type;
    uint32_t ioprio;
    uint64_t sector;
} VirtIOBlkOutHdr;

typedef struct __attribute__((packed)) VirtIOBlkDiscardWriteZeroes {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
} VirtIOBlkDiscardWriteZeroes;

typedef struct VirtIOBlock VirtIOBlock;

typedef struct VirtIOBlockReq {
    VirtIOBlock *s;
    VirtQueue *vq;
    VirtQueueElement *elem;
    uint32_t type;
    int64_t offset;
    struct iovec *data;         /* the payload, without header and status */
    int ndata;
    size_t data_len;
    uint8_t *status;
    uint32_t in_written;        /* what the device wrote, for the used ring */
    bool flush_after;           /* write-through: flush before completing */
    uint32_t generation;
    BlockAcctCookie acct;
    QTAILQ_ENTRY(VirtIOBlockReq) next;
} VirtIOBlockReq;

struct VirtIOBlock {
    VirtIODevice parent_obj;
    DriveInfo *drive;
    BlockdevOnError on_read_error, on_write_error;
    char *serial;
    bool config_wce;
    bool discard, write_zeroes;
    uint16_t num_queues;
    uint16_t queue_size;
    uint32_t max_discard_sectors, max_write_zeroes_sectors;
    uint8_t wce;                /* guest-visible write cache enable */
    int32_t bootindex;
    uint32_t generation;        /* bumped on reset: stale completions drop */
    QTAILQ_HEAD(, VirtIOBlockReq) retry;    /* stopped on error */
    VMChangeStateEntry *vmstate_entry;
};

DECLARE_INSTANCE_CHECKER(VirtIOBlock, VIRTIO_BLK, TYPE_VIRTIO_BLK)

static void virtio_blk_submit(VirtIOBlockReq *req);

static void virtio_blk_complete(VirtIOBlockReq *req, uint8_t status)
{
    VirtIOBlock *s = req->s;

    if (req->generation == s->generation) {
        *req->status = status;
        virtqueue_push(req->vq, req->elem, req->in_written + 1);
        virtio_notify(VIRTIO_DEVICE(s), req->vq);
    }
    g_free(req->data);
    g_free(req->elem);
    g_free(req);
}

static void virtio_blk_rw_done(void *opaque, int ret)
{
    VirtIOBlockReq *req = opaque;
    VirtIOBlock *s = req->s;
    bool is_read = req->type == VIRTIO_BLK_T_IN;

    if (ret < 0 && req->generation == s->generation) {
        BlockErrorAction action = drive_get_error_action(s->drive, is_read,
                                                         -ret);

        /* As QEMU: only a reported error counts as failed; a stopped
         * request is accounted again when retried, an ignored one
         * completes as done (without the write-through flush). */
        switch (action) {
        case BLOCK_ERROR_ACTION_STOP:
            QTAILQ_INSERT_TAIL(&s->retry, req, next);
            break;
        case BLOCK_ERROR_ACTION_REPORT:
            block_acct_failed(&s->drive->stats, &req->acct);
            virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
            break;
        default:
            block_acct_done(&s->drive->stats, &req->acct);
            virtio_blk_complete(req, VIRTIO_BLK_S_OK);
            break;
        }
        drive_error_action(s->drive, action, is_read, -ret);
        return;
    }
    if (ret >= 0 && req->flush_after) {
        req->flush_after = false;
        blk_aio_flush(s->drive->blk, virtio_blk_rw_done, req);
        return;
    }
    if (ret >= 0) {
        block_acct_done(&s->drive->stats, &req->acct);
        if (req->type == VIRTIO_BLK_T_OUT) {
            block_acct_write_end(&s->drive->stats,
                                 req->offset + req->data_len);
        }
    }
    virtio_blk_complete(req, VIRTIO_BLK_S_OK);
}

/* The single segment of a discard or write-zeroes request. */
static void virtio_blk_submit_range(VirtIOBlockReq *req)
{
    VirtIOBlock *s = req->s;
    bool zeroes = req->type == VIRTIO_BLK_T_WRITE_ZEROES;
    VirtIOBlkDiscardWriteZeroes seg;
    uint32_t max = zeroes ? s->max_write_zeroes_sectors
                          : s->max_discard_sectors;
    uint64_t sector, nsec, capacity;
    uint32_t flags;

    if (req->data_len != sizeof(seg)) {
        /* Only one segment is advertised (max_*_seg = 1). */
        virtio_blk_complete(req, VIRTIO_BLK_S_UNSUPP);
        return;
    }
    bdrv_iov_to_buf(req->data, req->ndata, 0, &seg, sizeof(seg));
    sector = GUINT64_FROM_LE(seg.sector);
    nsec = GUINT32_FROM_LE(seg.num_sectors);
    flags = GUINT32_FROM_LE(seg.flags);
    capacity = blk_getlength(s->drive->blk) / SECTOR_SIZE;
    if ((flags & ~(uint32_t)VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
        (!zeroes && flags)) {
        virtio_blk_complete(req, VIRTIO_BLK_S_UNSUPP);
        return;
    }
    if (nsec > max || sector > capacity || nsec > capacity - sector) {
        block_acct_invalid(&s->drive->stats, zeroes ? BLOCK_ACCT_WRITE
                                                    : BLOCK_ACCT_UNMAP);
        virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
        return;
    }
    block_acct_start(&s->drive->stats, &req->acct, nsec * SECTOR_SIZE,
                     zeroes ? BLOCK_ACCT_WRITE : BLOCK_ACCT_UNMAP);
    if (zeroes) {
        blk_aio_pwrite_zeroes(s->drive->blk, sector * SECTOR_SIZE,
                              nsec * SECTOR_SIZE,
                              flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP ?
                              BDRV_REQ_MAY_UNMAP : 0,
                              virtio_blk_rw_done, req);
    } else {
        blk_aio_pdiscard(s->drive->blk, sector * SECTOR_SIZE, nsec * SECTOR_SIZE,
                         virtio_blk_rw_done, req);
    }
}

static void virtio_blk_submit(VirtIOBlockReq *req)
{
    VirtIOBlock *s = req->s;

    switch (req->type) {
    case VIRTIO_BLK_T_IN:
        req->in_written = req->data_len;
        block_acct_start(&s->drive->stats, &req->acct, req->data_len,
                         BLOCK_ACCT_READ);
        blk_aio_preadv(s->drive->blk, req->offset, req->data, req->ndata,
                       virtio_blk_rw_done, req);
        break;
    case VIRTIO_BLK_T_OUT:
        req->flush_after = !s->wce;
        block_acct_start(&s->drive->stats, &req->acct, req->data_len,
                         BLOCK_ACCT_WRITE);
        blk_aio_pwritev(s->drive->blk, req->offset, req->data, req->ndata,
                        0, virtio_blk_rw_done, req);
        break;
    case VIRTIO_BLK_T_FLUSH:
        block_acct_start(&s->drive->stats, &req->acct, 0, BLOCK_ACCT_FLUSH);
        blk_aio_flush(s->drive->blk, virtio_blk_rw_done, req);
        break;
    default:
        virtio_blk_submit_range(req);
        break;
    }
}

/* Split the element into header, payload and status byte. */
static VirtIOBlockReq *virtio_blk_parse(VirtIOBlock *s, VirtQueue *vq,
                                        VirtQueueElement *elem)
{
    VirtIOBlockReq *req;
    VirtIOBlkOutHdr hdr;
    struct iovec *last;

    if (elem->out_len < sizeof(hdr) || elem->in_len < 1) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-blk missing headers\n");
        vq->broken = true;
        return NULL;
    }
    req = g_new0(VirtIOBlockReq, 1);
    req->s = s;
    req->vq = vq;
    req->elem = elem;
    req->generation = s->generation;
    bdrv_iov_to_buf(elem->out_sg, elem->out_num, 0, &hdr, sizeof(hdr));
    req->type = GUINT32_FROM_LE(hdr.type);
    req->offset = GUINT64_FROM_LE(hdr.sector) * SECTOR_SIZE;
    last = &elem->in_sg[elem->in_num - 1];
    req->status = (uint8_t *)last->iov_base + last->iov_len - 1;
    if (req->type == VIRTIO_BLK_T_IN || req->type == VIRTIO_BLK_T_GET_ID) {
        req->data = g_memdup2(elem->in_sg, sizeof(*elem->in_sg) *
                              elem->in_num);
        req->ndata = elem->in_num;
        req->data[req->ndata - 1].iov_len--;    /* minus the status */
        req->data_len = elem->in_len - 1;
    } else {
        req->data_len = elem->out_len - sizeof(hdr);
        req->data = g_new(struct iovec, elem->out_num);
        req->ndata = bdrv_iov_slice(elem->out_sg, elem->out_num, sizeof(hdr),
                                    req->data_len, req->data, elem->out_num);
    }
    return req;
}

static bool virtio_blk_rw_valid(VirtIOBlock *s, VirtIOBlockReq *req)
{
    int64_t len = blk_getlength(s->drive->blk);

    return req->offset >= 0 && req->data_len % SECTOR_SIZE == 0 &&
           len >= 0 && req->offset <= len &&
           (int64_t)req->data_len <= len - req->offset;
}

static void virtio_blk_handle_request(VirtIOBlock *s, VirtIOBlockReq *req)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);

    switch (req->type & ~0x80000000u) {   /* ignore the legacy barrier bit */
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        if (!virtio_blk_rw_valid(s, req)) {
            block_acct_invalid(&s->drive->stats,
                               req->type == VIRTIO_BLK_T_IN ?
                               BLOCK_ACCT_READ : BLOCK_ACCT_WRITE);
            virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
            return;
        }
        if (req->type == VIRTIO_BLK_T_OUT && blk_is_read_only(s->drive->blk)) {
            virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
            return;
        }
        break;
    case VIRTIO_BLK_T_FLUSH:
        break;
    case VIRTIO_BLK_T_GET_ID: {
        char id[VIRTIO_BLK_ID_BYTES] = { 0 };

        if (s->serial) {
            memcpy(id, s->serial, MIN(strlen(s->serial), sizeof(id)));
        }
        req->in_written = bdrv_iov_from_buf(req->data, req->ndata, 0, id,
                                            MIN(sizeof(id), req->data_len));
        virtio_blk_complete(req, VIRTIO_BLK_S_OK);
        return;
    }
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        if (!virtio_has_feature(vdev->guest_features,
                                req->type == VIRTIO_BLK_T_DISCARD ?
                                VIRTIO_BLK_F_DISCARD :
                                VIRTIO_BLK_F_WRITE_ZEROES)) {
            virtio_blk_complete(req, VIRTIO_BLK_S_UNSUPP);
            return;
        }
        if (blk_is_read_only(s->drive->blk)) {
            virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
            return;
        }
        break;
    default:
        virtio_blk_complete(req, VIRTIO_BLK_S_UNSUPP);
        return;
    }
    virtio_blk_submit(req);
}

static void virtio_blk_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    VirtQueueElement *elem;

    /* While requests wait for the VM to run again, take no new ones. */
    if (!QTAILQ_EMPTY(&s->retry)) {
        return;
    }
    while ((elem = virtqueue_pop(vq))) {
        VirtIOBlockReq *req = virtio_blk_parse(s, vq, elem);

        if (!req) {
            g_free(elem);
            return;
        }
        virtio_blk_handle_request(s, req);
    }
}

static void virtio_blk_vm_state_change(void *opaque, bool running,
                                       RunState state)
{
    VirtIOBlock *s = opaque;
    GPtrArray *again;
    VirtIOBlockReq *req;

    if (!running || QTAILQ_EMPTY(&s->retry)) {
        return;
    }
    /* Take the list first: a request may fail and stop the VM again. */
    again = g_ptr_array_new();
    while ((req = QTAILQ_FIRST(&s->retry))) {
        QTAILQ_REMOVE(&s->retry, req, next);
        g_ptr_array_add(again, req);
    }
    drive_iostatus_reset(s->drive);
    for (guint i = 0; i < again->len; i++) {
        virtio_blk_submit(g_ptr_array_index(again, i));
    }
    g_ptr_array_free(again, TRUE);
    for (int i = 0; i < VIRTIO_DEVICE(s)->nvq; i++) {
        virtio_blk_handle_output(VIRTIO_DEVICE(s), &VIRTIO_DEVICE(s)->vq[i]);
    }
}

static void virtio_blk_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    int64_t len = blk_getlength(s->drive->blk);
    VirtIOBlkConfig c = {
        .capacity = GUINT64_TO_LE(len > 0 ? len / SECTOR_SIZE : 0),
        .seg_max = GUINT32_TO_LE(s->queue_size - 2),
        .blk_size = GUINT32_TO_LE(SECTOR_SIZE),
        .writeback = s->wce,
        .num_queues = GUINT16_TO_LE(s->num_queues),
        .max_discard_sectors = GUINT32_TO_LE(s->max_discard_sectors),
        .max_discard_seg = GUINT32_TO_LE(1),
        .discard_sector_alignment = GUINT32_TO_LE(1),
        .max_write_zeroes_sectors = GUINT32_TO_LE(s->max_write_zeroes_sectors),
        .max_write_zeroes_seg = GUINT32_TO_LE(1),
        .write_zeroes_may_unmap = 1,
    };

    memcpy(config, &c, sizeof(c));
}

static void virtio_blk_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    const VirtIOBlkConfig *c = (const VirtIOBlkConfig *)config;

    if (s->config_wce) {
        s->wce = !!c->writeback;
    }
}

static void virtio_blk_reset(VirtIODevice *vdev)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    VirtIOBlockReq *req;

    /* In-flight requests complete into nothing once the driver reset. */
    s->generation++;
    while ((req = QTAILQ_FIRST(&s->retry))) {
        QTAILQ_REMOVE(&s->retry, req, next);
        g_free(req->data);
        g_free(req->elem);
        g_free(req);
    }
    s->wce = s->drive ? s->drive->writeback : true;
}

static void virtio_blk_resize(void *opaque)
{
    virtio_notify_config(VIRTIO_DEVICE(opaque));
}

static const BlockDevOps virtio_blk_dev_ops = {
    .resize_cb = virtio_blk_resize,
};

static void virtio_blk_realize(DeviceState *dev, Error **errp)
{
    VirtIOBlock *s = VIRTIO_BLK(dev);
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);

    if (!s->drive) {
        error_setg(errp, "drive property not set");
        return;
    }
    if (!blk_bs(s->drive->blk)) {
        error_setg(errp, "Device needs media, but drive is empty");
        return;
    }
    if (s->serial && strlen(s->serial) > VIRTIO_BLK_ID_BYTES) {
        error_setg(errp, "serial property must be at most %d characters",
                   VIRTIO_BLK_ID_BYTES);
        return;
    }
    if (!s->num_queues || s->num_queues > VIRTIO_QUEUE_MAX) {
        error_setg(errp, "num-queues property must be larger than 0 and "
                   "smaller than %d", VIRTIO_QUEUE_MAX + 1);
        return;
    }
    if (s->queue_size <= 2 || s->queue_size > VIRTQUEUE_MAX_SIZE ||
        (s->queue_size & (s->queue_size - 1))) {
        error_setg(errp, "invalid queue-size property (%" PRIu16 "), must "
                   "be a power of 2 (> 2) and at most %d", s->queue_size,
                   VIRTQUEUE_MAX_SIZE);
        return;
    }
    if (!s->max_discard_sectors || s->max_discard_sectors > MAX_REQUEST_SECTORS ||
        !s->max_write_zeroes_sectors ||
        s->max_write_zeroes_sectors > MAX_REQUEST_SECTORS) {
        error_setg(errp, "max-discard-sectors and max-write-zeroes-sectors "
                   "must be in [1, %d]", MAX_REQUEST_SECTORS);
        return;
    }
    virtio_init(vdev, VIRTIO_ID_BLOCK, sizeof(VirtIOBlkConfig));
    vdev->host_features |= 1ULL << VIRTIO_BLK_F_SEG_MAX |
                           1ULL << VIRTIO_BLK_F_BLK_SIZE |
                           1ULL << VIRTIO_BLK_F_FLUSH;
    if (s->config_wce) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_CONFIG_WCE;
    }
    if (blk_is_read_only(s->drive->blk)) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_RO;
    }
    if (s->num_queues > 1) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_MQ;
    }
    if (s->discard) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_DISCARD;
    }
    if (s->write_zeroes) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
    }
    for (int i = 0; i < s->num_queues; i++) {
        virtio_add_queue(vdev, s->queue_size, virtio_blk_handle_output);
    }
    QTAILQ_INIT(&s->retry);
    /* Explicit werror/rerror override the drive's (-drive werror=). */
    if (s->on_read_error != BLOCKDEV_ON_ERROR_AUTO) {
        s->drive->on_read_error = s->on_read_error;
    }
    if (s->on_write_error != BLOCKDEV_ON_ERROR_AUTO) {
        s->drive->on_write_error = s->on_write_error;
    }
    s->drive->iostatus_enabled = true;      /* as QEMU's virtio-blk */
    drive_iostatus_reset(s->drive);
    s->wce = s->drive->writeback;
    drive_set_dev_ops(s->drive, &virtio_blk_dev_ops, s);
    s->vmstate_entry = qemu_add_vm_change_state_handler(
        virtio_blk_vm_state_change, s);
}

static void virtio_blk_unrealize(DeviceState *dev)
{
    VirtIOBlock *s = VIRTIO_BLK(dev);

    qemu_del_vm_change_state_handler(s->vmstate_entry);
    virtio_blk_reset(VIRTIO_DEVICE(dev));
    virtio_cleanup(VIRTIO_DEVICE(dev));
}

static const VMStateDescription vmstate_virtio_blk = {
    .name = "virtio-blk",
    .minimum_version_id = 2,
    .version_id = 2,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(parent_obj.status, VirtIOBlock),
        VMSTATE_UINT64(parent_obj.guest_features, VirtIOBlock),
        VMSTATE_UINT8(wce, VirtIOBlock),
        VMSTATE_END_OF_LIST()
    },
};

static Property virtio_blk_properties[] = {
    DEFINE_PROP_DRIVE("drive", VirtIOBlock, drive),
    DEFINE_PROP_BLOCKDEV_ON_ERROR("rerror", VirtIOBlock, on_read_error),
    DEFINE_PROP_BLOCKDEV_ON_ERROR("werror", VirtIOBlock, on_write_error),
    DEFINE_PROP_STRING("serial", VirtIOBlock, serial),
    DEFINE_PROP_BOOL("config-wce", VirtIOBlock, config_wce, true),
    DEFINE_PROP_UINT16("num-queues", VirtIOBlock, num_queues, 1),
    DEFINE_PROP_UINT16("queue-size", VirtIOBlock, queue_size, 256),
    DEFINE_PROP_BOOL("discard", VirtIOBlock, discard, true),
    DEFINE_PROP_BOOL("write-zeroes", VirtIOBlock, write_zeroes, true),
    DEFINE_PROP_UINT32("max-discard-sectors", VirtIOBlock,
                       max_discard_sectors, MAX_REQUEST_SECTORS),
    DEFINE_PROP_UINT32("max-write-zeroes-sectors", VirtIOBlock,
                       max_write_zeroes_sectors, MAX_REQUEST_SECTORS),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_blk_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_blk_properties);
    dc->vmsd = &vmstate_virtio_blk;
    dc->desc = "Virtio block device";
    dc->hotpluggable = false;
    vdc->realize = virtio_blk_realize;
    vdc->unrealize = virtio_blk_unrealize;
    vdc->get_config = virtio_blk_get_config;
    vdc->set_config = virtio_blk_set_config;
    vdc->reset = virtio_blk_reset;
}

static void virtio_blk_instance_init(Object *obj)
{
    VirtIOBlock *s = VIRTIO_BLK(obj);

    device_add_bootindex_property(obj, &s->bootindex, "bootindex",
                                  "/disk@0,0", DEVICE(obj));
}

static const TypeInfo virtio_blk_info = {
    .name = TYPE_VIRTIO_BLK,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOBlock),
    .instance_init = virtio_blk_instance_init,
    .class_init = virtio_blk_class_init,
};

static void virtio_blk_register_types(void)
{
    type_register_static(&virtio_blk_info);
}

type_init(virtio_blk_register_types)
