/*
 * QemuOpts (see vireo/option.h): parsing "[implied,]key=value,..." with
 * ",," as a literal comma, validation against a description, and the
 * registry of option groups.  Error texts are QEMU's.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/cutils.h"
#include "vireo/error-report.h"
#include "vireo/option.h"
#include "qobject/qbool.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"

static GPtrArray *opts_registry;

void qemu_add_opts(QemuOptsList *list)
{
    if (!opts_registry) {
        opts_registry = g_ptr_array_new();
    }
    g_ptr_array_add(opts_registry, list);
}

GPtrArray *qemu_opts_registry(void)
{
    if (!opts_registry) {
        opts_registry = g_ptr_array_new();
    }
    return opts_registry;
}

QemuOptsList *qemu_find_opts_err(const char *group, Error **errp)
{
    for (guint i = 0; opts_registry && i < opts_registry->len; i++) {
        QemuOptsList *l = g_ptr_array_index(opts_registry, i);
        if (!strcmp(l->name, group)) {
            return l;
        }
    }
    error_setg(errp, "There is no option group '%s'", group);
    return NULL;
}

QemuOptsList *qemu_find_opts(const char *group)
{
    Error *err = NULL;
    QemuOptsList *l = qemu_find_opts_err(group, &err);

    if (!l) {
        error_report_err(err);
    }
    return l;
}

QemuOpts *qemu_find_opts_singleton(const char *group)
{
    QemuOptsList *list = qemu_find_opts(group);
    QemuOpts *opts = qemu_opts_find(list, NULL);

    return opts ? opts : qemu_opts_create(list, NULL, 0, &error_abort);
}

static const QemuOptDesc *find_desc(const QemuOptDesc *desc, const char *name)
{
    for (; desc && desc->name; desc++) {
        if (!strcmp(desc->name, name)) {
            return desc;
        }
    }
    return NULL;
}

static const char *default_of(QemuOpts *opts, const char *name)
{
    const QemuOptDesc *d = find_desc(opts->list->desc, name);

    return d ? d->def_value_str : NULL;
}

/* The last setting wins, so lookups go from the tail. */
QemuOpt *qemu_opt_find(QemuOpts *opts, const char *name)
{
    QemuOpt *opt, *found = NULL;

    QTAILQ_FOREACH(opt, &opts->head, next) {
        if (!strcmp(opt->name, name)) {
            found = opt;
        }
    }
    return found;
}

static void opt_del(QemuOpt *opt)
{
    QTAILQ_REMOVE(&opt->opts->head, opt, next);
    g_free(opt->name);
    g_free(opt->str);
    g_free(opt);
}

static void opt_del_all(QemuOpts *opts, const char *name)
{
    QemuOpt *opt, *next;

    QTAILQ_FOREACH_SAFE(opt, &opts->head, next, next) {
        if (!strcmp(opt->name, name)) {
            opt_del(opt);
        }
    }
}

const char *qemu_opt_get(QemuOpts *opts, const char *name)
{
    QemuOpt *opt;

    if (!opts) {
        return NULL;
    }
    opt = qemu_opt_find(opts, name);
    return opt ? opt->str : default_of(opts, name);
}

char *qemu_opt_get_del(QemuOpts *opts, const char *name)
{
    QemuOpt *opt;
    char *str;

    if (!opts) {
        return NULL;
    }
    opt = qemu_opt_find(opts, name);
    if (!opt) {
        return g_strdup(default_of(opts, name));
    }
    str = g_strdup(opt->str);
    opt_del_all(opts, name);
    return str;
}

bool qemu_opt_has_help_opt(QemuOpts *opts)
{
    QemuOpt *opt;

    QTAILQ_FOREACH(opt, &opts->head, next) {
        if (is_help_option(opt->name)) {
            return true;
        }
    }
    return false;
}

static bool parse_bool(const char *name, const char *value, bool *ret,
                       Error **errp)
{
    if (!strcmp(value, "on") || !strcmp(value, "yes") ||
        !strcmp(value, "true") || !strcmp(value, "y")) {
        *ret = true;
        return true;
    }
    if (!strcmp(value, "off") || !strcmp(value, "no") ||
        !strcmp(value, "false") || !strcmp(value, "n")) {
        *ret = false;
        return true;
    }
    error_setg(errp, "Parameter '%s' expects %s", name, "'on' or 'off'");
    return false;
}

static bool parse_number(const char *name, const char *value, uint64_t *ret,
                         Error **errp)
{
    int err = qemu_strtou64(value, NULL, 0, ret);

    if (err == -ERANGE) {
        error_setg(errp, "Value '%s' is too large for parameter '%s'",
                   value, name);
        return false;
    }
    if (err) {
        error_setg(errp, "Parameter '%s' expects %s", name, "a number");
        return false;
    }
    return true;
}

static bool parse_size(const char *name, const char *value, uint64_t *ret,
                       Error **errp)
{
    int err = qemu_strtosz(value, NULL, ret);

    if (err == -ERANGE) {
        error_setg(errp, "Value '%s' is out of range for parameter '%s'",
                   value, name);
        return false;
    }
    if (err) {
        error_setg(errp, "Parameter '%s' expects %s", name,
                   "a non-negative number below 2^64");
        error_append_hint(errp, "Optional suffix k, M, G, T, P or E means"
                          " kilo-, mega-, giga-, tera-, peta-\n"
                          "and exabytes, respectively.\n");
        return false;
    }
    return true;
}

static bool opt_parse_value(QemuOpt *opt, Error **errp)
{
    if (!opt->desc) {
        return true;
    }
    switch (opt->desc->type) {
    case QEMU_OPT_STRING:
        return true;
    case QEMU_OPT_BOOL:
        return parse_bool(opt->name, opt->str, &opt->value.boolean, errp);
    case QEMU_OPT_NUMBER:
        return parse_number(opt->name, opt->str, &opt->value.uint, errp);
    case QEMU_OPT_SIZE:
        return parse_size(opt->name, opt->str, &opt->value.uint, errp);
    }
    g_assert_not_reached();
}

/* Typed getters: the option's value, a default string, or @defval. */
static bool get_typed(QemuOpts *opts, const char *name, enum QemuOptType type,
                      bool del, QemuOpt *out)
{
    QemuOpt *opt = opts ? qemu_opt_find(opts, name) : NULL;
    const char *def;

    if (opt) {
        if (opt->desc) {
            g_assert(opt->desc->type == type);
            out->value = opt->value;
        } else {
            QemuOptDesc d = { .name = name, .type = type };
            QemuOpt tmp = { .name = opt->name, .str = opt->str, .desc = &d };
            if (!opt_parse_value(&tmp, NULL)) {
                return false;
            }
            out->value = tmp.value;
        }
        if (del) {
            opt_del_all(opts, name);
        }
        return true;
    }
    def = opts ? default_of(opts, name) : NULL;
    if (def) {
        QemuOptDesc d = { .name = name, .type = type };
        QemuOpt tmp = { .name = (char *)name, .str = (char *)def, .desc = &d };
        if (opt_parse_value(&tmp, &error_abort)) {
            out->value = tmp.value;
            return true;
        }
    }
    return false;
}

bool qemu_opt_get_bool(QemuOpts *opts, const char *name, bool defval)
{
    QemuOpt o;

    return get_typed(opts, name, QEMU_OPT_BOOL, false, &o) ? o.value.boolean
                                                          : defval;
}

uint64_t qemu_opt_get_number(QemuOpts *opts, const char *name,
                             uint64_t defval)
{
    QemuOpt o;

    return get_typed(opts, name, QEMU_OPT_NUMBER, false, &o) ? o.value.uint
                                                            : defval;
}

uint64_t qemu_opt_get_size(QemuOpts *opts, const char *name, uint64_t defval)
{
    QemuOpt o;

    return get_typed(opts, name, QEMU_OPT_SIZE, false, &o) ? o.value.uint
                                                          : defval;
}

bool qemu_opt_get_bool_del(QemuOpts *opts, const char *name, bool defval)
{
    QemuOpt o;

    return get_typed(opts, name, QEMU_OPT_BOOL, true, &o) ? o.value.boolean
                                                         : defval;
}

uint64_t qemu_opt_get_number_del(QemuOpts *opts, const char *name,
                                 uint64_t defval)
{
    QemuOpt o;

    return get_typed(opts, name, QEMU_OPT_NUMBER, true, &o) ? o.value.uint
                                                           : defval;
}

uint64_t qemu_opt_get_size_del(QemuOpts *opts, const char *name,
                               uint64_t defval)
{
    QemuOpt o;

    return get_typed(opts, name, QEMU_OPT_SIZE, true, &o) ? o.value.uint
                                                         : defval;
}

int qemu_opt_unset(QemuOpts *opts, const char *name)
{
    if (!qemu_opt_find(opts, name)) {
        return -1;
    }
    opt_del_all(opts, name);
    return 0;
}

static QemuOpt *opt_create(QemuOpts *opts, const char *name, char *value)
{
    QemuOpt *opt = g_new0(QemuOpt, 1);

    opt->name = g_strdup(name);
    opt->str = value;
    opt->opts = opts;
    QTAILQ_INSERT_TAIL(&opts->head, opt, next);
    return opt;
}

static bool opt_validate(QemuOpt *opt, Error **errp)
{
    const QemuOptDesc *desc = opt->opts->list->desc;

    opt->desc = find_desc(desc, opt->name);
    if (!opt->desc && desc[0].name) {
        error_setg(errp, "Invalid parameter '%s'", opt->name);
        return false;
    }
    return opt_parse_value(opt, errp);
}

bool qemu_opt_set(QemuOpts *opts, const char *name, const char *value,
                  Error **errp)
{
    QemuOpt *opt = opt_create(opts, name, g_strdup(value));

    if (!opt_validate(opt, errp)) {
        opt_del(opt);
        return false;
    }
    return true;
}

bool qemu_opt_set_bool(QemuOpts *opts, const char *name, bool val,
                       Error **errp)
{
    return qemu_opt_set(opts, name, val ? "on" : "off", errp);
}

bool qemu_opt_set_number(QemuOpts *opts, const char *name, int64_t val,
                         Error **errp)
{
    g_autofree char *s = g_strdup_printf("%" PRId64, val);

    return qemu_opt_set(opts, name, s, errp);
}

int qemu_opt_foreach(QemuOpts *opts, qemu_opt_loopfunc func, void *opaque,
                     Error **errp)
{
    QemuOpt *opt;
    int rc;

    QTAILQ_FOREACH(opt, &opts->head, next) {
        rc = func(opaque, opt->name, opt->str, errp);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

QemuOpts *qemu_opts_find(QemuOptsList *list, const char *id)
{
    QemuOpts *opts;

    QTAILQ_FOREACH(opts, &list->head, next) {
        if (!opts->id && !id) {
            return opts;
        }
        if (opts->id && id && !strcmp(opts->id, id)) {
            return opts;
        }
    }
    return NULL;
}

QemuOpts *qemu_opts_create(QemuOptsList *list, const char *id,
                           int fail_if_exists, Error **errp)
{
    QemuOpts *opts;

    if (list->merge_lists) {
        if (id) {
            error_setg(errp, "Invalid parameter '%s'", "id");
            return NULL;
        }
        opts = qemu_opts_find(list, NULL);
        if (opts) {
            return opts;
        }
    } else if (id) {
        if (!id_wellformed(id)) {
            error_setg(errp, "Parameter '%s' expects %s", "id",
                       "an identifier");
            error_append_hint(errp, "Identifiers consist of letters, digits, "
                              "'-', '.', '_', starting with a letter.\n");
            return NULL;
        }
        if (qemu_opts_find(list, id)) {
            if (fail_if_exists) {
                error_setg(errp, "Duplicate ID '%s' for %s", id, list->name);
                return NULL;
            }
            return qemu_opts_find(list, id);
        }
    }
    opts = g_new0(QemuOpts, 1);
    opts->id = g_strdup(id);
    opts->list = list;
    loc_save(&opts->loc);
    QTAILQ_INIT(&opts->head);
    QTAILQ_INSERT_TAIL(&list->head, opts, next);
    return opts;
}

void qemu_opts_reset(QemuOptsList *list)
{
    QemuOpts *opts, *next;

    QTAILQ_FOREACH_SAFE(opts, &list->head, next, next) {
        qemu_opts_del(opts);
    }
}

void qemu_opts_loc_restore(QemuOpts *opts)
{
    loc_restore(&opts->loc);
}

const char *qemu_opts_id(QemuOpts *opts)
{
    return opts->id;
}

void qemu_opts_set_id(QemuOpts *opts, char *id)
{
    g_free(opts->id);
    opts->id = id;
}

void qemu_opts_del(QemuOpts *opts)
{
    QemuOpt *opt;

    if (!opts) {
        return;
    }
    while ((opt = QTAILQ_FIRST(&opts->head))) {
        opt_del(opt);
    }
    QTAILQ_REMOVE(&opts->list->head, opts, next);
    g_free(opts->id);
    g_free(opts);
}

bool qemu_opts_validate(QemuOpts *opts, const QemuOptDesc *desc,
                        Error **errp)
{
    QemuOpt *opt;

    QTAILQ_FOREACH(opt, &opts->head, next) {
        opt->desc = find_desc(desc, opt->name);
        if (!opt->desc) {
            error_setg(errp, "Invalid parameter '%s'", opt->name);
            return false;
        }
        if (!opt_parse_value(opt, errp)) {
            return false;
        }
    }
    return true;
}

/* Copies up to an unescaped ',' (",," is a literal comma). */
static const char *get_value(const char *p, char **value)
{
    GString *s = g_string_new(NULL);

    while (*p) {
        if (*p == ',') {
            if (p[1] != ',') {
                break;
            }
            p++;
        }
        g_string_append_c(s, *p++);
    }
    *value = g_string_free(s, FALSE);
    return p;
}

/*
 * One "name=value" (or the implied "value", or a bare flag "name" meaning
 * on and "noname" meaning off).
 */
static const char *get_name_value(const char *p, const char *firstname,
                                  bool *help_wanted, char **name,
                                  char **value)
{
    size_t len = strcspn(p, "=,");

    if (p[len] != '=') {
        if (firstname) {
            *name = g_strdup(firstname);
            p = get_value(p, value);
        } else {
            *name = g_strndup(p, len);
            p += len;
            if (g_str_has_prefix(*name, "no") && !is_help_option(*name)) {
                memmove(*name, *name + 2, strlen(*name + 2) + 1);
                *value = g_strdup("off");
            } else {
                *value = g_strdup("on");
                if (help_wanted && is_help_option(*name)) {
                    *help_wanted = true;
                }
            }
        }
    } else {
        *name = g_strndup(p, len);
        p = get_value(p + len + 1, value);
    }
    return *p == ',' ? p + 1 : p;
}

static bool opts_do_parse(QemuOpts *opts, const char *params,
                          const char *firstname, bool *help_wanted,
                          Error **errp)
{
    for (const char *p = params; *p;) {
        char *name, *value;
        QemuOpt *opt;

        p = get_name_value(p, firstname, help_wanted, &name, &value);
        firstname = NULL;
        if (help_wanted && *help_wanted) {
            g_free(name);
            g_free(value);
            return false;
        }
        if (!strcmp(name, "id")) {
            g_free(name);
            g_free(value);
            continue;
        }
        opt = opt_create(opts, name, value);
        g_free(name);
        if (!opt_validate(opt, errp)) {
            opt_del(opt);
            return false;
        }
    }
    return true;
}

bool qemu_opts_do_parse(QemuOpts *opts, const char *params,
                        const char *firstname, Error **errp)
{
    return opts_do_parse(opts, params, firstname, NULL, errp);
}

static char *parse_id(const char *params, const char *firstname)
{
    for (const char *p = params; *p;) {
        char *name, *value;

        p = get_name_value(p, firstname, NULL, &name, &value);
        firstname = NULL;
        if (!strcmp(name, "id")) {
            g_free(name);
            return value;
        }
        g_free(name);
        g_free(value);
    }
    return NULL;
}

bool has_help_option(const char *params)
{
    bool help = false;

    for (const char *p = params; *p && !help;) {
        char *name, *value;

        p = get_name_value(p, NULL, &help, &name, &value);
        g_free(name);
        g_free(value);
    }
    return help;
}

static QemuOpts *opts_parse(QemuOptsList *list, const char *params,
                            bool permit_abbrev, bool *help_wanted,
                            Error **errp)
{
    const char *firstname = permit_abbrev ? list->implied_opt_name : NULL;
    g_autofree char *id = parse_id(params, firstname);
    QemuOpts *opts = qemu_opts_create(list, id, !list->merge_lists, errp);

    if (!opts) {
        return NULL;
    }
    if (!opts_do_parse(opts, params, firstname, help_wanted, errp)) {
        qemu_opts_del(opts);
        return NULL;
    }
    return opts;
}

QemuOpts *qemu_opts_parse(QemuOptsList *list, const char *params,
                          bool permit_abbrev, Error **errp)
{
    return opts_parse(list, params, permit_abbrev, NULL, errp);
}

QemuOpts *qemu_opts_parse_noisily(QemuOptsList *list, const char *params,
                                  bool permit_abbrev)
{
    Error *err = NULL;
    bool help = false;
    QemuOpts *opts = opts_parse(list, params, permit_abbrev, &help, &err);

    if (!opts) {
        if (help) {
            qemu_opts_print_help(list, true);
            error_free(err);
        } else {
            error_report_err(err);
        }
    }
    return opts;
}

static bool put_qobject_opt(QemuOpts *opts, const char *key,
                            QObject *obj, Error **errp)
{
    g_autofree char *str = NULL;

    switch (qobject_type(obj)) {
    case QTYPE_QSTRING:
        return qemu_opt_set(opts, key,
                            qstring_get_str(qobject_to(QString, obj)), errp);
    case QTYPE_QNUM:
        str = qnum_to_string(qobject_to(QNum, obj));
        return qemu_opt_set(opts, key, str, errp);
    case QTYPE_QBOOL:
        return qemu_opt_set(opts, key,
                            qbool_get_bool(qobject_to(QBool, obj)) ?
                            "on" : "off", errp);
    default:
        return true;        /* nested values are not options */
    }
}

QemuOpts *qemu_opts_from_qdict(QemuOptsList *list, const QDict *qdict,
                               Error **errp)
{
    const char *id = qdict_get_try_str(qdict, "id");
    QemuOpts *opts = qemu_opts_create(list, id, 1, errp);

    if (!opts) {
        return NULL;
    }
    for (const QDictEntry *e = qdict_first(qdict); e;
         e = qdict_next(qdict, e)) {
        if (!strcmp(qdict_entry_key(e), "id")) {
            continue;
        }
        if (!put_qobject_opt(opts, qdict_entry_key(e), qdict_entry_value(e),
                             errp)) {
            qemu_opts_del(opts);
            return NULL;
        }
    }
    return opts;
}

QDict *qemu_opts_to_qdict(QemuOpts *opts, QDict *qdict)
{
    QemuOpt *opt;

    if (!qdict) {
        qdict = qdict_new();
    }
    if (opts->id) {
        qdict_put_str(qdict, "id", opts->id);
    }
    QTAILQ_FOREACH(opt, &opts->head, next) {
        qdict_put_str(qdict, opt->name, opt->str);
    }
    return qdict;
}

bool qemu_opts_absorb_qdict(QemuOpts *opts, QDict *qdict, Error **errp)
{
    const QDictEntry *e = qdict_first(qdict);

    while (e) {
        const QDictEntry *next = qdict_next(qdict, e);
        const char *key = qdict_entry_key(e);

        if (find_desc(opts->list->desc, key)) {
            if (!put_qobject_opt(opts, key, qdict_entry_value(e), errp)) {
                return false;
            }
            qdict_del(qdict, key);
        }
        e = next;
    }
    return true;
}

int qemu_opts_foreach(QemuOptsList *list, qemu_opts_loopfunc func,
                      void *opaque, Error **errp)
{
    QemuOpts *opts, *next;
    int rc;

    Location loc = { 0 };

    loc_push_none(&loc);
    QTAILQ_FOREACH_SAFE(opts, &list->head, next, next) {
        loc_restore(&opts->loc);
        rc = func(opaque, opts, errp);
        if (rc) {
            loc_pop(&loc);
            return rc;
        }
    }
    loc_pop(&loc);
    return 0;
}

static const char *type_name(enum QemuOptType type)
{
    switch (type) {
    case QEMU_OPT_STRING:
        return "str";
    case QEMU_OPT_BOOL:
        return "bool (on/off)";
    case QEMU_OPT_NUMBER:
        return "num";
    case QEMU_OPT_SIZE:
        return "size";
    }
    return "?";
}

void qemu_opts_print_help(QemuOptsList *list, bool print_caption)
{
    if (print_caption && list->name) {
        printf("%s options:\n", list->name);
    }
    for (const QemuOptDesc *d = list->desc; d->name; d++) {
        printf("  %s=<%s>%s%s\n", d->name, type_name(d->type),
               d->help ? " - " : "", d->help ? d->help : "");
    }
    if (!list->desc[0].name) {
        printf("There are no options of this type.\n");
    }
}
