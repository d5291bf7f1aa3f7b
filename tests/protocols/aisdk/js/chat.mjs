// Drives a server speaking the AI SDK UI message stream protocol with the `ai`
// package's own chat: AbstractChat (what @ai-sdk/react's Chat, and so useChat,
// is) over DefaultChatTransport, which validates every chunk against the SDK's
// uiMessageChunkSchema. Usage: node chat.mjs <api url> <scenario> <chat id>.
// Prints one JSON object: {ok, errors, status, messages, ...}.
import {
  AbstractChat,
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
} from "ai";

const [api, scenario, chatId] = process.argv.slice(2);

// The plain-JavaScript twin of @ai-sdk/react's ReactChatState.
class State {
  constructor(messages = []) {
    this.messages = messages;
    this.status = "ready";
    this.error = undefined;
  }
  pushMessage = (message) => {
    this.messages = this.messages.concat(message);
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index, message) => {
    this.messages = [
      ...this.messages.slice(0, index),
      this.snapshot(message),
      ...this.messages.slice(index + 1),
    ];
  };
  snapshot = (value) => structuredClone(value);
}

class Chat extends AbstractChat {
  constructor({ messages, ...init }) {
    super({ ...init, state: new State(messages) });
  }
}

const errors = [];
const finishes = [];
let onFinishWaiters = [];

function makeChat(extra = {}) {
  return new Chat({
    id: chatId,
    transport: new DefaultChatTransport({ api }),
    onError: (error) => errors.push(String(error?.message ?? error)),
    onFinish: ({ finishReason, isAbort, isError, isDisconnect }) => {
      finishes.push({ finishReason, isAbort, isError, isDisconnect });
      const waiters = onFinishWaiters;
      onFinishWaiters = [];
      for (const resolve of waiters) resolve();
    },
    ...extra,
  });
}

const nextFinish = () => new Promise((resolve) => onFinishWaiters.push(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const textOf = (message) =>
  message.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
const summary = (chat) => ({
  status: chat.status,
  error: chat.error ? String(chat.error.message) : null,
  messages: chat.messages.map((m) => ({ id: m.id, role: m.role, text: textOf(m), parts: m.parts })),
});

async function main() {
  const result = { ok: true, scenario };
  if (scenario === "reply" || scenario === "tool" || scenario === "error") {
    const chat = makeChat();
    const text = { reply: "hi", tool: "weather in Paris?", error: "boom" }[scenario];
    await chat.sendMessage({ text });
    Object.assign(result, summary(chat));
  } else if (scenario === "approval") {
    const chat = makeChat({
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await chat.sendMessage({ text: "approve this" });
    result.requested = summary(chat);
    const last = chat.messages[chat.messages.length - 1];
    const part = last.parts.find((p) => p.state === "approval-requested");
    const resumed = nextFinish();
    await chat.addToolApprovalResponse({ id: part.approval.id, approved: true, reason: "fine" });
    await resumed;
    while (chat.status !== "ready" && chat.status !== "error") await sleep(10);
    Object.assign(result, summary(chat));
  } else if (scenario === "resume") {
    const chat = makeChat();
    const sent = chat.sendMessage({ text: "slow" });
    // Wait for some of the reply, then drop the connection (the run goes on).
    for (;;) {
      const last = chat.messages[chat.messages.length - 1];
      if (last?.role === "assistant" && textOf(last).split(" ").length >= 3) break;
      await sleep(5);
    }
    await chat.stop();
    await sent;
    const partial = summary(chat);
    result.partial = partial.messages.map((m) => m.text);
    await chat.resumeStream();
    Object.assign(result, summary(chat));
    // A page reloaded after the run ended: nothing to resume (204).
    const reloaded = makeChat({ messages: [chat.messages[0]] });
    await reloaded.resumeStream();
    result.reloaded = summary(reloaded);
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  result.errors = errors;
  result.finishes = finishes;
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.log(JSON.stringify({ ok: false, error: String(error?.stack ?? error), errors }));
});
