# Generates qapi-commands-MODULE.[ch] (handler prototypes and QMP
# marshallers) and qapi-init-commands.[ch] (registration of them all).
# SPDX-License-Identifier: MIT
from .common import c_name, c_string
from .gen_types import special_features_c


def handler_params(cmd):
    """The parameter list of qmp_<command>(), as QEMU generates it."""
    if cmd.arg_type is None:
        return 'Error **errp'
    if cmd.boxed:
        return '%s arg, Error **errp' % cmd.arg_type.c_type()
    out = ''
    for m in cmd.arg_type.members:
        if m.need_has():
            out += 'bool has_%s, ' % m.c_name()
        ptype = m.type.c_param_type()
        sep = '' if ptype.endswith('*') else ' '
        out += '%s%s%s, ' % (ptype, sep, m.c_name())
    return out + 'Error **errp'


def handler_args(cmd):
    if cmd.arg_type is None:
        return '&err'
    if cmd.boxed:
        return '&arg, &err'
    out = ''
    for m in cmd.arg_type.members:
        if m.need_has():
            out += 'arg.has_%s, ' % m.c_name()
        out += 'arg.%s, ' % m.c_name()
    return out + '&err'


def ret_decl(cmd):
    if cmd.ret_type is None:
        return 'void '
    ctype = cmd.ret_type.c_type()
    return ctype if ctype.endswith('*') else ctype + ' '


def gen_output_fn(rt):
    return ('static void qmp_marshal_output_%s(%s%sret_in, QObject **ret_out)'
            '\n{\n'
            '    Visitor *v;\n\n'
            '    v = qobject_output_visitor_new_qmp(ret_out);\n'
            '    if (%s(v, "unused", &ret_in, &error_abort)) {\n'
            '        visit_complete(v, ret_out);\n'
            '    }\n'
            '    visit_free(v);\n'
            '    v = qapi_dealloc_visitor_new();\n'
            '    %s(v, "unused", &ret_in, NULL);\n'
            '    visit_free(v);\n}\n\n'
            % (rt.c_name(), rt.c_type(),
               '' if rt.c_type().endswith('*') else ' ',
               rt.visit_fn(), rt.visit_fn()))


def gen_marshal(cmd):
    name = c_name(cmd.name)
    at = cmd.arg_type
    has_args = at is not None and (cmd.boxed or bool(at.members))
    out = ('void qmp_marshal_%s(QDict *args, QObject **ret, Error **errp)\n'
           '{\n    Error *err = NULL;\n' % name)
    if cmd.ret_type is not None:
        out += '    %sretval;\n' % ret_decl(cmd)
    if has_args:
        out += ('    bool ok = false;\n    Visitor *v;\n'
                '    %s arg = {0};\n\n' % at.c_unboxed_type())
        out += ('    v = qobject_input_visitor_new_qmp(QOBJECT(args));\n'
                '    if (!visit_start_struct(v, NULL, NULL, 0, errp)) {\n'
                '        goto out;\n    }\n'
                '    if (visit_type_%s_members(v, &arg, errp)) {\n'
                '        ok = visit_check_struct(v, errp);\n    }\n'
                '    visit_end_struct(v, NULL);\n'
                '    if (!ok) {\n        goto out;\n    }\n\n'
                % at.c_name())
    else:
        # No arguments: any member at all is unexpected, and the common
        # case (none) needs no visitor.
        out += ('\n    if (args && qdict_size(args)) {\n'
                '        error_setg(errp, "Parameter \'%s\' is unexpected",\n'
                '                   qdict_entry_key(qdict_first(args)));\n'
                '        return;\n    }\n\n')
    call = 'qmp_%s(%s);\n' % (name, handler_args(cmd))
    if cmd.ret_type is not None:
        out += '    retval = ' + call
    else:
        out += '    ' + call
    out += '    if (err) {\n        error_propagate(errp, err);\n'
    out += '        goto out;\n    }\n' if has_args else '        return;\n    }\n'
    if cmd.ret_type is not None:
        out += '\n    qmp_marshal_output_%s(retval, ret);\n' \
            % cmd.ret_type.c_name()
    if has_args:
        out += ('\nout:\n    visit_free(v);\n'
                '    v = qapi_dealloc_visitor_new();\n'
                '    visit_start_struct(v, NULL, NULL, 0, NULL);\n'
                '    visit_type_%s_members(v, &arg, NULL);\n'
                '    visit_end_struct(v, NULL);\n'
                '    visit_free(v);\n' % at.c_name())
    out += '}\n\n'
    return out


def gen_commands_module(schema, cmds, h, c):
    outputs_done = set()
    for cmd in cmds:
        if not cmd.gen:
            # Hand-written marshaller: the handler takes the raw
            # arguments, as QEMU's do for 'gen': false commands.
            h.add(cmd.ifcond.wrap(
                'void qmp_%s(QDict *args, QObject **ret, Error **errp);\n\n'
                % c_name(cmd.name)))
            continue
        proto = '%sqmp_%s(%s);\n' % (ret_decl(cmd), c_name(cmd.name),
                                     handler_params(cmd))
        proto += 'void qmp_marshal_%s(QDict *args, QObject **ret, ' \
            'Error **errp);\n\n' % c_name(cmd.name)
        h.add(cmd.ifcond.wrap(proto))
        body = ''
        rt = cmd.ret_type
        if rt is not None and rt.name not in outputs_done:
            # Shared by every command returning this type; keep it
            # unconditional unless the type itself is conditional.
            outputs_done.add(rt.name)
            c.add(rt.ifcond.wrap(gen_output_fn(rt)))
        body += gen_marshal(cmd)
        c.add(cmd.ifcond.wrap(body))


def gen_registration(cmds, prefix):
    out = 'void %s(QmpCommandList *cmds)\n{\n' % c_name(prefix +
                                                       'qmp_init_marshal')
    for cmd in cmds:
        opts = []
        if not cmd.success_response:
            opts.append('QCO_NO_SUCCESS_RESP')
        if cmd.allow_oob:
            opts.append('QCO_ALLOW_OOB')
        if cmd.allow_preconfig:
            opts.append('QCO_ALLOW_PRECONFIG')
        if cmd.coroutine:
            opts.append('QCO_COROUTINE')
        fn = ('qmp_marshal_' if cmd.gen else 'qmp_') + c_name(cmd.name)
        out += cmd.ifcond.wrap(
            '    qmp_register_command(cmds, %s,\n'
            '                         %s, %s, %s);\n'
            % (c_string(cmd.name), fn, ' | '.join(opts) or 'QCO_NO_OPTIONS',
               special_features_c(cmd.features)))
    out += '}\n'
    return out
