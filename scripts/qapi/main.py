# Command line of the QAPI generator: qapi-gen.py [-b] [-p PREFIX]
# -o OUTDIR SCHEMA.json
# SPDX-License-Identifier: MIT
import argparse
import sys

from .common import QAPIError
from .output import Output
from .schema import (Schema, BUILTIN_MODULE, Type, ArrayType, ObjectType,
                     AlternateType, Command, Event)
from .gen_types import gen_types_module, module_arrays
from .gen_visit import gen_visit_module
from .gen_commands import gen_commands_module, gen_registration
from .gen_events import gen_events_module, gen_emit
from .gen_introspect import gen_introspect


def type_refs(ent):
    """Types an entity's generated code refers to."""
    out = []
    if isinstance(ent, ObjectType):
        if ent.base:
            out.append(ent.base)
        out += [m.type for m in ent.local_members]
        out += [v.type for v in ent.variants or []]
    elif isinstance(ent, AlternateType):
        out += [v.type for v in ent.variants]
    elif isinstance(ent, (Command, Event)):
        out += [t for t in (ent.arg_type, getattr(ent, 'ret_type', None))
                if t is not None]
    return [t.element if isinstance(t, ArrayType) else t for t in out]


class Generator:
    def __init__(self, schema, prefix, outdir, builtins):
        self.schema = schema
        self.prefix = prefix
        self.out = Output(outdir)
        self.builtins = builtins

    def fname(self, kind, module):
        if module == BUILTIN_MODULE:
            return 'qapi-builtin-%s' % kind
        if module == self.schema.main_module:
            return '%sqapi-%s' % (self.prefix, kind)
        return '%sqapi-%s-%s' % (self.prefix, kind,
                                 module.replace('/', '-'))

    def inc(self, kind, module):
        return 'qapi/%s.h' % self.fname(kind, module)

    def files(self, kind, module, what):
        base = self.fname(kind, module)
        return (self.out.get(base + '.h', what),
                self.out.get(base + '.c', what))

    def deps(self, module, ents):
        mods = []
        for e in ents:
            for t in type_refs(e):
                if t.module not in (module, BUILTIN_MODULE) and \
                        t.module not in mods:
                    mods.append(t.module)
        return [m for m in self.schema.modules if m in mods]

    def gen_module(self, module):
        schema = self.schema
        ents = schema.module_entities(module)
        types = [e for e in ents if isinstance(e, Type)]
        arrays = module_arrays(schema, types)
        deps = self.deps(module, ents)
        is_builtin = module == BUILTIN_MODULE
        is_main = module == schema.main_module
        others = [m for m in schema.modules if m != schema.main_module]

        h, c = self.files('types', module, 'QAPI types')
        if is_builtin:
            h.include('qapi/util.h')
            h.add('typedef struct QObject QObject;\n'
                  'typedef struct QNull QNull;\n\n')
        else:
            h.include(self.inc('types', BUILTIN_MODULE))
        for d in (others if is_main else deps):
            h.include(self.inc('types', d))
        c.include('qapi/dealloc-visitor.h')
        c.include(self.inc('types', module))
        c.include(self.inc('visit', module))
        gen_types_module(schema, types, arrays, h, c, is_builtin)

        h, c = self.files('visit', module, 'QAPI visitors')
        if is_builtin:
            h.include('qapi/visitor.h')
        else:
            h.include(self.inc('visit', BUILTIN_MODULE))
        h.include(self.inc('types', module))
        for d in (others if is_main else deps):
            h.include(self.inc('visit', d))
        c.include('vireo/error.h')
        c.include(self.inc('visit', module))
        gen_visit_module(schema, types, arrays, h, c)
        if is_builtin:
            return

        cmds = [e for e in ents if isinstance(e, Command)]
        h, c = self.files('commands', module, 'QAPI command marshallers')
        h.include('qapi/qmp-dispatch.h')
        h.include(self.inc('types', module))
        for d in (others if is_main else deps):
            h.include(self.inc('commands' if is_main else 'types', d))
        for i in ('vireo/error.h', 'qobject/qdict.h',
                  'qapi/qobject-input-visitor.h',
                  'qapi/qobject-output-visitor.h',
                  'qapi/dealloc-visitor.h', self.inc('visit', module)):
            c.include(i)
        for d in deps:
            c.include(self.inc('visit', d))
        c.include(self.inc('commands', module))
        gen_commands_module(schema, cmds, h, c)

        events = [e for e in ents if isinstance(e, Event)]
        h, c = self.files('events', module, 'QAPI event senders')
        h.include('qapi/util.h')
        h.include(self.inc('types', module))
        for d in (others if is_main else deps):
            h.include(self.inc('events' if is_main else 'types', d))
        for i in ('vireo/error.h', 'qobject/qdict.h',
                  'qapi/qobject-output-visitor.h', 'qapi/qmp-event.h',
                  self.inc('emit-events', schema.main_module),
                  self.inc('visit', module)):
            c.include(i)
        for d in deps:
            c.include(self.inc('visit', d))
        c.include(self.inc('events', module))
        gen_events_module(events, self.prefix, h, c)

    def generate(self):
        schema = self.schema
        if self.builtins:
            self.gen_module(BUILTIN_MODULE)
        for m in schema.modules:
            self.gen_module(m)
        main = schema.main_module

        cmds = [e for e in schema.entities if isinstance(e, Command)]
        h, c = self.files('init-commands', main, 'QAPI command registration')
        h.include('qapi/qmp-dispatch.h')
        h.add('void %sqmp_init_marshal(QmpCommandList *cmds);\n'
              % self.prefix.replace('-', '_'))
        c.include(self.inc('commands', main))
        c.include(self.inc('init-commands', main))
        c.add(gen_registration(cmds, self.prefix))

        events = [e for e in schema.entities if isinstance(e, Event)]
        h, c = self.files('emit-events', main, 'QAPI event enumeration')
        h.include('qapi/util.h')
        h.add('typedef struct QDict QDict;\n\n')
        c.include(self.inc('emit-events', main))
        gen_emit(events, self.prefix, h, c)

        h, c = self.files('introspect', main, 'QAPI/QMP schema introspection')
        h.include('qapi/qapi-lit.h')
        c.include(self.inc('introspect', main))
        gen_introspect(schema, self.prefix, h, c)
        self.out.write()


def main(argv):
    ap = argparse.ArgumentParser(description='Generate C code from a '
                                 'QAPI schema')
    ap.add_argument('-o', '--output-dir', default='.')
    ap.add_argument('-p', '--prefix', default='')
    ap.add_argument('-b', '--builtins', action='store_true',
                    help='also generate the built-in types module')
    ap.add_argument('--check-only', action='store_true',
                    help='check the schema, write nothing')
    ap.add_argument('schema')
    args = ap.parse_args(argv)
    try:
        schema = Schema(args.schema)
        if not args.check_only:
            Generator(schema, args.prefix, args.output_dir,
                      args.builtins).generate()
    except QAPIError as e:
        print(e, file=sys.stderr)
        return 1
    return 0
