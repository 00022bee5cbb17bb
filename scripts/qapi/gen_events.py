# Generates qapi-events-MODULE.[ch] (qapi_event_send_*()) and
# qapi-emit-events.[ch] (the QAPIEvent enumeration).
# SPDX-License-Identifier: MIT
from .common import c_name, c_enum_const, c_string


def event_enum_name(prefix):
    return c_name(prefix + 'QAPIEvent', False)


def send_params(ev):
    at = ev.arg_type
    if at is None:
        return 'void'
    if ev.boxed:
        return '%s arg' % at.c_type()
    parts = []
    for m in at.members:
        if m.need_has():
            parts.append('bool has_%s' % m.c_name())
        ptype = m.type.c_param_type()
        sep = '' if ptype.endswith('*') else ' '
        parts.append('%s%s%s' % (ptype, sep, m.c_name()))
    return ', '.join(parts) or 'void'


def gen_send(ev, prefix):
    enum = event_enum_name(prefix)
    out = 'void qapi_event_send_%s(%s)\n{\n    QDict *qmp;\n' % (
        c_name(ev.name.lower()), send_params(ev))
    at = ev.arg_type
    if at is not None and (ev.boxed or at.members):
        out += '    QObject *obj;\n    Visitor *v;\n'
        if not ev.boxed:
            out += '    %s param = {\n' % at.c_unboxed_type()
            for m in at.members:
                if m.need_has():
                    out += '        .has_%s = has_%s,\n' % (m.c_name(),
                                                          m.c_name())
                cast = ''
                if m.type.c_param_type() != m.type.c_type():
                    cast = '(%s)' % m.type.c_type()
                out += '        .%s = %s%s,\n' % (m.c_name(), cast,
                                                  m.c_name())
            out += '    };\n'
        out += '\n    qmp = qmp_event_build_dict(%s);\n\n' % c_string(ev.name)
        out += '    v = qobject_output_visitor_new_qmp(&obj);\n'
        if ev.boxed:
            out += ('    visit_type_%s(v, %s, &arg, &error_abort);\n'
                    % (at.c_name(), c_string(ev.name)))
        else:
            out += ('    visit_start_struct(v, %s, NULL, 0, &error_abort);\n'
                    '    visit_type_%s_members(v, &param, &error_abort);\n'
                    '    visit_check_struct(v, &error_abort);\n'
                    '    visit_end_struct(v, NULL);\n'
                    % (c_string(ev.name), at.c_name()))
        out += ('    visit_complete(v, &obj);\n'
                '    if (qdict_size(qobject_to(QDict, obj))) {\n'
                '        qdict_put_obj(qmp, "data", obj);\n'
                '    } else {\n'
                '        qobject_unref(obj);\n'
                '    }\n'
                '    visit_free(v);\n')
    else:
        out += '\n    qmp = qmp_event_build_dict(%s);\n' % c_string(ev.name)
    out += ('    %s(%s, qmp);\n    qobject_unref(qmp);\n}\n\n'
            % (c_name(prefix + 'qapi_event_emit'),
               c_enum_const(enum, ev.name)))
    return ev.ifcond.wrap(out)


def gen_events_module(events, prefix, h, c):
    for ev in events:
        h.add(ev.ifcond.wrap('void qapi_event_send_%s(%s);\n\n' % (
            c_name(ev.name.lower()), send_params(ev))))
        c.add(gen_send(ev, prefix))


def gen_emit(events, prefix, h, c):
    enum = event_enum_name(prefix)
    body = 'typedef enum %s {\n' % enum
    for ev in events:
        body += ev.ifcond.wrap('    %s,\n' % c_enum_const(enum, ev.name))
    body += '    %s,\n} %s;\n\n' % (c_enum_const(enum, '_MAX'), enum)
    body += ('#define %s_str(val) \\\n    qapi_enum_lookup(&%s_lookup, (val))'
             '\n\nextern const QEnumLookup %s_lookup;\n\n' % (enum, enum, enum))
    body += 'void %s(%s event, QDict *qdict);\n' % (
        c_name(prefix + 'qapi_event_emit'), enum)
    h.add(body)
    lk = 'const QEnumLookup %s_lookup = {\n    .array = (const char *const[]) {\n' \
        % enum
    for ev in events:
        lk += ev.ifcond.wrap('        [%s] = %s,\n' % (
            c_enum_const(enum, ev.name), c_string(ev.name)))
    lk += '    },\n    .size = %s\n};\n' % c_enum_const(enum, '_MAX')
    c.add(lk)
