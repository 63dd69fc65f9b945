import { randomBytes } from "node:crypto";
import { type RealServer, startRealServer } from "@wrenn/control-plane/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecorder, launchChromium, openPage } from "./helpers/browser.js";
import { assertBuilt, type DashboardSite, dashboardSite } from "./helpers/dashboard-url.js";

/* The team page in a real browser: rename, members and roles, a second team, switching, delete. */

let server: RealServer;
let site: DashboardSite;
let browser: Browser;

beforeAll(async () => {
  assertBuilt();
  server = await startRealServer();
  site = await dashboardSite(server.url, process.env.WRENN_DASHBOARD_SELF_SERVE === "1");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.close();
});

describe("dashboard: team", () => {
  it("manages a team: rename, members and roles, a second team, switch, delete", async () => {
    const { page: teamPage, errors } = await openPage(browser);
    const recorder = createRecorder(teamPage, "team");
    const suffix = randomBytes(4).toString("hex");
    // The teammate to add must already have an account.
    const teammate = `mate-${suffix}@example.com`;
    const signup = await fetch(`${server.url}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: teammate, password: `pw-${suffix}-long` }),
    });
    expect(signup.status).toBe(201);

    await teamPage.goto(`${site.url}/#/signup`);
    await teamPage.getByLabel("Email").fill(`owner-${suffix}@example.com`);
    await teamPage.getByLabel("Password").fill(`pw-${suffix}-long`);
    await teamPage.getByRole("button", { name: "Create account" }).click();
    await teamPage.getByRole("heading", { name: "Sandboxes" }).waitFor();
    await teamPage.getByRole("link", { name: "Team" }).click();

    await teamPage.getByLabel("Team name", { exact: true }).fill(`Research ${suffix}`);
    await teamPage.getByRole("button", { name: "Rename" }).click();
    await teamPage.getByRole("heading", { name: `Research ${suffix}`, level: 1 }).waitFor();

    await teamPage.getByLabel("Add by email").fill(teammate);
    await teamPage.getByRole("button", { name: "Add member" }).click();
    const mateRow = teamPage.getByRole("row").filter({ hasText: teammate });
    await mateRow.waitFor();
    await mateRow.getByLabel(`Role of ${teammate}`).selectOption("admin");
    await teamPage.getByText(`${teammate} is now admin.`).waitFor();
    await recorder.shot("members");
    await teamPage.getByLabel("Add by email").fill(`nobody-${suffix}@example.com`);
    await teamPage.getByRole("button", { name: "Add member" }).click();
    await teamPage
      .getByRole("alert")
      .filter({ hasText: /no|not/i })
      .first()
      .waitFor();
    await mateRow.getByRole("button", { name: `Remove ${teammate}` }).click();
    await teamPage.getByRole("dialog").getByRole("button", { name: "Remove member" }).click();
    await mateRow.waitFor({ state: "detached" });

    // A second team: creating it switches to it; the switcher goes back; then delete it.
    await teamPage.getByLabel("New team name").fill(`Side ${suffix}`);
    await teamPage.getByRole("button", { name: "Create team" }).click();
    await teamPage.getByRole("heading", { name: `Side ${suffix}`, level: 1 }).waitFor();
    const switcher = teamPage.getByRole("combobox", { name: "Team" });
    await switcher.selectOption({ label: `Research ${suffix}` });
    await teamPage.getByRole("heading", { name: `Research ${suffix}`, level: 1 }).waitFor();
    await switcher.selectOption({ label: `Side ${suffix}` });
    await teamPage.getByRole("heading", { name: `Side ${suffix}`, level: 1 }).waitFor();
    await teamPage.getByRole("button", { name: "Delete team" }).click();
    const confirm = teamPage.getByRole("dialog", { name: `Delete Side ${suffix}?` });
    await confirm.getByLabel(/Type the team name/).fill(`Side ${suffix}`);
    await confirm.getByRole("button", { name: "Delete team" }).click();
    await teamPage.getByRole("heading", { name: "Sandboxes" }).waitFor();
    await teamPage.getByRole("link", { name: "Team" }).click();
    await teamPage.getByRole("heading", { name: `Research ${suffix}`, level: 1 }).waitFor();
    expect(await switcher.locator("option").count()).toBe(1);
    await teamPage.context().close();
    expect(errors).toEqual([]);
    expect(recorder.problems).toEqual([]);
  });
});
