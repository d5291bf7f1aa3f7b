// Checks of langgraph-sse.js under Node, with fetch replaced by a script of
// responses. Usage: node client.mjs <file URL of langgraph-sse.js>
// Prints one JSON object: {"ok": true} or {"ok": false, "failures": [...]}.
const { readSSE, followRun, HTTPError } = await import(process.argv[2]);

const failures = [];
function check(name, condition, detail) {
  if (!condition) failures.push(`${name}: ${JSON.stringify(detail)}`);
}

const encoder = new TextEncoder();

/** A body that yields `parts` (byte arrays), then ends, or errors when `fail` is set. */
function body(parts, fail) {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      // One part per read; the error only once every part was read (an error
      // discards what is still queued).
      if (next < parts.length) controller.enqueue(parts[next++]);
      else if (fail) controller.error(new TypeError("network error"));
      else controller.close();
    },
  });
}

function frame(event) {
  return `event: ${event.type}\nid: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
}

async function frames(parts) {
  const out = [];
  for await (const f of readSSE(body(parts))) out.push(f);
  return out;
}

// readSSE: the same stream split at every byte offset (inside a UTF-8 character,
// between "\r" and "\n") gives the same frames.
{
  const text =
    ": ping\r\n\r\n" +
    frame({ type: "token", seq: 1, text: "héllo 🌍 wörld" }).replaceAll("\n", "\r\n") +
    "event: custom\rid: 2\rdata: {\"a\":\rdata: 1}\r\r" +
    frame({ type: "done", seq: 3, status: "success" });
  const bytes = encoder.encode(text);
  const whole = await frames([bytes]);
  check("three frames", whole.length === 3, whole);
  check("multi-line data", whole[1]?.data === '{"a":\n1}', whole[1]);
  check("utf-8", JSON.parse(whole[0]?.data ?? "{}").text === "héllo 🌍 wörld", whole[0]);
  for (let i = 1; i < bytes.length; i++) {
    for (const j of [i + 1, i + 7]) {
      if (j >= bytes.length) continue;
      const split = await frames([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)]);
      if (JSON.stringify(split) !== JSON.stringify(whole)) {
        failures.push(`split at ${i},${j}: ${JSON.stringify(split)}`);
        break;
      }
    }
  }
}

// followRun: reconnects with Last-Event-ID after a drop, and after a frame that the
// run did not number; each event once; resolves with done.
{
  const events = [
    { type: "metadata", seq: 0, ns: [], run_id: "r1", thread_id: "t1" },
    ...["a", "b", "c", "d"].map((text, i) => ({ type: "token", seq: i + 1, ns: [], text })),
    { type: "done", seq: 5, ns: [], status: "success" },
  ];
  const stopped =
    `event: error\ndata: ${JSON.stringify({ type: "error", seq: 3, ns: [], error: "shutdown", message: "bye" })}\n\n` +
    `event: done\ndata: ${JSON.stringify({ type: "done", seq: 4, ns: [], status: "error" })}\n\n`;
  const script = [
    // 1: two events and half of the third, then the connection drops
    () => new Response(body([encoder.encode(frame(events[0]) + frame(events[1]) + frame(events[2]).slice(0, 9))], true)),
    // 2: the network is down
    () => {
      throw new TypeError("Failed to fetch");
    },
    // 3: a 503 (a replica restarting)
    () => new Response('{"detail":"unavailable"}', { status: 503 }),
    // 4: a repeat of event 1 (ignored), event 2, then a relay that stops without ids
    () => new Response(body([encoder.encode(frame(events[1]) + frame(events[2]) + stopped)])),
    // 5: the rest
    () => new Response(body([encoder.encode(events.slice(3).map(frame).join(""))])),
  ];
  const asked = [];
  globalThis.fetch = async (url, init) => {
    asked.push({ url, last: init.headers["Last-Event-ID"] ?? null, key: init.headers["X-API-Key"] ?? null });
    return script[asked.length - 1]();
  };
  const seen = [];
  const reconnects = [];
  const done = await followRun("http://x/v1/", "r/1", (e) => seen.push(e.seq), {
    apiKey: "k",
    retryDelays: [1],
    onReconnect: (r) => reconnects.push(r.lastEventId),
  });
  check("done", done?.status === "success", done);
  check("each event once", JSON.stringify(seen) === "[0,1,2,3,4,5]", seen);
  check("url", asked[0]?.url === "http://x/v1/runs/r%2F1/stream", asked[0]);
  check("key", asked.every((a) => a.key === "k"), asked);
  check(
    "Last-Event-ID",
    JSON.stringify(asked.map((a) => a.last)) === JSON.stringify([null, "1", "1", "1", "2"]),
    asked,
  );
  check("reconnects", reconnects.length === 4, reconnects);
}

// followRun: 204 resolves null; 404 rejects with the server's detail.
{
  globalThis.fetch = async () => new Response(null, { status: 204 });
  check("204", (await followRun("", "r", () => {})) === null, "not null");
  globalThis.fetch = async () => new Response('{"detail":"Run \'r\' not found"}', { status: 404 });
  const error = await followRun("", "r", () => {}).catch((e) => e);
  check("404", error instanceof HTTPError && error.status === 404 && error.detail === "Run 'r' not found", String(error));
}

// followRun: aborting stops it while it waits to reconnect.
{
  globalThis.fetch = async () => {
    throw new TypeError("Failed to fetch");
  };
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("stopped")), 50);
  const error = await followRun("", "r", () => {}, { signal: controller.signal, retryDelays: [10] }).catch((e) => e);
  check("abort", error?.message === "stopped", String(error));
}

console.log(JSON.stringify(failures.length ? { ok: false, failures } : { ok: true }));
