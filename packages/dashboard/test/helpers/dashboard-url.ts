import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { preview } from "vite";

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DIST_DIR = join(PACKAGE_DIR, "dist");

export interface DashboardSite {
  /** Where the browser opens the dashboard; its API calls go to the same origin. */
  readonly url: string;
  close(): Promise<void>;
}

/** A missing build is a missing prerequisite: say how to make it. */
export function assertBuilt(): void {
  if (!existsSync(join(DIST_DIR, "index.html"))) {
    throw new Error(
      `${DIST_DIR}/index.html is missing: run npm run build -w @wrenn/dashboard before these tests`,
    );
  }
}

/**
 * The dashboard as people get it: served by the control plane itself at `/`. With
 * WRENN_DASHBOARD_SELF_SERVE=1 (for working on the dashboard before a server serves it), the
 * built files are served by `vite preview` instead, proxying the API to the control plane.
 */
export async function dashboardSite(serverUrl: string, selfServe: boolean): Promise<DashboardSite> {
  assertBuilt();
  if (!selfServe) {
    const res = await fetch(`${serverUrl}/`);
    const html = await res.text();
    if (!res.ok || !html.includes('<div id="root">')) {
      throw new Error(
        `GET ${serverUrl}/ is not the dashboard (HTTP ${res.status}): the control plane must serve packages/dashboard/dist at / (or set WRENN_DASHBOARD_SELF_SERVE=1)`,
      );
    }
    return { url: serverUrl, close: async () => undefined };
  }
  const server = await preview({
    root: PACKAGE_DIR,
    configFile: false,
    logLevel: "warn",
    build: { outDir: DIST_DIR },
    preview: {
      host: "127.0.0.1",
      port: 0,
      proxy: { "/v1": { target: serverUrl, ws: true, changeOrigin: true } },
    },
  });
  const url = server.resolvedUrls?.local[0]?.replace(/\/$/, "");
  if (!url) throw new Error("vite preview did not report its URL");
  return { url, close: () => server.close() };
}
