#!/usr/bin/env bash
# Prepares this machine to run Wrenn sandboxes: Debian packages, a private CRIU >= 4.2,
# IPv4 forwarding and overlayfs. Idempotent and quick when nothing is missing, so the host
# agent can run it on every start. Progress goes to stderr; stdout carries only the final
# report, one "<item>: ok | installed | missing: <why>" line per item. Exit 0 when nothing
# required is missing, 1 otherwise, 2 on bad usage (not root, bad WRENN_DIR).
# shellcheck disable=SC2317 # steps are called indirectly, through run_step
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
WRENN_LOG_PREFIX=setup

wrenn_require_root "setup.sh installs Debian packages, writes under WRENN_DIR, sets sysctls and loads kernel modules"
wrenn_dir=$(wrenn_dir)
criu_dir=$wrenn_dir/criu
criu_wrapper=$criu_dir/criu
criu_min_version=4.2
# Debian testing: the oldest suite that carries criu >= 4.2 (see runtime-notes.md).
criu_suite=${WRENN_CRIU_SUITE:-forky}

# kmod gives modprobe; debian-archive-keyring verifies both the private testing lists and
# debootstrap's downloads; gcc builds the agent's small CRIU rlimit shim (see
# packages/agent/docs/pause-resume.md). Everything else the CRIU step uses is essential.
required_packages=(runc iproute2 iptables conntrack e2fsprogs debootstrap kmod debian-archive-keyring gcc libc6-dev)

mkdir -p -- "$wrenn_dir"
# The host agent and a human may run this at the same time; apt and the CRIU swap are not
# safe to interleave.
exec 9>"$wrenn_dir/.setup.lock"
flock 9

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
report=()

# Runs one step in a subshell with errexit really on (bash ignores errexit inside
# functions called from `if`/`||`, so a step must not be called that way). The step exits
# 0 for "ok", 10 for "installed", anything else for "missing"; the first line of $work/why
# says why (the innermost failure: the ERR trap fires again in each enclosing subshell).
run_step() {
  local name=$1 fn=$2 rc
  rm -f -- "$work/why"
  set +e
  (
    set -eE
    trap 'printf "%s failed (exit %s)\n" "$BASH_COMMAND" "$?" >>"$work/why"' ERR
    "$fn"
  )
  rc=$?
  set -e
  case $rc in
    0) report+=("$name: ok") ;;
    10) report+=("$name: installed") ;;
    *) report+=("$name: missing: $(head -n 1 "$work/why" 2>/dev/null || echo "exit $rc")") ;;
  esac
}

# For use inside a step: records why and leaves the step.
step_fail() {
  printf '%s\n' "$*" >"$work/why"
  exit 1
}

is_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == ii* ]]
}

install_packages() {
  local missing=() pkg
  for pkg in "${required_packages[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  printf '%s\n' "${missing[@]}" >"$work/packages-missing"
  ((${#missing[@]})) || return 0
  wrenn_log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Progress to stderr: stdout is reserved for the report.
  apt-get update >&2
  apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

report_packages() {
  local pkg
  for pkg in "${required_packages[@]}"; do
    if ! is_installed "$pkg"; then
      report+=("package $pkg: missing: apt-get could not install it (see the log above)")
    elif grep -qxF -- "$pkg" "$work/packages-missing" 2>/dev/null; then
      report+=("package $pkg: installed")
    else
      report+=("package $pkg: ok")
    fi
  done
}

# Prints the version a criu binary (or wrapper) reports, e.g. "4.2.1".
criu_version() {
  "$1" --version 2>/dev/null | awk '/^Version:/ { print $2; exit }'
}

criu_usable() {
  local bin=$1 version check
  [[ -x $bin ]] || return 1
  version=$(criu_version "$bin")
  [[ -n $version ]] || return 1
  wrenn_version_ge "$version" "$criu_min_version" || return 1
  check=$("$bin" check 2>&1) || return 1
  grep -q '^Looks good' <<<"$check"
}

write_wrapper() {
  local tmp=$criu_wrapper.tmp-$$
  {
    printf '#!/bin/bash\n'
    printf '# Written by scripts/host/setup.sh; pass this path to runc --criu.\n'
    printf 'exec'
    printf ' %q' "$@"
    printf ' "$@"\n'
  } >"$tmp"
  chmod 0755 "$tmp"
  mv -f -- "$tmp" "$criu_wrapper"
}

# Prints the packages apt-cache depends lists as hard dependencies of the named packages:
# the first alternative of each "a | b" group, and the first provider of a virtual package.
apt_hard_depends() {
  apt-cache "${apt_opts[@]}" depends --important "$@" | awk '
    function flush() { if (chosen != "") print chosen; chosen = ""; open = 0 }
    /^[^ ]/ { flush(); next }
    /^ [ |](Pre)?Depends: / {
      if (!continued) flush()
      continued = ($0 ~ /^ \|/)
      name = $2; sub(/:.*/, "", name)
      open = 1
      virtual = (name ~ /^</)
      if (chosen == "" && !virtual) chosen = name
      next
    }
    /^    [^ ]/ { if (open && virtual && chosen == "") { chosen = $1; sub(/:.*/, "", chosen) }; next }
    END { flush() }'
}

# Shared-library packages are named lib* (Debian policy 8.1), zlib1g being the historic
# exception. Following only those keeps criu's tools (python3-protobuf for crit, iproute2)
# out of the private root: criu execs those from the host, not from here.
is_library_package() {
  [[ $1 == lib* || $1 == zlib1g ]]
}

# The closure of criu and the libraries it loads, resolved on the private testing lists
# because testing renames packages (t64 transition) and moves dependencies.
resolve_criu_packages() {
  local -A seen=([criu]=1)
  local frontier=(criu) next dep
  while ((${#frontier[@]})); do
    next=()
    while read -r dep; do
      if [[ -z ${seen[$dep]:-} ]] && is_library_package "$dep"; then
        seen[$dep]=1
        next+=("$dep")
      fi
    done < <(apt_hard_depends "${frontier[@]}")
    frontier=("${next[@]}")
  done
  printf '%s\n' "${!seen[@]}" | sort
}

# Every library criu loads must come from the private root: one resolved on the host
# would be Debian 12's, older than the testing glibc the rest was built against.
verify_private_libraries() {
  local root=$1 loader=$2 libpath=$3 out bad
  out=$("$loader" --list --library-path "$libpath" "$root/usr/sbin/criu") ||
    step_fail "the private loader cannot list criu's libraries: $out"
  bad=$(awk -v r="$root/" '
    /not found/ { print; next }
    / => / { if (index($3, r) != 1) print; next }
    ' <<<"$out")
  [[ -z $bad ]] || step_fail "criu libraries not resolved inside $root: $(tr '\n\t' '; ' <<<"$bad")"
}

install_private_criu() {
  local arch triplet loader_name mirror keyring apt_dir root_new pkgs
  # Dynamically scoped: apt_hard_depends reads it too.
  local -a apt_opts
  read -r arch triplet loader_name < <(wrenn_multiarch) || step_fail "unsupported architecture"
  mirror=$(wrenn_debian_mirror) || step_fail "no Debian mirror in the apt sources (set WRENN_DEBIAN_MIRROR)"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ -f $keyring ]] || step_fail "$keyring is missing (package debian-archive-keyring)"

  apt_dir=$criu_dir/apt
  mkdir -p -- "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$criu_dir/debs"
  printf 'deb [arch=%s signed-by=%s] %s %s main\n' "$arch" "$keyring" "$mirror" "$criu_suite" \
    >"$apt_dir/sources.list"
  # A private sources list, lists dir and cache: the host's apt never sees testing, so
  # nothing on the system can be upgraded to it, and the host's pkgcache is not rebuilt.
  apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null
    -o Dir::Etc::PreferencesParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
    -o Acquire::Languages=none
  )
  wrenn_log "fetching the $criu_suite package lists from $mirror into $apt_dir"
  # --error-on=any: by default a mirror that cannot be reached is only a warning, and the
  # failure would surface later as a confusing "criu has no candidate".
  apt-get "${apt_opts[@]}" update --error-on=any >&2 ||
    step_fail "apt-get update of Debian $criu_suite from $mirror failed (see the log above)"

  pkgs=$(resolve_criu_packages)
  wrenn_log "criu needs: $(tr '\n' ' ' <<<"$pkgs")"
  # The download dir holds exactly this resolution, so dpkg -x below never picks up a
  # stale version left by an earlier run.
  rm -f -- "$criu_dir"/debs/*.deb
  # apt downloads as the unprivileged _apt user when it can write the target dir.
  if id -u _apt >/dev/null 2>&1; then
    chown _apt:root "$criu_dir/debs"
  fi
  # shellcheck disable=SC2086 # one package name per word
  (cd -- "$criu_dir/debs" && apt-get "${apt_opts[@]}" download $pkgs >&2)

  root_new=$criu_dir/root.new-$BASHPID
  # The step runs in its own subshell, so this trap fires when the step ends either way.
  # Expanded now: root_new is local and gone by the time the subshell exits.
  # shellcheck disable=SC2064
  trap "rm -rf -- $(printf %q "$root_new")" EXIT
  rm -rf -- "$criu_dir"/root.new-*
  mkdir -p -- "$root_new"
  local deb
  for deb in "$criu_dir"/debs/*.deb; do
    dpkg -x "$deb" "$root_new"
  done

  local loader=$root_new/usr/lib/$triplet/$loader_name
  [[ -x $loader ]] || step_fail "libc6 from $criu_suite has no loader at $loader"
  verify_private_libraries "$root_new" "$loader" "$(private_libpath "$root_new" "$triplet")"

  # Swap the finished tree in, so a failed run above leaves a working old one alone.
  rm -rf -- "$criu_dir/root.old"
  [[ -e $criu_dir/root ]] && mv -- "$criu_dir/root" "$criu_dir/root.old"
  mv -- "$root_new" "$criu_dir/root"
  rm -rf -- "$criu_dir/root.old"

  local root=$criu_dir/root
  # The loader's --library-path, unlike LD_LIBRARY_PATH, does not leak into the programs
  # criu itself runs (iptables-restore, ip): those keep using the host's own libraries.
  write_wrapper "$root/usr/lib/$triplet/$loader_name" --library-path \
    "$(private_libpath "$root" "$triplet")" "$root/usr/sbin/criu"
}

# Testing ships libraries under /usr/lib (merged /usr), but a package still using /lib
# would otherwise resolve to the host's copy or not at all.
private_libpath() {
  local root=$1 triplet=$2 path=$1/usr/lib/$2
  [[ -d $root/lib/$triplet && ! -L $root/lib ]] && path+=":$root/lib/$triplet"
  printf '%s\n' "$path"
}

step_criu() {
  if criu_usable "$criu_wrapper"; then
    printf '%s\n' "$(criu_version "$criu_wrapper")" >"$work/criu-version"
    return 0
  fi
  local system_criu
  system_criu=$(command -v criu || true)
  if [[ -n $system_criu ]] && criu_usable "$system_criu"; then
    wrenn_log "using the system criu at $system_criu"
    mkdir -p -- "$criu_dir"
    write_wrapper "$system_criu"
  else
    wrenn_log "installing a private criu >= $criu_min_version from Debian $criu_suite into $criu_dir"
    install_private_criu
  fi
  local version check
  version=$(criu_version "$criu_wrapper")
  [[ -n $version ]] || step_fail "$criu_wrapper --version prints no version"
  wrenn_version_ge "$version" "$criu_min_version" ||
    step_fail "criu $version from $criu_suite is older than $criu_min_version"
  check=$("$criu_wrapper" check 2>&1) || true
  grep -q '^Looks good' <<<"$check" ||
    step_fail "$criu_wrapper check failed: $(tail -n 3 <<<"$check" | tr '\n' ' ')"
  wrenn_log "criu $version: $(grep '^Looks good' <<<"$check")"
  printf '%s\n' "$version" >"$work/criu-version"
  exit 10
}

# Sandboxes reach the outside through NAT on the host, which needs routing between the
# per-sandbox veths and the uplink. Not persisted: the agent runs this on every start.
step_ip_forward() {
  [[ $(</proc/sys/net/ipv4/ip_forward) == 1 ]] && return 0
  sysctl -q -w net.ipv4.ip_forward=1 >&2 || step_fail "sysctl net.ipv4.ip_forward=1 was refused"
  exit 10
}

# Templates are read-only overlayfs lower layers under each sandbox's own upper layer.
step_overlay() {
  grep -qw overlay /proc/filesystems && return 0
  modprobe overlay >&2 || step_fail "modprobe overlay failed and overlay is not in /proc/filesystems"
  grep -qw overlay /proc/filesystems || step_fail "overlay still not in /proc/filesystems after modprobe"
  exit 10
}

run_step packages install_packages
# The package step's own line is replaced by one line per package.
unset 'report[${#report[@]}-1]'
report_packages
run_step "criu" step_criu
if [[ -s $work/criu-version ]]; then
  report[${#report[@]} - 1]=${report[-1]/#criu:/criu $(<"$work/criu-version") ($criu_wrapper):}
fi
run_step "ipv4 forwarding" step_ip_forward
run_step "overlayfs" step_overlay

printf '%s\n' "${report[@]}"
for line in "${report[@]}"; do
  [[ $line == *": missing: "* ]] && exit 1
done
exit 0
