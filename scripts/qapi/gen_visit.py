# Generates qapi-visit-MODULE.[ch]: visit_type_*() for every type.
# SPDX-License-Identifier: MIT
from .common import c_name, c_enum_const, c_string
from .schema import EnumType, ObjectType, AlternateType


def gen_visit_member(m, obj='obj'):
    cn = m.c_name()
    call = ('    if (!%s(v, %s, &%s->%s, errp)) {\n'
            '        return false;\n    }\n'
            % (m.type.visit_fn(), c_string(m.name), obj, cn))
    if m.optional:
        flag = '&%s->has_%s' % (obj, cn) if m.need_has() else '&has_%s' % cn
        call = ('    if (visit_optional(v, %s, %s)) {\n'
                % (c_string(m.name), flag)
                + ''.join('    ' + ln + '\n' for ln in call.splitlines())
                + '    }\n')
    return m.ifcond.wrap(call)


def gen_members_decl(t):
    return t.ifcond.wrap(
        'bool visit_type_%s_members(Visitor *v, %s *obj, Error **errp);\n'
        % (t.c_name(), t.c_name()))


def gen_members_def(t):
    out = ('bool visit_type_%s_members(Visitor *v, %s *obj, Error **errp)\n{\n'
           % (t.c_name(), t.c_name()))
    own = t.local_members
    locals_ = ''
    for m in own:
        if m.optional and not m.need_has():
            locals_ += m.ifcond.wrap('    bool has_%s = !!obj->%s;\n'
                                     % (m.c_name(), m.c_name()))
    if locals_:
        out += locals_ + '\n'
    if t.base:
        out += ('    if (!visit_type_%s_members(v, (%s *)obj, errp)) {\n'
                '        return false;\n    }\n'
                % (t.base.c_name(), t.base.c_name()))
    for m in own:
        out += gen_visit_member(m)
    if t.variants:
        tag = t.tag_member
        out += '    switch (obj->%s) {\n' % tag.c_name()
        for v in t.variants:
            case = '    case %s:\n' % c_enum_const(tag.type.name, v.name,
                                                   tag.type.prefix)
            if v.type.name == 'q_empty':
                case += '        break;\n'
            else:
                case += ('        return visit_type_%s_members(v, '
                         '&obj->u.%s, errp);\n'
                         % (v.type.c_name(), c_name(v.name)))
            out += v.ifcond.wrap(case)
        out += '    default:\n        abort();\n    }\n'
    out += '    return true;\n}\n\n'
    return t.ifcond.wrap(out)


def gen_visit_decl(t):
    if isinstance(t, EnumType):
        proto = 'bool visit_type_%s(Visitor *v, const char *name, %s *obj, ' \
            'Error **errp);\n' % (t.c_name(), t.c_name())
    else:
        proto = 'bool visit_type_%s(Visitor *v, const char *name,\n' \
            '                 %s **obj, Error **errp);\n' \
            % (t.c_name(), t.c_name())
    return t.ifcond.wrap(proto)


def gen_visit_enum(t):
    return t.ifcond.wrap(
        'bool visit_type_%s(Visitor *v, const char *name, %s *obj, '
        'Error **errp)\n{\n'
        '    int value = *obj;\n'
        '    bool ok = visit_type_enum(v, name, &value, &%s_lookup, errp);\n'
        '    *obj = value;\n'
        '    return ok;\n}\n\n' % (t.c_name(), t.c_name(), t.c_name()))


def gen_visit_object(t):
    n = t.c_name()
    return t.ifcond.wrap(
        'bool visit_type_%s(Visitor *v, const char *name,\n'
        '                 %s **obj, Error **errp)\n{\n'
        '    bool ok = false;\n\n'
        '    if (!visit_start_struct(v, name, (void **)obj, sizeof(%s), '
        'errp)) {\n        return false;\n    }\n'
        '    if (!*obj) {\n'
        '        /* Only the dealloc visitor meets a partial object */\n'
        '        assert(visit_is_dealloc(v));\n'
        '        ok = true;\n        goto out_obj;\n    }\n'
        '    if (!visit_type_%s_members(v, *obj, errp)) {\n'
        '        goto out_obj;\n    }\n'
        '    ok = visit_check_struct(v, errp);\n'
        'out_obj:\n'
        '    visit_end_struct(v, (void **)obj);\n'
        '    if (!ok && visit_is_input(v)) {\n'
        '        qapi_free_%s(*obj);\n        *obj = NULL;\n    }\n'
        '    return ok;\n}\n\n' % (n, n, n, n, n))


def gen_visit_list(a):
    n = a.c_name()
    el = a.element
    call = '%s(v, NULL, &tail->value, errp)' % el.visit_fn()
    return el.ifcond.wrap(
        'bool visit_type_%s(Visitor *v, const char *name,\n'
        '                 %s **obj, Error **errp)\n{\n'
        '    bool ok = false;\n'
        '    %s *tail;\n'
        '    size_t size = sizeof(**obj);\n\n'
        '    if (!visit_start_list(v, name, (GenericList **)obj, size, '
        'errp)) {\n        return false;\n    }\n\n'
        '    for (tail = *obj; tail;\n'
        '         tail = (%s *)visit_next_list(v, (GenericList *)tail, '
        'size)) {\n'
        '        if (!%s) {\n            goto out_obj;\n        }\n    }\n\n'
        '    ok = visit_check_list(v, errp);\n'
        'out_obj:\n'
        '    visit_end_list(v, (void **)obj);\n'
        '    if (!ok && visit_is_input(v)) {\n'
        '        qapi_free_%s(*obj);\n        *obj = NULL;\n    }\n'
        '    return ok;\n}\n\n' % (n, n, n, n, call, n))


def gen_visit_alternate(t):
    n = t.c_name()
    out = ('bool visit_type_%s(Visitor *v, const char *name,\n'
           '                 %s **obj, Error **errp)\n{\n'
           '    bool ok = false;\n\n'
           '    if (!visit_start_alternate(v, name, (GenericAlternate **)obj,\n'
           '                               sizeof(**obj), errp)) {\n'
           '        return false;\n    }\n'
           '    if (!*obj) {\n'
           '        /* Only the dealloc visitor meets a partial object */\n'
           '        assert(visit_is_dealloc(v));\n'
           '        ok = true;\n        goto out_obj;\n    }\n'
           '    switch ((*obj)->type) {\n' % (n, n))
    for v in t.variants:
        vt = v.type
        field = '(*obj)->u.%s' % c_name(v.name)
        case = '    case %s:\n' % vt.qtype()
        if isinstance(vt, ObjectType):
            case += ('        if (!visit_start_struct(v, name, NULL, 0, errp)) '
                     '{\n            break;\n        }\n'
                     '        if (visit_type_%s_members(v, &%s, errp)) {\n'
                     '            ok = visit_check_struct(v, errp);\n'
                     '        }\n'
                     '        visit_end_struct(v, NULL);\n'
                     % (vt.c_name(), field))
        else:
            case += '        ok = %s(v, name, &%s, errp);\n' % (vt.visit_fn(),
                                                                 field)
        case += '        break;\n'
        out += v.ifcond.wrap(case)
    out += ('    case QTYPE_NONE:\n        abort();\n'
            '    default:\n'
            '        assert(visit_is_input(v));\n'
            '        error_setg(errp, "Invalid parameter type for \'%%s\', '
            'expected: %%s",\n'
            '                   name ? name : "null", %s);\n'
            '        /* The union is not valid: do not let it be freed */\n'
            '        g_free(*obj);\n        *obj = NULL;\n'
            '    }\n'
            'out_obj:\n'
            '    visit_end_alternate(v, (void **)obj);\n'
            '    if (!ok && visit_is_input(v)) {\n'
            '        qapi_free_%s(*obj);\n        *obj = NULL;\n    }\n'
            '    return ok;\n}\n\n' % (c_string(t.name), n))
    return t.ifcond.wrap(out)


def gen_visit_module(schema, ents, arrays, h, c):
    for e in ents:
        if isinstance(e, EnumType):
            h.add(gen_visit_decl(e))
            c.add(gen_visit_enum(e))
        elif isinstance(e, ObjectType) and e.name != 'q_empty':
            h.add(gen_members_decl(e))
            c.add(gen_members_def(e))
            if not e.is_implicit:
                h.add(gen_visit_decl(e))
                c.add(gen_visit_object(e))
        elif isinstance(e, AlternateType):
            h.add(gen_visit_decl(e))
            c.add(gen_visit_alternate(e))
    for a in arrays:
        h.add(gen_visit_decl(a))
        c.add(gen_visit_list(a))
    h.add('\n')


