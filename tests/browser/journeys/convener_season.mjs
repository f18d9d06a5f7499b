// A convener's season on a phone-sized screen: the office imports the school and the
// community, the convener accepts the invitation, adds members, records a meeting with its
// sign-in sheet, uploads the report watching the progress bar, and fills in and submits the
// self-evaluation. The server's clock is set inside academic year 111 (LINXUAN_NOW). Every page
// is checked on the phone: no sideways scrolling, and axe-core finds no serious problem, also
// while a form shows its problems (each tied to its field).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { acceptInvite, checkFieldErrors, checkPhonePage, expect, importCsv, launchBrowser, PHONE, setUpAdmin, startServer } from "../harness.mjs";

export default async function () {
  const server = await startServer({ LINXUAN_NOW: "2023-03-01T10:00:00+08:00" });
  const browser = await launchBrowser();
  try {
    // The office: schools and the community.
    const office = await setUpAdmin(browser, server);
    await importCsv(office, server, "schools", "code,name,level,district\n034750,桃園市桃園區西門國民小學,國小,桃園區\n");
    await office.getByText("匯入完成").waitFor();
    await importCsv(office, server, "communities", "社群代碼,學校代碼,類別,組別,社群名稱,召集人,召集人電子郵件\nE001,034750,初階,國小組,西門閱讀社群,林老師,lin@school.tyc.edu.tw\n");
    await office.locator("#invited").waitFor();
    const invite = await office.locator("#invited input.link-box").inputValue();
    expect(invite.includes("/invite/"), `the invitation link is shown: ${invite}`);

    // The convener, on a phone.
    const context = await browser.newContext({ locale: "zh-TW", ...PHONE });
    const page = await context.newPage();
    page.on("dialog", (dialog) => dialog.accept());
    await page.goto(invite);
    await checkPhonePage(page, "the invitation page");
    await acceptInvite(page, invite, "林老師", "teaching is fun");
    await page.waitForURL(/\/community\/\d+$/);
    const base = page.url();
    expect(await page.getByRole("heading", { name: "西門閱讀社群" }).isVisible(), "the community's own page");
    await checkPhonePage(page, "the community's overview");

    // Members.
    await page.getByRole("link", { name: "成員", exact: true }).click();
    await checkPhonePage(page, "the members page");
    // A national ID number that is none is refused by its field.
    await page.getByLabel("姓名").fill("王老師");
    await page.getByLabel("身分證字號").fill("A12345");
    await page.getByRole("button", { name: "儲存" }).click();
    await page.locator(".field-error").first().waitFor();
    await checkPhonePage(page, "the member form with a problem");
    await checkFieldErrors(page, "the member form with a problem");
    await page.getByLabel("身分證字號").fill("");
    for (const name of ["王老師", "陳老師", "張老師", "李老師"]) {
      await page.getByLabel("姓名").fill(name);
      await page.getByRole("button", { name: "儲存" }).click();
      await page.getByText(`已新增 ${name}`).waitFor();
    }
    expect((await page.locator("#members tbody tr").count()) === 5, "five members");
    expect(await page.getByText("成員 5 人").isVisible(), "the minimum is met");
    await checkPhonePage(page, "the members page with five members");

    // A meeting with its sign-in sheet.
    await page.getByRole("link", { name: "運作紀錄", exact: true }).click();
    await checkPhonePage(page, "the meetings page, empty");
    await page.getByRole("link", { name: "新增運作紀錄" }).click();
    await checkPhonePage(page, "the new meeting form");
    // A date that is none first: refused by its field, with what was typed kept.
    await page.getByLabel("日期").fill("112/13/45");
    await page.getByLabel("類型").selectOption("co_planning");
    await page.getByLabel("主題").fill("閱讀理解提問設計共同備課");
    await page.getByLabel("紀錄內容").fill("討論第三課的提問層次。");
    await page.getByRole("button", { name: "儲存" }).click();
    await page.locator(".field-error").first().waitFor();
    await checkPhonePage(page, "the meeting form with a problem");
    await checkFieldErrors(page, "the meeting form with a problem");
    await page.getByLabel("日期").fill("112/02/20");
    await page.getByRole("button", { name: "儲存" }).click();
    await page.getByText("請接著上傳簽到表").waitFor();
    await checkPhonePage(page, "a meeting waiting for its sign-in sheet");
    const sheet = join(server.data, "signin.jpg");
    writeFileSync(sheet, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(20000, 1)]));
    await page.locator("#signin input[type=file]").setInputFiles(sheet);
    await page.locator("#signin button[type=submit]").click();
    await page.waitForURL(/meetings\/\d+#signin$/);
    await page.locator(".flash").getByText("已上傳「signin.jpg」").waitFor();
    await page.getByRole("link", { name: "運作紀錄", exact: true }).click();
    expect((await page.getByText("缺簽到表").count()) === 0, "the meeting has its sign-in sheet");
    await checkPhonePage(page, "the meetings page with a meeting");

    // The report, on a slow connection: the progress bar moves.
    await page.goto(`${base}/files`);
    await checkPhonePage(page, "the files page");
    const report = join(server.data, "report.pdf");
    writeFileSync(report, Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(4_000_000, 0x20)]));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1_500_000 });
    const form = page.locator("#report form[data-upload]");
    await form.locator("input[type=file]").setInputFiles(report);
    await form.locator("button[type=submit]").click();
    await form.locator(".upload-progress").waitFor({ state: "visible" });
    let seen = 0;
    for (let i = 0; i < 100 && !(seen > 0 && seen < 100); i++) {
      seen = Number(await form.locator("progress").getAttribute("value").catch(() => "0")) || Number(await form.locator("progress").evaluate((p) => p.value).catch(() => 0));
      await page.waitForTimeout(50);
    }
    expect(seen > 0 && seen < 100, `the progress bar moved part way (saw ${seen}%)`);
    await page.waitForURL(/files#report$/, { timeout: 60_000 });
    await page.locator(".flash").getByText("已上傳「report.pdf」").waitFor();
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    expect(await page.locator("#report").getByRole("link", { name: "report.pdf", exact: true }).isVisible(), "the report is listed");
    await checkPhonePage(page, "the files page with the report");

    // The self-evaluation: a draft first, then the whole form submitted.
    await page.getByRole("link", { name: "成效評估檢核表", exact: true }).click();
    const indicators = page.locator("fieldset.indicator");
    const count = await indicators.count();
    expect(count === 8, `eight indicators, got ${count}`);
    await checkPhonePage(page, "the self-evaluation");
    await indicators.nth(0).getByLabel("可").check();
    await indicators.nth(0).locator("textarea").fill("每月聚會一次，簽到完整。");
    await page.getByRole("button", { name: "儲存草稿" }).click();
    await page.getByText("已儲存草稿").waitFor();
    // Submitting it unfinished names each indicator still to do.
    await page.getByRole("button", { name: "送出檢核表" }).click();
    await page.locator(".field-error").first().waitFor();
    await checkPhonePage(page, "the self-evaluation with problems");
    await checkFieldErrors(page, "the self-evaluation with problems");
    for (let i = 0; i < count; i++) {
      await indicators.nth(i).locator("input[value=good]").check();
      await indicators.nth(i).locator("textarea").fill(`第 ${i + 1} 項的具體做法。`);
    }
    await page.getByRole("button", { name: "送出檢核表" }).click();
    await page.getByText("已送出成效評估檢核表").waitFor();

    await checkPhonePage(page, "the self-evaluation submitted");
    await page.getByRole("link", { name: "審查結果", exact: true }).click();
    await checkPhonePage(page, "the results page before publication");
    await page.goto(base);
    await checkPhonePage(page, "the community's overview at the end");
    await page.screenshot({ path: join(process.env.SCREENSHOTS || server.data, "convener-phone.png"), fullPage: true });
    expect(await page.getByText("成果報告已上傳").isVisible(), "the overview counts the report");
  } finally {
    await browser.close();
    await server.stop();
  }
}
