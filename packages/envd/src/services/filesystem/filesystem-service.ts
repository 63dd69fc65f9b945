import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Filesystem } from "@wrenn/proto/envd/filesystem";
import type { Identity } from "../../identity.js";
import type { Logger } from "../../log.js";
import { resolvePath } from "../../paths.js";
import type { EnvdState } from "../../state.js";
import type { User, UserDirectory } from "../../users.js";
import { createAccessChecker } from "./can-access.js";
import { createEntryInfoReader } from "./entry-info.js";
import { createFileOperations } from "./file-operations.js";
import { toConnectError } from "./fs-errors.js";
import { listDir } from "./list-dir.js";
import { createMetadataStore, DEFAULT_METADATA_DIR } from "./metadata-store.js";
import { createPollingWatchers } from "./polling-watchers.js";
import { createGroupResolver } from "./user-groups.js";
import { watchDirStream } from "./watch-stream.js";

export interface FilesystemServiceDeps {
  state: EnvdState;
  users: UserDirectory;
  identity: Identity;
  log: Logger;
  /** Where upload metadata is kept (see metadata-store.ts). */
  metadataDir?: string;
}

/** The `filesystem.Filesystem` Connect service. */
export function createFilesystemService(deps: FilesystemServiceDeps): {
  impl: ServiceImpl<typeof Filesystem>;
  shutdown(): void;
} {
  const access = createAccessChecker({ groups: createGroupResolver() });
  const metadata = createMetadataStore({
    dir: deps.metadataDir ?? DEFAULT_METADATA_DIR,
    log: deps.log,
  });
  const entries = createEntryInfoReader({ users: deps.users, metadata });
  const operations = createFileOperations({ access, entries, metadata });
  const polling = createPollingWatchers({ access, entries, log: deps.log });
  const shutdown = new AbortController();

  /** The request's user and its path resolved for them; fs errors become Connect errors. */
  async function asUser<T>(
    ctx: HandlerContext,
    rawPath: string,
    run: (user: User, path: string) => Promise<T>,
  ): Promise<T> {
    const user = deps.identity.fromBasicAuth(ctx.requestHeader.get("authorization"));
    const path = resolvePath(rawPath, user, deps.state.defaultWorkdir);
    try {
      return await run(user, path);
    } catch (error) {
      const mapped = toConnectError(error, path);
      if (mapped.code === Code.Internal)
        deps.log.error({ err: error, path }, "filesystem request failed");
      throw mapped;
    }
  }

  const impl: ServiceImpl<typeof Filesystem> = {
    stat: (req, ctx) =>
      asUser(ctx, req.path, async (user, path) => ({
        entry: await operations.stat(user, path),
      })),
    makeDir: (req, ctx) =>
      asUser(ctx, req.path, async (user, path) => ({
        entry: await operations.makeDir(user, path),
      })),
    move: (req, ctx) =>
      asUser(ctx, req.source, async (user, source) => {
        const destination = resolvePath(req.destination, user, deps.state.defaultWorkdir);
        return { entry: await operations.move(user, source, destination) };
      }),
    listDir: (req, ctx) =>
      asUser(ctx, req.path, async (user, path) => ({
        entries: await listDir(
          { entries, access, metadata, users: deps.users },
          user,
          path,
          req.depth,
        ),
      })),
    remove: (req, ctx) =>
      asUser(ctx, req.path, async (user, path) => {
        await operations.remove(user, path);
        return {};
      }),
    watchDir: (req, ctx) =>
      watchDirStream({ ...deps, access, entries, shutdown: shutdown.signal }, req, ctx),
    createWatcher: (req, ctx) =>
      asUser(ctx, req.path, async (user, path) => ({
        watcherId: await polling.create({ ...req, user, path }),
      })),
    getWatcherEvents: async (req) => ({ events: await polling.take(req.watcherId) }),
    removeWatcher: (req) => {
      polling.remove(req.watcherId);
      return {};
    },
  };

  return {
    impl,
    shutdown() {
      shutdown.abort();
      polling.closeAll();
    },
  };
}
