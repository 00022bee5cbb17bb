# The checked QAPI schema: types, commands and events built from the
# parsed expressions, with every cross-reference resolved.
# SPDX-License-Identifier: MIT
import re

from .common import QAPIError, IfCond, c_name
from .parser import SchemaParser

BUILTIN_MODULE = './builtin'

_NAME_RE = re.compile(r'^(__[a-zA-Z0-9.-]+_)?[a-zA-Z][a-zA-Z0-9_-]*$')


class Entity:
    meta = None

    def __init__(self, name, info, module, ifcond=None, features=()):
        self.name = name
        self.info = info
        self.module = module
        self.ifcond = ifcond or IfCond()
        self.features = list(features)

    def c_name(self):
        return c_name(self.name)

    def describe(self):
        return "%s '%s'" % (self.meta, self.name)

    def has_feature(self, name):
        return any(f.name == name for f in self.features)


class Feature:
    def __init__(self, name, ifcond):
        self.name = name
        self.ifcond = ifcond


class Type(Entity):
    is_builtin = False
    is_implicit = False

    def c_type(self):
        return c_name(self.name)

    def c_param_type(self):
        return self.c_type()

    def is_pointer(self):
        return self.c_type().endswith('*')

    def c_unboxed_type(self):
        return self.c_type()

    def visit_fn(self):
        return 'visit_type_' + self.c_name()


class BuiltinType(Type):
    meta = 'built-in'
    is_builtin = True

    def __init__(self, name, ctype, json_type, visit_name=None):
        super().__init__(name, None, BUILTIN_MODULE)
        self._ctype = ctype
        self.json_t = json_type
        self._visit = visit_name or name

    def c_type(self):
        return self._ctype

    def c_param_type(self):
        return 'const char *' if self.name == 'str' else self._ctype

    def json_type(self):
        return self.json_t

    def visit_fn(self):
        return 'visit_type_' + self._visit

    def qtype(self):
        return {'string': 'QTYPE_QSTRING', 'int': 'QTYPE_QNUM',
                'number': 'QTYPE_QNUM', 'boolean': 'QTYPE_QBOOL',
                'null': 'QTYPE_QNULL'}.get(self.json_t)


class EnumMember:
    def __init__(self, name, ifcond, features):
        self.name = name
        self.ifcond = ifcond
        self.features = features


class EnumType(Type):
    meta = 'enum'

    def __init__(self, name, info, module, ifcond, features, members,
                 prefix):
        super().__init__(name, info, module, ifcond, features)
        self.members = members
        self.prefix = prefix

    def json_type(self):
        return 'string'

    def qtype(self):
        return 'QTYPE_QSTRING'

    def member_names(self):
        return [m.name for m in self.members]


class ArrayType(Type):
    meta = 'array'

    def __init__(self, element):
        super().__init__(element.name + 'List', element.info, element.module,
                         element.ifcond)
        self.element = element
        self.is_builtin = element.is_builtin

    def c_type(self):
        return c_name(self.name) + ' *'

    def json_type(self):
        return 'array'

    def qtype(self):
        return 'QTYPE_QLIST'


class Member:
    def __init__(self, name, type_name, optional, ifcond, features, info):
        self.name = name
        self.type_name = type_name
        self.type = None
        self.optional = optional
        self.ifcond = ifcond
        self.features = features
        self.info = info

    def c_name(self):
        return c_name(self.name)

    def need_has(self):
        # A pointer's has_ flag would equal its non-NULL-ness, except for
        # arrays, where NULL is also the present-but-empty list.
        return self.optional and (not self.type.is_pointer() or
                                  isinstance(self.type, ArrayType))


class Variant:
    def __init__(self, name, type_name, ifcond, info):
        self.name = name
        self.type_name = type_name
        self.type = None
        self.ifcond = ifcond
        self.info = info


class ObjectType(Type):
    meta = 'struct'

    def __init__(self, name, info, module, ifcond, features, base_name,
                 local_members, variants=None, tag_name=None):
        super().__init__(name, info, module, ifcond, features)
        self.base_name = base_name
        self.base = None
        self.local_members = local_members
        self.members = None        # base members + local members
        self.variants = variants   # list of Variant (unions only)
        self.tag_name = tag_name
        self.tag_member = None
        self.is_implicit = name.startswith('q_')
        if variants is not None:
            self.meta = 'union'

    def c_type(self):
        return c_name(self.name) + ' *'

    def c_unboxed_type(self):
        return c_name(self.name)

    def json_type(self):
        return 'object'

    def qtype(self):
        return 'QTYPE_QDICT'

    def is_empty(self):
        return not self.members and not self.variants

    def describe(self):
        if self.is_implicit:
            return 'implicit type'
        return super().describe()


class AlternateType(Type):
    meta = 'alternate'

    def __init__(self, name, info, module, ifcond, features, variants):
        super().__init__(name, info, module, ifcond, features)
        self.variants = variants

    def c_type(self):
        return c_name(self.name) + ' *'

    def c_unboxed_type(self):
        return c_name(self.name)

    def json_type(self):
        return 'value'


class Command(Entity):
    meta = 'command'

    def __init__(self, name, info, module, ifcond, features, arg_name,
                 ret_name, boxed, gen, success_response, allow_oob,
                 allow_preconfig, coroutine):
        super().__init__(name, info, module, ifcond, features)
        self.arg_name = arg_name
        self.arg_type = None
        self.ret_name = ret_name
        self.ret_type = None
        self.boxed = boxed
        self.gen = gen
        self.success_response = success_response
        self.allow_oob = allow_oob
        self.allow_preconfig = allow_preconfig
        self.coroutine = coroutine


class Event(Entity):
    meta = 'event'

    def __init__(self, name, info, module, ifcond, features, arg_name,
                 boxed):
        super().__init__(name, info, module, ifcond, features)
        self.arg_name = arg_name
        self.arg_type = None
        self.boxed = boxed


_BUILTINS = [
    ('str', 'char *', 'string'),
    ('number', 'double', 'number'),
    ('int', 'int64_t', 'int'),
    ('int8', 'int8_t', 'int'),
    ('int16', 'int16_t', 'int'),
    ('int32', 'int32_t', 'int'),
    ('int64', 'int64_t', 'int'),
    ('uint8', 'uint8_t', 'int'),
    ('uint16', 'uint16_t', 'int'),
    ('uint32', 'uint32_t', 'int'),
    ('uint64', 'uint64_t', 'int'),
    ('size', 'uint64_t', 'int'),
    ('bool', 'bool', 'boolean'),
    ('any', 'QObject *', 'value'),
    ('null', 'QNull *', 'null'),
]

_META_KEYS = {
    'enum': ({'data'}, {'prefix', 'if', 'features'}),
    'struct': ({'data'}, {'base', 'if', 'features'}),
    'union': ({'base', 'discriminator', 'data'}, {'if', 'features'}),
    'alternate': ({'data'}, {'if', 'features'}),
    'command': (set(), {'data', 'returns', 'boxed', 'gen', 'success-response',
                        'allow-oob', 'allow-preconfig', 'coroutine', 'if',
                        'features'}),
    'event': (set(), {'data', 'boxed', 'if', 'features'}),
}


class Schema:
    def __init__(self, fname):
        parser = SchemaParser(fname)
        self.pragma = parser.pragma
        self.modules = parser.modules
        self.main_module = parser.modules[0]
        self.entities = []
        self._by_name = {}
        self._arrays = {}
        self._def_builtins()
        for e in parser.exprs:
            self._def_expr(e)
        self._check()

    # ---- definitions ------------------------------------------------

    def _add(self, ent):
        other = self._by_name.get(ent.name)
        if other:
            where = (' at %s' % other.info) if other.info else ''
            raise QAPIError(ent.info, "%s is already defined%s"
                            % (ent.describe(), where))
        self._by_name[ent.name] = ent
        self.entities.append(ent)
        return ent

    def _def_builtins(self):
        for name, ctype, jtype in _BUILTINS:
            self._add(BuiltinType(name, ctype, jtype))
        qtype = EnumType('QType', None, BUILTIN_MODULE, None, [],
                         [EnumMember(n, IfCond(), []) for n in
                          ('none', 'qnull', 'qnum', 'qstring', 'qdict',
                           'qlist', 'qbool')], 'QTYPE')
        self._add(qtype)
        self.the_empty_object = self._add(ObjectType(
            'q_empty', None, BUILTIN_MODULE, None, [], None, []))
        for t in list(self.entities):
            if isinstance(t, Type) and t.name != 'q_empty':
                self._array_of(t)

    def _array_of(self, t):
        a = self._arrays.get(t.name)
        if not a:
            a = self._arrays[t.name] = ArrayType(t)
        return a

    def lookup(self, name):
        return self._by_name.get(name)

    def _check_keys(self, meta, expr, info):
        required, optional = _META_KEYS[meta]
        for k in required:
            if k not in expr:
                raise QAPIError(info, "%s '%s' lacks member '%s'"
                                % (meta, expr[meta], k))
        for k in expr:
            if k != meta and k not in required and k not in optional:
                raise QAPIError(info, "%s '%s' has unknown member '%s'"
                                % (meta, expr[meta], k))

    def _check_name(self, name, info, what, enum_value=False):
        if not isinstance(name, str):
            raise QAPIError(info, "%s requires a string name" % what)
        if enum_value and name[:1].isdigit():
            name = 'x' + name
        if not _NAME_RE.match(name):
            raise QAPIError(info, "%s has an invalid name '%s'" % (what, name))

    def _ifcond(self, cond, info, what):
        if cond is None:
            return IfCond()

        def chk(c):
            if isinstance(c, str):
                if not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', c):
                    raise QAPIError(info, "'if' condition '%s' of %s is not "
                                    "a valid identifier" % (c, what))
                return
            if not isinstance(c, dict) or len(c) != 1:
                raise QAPIError(info, "'if' condition of %s must be a string "
                                "or an object with one of 'all', 'any', "
                                "'not'" % what)
            op, arg = next(iter(c.items()))
            if op == 'not':
                chk(arg)
            elif op in ('all', 'any'):
                if not isinstance(arg, list) or not arg:
                    raise QAPIError(info, "'if' condition '%s' of %s needs a "
                                    "non-empty list" % (op, what))
                for a in arg:
                    chk(a)
            else:
                raise QAPIError(info, "'if' condition of %s has unknown "
                                "operator '%s'" % (what, op))
        chk(cond)
        return IfCond(cond)

    def _features(self, feats, info, what):
        if feats is None:
            return []
        if not isinstance(feats, list):
            raise QAPIError(info, "'features' of %s must be an array" % what)
        out = []
        seen = set()
        for f in feats:
            if isinstance(f, str):
                f = {'name': f}
            if not isinstance(f, dict) or set(f) - {'name', 'if'} \
                    or 'name' not in f:
                raise QAPIError(info, "feature of %s must be a string or an "
                                "object with 'name' and optional 'if'" % what)
            self._check_name(f['name'], info, 'feature of %s' % what)
            if f['name'] in seen:
                raise QAPIError(info, "%s has duplicate feature '%s'"
                                % (what, f['name']))
            seen.add(f['name'])
            out.append(Feature(f['name'], self._ifcond(f.get('if'), info,
                                                       what)))
        return out

    def _bool(self, expr, key, default, info, what):
        v = expr.get(key, default)
        if not isinstance(v, bool):
            raise QAPIError(info, "'%s' of %s must be true or false"
                            % (key, what))
        return v

    def _type_ref(self, ref, info, what, allow_array=True):
        """A reference to a type: 'Name' or ['Name']."""
        if isinstance(ref, list):
            if not allow_array:
                raise QAPIError(info, "%s cannot be an array" % what)
            if len(ref) != 1 or not isinstance(ref[0], str):
                raise QAPIError(info, "%s: array type must contain a single "
                                "type name" % what)
            return [ref[0]]
        if not isinstance(ref, str):
            raise QAPIError(info, "%s should be a type name" % what)
        return ref

    def _members(self, data, info, owner, module, defn):
        if not isinstance(data, dict):
            raise QAPIError(info, "'data' of %s must be an object" % owner)
        out = []
        for key, val in data.items():
            optional = key.startswith('*')
            name = key[1:] if optional else key
            what = "member '%s' of %s" % (name, owner)
            self._check_name(name, info, what)
            self._check_member_case(name, info, what, defn)
            ifcond = IfCond()
            feats = []
            if isinstance(val, dict):
                if 'type' not in val or set(val) - {'type', 'if', 'features'}:
                    raise QAPIError(info, "%s must have 'type' and may have "
                                    "'if' and 'features' only" % what)
                ifcond = self._ifcond(val.get('if'), info, what)
                feats = self._features(val.get('features'), info, what)
                val = val['type']
            tref = self._type_ref(val, info, what)
            out.append(Member(name, tref, optional, ifcond, feats, info))
        return out

    def _check_member_case(self, name, info, what, defn):
        if defn in self.pragma.member_name_exceptions:
            return
        if name.lower() != name or '_' in name.lstrip('_'):
            raise QAPIError(info, "name of %s must not use uppercase or '_'"
                            % what)

    def _implicit_object(self, name, info, module, ifcond, data, owner,
                         defn):
        members = self._members(data, info, owner, module, defn)
        return self._add(ObjectType(name, info, module, ifcond, [], None,
                                    members))

    def _def_expr(self, e):
        expr, info, module = e.expr, e.info, e.module
        metas = [m for m in _META_KEYS if m in expr]
        if len(metas) != 1:
            raise QAPIError(info, "expression must have exactly one of "
                            "'enum', 'struct', 'union', 'alternate', "
                            "'command', 'event'")
        meta = metas[0]
        name = expr[meta]
        self._check_name(name, info, meta)
        what = "%s '%s'" % (meta, name)
        self._check_keys(meta, expr, info)
        ifcond = self._ifcond(expr.get('if'), info, what)
        feats = self._features(expr.get('features'), info, what)
        if meta in ('enum', 'struct', 'union', 'alternate'):
            if name.endswith('List'):
                raise QAPIError(info, "%s name should not end in 'List'"
                                % what)
            if name[0].islower() or '_' in name:
                raise QAPIError(info, "%s name should use CamelCase" % what)
        elif meta == 'event':
            if name.upper() != name or '-' in name:
                raise QAPIError(info, "%s name should be upper case" % what)
        elif meta == 'command':
            if name.lower() != name or ('_' in name and name not in
                                        self.pragma.command_name_exceptions):
                raise QAPIError(info, "%s name should be lower case with "
                                "'-'" % what)
        getattr(self, '_def_' + meta)(expr, info, module, name, ifcond,
                                      feats, what)

    def _def_enum(self, expr, info, module, name, ifcond, feats, what):
        data = expr['data']
        if not isinstance(data, list):
            raise QAPIError(info, "'data' of %s must be an array" % what)
        prefix = expr.get('prefix')
        if prefix is not None and not isinstance(prefix, str):
            raise QAPIError(info, "'prefix' of %s must be a string" % what)
        members = []
        seen = {}
        for m in data:
            if isinstance(m, str):
                m = {'name': m}
            if not isinstance(m, dict) or 'name' not in m \
                    or set(m) - {'name', 'if', 'features'}:
                raise QAPIError(info, "value of %s must be a string or an "
                                "object with 'name'" % what)
            mwhat = "value '%s' of %s" % (m['name'], what)
            self._check_name(m['name'], info, mwhat, True)
            self._check_member_case(m['name'], info, mwhat, name)
            cn = c_name(m['name'], False).upper()
            if cn in seen:
                raise QAPIError(info, "%s collides with value '%s'"
                                % (mwhat, seen[cn]))
            seen[cn] = m['name']
            members.append(EnumMember(
                m['name'], self._ifcond(m.get('if'), info, mwhat),
                self._features(m.get('features'), info, mwhat)))
        t = self._add(EnumType(name, info, module, ifcond, feats, members,
                               prefix))
        self._array_of(t)

    def _def_struct(self, expr, info, module, name, ifcond, feats, what):
        base = expr.get('base')
        if base is not None:
            base = self._type_ref(base, info, "'base' of %s" % what, False)
        members = self._members(expr['data'], info, what, module, name)
        t = self._add(ObjectType(name, info, module, ifcond, feats, base,
                                 members))
        self._array_of(t)

    def _def_union(self, expr, info, module, name, ifcond, feats, what):
        base = expr['base']
        if isinstance(base, dict):
            b = self._implicit_object('q_obj_%s-base' % name, info, module,
                                      ifcond, base, what, name)
            base = b.name
        else:
            base = self._type_ref(base, info, "'base' of %s" % what, False)
        disc = expr['discriminator']
        if not isinstance(disc, str):
            raise QAPIError(info, "'discriminator' of %s must be a string"
                            % what)
        data = expr['data']
        if not isinstance(data, dict):
            raise QAPIError(info, "'data' of %s must be an object" % what)
        variants = []
        for key, val in data.items():
            vwhat = "branch '%s' of %s" % (key, what)
            self._check_name(key, info, vwhat)
            vif = IfCond()
            if isinstance(val, dict):
                if 'type' not in val or set(val) - {'type', 'if'}:
                    raise QAPIError(info, "%s must have 'type' and may have "
                                    "'if' only" % vwhat)
                vif = self._ifcond(val.get('if'), info, vwhat)
                val = val['type']
            val = self._type_ref(val, info, vwhat, False)
            variants.append(Variant(key, val, vif, info))
        t = self._add(ObjectType(name, info, module, ifcond, feats, base, [],
                                 variants, disc))
        self._array_of(t)

    def _def_alternate(self, expr, info, module, name, ifcond, feats, what):
        data = expr['data']
        if not isinstance(data, dict) or not data:
            raise QAPIError(info, "'data' of %s must be a non-empty object"
                            % what)
        variants = []
        for key, val in data.items():
            vwhat = "branch '%s' of %s" % (key, what)
            self._check_name(key, info, vwhat)
            vif = IfCond()
            if isinstance(val, dict):
                if 'type' not in val or set(val) - {'type', 'if'}:
                    raise QAPIError(info, "%s must have 'type' and may have "
                                    "'if' only" % vwhat)
                vif = self._ifcond(val.get('if'), info, vwhat)
                val = val['type']
            val = self._type_ref(val, info, vwhat)
            variants.append(Variant(key, val, vif, info))
        t = self._add(AlternateType(name, info, module, ifcond, feats,
                                    variants))
        self._array_of(t)

    def _def_command(self, expr, info, module, name, ifcond, feats, what):
        data = expr.get('data')
        boxed = self._bool(expr, 'boxed', False, info, what)
        if isinstance(data, dict):
            if boxed:
                raise QAPIError(info, "'data' of %s must be a type name when "
                                "'boxed' is true" % what)
            data = self._implicit_object('q_obj_%s-arg' % name, info, module,
                                         ifcond, data, what, name).name
        elif data is not None:
            data = self._type_ref(data, info, "'data' of %s" % what, False)
        elif boxed:
            raise QAPIError(info, "%s uses 'boxed' without 'data'" % what)
        rets = expr.get('returns')
        if rets is not None:
            rets = self._type_ref(rets, info, "'returns' of %s" % what)
        self._add(Command(
            name, info, module, ifcond, feats, data, rets, boxed,
            self._bool(expr, 'gen', True, info, what),
            self._bool(expr, 'success-response', True, info, what),
            self._bool(expr, 'allow-oob', False, info, what),
            self._bool(expr, 'allow-preconfig', False, info, what),
            self._bool(expr, 'coroutine', False, info, what)))

    def _def_event(self, expr, info, module, name, ifcond, feats, what):
        data = expr.get('data')
        boxed = self._bool(expr, 'boxed', False, info, what)
        if isinstance(data, dict):
            if boxed:
                raise QAPIError(info, "'data' of %s must be a type name when "
                                "'boxed' is true" % what)
            data = self._implicit_object('q_obj_%s-arg' % name, info, module,
                                         ifcond, data, what, name).name
        elif data is not None:
            data = self._type_ref(data, info, "'data' of %s" % what, False)
        elif boxed:
            raise QAPIError(info, "%s uses 'boxed' without 'data'" % what)
        self._add(Event(name, info, module, ifcond, feats, data, boxed))

    # ---- checking ---------------------------------------------------

    def resolve(self, ref, info, what):
        if isinstance(ref, list):
            t = self.resolve(ref[0], info, what)
            return self._array_of(t)
        t = self._by_name.get(ref)
        if t is None or not isinstance(t, Type):
            raise QAPIError(info, "%s uses unknown type '%s'" % (what, ref))
        if t.name == 'q_empty' and not ref.startswith('q_'):
            raise QAPIError(info, "%s uses unknown type '%s'" % (what, ref))
        return t

    def _check(self):
        done = set()
        for ent in self.entities:
            if isinstance(ent, ObjectType):
                self._check_object(ent, done, [])
        for ent in self.entities:
            if isinstance(ent, AlternateType):
                self._check_alternate(ent)
            elif isinstance(ent, Command):
                self._check_command(ent)
            elif isinstance(ent, Event):
                self._check_event(ent)

    def _check_object(self, t, done, stack):
        if t.name in done:
            return
        if t.name in stack:
            raise QAPIError(t.info, "%s contains itself" % t.describe())
        stack = stack + [t.name]
        what = t.describe()
        members = []
        if t.base_name:
            base = self.resolve(t.base_name, t.info, "'base' of %s" % what)
            if not isinstance(base, ObjectType) or base.variants is not None:
                raise QAPIError(t.info, "'base' of %s must be a struct type, "
                                "not %s" % (what, base.describe()))
            self._check_object(base, done, stack)
            t.base = base
            members = list(base.members)
        for m in t.local_members:
            m.type = self.resolve(m.type_name, m.info, "member '%s' of %s"
                                  % (m.name, what))
        members += t.local_members
        seen = {}
        for m in members:
            cn = c_name(m.name)
            if cn in seen:
                raise QAPIError(t.info, "member '%s' of %s collides with "
                                "member '%s'" % (m.name, what, seen[cn]))
            seen[cn] = m.name
        t.members = members
        if t.variants is not None:
            self._check_union(t, done, stack)
        done.add(t.name)

    def _check_union(self, t, done, stack):
        what = t.describe()
        tag = next((m for m in t.members if m.name == t.tag_name), None)
        if tag is None:
            raise QAPIError(t.info, "discriminator '%s' of %s is not a "
                            "member of 'base'" % (t.tag_name, what))
        if not isinstance(tag.type, EnumType):
            raise QAPIError(t.info, "discriminator member '%s' of %s must be "
                            "of enum type" % (tag.name, what))
        if tag.optional:
            raise QAPIError(t.info, "discriminator member '%s' of %s must "
                            "not be optional" % (tag.name, what))
        if tag.ifcond.is_present():
            raise QAPIError(t.info, "discriminator member '%s' of %s must "
                            "not be conditional" % (tag.name, what))
        t.tag_member = tag
        values = tag.type.member_names()
        cases = set()
        for v in t.variants:
            if v.name not in values:
                raise QAPIError(v.info, "branch '%s' of %s is not a value of "
                                "%s" % (v.name, what, tag.type.describe()))
            cases.add(v.name)
            v.type = self.resolve(v.type_name, v.info, "branch '%s' of %s"
                                  % (v.name, what))
            if not isinstance(v.type, ObjectType) or v.type.is_implicit:
                raise QAPIError(v.info, "branch '%s' of %s cannot use %s"
                                % (v.name, what, v.type.describe()))
            self._check_object(v.type, done, stack)
            names = {c_name(m.name) for m in t.members}
            for m in v.type.members:
                if c_name(m.name) in names:
                    raise QAPIError(v.info, "member '%s' of branch '%s' of "
                                    "%s collides with a base member"
                                    % (m.name, v.name, what))
        # Enum values without a branch get an empty one, as QEMU does.
        for em in tag.type.members:
            if em.name not in cases:
                v = Variant(em.name, 'q_empty', em.ifcond, t.info)
                v.type = self.the_empty_object
                t.variants.append(v)

    def _check_alternate(self, t):
        what = t.describe()
        seen = {}
        for v in t.variants:
            v.type = self.resolve(v.type_name, v.info, "branch '%s' of %s"
                                  % (v.name, what))
            vt = v.type
            if isinstance(vt, (AlternateType,)) or \
                    (isinstance(vt, BuiltinType) and vt.name == 'any') or \
                    (isinstance(vt, ObjectType) and vt.is_implicit):
                raise QAPIError(v.info, "branch '%s' of %s cannot use %s"
                                % (v.name, what, vt.describe()))
            qtypes = [vt.qtype()]
            if isinstance(vt, EnumType):
                # A string that is a value of the enum could also be
                # taken as a bool, number or null by a keyval parser.
                qtypes = ['QTYPE_QSTRING']
            for q in qtypes:
                if q in seen:
                    raise QAPIError(v.info, "branch '%s' of %s can't be "
                                    "distinguished from '%s'"
                                    % (v.name, what, seen[q]))
                seen[q] = v.name

    def _check_command(self, c):
        what = c.describe()
        if c.arg_name:
            c.arg_type = self.resolve(c.arg_name, c.info, "'data' of %s"
                                      % what)
            at = c.arg_type
            if c.boxed:
                if not isinstance(at, (ObjectType, AlternateType)):
                    raise QAPIError(c.info, "'data' of %s cannot use %s"
                                    % (what, at.describe()))
            elif not isinstance(at, ObjectType) or at.variants is not None:
                raise QAPIError(c.info, "'data' of %s cannot use %s"
                                % (what, at.describe()))
        if c.ret_name:
            c.ret_type = self.resolve(c.ret_name, c.info, "'returns' of %s"
                                      % what)
            rt = c.ret_type
            inner = rt.element if isinstance(rt, ArrayType) else rt
            if not isinstance(inner, ObjectType) and \
                    c.name not in self.pragma.command_returns_exceptions:
                raise QAPIError(c.info, "%s cannot return %s" %
                                (what, rt.describe()
                                 if not isinstance(rt, ArrayType)
                                 else "array of " + inner.describe()))

    def _check_event(self, ev):
        what = ev.describe()
        if ev.arg_name:
            ev.arg_type = self.resolve(ev.arg_name, ev.info, "'data' of %s"
                                       % what)
            at = ev.arg_type
            if not isinstance(at, ObjectType) or \
                    (not ev.boxed and at.variants is not None):
                raise QAPIError(ev.info, "'data' of %s cannot use %s"
                                % (what, at.describe()))

    # ---- queries ----------------------------------------------------

    def array_types(self):
        return list(self._arrays.values())

    def array_of(self, t):
        return self._array_of(t)

    def module_entities(self, module):
        return [e for e in self.entities if e.module == module]
