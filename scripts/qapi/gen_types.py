# Generates qapi-types-MODULE.[ch]: C types, enum lookup tables and
# qapi_free_*() functions.
# SPDX-License-Identifier: MIT
from .common import c_name, c_enum_const, c_string
from .schema import (BuiltinType, EnumType, ObjectType,
                     AlternateType)

SPECIAL_FEATURES = ('deprecated', 'unstable')


def special_features_c(features):
    flags = ['1u << QAPI_%s' % f.name.upper() for f in features
             if f.name in SPECIAL_FEATURES]
    return ' | '.join(flags) if flags else '0'


def gen_enum_decl(t):
    out = 'typedef enum %s {\n' % t.c_name()
    for m in t.members:
        out += m.ifcond.wrap('    %s,\n' % c_enum_const(t.name, m.name,
                                                         t.prefix))
    out += '    %s,\n} %s;\n\n' % (c_enum_const(t.name, '_MAX', t.prefix),
                                   t.c_name())
    out += ('#define %s_str(val) \\\n    qapi_enum_lookup(&%s_lookup, (val))'
            '\n\nextern const QEnumLookup %s_lookup;\n\n'
            % (t.c_name(), t.c_name(), t.c_name()))
    return t.ifcond.wrap(out)


def gen_enum_lookup(t):
    name = t.c_name()
    out = 'const QEnumLookup %s_lookup = {\n' % name
    out += '    .array = (const char *const[]) {\n'
    for m in t.members:
        out += m.ifcond.wrap('        [%s] = %s,\n' % (
            c_enum_const(t.name, m.name, t.prefix), c_string(m.name)))
    out += '    },\n'
    special = [m for m in t.members
               if special_features_c(m.features) != '0']
    if special:
        out += ('    .special_features = (const unsigned char[%s]) {\n'
                % c_enum_const(t.name, '_MAX', t.prefix))
        for m in special:
            out += m.ifcond.wrap('        [%s] = %s,\n' % (
                c_enum_const(t.name, m.name, t.prefix),
                special_features_c(m.features)))
        out += '    },\n'
    out += '    .size = %s\n};\n\n' % c_enum_const(t.name, '_MAX', t.prefix)
    return t.ifcond.wrap(out)


def gen_member_decl(m):
    out = ''
    if m.need_has():
        out += '    bool has_%s;\n' % m.c_name()
    ctype = m.type.c_type()
    sep = '' if ctype.endswith('*') else ' '
    out += '    %s%s%s;\n' % (ctype, sep, m.c_name())
    return m.ifcond.wrap(out)


def gen_struct_decl(t):
    out = 'struct %s {\n' % t.c_name()
    body = ''
    if t.base and t.base.members:
        body += '    /* Members inherited from %s: */\n' % t.base.c_name()
        for m in t.base.members:
            body += gen_member_decl(m)
        if t.local_members:
            body += '    /* Own members: */\n'
    for m in t.local_members:
        body += gen_member_decl(m)
    branches = [v for v in (t.variants or []) if v.type.name != 'q_empty']
    if branches:
        body += '    union { /* union tag is @%s */\n' % t.tag_member.c_name()
        for v in branches:
            body += v.ifcond.wrap('        %s %s;\n' % (
                v.type.c_unboxed_type(), c_name(v.name)))
        body += '    } u;\n'
    if not body:
        body = '    /* QAPI structs may not be empty in C */\n' \
            '    char qapi_dummy_for_empty_struct;\n'
    out += body + '};\n\n'
    if t.base and not t.base.is_implicit:
        out += ('static inline %s *qapi_%s_base(const %s *obj)\n{\n'
                '    return (%s *)obj;\n}\n\n'
                % (t.base.c_name(), t.c_name(), t.c_name(), t.base.c_name()))
    return t.ifcond.wrap(out)


def gen_alternate_decl(t):
    out = 'struct %s {\n    QType type;\n' % t.c_name()
    out += '    union { /* union tag is @type */\n'
    for v in t.variants:
        ctype = v.type.c_unboxed_type()
        sep = '' if ctype.endswith('*') else ' '
        out += v.ifcond.wrap('        %s%s%s;\n' % (ctype, sep, c_name(v.name)))
    out += '    } u;\n};\n\n'
    return t.ifcond.wrap(out)


def gen_list_decl(a):
    ctype = a.element.c_type()
    sep = '' if ctype.endswith('*') else ' '
    out = ('struct %s {\n    %s *next;\n    %s%svalue;\n};\n\n'
           % (a.c_name(), a.c_name(), ctype, sep))
    return a.element.ifcond.wrap(out)


def gen_free_decl(t):
    out = 'void qapi_free_%s(%s obj);\n' % (t.c_name(), t.c_type())
    out += 'G_DEFINE_AUTOPTR_CLEANUP_FUNC(%s, qapi_free_%s)\n\n' \
        % (t.c_name(), t.c_name())
    return t.ifcond.wrap(out)


def gen_free_def(t):
    out = ('void qapi_free_%s(%s obj)\n{\n    Visitor *v;\n\n'
           '    if (!obj) {\n        return;\n    }\n\n'
           '    v = qapi_dealloc_visitor_new();\n'
           '    visit_type_%s(v, NULL, &obj, NULL);\n'
           '    visit_free(v);\n}\n\n'
           % (t.c_name(), t.c_type(), t.c_name()))
    return t.ifcond.wrap(out)


def is_named_aggregate(t):
    return isinstance(t, AlternateType) or \
        (isinstance(t, ObjectType) and not t.is_implicit)


def sort_by_value_deps(objs):
    """Order struct definitions so that a type embedded by value (union
    branch, alternate branch) is defined before its user."""
    names = {t.name: t for t in objs}
    done = []
    seen = set()

    def visit(t):
        if t.name in seen:
            return
        seen.add(t.name)
        variants = t.variants or []
        for v in variants:
            if v.type.name in names and \
                    isinstance(v.type, (ObjectType, AlternateType)):
                visit(names[v.type.name])
        done.append(t)
    for t in objs:
        visit(t)
    return done


def gen_types_module(schema, ents, arrays, h, c, builtin):
    enums = [e for e in ents if isinstance(e, EnumType)]
    objs = [e for e in ents if isinstance(e, (ObjectType, AlternateType))
            and e.name != 'q_empty']
    for e in enums:
        h.add(gen_enum_decl(e))
        c.add(gen_enum_lookup(e))
    for t in objs:
        h.add(t.ifcond.wrap('typedef struct %s %s;\n'
                            % (t.c_name(), t.c_name())))
    for a in arrays:
        h.add(a.element.ifcond.wrap('typedef struct %s %s;\n'
                                    % (a.c_name(), a.c_name())))
    h.add('\n')
    for t in sort_by_value_deps(objs):
        if isinstance(t, AlternateType):
            h.add(gen_alternate_decl(t))
        else:
            h.add(gen_struct_decl(t))
    for a in arrays:
        h.add(gen_list_decl(a))
    for t in objs:
        if is_named_aggregate(t):
            h.add(gen_free_decl(t))
            c.add(gen_free_def(t))
    for a in arrays:
        h.add(gen_free_decl(a))
        c.add(gen_free_def(a))


def module_arrays(schema, ents):
    """List types of the module's named types, which live with them."""
    out = []
    for e in ents:
        if isinstance(e, (BuiltinType, EnumType, AlternateType)) or \
                (isinstance(e, ObjectType) and not e.is_implicit):
            out.append(schema.array_of(e))
    return out


