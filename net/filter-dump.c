/*
 * filter-dump: -object filter-dump,id=f,netdev=n0,file=x.pcap[,maxlen=N]
 * writes every frame a netdev sends or receives to a pcap file (the
 * classic format with microsecond stamps and Ethernet link type, which
 * tcpdump and tshark read).  Frames longer than maxlen are cut there.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <fcntl.h>
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "qom/object_interfaces.h"
#include "net/net.h"

#define TYPE_FILTER_DUMP "filter-dump"
OBJECT_DECLARE_SIMPLE_TYPE(NetFilterDump, FILTER_DUMP)

#define PCAP_MAGIC 0xa1b2c3d4
#define PCAP_LINKTYPE_ETHERNET 1

struct NetFilterDump {
    Object parent_obj;
    char *netdev_id;
    char *filename;
    uint32_t maxlen;
    NetClientState *nc;         /* NULL once the netdev is gone */
    int fd;
};

typedef struct PcapFileHeader {
    uint32_t magic;
    uint16_t version_major, version_minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
} PcapFileHeader;

typedef struct PcapRecordHeader {
    uint32_t ts_sec, ts_usec, incl_len, orig_len;
} PcapRecordHeader;

static bool write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

void netfilter_dump_frame(NetClientState *nc, const uint8_t *buf,
                          size_t size)
{
    for (GSList *l = nc->dump_filters; l; l = l->next) {
        NetFilterDump *f = l->data;
        int64_t now = g_get_real_time();
        uint32_t caplen = MIN(size, f->maxlen);
        PcapRecordHeader h = {
            .ts_sec = now / G_USEC_PER_SEC,
            .ts_usec = now % G_USEC_PER_SEC,
            .incl_len = caplen,
            .orig_len = size,
        };

        if (f->fd < 0) {
            continue;
        }
        /* A full disk stops the capture, not the network. */
        if (!write_all(f->fd, &h, sizeof(h)) ||
            !write_all(f->fd, buf, caplen)) {
            error_report("filter-dump: write error on '%s': %s, capture "
                         "stopped", f->filename, strerror(errno));
            close(f->fd);
            f->fd = -1;
        }
    }
}

void netfilter_dump_detach_all(NetClientState *nc)
{
    for (GSList *l = nc->dump_filters; l; l = l->next) {
        ((NetFilterDump *)l->data)->nc = NULL;
    }
    g_slist_free(nc->dump_filters);
    nc->dump_filters = NULL;
}

static void filter_dump_complete(UserCreatable *uc, Error **errp)
{
    NetFilterDump *f = FILTER_DUMP(uc);
    PcapFileHeader h = {
        .magic = PCAP_MAGIC,
        .version_major = 2,
        .version_minor = 4,
        .snaplen = f->maxlen,
        .linktype = PCAP_LINKTYPE_ETHERNET,
    };
    NetClientState *nc;

    if (!f->netdev_id) {
        error_setg(errp, "Parameter 'netdev' is missing");
        return;
    }
    nc = qemu_find_netdev(f->netdev_id);
    if (!nc) {
        error_setg(errp, "Parameter 'netdev' expects a network backend id");
        return;
    }
    if (!f->filename) {
        error_setg(errp, "Parameter 'file' is missing");
        return;
    }
    if (f->maxlen == 0) {
        error_setg(errp, "Property 'filter-dump.maxlen' doesn't take value "
                   "'0'");
        return;
    }
    f->fd = open(f->filename, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC,
                 0644);
    if (f->fd < 0) {
        error_setg_errno(errp, errno, "filter-dump: can't open file '%s'",
                         f->filename);
        return;
    }
    if (!write_all(f->fd, &h, sizeof(h))) {
        error_setg_errno(errp, errno, "filter-dump: can't write to '%s'",
                         f->filename);
        close(f->fd);
        f->fd = -1;
        return;
    }
    f->nc = nc;
    nc->dump_filters = g_slist_append(nc->dump_filters, f);
}

static char *filter_dump_get_netdev(Object *obj, Error **errp)
{
    return g_strdup(FILTER_DUMP(obj)->netdev_id);
}

static void filter_dump_set_netdev(Object *obj, const char *v, Error **errp)
{
    NetFilterDump *f = FILTER_DUMP(obj);

    g_free(f->netdev_id);
    f->netdev_id = g_strdup(v);
}

static char *filter_dump_get_file(Object *obj, Error **errp)
{
    return g_strdup(FILTER_DUMP(obj)->filename);
}

static void filter_dump_set_file(Object *obj, const char *v, Error **errp)
{
    NetFilterDump *f = FILTER_DUMP(obj);

    g_free(f->filename);
    f->filename = g_strdup(v);
}

static void filter_dump_init(Object *obj)
{
    NetFilterDump *f = FILTER_DUMP(obj);

    f->fd = -1;
    f->maxlen = 65536;
    object_property_add_uint32_ptr(obj, "maxlen", &f->maxlen,
                                   OBJ_PROP_FLAG_READWRITE);
}

static void filter_dump_finalize(Object *obj)
{
    NetFilterDump *f = FILTER_DUMP(obj);

    if (f->nc) {
        f->nc->dump_filters = g_slist_remove(f->nc->dump_filters, f);
    }
    if (f->fd >= 0) {
        close(f->fd);
    }
    g_free(f->netdev_id);
    g_free(f->filename);
}

static void filter_dump_class_init(ObjectClass *oc, void *data)
{
    USER_CREATABLE_CLASS(oc)->complete = filter_dump_complete;
    object_class_property_add_str(oc, "netdev", filter_dump_get_netdev,
                                  filter_dump_set_netdev);
    object_class_property_add_str(oc, "file", filter_dump_get_file,
                                  filter_dump_set_file);
}

static const TypeInfo filter_dump_info = {
    .name = TYPE_FILTER_DUMP,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(NetFilterDump),
    .instance_init = filter_dump_init,
    .instance_finalize = filter_dump_finalize,
    .class_init = filter_dump_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void filter_dump_register(void)
{
    type_register_static(&filter_dump_info);
}

type_init(filter_dump_register)
