// Bundles envd into dist/envd.mjs, runnable with a bare `node` and no node_modules:
// everything is inlined except node-pty's native addon, copied beside it as pty.node.
import { copyFile, mkdir, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "dist");
const require = createRequire(import.meta.url);
const ptyRoot = dirname(require.resolve("node-pty/package.json"));

// node-pty searches build/ and prebuilds/ relative to its own files; in the bundle the
// addon sits next to envd.mjs, so its loader is replaced by one that looks there.
const ptyAddonBesideBundle = {
  name: "pty-addon-beside-bundle",
  setup(b) {
    b.onLoad({ filter: /node-pty[\\/]lib[\\/]utils\.js$/ }, () => ({
      loader: "js",
      contents: `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.assign = function (target, ...sources) { for (const s of sources) Object.assign(target, s); return target; };
exports.loadNativeModule = function (name) {
  const path = require("node:path");
  return { dir: "./", module: require(path.join(__envdDir, name + ".node")) };
};`,
    }));
  },
};

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(outdir, "envd.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["source"],
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: "none",
  plugins: [ptyAddonBesideBundle],
  banner: {
    js: [
      'import { createRequire as __createRequire } from "node:module";',
      'import { fileURLToPath as __fileURLToPath } from "node:url";',
      'import { dirname as __dirname_ } from "node:path";',
      "const require = __createRequire(import.meta.url);",
      "const __envdDir = __dirname_(__fileURLToPath(import.meta.url));",
      // node-pty's CommonJS reads __dirname while loading (for a macOS-only helper path);
      // ESM has none, so without this envd would crash on startup.
      "const __dirname = __envdDir;",
    ].join("\n"),
  },
});
// The agent reads envd's launch flags at run time, without the bundle.
await build({
  entryPoints: [join(here, "src/node-flags.ts")],
  outfile: join(outdir, "node-flags.js"),
  platform: "node",
  target: "node20",
  format: "esm",
});
await writeFile(
  join(outdir, "node-flags.d.ts"),
  "export declare const ENVD_NODE_FLAGS: readonly string[];\n",
);
// Copy beside, then rename: overwriting the addon in place truncates a file that running envds
// (other test runs) have mapped, and they die with SIGBUS on their next PTY call.
const addonTmp = join(outdir, `pty.node.${process.pid}.tmp`);
await copyFile(join(ptyRoot, "build/Release/pty.node"), addonTmp);
await rename(addonTmp, join(outdir, "pty.node"));
console.log(`built ${join(outdir, "envd.mjs")}`);
