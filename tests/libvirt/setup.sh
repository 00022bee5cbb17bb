#!/bin/bash
# Prepare Debian 12's libvirt 9.0 to drive Vireo on a machine without
# systemd: the users and groups libvirt looks up before reading qemu.conf,
# a root-run QEMU driver without security labelling, the QMP transcript in
# libvirtd's log, and the two daemons.  Idempotent; needs root.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "tests/libvirt/setup.sh: needs root" >&2
    exit 1
fi
for bin in libvirtd virtlogd virsh; do
    if ! command -v "$bin" >/dev/null; then
        echo "tests/libvirt/setup.sh: $bin not installed" \
             "(scripts/install-deps.sh installs libvirt)" >&2
        exit 1
    fi
done

getent group kvm >/dev/null || groupadd -r kvm
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
    useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin \
            libvirt-qemu
mkdir -p /etc/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu \
         /var/cache/libvirt/qemu /run/libvirt

cat > /etc/libvirt/qemu.conf <<'CONF'
# Written by Vireo's tests/libvirt/setup.sh
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
remember_owner = 0
CONF
cat > /etc/libvirt/libvirtd.conf <<'CONF'
# Written by Vireo's tests/libvirt/setup.sh
log_filters = "2:qemu.qemu_monitor 3:qemu.qemu_capabilities"
log_outputs = "2:file:/var/log/libvirt/libvirtd.log"
CONF

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running /run/virtlogd.pid || virtlogd -d
if ! running /run/libvirtd.pid; then
    libvirtd -d
fi
# libvirtd answers once its socket exists.
for _ in $(seq 100); do
    virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
    sleep 0.1
done
echo "tests/libvirt/setup.sh: libvirtd did not come up" >&2
exit 1
