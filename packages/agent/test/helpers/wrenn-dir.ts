/**
 * WRENN_DIR for tests that need real host state. The default data dir, so the ~50 s base
 * template build happens once per machine and is shared with the agent; WRENN_TEST_DIR
 * points tests elsewhere (a fresh dir then builds its own base template on first use).
 */
export function testWrennDir(): string {
  return process.env.WRENN_TEST_DIR ?? "/var/lib/wrenn";
}
