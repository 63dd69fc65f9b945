import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { type RealServer, startRealServer } from "@wrenn/control-plane/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRecorder, launchChromium, openPage, type TestPage } from "./helpers/browser.js";
import { assertBuilt, type DashboardSite, dashboardSite } from "./helpers/dashboard-url.js";

/*
 * The dashboard in a real browser (Debian's chromium) against the real control plane with its
 * embedded host agent: one person's path through it, from sign-up to killing a sandbox, with a
 * screenshot (and an accessibility check) of each page in test-results/screenshots/.
 */

const SANDBOX_READY_MS = 150_000;

let server: RealServer;
let site: DashboardSite;
let browser: Browser;
let tab: TestPage;
let page: Page;
let recorder: ReturnType<typeof createRecorder>;
let sandboxId: string | null = null;

const shot = (name: string) => recorder.shot(name);

/** The bearer token the page signed in with, for cleanup through the API. */
async function pageToken(): Promise<string | null> {
  const raw = await page.evaluate(() => localStorage.getItem("wrenn.session"));
  return raw ? (JSON.parse(raw) as { token: string }).token : null;
}

async function waitForHeadingState(state: string, timeout = SANDBOX_READY_MS): Promise<void> {
  await page.locator(`main h1 [data-state="${state}"]`).waitFor({ timeout });
}

/** Every state the heading showed since the last call, in order (a MutationObserver's log). */
async function recordHeadingStates(): Promise<void> {
  await page.evaluate(() => {
    const log: string[] = [];
    const read = () => {
      const state = document.querySelector<HTMLElement>("main h1 [data-state]")?.dataset.state;
      if (state && log.at(-1) !== state) log.push(state);
    };
    read();
    new MutationObserver(read).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-state"],
    });
    (window as unknown as { wrennStates: string[] }).wrennStates = log;
  });
}

async function recordedStates(): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as { wrennStates: string[] }).wrennStates]);
}

/** The terminal's screen as lines of text (xterm's DOM renderer). */
async function terminalLines(): Promise<string[]> {
  const rows = await page.locator(".xterm-rows > div").allTextContents();
  return rows.map((line) => line.replace(/\u00a0/g, " ").trim());
}

async function typeInTerminal(command: string): Promise<void> {
  await page.locator(".xterm-screen").click();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}

async function openTab(name: string): Promise<void> {
  await page.getByRole("tab", { name }).click();
  await page.getByRole("tab", { name, selected: true }).waitFor();
}

beforeAll(async () => {
  assertBuilt();
  server = await startRealServer();
  site = await dashboardSite(server.url, process.env.WRENN_DASHBOARD_SELF_SERVE === "1");
  browser = await launchChromium();
  tab = await openPage(browser);
  page = tab.page;
  recorder = createRecorder(page, "sandboxes");
});

afterAll(async () => {
  // Best effort after a failure: the sandbox would otherwise run until its timeout.
  if (sandboxId && page) {
    const token = await pageToken().catch((error: unknown) => {
      console.warn(`cleanup: no session to kill ${sandboxId} with`, error);
      return null;
    });
    if (token) {
      await fetch(`${server.url}/v1/sandboxes/${sandboxId}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
      });
    }
  }
  await browser?.close();
  await site?.close();
  await server?.close();
});

describe("dashboard: sandboxes", () => {
  it("signs up, runs a sandbox (terminal, files, pause, resume, snapshot), manages keys, logs out and in", async () => {
    // Sign up.
    await page.goto(`${site.url}/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await shot("login");
    await page.getByRole("link", { name: "Create an account" }).click();
    const email = `dash-${randomBytes(4).toString("hex")}@example.com`;
    const password = `pw-${randomBytes(8).toString("hex")}`;
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Sandboxes" }).waitFor();
    await page.getByText("No sandboxes are running in this team.").waitFor();

    // Create a sandbox: the dialog, then the detail page follows it to running.
    await page.getByRole("button", { name: "New sandbox" }).click();
    const dialog = page.getByRole("dialog", { name: "New sandbox" });
    await dialog.getByLabel("Timeout (minutes)").fill("20");
    await dialog.getByRole("button", { name: "+ Add metadata" }).click();
    await dialog.getByLabel("Metadata 1 name").fill("suite");
    await dialog.getByLabel("Metadata 1 value").fill("dashboard");
    await shot("create-dialog");
    await dialog.getByRole("button", { name: "Create sandbox" }).click();
    await page.waitForURL(/#\/sandboxes\/cl-[0-9a-z]{25}/);
    sandboxId = /cl-[0-9a-z]{25}/.exec(page.url())?.[0] ?? null;
    expect(sandboxId).not.toBeNull();
    await waitForHeadingState("running");
    await expect(page.getByText("suite=dashboard").isVisible()).resolves.toBe(true);
    const connected = page.locator('[data-pty-status="connected"]');
    await connected.waitFor({ timeout: 60_000 });
    const shell = await connected.textContent();

    // The live list shows it running, with its size.
    await page.getByRole("link", { name: "Sandboxes", exact: true }).first().click();
    const row = page.getByRole("row").filter({ hasText: sandboxId ?? "" });
    await row.locator('[data-state="running"]').waitFor();
    await expect(row.textContent()).resolves.toContain("1 vCPU · 512 MiB");
    await shot("sandboxes");

    // Terminal: back on the page it reattaches to the same shell; type, read the output.
    await row.getByRole("link", { name: sandboxId ?? "" }).click();
    await connected.waitFor({ timeout: 60_000 });
    expect(await connected.textContent()).toBe(shell);
    await typeInTerminal("echo hello");
    await vi.waitFor(async () => expect(await terminalLines()).toContain("hello"), {
      timeout: 20_000,
      interval: 200,
    });
    await shot("sandbox-terminal");

    // Files: upload with progress, see it listed, download it back byte for byte.
    await openTab("Files");
    await page.getByRole("navigation", { name: "Folder path" }).getByText("user").waitFor();
    const bytes = Buffer.concat([Buffer.from("wrenn dashboard upload\n"), randomBytes(256 * 1024)]);
    await page.getByLabel("Upload files").setInputFiles({
      name: "upload.bin",
      mimeType: "application/octet-stream",
      buffer: bytes,
    });
    await page.locator('[data-upload-status="done"]').waitFor({ timeout: 60_000 });
    await page.getByRole("cell", { name: "upload.bin", exact: true }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download upload.bin" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("upload.bin");
    const downloaded = readFileSync(await download.path());
    expect(downloaded.equals(bytes)).toBe(true);
    await shot("sandbox-files");

    // Processes: the terminal's shell, once (revisiting the page did not start another).
    await openTab("Processes");
    await page.getByRole("cell", { name: /bash/ }).first().waitFor();
    expect(await page.getByRole("cell", { name: /bin\/bash/ }).count()).toBe(1);
    await shot("sandbox-processes");

    // Metrics: charts fill from the samples.
    await openTab("Metrics");
    await page.getByText(/of 1 vCPU/).waitFor({ timeout: 30_000 });
    await shot("sandbox-metrics");

    // Pause and resume: the heading shows each state, transient ones included.
    await openTab("Terminal");
    await recordHeadingStates();
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    await waitForHeadingState("paused");
    await page.locator('[data-pty-status="suspended"]').waitFor();
    await shot("sandbox-paused");
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await waitForHeadingState("running");
    expect(await recordedStates()).toEqual(["running", "pausing", "paused", "resuming", "running"]);

    // The terminal comes back by itself after the resume, and still works.
    await page.locator('[data-pty-status="connected"]').waitFor({ timeout: 60_000 });
    await typeInTerminal("echo again-$((40+2))");
    await vi.waitFor(async () => expect(await terminalLines()).toContain("again-42"), {
      timeout: 20_000,
      interval: 200,
    });

    // Snapshot it into a template (the dialog waits for the copy), see it listed, delete it.
    await page.getByRole("button", { name: "Snapshot", exact: true }).click();
    const snapshotDialog = page.getByRole("dialog", { name: "Snapshot to a template" });
    await snapshotDialog.getByLabel("Template name").fill("dash-snap");
    await snapshotDialog.getByRole("button", { name: "Create snapshot" }).click();
    await page.getByText("Template dash-snap is ready.").waitFor({ timeout: 120_000 });
    await waitForHeadingState("running");
    await page.getByRole("link", { name: "Templates" }).click();
    await page.getByRole("cell", { name: "base", exact: true }).waitFor();
    const snapshotRow = page.getByRole("row").filter({ hasText: "dash-snap" });
    await snapshotRow.waitFor();
    expect(await snapshotRow.textContent()).toContain("1 vCPU · 512 MiB");
    await shot("templates");
    await snapshotRow.getByRole("button", { name: "Delete snapshot dash-snap" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete snapshot" }).click();
    await snapshotRow.waitFor({ state: "detached" });

    // API keys: create (secret shown once), list, delete.
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("No API keys yet").waitFor();
    await page.getByRole("button", { name: "New API key" }).click();
    await page.getByLabel("Name").fill("playwright");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-api-key").textContent()) ?? "";
    expect(secret).toMatch(/^wrn_\w+/);
    await page.getByRole("button", { name: "Copy" }).waitFor();
    await shot("key-created");
    await page.getByRole("button", { name: "Done" }).click();
    const keyRow = page.getByRole("row").filter({ hasText: "playwright" });
    await keyRow.waitFor();
    expect(await keyRow.textContent()).toContain(secret.slice(0, 8));
    await shot("keys");
    await keyRow.getByRole("button", { name: "Delete key playwright" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
    await page.getByText("No API keys yet").waitFor();

    // Team.
    await page.getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { name: "Members" }).waitFor();
    await shot("team");

    // Phone width: the list turns into cards.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("link", { name: "Sandboxes", exact: true }).first().click();
    await page.getByRole("link", { name: sandboxId ?? "" }).waitFor();
    expect(await page.getByRole("button", { name: `Pause ${sandboxId}` }).isEnabled()).toBe(true);
    await shot("sandboxes-phone");
    await page.getByRole("link", { name: sandboxId ?? "" }).click();
    await page.locator('[data-pty-status="connected"]').waitFor({ timeout: 60_000 });
    await shot("sandbox-phone");
    await page.setViewportSize({ width: 1280, height: 800 });

    // Kill it from its page.
    await page.getByRole("button", { name: "Kill", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Kill sandbox" }).click();
    await waitForHeadingState("stopped", 60_000);
    sandboxId = null;

    // Log out, and log in again: back where we were.
    const detailUrl = page.url();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForHeadingState("stopped");
    expect(page.url()).toBe(detailUrl);

    // A session the server no longer accepts (401) leads to the login page, not an error.
    await page.evaluate(() =>
      localStorage.setItem(
        "wrenn.session",
        JSON.stringify({ token: "expired", expiresAt: "2099-01-01T00:00:00Z" }),
      ),
    );
    await page.goto(`${site.url}/#/keys`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(page.url()).toContain("redirect=%2Fkeys");
    expect(tab.errors).toEqual([]);
    expect(recorder.problems).toEqual([]);
  });
});
