# shellcheck shell=bash
# Shared helpers for the host scripts. Sourced, never executed: it sets no shell options
# of its own so each script keeps control of its error handling.

# Progress goes to stderr so a caller can keep stdout for the machine-readable result.
wrenn_log() {
  printf '%s: %s\n' "${WRENN_LOG_PREFIX:-wrenn}" "$*" >&2
}

wrenn_die() {
  local code=$1
  shift
  wrenn_log "error: $*"
  exit "$code"
}

wrenn_require_root() {
  if [[ ${EUID:-$(id -u)} -ne 0 ]]; then
    wrenn_die 2 "must run as root: $1"
  fi
}

# CRIU and overlayfs both need absolute paths, and a relative WRENN_DIR would silently
# change meaning with the caller's working directory.
wrenn_dir() {
  local dir=${WRENN_DIR:-/var/lib/wrenn}
  if [[ $dir != /* ]]; then
    wrenn_die 2 "WRENN_DIR must be an absolute path, got: $dir"
  fi
  printf '%s\n' "${dir%/}"
}

# True when version $1 >= version $2 (dpkg ordering understands 4.2 vs 4.10 and ~rc).
wrenn_version_ge() {
  dpkg --compare-versions "$1" ge "$2"
}

# Prints "<uri> <suite>" for every enabled binary ("deb") source of the machine's apt
# configuration, one-line (*.list) and deb822 (*.sources) formats alike. WRENN_APT_ETC
# points it at another tree, for tests.
wrenn_apt_sources() {
  local etc=${WRENN_APT_ETC:-/etc/apt} files=() f
  [[ -f $etc/sources.list ]] && files+=("$etc/sources.list")
  for f in "$etc"/sources.list.d/*.list; do
    [[ -f $f ]] && files+=("$f")
  done
  if ((${#files[@]})); then
    awk '
      { sub(/#.*/, "") }
      $1 != "deb" { next }
      {
        i = 2
        # Options may be one "[a=b c=d]" token or spread over several tokens.
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if (i + 1 <= NF) print $i, $(i + 1)
      }' "${files[@]}"
  fi
  files=()
  for f in "$etc"/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  if ((${#files[@]})); then
    awk '
      function flush(   nu, ns, u, s, U, S) {
        if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false)$/) {
          nu = split(uris, U, " "); ns = split(suites, S, " ")
          for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) print U[u], S[s]
        }
        types = ""; uris = ""; suites = ""; enabled = ""; last = ""
      }
      FNR == 1 { flush() }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      # Continuation lines extend the previous field (rare, but valid deb822).
      /^[ \t]/ { if (last == "uris") uris = uris " " $0; else if (last == "suites") suites = suites " " $0; next }
      {
        key = tolower($0); sub(/:.*/, "", key)
        val = $0; sub(/^[^:]*:[ \t]*/, "", val)
        last = key
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "enabled") enabled = tolower(val)
      }
      END { flush() }' "${files[@]}"
  fi
}

# The URI of the machine's main Debian archive: the mirror it already trusts and reaches,
# which both debootstrap and the private CRIU lists reuse. WRENN_DEBIAN_MIRROR overrides it.
# Security and third-party repositories are skipped: they do not carry the full archive.
wrenn_debian_mirror() {
  if [[ -n ${WRENN_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "${WRENN_DEBIAN_MIRROR%/}"
    return 0
  fi
  local mirror
  mirror=$(wrenn_apt_sources | awk '
    $1 !~ /^(https?|file):\/\// { next }
    $1 ~ /security/ || $2 ~ /-security$/ { next }
    $2 ~ /^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldstable|stable|testing|unstable)$/ {
      sub(/\/+$/, "", $1); print $1; exit
    }')
  if [[ -z $mirror ]]; then
    wrenn_log "no Debian archive mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/ (set WRENN_DEBIAN_MIRROR)"
    return 1
  fi
  printf '%s\n' "$mirror"
}

# Debian architecture → (multiarch triplet, dynamic loader name), for the paths inside
# Debian packages. Only architectures Wrenn has been run on are listed.
wrenn_multiarch() {
  local arch
  arch=$(dpkg --print-architecture)
  case $arch in
    amd64) printf '%s %s %s\n' "$arch" x86_64-linux-gnu ld-linux-x86-64.so.2 ;;
    arm64) printf '%s %s %s\n' "$arch" aarch64-linux-gnu ld-linux-aarch64.so.1 ;;
    *)
      wrenn_log "unsupported architecture: $arch"
      return 1
      ;;
  esac
}

# Unmounts everything mounted at or below a directory, deepest first. debootstrap mounts
# /proc and /sys (and may bind /dev) inside its target, and those must neither end up in
# a template nor be walked by rm -rf.
wrenn_unmount_under() {
  local dir mnt
  dir=$(realpath -- "$1")
  # mountinfo escapes spaces and the like as octal (\040); printf %b reverses that.
  while read -r mnt; do
    mnt=$(printf '%b' "$mnt")
    umount -l -- "$mnt" || wrenn_log "warning: could not unmount $mnt"
  done < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# Removes a tree a chroot build may have left mounts in; --one-file-system is the second
# guard should an unmount fail.
wrenn_remove_tree() {
  [[ -e $1 ]] || return 0
  wrenn_unmount_under "$1"
  rm -rf --one-file-system -- "$1"
}
