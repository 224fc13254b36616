/**
 * @module
 * Headless Chromium for the browser tests, driven by playwright-core (which never downloads a
 * browser). Which Chromium: `CHROMIUM_PATH` if set; else an installed Chrome or Chromium where
 * there is one (macOS, Windows, a Linux desktop); else the one shipped inside the
 * `@sparticuz/chromium` npm package (linux-x64), unpacked to the temp folder on first use — so
 * `npm ci && npm test` needs no browser on the machine and no apt step.
 */
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const INSTALLED: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"],
  darwin: ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "/Applications/Chromium.app/Contents/MacOS/Chromium"],
  win32: [
    `${process.env.PROGRAMFILES ?? "C:\\Program Files"}\\Google\\Chrome\\Application\\chrome.exe`,
    `${process.env["PROGRAMFILES(X86)"] ?? "C:\\Program Files (x86)"}\\Google\\Chrome\\Application\\chrome.exe`,
    `${process.env.LOCALAPPDATA ?? ""}\\Google\\Chrome\\Application\\chrome.exe`,
  ],
};

/** Where the browser comes from, as the test reports it. */
export type ChromiumSource = "CHROMIUM_PATH" | "installed" | "@sparticuz/chromium";

export async function findChromium(): Promise<{ path: string; source: ChromiumSource }> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH is set to ${configured}, which does not exist`);
    return { path: configured, source: "CHROMIUM_PATH" };
  }
  const installed = (INSTALLED[process.platform] ?? []).find((candidate) => existsSync(candidate));
  if (installed) return { path: installed, source: "installed" };
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error("No Chrome or Chromium found: install one, or set CHROMIUM_PATH to its executable.");
  }
  // The package's Chromium is brotli-packed for linux-x64; executablePath() unpacks it (no network).
  const packaged = (await import("@sparticuz/chromium")).default;
  return { path: await packaged.executablePath(), source: "@sparticuz/chromium" };
}

/**
 * The flags keep Chromium from reaching for Google's servers, which a closed network refuses;
 * `--no-zygote` lets the packaged build start without its sandbox helpers. No flag here weakens
 * what the tests check (CSP, origins): the packaged build's own defaults, which do, are not used.
 */
const FLAGS = [
  "--no-sandbox",
  "--no-zygote",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  const { path } = await findChromium();
  return chromium.launch({ executablePath: path, headless: true, args: FLAGS });
}

/** Where browser tests leave their screenshots: .build/artifacts/, kept out of git. */
export function artifactPath(name: string): string {
  mkdirSync(".build/artifacts", { recursive: true });
  return `.build/artifacts/${name}`;
}
