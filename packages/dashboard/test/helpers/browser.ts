import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's chromium: playwright-core drives it; no browser of its own is downloaded. */
const CHROMIUM = "/usr/bin/chromium";

export const SCREENSHOTS = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "test-results",
  "screenshots",
);

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

export interface TestPage {
  readonly page: Page;
  /** Uncaught exceptions in the page, to assert there were none. */
  readonly errors: string[];
}

export async function openPage(browser: Browser): Promise<TestPage> {
  // Reduced motion: no transition is caught halfway by a screenshot or the contrast check.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, errors };
}

/** Serious or critical accessibility problems axe-core finds on the page as it is now. */
export async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  return page.evaluate(async () => {
    interface AxeViolation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    }
    type Axe = { run(context: Document): Promise<{ violations: AxeViolation[] }> };
    const { axe } = window as unknown as { axe: Axe };
    const { violations } = await axe.run(document);
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => {
        const where = v.nodes.map((n) => n.target.join(" ")).slice(0, 3);
        return `${v.id} (${v.help}): ${where.join(", ")}`;
      });
  });
}

/**
 * Numbered full-page screenshots in test-results/screenshots/, each with an accessibility
 * check of what it shows; `problems` collects what the checks found.
 */
export function createRecorder(page: Page, prefix: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  let count = 0;
  const problems: string[] = [];
  return {
    problems,
    async shot(name: string): Promise<void> {
      count += 1;
      const file = `${prefix}-${String(count).padStart(2, "0")}-${name}.png`;
      await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true });
      for (const problem of await axeProblems(page)) problems.push(`${name}: ${problem}`);
    },
  };
}
