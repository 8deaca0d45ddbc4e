// The web console in Debian's chromium (playwright-core), against the
// certprintd and private CUPS that run_console_tests.sh started. Each screen
// is saved as a screenshot in SCREENSHOT_DIR.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";

const { chromium } = await import(process.env.PLAYWRIGHT);
const url = process.env.CONSOLE_URL;
const shots = process.env.SCREENSHOT_DIR;
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--no-sandbox"], // root in CI: chromium's sandbox needs an unprivileged user
  });
});
after(async () => {
  await browser.close();
});

// A fresh browser profile at 1366×768 (the desk's screen), in `locale`.
async function open_page(locale = "zh-CN") {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url + "/");
  return { context, page, errors };
}

async function sign_in(page, token) {
  await page.getByLabel("API 令牌（登记员或技术员）").fill(token);
  await page.getByRole("button", { name: "登录" }).click();
}

// A call from inside the page, as its own script would make it.
function fetch_in(page, method, route, headers = {}) {
  return page.evaluate(
    async ([method, route, headers]) => {
      const r = await fetch(route, { method, headers, credentials: "same-origin" });
      let body = null;
      try {
        body = await r.json();
      } catch {}
      return { status: r.status, body };
    },
    [method, route, headers],
  );
}

test("a clerk signs in and sees each printer's state; the session is a cookie no script reads", async () => {
  const { context, page, errors } = await open_page();
  await page.screenshot({ path: path.join(shots, "sign-in.png") });
  await sign_in(page, process.env.CLERK_TOKEN);
  await page.getByRole("heading", { name: "打印机", exact: true }).waitFor();
  assert.equal(await page.locator("#who-name").innerText(), "clerk-desk1");
  assert.equal(await page.locator("#who-role").innerText(), "登记员");
  const row = page.locator("#printer-rows tr", { hasText: "desk" });
  assert.equal(await row.locator("td").nth(1).innerText(), "空闲");
  assert.equal(await row.locator("td").nth(2).innerText(), "纸盒");
  assert.equal(await row.locator("td").nth(3).innerText(), "无");
  const counter = page.locator("#printer-rows tr", { hasText: "counter" });
  assert.equal(await counter.locator("td").nth(2).innerText(), "存折式（逐页插入）");
  // The technician's screens are not the clerk's.
  assert.equal(await page.locator("#calibration").isVisible(), false);
  await page.screenshot({ path: path.join(shots, "clerk-printers.png") });

  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "certprint_session");
  assert.ok(session, "no session cookie");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  assert.equal(session.path, "/");
  assert.equal(session.secure, false); // plain HTTP here; Secure under TLS (console_http_test)
  const hours = (session.expires - Date.now() / 1000) / 3600;
  assert.ok(hours > 7.9 && hours <= 8, `the cookie lasts ${hours} h`);
  assert.equal(await page.evaluate(() => document.cookie), "");
  // The token typed is not kept: not in the field, not in storage.
  assert.equal(await page.getByLabel("API 令牌（登记员或技术员）").inputValue(), "");
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  assert.ok(!stored.includes(process.env.CLERK_TOKEN));

  // Loaded again, the page knows who is signed in.
  await page.reload();
  await page.getByRole("heading", { name: "打印机", exact: true }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

// The registry submits a sample, as it would when a clerk saves a record.
async function submit(sample) {
  const body = await readFile(path.join(process.env.SOURCE_DIR, "samples", sample), "utf8");
  const r = await fetch(url + "/v1/issuances", {
    method: "POST",
    headers: { Authorization: "Bearer " + process.env.REGISTRY_TOKEN, "Content-Type": "application/json" },
    body,
  });
  assert.ok(r.status === 201 || r.status === 200, `submit ${sample}: ${r.status}`);
}

test("a clerk sees today's registrations, names masked until the screen is private, by state", async () => {
  await submit("marriage.json");
  await submit("divorce.json");
  const { context, page, errors } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  await page.getByRole("heading", { name: "今日登记" }).waitFor();
  const rows = page.locator("#issuance-rows tr");
  assert.equal(await rows.count(), 2);
  // Newest first: the divorce, submitted last.
  assert.deepEqual(
    (await rows.nth(0).locator("td").allInnerTexts()).map((c) => c.trim()),
    ["", "L440106-2026-000045", "离婚", "王* · A*", "男方 待打印女方 待打印",
     "一键打印证书《离婚证》男《离婚证》女记录"],
  );
  assert.equal(await rows.nth(1).locator("td").nth(3).innerText(), "张* · 李*");
  const html = await page.locator("#issuance-rows").innerText();
  assert.ok(!html.includes("张伟") && !html.includes("Anna"), "a full name on a public screen");
  await page.screenshot({ path: path.join(shots, "clerk-issuances.png") });

  await page.getByLabel("显示全名（屏幕不对外时）").check();
  assert.equal(await rows.nth(1).locator("td").nth(3).innerText(), "张伟 · 李娜");
  assert.equal(await rows.nth(0).locator("td").nth(3).innerText(), "王强 · Anna Schmidt");

  await page.getByLabel("显示", { exact: true }).selectOption("printed");
  await page.getByText("没有要显示的登记。").waitFor();
  assert.equal(await rows.count(), 0);
  await page.getByLabel("显示", { exact: true }).selectOption("ready");
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  assert.deepEqual(errors, []);
  await context.close();
});

// The documents the virtual printer received, in the order it got them.
async function received() {
  const files = (await readdir(process.env.EVE_SPOOL)).filter((f) => f.endsWith(".pdf"));
  files.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  return files.map((f) => path.join(process.env.EVE_SPOOL, f));
}
// A page's first line of text: the holder's name on an information page,
// nothing on page 5 (its QR is an image).
function first_line(pdf) {
  const text = execFileSync("pdftotext", ["-layout", pdf, "-"], { encoding: "utf8" });
  return text.split("\n").map((l) => l.trim()).find((l) => l.length > 0) || "";
}

test("a clerk prints one-click, watches each page complete, and the printer gets them in order", async () => {
  await submit("marriage.json");
  const before_print = (await received()).length;
  const { context, page, errors } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  const row = page.locator("#issuance-rows tr", { hasText: "J440106-2026-000123" });
  await row.getByRole("button", { name: "一键打印证书" }).click();
  await page.getByText("打印完成，请核对后确认。").waitFor({ timeout: 60000 });
  assert.deepEqual(await page.locator("#progress-pages li").allInnerTexts(), [
    "男方 信息页：已完成",
    "男方 第5页（二维码）：已完成",
    "女方 信息页：已完成",
    "女方 第5页（二维码）：已完成",
  ]);
  // The list follows: both booklets wait for the clerk's confirmation.
  await row.locator(".chip.printed").nth(1).waitFor();
  // Nothing left to print: the history is all the row offers there.
  assert.deepEqual(await row.locator("td.actions button").allInnerTexts(), ["记录"]);
  assert.equal(await row.getByRole("button", { name: /^确认 / }).count(), 2);
  await page.screenshot({ path: path.join(shots, "clerk-printed.png") });

  // What the printer received: male info, male page 5, female info, female page 5.
  const pages = (await received()).slice(before_print);
  assert.equal(pages.length, 4);
  assert.deepEqual(pages.map(first_line), ["张伟", "", "李娜", ""]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a clerk prints one booklet with the notice's own button", async () => {
  await submit("divorce.json");
  const before_print = (await received()).length;
  const { context, page } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  const row = page.locator("#issuance-rows tr", { hasText: "L440106-2026-000045" });
  await row.getByRole("button", { name: "《离婚证》女" }).click();
  await page.getByText("打印完成，请核对后确认。").waitFor({ timeout: 60000 });
  assert.equal(await page.locator("#progress-pages li").count(), 2);
  const pages = (await received()).slice(before_print);
  assert.deepEqual(pages.map(first_line), ["Anna Schmidt", ""]);
  // The husband's booklet still waits; one-click is gone (one booklet printed).
  await row.getByRole("button", { name: "《离婚证》男" }).waitFor();
  assert.equal(await row.getByRole("button", { name: "一键打印证书" }).count(), 0);
  await context.close();
});

async function verify(qr) {
  const r = await fetch(url + "/v1/verify", {
    method: "POST",
    headers: { Authorization: "Bearer " + process.env.VERIFIER_TOKEN, "Content-Type": "application/json" },
    body: JSON.stringify({ token: qr }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).result;
}

test("a clerk confirms a booklet, voids the other on a new blank after being asked twice, and reprints it", async () => {
  const { context, page, errors } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  const row = page.locator("#issuance-rows tr", { hasText: "J440106-2026-000123" });
  await row.locator(".chip.printed").nth(1).waitFor(); // printed by the one-click test
  const listed = await fetch_in(page, "GET", "/v1/issuances?state=printed");
  const marriage = listed.body.issuances.find((i) => i.certificate_no === "J440106-2026-000123");
  const old_qr = marriage.booklets.find((b) => b.holder === "female").qr;
  assert.equal(await verify(old_qr), "match");

  await row.getByRole("button", { name: "确认 J440106-2026-000123 男方" }).click();
  await row.locator(".chip.confirmed").waitFor();
  assert.equal(await row.locator(".chip.confirmed").innerText(), "男方 已确认");

  // 作废: the reason and the new blank, then asked once more; Cancel first.
  await row.getByRole("button", { name: "作废 J440106-2026-000123 女方" }).click();
  await page.getByRole("button", { name: "取消" }).first().click();
  assert.equal(await page.locator("#void-dialog").isVisible(), false);
  assert.equal(await verify(old_qr), "match");
  await row.getByRole("button", { name: "作废 J440106-2026-000123 女方" }).click();
  await page.getByLabel("作废原因").fill("墨迹污损");
  await page.getByLabel("新空白证书编号（10位数字）").fill("4400269001");
  await page.getByRole("button", { name: "下一步" }).click();
  const question = await page.locator("#void-question").innerText();
  assert.ok(question.includes("女方") && question.includes("4400260102"), question);
  await page.screenshot({ path: path.join(shots, "clerk-void-asks-again.png") });
  await page.getByRole("button", { name: "确认作废" }).click();
  await page.getByRole("alert").filter({ hasText: "已作废，新证书待打印。" }).waitFor();
  assert.equal(await verify(old_qr), "voided");

  // The new blank prints with the notice's button.
  const before_print = (await received()).length;
  await row.getByRole("button", { name: "《结婚证》女" }).click();
  await page.getByText("打印完成，请核对后确认。").waitFor({ timeout: 60000 });
  const pages = (await received()).slice(before_print);
  assert.deepEqual(pages.map(first_line), ["李娜", ""]);
  const after = await fetch_in(page, "GET", "/v1/issuances?state=printed");
  const reprinted = after.body.issuances
    .find((i) => i.certificate_no === "J440106-2026-000123")
    .booklets.find((b) => b.holder === "female");
  assert.equal(reprinted.stock_serial, "4400269001");
  assert.equal(await verify(reprinted.qr), "match");

  // The issuance's history, each event with its time.
  await row.getByRole("button", { name: "记录 J440106-2026-000123" }).click();
  // The events arrive by a call of their own: read them once they are shown
  // (read at once, an ASan build's slower daemon once left the list empty).
  await page.locator("#history-events li", { hasText: "收到登记" }).first().waitFor();
  const history = await page.locator("#history-events li").allInnerTexts();
  assert.match(history[0], /^\d\d:\d\d:\d\d 收到登记$/);
  for (const expected of ["证书已确认 · 男方", "证书已作废 · 女方", "证书已打印 · 女方"])
    assert.ok(history.some((h) => h.endsWith(expected)), `no "${expected}" in ${history}`);
  await page.screenshot({ path: path.join(shots, "clerk-history.png") });

  // Both pages of both booklets as the printer prints them: each printer
  // dot one CSS pixel (the PNG holds it as 2 x 2), never resampled.
  const previews = page.locator("#previews img");
  assert.equal(await previews.count(), 4);
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#previews img")].every((i) => i.complete && i.naturalWidth > 0));
  for (const size of await previews.evaluateAll((imgs) =>
    imgs.map((i) => ({ natural: i.naturalWidth, shown: i.width, css: getComputedStyle(i).imageRendering })))) {
    assert.equal(size.natural, 1334); // 667 dots across 94 mm at 180 dpi, each 2 px
    assert.equal(size.shown * 2, size.natural);
    assert.equal(size.css, "pixelated");
  }
  assert.equal(await previews.first().getAttribute("alt"), "打印预览： 男方 信息页");
  await previews.first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "clerk-previews.png") });
  assert.deepEqual(errors, []);
  await context.close();
});

// A registration of its own for a test: the marriage sample under another
// id, certificate number and blanks.
async function submit_copy(n) {
  const doc = JSON.parse(await readFile(path.join(process.env.SOURCE_DIR, "samples", "marriage.json"), "utf8"));
  doc.issuance_id = `440106-20260512-00${n}`;
  doc.certificate_no = `J440106-2026-0001${n}`;
  doc.booklets.male.stock_serial = `44002611${n}`;
  doc.booklets.female.stock_serial = `44002612${n}`;
  const r = await fetch(url + "/v1/issuances", {
    method: "POST",
    headers: { Authorization: "Bearer " + process.env.REGISTRY_TOKEN, "Content-Type": "application/json" },
    body: JSON.stringify(doc),
  });
  assert.equal(r.status, 201, await r.text());
  return doc.certificate_no;
}

test("at a passbook printer the console says what to insert before each page, and waits for it", async () => {
  const certificate = await submit_copy(71);
  const { context, page, errors } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  // Every prompt the page shows, in order.
  await page.evaluate(() => {
    window.prompts = [];
    const p = document.getElementById("progress-prompt");
    new MutationObserver(() => {
      if (!p.hidden && p.textContent !== window.prompts.at(-1)) window.prompts.push(p.textContent);
    }).observe(p, { childList: true, characterData: true, subtree: true, attributes: true });
  });
  await writeFile(process.env.FAULT_FILE, "media-empty");
  const row = page.locator("#issuance-rows tr", { hasText: certificate });
  await page.locator("#printer-choice").selectOption("counter");
  await row.getByRole("button", { name: "一键打印证书" }).click();
  const prompt = page.locator("#progress-prompt");
  await page.locator("#progress-pages li", { hasText: "男方 信息页：等待放入证书" }).waitFor({ timeout: 30000 });
  assert.equal(await prompt.innerText(), "请插入男方结婚证，翻开至持证人信息页");
  assert.match(await prompt.getAttribute("class"), /waiting/);
  // Past the stall timeout (2 s here) the page still waits: not a fault.
  await new Promise((done) => setTimeout(done, 4000));
  assert.equal(await page.locator("#progress-pages li").first().innerText(), "男方 信息页：等待放入证书");
  await page.locator("#printer-rows strong", { hasText: "等待放入证书" }).waitFor();
  await page.screenshot({ path: path.join(shots, "clerk-passbook-prompt.png") });
  // The booklet goes in; each later page takes a moment, as at a real desk.
  await writeFile(process.env.FAULT_FILE, "slow 1.5");
  await page.getByText("打印完成，请核对后确认。").waitFor({ timeout: 90000 });
  await writeFile(process.env.FAULT_FILE, "");
  assert.deepEqual(await page.evaluate(() => window.prompts), [
    "请插入男方结婚证，翻开至持证人信息页",
    "请插入男方结婚证，翻开至第5页",
    "请插入女方结婚证，翻开至持证人信息页",
    "请插入女方结婚证，翻开至第5页",
  ]);
  assert.equal(await prompt.isVisible(), false);
  assert.deepEqual(await page.locator("#progress-pages li").allInnerTexts(), [
    "男方 信息页：已完成", "男方 第5页（二维码）：已完成", "女方 信息页：已完成", "女方 第5页（二维码）：已完成",
  ]);
  assert.deepEqual(errors, []);
  await context.close();
});

// The marks of the target on screen, each moved by (dx, dy) mm.
async function enter_marks(page, dx, dy) {
  const rows = page.locator("#cal-mark-rows tr");
  const n = await rows.count();
  assert.equal(n, 5);
  for (let i = 0; i < n; ++i) {
    const cells = rows.nth(i).locator("td");
    const x = Number(await cells.nth(0).innerText()), y = Number(await cells.nth(1).innerText());
    await rows.nth(i).locator("input").nth(0).fill((x + dx).toFixed(2));
    await rows.nth(i).locator("input").nth(1).fill((y + dy).toFixed(2));
  }
}

async function calibration_of(page, printer) {
  return (await fetch_in(page, "GET", `/v1/printers/${printer}/calibration`)).body;
}

test("a technician prints a target, enters marks, sees residuals, saves, verifies and rolls back", async () => {
  const { context, page, errors } = await open_page();
  await sign_in(page, process.env.TECH_TOKEN);
  await page.getByRole("heading", { name: "打印机校准" }).waitFor();
  assert.equal(await page.locator("#issuances").isVisible(), false);
  await page.locator("#cal-printer").selectOption("desk");
  await page.locator("#cal-page").selectOption("info");
  const before_print = (await received()).length;
  await page.getByRole("button", { name: "打印校准页" }).click();
  await page.getByText("校准页已打印。").waitFor({ timeout: 60000 });
  assert.equal((await received()).length, before_print + 1);

  // The printer lands everything 0.6 mm right and 0.4 mm high; one mark is
  // read 0.2 mm off.
  await enter_marks(page, 0.6, -0.4);
  const c = page.locator("#cal-mark-rows tr").nth(4).locator("input").first();
  await c.fill((Number(await c.inputValue()) + 0.2).toFixed(2));
  await page.getByRole("button", { name: "计算" }).click();
  await page.locator("#cal-summary", { hasText: "仿射" }).waitFor();
  assert.equal(await page.locator("#cal-residuals line.residual").count(), 5);
  assert.equal(await page.locator("#cal-residual-rows tr").count(), 5);
  const worst = await page.locator("#cal-residual-rows tr").evaluateAll((rows) =>
    rows.map((r) => ({ label: r.dataset.label, mm: Number(r.cells[1].textContent) }))
        .sort((a, b) => b.mm - a.mm)[0]);
  assert.equal(worst.label, "E");
  assert.ok(worst.mm > 0.1, JSON.stringify(worst));
  await page.screenshot({ path: path.join(shots, "technician-fit.png"), fullPage: true });
  await page.getByRole("button", { name: "保存校准" }).click();
  await page.getByRole("alert").filter({ hasText: "已保存为第1版校准" }).waitFor();
  let cal = await calibration_of(page, "desk");
  assert.equal(cal.current.version, 1);
  const v1 = cal.current.profile;
  assert.ok(Math.abs(v1.pages.info.matrix[4] + 0.6) < 0.1, JSON.stringify(v1));

  // 验证: the corrected target lands where it should; refining saves version 2.
  await page.getByRole("button", { name: "验证" }).click();
  await page.getByText("验证页已按当前校准打印").waitFor({ timeout: 60000 });
  assert.equal((await received()).length, before_print + 2);
  await enter_marks(page, 0, 0);
  await page.getByRole("button", { name: "计算" }).click();
  await page.locator("#cal-summary", { hasText: "最大残差 0.00 毫米" }).waitFor();
  await page.getByRole("button", { name: "保存校准" }).click();
  await page.getByRole("alert").filter({ hasText: "已保存为第2版校准" }).waitFor();

  // 回滚 to version 1: it is back in force as version 3.
  await page.locator("#cal-versions tr[data-version='1']").getByRole("button", { name: "回滚 版本 1" }).click();
  await page.getByRole("alert").filter({ hasText: "第1版的校准已恢复，保存为第3版" }).waitFor();
  cal = await calibration_of(page, "desk");
  assert.equal(cal.current.version, 3);
  assert.deepEqual(cal.current.profile, v1);
  assert.equal(await page.locator("#cal-versions tr").count(), 3);
  await page.screenshot({ path: path.join(shots, "technician-versions.png"), fullPage: true });

  // A bad reading is refused in the technician's words, and nothing is saved.
  await page.getByRole("button", { name: "打印校准页" }).click();
  await page.getByText("校准页已打印。").waitFor({ timeout: 60000 });
  await enter_marks(page, 0, 0);
  await page.locator("#cal-mark-rows tr").nth(4).locator("input").first().fill("10");
  await page.getByRole("button", { name: "计算" }).click();
  await page.getByRole("alert").filter({ hasText: "校准未通过：" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "保存校准" }).isDisabled(), true);
  assert.equal((await calibration_of(page, "desk")).current.version, 3);

  // The target to print elsewhere.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "下载离线校准图（PDF）" }).click(),
  ]);
  const pdf = await readFile(await download.path());
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
  assert.equal(download.suggestedFilename(), "certprint-target-info.pdf");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a print button appears only once there is a printer to print on", async () => {
  const { context, page } = await open_page();
  // A slow answer to the printers' list (a printer that is slow to say how
  // it stands): the buttons must wait for it.
  await page.route("**/v1/printers", async (route) => {
    await new Promise((done) => setTimeout(done, 1500));
    await route.continue();
  });
  await sign_in(page, process.env.CLERK_TOKEN);
  const row = page.locator("#issuance-rows tr", { hasText: "L440106-2026-000045" });
  await row.getByRole("button", { name: "《离婚证》男" }).click();
  await page.getByText("打印完成，请核对后确认。").waitFor({ timeout: 60000 });
  await context.close();
});

test("registry and verifier tokens cannot sign in; a wrong token is told so", async () => {
  const { context, page } = await open_page();
  for (const token of [process.env.REGISTRY_TOKEN, process.env.VERIFIER_TOKEN]) {
    await sign_in(page, token);
    await page.getByRole("alert").filter({ hasText: "此令牌的角色不能使用控制台" }).waitFor();
    assert.equal(await page.locator("#printers").isVisible(), false);
  }
  await sign_in(page, "x".repeat(40));
  await page.getByRole("alert").filter({ hasText: "令牌无效" }).waitFor();
  await page.screenshot({ path: path.join(shots, "sign-in-refused.png") });
  assert.equal((await context.cookies()).length, 0);
  await context.close();
});

test("through the cookie, a call that changes state needs the CSRF token", async () => {
  const { context, page } = await open_page();
  await sign_in(page, process.env.TECH_TOKEN);
  await page.getByRole("heading", { name: "打印机", exact: true }).waitFor();
  const without = await fetch_in(page, "POST", "/v1/printers/desk/release");
  assert.equal(without.status, 403);
  assert.equal(without.body.error.code, "csrf");
  const session = await fetch_in(page, "GET", "/console/session");
  assert.equal(session.status, 200);
  const wrong = await fetch_in(page, "POST", "/v1/printers/desk/release", {
    "X-CSRF-Token": "0".repeat(64),
  });
  assert.equal(wrong.status, 403);
  const right = await fetch_in(page, "POST", "/v1/printers/desk/release", {
    "X-CSRF-Token": session.body.csrf,
  });
  assert.equal(right.status, 200, JSON.stringify(right.body));
  await context.close();
});

test("a clerk's session cannot make a technician's calls", async () => {
  const { context, page } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  await page.getByRole("heading", { name: "打印机", exact: true }).waitFor();
  const csrf = (await fetch_in(page, "GET", "/console/session")).body.csrf;
  const calibration = await fetch_in(page, "GET", "/v1/printers/desk/calibration");
  assert.equal(calibration.status, 403);
  const fit = await fetch_in(page, "POST", "/v1/printers/desk/calibration/fit", { "X-CSRF-Token": csrf });
  assert.equal(fit.status, 403);
  assert.equal(fit.body.error.code, "forbidden");
  assert.equal((await fetch_in(page, "GET", "/v1/calibration/chart?page=info")).status, 403);
  assert.equal(await page.locator("#calibration").isVisible(), false);
  const stock = await fetch_in(page, "GET", "/v1/stock/movements", { "X-CSRF-Token": csrf });
  assert.equal(stock.status, 403);
  assert.equal(stock.body.error.code, "forbidden");
  await context.close();
});

test("a page whose session was replaced fetches the new CSRF token and goes on", async () => {
  const { context, page, errors } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  await page.getByRole("heading", { name: "打印机", exact: true }).waitFor();
  // Signing in again elsewhere in this browser replaces the cookie: the
  // page's CSRF token belongs to the old session now.
  const again = await fetch_in(page, "POST", "/console/session", {
    Authorization: "Bearer " + process.env.CLERK_TOKEN,
  });
  assert.equal(again.status, 201);
  await page.getByRole("button", { name: "退出" }).click();
  await page.getByRole("alert").filter({ hasText: "已退出" }).waitFor();
  assert.equal((await fetch_in(page, "GET", "/console/session")).status, 401);
  assert.equal(await page.locator("#issuances").isVisible(), false);
  assert.equal(await page.locator("#issuance-rows tr").count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("signing out ends the session for good", async () => {
  const { context, page } = await open_page();
  await sign_in(page, process.env.CLERK_TOKEN);
  await page.getByRole("heading", { name: "打印机", exact: true }).waitFor();
  const before_out = (await context.cookies()).find((c) => c.name === "certprint_session");
  await page.getByRole("button", { name: "退出" }).click();
  await page.getByRole("alert").filter({ hasText: "已退出" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "登录" }).isVisible(), true);
  assert.equal((await fetch_in(page, "GET", "/console/session")).status, 401);
  // The old cookie, put back, is no session any more.
  await context.addCookies([before_out]);
  assert.equal((await fetch_in(page, "GET", "/v1/printers")).status, 401);
  await context.close();
});

test("English for an English browser, and by the switch; the keyboard alone signs in", async () => {
  const { context, page } = await open_page("en-US");
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  // The cursor starts in the token field; the language switch is a Shift+Tab
  // away, and Tab comes back. Type, Enter.
  await page.waitForFunction(() => document.activeElement.id === "token");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "lang");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "token");
  await page.keyboard.type(process.env.TECH_TOKEN);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Printers", exact: true }).waitFor();
  assert.equal(await page.locator("#who-role").innerText(), "Technician");
  await page.screenshot({ path: path.join(shots, "technician-printers-en.png") });
  await page.getByLabel("Language").selectOption("zh");
  await page.getByRole("heading", { name: "打印机", exact: true }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
  await context.close();
});
