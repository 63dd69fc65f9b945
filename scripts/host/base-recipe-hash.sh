#!/usr/bin/env bash
# Prints the sha256 of the `base` template recipe: the build script and the library it
# sources. The caller stores it (build-base-template.sh --recipe-hash) and rebuilds the
# template only when the printed hash differs from the one in <template>/.wrenn-recipe.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# Fixed order and names, so the hash depends on content only, not on where the repo lives.
cat -- "$here/build-base-template.sh" "$here/lib.sh" | sha256sum | cut -d' ' -f1
