import { stat } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { resolvePath } from "../../paths.js";
import type { User } from "../../users.js";

/**
 * E2B's cwd rules (empty → /init's default workdir, else home; `~` and relative paths against
 * home). A missing directory is the caller's mistake, so it is invalid_argument, not a spawn error.
 */
export async function resolveWorkingDir(
  requested: string | undefined,
  user: User,
  defaultWorkdir: string | undefined,
): Promise<string> {
  const cwd = resolvePath(requested ?? "", user, defaultWorkdir);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(cwd)).isDirectory();
  } catch (error) {
    throw new ConnectError(
      `cwd '${cwd}' does not exist or is not accessible: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      Code.InvalidArgument,
    );
  }
  if (!isDirectory) {
    throw new ConnectError(`cwd '${cwd}' is not a directory`, Code.InvalidArgument);
  }
  return cwd;
}
