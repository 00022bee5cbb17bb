# Shared helpers of the QAPI generator: C name mangling, errors,
# 'if' conditions.
# SPDX-License-Identifier: MIT
import re


class QAPIError(Exception):
    """An error in the schema, reported as 'file:line: message'."""

    def __init__(self, info, msg, col=None):
        super().__init__(msg)
        self.info = info
        self.msg = msg
        self.col = col

    def __str__(self):
        loc = str(self.info) if self.info else 'qapi-gen'
        if self.col is not None:
            loc += ':%d' % self.col
        return '%s: %s' % (loc, self.msg)


_C_RESERVED = frozenset('''
auto break case char const continue default do double else enum extern
float for goto if int long register return short signed sizeof static
struct switch typedef union unsigned void volatile while
inline restrict _Bool _Complex _Imaginary
_Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local
asm typeof
bool catch class const_cast delete dynamic_cast explicit false friend
mutable namespace new operator private protected public reinterpret_cast
static_cast template this throw true try typeid typename using virtual
wchar_t and and_eq bitand bitor compl not not_eq or or_eq xor xor_eq
unix errno mips sparc i386 linux
'''.split())


def c_name(name, protect=True):
    """Turn a schema name into a C identifier ('x-foo' -> 'x_foo')."""
    out = re.sub(r'[^A-Za-z0-9_]', '_', name)
    if protect and (out in _C_RESERVED or out[:1].isdigit()):
        return 'q_' + out
    return out


def camel_to_upper(name):
    """'ChardevBackendKind' -> 'CHARDEV_BACKEND_KIND', the way QEMU 9.2
    splits words: an underscore goes where lower case meets upper case,
    and before the last capital of a run of capitals followed by a lower
    case letter."""
    out = name[0]
    prev_upper = name[0].isupper()
    for ch in name[1:]:
        up = ch.isupper()
        if up != prev_upper:
            if prev_upper:
                if len(out) > 2 and out[-2].isalnum():
                    out = out[:-1] + '_' + out[-1]
            elif out[-1].isalnum():
                out += '_'
        out += ch
        prev_upper = up
    return c_name(out.upper()).lstrip('_')


def c_enum_const(type_name, value, prefix=None):
    if prefix is None:
        prefix = camel_to_upper(type_name)
    return prefix + '_' + c_name(value, False).upper()


def c_string(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


class IfCond:
    """An 'if' condition: None (always), a config symbol, or
    {'all': [...]}, {'any': [...]}, {'not': cond}."""

    def __init__(self, expr=None):
        self.expr = expr

    def is_present(self):
        return self.expr is not None

    @staticmethod
    def _c(expr, top):
        if isinstance(expr, str):
            return 'defined(%s)' % expr
        if 'not' in expr:
            return '!' + IfCond._c(expr['not'], False)
        op = ' && ' if 'all' in expr else ' || '
        parts = [IfCond._c(e, False) for e in
                 (expr['all'] if 'all' in expr else expr['any'])]
        s = op.join(parts)
        return s if top or len(parts) == 1 else '(' + s + ')'

    def c_expr(self):
        return self._c(self.expr, True)

    def gen_if(self):
        if self.expr is None:
            return ''
        return '#if %s\n' % self.c_expr()

    def gen_endif(self):
        if self.expr is None:
            return ''
        return '#endif /* %s */\n' % self.c_expr()

    def wrap(self, text):
        if self.expr is None or not text:
            return text
        return self.gen_if() + text + self.gen_endif()
