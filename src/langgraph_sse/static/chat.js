// chat.js: the langgraph-sse chat page. Plain DOM, no framework. Every piece of text
// from the server or the user goes into the page with textContent, never as HTML.
import { HTTPError, cancelRun, followRun, getRun, startRun, threadState } from "./langgraph-sse.js";

const api = document.querySelector('meta[name="langgraph-sse-api"]')?.content ?? "";
const STORE = `langgraph-sse-chat:${api}`; // this page's threads, per API
const STREAM_MODE = ["messages", "custom"];
const $ = (id) => document.getElementById(id);
const log = $("log");

let threadId = null; // the thread shown
let transcript = null; // what renders it
let reading = null; // {controller, runId} of the run being read
let pinned = true; // the log is scrolled to its end: keep it there as content comes
log.addEventListener("scroll", () => {
  pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
});

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function textOf(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => (typeof block === "string" ? block : block?.type === "text" ? String(block.text ?? "") : ""))
    .join("");
}

function shown(value) {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function prettyArgs(text) {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text; // still streaming: not whole JSON yet
  }
}

/** One thread's conversation in #log, built from events and from saved state. */
class Transcript {
  constructor() {
    log.replaceChildren();
    this.bubbles = new Map(); // message id -> text node of its bubble
    this.calls = new Map(); // tool call id -> card
    this.chunks = new Map(); // "message id:index" -> card of a streaming tool call
    this.known = new Set(); // message ids already shown whole (from the thread state)
    this.progress = null;
    this.streaming = new Set(); // bubbles still growing
  }

  add(node) {
    log.append(node);
    this.follow();
    return node;
  }

  /** Keep the newest content in view, unless the reader scrolled up. */
  follow() {
    if (this.scrolling || !pinned) return;
    this.scrolling = true; // once per frame, after the new content is laid out
    requestAnimationFrame(() => {
      this.scrolling = false;
      log.scrollTop = log.scrollHeight;
    });
  }

  user(text) {
    this.add(el("li", "msg user", text));
  }

  note(text) {
    this.add(el("li", "note", text));
  }

  error(text) {
    this.add(el("li", "error", text));
  }

  text(id, text, kind = "assistant", streaming = true) {
    const key = `${kind}:${id ?? ""}`; // deltas without a message id go to the run's last bubble
    let node = this.bubbles.get(key);
    if (!node) {
      const li = this.add(el("li", `msg ${kind}`));
      if (streaming) {
        li.classList.add("streaming");
        this.streaming.add(li);
      }
      node = li.appendChild(document.createTextNode(""));
      if (id != null || streaming) this.bubbles.set(key, node);
    }
    node.data += text;
    this.follow();
  }

  tool(id, name) {
    const li = this.add(el("li", "tool"));
    const card = {
      li,
      name: li.appendChild(el("span", "name", name ?? "tool")),
      args: li.appendChild(el("pre", "args")),
      result: li.appendChild(el("pre", "result")),
      text: "",
    };
    if (id) this.calls.set(id, card);
    return card;
  }

  toolChunk(event) {
    const key = `${event.message_id}:${event.index ?? 0}`;
    let card = this.chunks.get(key);
    if (!card) {
      card = this.tool(event.id, event.name);
      this.chunks.set(key, card);
    } else {
      if (event.id && !this.calls.has(event.id)) this.calls.set(event.id, card);
      if (event.name) card.name.textContent = event.name;
    }
    card.text += event.args;
    card.args.textContent = prettyArgs(card.text);
  }

  toolResult(callId, content) {
    const card = this.calls.get(callId) ?? this.tool(callId, "tool");
    card.result.textContent = textOf(content) || shown(content);
  }

  /** A whole message: from a `message` event or the thread's state. */
  message(m) {
    if (!m || typeof m !== "object") return;
    if (m.type === "human") this.user(textOf(m.content));
    else if (m.type === "tool") this.toolResult(m.tool_call_id, m.content);
    else if (m.type === "ai") {
      const text = textOf(m.content);
      if (text && !(m.id && this.bubbles.has(`assistant:${m.id}`))) this.text(m.id, text, "assistant", false);
      for (const call of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
        if (!this.calls.has(call.id)) this.tool(call.id, call.name).args.textContent = JSON.stringify(call.args);
      }
    }
  }

  showProgress(data) {
    if (!this.progress) {
      const li = this.add(el("li", "progress"));
      this.progress = { bar: li.appendChild(el("progress")), label: li.appendChild(el("span")) };
      this.progress.bar.max = 1;
    }
    const value = data?.progress;
    const fraction = typeof value === "number" && value >= 0 && value <= 1;
    this.progress.bar.hidden = !fraction;
    if (fraction) this.progress.bar.value = value;
    this.progress.label.textContent = fraction ? `${Math.round(value * 100)}%` : shown(data).slice(0, 300);
  }

  ask(value) {
    const li = this.add(el("li", "interrupt"));
    const question = typeof value?.question === "string" ? value.question : shown(value);
    li.append(el("p", "question", question));
    const approve = li.appendChild(el("button", "approve", "Approve"));
    const reject = li.appendChild(el("button", "reject", "Reject"));
    for (const [button, answer] of [[approve, true], [reject, false]]) {
      button.type = "button";
      button.addEventListener("click", () => {
        if (reading) return;
        approve.disabled = reject.disabled = true;
        this.note(answer ? "Approved" : "Rejected");
        send({ thread_id: threadId, command: { resume: answer } });
      });
    }
  }

  /** One event of a run. Messages already shown whole (from state) are skipped. */
  event(e) {
    const skip = (id) => id != null && this.known.has(id);
    switch (e.type) {
      case "token":
        if (!skip(e.message_id)) this.text(e.message_id, e.text);
        break;
      case "reasoning":
        if (!skip(e.message_id)) this.text(e.message_id, e.text, "reasoning");
        break;
      case "tool_call_chunk":
        if (!skip(e.message_id)) this.toolChunk(e);
        break;
      case "message":
        if (!skip(e.message?.id)) this.message(e.message);
        break;
      case "custom":
        this.showProgress(e.data);
        break;
      case "interrupt":
        this.ask(e.value);
        break;
      case "error":
        this.error(`${e.error}: ${e.message}`);
        break;
      case "done":
        this.finish();
        if (e.status === "cancelled") this.note("Stopped");
        break;
    }
  }

  /** A thread's saved state: its messages, and what it waits for. */
  history(state, running) {
    const messages = Array.isArray(state?.values?.messages) ? state.values.messages : [];
    for (const m of messages) {
      this.message(m);
      if (m?.id) this.known.add(m.id);
    }
    if (!running) for (const pending of state?.interrupts ?? []) this.ask(pending.value);
  }

  finish() {
    for (const li of this.streaming) li.classList.remove("streaming");
    this.streaming.clear();
    for (const kind of ["assistant", "reasoning"]) this.bubbles.delete(`${kind}:`);
    this.progress = null;
  }
}

// The threads this page started, newest first, in localStorage.
function threads() {
  try {
    const list = JSON.parse(localStorage.getItem(STORE) ?? "[]");
    return Array.isArray(list) ? list.filter((t) => typeof t?.id === "string") : [];
  } catch {
    return [];
  }
}

function remember(id, changes) {
  const list = threads();
  const old = list.find((t) => t.id === id) ?? { id, title: "" };
  const entry = { ...old, ...changes };
  localStorage.setItem(STORE, JSON.stringify([entry, ...list.filter((t) => t.id !== id)].slice(0, 100)));
  showThreads();
}

function showThreads() {
  const items = threads().map((t) => {
    const li = el("li", t.id === threadId ? "current" : "");
    const button = li.appendChild(el("button", "", String(t.title || t.id)));
    button.type = "button";
    button.title = t.id;
    button.dataset.threadId = t.id;
    button.addEventListener("click", () => openThread(t.id));
    return li;
  });
  $("threads").replaceChildren(...items);
}

function options(signal) {
  const apiKey = $("api-key").value.trim();
  return { ...(apiKey ? { apiKey } : {}), signal };
}

function setStatus(text, state) {
  $("status").textContent = text;
  document.body.dataset.state = state;
  const busy = state !== "idle";
  $("send").disabled = busy;
  $("stop").hidden = !busy;
}

function describe(error) {
  if (error instanceof HTTPError) {
    const hint = error.status === 401 ? " (set the API key in the sidebar)" : "";
    return `${error.message}${hint}`;
  }
  if (error instanceof TypeError) return `Cannot reach the server (${error.message})`;
  return String(error?.message ?? error);
}

const ENDED = {
  success: "Done",
  interrupted: "Waiting for your answer",
  error: "The run failed",
  cancelled: "Stopped",
};

/** Read run `runId` into the transcript, reconnecting as long as it takes. */
async function follow(runId) {
  const controller = new AbortController();
  const view = transcript;
  const thread = threadId;
  reading = { controller, runId };
  setStatus("Streaming…", "running");
  let reconnects = Number(document.body.dataset.reconnects ?? 0);
  try {
    const done = await followRun(api, runId, (e) => controller.signal.aborted || view.event(e), {
      ...options(controller.signal),
      onReconnect: ({ attempt, delay }) => {
        document.body.dataset.reconnects = String(++reconnects);
        setStatus(`Connection lost: reconnecting in ${(delay / 1000).toFixed(1)} s (try ${attempt})…`, "reconnecting");
      },
    });
    remember(thread, { run: null });
    setStatus(done ? ENDED[done.status] ?? done.status : "Done", "idle");
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof HTTPError && error.status === 404) {
      // The run ended longer ago than the server keeps runs: its thread has the result.
      remember(thread, { run: null });
      reading = null;
      await openThread(thread);
      return;
    }
    view.error(describe(error));
    setStatus("", "idle");
  } finally {
    view.finish();
    if (reading?.controller === controller) {
      reading = null;
      if (document.body.dataset.state !== "idle") setStatus("", "idle");
    }
  }
}

/** Start a run on the current thread (a new one when none) and read it. */
async function send(request, title = "") {
  if (reading) return;
  setStatus("Starting…", "running");
  let info;
  try {
    info = await startRun(api, { ...request, stream_mode: STREAM_MODE }, options());
  } catch (error) {
    transcript.error(describe(error));
    setStatus("", "idle");
    return;
  }
  if (threadId === null) threadId = info.thread_id;
  const named = threads().find((t) => t.id === info.thread_id)?.title;
  remember(info.thread_id, { run: info.run_id, ...(named ? {} : { title: title.slice(0, 60) }) });
  sessionStorage.setItem(`${STORE}:current`, threadId);
  await follow(info.run_id);
}

function leave() {
  reading?.controller.abort(); // stop reading; the run goes on, and is found again on return
  reading = null;
}

async function openThread(id) {
  leave();
  threadId = id;
  transcript = new Transcript();
  sessionStorage.setItem(`${STORE}:current`, id);
  showThreads();
  setStatus("Loading…", "running");
  const entry = threads().find((t) => t.id === id);
  let run = null;
  try {
    if (entry?.run) run = await getRun(api, entry.run, options()).catch(() => null);
    const going = run?.status === "running" || run?.status === "pending";
    const state = await threadState(api, id, options());
    if (threadId !== id) return; // another thread was opened meanwhile
    transcript.history(state, going);
    if (going) {
      await follow(run.run_id); // from its start: what the state already shows is skipped
      return;
    }
    setStatus("", "idle");
  } catch (error) {
    if (threadId !== id) return;
    transcript.error(`Cannot load this thread: ${describe(error)}`);
    setStatus("", "idle");
  }
}

function newThread() {
  leave();
  threadId = null;
  transcript = new Transcript();
  sessionStorage.removeItem(`${STORE}:current`);
  showThreads();
  setStatus("", "idle");
  $("input").focus();
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("input");
  const text = input.value.trim();
  if (!text || reading) return;
  input.value = "";
  transcript.user(text);
  send(threadId === null ? { message: text } : { thread_id: threadId, message: text }, text);
});
$("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
$("stop").addEventListener("click", async () => {
  const current = reading;
  if (!current) return;
  try {
    await cancelRun(api, current.runId, options()); // its stream then ends with done: cancelled
  } catch {
    leave(); // cannot reach the server: at least stop reading
    setStatus("Stopped reading (the run may go on)", "idle");
  }
});
$("new-thread").addEventListener("click", newThread);
$("api-key").value = sessionStorage.getItem(`${STORE}:key`) ?? "";
$("key-form").addEventListener("submit", (event) => event.preventDefault());
$("api-key").addEventListener("change", () => sessionStorage.setItem(`${STORE}:key`, $("api-key").value.trim()));
$("title").textContent = document.title;

const current = sessionStorage.getItem(`${STORE}:current`);
if (current && threads().some((t) => t.id === current)) openThread(current);
else newThread();
