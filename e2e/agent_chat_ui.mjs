// Agent Chat UI against langgraph-sse, in headless Chromium (playwright-core).
//
// Started by e2e/agent_chat_ui.py, which builds the UI, starts the servers and passes:
//   E2E_UI_URL        the UI (http://localhost:3000: the example's CORS allows this origin)
//   E2E_API_URL       the example app's LangGraph API (http://127.0.0.1:2024/lg)
//   E2E_HITL_API_URL  optional: e2e/hitl_app.py's API, for the resume through the UI's widget
//   E2E_REPLIES       JSON list of what the fake model answers (examples/_model.py REPLIES)
//   E2E_OUT           where to write screenshots and result.json
//   E2E_RUNNER_DIR    the directory whose node_modules holds playwright-core
//   CHROMIUM          the browser (default /usr/bin/chromium)
//
// Writes E2E_OUT/result.json: {checks: [{name, ok, detail}], console, pageErrors,
// failedRequests, badResponses, apiRequests}; exits 1 if a check failed.

import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const UI = env("E2E_UI_URL", "http://localhost:3000").replace(/\/$/, "");
const API = env("E2E_API_URL", "http://127.0.0.1:2024/lg").replace(/\/$/, "");
const HITL_API = (process.env.E2E_HITL_API_URL || "").replace(/\/$/, "");
const REPLIES = JSON.parse(env("E2E_REPLIES"));
const OUT = env("E2E_OUT");
const RUNNER = env("E2E_RUNNER_DIR");
const CHROMIUM = env("CHROMIUM", "/usr/bin/chromium");
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 30000);

const require = createRequire(join(RUNNER, "package.json"));
const { chromium } = require("playwright-core");

mkdirSync(OUT, { recursive: true });

const result = {
  checks: [],
  console: [],
  pageErrors: [],
  failedRequests: [],
  badResponses: [],
  apiRequests: [],
};
let phase = "setup";
const entries = new WeakMap();
let shot = 0;

const apiOrigins = [API, HITL_API].filter(Boolean).map((u) => new URL(u).origin);
const isApi = (url) => apiOrigins.some((origin) => url.startsWith(origin));

function watch(page) {
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") {
      const loc = msg.location();
      result.console.push({
        phase,
        type: msg.type(),
        text: msg.text(),
        where: loc?.url ? `${loc.url}:${loc.lineNumber}` : undefined,
      });
    }
  });
  page.on("pageerror", (err) => result.pageErrors.push({ phase, text: String(err.stack || err) }));
  page.on("requestfailed", (req) => {
    result.failedRequests.push({
      phase,
      method: req.method(),
      url: req.url(),
      error: req.failure()?.errorText,
    });
  });
  page.on("request", (req) => {
    if (!isApi(req.url()) || req.method() === "OPTIONS") return;
    const entry = { phase, method: req.method(), url: req.url() };
    const body = req.postData();
    if (body && /\/runs/.test(req.url())) entry.body = body.slice(0, 2000);
    result.apiRequests.push(entry);
    entries.set(req, entry);
  });
  page.on("response", async (res) => {
    const req = res.request();
    const entry = entries.get(req);
    if (entry) entry.status = res.status();
    if (res.status() >= 400) {
      let body;
      try {
        body = (await res.text()).slice(0, 1000);
      } catch {
        body = undefined;
      }
      result.badResponses.push({
        phase,
        method: req.method(),
        url: res.url(),
        status: res.status(),
        request: req.postData()?.slice(0, 1000),
        body,
      });
    }
  });
}

async function screenshot(page, name) {
  shot += 1;
  const file = join(OUT, `${String(shot).padStart(2, "0")}-${name}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true });
  } catch {
    // the page may be gone; the check's own detail says why
  }
  return file;
}

async function check(name, page, body) {
  phase = name;
  const started = Date.now();
  try {
    const detail = await body();
    result.checks.push({ name, ok: true, detail, seconds: (Date.now() - started) / 1000 });
  } catch (err) {
    result.checks.push({
      name,
      ok: false,
      detail: String(err?.message || err).split("\n").slice(0, 6).join(" | "),
      seconds: (Date.now() - started) / 1000,
    });
  }
  await screenshot(page, name);
}

const bodyText = (page) => page.evaluate(() => document.body.innerText);

async function waitForText(page, text, timeout = TIMEOUT) {
  try {
    await page.waitForFunction((t) => document.body.innerText.includes(t), text, { timeout });
  } catch (err) {
    throw new Error(`"${text}" did not appear within ${timeout / 1000}s (${err.name})`);
  }
}

async function threadIdOf(page, timeout = TIMEOUT) {
  await page.waitForFunction(() => new URL(location.href).searchParams.get("threadId"), null, {
    timeout,
  });
  return new URL(page.url()).searchParams.get("threadId");
}

async function send(page, text) {
  const box = page.getByPlaceholder("Type your message...");
  await box.waitFor({ timeout: TIMEOUT });
  await box.fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click({ timeout: TIMEOUT });
}

// The run is over when the composer shows "Send" again (it shows "Cancel" while
// streaming); reloading before that would cut the UI's stream.
async function idle(page) {
  await page.getByRole("button", { name: "Send", exact: true }).waitFor({ timeout: TIMEOUT });
}

// Records, every 25 ms, how many words of `reply` the page shows, so the check can
// tell a reply streamed in pieces from one that appeared whole.
async function watchReply(page, replies) {
  await page.evaluate((replies) => {
    window.__e2eSeen = [];
    window.__e2eTimer = setInterval(() => {
      const text = document.body.innerText;
      let best = 0;
      for (const reply of replies) {
        const words = reply.split(" ");
        let n = 0;
        while (n < words.length && text.includes(words.slice(0, n + 1).join(" "))) n += 1;
        // one word is noise (it may be in the human message); count from two
        if (n >= 2) best = Math.max(best, n / words.length);
      }
      const seen = window.__e2eSeen;
      if (!seen.length || seen[seen.length - 1] !== best) seen.push(best);
    }, 25);
  }, replies);
}

async function stopWatching(page) {
  return page.evaluate(() => {
    clearInterval(window.__e2eTimer);
    return window.__e2eSeen;
  });
}

async function waitForAnyReply(page, replies, timeout = TIMEOUT) {
  try {
    const handle = await page.waitForFunction(
      (replies) => replies.find((r) => document.body.innerText.includes(r)),
      replies,
      { timeout },
    );
    return await handle.jsonValue();
  } catch (err) {
    throw new Error(`no reply of the fake model appeared within ${timeout / 1000}s (${err.name})`);
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
// Wide enough for the history panel to sit beside the chat (the UI's lg breakpoint).
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await context.newPage();
watch(page);

const HELLO = "Hello from the langgraph-sse e2e test";
const APPROVE = "Please approve this request";
let chatThread;

// (1) A message gets its streamed reply.
await check("chat", page, async () => {
  await page.goto(`${UI}/`, { waitUntil: "networkidle", timeout: TIMEOUT });
  await watchReply(page, REPLIES);
  await send(page, HELLO);
  const reply = await waitForAnyReply(page, REPLIES);
  await idle(page);
  const seen = await stopWatching(page);
  chatThread = await threadIdOf(page);
  const partial = seen.filter((f) => f > 0 && f < 1).length;
  return (
    `reply "${reply.slice(0, 40)}..." shown on thread ${chatThread}; ` +
    `${partial} partial renders before the whole reply ` +
    (partial ? "(streamed)" : "(appeared whole: the UI asks for stream_mode values)")
  );
});

// (2) After a reload the thread is in the history panel, and opening it shows the messages.
await check("history", page, async () => {
  if (!chatThread) throw new Error("no thread from the chat check");
  await page.reload({ waitUntil: "networkidle", timeout: TIMEOUT });
  await waitForText(page, HELLO);
  const reply = await waitForAnyReply(page, REPLIES);
  // A fresh page with no thread open and the history panel open.
  await page.goto(`${UI}/?chatHistoryOpen=true`, { waitUntil: "networkidle", timeout: TIMEOUT });
  const byText = page.locator("button", { hasText: HELLO });
  const byId = page.locator("button", { hasText: chatThread });
  await byText.or(byId).first().waitFor({ timeout: TIMEOUT });
  const label = (await byText.count()) ? "its first message" : "its thread id only";
  await byText.or(byId).first().click();
  const opened = await threadIdOf(page);
  if (opened !== chatThread) throw new Error(`opened thread ${opened}, expected ${chatThread}`);
  await waitForText(page, reply);
  const text = await bodyText(page);
  if (!text.includes(HELLO)) throw new Error("the human message is missing from the opened thread");
  return `history lists the thread by ${label}; opening it shows the human message and the reply`;
});

// (3) An interrupt shows; the example's {"question": ...} interrupt gets the UI's
// read-only "Human Interrupt" table, which has no control to answer it, so the test
// resumes it through the API as a client would and checks what the UI shows after.
let interruptThread;
await check("interrupt-shown", page, async () => {
  await page.goto(`${UI}/`, { waitUntil: "networkidle", timeout: TIMEOUT });
  await send(page, APPROVE);
  await waitForText(page, "Approve this request?");
  await idle(page);
  interruptThread = await threadIdOf(page);
  const text = await bodyText(page);
  const widget = text.includes("Human Interrupt") ? "the generic Human Interrupt table" : "some widget";
  // Reload: the interrupt must come back from the thread's state.
  await page.reload({ waitUntil: "networkidle", timeout: TIMEOUT });
  await waitForText(page, "Approve this request?");
  return `"Approve this request?" shown in ${widget} on thread ${interruptThread}, and again after a reload`;
});

await check("interrupt-resumed-by-api", page, async () => {
  if (!interruptThread) throw new Error("no interrupted thread");
  const res = await page.evaluate(
    async ({ api, thread }) => {
      const r = await fetch(`${api}/threads/${thread}/runs/wait`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ assistant_id: "agent", command: { resume: "yes" } }),
      });
      return { status: r.status, body: (await r.text()).slice(0, 300) };
    },
    { api: API, thread: interruptThread },
  );
  if (res.status !== 200) throw new Error(`runs/wait answered ${res.status}: ${res.body}`);
  await page.reload({ waitUntil: "networkidle", timeout: TIMEOUT });
  await waitForText(page, "Approval: yes");
  await waitForAnyReply(page, REPLIES);
  const text = await bodyText(page);
  if (text.includes("Approve this request?")) throw new Error("the interrupt is still shown after the resume");
  return `POST ${API}/threads/{id}/runs/wait with command.resume: 200; after a reload the UI shows "Approval: yes", the model's reply and no interrupt`;
});

// (3, through the UI) The same question in the human-in-the-loop shape, from
// e2e/hitl_app.py: the UI's agent-inbox widget shows an "Approve" button, and clicking it
// sends Command(resume={"decisions": [{"type": "approve"}]}).
if (HITL_API) {
  await check("interrupt-resumed-in-ui", page, async () => {
    const query = new URLSearchParams({ apiUrl: HITL_API, assistantId: "agent" });
    await page.goto(`${UI}/?${query}`, { waitUntil: "networkidle", timeout: TIMEOUT });
    await send(page, APPROVE);
    const approve = page.getByRole("button", { name: "Approve", exact: true });
    await approve.waitFor({ timeout: TIMEOUT });
    const thread = await threadIdOf(page);
    await screenshot(page, "hitl-widget");
    await approve.click();
    await waitForText(page, "Approval: approve");
    await waitForAnyReply(page, REPLIES);
    await idle(page);
    await page.reload({ waitUntil: "networkidle", timeout: TIMEOUT });
    await waitForText(page, "Approval: approve");
    return `widget shown on thread ${thread}; "Approve" resumed the run: "Approval: approve" and the model's reply, also after a reload`;
  });
}

phase = "teardown";
await browser.close();
writeFileSync(join(OUT, "result.json"), JSON.stringify(result, null, 2));
process.exit(result.checks.every((c) => c.ok) ? 0 : 1);
