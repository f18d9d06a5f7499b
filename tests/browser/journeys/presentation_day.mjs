// The advanced track's presentation day (112/6/16), through the pages. The office imports four
// advanced communities and invites two reviewers, one of whom works at 文昌國中 and so may not
// judge 文昌進階. On the presentation page the office seats one reviewer per room, builds the
// schedule (20-minute slots from 09:00, 17 minutes of presentation), is refused when it tries to
// move 文昌進階 into the conflicted reviewer's room, assigns the rooms' communities and prints a
// schedule without controls. Then both rooms run at once: each reviewer, on a tablet or a phone,
// opens their room from /review, times the first presentation (the browser's clock is driven by
// Playwright, so the countdown is checked minute by minute without waiting), is refused a score
// of 61 with what they typed kept in the slot, and submits a valid score; the page comes back to
// the room at that slot. The office has the board open the whole time and sees both scores
// arrive without reloading it; a section it opened stays open across the automatic reload, and
// while it is filling in a form on the board a button offers the reload instead. The pages are
// checked with axe-core on the way, the room also on the phone and with its refused score.
import { acceptInvite, checkA11y, checkFieldErrors, checkPhonePage, expect, importCsv, launchBrowser, see, setUpAdmin, startServer } from "../harness.mjs";

const SERVER_NOW = "2023-06-16T09:00:00+08:00";
const SCHOOLS =
  "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,桃園區\n034602,建國國中,國中,桃園區\n034603,青溪國中,國中,桃園區\n";
const COMMUNITIES =
  "code,school,track,group,name,convener,email\n" +
  "A1,034601,advanced,advanced,文昌進階,甲,a1@school.tyc.edu.tw\n" +
  "A2,034602,advanced,advanced,建國進階,乙,a2@school.tyc.edu.tw\n" +
  "A3,034603,advanced,advanced,青溪進階,丙,a3@school.tyc.edu.tw\n" +
  "A4,034602,advanced,advanced,建國進階二,丁,a4@school.tyc.edu.tw\n";
// 王教授 has no school; 李校長 works at 文昌國中, so A1 文昌進階 must not be in her room.
const WANG = {
  name: "王教授",
  email: "wang@ntnu.edu.tw",
  affiliation: "國立臺灣師範大學",
  school: null,
  password: "presentations 12345",
  room: 1,
  score: "55.5",
  comment: "簡報條理清楚，時間掌控良好。",
  device: { viewport: { width: 820, height: 1180 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, // a tablet
};
const LEE = {
  name: "李校長",
  email: "lee@school.tyc.edu.tw",
  affiliation: "桃園市立文昌國民中學",
  school: "文昌國中",
  password: "presentations 67890",
  room: 2,
  score: "48",
  comment: "成果具體，建議補充學生學習證據。",
  device: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true }, // a phone
};

/** A room's section on the office's schedule page, by its heading. */
function roomSection(page, n) {
  return page.locator("section.schedule").filter({ has: page.getByRole("heading", { name: `第 ${n} 場地`, exact: true }) });
}

/** Each room's schedule as text rows, to compare before and after a refused move. */
async function schedule(page) {
  return {
    1: await roomSection(page, 1).locator("tbody tr").allInnerTexts(),
    2: await roomSection(page, 2).locator("tbody tr").allInnerTexts(),
  };
}

/** One reviewer's morning in their room: the timer of the first presentation, then its score. */
async function runRoom(server, who, page) {
  const context = page.context();
  // The browser's clock is Playwright's from here on: it starts at the server's morning and is
  // paused once the room is loaded, so the countdown moves only when the journey says so.
  await context.clock.install({ time: new Date(SERVER_NOW) });
  await page.goto(`${server.url}/review`);
  const roomLink = page.getByRole("link", { name: `我的發表場地：第 ${who.room} 場地` });
  await roomLink.waitFor({ timeout: 10_000 }).catch(async () => {
    throw new Error(`expectation failed: ${who.name}'s /review links their room: ${await page.locator("main").innerText()}`);
  });
  await roomLink.click();
  await page.waitForURL(`${server.url}/review/room/${who.room}`);
  await page.getByRole("heading", { name: `現場發表：第 ${who.room} 場地`, level: 1 }).waitFor();
  // axe needs the page's timers: the room is checked before the clock is paused, and again
  // only once the timer's part is over and the clock runs again.
  const check = who.device.viewport.width <= 400 ? checkPhonePage : checkA11y;
  await check(page, `${who.name}'s room`);
  await context.clock.pauseAt(new Date("2023-06-16T09:01:00+08:00"));

  const slots = page.locator("section.slot");
  expect((await slots.count()) === 2, `${who.name}'s room has two presentations, got ${await slots.count()}`);
  const first = slots.first();
  const heading = (await first.getByRole("heading", { level: 2 }).innerText()).trim();
  const m = heading.match(/^09:00–09:17 · (A\d) (.+)$/);
  expect(m, `the first slot is 09:00–09:17 and names its community: ${JSON.stringify(heading)}`);
  const [, code, community] = m;
  if (who.school === "文昌國中") expect(code !== "A1", `${who.name} is not shown 文昌進階: ${heading}`);
  await see(slots.nth(1).getByRole("heading", { level: 2 }), /^09:20–09:37 · A\d /, "the second slot starts after the change-over");
  const slotId = await first.getAttribute("id");

  // ---------------------------------------------------------------- the timer
  const timer = first.locator("[data-timer]");
  const display = timer.getByRole("timer");
  const startButton = timer.getByRole("button", { name: "開始計時" });
  const classes = async () => ((await timer.getAttribute("class")) || "").split(/\s+/);
  const shows = async (text, what) => {
    const now = (await display.innerText()).trim();
    expect(now === text, `${who.name}'s timer ${what}: wanted ${JSON.stringify(text)}, shows ${JSON.stringify(now)}`);
  };
  await shows("17:00", "starts at the presentation's 17 minutes");
  expect((await timer.getAttribute("data-timer")) === "1020", "the timer counts 1020 seconds");
  await startButton.click();
  await timer.getByRole("button", { name: "暫停" }).waitFor();
  expect((await classes()).includes("running"), `the running timer is marked running: ${await classes()}`);
  await shows("17:00", "has not moved before the clock does");
  await context.clock.runFor(1000);
  await shows("16:59", "counts down a second");
  // Fourteen minutes at once (the interval fires once, as after a tablet's sleep), then by the
  // minute with every tick run.
  await context.clock.fastForward(14 * 60_000 - 1000);
  await context.clock.runFor(60_000); // 15 minutes since the start
  await shows("2:00", "after 15 minutes");
  expect(!(await classes()).includes("last-minute"), `two minutes left is not the last minute yet: ${await classes()}`);
  await context.clock.runFor(60_000); // 16 minutes
  await shows("1:00", "after 16 minutes");
  let now = await classes();
  expect(now.includes("last-minute") && !now.includes("over"), `the last minute is marked: ${now}`);
  await context.clock.runFor(2 * 60_000); // 18 minutes
  await shows("+1:00 時間到", "a minute over after 18 minutes");
  now = await classes();
  expect(now.includes("over") && !now.includes("last-minute"), `overtime is marked over, no longer last-minute: ${now}`);
  await timer.getByRole("button", { name: "暫停" }).click();
  await startButton.waitFor();
  expect(!(await classes()).includes("running"), `the paused timer is not running: ${await classes()}`);
  await context.clock.runFor(60_000);
  await shows("+1:00 時間到", "stands still while paused");
  // The second presentation's timer was never touched.
  expect((await slots.nth(1).getByRole("timer").innerText()).trim() === "17:00", "the next slot's timer is untouched");

  // ---------------------------------------------------------------- the score
  const scoreBox = first.getByLabel("現場發表（0–60）");
  const commentBox = first.getByLabel("評語", { exact: true });
  await scoreBox.fill("61");
  await commentBox.fill(who.comment);
  await first.getByRole("button", { name: "送出評分" }).click();
  // Refused: shown again in the same slot, with what was typed.
  const refusedSlot = page.locator(`#${slotId}`);
  await see(refusedSlot.getByRole("alert"), "分數須介於 0 與 60 之間", `${who.name}'s out-of-range score is refused in its slot`);
  expect((await page.getByRole("alert").count()) === 1, `only that slot shows a problem: ${await page.getByRole("alert").allInnerTexts()}`);
  expect((await refusedSlot.getByLabel("現場發表（0–60）").inputValue()) === "61", "the typed 61 is kept");
  expect((await refusedSlot.getByLabel("評語", { exact: true }).inputValue()) === who.comment, "the typed comment is kept");
  expect((await refusedSlot.locator(".badge.ok").count()) === 0, "nothing was submitted");
  await context.clock.resume();
  await check(page, `${who.name}'s room refusing a score`);
  await checkFieldErrors(page, `${who.name}'s room refusing a score`);

  await refusedSlot.getByLabel("現場發表（0–60）").fill(who.score);
  await refusedSlot.getByRole("button", { name: "送出評分" }).click();
  await page.waitForURL(`${server.url}/review/room/${who.room}#${slotId}`);
  await see(page.getByRole("status"), "已送出評分，謝謝您", `${who.name}'s submission is confirmed`);
  const done = page.locator(`#${slotId}`);
  await see(done.locator(".badge.ok"), "已送出（第 1 版）", `${who.name}'s slot shows version 1`);
  const shown = (await done.locator(".score-value").innerText()).trim();
  expect(shown === who.score, `${who.name}'s slot shows the score ${who.score}: ${shown}`);
  expect((await done.getByLabel("評語", { exact: true }).inputValue()) === who.comment, "the comment is shown back");
  await done.getByLabel("修改原因").waitFor();
  expect((await done.getByRole("button", { name: "送出修改" }).count()) === 1, "a further change is a reasoned change");
  expect((await page.getByRole("alert").count()) === 0, "no problem is left on the page");
  await check(page, `${who.name}'s room with a score submitted`);
  const box = await done.boundingBox();
  const viewport = page.viewportSize();
  expect(box && box.y >= -1 && box.y < viewport.height, `the page is at the slot: ${JSON.stringify(box)} in ${JSON.stringify(viewport)}`);
  return { code, community };
}

export default async function () {
  const server = await startServer({ LINXUAN_NOW: SERVER_NOW });
  const browser = await launchBrowser();
  const contexts = [];
  try {
    // ---------------------------------------------------------------- the office prepares
    const office = await setUpAdmin(browser, server);
    const dialogs = [];
    office.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.accept();
    });
    await importCsv(office, server, "schools", SCHOOLS);
    await office.getByText("匯入完成").waitFor();
    await importCsv(office, server, "communities", COMMUNITIES);
    await see(office.getByRole("status"), "新增 4 個社群", "the import added four advanced communities");

    const links = {};
    for (const who of [WANG, LEE]) {
      await office.goto(`${server.url}/office/review/reviewers`);
      // The invitation form; the reviewers already invited are listed below with their own fields.
      const invite = office.locator("form").filter({ has: office.getByRole("button", { name: "送出邀請" }) });
      await invite.getByLabel("姓名").fill(who.name);
      await invite.getByLabel("電子郵件").fill(who.email);
      await invite.getByLabel("服務單位").fill(who.affiliation);
      if (who.school) await invite.getByLabel("任職學校").selectOption({ label: who.school });
      await invite.getByRole("button", { name: "送出邀請" }).click();
      await see(office.getByRole("status"), `已邀請 ${who.name}`, `${who.name}'s invitation is confirmed`);
      links[who.email] = await office.getByLabel("一次性連結", { exact: true }).inputValue();
      expect(/\/invite\/[0-9a-f]+$/.test(links[who.email]), `${who.name}'s invitation link is shown: ${links[who.email]}`);
    }

    // Each reviewer accepts on their own device.
    const pages = {};
    for (const who of [WANG, LEE]) {
      const context = await browser.newContext({ locale: "zh-TW", ...who.device });
      contexts.push(context);
      const page = await context.newPage();
      page.on("dialog", (dialog) => dialog.accept());
      await acceptInvite(page, links[who.email], who.name, who.password);
      await page.waitForURL(`${server.url}/review`);
      await see(page.locator("main"), "目前沒有指派給您的社群", `${who.name} has nothing assigned yet`);
      expect((await page.getByRole("link", { name: /我的發表場地/ }).count()) === 0, `${who.name} has no room yet`);
      pages[who.email] = page;
    }

    // ---------------------------------------------------------------- rooms and schedule
    await office.goto(`${server.url}/office/review`);
    await office.getByRole("link", { name: "現場發表", exact: true }).click();
    await office.waitForURL(`${server.url}/office/review/presentation`);
    await see(office.getByRole("heading", { level: 2 }), /現場發表：112年6月16日/, "the page names the presentation day");
    expect((await office.locator("section.schedule").count()) === 2, "two rooms, both empty");
    await office.getByLabel(`場地 ${WANG.name}`).selectOption({ label: "第 1 場地" });
    await office.getByLabel(`場地 ${LEE.name}`).selectOption({ label: "第 2 場地" });
    await office.getByRole("button", { name: "儲存", exact: true }).click();
    await see(office.getByRole("status"), "已儲存委員場地", "the rooms are saved");
    expect((await office.getByLabel(`場地 ${LEE.name}`).inputValue()) === "2", "李校長 stays in room 2 after saving");
    await see(roomSection(office, 1).locator("p"), `委員：${WANG.name}`, "room 1 names its reviewer");
    await see(roomSection(office, 2).locator("p"), `委員：${LEE.name}`, "room 2 names its reviewer");

    await office.getByRole("button", { name: "排定發表順序（4 個社群）" }).click();
    await see(office.getByRole("status"), "已排定 4 個社群的發表順序", "the schedule is built");
    expect(dialogs.includes("重新排定會取代目前的發表順序，確定嗎？"), `building asked first: ${JSON.stringify(dialogs)}`);
    const built = await schedule(office);
    for (const n of [1, 2]) {
      expect(built[n].length === 2, `room ${n} has two presentations: ${JSON.stringify(built)}`);
      expect(/^1\s+09:00–09:17\s+A\d/.test(built[n][0]) && /^2\s+09:20–09:37\s+A\d/.test(built[n][1]), `room ${n} runs 09:00–09:17, 09:20–09:37: ${JSON.stringify(built[n])}`);
    }
    expect(built[1].some((r) => r.includes("A1 文昌進階")), `文昌進階 is kept out of 李校長's room: ${JSON.stringify(built)}`);
    expect((await office.getByRole("alert").count()) === 0, "the schedule has no problems");
    await checkA11y(office, "the presentation page with the schedule built");

    // Moving 文昌進階 into 李校長's room is refused, naming both; nothing changes.
    await office.getByLabel("社群名稱").selectOption({ label: "A1 文昌進階" });
    await office.getByLabel("場地", { exact: true }).selectOption("2");
    await office.getByLabel("第幾位").fill("1");
    await office.getByRole("button", { name: "移動（該時段已有社群時互換）" }).click();
    await see(office.getByRole("alert"), /A1 文昌進階.*場地 2.*李校長.*須利益迴避/, "the move is refused, naming the community, room and reviewer");
    await checkA11y(office, "the presentation page refusing a move");
    await office.goto(`${server.url}/office/review/presentation`);
    const after = await schedule(office);
    expect(JSON.stringify(after) === JSON.stringify(built), `the refused move changed nothing: ${JSON.stringify(after)} vs ${JSON.stringify(built)}`);

    await office.getByRole("button", { name: "依場地指派委員" }).click();
    // Each room: two communities × (written review + presentations) for its one reviewer.
    await see(office.getByRole("status"), "已新增 8 筆指派", "the rooms' assignments are made");
    expect((await office.locator(".flash.error").count()) === 0, "nobody was skipped for a conflict");

    // The printable schedule: the rooms, no controls.
    await office.getByRole("link", { name: "列印議程" }).click();
    await office.waitForURL(`${server.url}/office/review/presentation/print`);
    const printed = await schedule(office);
    expect(JSON.stringify(printed) === JSON.stringify(built), `the print view shows the schedule: ${JSON.stringify(printed)}`);
    const main = office.locator("main");
    const controls = await main.locator("form, button, select, input, textarea, a.button").count();
    expect(controls === 0, `the print view has no forms or buttons, found ${controls}`);
    await checkA11y(office, "the printable schedule");
    await office.emulateMedia({ media: "print" });
    const visibleButtons = await office.locator("button:visible, form:visible, a.button:visible").count();
    expect(visibleButtons === 0, `printed, nothing to press shows (header too), found ${visibleButtons}`);
    await office.emulateMedia({ media: null });

    // ---------------------------------------------------------------- the board stays open
    await office.goto(`${server.url}/office/review/board`);
    await office.locator("[data-live='/office/review/board/version']").waitFor({ state: "attached" });
    let loads = 0;
    office.on("load", () => (loads += 1));
    const board = office.locator("main");
    await checkA11y(office, "the live board before the presentations");
    const before = await board.innerText();
    for (const who of [WANG, LEE]) expect(!before.includes(who.score), `no ${who.score} on the board yet`);

    // ---------------------------------------------------------------- both rooms at once
    const [wang, lee] = await Promise.all([
      runRoom(server, WANG, pages[WANG.email]),
      runRoom(server, LEE, pages[LEE.email]),
    ]);
    expect(wang.code !== lee.code, `two different communities were scored: ${wang.code}, ${lee.code}`);

    // The board reloads itself when scores arrive: no reload here.
    const group = board.locator("section.card").filter({ has: office.getByRole("heading", { name: "進階組", level: 2 }) });
    for (const [who, scored] of [[WANG, wang], [LEE, lee]]) {
      const row = group.locator("tbody tr").filter({ hasText: `${scored.code} ${scored.community}` });
      const shown = Number(who.score).toFixed(2);
      await see(row, shown, `the board shows ${who.name}'s ${shown} for ${scored.code} without a manual reload`, 6_000);
      // In the presentation column, not only somewhere in the row.
      const headers = await group.locator("thead th").allInnerTexts();
      const column = headers.findIndex((h) => h.trim() === "現場發表");
      const cell = (await row.locator(":scope > td").nth(column).innerText()).trim();
      expect(column > 0 && cell === shown, `the 現場發表 column (${column} of ${JSON.stringify(headers)}) holds ${shown}: ${cell}`);
    }
    expect(loads >= 1, `the board page reloaded by itself (${loads} loads)`);
    await see(board, /尚有 6 份評分未送出/, "the board counts the six scores still to come");

    // ---------------------------------------------------------------- the board never loses what is open
    // A section the office opened stays open across the automatic reload.
    const rowOf = (scored) => group.locator("tbody tr").filter({ hasText: `${scored.code} ${scored.community}` });
    const wangDetails = rowOf(wang).locator("details").filter({ hasText: "各委員評分" });
    await wangDetails.locator("summary").click();
    expect(await wangDetails.evaluate((d) => d.open), "the reviewers' scores are open");
    const changeScore = async (who, scored, value, reason) => {
      const page = pages[who.email];
      const slot = page.locator("section.slot").filter({ hasText: `${scored.code} ${scored.community}` });
      await slot.getByLabel("現場發表（0–60）").fill(value);
      await slot.getByLabel("修改原因").fill(reason);
      await slot.getByRole("button", { name: "送出修改" }).click();
      await see(page.getByRole("status"), "已送出修改。", `${who.name}'s change is confirmed`);
    };
    let loadsBefore = loads;
    await changeScore(LEE, lee, "50", "計分更正");
    await see(rowOf(lee), "50.00", "the board shows 李校長's changed score by itself", 6_000);
    expect(loads > loadsBefore, `the board reloaded by itself (${loadsBefore} → ${loads})`);
    expect(await wangDetails.evaluate((d) => d.open), "the section the office opened is still open after the reload");
    // While the office is filling in a form on the board, it is not reloaded under their hands:
    // a button offers the reload instead.
    await office.locator("#year-switch").selectOption({ index: 0 });
    loadsBefore = loads;
    await changeScore(WANG, wang, "56", "計分更正");
    const offer = office.getByRole("button", { name: /有新的評分/ });
    await offer.waitFor({ timeout: 6_000 });
    expect(loads === loadsBefore, `no reload while a form is being filled in (${loadsBefore} → ${loads})`);
    expect(!(await rowOf(wang).innerText()).includes("56.00"), "the page has not changed under the office's hands");
    await offer.click();
    await see(rowOf(wang), "56.00", "pressing the button brings 王教授's change");
    expect(loads > loadsBefore, "the button reloaded the page");
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    await browser.close();
    await server.stop();
  }
}
