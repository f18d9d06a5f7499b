// What the year ends in, as its people do it. The office publishes results (paper scores for
// three communities), is told the head's name is missing, fills it in on the plan's form and
// numbers the certificates; downloads the merged PDF and the trophy list; enters an organising
// staff member and exports the commendation roster. The convener of the special-award
// community, on a phone, finds the certificate number, agrees to share the work, writes a
// summary and signs up as a visiting lecturer. A school, on a phone and without an account,
// finds the lecturer, asks for a visit, confirms the request from the e-mail (a local SMTP
// sink) and the lecturer accepts. Last, the public showcase on a phone: the year, the group,
// the community with its summary. Every page is checked with axe-core; the phone pages also
// for sideways scrolling. The server's clock: 2023-06-30, after the review.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acceptInvite, officeWithSchools, checkA11y, checkFieldErrors, checkPhonePage, expect, importCsv, launchBrowser, PHONE, screenshot, see, startServer, startSmtpSink } from "../harness.mjs";

const SCORES =
  "community,group,round,reviewer,criterion,score\n" +
  "J1,basic-junior,1,chang@ntnu.edu.tw,timeliness,25\nJ1,basic-junior,1,chang@ntnu.edu.tw,completeness,25\nJ1,basic-junior,1,chang@ntnu.edu.tw,richness,45\n" +
  "J2,basic-junior,1,chang@ntnu.edu.tw,timeliness,25\nJ2,basic-junior,1,chang@ntnu.edu.tw,completeness,20\nJ2,basic-junior,1,chang@ntnu.edu.tw,richness,40\n" +
  "J3,basic-junior,1,chang@ntnu.edu.tw,timeliness,20\nJ3,basic-junior,1,chang@ntnu.edu.tw,completeness,20\nJ3,basic-junior,1,chang@ntnu.edu.tw,richness,35\n";

async function download(page, action, what) {
  const [file] = await Promise.all([page.waitForEvent("download"), action()]);
  const path = await file.path();
  const bytes = readFileSync(path);
  expect(bytes.length > 0, `${what} downloads`);
  return bytes;
}

export default async function () {
  const sink = await startSmtpSink();
  const server = await startServer({ LINXUAN_NOW: "2023-06-30T10:00:00+08:00", LINXUAN_SMTP_URL: sink.url });
  const browser = await launchBrowser();
  try {
    // ---------------------------------------------------------------- the office publishes
    const office = await officeWithSchools(browser, server, "code,name,level,district\n034601,文昌國中,國中,中壢區\n034602,建國國中,國中,桃園區\n034603,青溪國中,國中,桃園區\n");
    await importCsv(
      office,
      server,
      "communities",
      "code,school,track,group,name,convener,email\n" +
        "J1,034601,basic,basic-junior,文昌一,甲老師,j1@school.tyc.edu.tw\n" +
        "J2,034602,basic,basic-junior,建國一,乙老師,j2@school.tyc.edu.tw\n" +
        "J3,034603,basic,basic-junior,青溪一,丙老師,j3@school.tyc.edu.tw\n",
    );
    await see(office.getByRole("status"), "新增 3 個社群", "the import added three communities");
    await office.goto(`${server.url}/office/review/reviewers`);
    await office.getByLabel("姓名").fill("張教授");
    await office.getByLabel("電子郵件").fill("chang@ntnu.edu.tw");
    await office.getByLabel("服務單位").fill("國立臺灣師範大學");
    await office.getByRole("button", { name: "送出邀請" }).click();
    await see(office.getByRole("status"), "張教授", "the reviewer is invited");
    const scores = join(server.data, "scores.csv");
    writeFileSync(scores, SCORES);
    await office.goto(`${server.url}/office/review/import`);
    await office.getByLabel("檔案").setInputFiles(scores);
    await office.getByRole("button", { name: "匯入", exact: true }).click();
    await office.waitForURL(/\/office\/review\/board/);
    await office.goto(`${server.url}/office/review/publish`);
    // Round 2 never happened here: the preview may ask for an acknowledgement.
    const acknowledge = office.getByLabel("我了解評分尚未完成，仍要公告");
    if (await acknowledge.count()) await acknowledge.check();
    await office.getByRole("button", { name: "公告結果" }).click();
    await see(office.getByRole("status"), "已公告第 1 版結果", "the results are published");

    // ---------------------------------------------------------------- certificates
    await office.getByRole("link", { name: "成果", exact: true }).click();
    await office.waitForURL(`${server.url}/office/outcomes`);
    await see(office.locator("#outcome-problems"), "未設定首長姓名", "the missing head's name is named");
    expect((await office.getByRole("button", { name: "編號並製作獎狀" }).count()) === 0, "nothing can be made yet");
    await checkA11y(office, "the outcomes page with a problem");
    await office.getByRole("link", { name: "發證機關、首長、字號與文字設定" }).click();
    await office.getByLabel("首長姓名").fill("范○○");
    await office.getByLabel("日期寫法").selectOption("chinese");
    await checkA11y(office, "the plan's awards form with the certificate settings");
    await office.getByRole("button", { name: "檢查並儲存" }).click();
    await see(office.getByRole("status"), "已儲存", "the settings are saved");
    await office.goto(`${server.url}/office/outcomes`);
    await see(office.locator("#certificate-list"), "文昌一", "the certificates are listed");
    await see(office.locator("main"), "中華民國一一二年七月七日", "the date as officials write it");
    const preview = await download(office, () => office.getByRole("link", { name: "預覽獎狀（PDF）" }).click(), "the preview");
    expect(preview.subarray(0, 5).toString() === "%PDF-", "the preview is a PDF");
    await office.getByRole("button", { name: "編號並製作獎狀" }).click();
    await see(office.getByRole("status"), "新給 3 個字號", "three numbers are given");
    await see(office.locator("#register"), "桃教專字第1120001號", "the register lists the numbers");
    await checkA11y(office, "the outcomes page with the register");
    const merged = await download(office, () => office.getByRole("link", { name: "下載全部獎狀（合併 PDF，供列印）" }).click(), "the merged PDF");
    expect(merged.subarray(0, 5).toString() === "%PDF-", "the merged certificates are a PDF");
    const trophies = await download(office, () => office.getByRole("link", { name: "獎座製作清單（XLSX）" }).click(), "the trophy list");
    expect(trophies.subarray(0, 2).toString() === "PK", "the trophy list is a workbook");

    // ---------------------------------------------------------------- staff and roster
    await office.locator("#s-name").fill("李主任");
    await office.locator("#s-school").fill("西門國小");
    await office.locator("#s-title").fill("教務主任");
    await office.locator("#s-id").fill("A12345678X");
    await office.getByLabel("嘉獎").check();
    await office.getByRole("button", { name: "新增工作人員" }).click();
    await office.locator(".field-error").first().waitFor();
    await checkFieldErrors(office, "the staff form with a wrong ID");
    await checkA11y(office, "the staff form with a wrong ID");
    expect((await office.locator("#s-name").inputValue()) === "李主任", "what was typed is kept");
    await office.locator("#s-id").fill("");
    await office.getByRole("button", { name: "新增工作人員" }).click();
    await see(office.getByRole("status"), "已新增 李主任", "the staff member is added");
    await see(office.locator("#roster-gaps"), "李主任", "the roster names who lacks an ID");
    const roster = await download(office, () => office.getByRole("link", { name: /匯出敘獎名冊/ }).click(), "the roster");
    expect(roster.subarray(0, 2).toString() === "PK", "the roster is a workbook");

    // ---------------------------------------------------------------- the budget
    await office.getByRole("link", { name: "經費", exact: true }).click();
    await office.waitForURL(`${server.url}/office/budget`);
    await see(office.locator("#t-basic-selection"), "已送出的審查", "review fees are counted from the records");
    await checkA11y(office, "the budget page");
    const printing = office.locator("#t-basic-selection tr").filter({ hasText: "印刷費" });
    await printing.getByLabel("實支金額").fill("4800");
    await printing.getByLabel("說明").fill("成果冊印刷");
    await printing.getByRole("button", { name: "儲存" }).click();
    await see(office.getByRole("status"), "已儲存", "the actual is saved");
    await see(office.locator("#t-basic-selection"), "尚餘", "the table says what is left");
    const budget = await download(office, () => office.getByRole("link", { name: "列印經費表（PDF，含核章欄）" }).click(), "the budget PDF");
    expect(budget.subarray(0, 5).toString() === "%PDF-", "the budget is a PDF");

    // ---------------------------------------------------------------- the convener, on a phone
    const invitation = await sink.waitFor((m) => m.includes("j1@school.tyc.edu.tw") && m.includes("/invite/"), "inviting J1's convener");
    const link = invitation.match(/http:\/\/\S+\/invite\/[0-9a-f]{64}/)[0];
    const convener = await (await browser.newContext({ locale: "zh-TW", ...PHONE })).newPage();
    convener.on("dialog", (dialog) => dialog.accept());
    await acceptInvite(convener, link, "甲老師", "convening is fun 1");
    await convener.waitForURL(/\/community\/\d+$/);
    const base = convener.url();
    await convener.getByLabel("同意", { exact: true }).check();
    await convener.getByRole("button", { name: "儲存選擇" }).click();
    await see(convener.getByRole("status"), "同意", "the consent is kept");
    await convener.goto(`${base}/results`);
    await see(convener.locator("#certificate"), "桃教專字第1120001號", "the convener sees the certificate number");
    const mine = await download(convener, () => convener.getByRole("link", { name: "下載獎狀（PDF）" }).click(), "the convener's certificate");
    expect(mine.subarray(0, 5).toString() === "%PDF-", "the convener's certificate is a PDF");
    await convener.getByLabel("社群成果摘要").fill("我們三年來一起設計閱讀課程，從共同備課到公開觀課。");
    await convener.locator("#showcase").getByRole("button", { name: "儲存" }).click();
    await see(convener.getByRole("status"), "摘要已儲存", "the summary is saved");
    await checkPhonePage(convener, "the convener's results page");
    await convener.getByRole("link", { name: "設定講師資料與邀請" }).click();
    await convener.getByLabel("我願意列名為到校分享講師").check();
    await convener.getByRole("button", { name: "儲存" }).click();
    await convener.locator(".field-error").first().waitFor();
    await checkFieldErrors(convener, "the lecturer form without a topic");
    await convener.getByLabel("分享主題").fill("跨校共備的第一步");
    await convener.getByLabel("簡介").fill("國中國文教師，帶領社群三年。");
    await convener.getByRole("button", { name: "儲存" }).click();
    await see(convener.getByRole("status"), "已列名為到校分享講師", "the convener is listed");
    await checkPhonePage(convener, "the lecturer page");

    // ---------------------------------------------------------------- a school asks, on a phone
    const school = await (await browser.newContext({ locale: "zh-TW", ...PHONE })).newPage();
    await school.goto(`${server.url}/lecturers`);
    await see(school.locator("main"), "跨校共備的第一步", "the lecturer is in the directory");
    expect(!(await school.content()).includes("j1@school.tyc.edu.tw"), "the lecturer's address is never shown");
    await checkPhonePage(school, "the lecturer directory");
    await school.getByRole("link", { name: "邀請到校分享" }).first().click();
    await school.getByLabel("聯絡人姓名").fill("林主任");
    await school.getByLabel("學校").selectOption({ label: "建國國中" });
    // An address the browser lets through but no mail can reach: the server says so.
    await school.getByLabel("電子郵件").fill("lin@school");
    await school.getByLabel("希望日期").fill("112年9月15日下午");
    await school.getByLabel("分享主題").fill("社群如何開始");
    await school.getByRole("button", { name: "送出邀請" }).click();
    await school.locator(".field-error").first().waitFor();
    await checkFieldErrors(school, "the request with a wrong address");
    await checkPhonePage(school, "the request form with a problem");
    expect((await school.getByLabel("希望日期").inputValue()) === "112年9月15日下午", "what was typed is kept");
    await school.getByLabel("電子郵件").fill("lin@school.tyc.edu.tw");
    await school.getByRole("button", { name: "送出邀請" }).click();
    await see(school.getByRole("heading"), "請到信箱確認邀請", "the school is asked to confirm");
    const confirmation = await sink.waitFor((m) => m.includes("lin@school.tyc.edu.tw") && m.includes("/lecturers/confirm/"), "confirming the request");
    await school.goto(confirmation.match(/http:\/\/\S+\/lecturers\/confirm\/[0-9a-f]{64}/)[0]);
    await checkPhonePage(school, "the confirmation page");
    await school.getByRole("button", { name: "確認並送出給講師" }).click();
    await see(school.locator("main"), "待講師回覆", "the request reaches the lecturer");
    await sink.waitFor((m) => m.includes("新的到校分享邀請") || (m.includes("j1@school.tyc.edu.tw") && m.includes("林主任")), "telling the lecturer");

    // ---------------------------------------------------------------- the lecturer accepts
    await convener.reload();
    await see(convener.locator("#requests"), "林主任", "the lecturer sees the request");
    await convener.getByLabel("回覆").fill("好的，九月見。");
    await convener.getByRole("button", { name: "接受" }).click();
    await see(convener.getByRole("status"), "已接受邀請", "the request is accepted");
    await sink.waitFor((m) => m.includes("lin@school.tyc.edu.tw") && m.includes("接受") && m.includes("好的，九月見"), "telling the school");
    await office.goto(`${server.url}/office/outcomes/lecturers`);
    await see(office.locator("#request-list"), "已接受", "the office sees the request and its state");
    await checkA11y(office, "the office's lecturers page");

    // ---------------------------------------------------------------- the public showcase
    const visitor = await (await browser.newContext({ locale: "zh-TW", ...PHONE })).newPage();
    await visitor.goto(`${server.url}/showcase`);
    await checkPhonePage(visitor, "the showcase's index");
    await visitor.getByRole("link", { name: "111學年度得獎社群" }).click();
    await see(visitor.locator("main"), "文昌一", "the year lists the awarded communities");
    await checkPhonePage(visitor, "the showcase's year");
    await screenshot(visitor, "showcase-year-phone");
    await visitor.getByLabel(/關鍵字/).fill("閱讀");
    await visitor.getByRole("button", { name: "搜尋" }).click();
    await see(visitor.getByRole("status"), "找到 1 個社群", "the summary is searched");
    await visitor.getByRole("link", { name: "文昌一" }).click();
    await see(visitor.locator("main"), "從共同備課到公開觀課", "the community's summary, with consent");
    expect(!(await visitor.content()).includes("j1@school.tyc.edu.tw"), "nothing personal on the showcase");
    await checkPhonePage(visitor, "a community's showcase page");
    await screenshot(visitor, "showcase-community-phone");
  } finally {
    await browser.close();
    await server.stop();
    await sink.stop();
  }
}
