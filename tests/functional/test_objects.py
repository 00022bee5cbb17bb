# Vireo functional tests: user-creatable objects (iothread, secret,
# memory-backend-ram) through -object and object-add/object-del.
# SPDX-License-Identifier: MIT

import os

from conftest import expect_error, is_vireo, run_binary


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


def test_memory_backend_file_and_memfd(launch, tmp_path):
    m = launch("x86_64")
    mon = m.qmp()
    ramdir = tmp_path / "ramdir"
    ramdir.mkdir()
    path = ramdir / "ram"
    mon.cmd("object-add", **{"qom-type": "memory-backend-file", "id": "f0",
                             "size": 4 << 20, "mem-path": str(path),
                             "share": True})
    assert path.stat().st_size == 4 << 20
    # A directory gets an unlinked temporary file.
    mon.cmd("object-add", **{"qom-type": "memory-backend-file", "id": "f1",
                             "size": 1 << 20, "mem-path": str(ramdir)})
    assert os.listdir(ramdir) == ["ram"]
    expect_error(mon, "object-add", {"qom-type": "memory-backend-file",
                                     "id": "f2", "size": 1 << 20,
                                     "mem-path": str(tmp_path / "no" / "x")},
                 desc="can't open backing store")
    mon.cmd("object-add", **{"qom-type": "memory-backend-memfd", "id": "m0",
                             "size": 2 << 20})
    assert mon.cmd("qom-get", path="/objects/m0", property="share") is True
    assert mon.cmd("qom-get", path="/objects/m0", property="seal") is True
    ids = {d["id"]: d for d in mon.cmd("query-memdev")}
    assert ids["f0"]["size"] == 4 << 20 and ids["f0"]["share"]
    assert ids["m0"]["size"] == 2 << 20
    props = {p["name"] for p in mon.cmd("qom-list-properties",
                                        typename="memory-backend-file")}
    assert {"mem-path", "discard-data", "align", "readonly", "size",
            "share"} <= props


def test_accelerator_types(launch):
    m = launch("x86_64")
    mon = m.qmp()
    accels = {t["name"] for t in mon.cmd("qom-list-types", implements="accel")}
    assert "tcg-accel" in accels
    if not is_vireo(mon.greeting):
        return
    r = run_binary("x86_64", ["-M", "none", "-display", "none",
                              "-accel", "tcg,thread=bogus"])
    assert r.returncode == 1
    assert "Invalid 'thread' setting bogus" in r.stderr
    r = run_binary("x86_64", ["-M", "none", "-display", "none",
                              "-accel", "tcg,nonesuch=1"])
    assert r.returncode == 1
    assert "Property 'tcg-accel.nonesuch' not found" in r.stderr
