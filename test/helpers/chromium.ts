import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's headless Chromium, with the flags this closed network needs. */
function chromium(args: string[], wait = '--virtual-time-budget=5000'): Promise<{ stdout: string; stderr: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--window-size=1280,2400',
    wait,
  ];
  return new Promise((resolve, reject) =>
    execFile('chromium', [...flags, ...args], { timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      fs.rmSync(profile, { recursive: true, force: true });
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    }),
  );
}

/** The page's DOM after its scripts ran. */
export async function renderedDom(file: string): Promise<string> {
  return (await chromium(['--dump-dom', `file://${file}`])).stdout;
}

export async function screenshot(file: string, png: string): Promise<void> {
  await chromium([`--screenshot=${png}`, `file://${file}`]);
}

/** The same for a page served over HTTP (the live dashboard): its DOM after `budgetMs` of its scripts, and a screenshot. */
export async function renderedUrl(url: string, png?: string): Promise<string> {
  // A live page never finishes loading (its event stream stays open): stop after this long, in real time.
  const stopAfter = '--timeout=4000';
  const dom = (await chromium(['--dump-dom', url], stopAfter)).stdout;
  if (png) await chromium([`--screenshot=${png}`, url], stopAfter);
  return dom;
}
