#!/usr/bin/env bash
# Builds the `base` template rootfs (Debian 12 minbase + the tools sandboxes expect, and a
# user `user` with passwordless sudo) into <destDir>. The tree is built in a sibling
# directory and renamed into place at the very end, so <destDir> is either absent, the
# previous build, or a complete new one, never half-built.
#
# Usage: build-base-template.sh [--recipe-hash <hash>] [--replace] <destDir>
#   --recipe-hash  written to <destDir>/.wrenn-recipe so the caller can tell which recipe
#                  (base-recipe-hash.sh) built the tree and rebuild only when it changed
#   --replace      swap out an existing <destDir>; without it an existing one is an error.
#                  Running sandboxes that use the old tree as an overlay lower layer must be
#                  gone first: overlayfs does not allow changing a lower layer under a mount.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
WRENN_LOG_PREFIX=build-base

usage() {
  printf 'usage: %s [--recipe-hash <hash>] [--replace] <destDir>\n' "$0" >&2
  exit 2
}

recipe_hash=""
replace=0
dest=""
while (($#)); do
  case $1 in
    --recipe-hash)
      (($# >= 2)) || usage
      recipe_hash=$2
      shift 2
      ;;
    --replace)
      replace=1
      shift
      ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
      [[ -z $dest ]] || usage
      dest=$1
      shift
      ;;
  esac
done
[[ -n $dest ]] || usage
[[ $recipe_hash =~ ^[A-Za-z0-9._-]*$ ]] || wrenn_die 2 "--recipe-hash must be a plain token, got: $recipe_hash"

wrenn_require_root "debootstrap and chroot need root"
command -v debootstrap >/dev/null || wrenn_die 1 "debootstrap is not installed: run scripts/host/setup.sh first"

suite=bookworm
# --include resolves these packages' dependencies in the same pass as the minbase set,
# which is much faster than a second apt run inside the chroot. tini ships
# /usr/bin/tini-static, the sandbox's PID 1: envd (Node) does not reap orphaned
# grandchildren, and static, it needs nothing from a rootfs a user may break.
include=bash,python3,coreutils,procps,curl,ca-certificates,sudo,git,tini
user_name=user
user_id=1000

mkdir -p -- "$(dirname -- "$dest")"
dest=$(realpath -m -- "$dest")
if [[ -e $dest && $replace -eq 0 ]]; then
  wrenn_die 1 "$dest already exists (pass --replace to rebuild it)"
fi
mirror=$(wrenn_debian_mirror) || wrenn_die 1 "cannot find the machine's Debian mirror"

# A sibling, so the final rename stays on one filesystem and is atomic.
tmp=$dest.tmp-$$
child=""
cleanup() {
  local rc=$?
  if [[ -n $child ]]; then
    kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null || true
    wait "$child" || true
  fi
  if [[ -e $tmp ]]; then
    wrenn_log "removing the unfinished tree $tmp"
    wrenn_remove_tree "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Earlier builds killed before their own cleanup ran leave <dest>.tmp-<pid> behind.
for stale in "$dest".tmp-*; do
  [[ -e $stale ]] || continue
  pid=${stale##*.tmp-}
  if [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
    wrenn_log "removing $stale, left by an interrupted build"
    wrenn_remove_tree "$stale"
  fi
done

keyring_args=()
if [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
  keyring_args=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
fi

started=$SECONDS
wrenn_log "debootstrap $suite (minbase + $include) from $mirror into $tmp"
# In the background and waited for: bash runs a trap only once its foreground child ends,
# and a cancelled build should stop now, not after debootstrap's minute. setsid gives it a
# process group of its own (pgid = its pid, as a non-leader it does not fork), so the
# cleanup can stop its dpkg and wget children too.
setsid debootstrap --variant=minbase --include="$include" "${keyring_args[@]}" \
  "$suite" "$tmp" "$mirror" >&2 &
child=$!
wait "$child"
child=""
wrenn_log "debootstrap done in $((SECONDS - started)) s"
[[ -x $tmp/usr/bin/tini-static ]] || wrenn_die 1 "the tini package did not install /usr/bin/tini-static"

# Nothing below needs debootstrap's /proc or /sys, should it have left them mounted.
wrenn_unmount_under "$tmp"

wrenn_log "adding user $user_name ($user_id:$user_id) with passwordless sudo"
chroot "$tmp" /usr/sbin/groupadd --gid "$user_id" "$user_name"
chroot "$tmp" /usr/sbin/useradd --uid "$user_id" --gid "$user_id" --create-home \
  --home-dir "/home/$user_name" --shell /bin/bash "$user_name"
install -d -m 0755 -o "$user_id" -g "$user_id" "$tmp/home/$user_name"
sudoers=$tmp/etc/sudoers.d/$user_name
printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$user_name" >"$sudoers"
# sudo ignores (and complains about) drop-ins that are group- or world-writable.
chmod 0440 "$sudoers"
chroot "$tmp" /usr/sbin/visudo -cq -f "/etc/sudoers.d/$user_name"

# debootstrap copies these from the host: they would leak its name, addresses and
# resolvers into every sandbox. The runtime provides resolv.conf and the hostname.
: >"$tmp/etc/resolv.conf"
printf 'sandbox\n' >"$tmp/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tsandbox\n' \
  >"$tmp/etc/hosts"

# Documentation, man pages and message translations are a quarter of the tree and unused
# in a sandbox (minbase has no man-db and no locales); copyright files stay, as in Debian's
# slim images. The dpkg filter keeps packages installed later inside a sandbox as lean.
wrenn_log "removing docs, man pages and translations"
cat >"$tmp/etc/dpkg/dpkg.cfg.d/wrenn-slim" <<'EOF'
# Wrenn base template: delete this file to get documentation back for new packages.
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
find "$tmp/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$tmp/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$tmp/usr/share/man" "$tmp/usr/share/info" -mindepth 1 -delete
find "$tmp/usr/share/locale" -mindepth 1 ! -name locale.alias -delete

wrenn_log "cleaning apt caches and lists"
rm -rf -- "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin \
  "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/debconf/*-old "$tmp"/var/log/*.log \
  "$tmp"/var/log/apt/*
mkdir -p -- "$tmp/var/lib/apt/lists/partial"

if [[ -n $recipe_hash ]]; then
  printf '%s\n' "$recipe_hash" >"$tmp/.wrenn-recipe"
fi

if [[ -e $dest ]]; then
  # rename(2) cannot replace a non-empty directory, so the old tree steps aside first;
  # between the two renames <dest> is briefly absent, never partial.
  old=$dest.old-$$
  mv -T -- "$dest" "$old"
  mv -T -- "$tmp" "$dest"
  wrenn_log "removing the previous tree"
  wrenn_remove_tree "$old"
else
  mv -T -- "$tmp" "$dest"
fi
wrenn_log "built $dest in $((SECONDS - started)) s ($(du -sh -- "$dest" | cut -f1))"
