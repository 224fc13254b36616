import { mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/**
 * Headless Chromium from the system (Debian's `chromium`; `CHROMIUM_PATH` to use another), driven
 * by playwright-core — no browser download. The flags keep it from reaching for Google's servers,
 * which a closed network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Where browser tests leave their screenshots: .build/artifacts/, kept out of git. */
export function artifactPath(name: string): string {
  mkdirSync(".build/artifacts", { recursive: true });
  return `.build/artifacts/${name}`;
}
