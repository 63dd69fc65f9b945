import { realpath, stat, statfs } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { User } from "../../users.js";
import { type AccessChecker, READ, SEARCH } from "./can-access.js";
import { notADirectory } from "./ensure-dir.js";

// Filesystem magic numbers (linux/magic.h) of mounts where inotify misses remote changes.
const NETWORK_FS_TYPES = new Set([0x6969, 0xff534d42, 0x517b, 0xfe534d42, 0x65735546]);

/**
 * Validates a directory to watch for `user` and returns its real path. Like infra's envd,
 * network mounts are refused unless explicitly allowed, since events there are unreliable.
 */
export async function openWatchRoot(
  deps: { access: AccessChecker },
  request: { user: User; path: string; allowNetworkMounts: boolean },
): Promise<string> {
  const { user, path } = request;
  await deps.access.assertReachable(user, path);
  const real = await realpath(path);
  if (!(await stat(real)).isDirectory()) throw notADirectory(path);
  await deps.access.assertAllowed(user, path, READ | SEARCH, "watch");
  if (!request.allowNetworkMounts && NETWORK_FS_TYPES.has((await statfs(real)).type)) {
    throw new ConnectError(
      `cannot watch path on network filesystem: ${path}`,
      Code.InvalidArgument,
    );
  }
  return real;
}
