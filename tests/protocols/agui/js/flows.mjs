// CopilotKit's client, @ag-ui/client's HttpAgent (its event verification on),
// against an AG-UI server. Usage: node flows.mjs URL
// Prints one JSON object: per flow, the text of each assistant message, tool
// calls and results, CUSTOM events, interrupts and the error, and every
// console warning or error the client wrote (there must be none).
import { HttpAgent } from "@ag-ui/client";

const url = process.argv[2];
const logged = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => logged.push(`${level}: ${args.map(String).join(" ")}`);
}

function recorder() {
  const seen = { custom: [], toolResults: [], toolCalls: [], interrupts: null, runError: null, types: [] };
  const subscriber = {
    onEvent: ({ event }) => { seen.types.push(event.type); },
    onCustomEvent: ({ event }) => { seen.custom.push([event.name, event.value]); },
    onToolCallResultEvent: ({ event }) => { seen.toolResults.push([event.toolCallId, event.content]); },
    onToolCallEndEvent: ({ toolCallName, toolCallArgs }) => { seen.toolCalls.push([toolCallName, toolCallArgs]); },
    onRunFinishedEvent: (params) => { if (params.outcome === "interrupt") seen.interrupts = params.interrupts; },
    onRunErrorEvent: ({ event }) => { seen.runError = [event.code ?? null, event.message]; },
  };
  return { seen, subscriber };
}

async function run(agent, userText, options = {}) {
  if (userText !== null) agent.addMessage({ id: `u-${Math.random()}`, role: "user", content: userText });
  const { seen, subscriber } = recorder();
  let thrown = null;
  try {
    await agent.runAgent(options, subscriber);
  } catch (e) {
    thrown = String(e?.message ?? e);
  }
  const messages = agent.messages.map((m) => ({ role: m.role, content: m.content ?? null, toolCalls: (m.toolCalls ?? []).map((c) => c.function.name) }));
  return { ...seen, thrown, messages };
}

const agent = (threadId) => new HttpAgent({ url, threadId });

const results = {};
results.chat = await run(agent(`chat-${Date.now()}`), "hi");
results.tool = await run(agent(`tool-${Date.now()}`), "weather?");
const approving = agent(`approve-${Date.now()}`);
results.interrupt = await run(approving, "approve");
results.pending = approving.pendingInterrupts.map((i) => i.id);
const resume = approving.pendingInterrupts.map((i) => ({ interruptId: i.id, status: "resolved", payload: "yes" }));
results.resume = await run(approving, null, { resume });
results.error = await run(agent(`boom-${Date.now()}`), "boom");
results.logged = logged;
process.stdout.write(JSON.stringify(results) + "\n");
