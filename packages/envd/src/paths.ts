import { isAbsolute, join, normalize } from "node:path";
import type { User } from "./users.js";

/**
 * E2B path rules: `~` and `~/x` expand to the user's home, relative paths resolve against
 * the home, and an empty path means the default workdir (or the home when none is set).
 */
export function resolvePath(path: string, user: User, defaultWorkdir?: string): string {
  if (path === "") return defaultWorkdir ?? user.home;
  if (path === "~") return user.home;
  if (path.startsWith("~/")) return join(user.home, path.slice(2));
  if (isAbsolute(path)) return normalize(path);
  return join(user.home, path);
}
