// Shared plumbing for the flow scripts: arguments, the client, collecting a
// stream, describing errors, printing the one JSON result.
//
// Usage of every flow script:
//   node <flow>.mjs BASE_URL [ASSISTANT_ID]
// or the environment: LANGGRAPH_URL, LANGGRAPH_ASSISTANT_ID (default "agent"),
// LANGGRAPH_API_KEY_FOR_TEST (sent as x-api-key through the client's `apiKey`
// option; when unset the client is told `apiKey: null`, so it never picks up
// LANGGRAPH_API_KEY / LANGSMITH_API_KEY from the environment),
// LANGGRAPH_JS_TIMEOUT_MS (watchdog, default 90000).
//
// Each script prints exactly one JSON object on stdout and exits 0 when it
// could print it (client errors are part of the result, under "error" or per
// step); it exits 2 if the watchdog fired (still printing a JSON result).
import { Client } from "@langchain/langgraph-sdk";

export function parseArgs() {
  const [, , urlArg, assistantArg] = process.argv;
  const baseUrl = urlArg || process.env.LANGGRAPH_URL || "http://127.0.0.1:2024";
  const assistantId = assistantArg || process.env.LANGGRAPH_ASSISTANT_ID || "agent";
  const apiKey = process.env.LANGGRAPH_API_KEY_FOR_TEST || null;
  return { baseUrl, assistantId, apiKey };
}

// Every request the client made: method, path?query, the headers it sent.
export const requests = [];

export function makeClient({ baseUrl, apiKey }, extra = {}) {
  return new Client({
    apiUrl: baseUrl,
    apiKey,
    onRequest: (url, init) => {
      const u = new URL(url);
      requests.push({
        method: init.method ?? "GET",
        path: u.pathname + u.search,
        headers: init.headers ?? {},
      });
      return init;
    },
    ...extra,
  });
}

// Everything an async iterable of stream parts yielded, in order. Never throws:
// a thrown error ends the collection and is returned beside the events.
export async function collect(stream, { onEvent } = {}) {
  const events = [];
  let error = null;
  try {
    for await (const part of stream) {
      events.push({ id: part.id ?? null, event: part.event, data: part.data });
      if (onEvent) await onEvent(part, events);
    }
  } catch (e) {
    error = describeError(e);
  }
  return { events, error };
}

// A thrown value as JSON: HTTPError carries status and the body text.
export function describeError(e) {
  if (e == null || typeof e !== "object") return { name: typeof e, message: String(e) };
  const out = { name: e.name ?? "Error", message: e.message ?? String(e) };
  if (typeof e.status === "number") out.status = e.status;
  if (typeof e.text === "string") out.text = e.text;
  if (e.cause) out.cause = describeError(e.cause);
  return out;
}

// Run `fn(ctx)` under a watchdog; print its result (or the error) as one JSON line.
export async function main(fn) {
  const args = parseArgs();
  const timeoutMs = Number(process.env.LANGGRAPH_JS_TIMEOUT_MS || 90000);
  const started = Date.now();
  let printed = false;
  const print = (obj, code) => {
    if (printed) return;
    printed = true;
    process.stdout.write(`${JSON.stringify({ ...obj, requests, elapsed_ms: Date.now() - started })}\n`);
    process.exitCode = code;
  };
  const watchdog = setTimeout(() => {
    print({ ok: false, error: { name: "Watchdog", message: `no result after ${timeoutMs} ms` } }, 2);
    process.exit(2);
  }, timeoutMs);
  try {
    const result = await fn({ ...args, client: makeClient(args) });
    print({ ok: true, ...result }, 0);
  } catch (e) {
    print({ ok: false, error: describeError(e) }, 0);
  } finally {
    clearTimeout(watchdog);
  }
}

export const userMessage = (content) => ({ messages: [{ role: "user", content }] });
