// The presentation day, as its people live it. A teacher on a phone registers (the school
// picked from the list, a vegetarian meal, the ID number for study hours) and gets the
// confirmation mail with the QR ticket (a local SMTP sink). The office invites the desk's
// staff. On the morning of the day (the server restarted with its clock at 08:05) the desk,
// on a phone, checks the teacher in from the mailed QR image (read by the page's decoder);
// with the network cut, a typed code waits on the phone and is sent when the network returns,
// answered "already checked in at 08:05". At 12:35 the desk checks the teacher out. The office
// reads the study hours, downloads the CSV for the national network and reads it back, and
// prints the budget, whose meals line now counts the people checked in. Every page is checked
// with axe-core; the phone pages also for sideways scrolling.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acceptInvite, checkA11y, checkPhonePage, expect, launchBrowser, officeWithSchools, PHONE, screenshot, see, startServer, startSmtpSink } from "../harness.mjs";

async function download(page, action, what) {
  const [file] = await Promise.all([page.waitForEvent("download"), action()]);
  const bytes = readFileSync(await file.path());
  expect(bytes.length > 0, `${what} downloads`);
  return bytes;
}

/** The PNG attached to a raw message (base64 between its part's headers and the boundary). */
function attachedPng(raw) {
  const at = raw.indexOf("Content-Type: image/png");
  expect(at >= 0, "the ticket mail carries a PNG");
  const body = raw.slice(at).split(/\r?\n\r?\n/)[1];
  const base64 = body.split(/\r?\n--/)[0].replace(/\s+/g, "");
  return Buffer.from(base64, "base64");
}

/** The text of a PDF as poppler reads it, without spaces. */
function pdfText(bytes, dir, name) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return execFileSync("pdftotext", ["-layout", file, "-"]).toString("utf8").replace(/\s+/g, "");
}

export default async function () {
  const sink = await startSmtpSink();
  let server = await startServer({ LINXUAN_NOW: "2023-06-20T09:00:00+08:00", LINXUAN_SMTP_URL: sink.url });
  const browser = await launchBrowser();
  let serverStopped = false;
  try {
    const office = await officeWithSchools(browser, server, "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,中壢區\n");

    // ---------------------------------------------------------------- a teacher registers
    const phone = await browser.newContext({ ...PHONE, locale: "zh-TW" });
    const teacher = await phone.newPage();
    await teacher.goto(`${server.url}/event/111`);
    await see(teacher.locator("main"), "112年6月19日 至 112年7月4日", "the registration dates");
    await teacher.getByRole("link", { name: "報名", exact: true }).click();
    await teacher.waitForURL(`${server.url}/event/111/register`);
    await checkPhonePage(teacher, "the registration form on a phone");
    await teacher.getByLabel("姓名").fill("林老師");
    await teacher.getByLabel("學校").selectOption({ label: "文昌國中" });
    await teacher.getByLabel("職稱").fill("教師");
    await teacher.getByLabel("電子郵件").fill("lin@school.tyc.edu.tw");
    await teacher.getByLabel("素食").check();
    await teacher.getByLabel("身分證字號").fill("A123456789");
    await teacher.getByRole("button", { name: "送出報名" }).click();
    await teacher.waitForURL(/\/event\/ticket\/LX-/);
    await see(teacher.locator("#ticket-status"), "報名成功", "the teacher has a place");
    await see(teacher.getByRole("status"), "確認信與入場 QR code 已寄到 lin@school.tyc.edu.tw", "the mail is promised");
    expect((await teacher.locator("figure.qr svg").count()) === 1, "the ticket page shows the QR code");
    expect(await teacher.getByText("A12****789").isVisible(), "the ID number is shown masked");
    await screenshot(teacher, "event-ticket-phone");
    await checkPhonePage(teacher, "the ticket on a phone");

    const mail = await sink.waitFor((m) => m.includes("lin@school.tyc.edu.tw") && m.includes("image/png"), "with the ticket");
    expect(mail.includes("/event/ticket/LX-"), "the mail links the ticket page");
    const raw = sink.messages.find((m) => m.includes("lin@school.tyc.edu.tw") && m.includes("image/png"));
    const png = join(server.data, "ticket.png");
    writeFileSync(png, attachedPng(raw));

    // ---------------------------------------------------------------- the desk's staff
    await office.goto(`${server.url}/office/users`);
    await office.locator("#invite-email").fill("desk@school.tyc.edu.tw");
    await office.locator("#invite-name").fill("報到組");
    await office.locator("#invite-role").selectOption({ label: "現場工作人員" });
    await office.getByRole("button", { name: "送出邀請" }).click();
    const invitation = await sink.waitFor((m) => m.includes("desk@school.tyc.edu.tw") && m.includes("/invite/"), "inviting the desk");
    const link = invitation.match(/http:\/\/\S+\/invite\/[0-9a-f]+/)[0];
    const deskContext = await browser.newContext({ ...PHONE, locale: "zh-TW" });
    const desk = await deskContext.newPage();
    await acceptInvite(desk, link, "報到組", "desk password 123");
    await desk.waitForURL(`${server.url}/checkin`);
    await office.goto(`${server.url}/office/event/registrations`);
    await see(office.locator("main"), "報名成功 1 人（素食 1）", "the office sees the registration");
    await checkA11y(office, "the registrations list");

    // ---------------------------------------------------------------- the morning of the day
    await server.stop({ keep: true });
    serverStopped = true;
    server = await startServer({ LINXUAN_NOW: "2023-07-07T08:05:00+08:00", LINXUAN_SMTP_URL: sink.url }, { data: server.data });
    serverStopped = false;
    // The server moved to another port: the same sessions (kept in the database) carry on.
    await desk.goto(`${server.url}/checkin`);
    await see(desk.locator("main"), "報名 1 人", "the desk's counter");
    await checkPhonePage(desk, "the desk on a phone");
    await desk.locator("#photo").setInputFiles(png);
    await see(desk.locator("#answer"), "林老師 · 文昌國中 · 08:05 報到完成", "the QR image checks the teacher in");
    expect((await desk.locator("#answer").getAttribute("class")).includes("ok"), "in green");
    await screenshot(desk, "event-desk-phone");

    // The network drops: a typed code waits on the phone, and goes when the network is back.
    const code = mail.match(/LX-[0-9A-F]{32}/)[0];
    await deskContext.setOffline(true);
    await desk.getByLabel("入場券代碼（LX- 開頭）").fill(code);
    await desk.getByRole("button", { name: "報到", exact: true }).click();
    await see(desk.locator("#queue"), "1 筆掃描等待送出", "the scan waits on the phone");
    await deskContext.setOffline(false);
    await desk.evaluate(() => window.dispatchEvent(new Event("online")));
    await see(desk.locator("#answer"), "已於 08:05 報到過", "sent when the network returns, and answered");
    expect(await desk.locator("#queue").isHidden(), "nothing waits any more");

    // ---------------------------------------------------------------- the end of the day
    await server.stop({ keep: true });
    serverStopped = true;
    server = await startServer({ LINXUAN_NOW: "2023-07-07T12:35:00+08:00", LINXUAN_SMTP_URL: sink.url }, { data: server.data });
    serverStopped = false;
    await desk.goto(`${server.url}/checkin?kind=out`);
    await desk.locator("#photo").setInputFiles(png);
    await see(desk.locator("#answer"), "12:35 簽退完成", "checked out from the same QR image");

    await office.goto(`${server.url}/office/event/hours`);
    await see(office.locator("#granted"), "核給時數（1 人）", "the teacher earned the hours");
    await see(office.locator("#granted"), "A12****789", "listed with the masked ID number");
    await checkA11y(office, "the study hours");
    const csv = (await download(office, () => office.getByRole("link", { name: "下載上傳用 CSV" }).click(), "the CSV")).toString("utf8");
    expect(csv.includes("研習日期,姓名,身分證字號,服務學校,時數") && csv.includes("112/07/07,林老師,A123456789,文昌國中,4"), `the CSV for the national network: ${csv}`);

    await office.goto(`${server.url}/office/budget`);
    const budget = await download(office, () => office.getByRole("link", { name: "列印經費表（PDF，含核章欄）" }).click(), "the budget PDF");
    const text = pdfText(budget, server.data, "budget.pdf");
    // The presentation day's meals line: 120 × 300 estimated, one person checked in so far.
    expect(text.includes("膳費120300人36,000120來賓"), `the meals line counts the one person checked in: ${text}`);
    await office.goto(`${server.url}/office/event`);
    const sheet = await download(office, () => office.getByRole("link", { name: "簽到表 (PDF)" }).click(), "the sign-in sheet");
    expect(pdfText(sheet, server.data, "sheet.pdf").includes("林老師"), "the paper sheet lists the teacher");
    await checkA11y(office, "the office's presentation day");
  } finally {
    await browser.close();
    if (!serverStopped) await server.stop();
    await sink.stop();
  }
}
