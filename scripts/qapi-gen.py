#!/usr/bin/env python3
# Vireo's QAPI code generator: reads a schema and writes C sources.
# SPDX-License-Identifier: MIT
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qapi.main import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
