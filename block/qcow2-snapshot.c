/*
 * qcow2 internal snapshots: the snapshot table (read with every entry
 * checked against the file), and create/apply/delete/list.  Each step is
 * ordered so that a crash in between leaves leaked clusters, never a
 * reference to a cluster whose refcount is too low.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qcow2.h"

#define SN_HEADER_SIZE   40
#define SN_EXTRA_SIZE    24
#define SN_MAX_EXTRA     1024

void qcow2_free_snapshots(BDRVQcow2State *s)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        g_free(s->snapshots[i].id_str);
        g_free(s->snapshots[i].name);
        g_free(s->snapshots[i].unknown_extra);
    }
    g_free(s->snapshots);
    s->snapshots = NULL;
}

int qcow2_read_snapshots(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t pos = s->snapshots_offset;
    uint32_t n = s->nb_snapshots;
    int ret;

    s->snapshots = g_new0(QCowSnapshot, MAX(n, 1));
    s->nb_snapshots = 0;
    for (uint32_t i = 0; i < n; i++) {
        QCowSnapshot *sn = &s->snapshots[i];
        uint8_t h[SN_HEADER_SIZE];
        uint16_t id_len, name_len;
        g_autofree uint8_t *extra = NULL;

        pos = ROUND_UP(pos, 8);
        if (pos - s->snapshots_offset + SN_HEADER_SIZE >
            QCOW_MAX_SNAPSHOTS_SIZE ||
            pos + SN_HEADER_SIZE > s->file_length) {
            error_setg(errp, "Snapshot table exceeds the maximum size");
            ret = -EFBIG;
            goto fail;
        }
        ret = bdrv_pread(bs->file->bs, pos, SN_HEADER_SIZE, h);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to read snapshot table");
            goto fail;
        }
        pos += SN_HEADER_SIZE;
        sn->l1_table_offset = ldq_be_p(h);
        sn->l1_size = ldl_be_p(h + 8);
        id_len = lduw_be_p(h + 12);
        name_len = lduw_be_p(h + 14);
        sn->date_sec = ldl_be_p(h + 16);
        sn->date_nsec = ldl_be_p(h + 20);
        sn->vm_clock_nsec = ldq_be_p(h + 24);
        sn->vm_state_size = ldl_be_p(h + 32);
        sn->extra_data_size = ldl_be_p(h + 36);
        sn->disk_size = s->size;
        sn->icount = -1;
        /* Strings are allocated already so the table can be freed. */
        sn->id_str = g_strdup("");
        sn->name = g_strdup("");
        s->nb_snapshots = i + 1;
        if (sn->extra_data_size > SN_MAX_EXTRA) {
            error_setg(errp, "Too much extra metadata in snapshot table entry "
                       "%" PRIu32, i);
            ret = -EFBIG;
            goto fail;
        }
        if (pos + sn->extra_data_size + id_len + name_len > s->file_length) {
            error_setg(errp, "Snapshot table exceeds the image file");
            ret = -EINVAL;
            goto fail;
        }
        extra = g_malloc0(MAX(sn->extra_data_size, SN_EXTRA_SIZE));
        ret = bdrv_pread(bs->file->bs, pos, sn->extra_data_size, extra);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to read snapshot table");
            goto fail;
        }
        pos += sn->extra_data_size;
        if (sn->extra_data_size >= 8) {
            sn->vm_state_size = ldq_be_p(extra);
        }
        if (sn->extra_data_size >= 16) {
            sn->disk_size = ldq_be_p(extra + 8);
        } else if (s->version >= 3) {
            error_setg(errp, "Snapshot table entry %" PRIu32 " is incomplete",
                       i);
            ret = -EINVAL;
            goto fail;
        }
        if (sn->extra_data_size >= 24) {
            sn->icount = ldq_be_p(extra + 16);
        }
        if (sn->extra_data_size > SN_EXTRA_SIZE) {
            sn->unknown_extra = g_memdup2(extra + SN_EXTRA_SIZE,
                                          sn->extra_data_size - SN_EXTRA_SIZE);
        }
        g_free(sn->id_str);
        g_free(sn->name);
        sn->id_str = g_malloc0(id_len + 1);
        sn->name = g_malloc0(name_len + 1);
        ret = bdrv_pread(bs->file->bs, pos, id_len, sn->id_str);
        if (ret == 0) {
            ret = bdrv_pread(bs->file->bs, pos + id_len, name_len, sn->name);
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to read snapshot table");
            goto fail;
        }
        pos += id_len + name_len;
        if (sn->l1_size > QCOW_MAX_L1_SIZE / 8) {
            error_setg(errp, "Snapshot L1 table too large");
            ret = -EFBIG;
            goto fail;
        }
        if (sn->l1_size && !qcow2_table_valid(s, sn->l1_table_offset,
                                              (uint64_t)sn->l1_size * 8)) {
            error_setg(errp, "Snapshot L1 table offset invalid");
            ret = -EINVAL;
            goto fail;
        }
    }
    s->snapshots_size = n ? pos - s->snapshots_offset : 0;
    return 0;

fail:
    qcow2_free_snapshots(s);
    s->nb_snapshots = 0;
    return ret;
}

/* Write the table to new clusters, switch the header, free the old. */
static int write_snapshots(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    g_autoptr(GByteArray) buf = g_byte_array_new();
    uint64_t old_off = s->snapshots_offset, old_size = s->snapshots_size;
    uint8_t hdr[12];
    int64_t off = 0;
    int ret;

    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        QCowSnapshot *sn = &s->snapshots[i];
        uint32_t extra = SN_EXTRA_SIZE +
            (sn->unknown_extra ? sn->extra_data_size - SN_EXTRA_SIZE : 0);
        uint8_t h[SN_HEADER_SIZE + SN_EXTRA_SIZE];
        static const uint8_t pad[8];

        stq_be_p(h, sn->l1_table_offset);
        stl_be_p(h + 8, sn->l1_size);
        stw_be_p(h + 12, strlen(sn->id_str));
        stw_be_p(h + 14, strlen(sn->name));
        stl_be_p(h + 16, sn->date_sec);
        stl_be_p(h + 20, sn->date_nsec);
        stq_be_p(h + 24, sn->vm_clock_nsec);
        stl_be_p(h + 32, MIN(sn->vm_state_size, UINT32_MAX));
        stl_be_p(h + 36, extra);
        stq_be_p(h + 40, sn->vm_state_size);
        stq_be_p(h + 48, sn->disk_size);
        stq_be_p(h + 56, sn->icount);
        g_byte_array_append(buf, h, sizeof(h));
        if (sn->unknown_extra) {
            g_byte_array_append(buf, sn->unknown_extra,
                                sn->extra_data_size - SN_EXTRA_SIZE);
        }
        g_byte_array_append(buf, (uint8_t *)sn->id_str, strlen(sn->id_str));
        g_byte_array_append(buf, (uint8_t *)sn->name, strlen(sn->name));
        g_byte_array_append(buf, pad, ROUND_UP(buf->len, 8) - buf->len);
    }
    if (buf->len > QCOW_MAX_SNAPSHOTS_SIZE) {
        return -EFBIG;
    }
    if (buf->len) {
        off = qcow2_alloc_clusters(bs, buf->len);
        if (off < 0) {
            return off;
        }
        ret = qcow2_check_metadata_overlap(bs, off, buf->len);
        if (ret == 0) {
            ret = bdrv_pwrite(bs->file->bs, off, buf->len, buf->data);
        }
        if (ret < 0) {
            qcow2_free_clusters(bs, off, buf->len);
            return ret;
        }
        s->file_length = MAX(s->file_length, off + buf->len);
    }
    stl_be_p(hdr, s->nb_snapshots);
    stq_be_p(hdr + 4, off);
    ret = bdrv_pwrite(bs->file->bs, 60, 12, hdr);
    if (ret < 0) {
        if (off) {
            qcow2_free_clusters(bs, off, buf->len);
        }
        return ret;
    }
    s->snapshots_offset = off;
    s->snapshots_size = buf->len;
    if (old_size) {
        qcow2_free_clusters(bs, old_off, old_size);
    }
    return 0;
}

static int find_snapshot(BDRVQcow2State *s, const char *id_or_name)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].id_str, id_or_name)) {
            return i;
        }
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].name, id_or_name)) {
            return i;
        }
    }
    return -1;
}

static void count_ref(GHashTable *h, uint64_t cluster)
{
    gpointer k = GSIZE_TO_POINTER(cluster + 1);

    g_hash_table_insert(h, k, GSIZE_TO_POINTER(
        GPOINTER_TO_SIZE(g_hash_table_lookup(h, k)) + 1));
}

/*
 * With narrow refcounts one more reference may not fit: find out before
 * anything changes, so a refused snapshot leaves the image as it was.
 */
static int check_snapshot_refcounts(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    g_autoptr(GHashTable) adds = NULL;
    g_autofree uint64_t *l2 = NULL;
    GHashTableIter it;
    gpointer k, v;
    int ret;

    if (s->refcount_order >= 4) {
        return 0;       /* 65535 references: more than snapshots allowed */
    }
    adds = g_hash_table_new(g_direct_hash, g_direct_equal);
    l2 = g_malloc(s->cluster_size);
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2_off = s->l1_table[i] & L1E_OFFSET_MASK;

        if (!l2_off) {
            continue;
        }
        count_ref(adds, l2_off >> s->cluster_bits);
        ret = bdrv_pread(bs->file->bs, l2_off, s->cluster_size, l2);
        if (ret < 0) {
            return ret;
        }
        for (int64_t j = 0; j < s->l2_size; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]), start, len;

            switch (qcow2_get_cluster_type(s, e)) {
            case QCOW2_CLUSTER_NORMAL:
            case QCOW2_CLUSTER_ZERO_ALLOC:
                count_ref(adds, (e & L2E_OFFSET_MASK) >> s->cluster_bits);
                break;
            case QCOW2_CLUSTER_COMPRESSED:
                qcow2_compressed_range(s, e, &start, &len);
                for (uint64_t c = start >> s->cluster_bits;
                     c <= (start + len - 1) >> s->cluster_bits; c++) {
                    count_ref(adds, c);
                }
                break;
            default:
                break;
            }
        }
    }
    g_hash_table_iter_init(&it, adds);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        uint64_t rc;

        ret = qcow2_get_refcount(bs, GPOINTER_TO_SIZE(k) - 1, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc + GPOINTER_TO_SIZE(v) > s->refcount_max) {
            return -EINVAL;
        }
    }
    return 0;
}

int qcow2_snapshot_create(BlockDriverState *bs, QEMUSnapshotInfo *info,
                          Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    QCowSnapshot sn = { 0 };
    g_autofree uint64_t *l1 = NULL;
    int64_t l1_off = 0;
    int ret;

    g_mutex_lock(&s->lock);
    if (bs->corrupt) {
        error_setg(errp, "Image is corrupt");
        ret = -EIO;
        goto out;
    }
    if (s->nb_snapshots >= QCOW_MAX_SNAPSHOTS) {
        error_setg(errp, "Too many snapshots");
        ret = -EFBIG;
        goto out;
    }
    if (!info->id_str[0]) {
        unsigned long max = 0;

        for (uint32_t i = 0; i < s->nb_snapshots; i++) {
            max = MAX(max, strtoul(s->snapshots[i].id_str, NULL, 10));
        }
        snprintf(info->id_str, sizeof(info->id_str), "%lu", max + 1);
    }
    if (find_snapshot(s, info->id_str) >= 0 &&
        !strcmp(s->snapshots[find_snapshot(s, info->id_str)].id_str,
                info->id_str)) {
        error_setg(errp, "Snapshot with ID '%s' already exists",
                   info->id_str);
        ret = -EEXIST;
        goto out;
    }
    ret = check_snapshot_refcounts(bs);
    if (ret < 0) {
        /* Worded as qemu-img reports it. */
        error_setg(errp, "%d (%s)", ret, strerror(-ret));
        goto out;
    }
    /* A copy of the active L1 table for the snapshot. */
    if (s->l1_size) {
        l1 = g_new(uint64_t, s->l1_size);
        for (uint32_t i = 0; i < s->l1_size; i++) {
            l1[i] = GUINT64_TO_BE(s->l1_table[i]);
        }
        l1_off = qcow2_alloc_clusters(bs, (uint64_t)s->l1_size * 8);
        if (l1_off < 0) {
            ret = l1_off;
            error_setg_errno(errp, -ret, "Could not allocate L1 table");
            goto out;
        }
        ret = bdrv_pwrite(bs->file->bs, l1_off, (uint64_t)s->l1_size * 8, l1);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not write L1 table");
            goto out;
        }
        s->file_length = MAX(s->file_length,
                             l1_off + (uint64_t)s->l1_size * 8);
    }
    /* Everything the tree references gains a reference, then the active
     * tree loses its COPIED flags, then the snapshot becomes visible. */
    ret = qcow2_update_tree_refcount(bs, s->l1_table_offset, s->l1_size, 1);
    if (ret == 0) {
        ret = qcow2_update_tree_refcount(bs, s->l1_table_offset, s->l1_size,
                                         0);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not update refcounts");
        goto out;
    }
    sn.l1_table_offset = l1_off;
    sn.l1_size = s->l1_size;
    sn.id_str = g_strdup(info->id_str);
    sn.name = g_strdup(info->name);
    sn.disk_size = s->size;
    sn.vm_state_size = info->vm_state_size;
    sn.date_sec = info->date_sec;
    sn.date_nsec = info->date_nsec;
    sn.vm_clock_nsec = info->vm_clock_nsec;
    sn.icount = info->icount;
    sn.extra_data_size = SN_EXTRA_SIZE;
    s->snapshots = g_renew(QCowSnapshot, s->snapshots, s->nb_snapshots + 1);
    s->snapshots[s->nb_snapshots++] = sn;
    ret = write_snapshots(bs);
    if (ret < 0) {
        s->nb_snapshots--;
        g_free(sn.id_str);
        g_free(sn.name);
        error_setg_errno(errp, -ret, "Could not write snapshot table");
    }
out:
    g_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_snapshot_goto(BlockDriverState *bs, const char *id, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint64_t *old_l1 = NULL;
    g_autofree uint64_t *new_l1 = NULL;
    uint32_t old_size;
    QCowSnapshot *sn;
    uint8_t be[8];
    int idx, ret;

    g_mutex_lock(&s->lock);
    idx = find_snapshot(s, id);
    if (idx < 0) {
        error_setg_errno(errp, ENOENT, "Failed to load snapshot");
        ret = -ENOENT;
        goto out;
    }
    sn = &s->snapshots[idx];
    if (bs->corrupt) {
        error_setg(errp, "Image is corrupt");
        ret = -EIO;
        goto out;
    }
    ret = qcow2_update_tree_refcount(bs, sn->l1_table_offset, sn->l1_size, 1);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not update refcounts");
        goto out;
    }
    if (sn->l1_size > s->l1_size) {
        ret = qcow2_grow_l1_table(bs, sn->l1_size, true);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not grow the L1 table");
            goto out;
        }
    }
    old_size = s->l1_size;
    old_l1 = g_memdup2(s->l1_table, (uint64_t)old_size * 8);
    new_l1 = g_new0(uint64_t, MAX(s->l1_size, 1));
    ret = bdrv_pread(bs->file->bs, sn->l1_table_offset,
                     (uint64_t)sn->l1_size * 8, new_l1);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read snapshot L1 table");
        goto out;
    }
    ret = bdrv_pwrite(bs->file->bs, s->l1_table_offset,
                      (uint64_t)s->l1_size * 8, new_l1);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write L1 table");
        goto out;
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        s->l1_table[i] = GUINT64_FROM_BE(new_l1[i]);
    }
    qcow2_cache_clear(&s->l2_cache);
    ret = qcow2_update_tree_refcount_l1(bs, old_l1, old_size, -1);
    if (ret == 0 && sn->disk_size != s->size) {
        stq_be_p(be, sn->disk_size);
        ret = bdrv_pwrite(bs->file->bs, 24, 8, be);
        if (ret == 0) {
            s->size = sn->disk_size;
            bs->total_sectors = s->size / BDRV_SECTOR_SIZE;
        }
    }
    if (ret == 0) {
        ret = qcow2_update_tree_refcount(bs, s->l1_table_offset, s->l1_size,
                                         0);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not update refcounts");
    }
out:
    g_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_snapshot_delete(BlockDriverState *bs, const char *id,
                          Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    QCowSnapshot sn;
    int idx, ret;

    g_mutex_lock(&s->lock);
    idx = find_snapshot(s, id);
    if (idx < 0) {
        error_setg(errp, "snapshot not found");
        ret = -ENOENT;
        goto out;
    }
    if (bs->corrupt) {
        error_setg(errp, "Image is corrupt");
        ret = -EIO;
        goto out;
    }
    sn = s->snapshots[idx];
    memmove(&s->snapshots[idx], &s->snapshots[idx + 1],
            (s->nb_snapshots - idx - 1) * sizeof(QCowSnapshot));
    s->nb_snapshots--;
    ret = write_snapshots(bs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to remove snapshot from "
                         "snapshot list");
        goto out_free;
    }
    ret = qcow2_update_tree_refcount(bs, sn.l1_table_offset, sn.l1_size, -1);
    if (ret == 0 && sn.l1_size) {
        qcow2_free_clusters(bs, sn.l1_table_offset, (uint64_t)sn.l1_size * 8);
    }
    if (ret == 0) {
        ret = qcow2_update_tree_refcount(bs, s->l1_table_offset, s->l1_size,
                                         0);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to free the cluster and L1 "
                         "table");
    }
out_free:
    g_free(sn.id_str);
    g_free(sn.name);
    g_free(sn.unknown_extra);
out:
    g_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_snapshot_list(BlockDriverState *bs, QEMUSnapshotInfo **list)
{
    BDRVQcow2State *s = bs->opaque;
    QEMUSnapshotInfo *l = g_new0(QEMUSnapshotInfo, MAX(s->nb_snapshots, 1));

    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        QCowSnapshot *sn = &s->snapshots[i];

        g_strlcpy(l[i].id_str, sn->id_str, sizeof(l[i].id_str));
        g_strlcpy(l[i].name, sn->name, sizeof(l[i].name));
        l[i].vm_state_size = sn->vm_state_size;
        l[i].date_sec = sn->date_sec;
        l[i].date_nsec = sn->date_nsec;
        l[i].vm_clock_nsec = sn->vm_clock_nsec;
        l[i].icount = sn->icount;
    }
    *list = l;
    return s->nb_snapshots;
}

int qcow2_snapshot_load_tmp(BlockDriverState *bs, const char *id,
                            const char *name, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l1;
    QCowSnapshot *sn = NULL;
    int ret;

    if (!bs->read_only) {
        error_setg(errp, "Device is not readonly");
        return -EINVAL;
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if ((!id || !strcmp(s->snapshots[i].id_str, id)) &&
            (!name || !strcmp(s->snapshots[i].name, name))) {
            sn = &s->snapshots[i];
            break;
        }
    }
    if (!sn) {
        error_setg(errp, "Can't find snapshot");
        return -ENOENT;
    }
    l1 = g_new0(uint64_t, MAX(sn->l1_size, 1));
    ret = bdrv_pread(bs->file->bs, sn->l1_table_offset,
                     (uint64_t)sn->l1_size * 8, l1);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to load snapshot");
        g_free(l1);
        return ret;
    }
    for (uint32_t i = 0; i < sn->l1_size; i++) {
        l1[i] = GUINT64_FROM_BE(l1[i]);
    }
    /* Only the in-memory view changes; nothing is written. */
    g_mutex_lock(&s->lock);
    g_free(s->l1_table);
    s->l1_table = l1;
    s->l1_size = sn->l1_size;
    s->l1_table_offset = sn->l1_table_offset;
    /* The disk keeps its current size, as in QEMU: beyond the snapshot's
     * L1 table everything reads as unallocated. */
    qcow2_cache_clear(&s->l2_cache);
    g_mutex_unlock(&s->lock);
    return 0;
}
