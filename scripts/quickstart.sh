#!/usr/bin/env bash
# The quick start: on a fresh Debian 12 machine, as root, from a checkout of this repository,
#
#   bash scripts/quickstart.sh
#
# installs what is missing (the host's Debian packages and private CRIU through
# scripts/host/setup.sh, the npm packages from the lockfile), builds, and runs `npm start` in the
# foreground: the control plane with one embedded host agent and the embedded database, data in
# WRENN_DIR (default /var/lib/wrenn), API on WRENN_PORT (default 8080). The first start builds
# the base template (about a minute, progress in the log) and prints the URLs and a first user
# with an API key. Ctrl-C stops it; sandboxes keep running and are adopted again next start.
# Running it again skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  echo "quickstart.sh needs root: it installs packages, and sandboxes need namespaces and mounts" >&2
  exit 2
fi

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if (($(node_major) < 20)) || ! command -v npm >/dev/null; then
  log "Node.js 20+ and npm"
  apt-get update -qq
  candidate=$(apt-cache policy nodejs | awk '/Candidate:/ {print $2}' | cut -d. -f1 | tr -dc 0-9)
  if [[ -n $candidate ]] && ((candidate >= 20)); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
  else
    echo "Wrenn needs Node.js 20 or newer; this machine's package lists offer nodejs ${candidate:-none}." >&2
    echo "Install Node.js 20 (with npm), then run this script again." >&2
    exit 1
  fi
fi

log "host setup (runc, iptables, debootstrap, private CRIU, kernel settings)"
# Its stdout is a per-item report; the progress is on stderr.
bash scripts/host/setup.sh >&2

# Install from the committed lockfile (npm 11.19's `npm ci` rejects its own lockfiles, see
# .ci/run); skip it when the tree was installed after the lockfile.
if [[ ! node_modules/.package-lock.json -nt package-lock.json ]]; then
  log "npm install"
  npm install --no-fund --no-audit
fi

log "build"
npm run build

log "start (Ctrl-C stops it)"
# What `npm start` runs, exec'd so that the server itself gets SIGTERM (npm does not pass it on).
# The flags: packages/control-plane/src/node-flags.ts.
exec node --max-semi-space-size=32 packages/control-plane/dist/main.js
