// Bundles envd into dist/, runnable with a bare `node` and no node_modules: envd.cjs (a small
// loader) runs envd-bundle.cjs (everything inlined except node-pty's native addon, copied beside it as
// pty.node) with envd.cache, V8's code cache for it, made here by starting envd once.
import { spawn } from "node:child_process";
import { copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "dist");
const require = createRequire(import.meta.url);
const ptyRoot = dirname(require.resolve("node-pty/package.json"));

// node-pty searches build/ and prebuilds/ relative to its own files; in the bundle the
// addon sits next to the bundle, so its loader is replaced by one that looks there.
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

/*
 * Why CommonJS and a loader: every sandbox create waits for envd to start, and on these machines
 * Node reaches the first line of a CommonJS entry ~20 ms sooner than an ES module's, and V8
 * compiling the ~450 KB bundle costs another ~30 ms. Node 20 caches compiled code only for
 * scripts run through vm.Script (not for ES modules, and its startup snapshots cannot load
 * node:http), so the loader hands V8 the cache. A cache made by another node build is rejected
 * by V8 and envd compiles as before, only slower.
 */
const LOADER = `"use strict";
// envd's entry: runs envd-bundle.cjs with V8's code cache (envd.cache) beside it. See build.mjs.
const { readFileSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { join } = require("node:path");
const vm = require("node:vm");

const file = join(__dirname, "envd-bundle.cjs");
const cacheFile = join(__dirname, "envd.cache");
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), {
  filename: file,
  cachedData,
});
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, __dirname);
if (process.env.ENVD_WRITE_CODE_CACHE === "1") {
  // At build time: once envd listens, every function start-up needs has been compiled.
  setTimeout(() => {
    writeFileSync(cacheFile, script.createCachedData());
    process.exit(0);
  }, 1000);
}
`;

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(outdir, "envd-bundle.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  conditions: ["source"],
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: "none",
  plugins: [ptyAddonBesideBundle],
  banner: { js: "const __envdDir = __dirname;" },
  // import() becomes require(): a vm.Script has no module loader for it (node:http2 is loaded
  // that way on the first HTTP/2 connection).
  supported: { "dynamic-import": false },
});
await writeFile(join(outdir, "envd.cjs"), LOADER);
await rm(join(outdir, "envd.mjs"), { force: true });
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

// The code cache, from one start of envd with the flags sandboxes use (V8 checks them).
const { ENVD_NODE_FLAGS } = await import(join(outdir, "node-flags.js"));
await rm(join(outdir, "envd.cache"), { force: true });
const status = await new Promise((resolve, reject) => {
  const child = spawn(
    process.execPath,
    [
      ...ENVD_NODE_FLAGS,
      join(outdir, "envd.cjs"),
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--no-port-forwarding",
      "--log-level",
      "error",
    ],
    { env: { ...process.env, ENVD_WRITE_CODE_CACHE: "1" }, stdio: "inherit" },
  );
  child.once("error", reject);
  child.once("exit", resolve);
});
if (status !== 0) throw new Error(`envd did not start to make its code cache (exit ${status})`);
console.log(`built ${join(outdir, "envd.cjs")} (+ envd-bundle.cjs, envd.cache, pty.node)`);
