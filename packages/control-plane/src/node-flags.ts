/**
 * The Node.js flags the control plane runs with. V8 reads them only at start, so every way of
 * starting the server passes them: `npm start` (package.json), scripts/quickstart.sh, the CLI's
 * `wrenn server` and bench/api-server.ts (node-flags.test.ts checks the first two).
 *
 * `--max-semi-space-size=32` (V8's default is 16 MiB): the sandbox proxy moves file transfers
 * through this process in 64 KiB buffers, and with the default young generation many of them are
 * still queued at a scavenge, get promoted, and leave the old generation to full collections of
 * a ~50 MB heap. With 32 MiB the control plane's CPU time per proxied 100 MB went from
 * 250-340 ms to 100-200 ms in bench:api (2-core VM), for at most ~50 MB more memory while a
 * transfer runs.
 */
export const CONTROL_PLANE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];
