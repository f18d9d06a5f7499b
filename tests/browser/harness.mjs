// The browser tests' harness: starts the real `linxuan` binary on a free port with a fresh data
// directory, reads the first-run link it prints, and launches Debian's Chromium via Playwright.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export async function startServer(extraEnv = {}) {
  const bin = process.env.LINXUAN_BIN;
  if (!bin) throw new Error("LINXUAN_BIN is not set (scripts/test sets it)");
  const data = mkdtempSync(join(tmpdir(), "linxuan-browser-"));
  const proc = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--data", data], {
    env: { ...process.env, RUST_LOG: "warn", DATABASE_URL: "", LINXUAN_SMTP_URL: "", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let errors = "";
  proc.stderr.on("data", (chunk) => (errors += chunk));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}\n${errors}`)), 60_000);
    proc.stdout.on("data", (chunk) => {
      output += chunk;
      const url = output.match(/Linxuan: (http:\/\/[0-9.:]+)/);
      const link = output.match(/(http:\/\/\S+\/setup\/[0-9a-f]{64})/);
      if (url && link) {
        clearTimeout(timer);
        resolve({ url: url[1], setupLink: link[1] });
      }
    });
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}\n${errors}`)));
  });
  return {
    ...ready,
    data,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Opens the one-time link and becomes the first administrator. */
export async function setUpAdmin(browser, server) {
  const page = await browser.newPage({ locale: "zh-TW" });
  await page.goto(server.setupLink);
  await page.getByLabel("姓名").fill("王承辦");
  await page.getByLabel("電子郵件").fill("office@tyc.edu.tw");
  await page.getByLabel("新密碼", { exact: true }).fill("correct horse 1");
  await page.getByLabel("再輸入一次新密碼").fill("correct horse 1");
  await page.getByRole("button", { name: "設定密碼" }).click();
  await page.waitForURL(`${server.url}/office`);
  return page;
}

export function expect(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}

/** Waits until one of `locator`'s elements shows `text` (string or RegExp); fails naming what was seen. */
export async function see(locator, text, what, timeout = 10_000) {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ state: "visible", timeout });
  } catch {
    const seen = await locator.allInnerTexts().catch(() => []);
    throw new Error(`expectation failed: ${what}: wanted ${text} in ${JSON.stringify(seen).slice(0, 2000)}`);
  }
}

/** Opens a one-time invitation link in `page` and sets the person's name and password. */
export async function acceptInvite(page, link, name, password) {
  await page.goto(link);
  await page.getByLabel("姓名").fill(name);
  await page.getByLabel("新密碼", { exact: true }).fill(password);
  await page.getByLabel("再輸入一次新密碼").fill(password);
  await page.getByRole("button", { name: "設定密碼" }).click();
}

/** Imports `csv` on the office's `/office/<where>` page (schools, communities) as the signed-in
 * `page`: writes it to the data directory, chooses it and presses 匯入. The caller waits for
 * the confirmation it expects. */
export async function importCsv(page, server, where, csv) {
  const file = join(server.data, `${where}.csv`);
  writeFileSync(file, csv);
  await page.goto(`${server.url}/office/${where}`);
  await page.getByLabel("檔案").setInputFiles(file);
  await page.getByRole("button", { name: "匯入", exact: true }).click();
}
