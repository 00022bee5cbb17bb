# Vireo's QAPI schema compiler (Python 3 standard library only).
# SPDX-License-Identifier: MIT
