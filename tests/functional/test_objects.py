# Vireo functional tests: user-creatable objects (iothread, secret,
# memory-backend-ram) through -object and object-add/object-del.
# SPDX-License-Identifier: MIT

import os

from conftest import expect_error, is_vireo


def test_iothread_lifecycle(launch):
    m = launch("x86_64", ["-object", "iothread,id=io0"])
    mon = m.qmp()
    mon.cmd("object-add", **{"qom-type": "iothread", "id": "io1",
                             "poll-max-ns": 0})
    threads = {t["id"]: t for t in mon.cmd("query-iothreads")}
    assert set(threads) == {"io0", "io1"}
    assert threads["io1"]["poll-max-ns"] == 0
    assert threads["io0"]["thread-id"] != threads["io1"]["thread-id"]
    # Each iothread is a real thread of the process.
    tids = set(os.listdir("/proc/%d/task" % m.pid))
    assert str(threads["io0"]["thread-id"]) in tids
    expect_error(mon, "object-add", {"qom-type": "iothread", "id": "io2",
                                     "poll-grow": -1},
                 desc="poll-grow value must be in range")
    mon.cmd("object-del", id="io0")
    assert [t["id"] for t in mon.cmd("query-iothreads")] == ["io1"]
    expect_error(mon, "object-del", {"id": "io0"}, desc="not found")


def test_secret_and_memory_backend(launch, tmp_path):
    key = tmp_path / "key"
    key.write_text("s3cret")
    m = launch("x86_64", ["-object", '{"qom-type":"secret","id":"k0",'
                          '"format":"raw","file":"%s"}' % key])
    mon = m.qmp()
    assert mon.cmd("qom-get", path="/objects/k0", property="format") == "raw"
    expect_error(mon, "object-add", {"qom-type": "secret", "id": "k1"},
                 desc="^Either 'file' or 'data' must be provided$")
    mon.cmd("object-add", **{"qom-type": "memory-backend-ram", "id": "mem0",
                             "size": 4 << 20})
    mems = mon.cmd("query-memdev")
    assert any(d["id"] == "mem0" and d["size"] == 4 << 20 for d in mems)
    if is_vireo(mon.greeting):
        expect_error(mon, "object-add", {"qom-type": "no-such-type",
                                         "id": "x"})


def test_query_display_options(launch):
    m = launch("x86_64")            # started with -display none
    assert m.qmp().cmd("query-display-options") == {"type": "none"}
