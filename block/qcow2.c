/*
 * qcow2 driver: header parsing and validation (every offset and size is
 * checked against the file before it is trusted or allocated), header
 * updates with preserved unknown extensions, the L1 table, open/close,
 * resize, image creation, amend and the info the tools print.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/cutils.h"
#include "qobject/qbool.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qcow2.h"

#define DEFAULT_CLUSTER_SIZE 65536
#define L2_CACHE_MAX_BYTES   (32 << 20)
#define V3_HEADER_LENGTH     112

bool qcow2_table_valid(BDRVQcow2State *s, uint64_t offset, uint64_t bytes)
{
    return qcow2_aligned(s, offset) && offset <= s->file_length &&
           bytes <= s->file_length - offset;
}

bool qcow2_in_file(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t len;

    if (offset <= s->file_length && bytes <= s->file_length - offset) {
        return true;
    }
    len = bdrv_getlength(bs->file->bs);
    if (len > 0 && (uint64_t)len > s->file_length) {
        s->file_length = len;
    }
    return offset <= s->file_length && bytes <= s->file_length - offset;
}

int qcow2_signal_corruption(BlockDriverState *bs, const char *fmt, ...)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (bs->corrupt || s->repair_mode) {
        return -EIO;
    }
    if (bs->read_only) {
        error_report("qcow2: Image is corrupt: %s; further non-fatal "
                     "corruption events will be suppressed", msg);
        bs->corrupt = true;
        return -EIO;
    }
    error_report("qcow2: Marking image as corrupt: %s; further corruption "
                 "events will be suppressed", msg);
    bs->corrupt = true;
    if (s->version >= 3) {
        uint8_t be[8];

        s->incompat |= QCOW2_INCOMPAT_CORRUPT;
        stq_be_p(be, s->incompat);
        bdrv_pwrite(bs->file->bs, 72, 8, be);
        bdrv_flush(bs->file->bs);
    }
    return -EIO;
}

static const struct {
    uint8_t type, bit;
    const char *name;
} feature_names[] = {
    { 0, 0, "dirty bit" },
    { 0, 1, "corrupt bit" },
    { 0, 2, "external data file" },
    { 0, 3, "compression type" },
    { 0, 4, "extended L2 entries" },
    { 1, 0, "lazy refcounts" },
    { 2, 0, "bitmaps" },
    { 2, 1, "raw external data" },
};

/* Serialise the header cluster: fields, extensions, backing file name. */
int qcow2_update_header(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    g_autofree uint8_t *buf = g_malloc0(cs);
    uint32_t hlen = s->version >= 3 ? V3_HEADER_LENGTH : 72;
    size_t pos = hlen, blen = strlen(bs->backing_file);

#define ADD_EXT(type_, data_, len_) do { \
        if (pos + 8 + ROUND_UP((len_), 8) > cs) { \
            return -ENOSPC; \
        } \
        stl_be_p(buf + pos, (type_)); \
        stl_be_p(buf + pos + 4, (len_)); \
        memcpy(buf + pos + 8, (data_), (len_)); \
        pos += 8 + ROUND_UP((len_), 8); \
    } while (0)

    stl_be_p(buf, QCOW_MAGIC);
    stl_be_p(buf + 4, s->version);
    stl_be_p(buf + 20, s->cluster_bits);
    stq_be_p(buf + 24, s->size);
    stl_be_p(buf + 32, 0);
    stl_be_p(buf + 36, s->l1_size);
    stq_be_p(buf + 40, s->l1_table_offset);
    stq_be_p(buf + 48, s->refcount_table_offset);
    stl_be_p(buf + 56, DIV_ROUND_UP((uint64_t)s->refcount_table_size * 8,
                                    cs));
    stl_be_p(buf + 60, s->nb_snapshots);
    stq_be_p(buf + 64, s->snapshots_offset);
    if (s->version >= 3) {
        stq_be_p(buf + 72, s->incompat);
        stq_be_p(buf + 80, s->compat);
        stq_be_p(buf + 88, s->autoclear);
        stl_be_p(buf + 96, s->refcount_order);
        stl_be_p(buf + 100, hlen);
        buf[104] = s->compression_type;
    }
    if (bs->backing_format[0] && blen) {
        ADD_EXT(QCOW2_EXT_BACKING_FMT, bs->backing_format,
                strlen(bs->backing_format));
    }
    /* Small clusters keep their room for the backing file name, as QEMU
     * does: no feature table at 4 KiB and below. */
    if (s->version >= 3 && cs > 4096) {
        uint8_t table[ARRAY_SIZE(feature_names) * 48] = { 0 };

        for (size_t i = 0; i < ARRAY_SIZE(feature_names); i++) {
            table[i * 48] = feature_names[i].type;
            table[i * 48 + 1] = feature_names[i].bit;
            strncpy((char *)table + i * 48 + 2, feature_names[i].name, 46);
        }
        ADD_EXT(QCOW2_EXT_FEATURE_TBL, table, sizeof(table));
    }
    for (int i = 0; i < s->nb_unknown_exts; i++) {
        ADD_EXT(s->unknown_exts[i].type, s->unknown_exts[i].data,
                s->unknown_exts[i].len);
    }
    ADD_EXT(QCOW2_EXT_END, "", 0);
#undef ADD_EXT
    if (blen) {
        if (pos + blen > cs) {
            return -ENOSPC;
        }
        memcpy(buf + pos, bs->backing_file, blen);
        stq_be_p(buf + 8, pos);
        stl_be_p(buf + 16, blen);
        pos += blen;
    }
    s->header_length = hlen;
    return bdrv_pwrite(bs->file->bs, 0, pos, buf);
}

int qcow2_write_l1_entry(BlockDriverState *bs, int index)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t be[8];

    stq_be_p(be, s->l1_table[index]);
    BLKDBG_EVENT(bs->file, BLKDBG_L1_UPDATE);
    return bdrv_pwrite(bs->file->bs, s->l1_table_offset + index * 8, 8, be);
}

int qcow2_grow_l1_table(BlockDriverState *bs, uint64_t min_size, bool exact)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t new_size = min_size, old_off = s->l1_table_offset;
    uint64_t old_bytes = (uint64_t)s->l1_size * 8;
    g_autofree uint64_t *be = NULL;
    uint64_t *table;
    uint8_t hdr[12];
    int64_t off;
    int ret;

    if (min_size <= s->l1_size) {
        return 0;
    }
    if (!exact) {
        new_size = MAX(min_size, (uint64_t)s->l1_size * 3 / 2);
    }
    if (new_size > QCOW_MAX_L1_SIZE / 8) {
        return -EFBIG;
    }
    BLKDBG_EVENT(bs->file, BLKDBG_L1_GROW_ALLOC_TABLE);
    off = qcow2_alloc_clusters(bs, new_size * 8);
    if (off < 0) {
        return off;
    }
    table = g_new0(uint64_t, new_size);
    memcpy(table, s->l1_table, old_bytes);
    be = g_new0(uint64_t, new_size);
    for (uint64_t i = 0; i < new_size; i++) {
        be[i] = GUINT64_TO_BE(table[i]);
    }
    BLKDBG_EVENT(bs->file, BLKDBG_L1_GROW_WRITE_TABLE);
    ret = bdrv_pwrite(bs->file->bs, off, new_size * 8, be);
    if (ret < 0) {
        g_free(table);
        qcow2_free_clusters(bs, off, new_size * 8);
        return ret;
    }
    s->file_length = MAX(s->file_length, off + new_size * 8);
    stl_be_p(hdr, new_size);
    stq_be_p(hdr + 4, off);
    BLKDBG_EVENT(bs->file, BLKDBG_L1_GROW_ACTIVATE_TABLE);
    ret = bdrv_pwrite(bs->file->bs, 36, 12, hdr);
    if (ret < 0) {
        g_free(table);
        qcow2_free_clusters(bs, off, new_size * 8);
        return ret;
    }
    g_free(s->l1_table);
    s->l1_table = table;
    s->l1_size = new_size;
    s->l1_table_offset = off;
    if (old_bytes) {
        qcow2_free_clusters(bs, old_off, old_bytes);
    }
    return 0;
}

static uint64_t l1_entries_for(BDRVQcow2State *s, uint64_t size)
{
    uint64_t shift = s->l2_bits + s->cluster_bits;

    return (size + (1ull << shift) - 1) >> shift;
}

static int qcow2_probe(const uint8_t *buf, int len, const char *filename)
{
    return len >= 8 && ldl_be_p(buf) == QCOW_MAGIC &&
           ldl_be_p(buf + 4) >= 2 ? 100 : 0;
}

/* Header extensions between the header and the end of the cluster (or
 * the backing file name). */
static int read_extensions(BlockDriverState *bs, const uint8_t *hdr,
                           uint64_t start, uint64_t end, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t pos = start;

    while (pos + 8 <= end) {
        uint32_t type = ldl_be_p(hdr + pos);
        uint32_t len = ldl_be_p(hdr + pos + 4);

        pos += 8;
        if (type == QCOW2_EXT_END) {
            return 0;
        }
        if (len > end - pos) {
            error_setg(errp, "ext_magic=0x%x: Invalid extension length", type);
            return -EINVAL;
        }
        switch (type) {
        case QCOW2_EXT_BACKING_FMT:
            if (len >= sizeof(bs->backing_format)) {
                error_setg(errp, "ERROR: ext_backing_format: len=%" PRIu32
                           " too large (>=%zu)", len,
                           sizeof(bs->backing_format));
                return -EINVAL;
            }
            memcpy(bs->backing_format, hdr + pos, len);
            bs->backing_format[len] = 0;
            break;
        case QCOW2_EXT_FEATURE_TBL:
            s->has_feature_table = true;
            break;
        case QCOW2_EXT_CRYPTO:
        case QCOW2_EXT_DATA_FILE:
            error_setg(errp, "Unsupported qcow2 header extension 0x%x", type);
            return -ENOTSUP;
        default: {
            Qcow2UnknownExt *e;

            if (s->nb_unknown_exts >= 64) {
                error_setg(errp, "Too many qcow2 header extensions");
                return -EINVAL;
            }
            s->unknown_exts = g_renew(Qcow2UnknownExt, s->unknown_exts,
                                      s->nb_unknown_exts + 1);
            e = &s->unknown_exts[s->nb_unknown_exts++];
            e->type = type;
            e->len = len;
            e->data = g_memdup2(hdr + pos, len);
            break;
        }
        }
        pos += ROUND_UP(len, 8);
    }
    return 0;
}

static void report_unsupported_features(uint64_t mask, Error **errp)
{
    g_autoptr(GString) str = g_string_new(NULL);

    for (int bit = 0; bit < 64; bit++) {
        const char *name = NULL;

        if (!(mask & (1ull << bit))) {
            continue;
        }
        for (size_t i = 0; i < ARRAY_SIZE(feature_names); i++) {
            if (feature_names[i].type == 0 && feature_names[i].bit == bit) {
                name = feature_names[i].name;
            }
        }
        if (str->len) {
            g_string_append(str, ", ");
        }
        if (name) {
            g_string_append(str, name);
        } else {
            g_string_append_printf(str, "Unknown incompatible feature: %"
                                   PRIx64, (uint64_t)1 << bit);
        }
    }
    error_setg(errp, "Unsupported qcow2 feature(s): %s", str->str);
}

/* Options from -blockdev come typed, from keyval strings: take both. */
static int take_size_opt(QDict *opts, const char *key, uint64_t *out,
                         Error **errp)
{
    QObject *o = qdict_get(opts, key);

    if (!o) {
        return 0;
    }
    if (qobject_type(o) == QTYPE_QNUM &&
        qnum_get_try_uint(qobject_to(QNum, o), out)) {
        /* taken */
    } else if (qobject_type(o) != QTYPE_QSTRING ||
               qemu_strtosz(qstring_get_str(qobject_to(QString, o)), NULL,
                            out) < 0) {
        error_setg(errp, "Parameter '%s' expects a size", key);
        return -1;
    }
    qdict_del(opts, key);
    return 1;
}

static int take_bool_opt(QDict *opts, const char *key, bool def, bool *out,
                         Error **errp)
{
    QObject *o = qdict_get(opts, key);

    *out = def;
    if (!o) {
        return 0;
    }
    if (qobject_type(o) == QTYPE_QBOOL) {
        *out = qbool_get_bool(qobject_to(QBool, o));
    } else if (qobject_type(o) == QTYPE_QSTRING &&
               (!strcmp(qstring_get_str(qobject_to(QString, o)), "on") ||
                !strcmp(qstring_get_str(qobject_to(QString, o)), "off"))) {
        *out = !strcmp(qstring_get_str(qobject_to(QString, o)), "on");
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return -1;
    }
    qdict_del(opts, key);
    return 1;
}

static int qcow2_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t perm, shared, l2_cache_bytes = 0, rc_cache_bytes = 0;
    uint64_t cache_bytes = 0;
    uint8_t fixed[V3_HEADER_LENGTH] = { 0 };
    g_autofree uint8_t *hdr = NULL;
    uint64_t backing_off, rt_clusters, hdr_read;
    uint32_t backing_len;
    int64_t flen;
    int ret;

    g_mutex_init(&s->lock);
    g_cond_init(&s->inflight_cond);
    s->inflight = g_ptr_array_new();
    s->bs = bs;
    if (take_bool_opt(options, "x-repair", false, &s->repair_mode,
                      errp) < 0 ||
        take_bool_opt(options, "pass-discard-request", true,
                      &s->discard_passthrough, errp) < 0 ||
        take_size_opt(options, "l2-cache-size", &l2_cache_bytes, errp) < 0 ||
        take_size_opt(options, "refcount-cache-size", &rc_cache_bytes,
                      errp) < 0 ||
        take_size_opt(options, "cache-size", &cache_bytes, errp) < 0) {
        return -EINVAL;
    }
    if (cache_bytes && l2_cache_bytes && rc_cache_bytes &&
        l2_cache_bytes + rc_cache_bytes != cache_bytes) {
        error_setg(errp, "l2-cache-size, refcount-cache-size and cache-size "
                   "may not be set at the same time");
        return -EINVAL;
    }
    if (cache_bytes && !l2_cache_bytes) {
        /* The L2 tables get what the refcount blocks do not need. */
        rc_cache_bytes = rc_cache_bytes ?: MIN(cache_bytes / 4,
                                               16 * (uint64_t)65536);
        l2_cache_bytes = cache_bytes > rc_cache_bytes ?
                         cache_bytes - rc_cache_bytes : 0;
    }
    bdrv_file_child_perms(bs, options, &perm, &shared);
    if (!bdrv_open_child(bs, options, "file", perm, shared, errp)) {
        return -EINVAL;
    }
    flen = bdrv_getlength(bs->file->bs);
    if (flen < 0) {
        error_setg_errno(errp, -flen, "Could not get the image file size");
        return flen;
    }
    s->file_length = flen;
    if (flen < 72) {
        error_setg(errp, "Image is not in qcow2 format");
        return -EINVAL;
    }
    ret = bdrv_pread(bs->file->bs, 0, MIN(flen, (int64_t)sizeof(fixed)),
                     fixed);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read qcow2 header");
        return ret;
    }
    if (ldl_be_p(fixed) != QCOW_MAGIC) {
        error_setg(errp, "Image is not in qcow2 format");
        return -EINVAL;
    }
    s->version = ldl_be_p(fixed + 4);
    if (s->version < 2 || s->version > 3) {
        error_setg(errp, "Unsupported qcow2 version %" PRIu32, s->version);
        return -ENOTSUP;
    }
    s->cluster_bits = ldl_be_p(fixed + 20);
    if (s->cluster_bits < MIN_CLUSTER_BITS ||
        s->cluster_bits > MAX_CLUSTER_BITS) {
        error_setg(errp, "Unsupported cluster size: 2^%d", s->cluster_bits);
        return -EINVAL;
    }
    s->cluster_size = 1ll << s->cluster_bits;
    s->l2_bits = s->cluster_bits - 3;
    s->l2_size = 1ll << s->l2_bits;
    s->csize_shift = 62 - (s->cluster_bits - 8);
    s->csize_mask = (1 << (s->cluster_bits - 8)) - 1;
    s->cluster_offset_mask = (1ull << s->csize_shift) - 1;
    s->size = ldq_be_p(fixed + 24);
    if (ldl_be_p(fixed + 32)) {
        error_setg(errp, "Unsupported encryption method: %" PRIu32,
                   ldl_be_p(fixed + 32));
        return -ENOTSUP;
    }
    s->l1_size = ldl_be_p(fixed + 36);
    s->l1_table_offset = ldq_be_p(fixed + 40);
    s->refcount_table_offset = ldq_be_p(fixed + 48);
    rt_clusters = ldl_be_p(fixed + 56);
    s->nb_snapshots = ldl_be_p(fixed + 60);
    s->snapshots_offset = ldq_be_p(fixed + 64);
    backing_off = ldq_be_p(fixed + 8);
    backing_len = ldl_be_p(fixed + 16);
    if (s->version == 2) {
        s->refcount_order = 4;
        s->header_length = 72;
        s->compat = QCOW2_COMPAT_LAZY_REFCOUNTS & 0;
    } else {
        s->incompat = ldq_be_p(fixed + 72);
        s->compat = ldq_be_p(fixed + 80);
        s->autoclear = ldq_be_p(fixed + 88);
        s->refcount_order = ldl_be_p(fixed + 96);
        s->header_length = ldl_be_p(fixed + 100);
        if (s->header_length < 104) {
            error_setg(errp, "qcow2 header too short");
            return -EINVAL;
        }
        if (s->header_length > s->cluster_size) {
            error_setg(errp, "qcow2 header exceeds cluster size");
            return -EINVAL;
        }
        if (s->header_length > 104) {
            s->compression_type = fixed[104];
        }
    }
    if (s->incompat & ~QCOW2_INCOMPAT_KNOWN) {
        report_unsupported_features(s->incompat & ~QCOW2_INCOMPAT_KNOWN,
                                    errp);
        return -ENOTSUP;
    }
    if ((s->incompat & QCOW2_INCOMPAT_CORRUPT) && !bs->read_only &&
        !s->repair_mode) {
        error_setg(errp, "qcow2: Image is corrupt; cannot be opened "
                   "read/write");
        return -EACCES;
    }
    if (s->compression_type != 0) {
        error_setg(errp, "Unsupported compression type '%s'",
                   s->compression_type == 1 ? "zstd" : "unknown");
        return -ENOTSUP;
    }
    if (!!(s->incompat & QCOW2_INCOMPAT_COMPRESSION) !=
        (s->compression_type != 0)) {
        error_setg(errp, "qcow2: Compression type incompatible feature bit "
                   "must be set for a non-zlib compression type");
        return -EINVAL;
    }
    if ((uint32_t)s->refcount_order > 6) {
        error_setg(errp, "Reference count entry width too large; may not "
                   "exceed 64 bits");
        return -EINVAL;
    }
    s->refcount_bits = 1 << s->refcount_order;
    s->refcount_max = s->refcount_bits == 64 ? UINT64_MAX
                                             : (1ull << s->refcount_bits) - 1;
    s->refblock_bits = s->cluster_bits - (s->refcount_order - 3);
    if (s->size > (1ull << 62) ||
        l1_entries_for(s, s->size) > QCOW_MAX_L1_SIZE / 8) {
        error_setg(errp, "Image is too big");
        return -EFBIG;
    }
    /* Read the whole header cluster (or what the file has of it). */
    hdr_read = MIN((uint64_t)flen, (uint64_t)s->cluster_size);
    hdr = g_malloc0(s->cluster_size);
    ret = bdrv_pread(bs->file->bs, 0, hdr_read, hdr);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read qcow2 header");
        return ret;
    }
    if (backing_off) {
        if (backing_len > QCOW_MAX_BACKING_NAME ||
            backing_len >= sizeof(bs->backing_file)) {
            error_setg(errp, "Backing file name too long");
            return -EINVAL;
        }
        if (backing_off > (uint64_t)s->cluster_size ||
            backing_len > s->cluster_size - backing_off ||
            backing_off < s->header_length) {
            error_setg(errp, "Invalid backing file offset");
            return -EINVAL;
        }
        memcpy(bs->backing_file, hdr + backing_off, backing_len);
        bs->backing_file[backing_len] = 0;
    }
    ret = read_extensions(bs, hdr, s->header_length,
                          backing_off ? backing_off : s->cluster_size, errp);
    if (ret < 0) {
        return ret;
    }
    /* Tables: checked against the file before anything is allocated. */
    if (rt_clusters > QCOW_MAX_REFTABLE_SIZE / s->cluster_size) {
        error_setg(errp, "Reference count table too large");
        return -EINVAL;
    }
    if (rt_clusters == 0 ||
        !qcow2_table_valid(s, s->refcount_table_offset,
                           rt_clusters * s->cluster_size)) {
        error_setg(errp, "Invalid reference count table offset");
        return -EINVAL;
    }
    s->refcount_table_size = rt_clusters * s->cluster_size / 8;
    if (s->l1_size > QCOW_MAX_L1_SIZE / 8) {
        error_setg(errp, "Active L1 table too large");
        return -EFBIG;
    }
    if (s->l1_size < l1_entries_for(s, s->size)) {
        error_setg(errp, "L1 table is too small");
        return -EINVAL;
    }
    if (s->l1_size && !qcow2_table_valid(s, s->l1_table_offset,
                                         (uint64_t)s->l1_size * 8)) {
        error_setg(errp, "Invalid L1 table offset");
        return -EINVAL;
    }
    if (s->nb_snapshots > QCOW_MAX_SNAPSHOTS) {
        error_setg(errp, "Too many snapshots");
        return -EINVAL;
    }
    if (s->nb_snapshots && !qcow2_table_valid(s, s->snapshots_offset, 0)) {
        error_setg(errp, "Snapshot table offset invalid");
        return -EINVAL;
    }
    s->l1_table = g_new0(uint64_t, MAX(s->l1_size, 1));
    if (s->l1_size) {
        ret = bdrv_pread(bs->file->bs, s->l1_table_offset, s->l1_size * 8,
                         s->l1_table);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not read L1 table");
            return ret;
        }
        for (uint32_t i = 0; i < s->l1_size; i++) {
            s->l1_table[i] = GUINT64_FROM_BE(s->l1_table[i]);
        }
    }
    ret = qcow2_refcount_init(bs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not initialize refcount handling");
        return ret;
    }
    ret = qcow2_read_snapshots(bs, errp);
    if (ret < 0) {
        return ret;
    }
    if (!l2_cache_bytes) {
        /* Enough to map the whole disk, within a bound. */
        l2_cache_bytes = MIN(L2_CACHE_MAX_BYTES,
                             MAX(l1_entries_for(s, s->size), 8) *
                             s->cluster_size);
    }
    qcow2_cache_init(&s->l2_cache, MIN(l2_cache_bytes / s->cluster_size,
                                       4096), s->cluster_size);
    qcow2_cache_init(&s->refblock_cache,
                     rc_cache_bytes ? MIN(rc_cache_bytes / s->cluster_size,
                                          4096) : 16, s->cluster_size);
    if (s->incompat & QCOW2_INCOMPAT_CORRUPT) {
        bs->corrupt = true;
    }
    if (!bs->read_only && !s->repair_mode) {
        if (s->incompat & QCOW2_INCOMPAT_DIRTY) {
            /* Lazy refcounts: the counts may be stale; rebuild them. */
            BdrvCheckResult res = { 0 };

            ret = qcow2_check_refcounts(bs, &res,
                                        BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
            if (ret < 0 || res.corruptions > res.corruptions_fixed) {
                error_setg(errp, "Could not repair dirty image");
                return ret < 0 ? ret : -EIO;
            }
            s->incompat &= ~QCOW2_INCOMPAT_DIRTY;
        }
        if (s->autoclear) {
            /* Bitmaps and the like: we do not keep them in sync. */
            s->autoclear = 0;
        }
        if (s->version >= 3 && (ldq_be_p(fixed + 72) != s->incompat ||
                                ldq_be_p(fixed + 88) != s->autoclear)) {
            ret = qcow2_update_header(bs);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Could not update qcow2 header");
                return ret;
            }
        }
    }
    bs->total_sectors = s->size / BDRV_SECTOR_SIZE;
    return 0;
}

static void qcow2_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    if (!bs->read_only && !bs->corrupt && bs->file) {
        bdrv_flush(bs->file->bs);
    }
    qcow2_cache_destroy(&s->l2_cache);
    qcow2_cache_destroy(&s->refblock_cache);
    g_free(s->l1_table);
    g_free(s->refcount_table);
    qcow2_free_snapshots(s);
    for (int i = 0; i < s->nb_unknown_exts; i++) {
        g_free(s->unknown_exts[i].data);
    }
    g_free(s->unknown_exts);
    g_ptr_array_free(s->inflight, true);
    g_cond_clear(&s->inflight_cond);
    g_mutex_clear(&s->lock);
}

static int qcow2_flush(BlockDriverState *bs)
{
    return 0;       /* metadata is written through; the file flushes next */
}

static int64_t qcow2_getlength(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    return s->size;
}

static int qcow2_get_cluster_size(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    return s->cluster_size;
}

static int write_size(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t be[8];
    int ret;

    stq_be_p(be, size);
    ret = bdrv_pwrite(bs->file->bs, 24, 8, be);
    if (ret == 0) {
        s->size = size;
        bs->total_sectors = size / BDRV_SECTOR_SIZE;
    }
    return ret;
}

/* Space for preallocated clusters in the file itself. */
static int prealloc_file(BlockDriverState *bs, PreallocMode mode,
                         Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t end = ROUND_UP(s->file_length, s->cluster_size);
    int64_t cur = bdrv_getlength(bs->file->bs);

    if (cur < 0) {
        error_setg_errno(errp, -cur, "Could not get file size");
        return cur;
    }
    if (end > cur) {
        return bdrv_truncate(bs->file->bs, end, false,
                             mode == PREALLOC_MODE_METADATA ?
                             PREALLOC_MODE_OFF : mode, errp);
    }
    return 0;
}

static int qcow2_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                          PreallocMode prealloc, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t old = s->size;
    int ret;

    if (offset % BDRV_SECTOR_SIZE) {
        error_setg(errp, "The new size must be a multiple of 512");
        return -EINVAL;
    }
    if ((uint64_t)offset < old && s->nb_snapshots) {
        error_setg(errp, "Can't shrink an image with internal snapshots");
        return -ENOTSUP;
    }
    if (l1_entries_for(s, offset) > QCOW_MAX_L1_SIZE / 8) {
        error_setg(errp, "Image is too big");
        return -EFBIG;
    }
    if ((uint64_t)offset < old && prealloc != PREALLOC_MODE_OFF) {
        error_setg(errp, "Preallocation can't be used for shrinking an "
                   "image");
        return -EINVAL;
    }
    g_mutex_lock(&s->lock);
    if ((uint64_t)offset < old) {
        ret = qcow2_discard_from(bs, offset);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to discard cropped clusters");
            goto out;
        }
    } else {
        ret = qcow2_grow_l1_table(bs, l1_entries_for(s, offset), true);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to grow the L1 table");
            goto out;
        }
        if (prealloc != PREALLOC_MODE_OFF) {
            ret = qcow2_preallocate(bs, old, offset);
            if (ret == 0) {
                ret = prealloc_file(bs, prealloc, errp);
            } else {
                error_setg_errno(errp, -ret, "Preallocation failed");
            }
            if (ret < 0) {
                goto out;
            }
        }
    }
    ret = write_size(bs, offset);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to update the image size");
    }
out:
    g_mutex_unlock(&s->lock);
    return ret;
}

static int64_t qcow2_get_allocated_file_size(BlockDriverState *bs)
{
    return bdrv_get_allocated_file_size(bs->file->bs);
}

static QDict *qcow2_get_specific_info(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    QDict *d = qdict_new();

    qdict_put_str(d, "compat", s->version >= 3 ? "1.1" : "0.10");
    qdict_put_str(d, "compression-type", "zlib");
    if (s->version >= 3) {
        qdict_put_bool(d, "lazy-refcounts",
                       s->compat & QCOW2_COMPAT_LAZY_REFCOUNTS);
    }
    qdict_put_int(d, "refcount-bits", s->refcount_bits);
    if (s->version >= 3) {
        qdict_put_bool(d, "corrupt", s->incompat & QCOW2_INCOMPAT_CORRUPT);
        qdict_put_bool(d, "extended-l2", false);
    }
    return d;
}

/* ---- Creation ---- */

static const char *const qcow2_create_opts[] = {
    "size", "compat", "backing_file", "backing_fmt", "encryption",
    "cluster_size", "preallocation", "lazy_refcounts", "refcount_bits",
    "compression_type", "extended_l2", "data_file", "data_file_raw", NULL,
};

typedef struct Qcow2CreateOpts {
    uint64_t size;
    int version;
    const char *backing_file, *backing_fmt;
    uint64_t cluster_size;
    PreallocMode prealloc;
    bool lazy_refcounts;
    int refcount_bits;
} Qcow2CreateOpts;

static bool opt_bool(QDict *opts, const char *key, bool def, bool *out,
                     Error **errp)
{
    const char *v = qdict_get_try_str(opts, key);

    *out = def;
    if (!v) {
        return true;
    }
    if (!strcmp(v, "on") || !strcmp(v, "true")) {
        *out = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "false")) {
        *out = false;
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

static bool opt_size(QDict *opts, const char *key, uint64_t *out,
                     Error **errp)
{
    QObject *o = qdict_get(opts, key);

    if (!o) {
        return true;
    }
    if (qobject_type(o) == QTYPE_QNUM) {
        *out = qnum_get_int(qobject_to(QNum, o));
        return true;
    }
    if (qobject_type(o) != QTYPE_QSTRING ||
        qemu_strtosz(qstring_get_str(qobject_to(QString, o)), NULL,
                     out) < 0) {
        error_setg(errp, "Parameter '%s' expects a non-negative number below "
                   "2^64", key);
        error_append_hint(errp, "Optional suffix k, M, G, T, P or E means "
                          "kilo-, mega-, giga-, tera-, peta-\nand exabytes, "
                          "respectively.\n");
        return false;
    }
    return true;
}

static bool parse_create_opts(QDict *opts, Qcow2CreateOpts *o, Error **errp)
{
    const char *compat = qdict_get_try_str(opts, "compat");
    const char *prealloc = qdict_get_try_str(opts, "preallocation");
    const char *ctype = qdict_get_try_str(opts, "compression_type");
    uint64_t rb = 16;
    bool b;

    *o = (Qcow2CreateOpts) { .version = 3, .cluster_size = 65536 };
    if (!opt_size(opts, "size", &o->size, errp) ||
        !opt_size(opts, "cluster_size", &o->cluster_size, errp) ||
        !opt_size(opts, "refcount_bits", &rb, errp) ||
        !opt_bool(opts, "lazy_refcounts", false, &o->lazy_refcounts, errp)) {
        return false;
    }
    if (compat && (!strcmp(compat, "0.10") || !strcmp(compat, "v2"))) {
        o->version = 2;
    } else if (compat && strcmp(compat, "1.1") && strcmp(compat, "v3")) {
        error_setg(errp, "Invalid parameter '%s'", compat);
        return false;
    }
    o->backing_file = qdict_get_try_str(opts, "backing_file");
    o->backing_fmt = qdict_get_try_str(opts, "backing_fmt");
    if (prealloc) {
        int m = prealloc_mode_from_str(prealloc);

        if (m < 0) {
            error_setg(errp, "Parameter 'preallocation' does not accept value "
                       "'%s'", prealloc);
            return false;
        }
        o->prealloc = m;
    }
    if (ctype && strcmp(ctype, "zlib")) {
        error_setg(errp, "Parameter 'compression-type' does not accept value "
                   "'%s'", ctype);
        return false;
    }
    if (!opt_bool(opts, "extended_l2", false, &b, errp)) {
        return false;
    }
    if (b) {
        error_setg(errp, "Extended L2 entries are not supported");
        return false;
    }
    if (!opt_bool(opts, "encryption", false, &b, errp)) {
        return false;
    }
    if (b || qdict_haskey(opts, "encrypt.format")) {
        error_setg(errp, "Encrypted qcow2 images are not supported");
        return false;
    }
    if (qdict_haskey(opts, "data_file")) {
        error_setg(errp, "External data files are not supported");
        return false;
    }
    if (o->cluster_size < 512 || o->cluster_size > 2 * 1024 * 1024 ||
        (o->cluster_size & (o->cluster_size - 1))) {
        error_setg(errp, "Cluster size must be a power of two between 512 "
                   "and 2048k");
        return false;
    }
    if (rb > 64 || (rb & (rb - 1)) || rb == 0) {
        error_setg(errp, "Refcount width must be a power of two and may not "
                   "exceed 64 bits");
        return false;
    }
    o->refcount_bits = rb;
    if (o->version < 3 && rb != 16) {
        error_setg(errp, "Different refcount widths than 16 bits require "
                   "compatibility level 1.1 or above (use version=v3 or "
                   "greater)");
        return false;
    }
    if (o->version < 3 && o->lazy_refcounts) {
        error_setg(errp, "Lazy refcounts only supported with compatibility "
                   "level 1.1 and above (use version=v3 or greater)");
        return false;
    }
    if (o->backing_file && o->prealloc != PREALLOC_MODE_OFF) {
        error_setg(errp, "Backing file and preallocation can only be used "
                   "at the same time if extended_l2 is on");
        return false;
    }
    if (o->size % BDRV_SECTOR_SIZE) {
        o->size = ROUND_UP(o->size, BDRV_SECTOR_SIZE);
    }
    return true;
}

static int qcow2_create(const char *filename, QDict *opts, Error **errp)
{
    Qcow2CreateOpts o;
    BlockDriverState *bs = NULL;
    g_autofree uint8_t *buf = NULL;
    QDict *file_opts;
    int cbits, order, ret;
    uint64_t cs;

    if (!parse_create_opts(opts, &o, errp)) {
        qobject_unref(opts);
        return -EINVAL;
    }
    cs = o.cluster_size;
    cbits = __builtin_ctzll(cs);
    order = __builtin_ctzll(o.refcount_bits);
    file_opts = qdict_new();
    qdict_put_int(file_opts, "size", 0);
    ret = bdrv_find_format("file")->create(filename, file_opts, errp);
    if (ret < 0) {
        qobject_unref(opts);
        return ret;
    }
    /* Header, a refcount table and one refcount block for the three. */
    buf = g_malloc0(3 * cs);
    stl_be_p(buf, QCOW_MAGIC);
    stl_be_p(buf + 4, o.version);
    stl_be_p(buf + 20, cbits);
    stq_be_p(buf + 48, cs);
    stl_be_p(buf + 56, 1);
    if (o.version >= 3) {
        stq_be_p(buf + 80, o.lazy_refcounts ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0);
        stl_be_p(buf + 96, order);
        stl_be_p(buf + 100, V3_HEADER_LENGTH);
    }
    stq_be_p(buf + cs, 2 * cs);
    for (int i = 0; i < 3; i++) {
        /* Entries 0..2 of the block, in the block's width. */
        uint64_t bit = (uint64_t)i * o.refcount_bits;

        if (o.refcount_bits < 8) {
            buf[2 * cs + bit / 8] |= 1 << (bit % 8);
        } else {
            buf[2 * cs + bit / 8 + o.refcount_bits / 8 - 1] = 1;
        }
    }
    {
        int fd = open(filename, O_WRONLY | O_CLOEXEC);

        if (fd < 0 || pwrite(fd, buf, 3 * cs, 0) != (ssize_t)(3 * cs)) {
            error_setg_errno(errp, errno, "Could not write qcow2 header");
            if (fd >= 0) {
                close(fd);
            }
            qobject_unref(opts);
            return -EIO;
        }
        close(fd);
    }
    /* The rest through the driver: L1 table, backing file, size. */
    file_opts = qdict_new();
    qdict_put_null(file_opts, "backing");
    bs = bdrv_open_image(filename, "qcow2", file_opts, true, true, errp);
    qobject_unref(file_opts);
    if (!bs) {
        qobject_unref(opts);
        return -EIO;
    }
    if (o.backing_file) {
        if (strlen(o.backing_file) > QCOW_MAX_BACKING_NAME) {
            error_setg(errp, "Backing file name too long");
            ret = -EINVAL;
            goto out;
        }
        pstrcpy(bs->backing_file, sizeof(bs->backing_file), o.backing_file);
        pstrcpy(bs->backing_format, sizeof(bs->backing_format),
                o.backing_fmt ? o.backing_fmt : "");
    }
    ret = qcow2_update_header(bs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write qcow2 header");
        goto out;
    }
    ret = qcow2_truncate(bs, o.size, true, o.prealloc, errp);
    if (ret < 0) {
        goto out;
    }
    ret = bdrv_flush(bs);
out:
    bdrv_unref(bs);
    qobject_unref(opts);
    return ret;
}

/* ---- Amend ---- */

static int downgrade_zero_clusters(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;

    for (uint64_t off = 0; off < s->size; off += s->cluster_size) {
        uint64_t e;
        int ret;
        Qcow2ClusterType t;

        g_mutex_lock(&s->lock);
        ret = qcow2_get_l2_entry(bs, off, &e);
        g_mutex_unlock(&s->lock);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not read L2 table");
            return ret;
        }
        t = qcow2_get_cluster_type(s, e);
        if (t == QCOW2_CLUSTER_ZERO_PLAIN || t == QCOW2_CLUSTER_ZERO_ALLOC) {
            uint64_t n = MIN((uint64_t)s->cluster_size, s->size - off);
            g_autofree void *z = g_malloc0(n);
            struct iovec iov = { .iov_base = z, .iov_len = n };

            ret = qcow2_pwritev(bs, off, n, &iov, 1, 0);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Could not expand zero cluster");
                return ret;
            }
        }
    }
    return 0;
}

static int qcow2_amend(BlockDriverState *bs, QDict *opts, bool force,
                       Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    const char *compat = qdict_get_try_str(opts, "compat");
    const char *bf = qdict_get_try_str(opts, "backing_file");
    const char *bfmt = qdict_get_try_str(opts, "backing_fmt");
    int new_version = s->version;
    bool lazy = s->compat & QCOW2_COMPAT_LAZY_REFCOUNTS;
    uint64_t size = s->size, rb = s->refcount_bits;
    int ret;

    for (const QDictEntry *e = qdict_first(opts); e;
         e = qdict_next(opts, e)) {
        const char *k = qdict_entry_key(e);

        if (!g_strv_contains((const char *const *)qcow2_create_opts, k)) {
            error_setg(errp, "Invalid parameter '%s'", k);
            return -EINVAL;
        }
    }
    if (compat) {
        if (!strcmp(compat, "0.10") || !strcmp(compat, "v2")) {
            new_version = 2;
        } else if (!strcmp(compat, "1.1") || !strcmp(compat, "v3")) {
            new_version = 3;
        } else {
            error_setg(errp, "Invalid compatibility level: '%s'", compat);
            return -EINVAL;
        }
    }
    if (!opt_bool(opts, "lazy_refcounts", lazy, &lazy, errp) ||
        !opt_size(opts, "size", &size, errp) ||
        !opt_size(opts, "refcount_bits", &rb, errp)) {
        return -EINVAL;
    }
    for (const char *const *k = (const char *const[]) {
             "cluster_size", "preallocation", "encryption", "extended_l2",
             "compression_type", NULL }; *k; k++) {
        if (qdict_haskey(opts, *k)) {
            error_setg(errp, "Invalid parameter '%s'", *k);
            error_append_hint(errp, "This option is only supported for image "
                              "creation\n");
            return -EINVAL;
        }
    }
    if (qdict_haskey(opts, "data_file")) {
        error_setg(errp, "External data files are not supported");
        return -ENOTSUP;
    }
    if (rb > 64 || !rb || (rb & (rb - 1))) {
        error_setg(errp, "Refcount width must be a power of two and may not "
                   "exceed 64 bits");
        return -EINVAL;
    }
    if (new_version < 3 && rb != 16) {
        error_setg(errp, "Different refcount widths than 16 bits require "
                   "compatibility level 1.1 or above (use compat=1.1 or "
                   "greater)");
        return -EINVAL;
    }
    if (new_version < 3 && !qdict_haskey(opts, "lazy_refcounts")) {
        lazy = false;
    }
    if (new_version < 3 && (lazy || rb != 16)) {
        error_setg(errp, lazy ? "Lazy refcounts only supported with "
                   "compatibility level 1.1 and above (use compat=1.1 or "
                   "greater)" : "Different refcount widths than 16 bits "
                   "require compatibility level 1.1 or above (use compat=1.1 "
                   "or greater)");
        return -EINVAL;
    }
    if (bf) {
        if (strlen(bf) > QCOW_MAX_BACKING_NAME) {
            error_setg(errp, "Backing file name too long");
            return -EINVAL;
        }
        pstrcpy(bs->backing_file, sizeof(bs->backing_file), bf);
        bs->backing_format[0] = 0;
    }
    if (bfmt) {
        pstrcpy(bs->backing_format, sizeof(bs->backing_format), bfmt);
    }
    if (new_version < s->version) {
        if (s->nb_snapshots) {
            error_setg(errp, "Cannot downgrade an image with internal "
                       "snapshots");
            return -ENOTSUP;
        }
        ret = downgrade_zero_clusters(bs, errp);
        if (ret < 0) {
            return ret;
        }
        s->incompat = s->compat = s->autoclear = 0;
    }
    if (rb != (uint64_t)s->refcount_bits) {
        g_mutex_lock(&s->lock);
        ret = qcow2_change_refcount_order(bs, __builtin_ctzll(rb), errp);
        g_mutex_unlock(&s->lock);
        if (ret < 0) {
            return ret;
        }
    }
    s->version = new_version;
    if (new_version >= 3) {
        s->compat = lazy ? (s->compat | QCOW2_COMPAT_LAZY_REFCOUNTS)
                         : (s->compat & ~QCOW2_COMPAT_LAZY_REFCOUNTS);
    }
    ret = qcow2_update_header(bs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to update the image header");
        return ret;
    }
    if (size != s->size) {
        if (size < s->size && !force) {
            error_setg(errp, "Use --force to shrink the image");
        }
        ret = qcow2_truncate(bs, size, true, PREALLOC_MODE_OFF, errp);
        if (ret < 0) {
            return ret;
        }
    }
    return bdrv_flush(bs);
}

static int qcow2_check(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    g_mutex_lock(&s->lock);
    ret = qcow2_check_refcounts(bs, res, fix);
    if (ret == 0 && fix && !bs->read_only && s->version >= 3 &&
        res->corruptions == res->corruptions_fixed &&
        (s->incompat & (QCOW2_INCOMPAT_CORRUPT | QCOW2_INCOMPAT_DIRTY))) {
        s->incompat &= ~(QCOW2_INCOMPAT_CORRUPT | QCOW2_INCOMPAT_DIRTY);
        bs->corrupt = false;
        ret = qcow2_update_header(bs);
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

static BlockDriver bdrv_qcow2 = {
    .format_name = "qcow2",
    .instance_size = sizeof(BDRVQcow2State),
    .is_format = true,
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .flush = qcow2_flush,
    .pdiscard = qcow2_pdiscard,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .block_status = qcow2_block_status,
    .getlength = qcow2_getlength,
    .truncate = qcow2_truncate,
    .get_allocated_file_size = qcow2_get_allocated_file_size,
    .create = qcow2_create,
    .check = qcow2_check,
    .make_empty = qcow2_make_empty,
    .amend = qcow2_amend,
    .get_specific_info = qcow2_get_specific_info,
    .get_cluster_size = qcow2_get_cluster_size,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_goto = qcow2_snapshot_goto,
    .snapshot_delete = qcow2_snapshot_delete,
    .snapshot_list = qcow2_snapshot_list,
    .snapshot_load_tmp = qcow2_snapshot_load_tmp,
    .create_opts = qcow2_create_opts,
};

static void __attribute__((constructor)) qcow2_register(void)
{
    bdrv_register(&bdrv_qcow2);
}
