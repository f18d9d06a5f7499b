// The office's first morning: open the one-time link the server printed, become the first
// administrator, and import the city's school list — a file with a mistake first, then the
// corrected one.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkA11y, checkPhonePage, expect, launchBrowser, startServer } from "../harness.mjs";

export default async function () {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ locale: "zh-TW" });
    await page.goto(server.setupLink);
    await checkA11y(page, "the first-run set-up page");
    await page.getByLabel("姓名").fill("王承辦");
    await page.getByLabel("電子郵件").fill("office@tyc.edu.tw");
    await page.getByLabel("新密碼", { exact: true }).fill("correct horse 1");
    await page.getByLabel("再輸入一次新密碼").fill("correct horse 1");
    await page.getByRole("button", { name: "設定密碼" }).click();
    await page.waitForURL(`${server.url}/office`);
    expect(await page.getByRole("heading", { level: 1 }).innerText().then((t) => t.includes("111學年度")), "the dashboard names the year's plan");
    expect(await page.getByText("已完成設定").isVisible(), "a welcome message");
    await checkA11y(page, "the dashboard");

    // The link works once.
    const again = await browser.newPage();
    const response = await again.goto(server.setupLink);
    expect(response.status() === 410, `a used set-up link answers 410, got ${response.status()}`);
    await again.close();

    await page.getByRole("navigation").getByRole("link", { name: "學校", exact: true }).click();
    await page.waitForURL(`${server.url}/office/schools`);

    const bad = join(server.data, "bad.csv");
    writeFileSync(bad, "\uFEFF學校代碼,學校名稱,學制,行政區\r\n034601,桃園市立文昌國中,國中,桃園區\r\n034750,,國小,桃園區\r\n");
    await page.getByLabel("檔案").setInputFiles(bad);
    await page.getByRole("button", { name: "匯入", exact: true }).click();
    await page.locator("#import-problems").waitFor();
    const problems = await page.locator("#import-problems").innerText();
    expect(problems.includes("第 3 列：學校名稱不可空白"), `the problem names its line: ${problems}`);
    expect((await page.locator("#schools tbody tr").count()) === 1, "nothing was imported (only the 'no schools' row)");
    await checkA11y(page, "the schools page refusing an import");

    const good = join(server.data, "schools.csv");
    writeFileSync(
      good,
      "\uFEFF學校代碼,學校名稱,學制,行政區\r\n034601,桃園市立文昌國中,國中,桃園區\r\n034750,桃園市桃園區西門國民小學,國小,桃園區\r\n030403,桃園市立武陵高級中等學校,高中,桃園區\r\n",
    );
    await page.getByLabel("檔案").setInputFiles(good);
    await page.getByRole("button", { name: "匯入", exact: true }).click();
    await page.getByText("匯入完成：新增 3 校").waitFor();
    const rows = await page.locator("#schools tbody tr").allInnerTexts();
    expect(rows.length === 3, `three schools listed, got ${rows.length}`);
    expect(rows.some((r) => r.includes("桃園市桃園區西門國民小學") && r.includes("國小")), "the elementary school with its level");

    await checkA11y(page, "the schools page");
    // Readable on a phone: the table scrolls inside its box, the page does not.
    await page.setViewportSize({ width: 375, height: 740 });
    await checkPhonePage(page, "the schools page on a phone");
    await page.screenshot({ path: join(process.env.SCREENSHOTS || server.data, "schools-phone.png"), fullPage: true });
  } finally {
    await browser.close();
    await server.stop();
  }
}
