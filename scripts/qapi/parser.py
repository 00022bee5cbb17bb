# Parser for the QAPI schema language: JSON-like objects with single
# quoted strings, '#' comments, and 'include'/'pragma' directives.
# SPDX-License-Identifier: MIT
import os

from .common import QAPIError


class SourceInfo:
    """Where a definition comes from; printed as 'file:line'."""

    def __init__(self, fname, line, parent=None):
        self.fname = fname
        self.line = line
        self.parent = parent

    def at(self, line):
        return SourceInfo(self.fname, line, self.parent)

    def __str__(self):
        prefix = ''
        p = self.parent
        while p:
            prefix = 'In file included from %s:%d:\n' % (p.fname, p.line) \
                + prefix
            p = p.parent
        return '%s%s:%d' % (prefix, self.fname, self.line)


class Pragma:
    def __init__(self):
        self.doc_required = False
        self.command_name_exceptions = set()
        self.command_returns_exceptions = set()
        self.member_name_exceptions = set()
        self.documentation_exceptions = set()


class Expr:
    """One top-level definition with its location and module."""

    def __init__(self, expr, info, module):
        self.expr = expr
        self.info = info
        self.module = module


class _Lexer:
    def __init__(self, text, info):
        self.src = text
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.info = info
        self.tok = None
        self.val = None
        self.tok_line = 1

    def error(self, msg):
        col = self.pos - self.line_start + 1
        raise QAPIError(self.info.at(self.line), msg, col)

    def next(self):
        src = self.src
        while True:
            if self.pos >= len(src):
                self.tok = None
                return
            ch = src[self.pos]
            self.tok_line = self.line
            self.pos += 1
            if ch == '#':
                end = src.find('\n', self.pos)
                self.pos = len(src) if end < 0 else end
            elif ch == '\n':
                self.line += 1
                self.line_start = self.pos
            elif ch in ' \t\r':
                pass
            elif ch in '{}[]:,':
                self.tok = ch
                return
            elif ch == "'":
                out = []
                while True:
                    if self.pos >= len(src) or src[self.pos] == '\n':
                        self.error('missing terminating "\'"')
                    c = src[self.pos]
                    self.pos += 1
                    if c == "'":
                        break
                    if c == '\\':
                        if self.pos >= len(src):
                            self.error('missing terminating "\'"')
                        c = src[self.pos]
                        self.pos += 1
                        if c not in "\\/'\"":
                            self.error("unknown escape \\%s" % c)
                    elif not (' ' <= c <= '~'):
                        self.error("funny character in string")
                    out.append(c)
                self.tok = "'"
                self.val = ''.join(out)
                return
            elif src.startswith('true', self.pos - 1):
                self.pos += 3
                self.tok, self.val = 'v', True
                return
            elif src.startswith('false', self.pos - 1):
                self.pos += 4
                self.tok, self.val = 'v', False
                return
            else:
                self.pos -= 1
                self.error("stray '%s'" % ch)


def _parse_value(lx):
    if lx.tok == '{':
        return _parse_object(lx)
    if lx.tok == '[':
        lx.next()
        out = []
        if lx.tok == ']':
            lx.next()
            return out
        while True:
            if lx.tok not in ('{', '[', "'", 'v'):
                lx.error("expected '{', '[', string, or boolean")
            out.append(_parse_value(lx))
            if lx.tok == ']':
                lx.next()
                return out
            if lx.tok != ',':
                lx.error("expected ',' or ']'")
            lx.next()
    if lx.tok in ("'", 'v'):
        v = lx.val
        lx.next()
        return v
    lx.error("expected '{', '[', string, or boolean")


def _parse_object(lx):
    lx.next()
    out = {}
    if lx.tok == '}':
        lx.next()
        return out
    while True:
        if lx.tok != "'":
            lx.error('expected string or "}"' if not out else 'expected string')
        key = lx.val
        lx.next()
        if lx.tok != ':':
            lx.error("expected ':'")
        lx.next()
        if key in out:
            lx.error("duplicate key '%s'" % key)
        out[key] = _parse_value(lx)
        if lx.tok == '}':
            lx.next()
            return out
        if lx.tok != ',':
            lx.error("expected ',' or '}'")
        lx.next()


class SchemaParser:
    """Reads a schema file and everything it includes, in order."""

    def __init__(self, fname):
        self.exprs = []
        self.modules = []          # module paths in order of first inclusion
        self.pragma = Pragma()
        self._seen = set()
        self.main_dir = os.path.dirname(os.path.abspath(fname))
        self._parse_file(fname, None)

    def module_name(self, path):
        rel = os.path.relpath(os.path.abspath(path), self.main_dir)
        return rel[:-5] if rel.endswith('.json') else rel

    def _parse_file(self, fname, incl_info):
        try:
            with open(fname, encoding='utf-8') as f:
                text = f.read()
        except OSError as e:
            raise QAPIError(incl_info, "can't read %s file '%s': %s"
                            % ('include' if incl_info else 'schema',
                               fname, e.strerror))
        self._seen.add(os.path.abspath(fname))
        module = self.module_name(fname)
        self.modules.append(module)
        info = SourceInfo(fname, 1, incl_info)
        lx = _Lexer(text, info)
        lx.next()
        while lx.tok is not None:
            if lx.tok != '{':
                lx.error("expected '{'")
            line = lx.tok_line
            expr = _parse_object(lx)
            einfo = info.at(line)
            if 'include' in expr:
                self._include(expr, einfo, fname)
            elif 'pragma' in expr:
                self._pragma(expr, einfo)
            else:
                self.exprs.append(Expr(expr, einfo, module))

    def _include(self, expr, info, fname):
        if len(expr) != 1:
            raise QAPIError(info, "invalid 'include' directive")
        inc = expr['include']
        if not isinstance(inc, str):
            raise QAPIError(info, "value of 'include' must be a string")
        path = os.path.join(os.path.dirname(fname), inc)
        if os.path.abspath(path) in self._seen:
            return
        self._parse_file(path, info)

    def _pragma(self, expr, info):
        if len(expr) != 1:
            raise QAPIError(info, "invalid 'pragma' directive")
        prag = expr['pragma']
        if not isinstance(prag, dict):
            raise QAPIError(info, "value of 'pragma' must be an object")
        for name, value in prag.items():
            if name == 'doc-required':
                if not isinstance(value, bool):
                    raise QAPIError(info,
                                    "pragma 'doc-required' must be boolean")
                self.pragma.doc_required = value
                continue
            attr = name.replace('-', '_')
            if attr not in ('command_name_exceptions',
                            'command_returns_exceptions',
                            'member_name_exceptions',
                            'documentation_exceptions'):
                raise QAPIError(info, "unknown pragma '%s'" % name)
            if (not isinstance(value, list)
                    or any(not isinstance(v, str) for v in value)):
                raise QAPIError(info,
                                "pragma %s must be a list of strings" % name)
            getattr(self.pragma, attr).update(value)
