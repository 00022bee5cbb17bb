# Generates qapi-introspect.[ch]: the SchemaInfo list that
# query-qmp-schema returns, as a static literal.
# SPDX-License-Identifier: MIT
from .common import IfCond, c_name, c_string
from .schema import (BuiltinType, EnumType, ArrayType, ObjectType,
                     AlternateType, Command, Event)


class Cond:
    """A value present only when its 'if' condition holds."""

    def __init__(self, value, ifcond):
        self.value = value
        self.ifcond = ifcond


class IntrospectBuilder:
    """Builds SchemaInfo trees the way QEMU 9.2 orders and names them:
    commands and events in definition order, then every type they use
    in order of first use; type names other than built-ins are replaced
    by numbers given out in order of first mention."""

    def __init__(self, schema):
        self.schema = schema
        self.trees = []
        self.used = []
        self.names = {}

    def mask(self, name):
        if name not in self.names:
            self.names[name] = str(len(self.names))
        return self.names[name]

    def use(self, t):
        if t.json_type() == 'int':
            t = self.schema.lookup('int')
        elif isinstance(t, ArrayType) and t.element.json_type() == 'int':
            t = self.schema.array_of(self.schema.lookup('int'))
        if t not in self.used:
            self.used.append(t)
        if isinstance(t, BuiltinType):
            return t.name
        if isinstance(t, ArrayType):
            return '[' + self.use(t.element) + ']'
        return self.mask(t.name)

    @staticmethod
    def features(feats):
        return [Cond(f.name, f.ifcond) for f in feats]

    def tree(self, name, meta, obj, ifcond=None, feats=()):
        if meta not in ('command', 'event', 'builtin', 'array'):
            name = self.mask(name)
        obj['name'] = name
        obj['meta-type'] = meta
        if feats:
            obj['features'] = self.features(feats)
        self.trees.append(Cond(obj, ifcond or IfCond()))

    def member(self, m):
        obj = {'name': m.name, 'type': self.use(m.type)}
        if m.optional:
            obj['default'] = None
        if m.features:
            obj['features'] = self.features(m.features)
        return Cond(obj, m.ifcond)

    def visit_type(self, t):
        if isinstance(t, BuiltinType):
            self.tree(t.name, 'builtin', {'json-type': t.json_type()})
        elif isinstance(t, EnumType):
            members = []
            for m in t.members:
                mo = {'name': m.name}
                if m.features:
                    mo['features'] = self.features(m.features)
                members.append(Cond(mo, m.ifcond))
            self.tree(t.name, 'enum',
                      {'members': members,
                       'values': [Cond(m.name, m.ifcond) for m in t.members]},
                      t.ifcond, t.features)
        elif isinstance(t, ArrayType):
            el = self.use(t.element)
            self.tree('[' + el + ']', 'array', {'element-type': el},
                      t.element.ifcond)
        elif isinstance(t, ObjectType):
            obj = {'members': [self.member(m) for m in t.members]}
            if t.variants is not None:
                obj['tag'] = t.tag_member.name
                obj['variants'] = [
                    Cond({'case': v.name, 'type': self.use(v.type)},
                         v.ifcond) for v in t.variants]
            self.tree(t.name, 'object', obj, t.ifcond, t.features)
        elif isinstance(t, AlternateType):
            self.tree(t.name, 'alternate',
                      {'members': [Cond({'type': self.use(v.type)}, v.ifcond)
                                   for v in t.variants]},
                      t.ifcond, t.features)

    def build(self):
        empty = self.schema.the_empty_object
        for e in self.schema.entities:
            if isinstance(e, Command):
                obj = {'arg-type': self.use(e.arg_type or empty),
                       'ret-type': self.use(e.ret_type or empty)}
                if e.allow_oob:
                    obj['allow-oob'] = True
                self.tree(e.name, 'command', obj, e.ifcond, e.features)
            elif isinstance(e, Event):
                self.tree(e.name, 'event',
                          {'arg-type': self.use(e.arg_type or empty)},
                          e.ifcond, e.features)
        i = 0
        while i < len(self.used):
            self.visit_type(self.used[i])
            i += 1
        return self.trees


def to_c(value, indent):
    pad = '    ' * indent
    if isinstance(value, Cond):
        return value.ifcond.wrap(to_c(value.value, indent))
    if isinstance(value, str):
        return pad + '{ .kind = QAPI_LIT_STR, .u.str = %s },\n' \
            % c_string(value)
    if isinstance(value, bool):
        return pad + '{ .kind = QAPI_LIT_BOOL, .u.b = %s },\n' \
            % ('true' if value else 'false')
    if value is None:
        return pad + '{ .kind = QAPI_LIT_NULL },\n'
    if isinstance(value, list):
        out = pad + '{ .kind = QAPI_LIT_LIST, .u.list = (const QAPILit[]) {\n'
        for v in value:
            out += to_c(v, indent + 1)
        return out + pad + '    { .kind = QAPI_LIT_END } } },\n'
    assert isinstance(value, dict)
    out = pad + '{ .kind = QAPI_LIT_DICT, ' \
        '.u.dict = (const QAPILitEntry[]) {\n'
    for key in sorted(value):
        v = value[key]
        inner = to_c(v.value if isinstance(v, Cond) else v, indent + 2)
        entry = pad + '    { %s,\n%s' % (c_string(key), inner)
        entry = entry.rstrip(',\n') + ' },\n'
        if isinstance(v, Cond):
            entry = v.ifcond.wrap(entry)
        out += entry
    return out + pad + '    { NULL } } },\n'


def gen_introspect(schema, prefix, h, c):
    name = c_name(prefix + 'qmp_schema_qlit', False)
    trees = IntrospectBuilder(schema).build()
    h.add('extern const QAPILit %s;\n' % name)
    text = to_c(trees, 0).rstrip(',\n')
    c.add('const QAPILit %s =\n%s;\n' % (name, text))
