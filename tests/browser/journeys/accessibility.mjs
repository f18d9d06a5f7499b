// Accessibility of the pages the other journeys do not walk: every public page (sign-in,
// forgotten password, the set-up and invitation forms, error pages, English), every office page
// (the plan and each of its section forms, schools, accounts, the audit log, communities,
// progress, the review's pages) and a convener's registration page. Each is checked with axe-core
// (WCAG 2 A/AA, no serious or critical problem) as it first shows and, for a form, with its
// problems shown: each field at fault must be marked invalid and described by its message.
// Then the office does a real task with the keyboard alone: signs in, follows the skip link, goes
// to 學校 through the menu and adds a school — first with a mistake, then corrected — with every
// focused control visibly outlined. The server's clock is inside round 1 (112/6/14).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { acceptInvite, checkA11y, checkFieldErrors, expect, importCsv, launchBrowser, see, startServer } from "../harness.mjs";

const OFFICE = { name: "王承辦", email: "office@tyc.edu.tw", password: "correct horse 1" };

/** Opens `path` as `page` and checks it; returns the response. */
async function visit(page, server, path, what) {
  const response = await page.goto(`${server.url}${path}`);
  await checkA11y(page, what);
  return response;
}

/** What has the keyboard focus now, and whether it is visibly outlined. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40),
      inMain: !!el.closest("main"),
      outlined: el.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
      onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && box.left < innerWidth && box.top < innerHeight,
    };
  });
}

/** Presses Tab (or Shift+Tab) until `wanted` has the focus; every control passed on the way
 * must show where the focus is. */
async function tabTo(page, wanted, what, { back = false, max = 60 } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const now = await focused(page);
    if (now.tag === "body") continue;
    expect(now.outlined && now.onScreen, `${what}: the focused ${now.tag}#${now.id} "${now.text}" is visibly outlined on screen (${JSON.stringify(now)})`);
    seen.push(`${now.tag}#${now.id}:${now.text}`);
    if (wanted(now)) return now;
  }
  throw new Error(`expectation failed: ${what}: not reached with the keyboard; focus went through ${JSON.stringify(seen)}`);
}

export default async function () {
  const server = await startServer({ LINXUAN_NOW: "2023-06-14T10:00:00+08:00" });
  const browser = await launchBrowser();
  try {
    // ---------------------------------------------------------------- public pages
    const office = await (await browser.newContext({ locale: "zh-TW" })).newPage();
    // The office's first visit: the set-up page, and its problems: the passwords differ.
    await office.goto(server.setupLink);
    await checkA11y(office, "the first-run set-up form");
    await office.getByLabel("姓名").fill(OFFICE.name);
    await office.getByLabel("電子郵件").fill(OFFICE.email);
    await office.getByLabel("新密碼", { exact: true }).fill(OFFICE.password);
    await office.getByLabel("再輸入一次新密碼").fill("another horse 1");
    await office.getByRole("button", { name: "設定密碼" }).click();
    await office.locator(".field-error").first().waitFor();
    await checkA11y(office, "the set-up form with a problem");
    await checkFieldErrors(office, "the set-up form with a problem");
    await office.getByLabel("新密碼", { exact: true }).fill(OFFICE.password);
    await office.getByLabel("再輸入一次新密碼").fill(OFFICE.password);
    await office.getByRole("button", { name: "設定密碼" }).click();
    await office.waitForURL(`${server.url}/office`);
    office.on("dialog", (dialog) => dialog.accept());

    const anonymous = await (await browser.newContext({ locale: "zh-TW" })).newPage();
    let response = await visit(anonymous, server, new URL(server.setupLink).pathname, "a used set-up link");
    expect(response.status() === 410, `a used set-up link answers 410, got ${response.status()}`);
    response = await visit(anonymous, server, "/no-such-page", "the 404 page");
    expect(response.status() === 404, `404, got ${response.status()}`);
    await visit(anonymous, server, "/login", "the sign-in page");
    await anonymous.getByLabel("電子郵件").fill(OFFICE.email);
    await anonymous.getByLabel("密碼", { exact: true }).fill("not the password");
    await anonymous.getByRole("button", { name: "登入", exact: true }).click();
    await anonymous.getByRole("alert").waitFor();
    await checkA11y(anonymous, "the sign-in page refusing a wrong password");
    // Without a mail server (as here), the page says to ask the office, with no form that
    // could not work.
    await visit(anonymous, server, "/password/forgot", "the forgotten-password page without mail");
    await see(anonymous.locator("#no-mail"), "承辦單位", "it says to ask the office");
    expect((await anonymous.locator("form[action='/password/forgot']").count()) === 0, "no form that cannot work");
    // In English, the page says so.
    await anonymous.goto(`${server.url}/lang?to=en&back=/login`);
    await anonymous.waitForURL(`${server.url}/login`);
    expect((await anonymous.locator("html").getAttribute("lang")) === "en", "an English page is marked lang=en");
    await checkA11y(anonymous, "the sign-in page in English");
    expect((await office.locator("html").getAttribute("lang")) === "zh-TW", "a Chinese page is marked lang=zh-TW");

    // ---------------------------------------------------------------- the office's pages
    await checkA11y(office, "the dashboard");
    await importCsv(office, server, "schools", "code,name,level,district\n034601,文昌國中,國中,桃園區\n034602,建國國中,國中,桃園區\n034750,西門國小,國小,桃園區\n");
    await office.getByText("匯入完成").waitFor();
    await checkA11y(office, "the schools page");
    await office.getByRole("link", { name: "編輯" }).first().click();
    await office.waitForURL(/\/office\/schools\/\d+$/);
    await checkA11y(office, "a school's edit page");
    await office.getByLabel("學校名稱").fill("   ");
    await office.getByRole("button", { name: "儲存" }).click();
    await office.locator(".field-error").first().waitFor();
    await checkA11y(office, "a school's edit page with a problem");
    await checkFieldErrors(office, "a school's edit page with a problem");

    await importCsv(
      office,
      server,
      "communities",
      "code,school,track,group,name,convener,email\n" +
        "J1,034601,basic,basic-junior,文昌一,甲,j1@school.tyc.edu.tw\n" +
        "J2,034602,basic,basic-junior,建國一,乙,j2@school.tyc.edu.tw\n",
    );
    await office.locator("#invited").waitFor();
    await checkA11y(office, "the communities page with the invitations made");
    // A refused import names its lines.
    await importCsv(office, server, "communities", "code,school,track,group,name,convener,email\nJ9,999999,basic,basic-junior,,丙,bad\n");
    await office.locator("#import-problems").waitFor();
    await checkA11y(office, "the communities page refusing an import");

    await visit(office, server, "/office/plan", "the plan");
    for (const section of ["general", "checkpoints", "tracks", "groups", "awards", "rubric", "review", "presentation", "budget"]) {
      await visit(office, server, `/office/plan/edit/${section}`, `the plan's ${section} form`);
    }
    // A section form with problems: a date that is no date.
    await office.goto(`${server.url}/office/plan/edit/general`);
    await office.locator("[id='operating_period.start']").fill("112年13月40日");
    await office.getByRole("button", { name: "檢查並儲存" }).last().click();
    await office.locator("#problems").waitFor();
    await checkA11y(office, "the plan's general form with a problem");
    await checkFieldErrors(office, "the plan's general form with a problem");

    await visit(office, server, "/office/users", "the accounts page");
    await office.locator("#invite-email").fill("x@y");
    await office.locator("#invite-name").fill("   ");
    await office.getByRole("button", { name: "送出邀請" }).click();
    await office.locator(".field-error").first().waitFor();
    await checkA11y(office, "the accounts page with problems");
    await checkFieldErrors(office, "the accounts page with problems");
    // A convener with no community yet, for the registration page below.
    await office.locator("#invite-email").fill("new@school.tyc.edu.tw");
    await office.locator("#invite-name").fill("新老師");
    await office.locator("#invite-role").selectOption("convener");
    await office.getByRole("button", { name: "送出邀請" }).click();
    await office.locator("#the-link").waitFor();
    await checkA11y(office, "the page with a one-time link");
    const newConvenerLink = await office.locator("#the-link").inputValue();

    await visit(office, server, "/office/audit", "the audit log");
    await office.locator("details summary").first().click();
    await checkA11y(office, "the audit log with a change opened");
    await visit(office, server, "/office/progress", "the progress board");
    await visit(office, server, "/office/progress/remind", "the reminder preview");
    await visit(office, server, "/office/mail", "the mail log");
    await visit(office, server, "/account", "the own account page");
    await office.getByLabel("目前的密碼").fill("wrong password");
    await office.getByLabel("新密碼", { exact: true }).fill("a new password 1");
    await office.getByLabel("再輸入一次新密碼").fill("a new password 1");
    await office.getByRole("button", { name: "變更密碼" }).click();
    await office.locator(".field-error").first().waitFor();
    await checkA11y(office, "the account page with a problem");
    await checkFieldErrors(office, "the account page with a problem");

    // The review's office pages.
    await visit(office, server, "/office/review", "the review overview");
    await visit(office, server, "/office/review/reviewers", "the reviewers page");
    await office.getByLabel("姓名").fill("   ");
    await office.getByLabel("電子郵件").fill("p@q");
    await office.getByLabel("服務單位").fill("   ");
    await office.getByRole("button", { name: "送出邀請" }).click();
    await office.locator(".field-error").first().waitFor();
    await checkA11y(office, "the reviewers page with problems");
    await checkFieldErrors(office, "the reviewers page with problems");
    await office.getByLabel("姓名").fill("張教授");
    await office.getByLabel("電子郵件").fill("chang@ntnu.edu.tw");
    await office.getByLabel("服務單位").fill("國立臺灣師範大學");
    await office.getByRole("button", { name: "送出邀請" }).click();
    await see(office.getByRole("status"), "已邀請 張教授", "the reviewer is invited");
    await checkA11y(office, "the reviewers page with a one-time link");
    const reviewerLink = await office.getByLabel("一次性連結", { exact: true }).inputValue();
    await visit(office, server, "/office/review/conflicts", "the office's conflicts page");
    await visit(office, server, "/office/review/assign/round-1", "the assignment page");
    await office.getByRole("button", { name: "自動指派" }).click();
    await see(office.getByRole("status"), "已新增 2 筆指派", "round 1 is assigned");
    await checkA11y(office, "the assignment page with the matrix filled");
    await visit(office, server, "/office/review/board", "the results board");
    await visit(office, server, "/office/review/cut/basic-junior/1", "the cut page");
    await visit(office, server, "/office/review/import", "the paper-scores import page");
    const badScores = join(server.data, "bad-scores.csv");
    writeFileSync(badScores, "這不是分數檔\n");
    await office.getByLabel("檔案").setInputFiles(badScores);
    await office.getByRole("button", { name: "匯入", exact: true }).click();
    await office.locator("#import-problems").waitFor();
    await checkA11y(office, "the paper-scores import refusing a file");
    await visit(office, server, "/office/review/publish", "the publication preview");
    await visit(office, server, "/office/review/presentation", "the presentation day page");
    await visit(office, server, "/office/review/presentation/print", "the printable schedule");

    // ---------------------------------------------------------------- other roles
    // The reviewer: their conflicts page; an office page is refused (403).
    const reviewer = await (await browser.newContext({ locale: "zh-TW" })).newPage();
    await reviewer.goto(reviewerLink);
    await checkA11y(reviewer, "the invitation page");
    await reviewer.getByLabel("姓名").fill("張教授");
    await reviewer.getByLabel("新密碼", { exact: true }).fill("short");
    await reviewer.getByLabel("再輸入一次新密碼").fill("short");
    // minlength would stop the browser: let the server say it, as it must for any client.
    await reviewer.locator("form").evaluate((form) => (form.noValidate = true));
    await reviewer.getByRole("button", { name: "設定密碼" }).click();
    await reviewer.locator(".field-error").first().waitFor();
    await checkA11y(reviewer, "the invitation page with a problem");
    await checkFieldErrors(reviewer, "the invitation page with a problem");
    await acceptInvite(reviewer, reviewerLink, "張教授", "rubric and evidence 1");
    await reviewer.waitForURL(`${server.url}/review`);
    await checkA11y(reviewer, "the reviewer's home");
    await visit(reviewer, server, "/review/conflicts", "the reviewer's conflicts page");
    response = await visit(reviewer, server, "/office", "the 403 page");
    expect(response.status() === 403, `a reviewer may not open /office: ${response.status()}`);

    // A convener without a community: the registration form, and its problems.
    const convener = await (await browser.newContext({ locale: "zh-TW" })).newPage();
    await acceptInvite(convener, newConvenerLink, "新老師", "teaching is fun 1");
    await convener.waitForURL(`${server.url}/community`);
    await checkA11y(convener, "the convener's registration page");
    await convener.getByLabel("社群名稱").fill("   ");
    await convener.getByLabel("學校").selectOption("034750");
    await convener.getByRole("button", { name: "送出登記" }).click();
    await convener.locator(".field-error").first().waitFor();
    await checkA11y(convener, "the registration form with problems");
    await checkFieldErrors(convener, "the registration form with problems");

    // ---------------------------------------------------------------- the keyboard alone
    // Sign in, skip to the content, reach 學校 through the menu and add a school: no mouse.
    const keys = await (await browser.newContext({ locale: "zh-TW" })).newPage();
    await keys.goto(`${server.url}/login`);
    let now = await focused(keys);
    expect(now.id === "email", `the sign-in page starts in the e-mail field: ${JSON.stringify(now)}`);
    await keys.keyboard.type(OFFICE.email);
    await keys.keyboard.press("Tab");
    now = await focused(keys);
    expect(now.id === "password" && now.outlined, `Tab goes to the password, outlined: ${JSON.stringify(now)}`);
    await keys.keyboard.type(OFFICE.password);
    await keys.keyboard.press("Enter");
    await keys.waitForURL(`${server.url}/office`);

    // The first Tab reaches the skip link, which shows itself; Enter moves into the content.
    const skip = await tabTo(keys, (f) => f.tag === "a", "the skip link");
    expect(skip.text === "跳到主要內容", `the first stop is the skip link: ${JSON.stringify(skip)}`);
    await keys.keyboard.press("Enter");
    now = await focused(keys);
    expect(now.id === "main", `the skip link moves the focus to the main content: ${JSON.stringify(now)}`);
    now = await tabTo(keys, () => true, "the first control after the skip link");
    expect(now.inMain, `the next Tab stays in the content, past the menu: ${JSON.stringify(now)}`);

    // Back up to the menu and open 學校.
    await tabTo(keys, (f) => f.tag === "a" && f.text === "學校" && !f.inMain, "the menu's 學校", { back: true });
    await keys.keyboard.press("Enter");
    await keys.waitForURL(`${server.url}/office/schools`);

    // The add-school form: a code already taken first.
    const typeInto = async (id, text) => {
      await tabTo(keys, (f) => f.id === id, `the field #${id}`);
      await keys.keyboard.press("Control+A");
      await keys.keyboard.type(text);
    };
    await typeInto("school-code", "034601");
    await typeInto("school-name", "青溪國中");
    await tabTo(keys, (f) => f.id === "school-level", "the level");
    const before = await keys.locator("#school-level").inputValue();
    await keys.keyboard.press("ArrowDown");
    const after = await keys.locator("#school-level").inputValue();
    expect(before !== after, `the level changes with the arrow keys (${before} → ${after})`);
    await typeInto("school-district", "桃園區");
    await tabTo(keys, (f) => f.tag === "button" && f.text === "儲存", "the save button");
    await keys.keyboard.press("Space");
    await keys.locator(".field-error").first().waitFor();
    await checkFieldErrors(keys, "the add-school form sent from the keyboard with a mistake");
    expect((await keys.locator("#school-code").getAttribute("aria-invalid")) === "true", "the code is marked invalid");
    // Corrected: Enter in the last field sends the form.
    await typeInto("school-code", "034603");
    await typeInto("school-district", "桃園區");
    await keys.keyboard.press("Enter");
    await see(keys.locator("#schools tbody tr"), "青溪國中", "the school added with the keyboard is listed");
  } finally {
    await browser.close();
    await server.stop();
  }
}
