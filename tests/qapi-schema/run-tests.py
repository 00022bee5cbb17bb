#!/usr/bin/env python3
# Runs the QAPI generator over every *.json here: a schema with a
# matching .err file must fail with exactly that message, one without
# must be accepted.  Prints TAP.
# SPDX-License-Identifier: MIT
import glob
import os
import subprocess
import sys


def main():
    gen, testdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    cases = sorted(glob.glob(os.path.join(testdir, '*.json')))
    print('1..%d' % len(cases))
    failed = 0
    for i, case in enumerate(cases, 1):
        name = os.path.basename(case)
        errfile = case[:-5] + '.err'
        proc = subprocess.run([sys.executable, gen, '--check-only', name],
                              cwd=testdir, capture_output=True, text=True)
        if os.path.exists(errfile):
            with open(errfile, encoding='utf-8') as f:
                want = f.read().strip()
            ok = proc.returncode == 1 and proc.stderr.strip() == want
        else:
            want = '(success)'
            ok = proc.returncode == 0 and not proc.stderr
        if ok:
            print('ok %d %s' % (i, name))
        else:
            failed += 1
            print('not ok %d %s' % (i, name))
            print('# expected: %s' % want.replace('\n', '\n# '))
            print('# got (%d): %s' % (proc.returncode,
                                      proc.stderr.strip().replace('\n',
                                                                  '\n# ')))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
