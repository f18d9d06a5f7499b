// A reviewer's round 1, from the invitation to the published results. The office imports three
// junior-high communities, invites a reviewer (no mail server: the link is on the page) and
// assigns round 1 automatically. The reviewer, a separate person in their own browser, opens a
// community, types scores and a comment and leaves them to the autosave; the draft comes back
// from the server after a reload, even with the browser's own copy wiped. A first submission
// with a score out of range and a changed completeness without a reason is refused with
// everything kept; the corrected one is version 1. The office sees the score on the board,
// publishes, and the community's convener sees the score, the award and the comment — not
// who wrote it. The server's clock is inside the round-1 window (112/6/13–6/15). The reviewer
// works on a phone: each of their pages is checked there for sideways scrolling and with
// axe-core, as is each page of the office's and the convener's.
import { acceptInvite, officeWithSchools, checkA11y, checkFieldErrors, checkPhonePage, expect, importCsv, launchBrowser, PHONE, screenshot, see, startServer } from "../harness.mjs";

const REVIEWER = { name: "張教授", email: "chang@ntnu.edu.tw", affiliation: "國立臺灣師範大學教育學系", password: "rubric and evidence 1" };
const CONVENER = { name: "甲老師", password: "convening is fun 1" };
// Indicator scores for 文昌一, in the rubric's order: 74 of 80, so richness 74 / 80 × 50 = 46.25.
const INDICATORS = [
  ["運作與出席", "9"],
  ["共同備課", "8"],
  ["觀課", "10"],
  ["議課與專業回饋", "9"],
  ["教案與教材產出", "9"],
  ["學生學習成效的改變", "10"],
  ["省思與修正", "9"],
  ["分享與推廣", "10"],
];
const COMMENT = "簽到紀錄完整，共同備課紀錄具體；建議補充學生學習前後比較的證據。";

/** The indicator's score box, by its accessible name: a screen reader hears which indicator. */
function indicator(page, name) {
  return page.getByLabel(`評分：${name}`, { exact: true });
}

/** A criterion's fieldset on the scoring page, found by its legend. */
function criterion(page, name) {
  return page.locator("fieldset").filter({ has: page.locator("legend", { hasText: name }) });
}

async function values(page) {
  const out = {};
  for (const [name] of INDICATORS) out[name] = await indicator(page, name).inputValue();
  out.comment = await page.getByLabel("評語", { exact: true }).inputValue();
  return out;
}

export default async function () {
  const server = await startServer({ LINXUAN_NOW: "2023-06-14T10:00:00+08:00" });
  const browser = await launchBrowser();
  try {
    // ---------------------------------------------------------------- the office prepares
    const office = await officeWithSchools(browser, server, "code,name,level,district\n034601,文昌國中,國中,桃園區\n034602,建國國中,國中,桃園區\n034603,青溪國中,國中,桃園區\n034750,西門國小,國小,桃園區\n");
    await importCsv(
      office,
      server,
      "communities",
      "code,school,track,group,name,convener,email\n" +
        "J1,034601,basic,basic-junior,文昌一,甲,j1@school.tyc.edu.tw\n" +
        "J2,034602,basic,basic-junior,建國一,乙,j2@school.tyc.edu.tw\n" +
        "J3,034603,basic,basic-junior,青溪一,丙,j3@school.tyc.edu.tw\n",
    );
    await office.locator("#invited").waitFor();
    await see(office.getByRole("status"), "新增 3 個社群", "the import added three communities");
    const convenerLink = await office.getByLabel("一次性連結 j1@school.tyc.edu.tw").inputValue();
    expect(convenerLink.includes("/invite/"), `J1's convener has an invitation link: ${convenerLink}`);

    // The convener of 文昌一 accepts now; there are no results yet.
    const convenerContext = await browser.newContext({ locale: "zh-TW" });
    const convener = await convenerContext.newPage();
    await acceptInvite(convener, convenerLink, CONVENER.name, CONVENER.password);
    await convener.waitForURL(/\/community\/\d+$/);
    await convener.getByRole("link", { name: "審查結果", exact: true }).click();
    await convener.waitForURL(/\/community\/\d+\/results$/);
    const resultsUrl = convener.url();
    await see(convener.locator("main"), "審查結果尚未公告", "nothing is published yet");
    await checkA11y(convener, "the convener's results page before publication");

    // The reviewer is invited; without a mail server the link is shown to pass on.
    await office.goto(`${server.url}/office/review`);
    await office.getByRole("link", { name: /^審查委員/ }).click();
    await office.waitForURL(`${server.url}/office/review/reviewers`);
    await checkA11y(office, "the reviewers page");
    await office.getByLabel("姓名").fill(REVIEWER.name);
    await office.getByLabel("電子郵件").fill(REVIEWER.email);
    await office.getByLabel("服務單位").fill(REVIEWER.affiliation);
    await office.getByLabel("任職學校").selectOption({ label: "西門國小" });
    await office.getByRole("button", { name: "送出邀請" }).click();
    await see(office.getByRole("status"), `已邀請 ${REVIEWER.name}`, "the invitation is confirmed");
    const reviewerLink = await office.getByLabel("一次性連結", { exact: true }).inputValue();
    expect(/\/invite\/[0-9a-f]+$/.test(reviewerLink), `the reviewer's invitation link is shown: ${reviewerLink}`);
    await see(office.locator("#reviewers tbody tr"), REVIEWER.email, "the reviewer is listed");
    await checkA11y(office, "the reviewers page with the one-time link");

    // ---------------------------------------------------------------- the reviewer, elsewhere
    // On a phone.
    const reviewerContext = await browser.newContext({ locale: "zh-TW", ...PHONE });
    let reviewer = await reviewerContext.newPage();
    reviewer.on("dialog", (dialog) => dialog.accept());
    await reviewer.goto(reviewerLink);
    await checkPhonePage(reviewer, "the reviewer's invitation page");
    await acceptInvite(reviewer, reviewerLink, REVIEWER.name, REVIEWER.password);
    await reviewer.waitForURL(`${server.url}/review`);
    await reviewer.getByRole("heading", { name: "我的審查" }).waitFor();
    await see(reviewer.locator("main"), "目前沒有指派給您的社群", "nothing is assigned yet");
    await checkPhonePage(reviewer, "the reviewer's home, nothing assigned");
    await reviewer.getByRole("link", { name: "利益迴避申報" }).click();
    await reviewer.waitForURL(`${server.url}/review/conflicts`);
    await checkPhonePage(reviewer, "the reviewer's conflicts page");
    await reviewer.goto(`${server.url}/review`);

    // ---------------------------------------------------------------- round 1 assigned
    await office.goto(`${server.url}/office/review`);
    await see(office.locator("#phases tbody tr"), /初審[\s\S]*開放中/, "round 1 is open by its dates");
    await checkA11y(office, "the review overview");
    await office.locator("#phases tbody tr").filter({ hasText: "初審" }).getByRole("link", { name: "指派" }).click();
    await office.waitForURL(`${server.url}/office/review/assign/round-1`);
    await office.getByRole("button", { name: "自動指派" }).click();
    await see(office.getByRole("status"), "已新增 3 筆指派", "three assignments were made");
    const matrix = await office.locator("#matrix tbody tr").allInnerTexts();
    expect(matrix.length === 3 && matrix.every((row) => row.includes("✓")), `every community has its reviewer: ${JSON.stringify(matrix)}`);
    await checkA11y(office, "the assignment page");

    await reviewer.reload();
    const mine = reviewer.locator("main table tbody tr");
    await see(mine, /文昌一[\s\S]*未開始/, "文昌一 is assigned, not started");
    expect((await mine.count()) === 3, `three communities to review, got ${await mine.count()}`);
    await see(reviewer.locator("main section h2"), /初審\s*開放中/, "the phase shows as open");
    await checkPhonePage(reviewer, "the reviewer's home with three assignments");

    // ---------------------------------------------------------------- the scoring page
    await reviewer.getByRole("link", { name: "文昌一", exact: true }).click();
    await reviewer.waitForURL(/\/review\/a\/\d+$/);
    const scoreUrl = reviewer.url();
    const assignment = scoreUrl.match(/\/review\/a\/(\d+)$/)[1];
    await reviewer.getByRole("heading", { name: "文昌一", level: 1 }).waitFor();
    expect((await reviewer.locator(".indicator-row").count()) === 8, "eight rubric indicators");
    const timeliness = criterion(reviewer, "及時性");
    await see(timeliness, "系統依上傳時間計算", "timeliness is computed by the system");
    expect((await timeliness.locator("input, textarea").count()) === 0, "timeliness cannot be typed");
    const timelinessPoints = Number(await timeliness.locator("strong").first().innerText());
    expect(Number.isFinite(timelinessPoints), `timeliness shows its points`);
    const completeness = criterion(reviewer, "完整性");
    await see(completeness, /系統建議\s*\d/, "completeness shows the system's suggestion");
    const suggested = (await completeness.locator("p", { hasText: "系統建議" }).locator("strong").innerText()).trim();
    const yourCompleteness = completeness.getByLabel("您的評分", { exact: true });
    expect((await yourCompleteness.inputValue()) === suggested, `the completeness box starts at the suggestion ${suggested}`);
    await see(completeness.locator(".checklist li"), "成果報告已上傳", "the completeness checklist names its items");
    await checkPhonePage(reviewer, "the scoring page");

    // Typing, then waiting for the autosave (2 s after the last keystroke).
    const status = reviewer.locator(".autosave-status");
    expect((await status.innerText()).trim() === "", "nothing saved yet");
    await indicator(reviewer, "運作與出席").fill("9");
    await indicator(reviewer, "共同備課").fill("8");
    await reviewer.getByLabel("評語", { exact: true }).fill(COMMENT);
    await see(status, /已自動儲存（112\/06\/14 \d\d:\d\d:\d\d）/, "the autosave reports the draft saved", 15_000);

    // A reload brings it back…
    await reviewer.reload();
    let shown = await values(reviewer);
    expect(shown["運作與出席"] === "9" && shown["共同備課"] === "8" && shown.comment === COMMENT, `after a reload: ${JSON.stringify(shown)}`);
    // …and not only from this browser's own copy: wipe it and open the page afresh.
    const key = `linxuan:score-${assignment}`;
    expect((await reviewer.evaluate((k) => localStorage.getItem(k), key)) !== null, "the browser keeps its own copy too");
    await reviewer.evaluate(() => localStorage.clear());
    await reviewer.close();
    reviewer = await reviewerContext.newPage();
    reviewer.on("dialog", (dialog) => dialog.accept());
    await reviewer.goto(scoreUrl);
    expect((await reviewer.evaluate((k) => localStorage.getItem(k), key)) === null, "the browser's copy is gone");
    shown = await values(reviewer);
    expect(shown["運作與出席"] === "9" && shown["共同備課"] === "8" && shown.comment === COMMENT, `the server's draft: ${JSON.stringify(shown)}`);
    expect(shown["觀課"] === "", "an indicator not typed stays empty");
    await reviewer.getByRole("link", { name: "回到我的審查" }).click();
    await see(reviewer.locator("main table tbody tr"), /文昌一[\s\S]*草稿/, "文昌一 shows as a draft");
    await reviewer.getByRole("link", { name: "文昌一", exact: true }).click();
    await reviewer.waitForURL(scoreUrl);

    // ---------------------------------------------------------------- submitting
    // A first try: one score out of range, completeness raised without a reason.
    for (const [name, score] of INDICATORS) await indicator(reviewer, name).fill(name === "分享與推廣" ? "11" : score);
    await criterion(reviewer, "完整性").getByLabel("您的評分", { exact: true }).fill("25");
    await reviewer.getByRole("button", { name: "送出評分" }).click();
    await see(reviewer.getByRole("alert"), "請修正標示的欄位後再送出", "the submission is refused");
    const refused = reviewer.locator(".indicator-row").filter({ has: reviewer.locator("strong", { hasText: /^8\. 分享與推廣$/ }) });
    await see(refused.locator(".field-error"), "分數須介於 0 與 10 之間", "the out-of-range score is named");
    expect((await indicator(reviewer, "分享與推廣").getAttribute("aria-invalid")) === "true", "the wrong box is marked invalid");
    await see(reviewer.locator(".field-error"), "分數與系統建議不同，請填寫理由", "a different completeness needs a reason");
    shown = await values(reviewer);
    expect(shown["分享與推廣"] === "11" && shown["觀課"] === "10" && shown.comment === COMMENT, `everything typed is kept: ${JSON.stringify(shown)}`);
    await checkPhonePage(reviewer, "the scoring page refusing a submission");
    await checkFieldErrors(reviewer, "the scoring page refusing a submission");

    // The corrected submission. Wait for the autosave of the last keystrokes first, so that no
    // draft is in flight while the score is submitted.
    const drafted = reviewer.waitForResponse((r) => r.url().endsWith(`/review/a/${assignment}/draft`) && r.request().method() === "POST");
    await indicator(reviewer, "分享與推廣").fill("10");
    await reviewer.getByLabel("與系統建議不同時的理由").fill("現場訪視確認各次聚會資料完整，系統未計入紙本簽到表。");
    expect((await drafted).status() === 200, "the corrected draft was autosaved");
    // Before submitting, the running total: richness scaled (74 / 80 × 50) and the total.
    const expected = (timelinessPoints + 25 + 46.25).toFixed(2);
    const running = reviewer.locator(".running");
    await see(running.locator("dd"), "46.25 / 50", "the richness so far, scaled to its 50 points");
    await see(running.locator(".running-total"), `總分 ${expected} / 100`, `the running total ${expected}`);
    await see(reviewer.locator(".sticky-actions .running-compact"), `總分 ${expected} / 100`, "and beside the buttons, always in view");
    await indicator(reviewer, "分享與推廣").fill("0");
    await see(running.locator("dd"), "40.00 / 50", "it follows a change at once (64 / 80 × 50)");
    await indicator(reviewer, "分享與推廣").fill("10");
    await see(running.locator(".running-total"), `總分 ${expected} / 100`, "and back");
    await reviewer.locator(".running").scrollIntoViewIfNeeded();
    await screenshot(reviewer, "reviewer-running-total-phone", { fullPage: false });
    await checkPhonePage(reviewer, "the scoring page with its running total");
    await reviewer.getByRole("button", { name: "送出評分" }).click();
    await reviewer.waitForURL(`${server.url}/review`);
    await see(reviewer.getByRole("status"), "已送出評分，謝謝您", "the submission is confirmed");
    await see(reviewer.locator("main table tbody tr"), /文昌一[\s\S]*已送出（第 1 版）/, "文昌一 is submitted, version 1");
    await see(reviewer.locator("main table tbody tr"), /建國一[\s\S]*未開始/, "the others are still to do");
    await checkPhonePage(reviewer, "the reviewer's home after a submission");
    // The submitted score is read back as submitted; changing it needs a reason.
    await reviewer.getByRole("link", { name: "文昌一", exact: true }).click();
    await see(reviewer.getByRole("status"), "已送出（第 1 版）", "the scoring page says it was submitted");
    await reviewer.getByLabel("修改原因").waitFor();
    expect((await reviewer.locator("form[data-autosave]").count()) === 0, "a submitted score is not autosaved");
    await checkPhonePage(reviewer, "the scoring page of a submitted score");

    // ---------------------------------------------------------------- the office's board
    const total = (timelinessPoints + 25 + 46.25).toFixed(2);
    await office.goto(`${server.url}/office/review`);
    await see(office.locator("#phases tbody tr"), /初審[\s\S]*1 \/ 3/, "one of three round-1 scores submitted");
    await office.getByRole("link", { name: "結果看板" }).click();
    await office.waitForURL(`${server.url}/office/review/board`);
    const group = office.locator("section.card").filter({ has: office.getByRole("heading", { name: "國中組" }) });
    const row = group.locator("tbody tr").filter({ hasText: "文昌一" }).first();
    await see(row, total, `the board shows 文昌一's total ${total}`);
    await see(row, "46.25", "and its richness");
    await see(row, "甲等", "and the award it would get");
    await row.locator("summary", { hasText: "各委員評分" }).click();
    await see(row.locator("details li"), new RegExp(`${REVIEWER.name}（初審）[\\s\\S]*${total.replace(".", "\\.")}`), "the office sees who gave what");
    await see(office.locator("main"), "尚有 2 份評分未送出", "the board counts the scores still to come");
    const spread = await group.locator("svg.chart desc").first().textContent();
    expect(/1 個社群，總分介於/.test(spread), `the score spread is drawn, and said in words: ${spread}`);
    await checkA11y(office, "the results board with a reviewer's scores opened");
    await screenshot(office, "board-desktop");
    // On a phone: rank, community, total and award, no sideways scrolling; the rest in details.
    await office.setViewportSize(PHONE.viewport);
    await office.reload();
    const phoneRow = office.locator("section.card").filter({ has: office.getByRole("heading", { name: "國中組" }) }).locator("tbody tr").filter({ hasText: "文昌一" }).first();
    const shownHeaders = await group.locator("table.fold thead th").evaluateAll((ths) => ths.filter((th) => th.offsetParent !== null).map((th) => th.innerText.trim()));
    expect(JSON.stringify(shownHeaders) === JSON.stringify(["名次", "社群名稱", "總分", "獎項"]), `a phone shows rank, community, total and award: ${JSON.stringify(shownHeaders)}`);
    await see(phoneRow, total, "the total stays in view");
    await see(phoneRow, "甲等", "and the award");
    await phoneRow.locator("summary", { hasText: "明細" }).click();
    await see(phoneRow.locator("details.narrow-only dd"), "46.25", "the details open with the criteria");
    await checkPhonePage(office, "the results board on a phone");
    await screenshot(office, "board-phone");
    await office.setViewportSize({ width: 1280, height: 800 });

    // ---------------------------------------------------------------- publishing
    await office.getByRole("link", { name: "公告結果" }).first().click();
    await office.waitForURL(`${server.url}/office/review/publish`);
    await office.getByRole("heading", { name: "預覽" }).waitFor();
    const preview = office.locator("main table tbody tr").filter({ hasText: "文昌一" });
    await see(preview, new RegExp(`文昌國中[\\s\\S]*甲[\\s\\S]*${total.replace(".", "\\.")}[\\s\\S]*甲等`), "the preview lists 文昌一 with its school, convener, total and award");
    expect((await office.getByRole("link", { name: "v1" }).count()) === 0, "nothing published before");
    await office.getByLabel("說明").fill("初審結果（第一次公告）");
    // Two scores are still to come: the preview says so, and publishing needs an acknowledgement.
    await see(office.locator(".card.warning"), "尚有 2 份指派的評分未送出", "the preview warns that scoring is unfinished");
    await see(office.locator(".card.warning"), "J2、J3", "and names the communities without a score");
    await checkA11y(office, "the publication preview warning of unfinished scoring");
    await office.getByLabel("我了解評分尚未完成，仍要公告").check();
    await office.getByRole("button", { name: "公告結果" }).click();
    await office.waitForURL(`${server.url}/office/review/publications/1`);
    await see(office.getByRole("status"), "已公告第 1 版結果", "the publication is confirmed");
    await office.getByRole("heading", { name: "公告結果（第 1 版）" }).waitFor();
    await see(office.locator("main"), "初審結果（第一次公告）", "the note is shown with the version");
    await checkA11y(office, "a publication");
    await see(office.locator("main table tbody tr"), new RegExp(`J1\\s*文昌一[\\s\\S]*${total.replace(".", "\\.")}[\\s\\S]*甲等`), "the publication holds 文昌一");
    await office.getByRole("link", { name: "回到公告" }).click();
    await see(office.getByRole("link", { name: "v1" }), "v1", "version 1 is listed");
    await see(office.locator("main li"), /v1 · .*初審結果（第一次公告）/, "listed with its note");

    // ---------------------------------------------------------------- the community sees its own
    await convener.goto(resultsUrl);
    const facts = convener.locator("dl.facts");
    await checkA11y(convener, "the convener's published results");
    await see(facts, new RegExp(`總分\\s*${total.replace(".", "\\.")}`), "the convener sees the total");
    await see(facts, /名次\s*1/, "and the rank");
    await see(facts, /獎項\s*甲等/, "and the award");
    await see(facts, /豐富性\s*46\.25/, "and the richness");
    await see(convener.locator("main section"), new RegExp(`委員 1[\\s\\S]*${COMMENT}`), "and the comment, anonymous");
    const text = await convener.locator("main").innerText();
    expect(!text.includes(REVIEWER.name) && !text.includes(REVIEWER.email) && !text.includes("師範大學"), "the reviewer stays anonymous");
    expect(!text.includes("建國一") && !text.includes("青溪一"), "only the community's own results");
    await convenerContext.close();
    await reviewerContext.close();
  } finally {
    await browser.close();
    await server.stop();
  }
}
