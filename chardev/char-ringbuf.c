/*
 * The ringbuf (memory) chardev: output kept in a power-of-two ring that
 * ringbuf-read drains; ringbuf-write feeds the frontend.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "chardev/char.h"
#include "qapi/qapi-commands-char.h"

#define TYPE_CHARDEV_RINGBUF "chardev-ringbuf"

typedef struct RingBufChardev {
    Chardev parent;
    size_t size;
    size_t prod;
    size_t cons;
    uint8_t *cbuf;
} RingBufChardev;

DECLARE_INSTANCE_CHECKER(RingBufChardev, RINGBUF_CHARDEV,
                         TYPE_CHARDEV_RINGBUF)

static size_t ringbuf_count(const Chardev *chr)
{
    const RingBufChardev *d = RINGBUF_CHARDEV(chr);

    return d->prod - d->cons;
}

/* Called with chr_write_lock held. */
static int ringbuf_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    RingBufChardev *d = RINGBUF_CHARDEV(chr);

    for (int i = 0; i < len; i++) {
        d->cbuf[d->prod++ & (d->size - 1)] = buf[i];
        if (d->prod - d->cons > d->size) {
            d->cons = d->prod - d->size;     /* oldest bytes are lost */
        }
    }
    return len;
}

static size_t ringbuf_chr_read(Chardev *chr, uint8_t *buf, size_t len)
{
    RingBufChardev *d = RINGBUF_CHARDEV(chr);
    size_t i;

    g_mutex_lock(&chr->chr_write_lock);
    for (i = 0; i < len && d->cons != d->prod; i++) {
        buf[i] = d->cbuf[d->cons++ & (d->size - 1)];
    }
    g_mutex_unlock(&chr->chr_write_lock);
    return i;
}

static void ringbuf_chr_open(Chardev *chr, ChardevBackend *backend,
                             bool *be_opened, Error **errp)
{
    ChardevRingbuf *opts = backend->u.ringbuf.data;
    RingBufChardev *d = RINGBUF_CHARDEV(chr);

    d->size = opts->has_size ? opts->size : 65536;
    /* The size must be a power of 2. */
    if (d->size == 0 || (d->size & (d->size - 1))) {
        error_setg(errp, "size of ringbuf chardev must be power of two");
        return;
    }
    d->cbuf = g_malloc0(d->size);
}

static void ringbuf_chr_parse(QemuOpts *opts, ChardevBackend *backend,
                              Error **errp)
{
    int val;
    ChardevRingbuf *ringbuf = backend->u.ringbuf.data =
        g_new0(ChardevRingbuf, 1);

    qemu_chr_parse_common(opts, qapi_ChardevRingbuf_base(ringbuf));
    val = qemu_opt_get_size(opts, "size", 0);
    if (val != 0) {
        ringbuf->has_size = true;
        ringbuf->size = val;
    }
}

static void ringbuf_finalize(Object *obj)
{
    g_free(RINGBUF_CHARDEV(obj)->cbuf);
}

static RingBufChardev *find_ringbuf(const char *device, Error **errp)
{
    Chardev *chr = qemu_chr_find(device);

    if (!chr) {
        error_setg(errp, "Device '%s' not found", device);
        return NULL;
    }
    if (!object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_RINGBUF)) {
        error_setg(errp, "%s is not a ringbuf device", device);
        return NULL;
    }
    return RINGBUF_CHARDEV(chr);
}

void qmp_ringbuf_write(const char *device, const char *data,
                       bool has_format, enum DataFormat format,
                       Error **errp)
{
    RingBufChardev *d = find_ringbuf(device, errp);
    g_autofree guchar *decoded = NULL;
    const uint8_t *write_data;
    size_t write_count;

    if (!d) {
        return;
    }
    if (has_format && format == DATA_FORMAT_BASE64) {
        decoded = g_base64_decode(data, &write_count);
        write_data = decoded;
    } else {
        write_data = (const uint8_t *)data;
        write_count = strlen(data);
    }
    if (qemu_chr_write(CHARDEV(d), write_data, write_count, true) < 0) {
        error_setg(errp, "Failed to write to device %s", device);
    }
}

char *qmp_ringbuf_read(const char *device, int64_t size, bool has_format,
                       enum DataFormat format, Error **errp)
{
    RingBufChardev *d = find_ringbuf(device, errp);
    g_autofree uint8_t *read_data = NULL;
    size_t count;

    if (!d) {
        return NULL;
    }
    if (size <= 0) {
        error_setg(errp, "size must be greater than zero");
        return NULL;
    }
    count = ringbuf_count(CHARDEV(d));
    size = size > (int64_t)count ? (int64_t)count : size;
    read_data = g_malloc(size + 1);
    count = ringbuf_chr_read(CHARDEV(d), read_data, size);
    if (has_format && format == DATA_FORMAT_BASE64) {
        return g_base64_encode(read_data, count);
    }
    /* As QEMU: the bytes as a C string (a NUL ends it). */
    read_data[count] = 0;
    return g_strndup((char *)read_data, count);
}

static void char_ringbuf_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->parse = ringbuf_chr_parse;
    cc->open = ringbuf_chr_open;
    cc->chr_write = ringbuf_chr_write;
}

static const TypeInfo char_ringbuf_types[] = {
    {
        .name = TYPE_CHARDEV_RINGBUF,
        .parent = TYPE_CHARDEV,
        .class_init = char_ringbuf_class_init,
        .instance_size = sizeof(RingBufChardev),
        .instance_finalize = ringbuf_finalize,
    }, {
        /* The old name, kept as QEMU keeps it. */
        .name = CHARDEV_TYPE_NAME("memory"),
        .parent = TYPE_CHARDEV_RINGBUF,
    },
};

DEFINE_TYPES(char_ringbuf_types)
