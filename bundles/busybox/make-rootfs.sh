#!/bin/sh
# Build bundles/busybox/rootfs from the host's static busybox (Debian: busybox-static).
#
#   make-rootfs.sh [ROOTFS_DIR]     (default: rootfs/ next to this script)
#
# The rootfs is not committed: it is rebuilt from the recipe below. A stamp file records the
# recipe version and the busybox binary it was made from, so a second run with nothing changed
# returns at once and prints nothing. The new tree is built beside the old one and swapped in.
# Env: BUSYBOX=path of a statically linked busybox (default: /bin/busybox).
set -eu

RECIPE=1
here=$(cd "$(dirname "$0")" && pwd)
rootfs=${1:-"$here/rootfs"}
busybox=${BUSYBOX:-/bin/busybox}

die() { echo "make-rootfs: $*" >&2; exit 1; }

[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"
# ldd fails on a static binary; a dynamic busybox would not run inside the container.
if ldd "$busybox" >/dev/null 2>&1; then die "$busybox is dynamically linked (need busybox-static)"; fi

stamp="recipe=$RECIPE $(cksum <"$busybox")"
if [ -f "$rootfs/.tsrun-rootfs" ] && [ "$(cat "$rootfs/.tsrun-rootfs")" = "$stamp" ] \
	&& [ -x "$rootfs/bin/busybox" ] && [ -L "$rootfs/bin/sh" ]; then
	exit 0
fi

new="$rootfs.new.$$"
trap 'rm -rf "$new"' EXIT
trap 'exit 1' INT TERM
rm -rf "$new"
umask 022
mkdir -p "$new"
cd "$new"

mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root run var/tmp home/user
chmod 1777 tmp var/tmp
chmod 0700 root

cp "$busybox" bin/busybox
chmod 0755 bin/busybox

# What `busybox --install -s` would create, but as relative links (absolute ones would point
# at the host while the rootfs is inspected from outside). --list-full gives e.g. usr/bin/awk.
busybox_list=$("$busybox" --list-full)
set -f # applet names include "[" and "[["
for applet in $busybox_list; do
	case $applet in
	bin/busybox) continue ;;
	bin/* | sbin/*) target=../bin/busybox ;;
	usr/bin/* | usr/sbin/*) target=../../bin/busybox ;;
	*) continue ;; # linuxrc
	esac
	[ "${applet%/*}" = bin ] && target=busybox
	ln -sf "$target" "$applet"
done
set +f

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:test user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
tty:x:5:
user:x:1000:
nogroup:x:65534:
EOF
echo tsrun >etc/hostname
cat >etc/hosts <<'EOF'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
EOF
chown 1000:1000 home/user 2>/dev/null || true

printf '%s\n' "$stamp" >.tsrun-rootfs
cd /
rm -rf "$rootfs.old.$$"
[ -e "$rootfs" ] && mv "$rootfs" "$rootfs.old.$$"
mv "$new" "$rootfs"
rm -rf "$rootfs.old.$$"
trap - EXIT INT TERM
