// A consumer of langgraph-sse.d.ts: tsc --strict must accept every line, and must
// refuse each line marked @ts-expect-error (the types are not too loose).
import {
  followRun,
  HTTPError,
  readSSE,
  startRun,
  streamRun,
  threadState,
  type DoneEvent,
  type EventType,
  type RunEvent,
  type StreamRequest,
  type ThreadState,
} from "./langgraph-sse.js";

function render(event: RunEvent): string {
  switch (event.type) {
    case "token":
    case "reasoning":
      return event.text + (event.message_id ?? "");
    case "tool_call_chunk":
      return `${event.name ?? ""}(${event.args}) #${event.index ?? 0}`;
    case "custom":
      return JSON.stringify(event.data);
    case "interrupt":
      return `${event.id}: ${JSON.stringify(event.value)}`;
    case "error":
      return `${event.error}: ${event.message}`;
    case "done":
      return event.status;
    case "metadata":
      return event.run_id + (event.thread_id ?? "");
    default:
      return event.ns.join("/") + String(event.seq);
  }
}

export async function chat(api: string, message: string): Promise<DoneEvent | null> {
  const request: StreamRequest = { message, stream_mode: ["messages", "custom"] };
  const run = await startRun(api, request, { apiKey: "k" });
  const status: "pending" | "running" | "success" | "interrupted" | "error" | "cancelled" = run.status;
  const done = await followRun(api, run.run_id, (event) => console.log(render(event)), {
    lastEventId: 3,
    retryDelays: [250, 1000],
    onReconnect: ({ attempt, delay, lastEventId }) => console.log(attempt, delay, lastEventId, status),
  });
  const state: ThreadState = await threadState(api, run.thread_id);
  console.log(state.next.join(), state.interrupts.map((i) => i.id), state.checkpoint_id?.length);
  return done;
}

export async function resume(url: string, thread: string): Promise<string> {
  const done = await streamRun(url, { thread_id: thread, command: { resume: true } }, render);
  return done.status;
}

export async function frames(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const frame of readSSE(body)) out.push(frame.event, frame.data, frame.id ?? "");
  return out;
}

export function failed(error: unknown): number | undefined {
  return error instanceof HTTPError ? error.status : undefined;
}

export const kinds: EventType[] = ["metadata", "token", "done"];

export function wrong(event: RunEvent, request: StreamRequest): void {
  // @ts-expect-error: `text` is only on some events; narrow on `type` first
  console.log(event.text);
  // @ts-expect-error: not a stream mode
  request.stream_mode = ["everything"];
  // @ts-expect-error: not an event type
  const kind: EventType = "tokens";
  // @ts-expect-error: a done event's status is one of four
  const done: DoneEvent = { type: "done", seq: 1, ns: [], status: "finished" };
  // @ts-expect-error: unknown request field
  const extra: StreamRequest = { mesage: "typo" };
  console.log(kind, done, extra);
}
