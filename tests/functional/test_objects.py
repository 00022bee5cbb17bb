# Vireo functional tests: user-creatable objects (iothread, secret,
# memory-backend-ram) through -object and object-add/object-del.
# SPDX-License-Identifier: MIT

import os

from conftest import DEFAULT_ARGS, expect_error, is_vireo, run_binary


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


def worker_threads(pid):
    names = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                names.append(f.read().strip())
        except FileNotFoundError:
            pass            # the thread left meanwhile
    return names.count("worker")


def wait_for(pred, timeout=10):
    import time
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_main_loop_object(launch):
    m = launch("x86_64", ["-object", "main-loop,id=ml,thread-pool-min=3"])
    mon = m.qmp()
    # thread-pool-min keeps that many workers alive with no work at all.
    wait_for(lambda: worker_threads(m.pid) == 3)
    assert mon.cmd("qom-get", path="/objects/ml",
                   property="thread-pool-max") == 64
    # Live changes: a maximum below the running count sends workers away.
    mon.cmd("qom-set", path="/objects/ml", property="thread-pool-min",
            value=1)
    mon.cmd("qom-set", path="/objects/ml", property="thread-pool-max",
            value=1)
    wait_for(lambda: worker_threads(m.pid) == 1)
    expect_error(mon, "qom-set", {"path": "/objects/ml",
                                  "property": "thread-pool-min", "value": 2},
                 desc="^bad thread-pool-min/thread-pool-max values$")
    assert mon.cmd("qom-get", path="/objects/ml",
                   property="thread-pool-min") == 1
    expect_error(mon, "qom-set", {"path": "/objects/ml",
                                  "property": "thread-pool-max", "value": -1},
                 desc="thread-pool-max value must be in range")
    expect_error(mon, "object-add", {"qom-type": "main-loop", "id": "ml2"},
                 desc="^only one main-loop instance allowed$")
    expect_error(mon, "object-del", {"id": "ml"},
                 desc="^object 'ml' is in use, can not be deleted$")


def test_main_loop_bad_values_on_command_line(tmp_path):
    p = run_binary("x86_64", DEFAULT_ARGS + ["-object",
                              "main-loop,id=ml,thread-pool-min=9,"
                              "thread-pool-max=2"])
    assert p.returncode == 1
    assert "bad thread-pool-min/thread-pool-max values" in p.stderr
