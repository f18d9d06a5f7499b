// The browser tests' harness: starts the real `linxuan` binary on a free port with a fresh data
// directory, reads the first-run link it prints, and launches Debian's Chromium via Playwright.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

// `data`: a data directory to run on again (a server restarted later in the day, with its
// clock further on); the first administrator then exists and no set-up link is printed.
export async function startServer(extraEnv = {}, { data: again } = {}) {
  const bin = process.env.LINXUAN_BIN;
  if (!bin) throw new Error("LINXUAN_BIN is not set (scripts/test sets it)");
  const data = again ?? mkdtempSync(join(tmpdir(), "linxuan-browser-"));
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
      if (url && (link || again)) {
        clearTimeout(timer);
        resolve({ url: url[1], setupLink: link ? link[1] : null });
      }
    });
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}\n${errors}`)));
  });
  return {
    ...ready,
    data,
    /** Stops the server; `keep` leaves its data for a restart. */
    async stop({ keep = false } = {}) {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      if (!keep) rmSync(data, { recursive: true, force: true });
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

// ---------------------------------------------------------------- accessibility

/** The first administrator (confirmations accepted) with `schoolsCsv` imported: how the
 * journeys that start from the office's year begin. */
export async function officeWithSchools(browser, server, schoolsCsv) {
  const office = await setUpAdmin(browser, server);
  office.on("dialog", (dialog) => dialog.accept());
  await importCsv(office, server, "schools", schoolsCsv);
  await office.getByText("匯入完成").waitFor();
  return office;
}

/** The phone the convener's and the reviewer's journeys run on (an iPhone 12–15 sized screen). */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

// axe-core comes from node_modules (package.json pins it), never from a CDN.
const AXE_FILE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let axeSource = null;
// WCAG 2.0, 2.1 and 2.2, levels A and AA (axe has no wcag22a tag: 2.2 added no level-A rule), and
// axe's best practices (landmarks, headings, table headers); only serious and critical ones fail.
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
const FAILING = new Set(["serious", "critical"]);

/**
 * Runs axe-core on `page` as it is now and fails, naming `what`, when any WCAG 2 A/AA rule (or
 * axe best practice) is broken with a serious or critical impact; the message lists each rule
 * with its impact, help text and the selectors of the elements at fault. With
 * LINXUAN_A11Y_ALL=1 the moderate and minor ones are printed too (they do not fail).
 *
 * axe is put into the page with `page.evaluate` of the file's text, not `page.addScriptTag`:
 * addScriptTag({ path }) adds an inline <script> holding the file, which the server's Content
 * Security Policy (`script-src 'self'`, no inline script) rightly refuses. An evaluation comes
 * over the DevTools protocol (Runtime.evaluate), which CSP does not govern, so the page is
 * checked with its real policy in force — no `bypassCSP` context that would hide a CSP problem.
 */
export async function checkA11y(page, what) {
  axeSource ??= readFileSync(AXE_FILE, "utf8");
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  // axe waits on the page's timers: under a paused Playwright clock it would never finish.
  let timer;
  const stuck = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`accessibility: axe did not finish on ${what} in 60 s (is the page's clock paused? resume it first)`)), 60_000);
  });
  const running = page.evaluate(async (tags) => {
    const results = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  const violations = await Promise.race([running, stuck]).finally(() => clearTimeout(timer));
  if (process.env.LINXUAN_A11Y_ALL) {
    for (const v of violations.filter((v) => !FAILING.has(v.impact))) {
      console.log(`a11y (${v.impact}) ${what} ${page.url()}: ${v.id} — ${v.help}: ${v.nodes.map((n) => n.target).join(", ")}`);
    }
  }
  const failing = violations.filter((v) => FAILING.has(v.impact));
  if (failing.length === 0) return;
  const lines = failing.map(
    (v) =>
      `  - ${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n` +
      v.nodes.map((n) => `    at ${n.target}\n      ${n.summary.replace(/\n/g, "\n      ")}`).join("\n"),
  );
  throw new Error(`accessibility: ${what} (${page.url()}) has ${failing.length} serious or critical problem(s):\n${lines.join("\n")}`);
}

/**
 * A form showing its problems: there is at least one, and every field marked aria-invalid is
 * described (aria-describedby) by a shown message, so a screen reader reads the problem with
 * the field; every field message (.field-error) is tied to a field or group, or linked from the
 * page's list of problems.
 */
export async function checkFieldErrors(page, what) {
  const found = await page.evaluate(() => {
    const problems = [];
    const invalid = [...document.querySelectorAll("[aria-invalid='true']")];
    for (const field of invalid) {
      const ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      const said = ids.map((id) => document.getElementById(id)).filter((el) => el && el.innerText.trim() !== "");
      if (!said.some((el) => el.matches(".field-error, .problems, [role=alert]"))) {
        problems.push(`${field.tagName.toLowerCase()}#${field.id || field.name} is invalid but not described by its message`);
      }
    }
    for (const message of document.querySelectorAll(".field-error")) {
      const tied =
        message.id &&
        ([...document.querySelectorAll("[aria-describedby]")].some((el) => el.getAttribute("aria-describedby").split(/\s+/).includes(message.id)) ||
          document.querySelector(`a[href="#${CSS.escape(message.id)}"]`));
      if (!tied) problems.push(`the message "${message.innerText.trim()}" is tied to no field`);
    }
    return { invalid: invalid.length, messages: document.querySelectorAll(".field-error, .problems").length, problems };
  });
  expect(found.invalid > 0 && found.messages > 0, `${what}: a field is marked invalid with its message (${JSON.stringify(found)})`);
  expect(found.problems.length === 0, `${what}: ${found.problems.join("; ")}`);
}

/** Saves a full-page screenshot as `<name>.png` into $LINXUAN_SCREENSHOTS, when set (for a
 * person to look at: scripts/test does not set it). */
export async function screenshot(page, name, { fullPage = true } = {}) {
  const dir = process.env.LINXUAN_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}

/** On a phone: the page does not scroll sideways, and axe finds nothing serious. */
export async function checkPhonePage(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow <= 1, `${what}: no sideways scrolling on a phone (overflow ${overflow}px at ${page.url()})`);
  await checkA11y(page, what);
}

/**
 * A local SMTP server that keeps every message (plain SMTP, no TLS, as a development mail sink
 * would): `url` for LINXUAN_SMTP_URL, `messages` (each the raw DATA, quoted-printable undone by
 * `text`), `waitFor(predicate)` for the next message that matches.
 */
export async function startSmtpSink() {
  const { createServer } = await import("node:net");
  const messages = [];
  const listeners = new Set();
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let data = null;
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (data !== null) {
          if (line === ".") {
            messages.push(data.join("\n"));
            data = null;
            for (const listener of listeners) listener();
            socket.write("250 kept\r\n");
          } else data.push(line.startsWith("..") ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") socket.write("250-sink\r\n250 8BITMIME\r\n");
        else if (verb === "DATA") {
          data = [];
          socket.write("354 go on\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 bye\r\n");
        } else socket.write("250 ok\r\n");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const text = (raw) =>
    raw.replace(/=\r?\n/g, "").replace(/(=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replace(/=/g, ""), "hex").toString("utf8"));
  return {
    url: `smtp://127.0.0.1:${server.address().port}`,
    messages,
    text,
    /** The first message (as text) that `predicate` accepts, waiting for it to arrive. */
    waitFor(predicate, what, timeout = 10_000) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const found = messages.map(text).find(predicate);
          if (!found) return;
          listeners.delete(look);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(look);
          reject(new Error(`expectation failed: no mail ${what} among ${messages.length} messages`));
        }, timeout);
        listeners.add(look);
        look();
      });
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
