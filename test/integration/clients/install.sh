#!/bin/sh
# Installs the container clients the client tests drive (containerd, podman,
# docker.io) when any is missing, in one apt-get call. Every client test file
# runs this first; a lock makes the first caller install and the others wait
# and then find everything in place. Prints nothing when nothing was missing.
# Exit status: 0 ready, 1 install failed (the reason on stderr).
set -eu

packages="containerd podman docker.io"

missing() {
	installed=" $(dpkg-query -W -f='${Package} ${Status}\n' $packages 2>/dev/null |
		awk '/ install ok installed$/ { printf "%s ", $1 }') " || true
	for p in $packages; do
		case $installed in *" $p "*) ;; *) printf ' %s' "$p" ;; esac
	done
}

exec 9>/run/lock/tsrun-clients-install.lock
flock 9

todo=$(missing)
[ -n "$todo" ] || exit 0
command -v apt-get >/dev/null 2>&1 || { echo "missing:$todo (no apt-get here)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "missing:$todo (installing needs root)" >&2; exit 1; }

# The packages' maintainer scripts would start system-wide daemons (dockerd,
# containerd) where no systemd is there to stop them: policy-rc.d answering
# 101 ("action forbidden") keeps them off, as in container images. Ours goes
# away afterwards; one the host has is left alone.
policy=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	ours=1
fi
log=$(mktemp)
cleanup() { rm -f "$log"; [ -z "$ours" ] || rm -f "$policy"; }
trap cleanup EXIT

echo "clients: installing$todo" >&2
if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $todo; } \
	</dev/null >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "apt-get install$todo failed" >&2
	exit 1
fi
