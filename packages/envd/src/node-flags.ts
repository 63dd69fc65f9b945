/**
 * The Node.js flags envd runs with, wherever it runs: the host agent passes them when it starts
 * envd in a sandbox, and the tests and the benchmark start the bundle with them too.
 *
 * Every sandbox pays envd's memory. `--v8-pool-size=1` keeps one V8 background thread instead of
 * four (a sandbox has a core or two to spare at most): about 0.8 MiB less private memory at idle,
 * with no measurable cost to exec latency, file throughput or output streaming.
 *
 * Measured and left out: `--max-semi-space-size=1` saves 0.4 MiB but makes streaming a command's
 * output (many short-lived protobuf messages) take 3-4x the CPU time; `--no-opt` costs 2.5x on
 * the same path; `--lite-mode` and `--jitless` remove WebAssembly, and envd dies on its first RPC
 * (Connect uses the Headers global, which loads Node's undici, which compiles llhttp to wasm).
 */
export const ENVD_NODE_FLAGS: readonly string[] = ["--v8-pool-size=1"];
