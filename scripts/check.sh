#!/usr/bin/env bash
# Runs every test of the project and ends with one line "N passed, N failed".
# Called by `make check` after the build.  Exit status: non-zero if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="${BUILD:-$top/build}"
py=/usr/bin/python3
passed=0 failed=0 skipped=0

# The riscv64 guest images the functional tests boot (cached by recipe).
if [ -x "$top/tests/guest/build.sh" ] && [ -z "${VIREO_SKIP_GUEST:-}" ]; then
    guest=$("$top/tests/guest/build.sh" | tail -n 1)
    export VIREO_GUEST_DIR="$guest"
fi
export VIREO_SYSTEM_RISCV64="${VIREO_SYSTEM_RISCV64:-$build/vireo-system-riscv64}"
export VIREO_SYSTEM_X86_64="${VIREO_SYSTEM_X86_64:-$build/vireo-system-x86_64}"

# Unit and CPU tests registered with meson.
meson test -C "$build" --no-rebuild --print-errorlogs >"$build/meson-test.out" 2>&1
tail -n 25 "$build/meson-test.out"
if [ -f "$build/meson-logs/testlog.json" ]; then
    read -r p f s < <($py - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get('result')
    if r in ('OK', 'EXPECTEDFAIL'):
        p += 1
    elif r == 'SKIP':
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
else
    echo "check: meson produced no test log" >&2
    failed=$((failed + 1))
fi

# Functional tests (pytest), when there are any.
if compgen -G "$top/tests/functional/test_*.py" >/dev/null; then
    junit="$build/functional-junit.xml"
    (cd "$top" && $py -m pytest -q -p no:cacheprovider --junitxml="$junit" tests/functional)
    if [ -f "$junit" ]; then
        read -r p f s < <($py - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == 'testsuite' else list(root)
t = sum(int(x.get('tests', 0)) for x in suites)
f = sum(int(x.get('failures', 0)) + int(x.get('errors', 0)) for x in suites)
s = sum(int(x.get('skipped', 0)) for x in suites)
print(t - f - s, f, s)
PY
)
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    else
        failed=$((failed + 1))
    fi
fi

# Skips are reported, but the last line counts only passes and failures.
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
