// One reviewer, two devices, one draft. Round 1 of the basic track (112/6/13–6/15) is assigned
// automatically; the reviewer scores 文昌一 on a laptop and on a tablet, signed in on both. Each
// device keeps its own copy of what was typed (for a dead battery or a lost connection), but a
// copy made on top of an older server draft must never hide newer work saved from the other
// device: the laptop, reloaded after the tablet changed the comment, shows the tablet's comment,
// and what the laptop types next builds on it. A copy that is still the newest (typed while the
// server could not be reached) does come back, and is said to.
import { acceptInvite, officeWithSchools, checkA11y, expect, importCsv, launchBrowser, see, startServer } from "../harness.mjs";

const REVIEWER = { name: "張教授", email: "chang@ntnu.edu.tw", affiliation: "國立臺灣師範大學教育學系", password: "two devices 12345" };
const LAPTOP_COMMENT = "（筆電）共同備課紀錄具體。";
const TABLET_COMMENT = "（平板）共同備課紀錄具體，觀課紀錄尚可補充學生表現。";
const OFFLINE_COMMENT = "（平板，離線）建議補充學生學習前後比較的證據。";

function indicator(page, name) {
  return page.getByLabel(`評分：${name}`, { exact: true });
}

async function values(page) {
  return {
    operation: await indicator(page, "運作與出席").inputValue(),
    planning: await indicator(page, "共同備課").inputValue(),
    observation: await indicator(page, "觀課").inputValue(),
    comment: await page.getByLabel("評語", { exact: true }).inputValue(),
  };
}

/** Types with `act` and waits for the autosave of it to be confirmed on the page. */
async function typeAndAutosave(page, what, act) {
  const saved = page.waitForResponse((r) => /\/review\/a\/\d+\/draft$/.test(r.url()) && r.request().method() === "POST", { timeout: 15_000 });
  await act();
  const response = await saved;
  expect(response.status() === 200, `${what}: the draft was saved (${response.status()} ${await response.text()})`);
  await see(page.locator(".autosave-status"), /^已自動儲存（112\/06\/14 \d\d:\d\d:\d\d）$/, `${what}: the page says it was saved`);
}

export default async function () {
  const server = await startServer({ LINXUAN_NOW: "2023-06-14T10:00:00+08:00" });
  const browser = await launchBrowser();
  const contexts = [];
  try {
    // ---------------------------------------------------------------- the office prepares
    const office = await officeWithSchools(browser, server, "code,name,level,district\n034601,文昌國中,國中,桃園區\n034602,建國國中,國中,桃園區\n");
    await importCsv(
      office,
      server,
      "communities",
      "code,school,track,group,name,convener,email\n" +
        "J1,034601,basic,basic-junior,文昌一,甲,j1@school.tyc.edu.tw\n" +
        "J2,034602,basic,basic-junior,建國一,乙,j2@school.tyc.edu.tw\n",
    );
    await see(office.getByRole("status"), "新增 2 個社群", "the import added two communities");
    await office.goto(`${server.url}/office/review/reviewers`);
    await office.getByLabel("姓名").fill(REVIEWER.name);
    await office.getByLabel("電子郵件").fill(REVIEWER.email);
    await office.getByLabel("服務單位").fill(REVIEWER.affiliation);
    await office.getByRole("button", { name: "送出邀請" }).click();
    await see(office.getByRole("status"), `已邀請 ${REVIEWER.name}`, "the invitation is confirmed");
    const link = await office.getByLabel("一次性連結", { exact: true }).inputValue();

    // Device 1, a laptop: the reviewer accepts the invitation there.
    const laptopContext = await browser.newContext({ locale: "zh-TW", viewport: { width: 1366, height: 768 } });
    contexts.push(laptopContext);
    let laptop = await laptopContext.newPage();
    await acceptInvite(laptop, link, REVIEWER.name, REVIEWER.password);
    await laptop.waitForURL(`${server.url}/review`);

    await office.goto(`${server.url}/office/review/assign/round-1`);
    await office.getByRole("button", { name: "自動指派" }).click();
    await see(office.getByRole("status"), "已新增 2 筆指派", "both communities are assigned to the one reviewer");

    // ---------------------------------------------------------------- the laptop starts
    await laptop.reload();
    await laptop.getByRole("link", { name: "文昌一", exact: true }).click();
    await laptop.waitForURL(/\/review\/a\/\d+$/);
    const scoreUrl = laptop.url();
    const key = `linxuan:score-${scoreUrl.match(/(\d+)$/)[1]}`;
    await typeAndAutosave(laptop, "the laptop's first scores", async () => {
      await indicator(laptop, "運作與出席").fill("9");
      await indicator(laptop, "共同備課").fill("8");
      await laptop.getByLabel("評語", { exact: true }).fill(LAPTOP_COMMENT);
    });
    const laptopKept = await laptop.evaluate((k) => JSON.parse(localStorage.getItem(k) || "null"), key);
    expect(laptopKept?.values?.comment === LAPTOP_COMMENT, `the laptop keeps its own copy: ${JSON.stringify(laptopKept)}`);

    // ---------------------------------------------------------------- the tablet, later
    const tabletContext = await browser.newContext({
      locale: "zh-TW",
      viewport: { width: 820, height: 1180 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    contexts.push(tabletContext);
    let tablet = await tabletContext.newPage();
    await tablet.goto(`${server.url}/login`);
    await tablet.getByLabel("電子郵件").fill(REVIEWER.email);
    await tablet.getByLabel("密碼", { exact: true }).fill(REVIEWER.password);
    await tablet.getByRole("button", { name: "登入", exact: true }).click();
    await tablet.waitForURL(`${server.url}/review`);
    await see(tablet.locator("main table tbody tr"), /文昌一[\s\S]*草稿/, "the tablet lists 文昌一 as a draft");
    await tablet.getByRole("link", { name: "文昌一", exact: true }).click();
    await tablet.waitForURL(scoreUrl);
    let shown = await values(tablet);
    expect(
      shown.operation === "9" && shown.planning === "8" && shown.comment === LAPTOP_COMMENT,
      `the tablet opens the laptop's draft: ${JSON.stringify(shown)}`,
    );
    expect(!(await tablet.locator(".keep-note").isVisible()), "nothing of the tablet's own to restore");
    await typeAndAutosave(tablet, "the tablet's comment", () => tablet.getByLabel("評語", { exact: true }).fill(TABLET_COMMENT));

    // ---------------------------------------------------------------- back on the laptop
    // Its kept copy (with the older comment) is still there, but the server has newer work.
    await laptop.reload();
    shown = await values(laptop);
    expect(shown.comment === TABLET_COMMENT, `the laptop shows the tablet's newer comment, not its own older copy: ${JSON.stringify(shown)}`);
    expect(shown.operation === "9" && shown.planning === "8", `the scores are still there: ${JSON.stringify(shown)}`);
    expect(!(await laptop.locator(".keep-note").isVisible()), "the laptop does not claim to have restored anything");
    // A fresh page, as after closing the lid, is the same.
    await laptop.close();
    laptop = await laptopContext.newPage();
    await laptop.goto(scoreUrl);
    shown = await values(laptop);
    expect(shown.comment === TABLET_COMMENT, `a fresh laptop page shows the tablet's comment: ${JSON.stringify(shown)}`);

    // The laptop carries on; what it saves builds on the tablet's comment.
    await typeAndAutosave(laptop, "the laptop's next score", () => indicator(laptop, "觀課").fill("10"));
    await tablet.reload();
    shown = await values(tablet);
    expect(
      shown.operation === "9" && shown.planning === "8" && shown.observation === "10" && shown.comment === TABLET_COMMENT,
      `the tablet sees both devices' work: ${JSON.stringify(shown)}`,
    );
    expect(!(await tablet.locator(".keep-note").isVisible()), "the tablet's own copy is older: not restored");

    // ---------------------------------------------------------------- the tablet offline
    // Typed while the server cannot be reached: kept on the tablet only, and brought back on the
    // tablet, since nothing newer was saved meanwhile.
    await tablet.route(/\/review\/a\/\d+\/draft$/, (route) => route.abort("internetdisconnected"));
    await tablet.getByLabel("評語", { exact: true }).fill(OFFLINE_COMMENT);
    await see(tablet.locator(".autosave-status"), "尚未存到伺服器（可能離線），已暫存在這台裝置。", "the tablet says the draft is only on the device");
    await tablet.unroute(/\/review\/a\/\d+\/draft$/);
    await tablet.close();
    tablet = await tabletContext.newPage();
    await tablet.goto(scoreUrl);
    shown = await values(tablet);
    expect(shown.comment === OFFLINE_COMMENT && shown.observation === "10", `the tablet brings back what it typed offline: ${JSON.stringify(shown)}`);
    await see(tablet.locator(".keep-note"), "已還原您在這台裝置上尚未儲存的內容。", "and says so");
    await checkA11y(tablet, "the scoring page on a tablet, offline copy restored");
    // The laptop has not seen it: it was never on the server.
    await laptop.reload();
    shown = await values(laptop);
    expect(shown.comment === TABLET_COMMENT, `the offline comment never reached the server: ${JSON.stringify(shown)}`);
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    await browser.close();
    await server.stop();
  }
}
