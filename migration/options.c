/*
 * Migration configuration: the capabilities and parameters a management
 * layer sets before a migration and reads back (libvirt probes them), and
 * the migration status.  Values, defaults, checks and error texts follow
 * QEMU 9.2; the migration engine reads them from here.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/clone-visitor.h"
#include "qapi/qapi-commands-migration.h"
#include "qapi/qapi-visit-migration.h"
#include "migration/options.h"

#define MiB (1024ULL * 1024)

/* QEMU prints these bounds as the preprocessor spelled them. */
#define MAX_MIGRATE_DOWNTIME_MS (2000 * 1000)
#define MAX_MIGRATE_DOWNTIME_TEXT "(2000 * 1000)"
#define TARGET_PAGE_SIZE_MIN 4096
#define NODE_NAME_MAX 31
#define BITMAP_NAME_MAX 1023

typedef struct MigrationConfig {
    bool caps[MIGRATION_CAPABILITY__MAX];
    MigrationParameters params;      /* every member present */
    MigrationStatus status;
    bool started;                    /* a migration has ever run */
} MigrationConfig;

static MigrationConfig config;
static bool config_ready;

static void set_defaults(MigrationParameters *p)
{
    *p = (MigrationParameters) {
        .has_announce_initial = true, .announce_initial = 50,
        .has_announce_max = true, .announce_max = 550,
        .has_announce_rounds = true, .announce_rounds = 5,
        .has_announce_step = true, .announce_step = 100,
        .has_throttle_trigger_threshold = true,
        .throttle_trigger_threshold = 50,
        .has_cpu_throttle_initial = true, .cpu_throttle_initial = 20,
        .has_cpu_throttle_increment = true, .cpu_throttle_increment = 10,
        .has_cpu_throttle_tailslow = true, .cpu_throttle_tailslow = false,
        .tls_creds = g_strdup(""),
        .tls_hostname = g_strdup(""),
        .tls_authz = g_strdup(""),
        .has_max_bandwidth = true, .max_bandwidth = 128 * MiB,
        .has_avail_switchover_bandwidth = true,
        .avail_switchover_bandwidth = 0,
        .has_downtime_limit = true, .downtime_limit = 300,
        .has_x_checkpoint_delay = true, .x_checkpoint_delay = 200 * 100,
        .has_multifd_channels = true, .multifd_channels = 2,
        .has_xbzrle_cache_size = true, .xbzrle_cache_size = 64 * MiB,
        .has_max_postcopy_bandwidth = true, .max_postcopy_bandwidth = 0,
        .has_max_cpu_throttle = true, .max_cpu_throttle = 99,
        .has_multifd_compression = true,
        .multifd_compression = MULTI_FD_COMPRESSION_NONE,
        .has_multifd_zlib_level = true, .multifd_zlib_level = 1,
        .has_multifd_zstd_level = true, .multifd_zstd_level = 1,
        .has_x_vcpu_dirty_limit_period = true,
        .x_vcpu_dirty_limit_period = 1000,
        .has_vcpu_dirty_limit = true, .vcpu_dirty_limit = 1,
        .has_mode = true, .mode = MIG_MODE_NORMAL,
        .has_zero_page_detection = true,
        .zero_page_detection = ZERO_PAGE_DETECTION_MULTIFD,
        .has_direct_io = true, .direct_io = false,
    };
}

static MigrationConfig *get_config(void)
{
    if (!config_ready) {
        set_defaults(&config.params);
        config.caps[MIGRATION_CAPABILITY_EVENTS] = false;
        config.status = MIGRATION_STATUS_NONE;
        config_ready = true;
    }
    return &config;
}

bool migrate_capability_enabled(MigrationCapability cap)
{
    return get_config()->caps[cap];
}

const MigrationParameters *migrate_get_parameters(void)
{
    return &get_config()->params;
}

static bool migration_in_progress(void)
{
    switch (get_config()->status) {
    case MIGRATION_STATUS_NONE:
    case MIGRATION_STATUS_CANCELLED:
    case MIGRATION_STATUS_COMPLETED:
    case MIGRATION_STATUS_FAILED:
        return false;
    default:
        return true;
    }
}

static bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/* The node/bitmap alias map must be one-to-one in the naming direction. */
static bool check_bitmap_mapping(BitmapMigrationNodeAliasList *map,
                                 Error **errp)
{
    g_autoptr(GHashTable) nodes = g_hash_table_new_full(
        g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_hash_table_unref);

    for (; map; map = map->next) {
        BitmapMigrationNodeAlias *node = map->value;
        GHashTable *bitmaps;

        if (!id_wellformed(node->alias)) {
            error_setg(errp, "The node alias '%s' is not well-formed",
                       node->alias);
            return false;
        }
        if (strlen(node->alias) > UINT8_MAX) {
            error_setg(errp, "The node alias '%s' is longer than %u bytes",
                       node->alias, UINT8_MAX);
            return false;
        }
        if (strlen(node->node_name) > NODE_NAME_MAX) {
            error_setg(errp, "The node name '%s' is longer than %d bytes",
                       node->node_name, NODE_NAME_MAX);
            return false;
        }
        if (g_hash_table_contains(nodes, node->node_name)) {
            error_setg(errp, "The node name '%s' is mapped twice",
                       node->node_name);
            return false;
        }
        bitmaps = g_hash_table_new(g_str_hash, g_str_equal);
        g_hash_table_insert(nodes, node->node_name, bitmaps);
        for (BitmapMigrationBitmapAliasList *b = node->bitmaps; b;
             b = b->next) {
            if (strlen(b->value->alias) > UINT8_MAX) {
                error_setg(errp,
                           "The bitmap alias '%s' is longer than %u bytes",
                           b->value->alias, UINT8_MAX);
                return false;
            }
            if (strlen(b->value->name) > BITMAP_NAME_MAX) {
                error_setg(errp, "The bitmap name '%s' is longer than %d "
                           "bytes", b->value->name, BITMAP_NAME_MAX);
                return false;
            }
            if (g_hash_table_contains(bitmaps, b->value->name)) {
                error_setg(errp, "The bitmap '%s'/'%s' is mapped twice",
                           node->node_name, b->value->name);
                return false;
            }
            g_hash_table_add(bitmaps, b->value->name);
        }
    }
    return true;
}

#define INVALID_PARAM(name, expect) \
    error_setg(errp, "Parameter '%s' expects %s", name, expect)

/* Checks on the merged result, so cross-parameter rules see new values. */
static bool check_parameters(const MigrationParameters *p, Error **errp)
{
    if (p->throttle_trigger_threshold < 1 ||
        p->throttle_trigger_threshold > 100) {
        INVALID_PARAM("throttle_trigger_threshold",
                      "an integer in the range of 1 to 100");
        return false;
    }
    if (p->cpu_throttle_initial < 1 || p->cpu_throttle_initial > 99) {
        INVALID_PARAM("cpu_throttle_initial",
                      "an integer in the range of 1 to 99");
        return false;
    }
    if (p->cpu_throttle_increment < 1 || p->cpu_throttle_increment > 99) {
        INVALID_PARAM("cpu_throttle_increment",
                      "an integer in the range of 1 to 99");
        return false;
    }
    if (p->downtime_limit > MAX_MIGRATE_DOWNTIME_MS) {
        INVALID_PARAM("downtime_limit", "an integer in the range of 0 to "
                      MAX_MIGRATE_DOWNTIME_TEXT " ms");
        return false;
    }
    if (p->multifd_channels < 1) {
        INVALID_PARAM("multifd_channels", "a value between 1 and 255");
        return false;
    }
    if (p->multifd_zlib_level > 9) {
        INVALID_PARAM("multifd_zlib_level", "a value between 0 and 9");
        return false;
    }
    if (p->multifd_zstd_level > 20) {
        INVALID_PARAM("multifd_zstd_level", "a value between 0 and 20");
        return false;
    }
    if (p->xbzrle_cache_size < TARGET_PAGE_SIZE_MIN ||
        (p->xbzrle_cache_size & (p->xbzrle_cache_size - 1))) {
        INVALID_PARAM("xbzrle_cache_size",
                      "a power of two no less than the target page size");
        return false;
    }
    if (p->max_cpu_throttle < p->cpu_throttle_initial ||
        p->max_cpu_throttle > 99) {
        INVALID_PARAM("max_cpu_throttle",
                      "an integer in the range of cpu_throttle_initial to 99");
        return false;
    }
    if (p->announce_initial > 100000) {
        INVALID_PARAM("announce_initial", "a value between 0 and 100000");
        return false;
    }
    if (p->announce_max > 100000) {
        INVALID_PARAM("announce_max", "a value between 0 and 100000");
        return false;
    }
    if (p->announce_rounds > 1000) {
        INVALID_PARAM("announce_rounds", "a value between 0 and 1000");
        return false;
    }
    if (p->announce_step < 1 || p->announce_step > 10000) {
        INVALID_PARAM("announce_step", "a value between 0 and 10000");
        return false;
    }
    if (p->x_vcpu_dirty_limit_period < 1 ||
        p->x_vcpu_dirty_limit_period > 1000) {
        INVALID_PARAM("x-vcpu-dirty-limit-period",
                      "a value between 1 and 1000");
        return false;
    }
    if (p->vcpu_dirty_limit < 1) {
        INVALID_PARAM("vcpu_dirty_limit", "is invalid, it must greater then 1 "
                      "MB/s");
        return false;
    }
    if (p->has_block_bitmap_mapping &&
        !check_bitmap_mapping(p->block_bitmap_mapping, errp)) {
        return false;
    }
    return true;
}

static char *str_or_null(const StrOrNull *s)
{
    return g_strdup(s->type == QTYPE_QNULL ? "" : s->u.s);
}

/* Copy the members present in @set over @p. */
static void apply_parameters(MigrationParameters *p,
                             const MigrateSetParameters *set)
{
#define APPLY(field) \
    do { \
        if (set->has_##field) { \
            p->field = set->field; \
        } \
    } while (0)
    APPLY(announce_initial);
    APPLY(announce_max);
    APPLY(announce_rounds);
    APPLY(announce_step);
    APPLY(throttle_trigger_threshold);
    APPLY(cpu_throttle_initial);
    APPLY(cpu_throttle_increment);
    APPLY(cpu_throttle_tailslow);
    APPLY(max_bandwidth);
    APPLY(avail_switchover_bandwidth);
    APPLY(downtime_limit);
    APPLY(x_checkpoint_delay);
    APPLY(multifd_channels);
    APPLY(xbzrle_cache_size);
    APPLY(max_postcopy_bandwidth);
    APPLY(max_cpu_throttle);
    APPLY(multifd_compression);
    APPLY(multifd_zlib_level);
    APPLY(multifd_zstd_level);
    APPLY(x_vcpu_dirty_limit_period);
    APPLY(vcpu_dirty_limit);
    APPLY(mode);
    APPLY(zero_page_detection);
    APPLY(direct_io);
#undef APPLY
    if (set->tls_creds) {
        g_free(p->tls_creds);
        p->tls_creds = str_or_null(set->tls_creds);
    }
    if (set->tls_hostname) {
        g_free(p->tls_hostname);
        p->tls_hostname = str_or_null(set->tls_hostname);
    }
    if (set->tls_authz) {
        g_free(p->tls_authz);
        p->tls_authz = str_or_null(set->tls_authz);
    }
    if (set->has_block_bitmap_mapping) {
        qapi_free_BitmapMigrationNodeAliasList(p->block_bitmap_mapping);
        p->has_block_bitmap_mapping = true;
        p->block_bitmap_mapping =
            QAPI_CLONE(BitmapMigrationNodeAliasList,
                       set->block_bitmap_mapping);
    }
}

void qmp_migrate_set_parameters(MigrateSetParameters *set, Error **errp)
{
    MigrationConfig *c = get_config();
    g_autoptr(MigrationParameters) trial = QAPI_CLONE(MigrationParameters,
                                                      &c->params);

    apply_parameters(trial, set);
    if (!check_parameters(trial, errp)) {
        return;
    }
    if (c->caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND] &&
        (trial->multifd_compression != MULTI_FD_COMPRESSION_NONE ||
         trial->tls_creds[0])) {
        error_setg(errp, "Zero copy only available for non-compressed non-TLS"
                   " multifd migration");
        return;
    }
    apply_parameters(&c->params, set);
}

MigrationParameters *qmp_query_migrate_parameters(Error **errp)
{
    return QAPI_CLONE(MigrationParameters, &get_config()->params);
}

/* Capability rules QEMU enforces that hold without a migration running. */
static bool check_capabilities(const bool *caps, Error **errp)
{
    const MigrationParameters *p = &get_config()->params;

    if (caps[MIGRATION_CAPABILITY_X_COLO]) {
        error_setg(errp, "QEMU compiled without replication module"
                   " can't enable COLO");
        return false;
    }
    if (caps[MIGRATION_CAPABILITY_POSTCOPY_PREEMPT] &&
        !caps[MIGRATION_CAPABILITY_POSTCOPY_RAM]) {
        error_setg(errp, "Postcopy preempt requires postcopy-ram");
        return false;
    }
    if (caps[MIGRATION_CAPABILITY_SWITCHOVER_ACK] &&
        !caps[MIGRATION_CAPABILITY_RETURN_PATH]) {
        error_setg(errp, "Capability 'switchover-ack' requires capability "
                   "'return-path'");
        return false;
    }
    if (caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND] &&
        (!caps[MIGRATION_CAPABILITY_MULTIFD] ||
         caps[MIGRATION_CAPABILITY_XBZRLE] ||
         p->multifd_compression != MULTI_FD_COMPRESSION_NONE ||
         p->tls_creds[0])) {
        error_setg(errp, "Zero copy only available for non-compressed non-TLS"
                   " multifd migration");
        return false;
    }
    if (caps[MIGRATION_CAPABILITY_DIRTY_LIMIT]) {
        if (caps[MIGRATION_CAPABILITY_AUTO_CONVERGE]) {
            error_setg(errp, "dirty-limit conflicts with auto-converge"
                       " either of then available currently");
            return false;
        }
        error_setg(errp, "dirty-limit requires KVM with accelerator"
                   " property 'dirty-ring-size' set");
        return false;
    }
    if (caps[MIGRATION_CAPABILITY_BACKGROUND_SNAPSHOT]) {
        error_setg(errp, "Background-snapshot is not supported by host"
                   " kernel");
        return false;
    }
    if (caps[MIGRATION_CAPABILITY_MAPPED_RAM]) {
        if (caps[MIGRATION_CAPABILITY_XBZRLE]) {
            error_setg(errp, "Mapped-ram migration is incompatible with "
                       "xbzrle");
            return false;
        }
        if (caps[MIGRATION_CAPABILITY_POSTCOPY_RAM]) {
            error_setg(errp, "Mapped-ram migration is incompatible with "
                       "postcopy");
            return false;
        }
    }
    return true;
}

void qmp_migrate_set_capabilities(MigrationCapabilityStatusList *params,
                                  Error **errp)
{
    MigrationConfig *c = get_config();
    bool trial[MIGRATION_CAPABILITY__MAX];

    if (migration_in_progress()) {
        error_setg(errp, "There's a migration process in progress");
        return;
    }
    memcpy(trial, c->caps, sizeof(trial));
    for (; params; params = params->next) {
        trial[params->value->capability] = params->value->state;
    }
    if (!check_capabilities(trial, errp)) {
        return;
    }
    memcpy(c->caps, trial, sizeof(trial));
}

MigrationCapabilityStatusList *qmp_query_migrate_capabilities(Error **errp)
{
    MigrationCapabilityStatusList *head = NULL, **tail = &head;
    MigrationConfig *c = get_config();

    for (int i = 0; i < MIGRATION_CAPABILITY__MAX; i++) {
        MigrationCapabilityStatus *cap = g_new0(MigrationCapabilityStatus, 1);
        cap->capability = i;
        cap->state = c->caps[i];
        QAPI_LIST_APPEND(tail, cap);
    }
    return head;
}

MigrationInfo *qmp_query_migrate(Error **errp)
{
    MigrationInfo *info = g_new0(MigrationInfo, 1);
    MigrationConfig *c = get_config();

    /* Before the first migration the reply is empty, as QEMU's. */
    if (c->started) {
        info->has_status = true;
        info->status = c->status;
    }
    return info;
}
