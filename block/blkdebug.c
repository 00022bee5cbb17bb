/*
 * The 'blkdebug' driver (QEMU's): a filter over its 'image' child that
 * fails requests by rules, to test error paths.  Drivers above fire
 * events on their child (BLKDBG_EVENT: read_aio, l2_load, ...); an
 * [inject-error] rule whose event fired becomes active and fails the
 * next matching requests that reach this node; a [set-state] rule moves
 * the state (1 at open) that rules may require.  Rules come from a config
 * file in QEMU's -readconfig format, from inline inject-error/set-state
 * lists, or from a "blkdebug:CONFIG:IMAGE" file name.
 *
 * Vireo's block layer has no request limits of its own, so this node
 * applies its align/max-transfer/opt-/max-write-zero/-discard options to
 * what it passes down the way QEMU's block layer does for a blkdebug node:
 * read-modify-write of unaligned writes (with the pwritev_rmw_* events),
 * requests cut at max-transfer, small zero writes done as writes, small
 * discards dropped.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qlist.h"
#include "qobject/qstring.h"
#include "block/block.h"

/* Limits need not be powers of two. */
#define ALIGN_DOWN(n, m) ((n) / (m) * (m))
#define ALIGN_UP(n, m) ALIGN_DOWN((n) + (m) - 1, (m))

typedef enum BlkdebugIOType {
    IOTYPE_READ, IOTYPE_WRITE, IOTYPE_WRITE_ZEROES, IOTYPE_DISCARD,
    IOTYPE_FLUSH, IOTYPE_BLOCK_STATUS, IOTYPE__MAX,
} BlkdebugIOType;

static const char *const iotype_names[IOTYPE__MAX] = {
    "read", "write", "write-zeroes", "discard", "flush", "block-status",
};

/* Without 'iotype' a rule fails every kind but block-status, as QEMU. */
#define IOTYPE_DEFAULT_MASK ((1u << IOTYPE_BLOCK_STATUS) - 1)

typedef enum {
    ACTION_INJECT_ERROR, ACTION_SET_STATE, ACTION_SUSPEND,
} BlkdebugAction;

static const char *const section_names[] = { "inject-error", "set-state" };

typedef struct BlkdebugRule {
    BdrvDebugEvent event;
    BlkdebugAction action;
    int state;                  /* 0: in any state */
    int error;                  /* inject-error: errno (0 injects nothing) */
    bool once;
    int64_t offset;             /* -1: any request */
    unsigned iotype_mask;
    bool immediately;           /* inject-error: no yield first */
    int new_state;              /* set-state */
    char *tag;                  /* suspend (a breakpoint) */
    QLIST_ENTRY(BlkdebugRule) next;
    QTAILQ_ENTRY(BlkdebugRule) active_next;
} BlkdebugRule;

/* A request stopped at a breakpoint: its worker thread waits until the
 * tag is resumed (QEMU's suspended coroutine). */
typedef struct BlkdebugSuspendedReq {
    char *tag;
    bool resumed;
    QLIST_ENTRY(BlkdebugSuspendedReq) next;
} BlkdebugSuspendedReq;

typedef struct BDRVBlkdebugState {
    GMutex lock;                /* rules and state: any worker fires events */
    GCond resume_cond;          /* a suspended request was resumed */
    QLIST_HEAD(, BlkdebugSuspendedReq) suspended;
    GRWLock rmw_lock;           /* a read-modify-write excludes other writes */
    int state, new_state;
    uint64_t align, max_transfer, opt_write_zero, max_write_zero;
    uint64_t opt_discard, max_discard;
    QLIST_HEAD(, BlkdebugRule) rules[BLKDBG__MAX];
    QTAILQ_HEAD(, BlkdebugRule) active_rules;
} BDRVBlkdebugState;

/* ---- Rules ---- */

/*
 * QEMU's events that no code path in Vireo's drivers raises (no vmstate
 * in qcow2, no qcow2 make_completely_empty()).  A rule or breakpoint on
 * them would silently never fire, so they are refused as unknown names.
 */
static const BdrvDebugEvent never_raised[] = {
    BLKDBG_VMSTATE_LOAD, BLKDBG_VMSTATE_SAVE, BLKDBG_REFTABLE_UPDATE,
    BLKDBG_EMPTY_IMAGE_PREPARE,
};

static int event_lookup(const char *name)
{
    int event = bdrv_debug_event_lookup(name);

    for (size_t i = 0; i < G_N_ELEMENTS(never_raised); i++) {
        if (event == (int)never_raised[i]) {
            return -1;
        }
    }
    return event;
}

static bool known_key(BlkdebugAction action, const char *key)
{
    static const char *const inject[] = {
        "event", "state", "iotype", "errno", "sector", "once", "immediately",
        NULL,
    };
    static const char *const set_state[] = {
        "event", "state", "new_state", NULL,
    };

    for (const char *const *k = action == ACTION_INJECT_ERROR ? inject
                                                               : set_state;
         *k; k++) {
        if (!strcmp(*k, key)) {
            return true;
        }
    }
    return false;
}

/* An integer key of a rule within [min, max], or @def when absent. */
static bool rule_int(QDict *d, const char *key, int64_t def, int64_t min,
                     int64_t max, int64_t *out, Error **errp)
{
    QObject *o = qdict_get(d, key);

    *out = def;
    if (!o) {
        return true;
    }
    if (!bdrv_opt_int(o, key, out, errp)) {
        return false;
    }
    if (*out < min || *out > max) {
        error_setg(errp, "Parameter '%s' expects a value between %" PRId64
                   " and %" PRId64, key, min, max);
        return false;
    }
    return true;
}

static bool rule_bool(QDict *d, const char *key, bool *out, Error **errp)
{
    QObject *o = qdict_get(d, key);

    *out = false;
    return !o || bdrv_opt_bool(o, key, out, errp);
}

/* A string key naming one of @names (the index), or @def when absent. */
static bool rule_enum(QDict *d, const char *key, const char *const *names,
                      int n, int def, int *out, Error **errp)
{
    QObject *o = qdict_get(d, key);
    const char *s;

    *out = def;
    if (!o) {
        return true;
    }
    s = bdrv_opt_str(o, key, "string", errp);
    if (!s) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (names[i] && !strcmp(names[i], s)) {
            *out = i;
            return true;
        }
    }
    error_setg(errp, "invalid parameter value: %s", s);
    return false;
}

/* Build a rule from one section's keys (strings or typed values). */
static BlkdebugRule *rule_new(BlkdebugAction action, QDict *d, Error **errp)
{
    g_autofree BlkdebugRule *rule = g_new0(BlkdebugRule, 1);
    const char *name;
    int64_t state, v, sector;
    int event, iotype;

    for (const QDictEntry *e = qdict_first(d); e; e = qdict_next(d, e)) {
        if (!known_key(action, qdict_entry_key(e))) {
            error_setg(errp, "[%s] section doesn't support the option '%s'",
                       section_names[action], qdict_entry_key(e));
            return NULL;
        }
    }
    if (!qdict_haskey(d, "event")) {
        error_setg(errp, "Missing event name for rule");
        return NULL;
    }
    name = bdrv_opt_str(qdict_get(d, "event"), "event", "string", errp);
    if (!name) {
        return NULL;
    }
    event = event_lookup(name);
    if (event < 0) {
        error_setg(errp, "invalid parameter value: %s", name);
        return NULL;
    }
    if (!rule_int(d, "state", 0, INT_MIN, INT_MAX, &state, errp)) {
        return NULL;
    }
    rule->event = event;
    rule->action = action;
    rule->state = state;
    if (action == ACTION_SET_STATE) {
        if (!rule_int(d, "new_state", 0, INT_MIN, INT_MAX, &v, errp)) {
            return NULL;
        }
        rule->new_state = v;
        return g_steal_pointer(&rule);
    }
    if (!rule_int(d, "errno", EIO, 0, 4095, &v, errp) ||
        !rule_int(d, "sector", -1, -1, INT64_MAX / BDRV_SECTOR_SIZE, &sector,
                  errp) ||
        !rule_bool(d, "once", &rule->once, errp) ||
        !rule_bool(d, "immediately", &rule->immediately, errp) ||
        !rule_enum(d, "iotype", iotype_names, IOTYPE__MAX, -1, &iotype,
                   errp)) {
        return NULL;
    }
    rule->error = v;
    rule->offset = sector < 0 ? -1 : sector * BDRV_SECTOR_SIZE;
    rule->iotype_mask = iotype < 0 ? IOTYPE_DEFAULT_MASK : 1u << iotype;
    return g_steal_pointer(&rule);
}

static void rule_free(BlkdebugRule *rule)
{
    QLIST_REMOVE(rule, next);
    g_free(rule->tag);
    g_free(rule);
}

/* Strip blanks at both ends in place. */
static char *strip(char *s)
{
    char *end;

    while (g_ascii_isspace(*s)) {
        s++;
    }
    end = s + strlen(s);
    while (end > s && g_ascii_isspace(end[-1])) {
        *--end = '\0';
    }
    return s;
}

/*
 * Sections of a config file in QEMU's -readconfig format:
 *   [inject-error]        (or [set-state], optionally [name "id"])
 *   event = "write_aio"
 * Blank lines and '#' comments are skipped; values are quoted.
 */
static bool read_config(const char *path, GPtrArray *sections[2],
                        Error **errp)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;
    QDict *cur = NULL;
    int action = 0;
    FILE *f = fopen(path, "r");
    char chunk[4096];
    size_t n;

    if (!f) {
        error_setg_errno(errp, errno, "Could not read blkdebug config file");
        return false;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        g_string_append_len(text, chunk, n);
    }
    if (ferror(f)) {
        error_setg_errno(errp, errno, "Could not read blkdebug config file");
        fclose(f);
        return false;
    }
    fclose(f);
    lines = g_strsplit(text->str, "\n", -1);
    for (int lno = 1; lines[lno - 1]; lno++) {
        char *line = strip(lines[lno - 1]);
        char *eq, *key, *val;
        size_t vlen;

        if (!*line || *line == '#') {
            continue;
        }
        if (*line == '[') {
            size_t len = strcspn(line + 1, " ]");
            int i;

            if (line[strlen(line) - 1] != ']') {
                error_setg(errp, "%s:%d: parse error", path, lno);
                return false;
            }
            for (i = 0; i < 2; i++) {
                if (strlen(section_names[i]) == len &&
                    !strncmp(line + 1, section_names[i], len)) {
                    break;
                }
            }
            if (i == 2) {
                error_setg(errp, "%s:%d: There is no option group '%.*s'",
                           path, lno, (int)len, line + 1);
                return false;
            }
            cur = qdict_new();
            action = i;
            g_ptr_array_add(sections[i], cur);
            continue;
        }
        eq = strchr(line, '=');
        if (!eq) {
            error_setg(errp, "%s:%d: parse error", path, lno);
            return false;
        }
        *eq = '\0';
        key = strip(line);
        val = strip(eq + 1);
        vlen = strlen(val);
        if (!*key || strchr(key, ' ') || vlen < 2 || val[0] != '"' ||
            val[vlen - 1] != '"') {
            error_setg(errp, "%s:%d: parse error", path, lno);
            return false;
        }
        if (!cur) {
            error_setg(errp, "%s:%d: no group defined", path, lno);
            return false;
        }
        if (!known_key(action, key)) {
            error_setg(errp, "%s:%d: Invalid parameter '%s'", path, lno, key);
            return false;
        }
        val[vlen - 1] = '\0';
        qdict_put_str(cur, key, val + 1);
    }
    return true;
}

/*
 * Take the inline sections @name ("inject-error") out of @options: a list
 * of dicts (JSON, -blockdev) or dotted keys ("inject-error.0.event").
 */
static bool take_sections(QDict *options, const char *name, GPtrArray *out,
                          Error **errp)
{
    g_autofree char *prefix = g_strdup_printf("%s.", name);
    g_autoptr(QDict) flat = NULL;
    g_autoptr(QList) list = NULL;
    QObject *o = qdict_get(options, name);

    if (o) {
        if (qobject_type(o) != QTYPE_QLIST) {
            error_setg(errp, "Invalid parameter type for '%s', expected: "
                       "array", name);
            return false;
        }
        list = qobject_to(QList, qobject_ref(o));
        qdict_del(options, name);
    }
    qdict_extract_subqdict(options, &flat, prefix);
    if (qdict_size(flat)) {
        QObject *tree = qdict_crumple(flat, errp);

        if (!tree) {
            return false;
        }
        if (qobject_type(tree) == QTYPE_QDICT) {
            /* A single section without an index, as QEMU allows. */
            g_ptr_array_add(out, qobject_to(QDict, tree));
        } else {
            qobject_unref(list);
            list = qobject_to(QList, tree);
        }
    }
    for (const QListEntry *e = list ? qlist_first(list) : NULL; e;
         e = qlist_next(e)) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));

        if (!d) {
            error_setg(errp, "[%s] section (index %u) does not consist of "
                       "keys", name, out->len);
            return false;
        }
        g_ptr_array_add(out, qobject_ref(d));
    }
    return true;
}

/* All rules, the config file's first; as QEMU, every inject-error rule
 * is added before the set-state ones, each at the head of its event. */
static bool load_rules(BDRVBlkdebugState *s, const char *config,
                       QDict *options, Error **errp)
{
    GPtrArray *sections[2] = {
        g_ptr_array_new_with_free_func((GDestroyNotify)qdict_unref),
        g_ptr_array_new_with_free_func((GDestroyNotify)qdict_unref),
    };
    bool ok = (!config || read_config(config, sections, errp)) &&
              take_sections(options, "inject-error", sections[0], errp) &&
              take_sections(options, "set-state", sections[1], errp);

    for (int a = 0; ok && a < 2; a++) {
        for (guint i = 0; ok && i < sections[a]->len; i++) {
            BlkdebugRule *rule = rule_new(a, sections[a]->pdata[i], errp);

            if (!rule) {
                ok = false;
                break;
            }
            QLIST_INSERT_HEAD(&s->rules[rule->event], rule, next);
        }
    }
    g_ptr_array_free(sections[0], true);
    g_ptr_array_free(sections[1], true);
    return ok;
}

/*
 * QEMU's blkdebug_co_debug_event(): with the state from before the event,
 * inject-error rules become the active ones (those of the last event that
 * had any), set-state rules pick the new state, breakpoints stop the
 * request: the rule goes, the request is listed under its tag and its
 * worker waits until 'resume' (or remove_break) lets it go on.
 */
static void blkdebug_debug_event(BlockDriverState *bs, BdrvDebugEvent event)
{
    BDRVBlkdebugState *s = bs->opaque;
    BlkdebugRule *rule, *next;
    BlkdebugSuspendedReq *stopped[8];
    int nstopped = 0, new_state;
    bool injected = false;

    g_mutex_lock(&s->lock);
    new_state = s->state;
    QLIST_FOREACH_SAFE(rule, &s->rules[event], next, next) {
        /* Rules see the state from before this event. */
        if (rule->state && rule->state != s->state) {
            continue;
        }
        switch (rule->action) {
        case ACTION_SET_STATE:
            new_state = rule->new_state;
            break;
        case ACTION_INJECT_ERROR:
            /* This event's error rules replace those of earlier events. */
            if (!injected) {
                QTAILQ_INIT(&s->active_rules);
                injected = true;
            }
            QTAILQ_INSERT_HEAD(&s->active_rules, rule, active_next);
            break;
        case ACTION_SUSPEND:
            if (nstopped < (int)G_N_ELEMENTS(stopped)) {
                BlkdebugSuspendedReq *r = g_new0(BlkdebugSuspendedReq, 1);

                r->tag = g_strdup(rule->tag);
                QLIST_INSERT_HEAD(&s->suspended, r, next);
                stopped[nstopped++] = r;
                printf("blkdebug: Suspended request '%s'\n", r->tag);
                fflush(stdout);
            }
            rule_free(rule);
            break;
        }
    }
    s->state = new_state;
    for (int i = 0; i < nstopped; i++) {
        while (!stopped[i]->resumed) {
            g_cond_wait(&s->resume_cond, &s->lock);
        }
        g_free(stopped[i]->tag);
        g_free(stopped[i]);
    }
    g_mutex_unlock(&s->lock);
}

/*
 * Let the requests stopped under @tag go on: the first (0, or -ENOENT if
 * none), or all of them, which as QEMU's resume_req_by_tag() ends with
 * -ENOENT once none is left.
 */
static int resume_tag(BDRVBlkdebugState *s, const char *tag, bool all)
{
    BlkdebugSuspendedReq *r, *next;

    QLIST_FOREACH_SAFE(r, &s->suspended, next, next) {
        if (strcmp(r->tag, tag)) {
            continue;
        }
        printf("blkdebug: Resuming request '%s'\n", r->tag);
        fflush(stdout);
        QLIST_REMOVE(r, next);
        r->resumed = true;      /* its worker frees it */
        g_cond_broadcast(&s->resume_cond);
        if (!all) {
            return 0;
        }
    }
    return -ENOENT;
}

static int blkdebug_debug_breakpoint(BlockDriverState *bs, const char *event,
                                     const char *tag)
{
    BDRVBlkdebugState *s = bs->opaque;
    int e = event_lookup(event);
    BlkdebugRule *rule;

    if (e < 0) {
        return -ENOENT;
    }
    rule = g_new0(BlkdebugRule, 1);
    rule->event = e;
    rule->action = ACTION_SUSPEND;
    rule->tag = g_strdup(tag);
    g_mutex_lock(&s->lock);
    QLIST_INSERT_HEAD(&s->rules[e], rule, next);
    g_mutex_unlock(&s->lock);
    return 0;
}

static int blkdebug_debug_remove_breakpoint(BlockDriverState *bs,
                                            const char *tag)
{
    BDRVBlkdebugState *s = bs->opaque;
    BlkdebugRule *rule, *next;
    int ret = -ENOENT;

    g_mutex_lock(&s->lock);
    for (int i = 0; i < BLKDBG__MAX; i++) {
        QLIST_FOREACH_SAFE(rule, &s->rules[i], next, next) {
            if (rule->action == ACTION_SUSPEND && !strcmp(rule->tag, tag)) {
                rule_free(rule);
                ret = 0;
            }
        }
    }
    if (resume_tag(s, tag, true) == 0) {
        ret = 0;
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

static int blkdebug_debug_resume(BlockDriverState *bs, const char *tag)
{
    BDRVBlkdebugState *s = bs->opaque;
    int ret;

    g_mutex_lock(&s->lock);
    ret = resume_tag(s, tag, false);
    g_mutex_unlock(&s->lock);
    return ret;
}

static bool blkdebug_debug_is_suspended(BlockDriverState *bs, const char *tag)
{
    BDRVBlkdebugState *s = bs->opaque;
    BlkdebugSuspendedReq *r;
    bool found = false;

    g_mutex_lock(&s->lock);
    QLIST_FOREACH(r, &s->suspended, next) {
        found |= !strcmp(r->tag, tag);
    }
    g_mutex_unlock(&s->lock);
    return found;
}

/*
 * The error the first active rule matching the request injects, or 0.
 * Without 'immediately' QEMU's request yields once before failing, so
 * others run first; here the worker thread yields the CPU.
 */
static int rule_check(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      BlkdebugIOType iotype)
{
    BDRVBlkdebugState *s = bs->opaque;
    BlkdebugRule *rule;
    bool immediately = true;
    int error = 0;

    g_mutex_lock(&s->lock);
    QTAILQ_FOREACH(rule, &s->active_rules, active_next) {
        if ((rule->offset == -1 ||
             (bytes && rule->offset >= offset &&
              rule->offset < offset + bytes)) &&
            (rule->iotype_mask & (1u << iotype))) {
            break;
        }
    }
    if (rule && rule->error) {
        error = rule->error;
        immediately = rule->immediately;
        if (rule->once) {
            QTAILQ_REMOVE(&s->active_rules, rule, active_next);
            rule_free(rule);
        }
    }
    g_mutex_unlock(&s->lock);
    if (!immediately) {
        g_thread_yield();
    }
    return -error;
}

/* ---- Options ---- */

/* The size option @key (0 when absent) out of @options. */
static bool take_limit(QDict *options, const char *key, uint64_t *out,
                       Error **errp)
{
    bool present;

    *out = 0;
    return bdrv_take_size(options, key, out, &present, errp);
}

/* QEMU's checks: positive sizes below 2 GiB, multiples of @of. */
static bool check_limit(const char *key, uint64_t v, uint64_t of,
                        Error **errp)
{
    if (v && (v >= INT_MAX || v % of)) {
        error_setg(errp, "Cannot meet constraints with %s %" PRIu64, key, v);
        return false;
    }
    return true;
}

static bool take_limits(BDRVBlkdebugState *s, QDict *options, Error **errp)
{
    if (!take_limit(options, "align", &s->align, errp) ||
        !take_limit(options, "max-transfer", &s->max_transfer, errp) ||
        !take_limit(options, "opt-write-zero", &s->opt_write_zero, errp) ||
        !take_limit(options, "max-write-zero", &s->max_write_zero, errp) ||
        !take_limit(options, "opt-discard", &s->opt_discard, errp) ||
        !take_limit(options, "max-discard", &s->max_discard, errp)) {
        return false;
    }
    if (s->align && (s->align >= INT_MAX || (s->align & (s->align - 1)))) {
        error_setg(errp, "Cannot meet constraints with align %" PRIu64,
                   s->align);
        return false;
    }
    s->align = MAX(s->align, 1);
    return check_limit("max-transfer", s->max_transfer, s->align, errp) &&
           check_limit("opt-write-zero", s->opt_write_zero, s->align, errp) &&
           check_limit("max-write-zero", s->max_write_zero,
                       MAX(s->opt_write_zero, s->align), errp) &&
           check_limit("opt-discard", s->opt_discard, s->align, errp) &&
           check_limit("max-discard", s->max_discard,
                       MAX(s->opt_discard, s->align), errp);
}

/* take-child-perms / unshare-child-perms: lists of permission names. */
static bool take_perms(QDict *options, const char *key, uint64_t *out,
                       Error **errp)
{
    static const char *const names[] = {
        "consistent-read", "write", "write-unchanged", "resize",
    };
    g_autoptr(QDict) flat = NULL;
    g_autofree char *prefix = g_strdup_printf("%s.", key);
    g_autoptr(QList) list = NULL;
    QObject *o = qdict_get(options, key);

    *out = 0;
    if (o) {
        if (qobject_type(o) == QTYPE_QLIST) {
            list = qobject_to(QList, qobject_ref(o));
        }
        qdict_del(options, key);
    } else {
        QObject *tree;

        qdict_extract_subqdict(options, &flat, prefix);
        if (!qdict_size(flat)) {
            return true;
        }
        tree = qdict_crumple(flat, NULL);
        list = qobject_to(QList, tree);
        if (!list) {
            qobject_unref(tree);
        }
    }
    if (!list) {
        error_setg(errp, "Invalid parameter type for '%s', expected: array",
                   key);
        return false;
    }
    for (const QListEntry *e = qlist_first(list); e; e = qlist_next(e)) {
        QString *str = qobject_to(QString, qlist_entry_obj(e));
        size_t i = 0;

        while (str && i < G_N_ELEMENTS(names) &&
               strcmp(names[i], qstring_get_str(str))) {
            i++;
        }
        if (!str || i == G_N_ELEMENTS(names)) {
            error_setg(errp, "Parameter '%s' expects a list of permissions",
                       key);
            return false;
        }
        *out |= 1ull << i;      /* the BLK_PERM_* bits in QAPI's order */
    }
    return true;
}

static void blkdebug_parse_filename(const char *filename, QDict *options,
                                    Error **errp)
{
    const char *rest, *colon;
    QDict *image = qdict_new();

    if (!g_str_has_prefix(filename, "blkdebug:")) {
        /* Everything else must already be in the options. */
        qdict_put_str(image, "filename", filename);
        qdict_put_obj(options, "image", QOBJECT(image));
        return;
    }
    rest = filename + strlen("blkdebug:");
    colon = strchr(rest, ':');
    if (!colon) {
        error_setg(errp, "blkdebug requires both config file and image "
                   "path");
        qobject_unref(image);
        return;
    }
    if (colon != rest) {
        g_autofree char *config = g_strndup(rest, colon - rest);

        qdict_put_str(options, "config", config);
    }
    qdict_put_str(image, "filename", colon + 1);
    qdict_put_obj(options, "image", QOBJECT(image));
}

static void blkdebug_close(BlockDriverState *bs);

static int blkdebug_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVBlkdebugState *s = bs->opaque;
    g_autofree char *config = g_strdup(qdict_get_try_str(options, "config"));
    uint64_t perm, shared, take, unshare;
    bool plain = true;      /* only config and image: a filename says it */

    for (const QDictEntry *e = qdict_first(options); e;
         e = qdict_next(options, e)) {
        plain &= !strcmp(qdict_entry_key(e), "config") ||
                 !strcmp(qdict_entry_key(e), "image");
    }

    g_mutex_init(&s->lock);
    g_cond_init(&s->resume_cond);
    QLIST_INIT(&s->suspended);
    g_rw_lock_init(&s->rmw_lock);
    QTAILQ_INIT(&s->active_rules);
    qdict_del(options, "config");
    if (!load_rules(s, config, options, errp) ||
        !take_limits(s, options, errp) ||
        !take_perms(options, "take-child-perms", &take, errp) ||
        !take_perms(options, "unshare-child-perms", &unshare, errp)) {
        blkdebug_close(bs);     /* a failed open is not closed */
        return -EINVAL;
    }
    s->state = 1;
    bdrv_file_child_perms(bs, options, &perm, &shared);
    bs->file = bdrv_open_child(bs, options, "image", perm | take,
                               shared & ~unshare, errp);
    if (!bs->file) {
        blkdebug_close(bs);
        return -EINVAL;
    }
    if (plain) {
        g_autofree char *name = g_strdup_printf(
            "blkdebug:%s:%s", config ? config : "", bs->file->bs->filename);

        /* Too long for a usable name: the image's name stands in. */
        if (strlen(name) < sizeof(bs->filename)) {
            memcpy(bs->filename, name, strlen(name) + 1);
        }
    }
    bdrv_debug_event(bs, BLKDBG_NONE);
    return 0;
}

static void blkdebug_close(BlockDriverState *bs)
{
    BDRVBlkdebugState *s = bs->opaque;

    for (int i = 0; i < BLKDBG__MAX; i++) {
        while (!QLIST_EMPTY(&s->rules[i])) {
            rule_free(QLIST_FIRST(&s->rules[i]));
        }
    }
    g_mutex_clear(&s->lock);
    g_cond_clear(&s->resume_cond);
    g_rw_lock_clear(&s->rmw_lock);
}

/* ---- I/O ---- */

static int64_t blkdebug_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file->bs);
}

/*
 * Aligned reads or writes as QEMU's block layer hands them to the driver:
 * cut at max-transfer, each piece checked against the rules.  Reads past
 * the end of the image (padding) see zeroes.
 */
static int pass_down(BlockDriverState *bs, bool write, int64_t offset,
                     int64_t bytes, struct iovec *iov, int niov, size_t skip,
                     int flags)
{
    BDRVBlkdebugState *s = bs->opaque;
    int64_t chunk = s->max_transfer ? (int64_t)s->max_transfer : bytes;
    int64_t len = write ? INT64_MAX : bdrv_getlength(bs->file->bs);
    g_autofree struct iovec *sub = g_new(struct iovec, niov);

    if (len < 0) {
        return len;
    }
    for (int64_t done = 0, n; done < bytes; done += n) {
        int64_t real;
        int k, ret;

        n = MIN(chunk, bytes - done);
        ret = rule_check(bs, offset + done, n,
                         write ? IOTYPE_WRITE : IOTYPE_READ);
        if (ret < 0) {
            return ret;
        }
        real = MIN(n, MAX(len - (offset + done), 0));
        k = bdrv_iov_slice(iov, niov, skip + done, real, sub, niov);
        ret = !real ? 0 : write ?
            bdrv_pwritev(bs->file->bs, offset + done, real, sub, k, flags) :
            bdrv_preadv(bs->file->bs, offset + done, real, sub, k);
        if (ret < 0) {
            return ret;
        }
        bdrv_iov_memset(iov, niov, skip + done + real, 0, n - real);
    }
    return 0;
}

static int blkdebug_preadv(BlockDriverState *bs, int64_t offset,
                           int64_t bytes, struct iovec *iov, int niov)
{
    BDRVBlkdebugState *s = bs->opaque;
    int64_t start = ALIGN_DOWN(offset, s->align);
    int64_t end = ALIGN_UP(offset + bytes, s->align);
    g_autofree uint8_t *buf = NULL;
    struct iovec biov;
    int ret;

    if (start == offset && end == offset + bytes) {
        return pass_down(bs, false, offset, bytes, iov, niov, 0, 0);
    }
    buf = g_malloc(end - start);
    biov = (struct iovec) { .iov_base = buf, .iov_len = end - start };
    ret = pass_down(bs, false, start, end - start, &biov, 1, 0, 0);
    if (ret == 0) {
        bdrv_iov_from_buf(iov, niov, 0, buf + (offset - start), bytes);
    }
    return ret;
}

/*
 * Read what pads a write at @off (@len bytes) into @buf, between QEMU's
 * pwritev_rmw_* events: the head's, the tail's, or both in one read.
 */
static int rmw_read(BlockDriverState *bs, int64_t off, uint8_t *buf,
                    int64_t len, bool head, bool tail)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    int ret;

    if (head) {
        bdrv_debug_event(bs, BLKDBG_PWRITEV_RMW_HEAD);
    }
    if (tail) {
        bdrv_debug_event(bs, BLKDBG_PWRITEV_RMW_TAIL);
    }
    ret = pass_down(bs, false, off, len, &iov, 1, 0, 0);
    if (head) {
        bdrv_debug_event(bs, BLKDBG_PWRITEV_RMW_AFTER_HEAD);
    }
    if (tail) {
        bdrv_debug_event(bs, BLKDBG_PWRITEV_RMW_AFTER_TAIL);
    }
    return ret;
}

/*
 * A write of @bytes from @iov (zeroes when NULL) padded to the alignment
 * with what the image holds around it, as QEMU's block layer pads: only
 * the head and tail blocks are read, in one read when the request fits
 * in them.
 */
static int write_padded(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        struct iovec *iov, int niov, int flags)
{
    BDRVBlkdebugState *s = bs->opaque;
    int64_t a = s->align;
    int64_t start = ALIGN_DOWN(offset, a), end = ALIGN_UP(offset + bytes, a);
    int64_t head = offset - start, tail = end - (offset + bytes);
    int64_t buf_len = end - start > a && head && tail ? 2 * a : a;
    bool merge = end - start == buf_len && tail;
    g_autofree uint8_t *hbuf = g_malloc(merge ? buf_len : a);
    g_autofree uint8_t *tbuf = NULL, *zero = NULL;
    g_autofree struct iovec *v = g_new(struct iovec, niov + 3);
    struct iovec ziov;
    int n = 0, ret = 0;

    if (!iov) {
        zero = g_malloc0(bytes);
        ziov = (struct iovec) { .iov_base = zero, .iov_len = bytes };
        iov = &ziov;
        niov = 1;
    }
    g_rw_lock_writer_lock(&s->rmw_lock);
    if (head || merge) {
        ret = rmw_read(bs, start, hbuf, merge ? buf_len : a, head, merge);
    }
    if (ret == 0 && tail && !merge) {
        tbuf = g_malloc(a);
        ret = rmw_read(bs, end - a, tbuf, a, false, true);
    }
    if (ret == 0 && merge) {
        bdrv_iov_to_buf(iov, niov, 0, hbuf + head, bytes);
        v[n++] = (struct iovec) { .iov_base = hbuf, .iov_len = buf_len };
    } else if (ret == 0) {
        if (head) {
            v[n++] = (struct iovec) { .iov_base = hbuf, .iov_len = head };
        }
        n += bdrv_iov_slice(iov, niov, 0, bytes, v + n, niov);
        if (tail) {
            v[n++] = (struct iovec) { .iov_base = tbuf + a - tail,
                                      .iov_len = tail };
        }
    }
    if (ret == 0) {
        ret = pass_down(bs, true, start, end - start, v, n, 0, flags);
    }
    g_rw_lock_writer_unlock(&s->rmw_lock);
    return ret;
}

static int blkdebug_pwritev(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, struct iovec *iov, int niov,
                            int flags)
{
    BDRVBlkdebugState *s = bs->opaque;
    int ret;

    if (offset % s->align || (offset + bytes) % s->align) {
        return write_padded(bs, offset, bytes, iov, niov, flags);
    }
    g_rw_lock_reader_lock(&s->rmw_lock);
    ret = pass_down(bs, true, offset, bytes, iov, niov, 0, flags);
    g_rw_lock_reader_unlock(&s->rmw_lock);
    return ret;
}

/* Aligned zeroes written as data, a bounded buffer at a time. */
static int write_zero_buf(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVBlkdebugState *s = bs->opaque;
    int64_t chunk = MIN(MAX((int64_t)s->align, 1 << 20), bytes);
    g_autofree void *zero = g_malloc0(chunk);
    int ret = 0;

    for (int64_t done = 0, n; done < bytes && ret == 0; done += n) {
        struct iovec iov = { .iov_base = zero };

        n = MIN(chunk, bytes - done);
        iov.iov_len = n;
        ret = blkdebug_pwritev(bs, offset + done, n, &iov, 1, 0);
    }
    return ret;
}

/*
 * Aligned zero writes, cut as QEMU's block layer does: pieces shorter
 * than opt-write-zero (the unaligned head and tail) become ordinary
 * writes of zeroes, the rest zero writes of at most max-write-zero.
 */
static int zero_aligned(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        int flags)
{
    BDRVBlkdebugState *s = bs->opaque;
    int64_t za = MAX((int64_t)s->opt_write_zero, (int64_t)s->align);
    int64_t maxz = s->max_write_zero ?
        (int64_t)ALIGN_DOWN(s->max_write_zero, za) : ALIGN_DOWN(INT64_MAX, za);
    int64_t head = offset % za, tail = (offset + bytes) % za;
    int ret = 0;

    while (bytes > 0 && ret == 0) {
        int64_t num = bytes;

        if (head) {
            num = MIN(bytes, za - head);
            head = (head + num) % za;
        } else if (tail && num > za) {
            num -= tail;
        }
        num = MIN(num, maxz);
        if (num < za) {
            ret = (flags & BDRV_REQ_NO_FALLBACK) ? -ENOTSUP :
                  write_zero_buf(bs, offset, num);
        } else {
            ret = rule_check(bs, offset, num, IOTYPE_WRITE_ZEROES) ?:
                  bdrv_pwrite_zeroes(bs->file->bs, offset, num, flags);
        }
        offset += num;
        bytes -= num;
    }
    return ret;
}

static int blkdebug_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                                  int64_t bytes, int flags)
{
    BDRVBlkdebugState *s = bs->opaque;
    int64_t a = s->align;
    int64_t mid = ALIGN_UP(offset, a), mid_end = ALIGN_DOWN(offset + bytes, a);
    int ret;

    if (mid >= mid_end) {
        /* Inside one or two blocks: a padded write of zeroes. */
        return write_padded(bs, offset, bytes, NULL, 0, 0);
    }
    if (mid > offset) {
        ret = write_padded(bs, offset, mid - offset, NULL, 0, 0);
        if (ret < 0) {
            return ret;
        }
    }
    ret = zero_aligned(bs, mid, mid_end - mid, flags);
    if (ret == 0 && mid_end < offset + bytes) {
        ret = write_padded(bs, mid_end, offset + bytes - mid_end, NULL, 0, 0);
    }
    return ret;
}

/*
 * Discards cut as QEMU's block layer does: at opt-discard boundaries and
 * max-discard, pieces smaller than the alignment dropped (discard is
 * advisory).
 */
static int blkdebug_pdiscard(BlockDriverState *bs, int64_t offset,
                             int64_t bytes)
{
    BDRVBlkdebugState *s = bs->opaque;
    int64_t a = s->align;
    int64_t da = MAX((int64_t)s->opt_discard, a);
    int64_t maxd = s->max_discard ? (int64_t)ALIGN_DOWN(s->max_discard, a)
                                  : ALIGN_DOWN(INT64_MAX, a);
    int64_t head = offset % da, tail = (offset + bytes) % da;

    while (bytes > 0) {
        int64_t num = bytes;
        int ret;

        if (head) {
            num = MIN(bytes, da - head);
            if (num % a) {
                num %= a;
            }
            head = (head + num) % da;
        } else if (tail) {
            if (num > da) {
                num -= tail;
            } else if (tail % a && tail > a) {
                tail %= a;      /* then the unaligned rest alone */
                num -= tail;
            }
        }
        num = MIN(num, maxd);
        if (num >= a) {
            ret = rule_check(bs, offset, num, IOTYPE_DISCARD) ?:
                  bdrv_pdiscard(bs->file->bs, offset, num);
            if (ret < 0) {
                return ret;
            }
        }
        offset += num;
        bytes -= num;
    }
    return 0;
}

static int blkdebug_flush(BlockDriverState *bs)
{
    /* The block layer flushes the image next. */
    return rule_check(bs, 0, 0, IOTYPE_FLUSH);
}

static int blkdebug_block_status(BlockDriverState *bs, int64_t offset,
                                 int64_t bytes, int64_t *pnum, int64_t *map,
                                 BlockDriverState **file)
{
    int ret = rule_check(bs, offset, bytes, IOTYPE_BLOCK_STATUS);

    if (ret < 0) {
        return ret;
    }
    /* A filter: the allocation is the image's, as in QEMU. */
    return bdrv_filter_block_status(bs, offset, bytes, pnum, map, file);
}

static BlockDriver bdrv_blkdebug = {
    .format_name = "blkdebug",
    .protocol_name = "blkdebug",
    .instance_size = sizeof(BDRVBlkdebugState),
    .is_filter = true,
    .grows_on_write = true,     /* a format above may extend the image */
    .parse_filename = blkdebug_parse_filename,
    .open = blkdebug_open,
    .close = blkdebug_close,
    .preadv = blkdebug_preadv,
    .pwritev = blkdebug_pwritev,
    .flush = blkdebug_flush,
    .pdiscard = blkdebug_pdiscard,
    .pwrite_zeroes = blkdebug_pwrite_zeroes,
    .block_status = blkdebug_block_status,
    .getlength = blkdebug_getlength,
    .truncate = bdrv_filter_truncate,
    .debug_event = blkdebug_debug_event,
    .debug_breakpoint = blkdebug_debug_breakpoint,
    .debug_remove_breakpoint = blkdebug_debug_remove_breakpoint,
    .debug_resume = blkdebug_debug_resume,
    .debug_is_suspended = blkdebug_debug_is_suspended,
};

static void __attribute__((constructor)) blkdebug_register(void)
{
    bdrv_register(&bdrv_blkdebug);
}
