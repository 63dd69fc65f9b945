import type { HostId } from "@wrenn/shared";
import { describe, expect, it } from "vitest";
import type { Host } from "../../db/queries/hosts.js";
import { chooseHost } from "./scheduler.js";

const host = (n: number): Host => ({
  id: `host-00000000-0000-4000-8000-00000000000${n}` as HostId,
  address: `10.0.0.${n}:7070`,
  status: "online",
  lastHeartbeatAt: null,
  createdAt: new Date(0),
});

describe("chooseHost", () => {
  it("has nothing to choose from without hosts", () => {
    expect(chooseHost([], new Map(), 0)).toBeNull();
  });

  it("picks the one host there is, whatever its load", () => {
    const only = host(1);
    expect(chooseHost([only], new Map([[only.id, 40]]), 7)).toBe(only);
  });

  it("prefers the least loaded host", () => {
    const [a, b, c] = [host(1), host(2), host(3)];
    const load = new Map([
      [a.id, 3],
      [b.id, 1],
      [c.id, 2],
    ]);
    for (let cursor = 0; cursor < 4; cursor++) expect(chooseHost([a, b, c], load, cursor)).toBe(b);
  });

  it("takes turns among hosts tied on load, counting hosts without sandboxes as 0", () => {
    const [a, b, c] = [host(1), host(2), host(3)];
    const load = new Map([[c.id, 5]]);
    const picks = [0, 1, 2, 3].map((cursor) => chooseHost([a, b, c], load, cursor));
    expect(picks).toEqual([a, b, a, b]);
  });
});
