import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { exec } from "../../exec.js";
import { pathExists } from "../../storage/fs-util.js";

/**
 * CRIU reads every task's rlimits with prlimit64(pid, res, NULL, &old). Across uids the kernel
 * allows that only with CAP_SYS_RESOURCE, and root on these hosts does not have it (it is
 * missing from the bounding set: CapBnd 000001fffeffffff), so a dump of any sandbox running a
 * process as `user` fails with "Can't get rlimit 0: Operation not permitted". This shim,
 * preloaded into CRIU, answers exactly that refused read from /proc/<pid>/limits, which root
 * may read and which holds the same numbers (one row per resource, in resource order). Every
 * other call goes to the real syscall() unchanged.
 */
const SHIM_SOURCE = String.raw`/* Written by the Wrenn host agent (runtime/runc/criu-shim.ts). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>

typedef long (*syscall_fn)(long, ...);

static int parse_limit(const char *text, unsigned long long *out) {
  if (strcmp(text, "unlimited") == 0) { *out = RLIM64_INFINITY; return 0; }
  char *end;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') return -1;
  *out = value;
  return 0;
}

/* /proc/<pid>/limits: a header, then "%-25s %-20s %-20s %-10s" per resource, in order. */
static int limits_from_proc(long pid, long resource, struct rlimit64 *out) {
  char path[64], line[256], soft[32], hard[32];
  unsigned long long cur, max;
  int row = -1, result = -1;
  snprintf(path, sizeof path, "/proc/%ld/limits", pid);
  FILE *file = fopen(path, "re");
  if (!file) return -1;
  while (fgets(line, sizeof line, file)) {
    if (row++ != resource) continue;
    if (strlen(line) > 26 && sscanf(line + 26, "%31s %31s", soft, hard) == 2 &&
        parse_limit(soft, &cur) == 0 && parse_limit(hard, &max) == 0) {
      out->rlim_cur = cur;
      out->rlim_max = max;
      result = 0;
    }
    break;
  }
  fclose(file);
  return result;
}

long syscall(long number, ...) {
  static syscall_fn real;
  va_list ap;
  va_start(ap, number);
  long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
  long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
  va_end(ap);
  if (!real) real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
  long ret = real(number, a1, a2, a3, a4, a5, a6);
  if (ret == -1 && errno == EPERM && number == SYS_prlimit64 && a1 > 0 && a3 == 0 && a4 != 0) {
    if (limits_from_proc(a1, a2, (struct rlimit64 *)a4) == 0) return 0;
    errno = EPERM;
  }
  return ret;
}
`;

const CAP_SYS_RESOURCE = 24;

/**
 * The CRIU command runc should run: the host's wrapper as is when this process holds
 * CAP_SYS_RESOURCE, else a wrapper that preloads the shim, built once per host (and per
 * shim version) with the C compiler. Without a compiler the plain wrapper is returned with a
 * warning: checkpoints then fail for sandboxes with non-root processes.
 */
export async function prepareCriuCommand(options: {
  criuWrapper: string;
  /** The agent's own CRIU files (WRENN_DIR/criu/agent). */
  dir: string;
  log: Logger;
}): Promise<string> {
  const { criuWrapper, dir, log } = options;
  if (await hasCapability(CAP_SYS_RESOURCE)) return criuWrapper;
  const hash = createHash("sha256").update(SHIM_SOURCE).update(criuWrapper).digest("hex");
  const name = `rlimit-shim-${hash.slice(0, 12)}`;
  const sharedObject = join(dir, `${name}.so`);
  const wrapper = join(dir, `criu-${name}`);
  if (await pathExists(wrapper)) return wrapper;

  await mkdir(dir, { recursive: true, mode: 0o755 });
  const source = join(dir, `${name}.c`);
  const partial = `${sharedObject}.tmp-${process.pid}`;
  try {
    await writeFile(source, SHIM_SOURCE);
    await exec(["gcc", "-O2", "-Wall", "-shared", "-fPIC", "-o", partial, source]);
    await rename(partial, sharedObject);
  } catch (error) {
    await rm(partial, { force: true });
    log.warn(
      { err: error },
      "could not build the CRIU rlimit shim (is gcc installed?): without CAP_SYS_RESOURCE, " +
        "checkpoints of sandboxes running non-root processes will fail",
    );
    return criuWrapper;
  }
  // LD_PRELOAD, not ld.so --preload: the host's wrapper may exec a system criu or the loader.
  const script = `#!/bin/sh\n# Written by the Wrenn host agent (runtime/runc/criu-shim.ts).\nLD_PRELOAD=${sharedObject} exec ${criuWrapper} "$@"\n`;
  const partialWrapper = `${wrapper}.tmp-${process.pid}`;
  await writeFile(partialWrapper, script, { mode: 0o755 });
  await rename(partialWrapper, wrapper);
  log.info({ wrapper }, "built the CRIU rlimit shim (this host's root lacks CAP_SYS_RESOURCE)");
  return wrapper;
}

async function hasCapability(bit: number): Promise<boolean> {
  const status = await readFile("/proc/self/status", "utf8");
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (effective === undefined) return false;
  return ((BigInt(`0x${effective}`) >> BigInt(bit)) & 1n) === 1n;
}
