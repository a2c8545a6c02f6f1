#!/bin/sh
# customize.sh ROOTFS — turn a debootstrapped Debian tree into lab's guest.
#
# Offline only: files are written into the tree and units are switched with
# `systemctl --root`, so no daemon ever starts on the build host.
#   - fstab (root is the whole of /dev/vda, ext4), hosts, empty machine-id
#     (each guest makes its own on first boot);
#   - lab-node-setup: reads lab.* from the kernel command line at every boot
#     and writes the node's hostname, its static address (systemd-networkd,
#     no gateway: the lab network has no uplink) and its Galera settings;
#   - mariadb.socket masked (it holds port 3306 and breaks Galera recovery
#     after a crash) and mariadb.service disabled: the harness starts the
#     server through the guest agent (galera_new_cluster on the bootstrap
#     node, systemctl start mariadb on the others);
#   - apt's package cache emptied, to keep the image small.
set -eu
root=${1:?usage: customize.sh ROOTFS}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$root/usr/sbin/mariadbd" ] || { echo "customize.sh: '$root' has no mariadbd" >&2; exit 2; }

printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' > "$root/etc/fstab"
printf '127.0.0.1 localhost\n' > "$root/etc/hosts"
printf 'lab-guest\n' > "$root/etc/hostname"
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

install -m 0755 "$here/lab-node-setup" "$root/usr/local/sbin/lab-node-setup"
install -m 0644 "$here/lab-node-setup.service" "$root/etc/systemd/system/lab-node-setup.service"

systemctl --root="$root" enable lab-node-setup.service systemd-networkd.service
systemctl --root="$root" mask mariadb.socket
systemctl --root="$root" disable mariadb.service
# Nothing in the lab needs time from outside or housekeeping timers, and
# e2scrub_reap holds the boot for minutes under TCG.
systemctl --root="$root" mask systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_reap.service e2scrub_all.timer fstrim.timer man-db.timer logrotate.timer 2>/dev/null || true
# The server's log directory (the harness logs there with --log-error).
install -d -m 2750 "$root/var/log/mysql"
chroot "$root" chown mysql:adm /var/log/mysql

rm -f "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
echo "customize.sh: '$root' ready"
