# Helpers for the vireo-img / vireo-io functional tests.
# SPDX-License-Identifier: MIT
"""Locating vireo-img, vireo-io and Debian's qemu-img/qemu-io, running them."""

import os
import subprocess

import pytest

SRC_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _build_dir():
    for var in ("VIREO_SYSTEM_RISCV64", "VIREO_SYSTEM_X86_64"):
        if os.environ.get(var):
            return os.path.dirname(os.path.abspath(os.environ[var]))
    return os.path.join(SRC_ROOT, "build")


def tool(name):
    """Path of a Vireo tool; a missing binary fails the test."""
    path = os.environ.get(name.upper().replace("-", "_")) or \
        os.path.join(_build_dir(), name)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("%s not found or not executable: %s" % (name, path),
                    pytrace=False)
    return path


def qemu(name):
    path = "/usr/bin/" + name
    if not os.access(path, os.X_OK):
        pytest.fail("%s is needed for the interoperability tests (Debian "
                    "package qemu-utils)" % path, pytrace=False)
    return path


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s"
                             % (" ".join(cmd), r.returncode, r.stdout,
                                r.stderr))
    return r


@pytest.fixture
def vimg():
    return tool("vireo-img")


@pytest.fixture
def vio():
    return tool("vireo-io")


@pytest.fixture
def qimg():
    return qemu("qemu-img")


@pytest.fixture
def qio():
    return qemu("qemu-io")
