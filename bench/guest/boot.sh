#!/usr/bin/env bash
# Boots a throwaway Linux guest under qemu and runs <shared-dir>/run.sh in it, as root, with an open-files limit of
# 1,048,576: for the one measurement a host's hard limit can forbid (100,000 agent sockets in one gateway process).
#
# The guest's root is this machine's own root, shared read-only over virtio-9p under a tmpfs overlay, so it runs the
# same binaries and checkout without an image to build, and nothing it writes reaches the host except <shared-dir>
# (shared read-write at /guest-out). Without /dev/kvm qemu emulates the CPU (TCG): memory figures hold, timings do
# not (everything runs some 40 times slower). Needs root, qemu-system-x86_64, a static busybox and a Linux kernel
# with its modules under /boot and /lib/modules (Debian: qemu-system-x86 busybox-static linux-image-amd64).
#
#   bench/guest/boot.sh <shared-dir>     (GUEST_MEMORY=14G by default; as many CPUs as this machine has)
set -euo pipefail
shared=$(readlink -f "${1:?usage: boot.sh <shared-dir>}")
[ -f "$shared/run.sh" ] || { echo "boot.sh: $shared/run.sh is missing" >&2; exit 2; }
kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "boot.sh: no kernel in /boot (Debian: apt-get install linux-image-amd64)" >&2; exit 2; }
release=${kernel#/boot/vmlinuz-}
busybox=$(command -v busybox) || { echo "boot.sh: busybox is missing (Debian: busybox-static)" >&2; exit 2; }

initrd=$(mktemp -d)
trap 'rm -rf "$initrd"' EXIT
mkdir -p "$initrd"/{bin,mod,proc,sys,dev,lower,upper,newroot}
cp "$busybox" "$initrd/bin/busybox"
# The kernel's own modules for virtio, 9p and overlayfs (Debian builds them as modules), with those they need, in
# the order modprobe loads them: the order is asked, not written down, as it changed between kernel builds (6.1.192
# needs virtio_ring before virtio). Modules built into the kernel are not listed; a missing one fails its mount.
modules=""
for top in virtio_pci 9pnet_virtio 9p overlay; do
  for file in $(modprobe -S "$release" --show-depends "$top" 2>/dev/null | awk '$1 == "insmod" { print $2 }'); do
    module=$(basename "$file" .ko)
    case " $modules " in
      *" $module "*) ;;
      *) modules="$modules $module"; cp "$file" "$initrd/mod/" ;;
    esac
  done
done
cat > "$initrd/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for module in $modules; do [ -f /mod/\$module.ko ] && insmod /mod/\$module.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower
mount -t tmpfs -o size=8G tmpfs /upper; mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot
mkdir -p /newroot/guest-out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 shared /newroot/guest-out
umount /proc /sys /dev
exec switch_root /newroot /bin/bash /guest-out/.stage2.sh
INIT
chmod +x "$initrd/init"
(cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.cpio.gz"
trap 'rm -rf "$initrd" "$initrd.cpio.gz"' EXIT

# Stage 2 runs on the overlay root: the system's mounts, a loopback, the limits, then run.sh; then power off.
cat > "$shared/.stage2.sh" <<'STAGE2'
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o size=6G tmpfs /tmp; mount -t tmpfs tmpfs /run
ip link set lo up
sysctl -qw fs.nr_open=1100000 net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
  net.ipv4.ip_local_port_range="1024 65000"
ulimit -Hn 1048576 && ulimit -n 1048576
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "guest: $(nproc) CPUs, $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MB, open files $(ulimit -n)"
bash /guest-out/run.sh; echo "$?" > /guest-out/.exit-code
sync; poweroff -f
STAGE2

rm -f "$shared/.exit-code"
accel=tcg,thread=multi
[ -w /dev/kvm ] && accel=kvm
qemu-system-x86_64 -accel "$accel" -cpu max -smp "$(nproc)" -m "${GUEST_MEMORY:-14G}" -nographic -no-reboot \
  -kernel "$kernel" -initrd "$initrd.cpio.gz" -append "console=ttyS0 quiet panic=-1" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$shared,mount_tag=shared,security_model=none"
code=$(cat "$shared/.exit-code" 2>/dev/null || echo "none")
[ "$code" = 0 ] || { echo "boot.sh: run.sh in the guest ended with exit code $code" >&2; exit 1; }
