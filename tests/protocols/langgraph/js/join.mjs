// Flow (c): background run + joinStream, and a resumable stream that loses its
// connection and reconnects.
//   1. runs.create (streamResumable) then runs.joinStream while it runs: "live"
//   2. after it finished: joinStream with lastEventId "-1" (what useStream sends
//      by default): "replay_all"; and with the id of the live stream's 3rd event:
//      "replay_after" (should be the live events after that one)
//   3. runs.stream with streamResumable on a new thread, through a fetch that
//      errors the response body half-way through its CUT_AFTER-th SSE frame (as
//      a dropped connection does): the client reconnects by GET on the Location
//      header with Last-Event-ID: "reconnect" (events, and reconnect_requests:
//      the requests made after the POST; runs.stream does not pass an
//      onReconnect callback through in SDK 2.0.0)
//   4. the same without streamResumable: "reconnect_not_resumable" (no ids, so
//      the reconnect GET has no Last-Event-ID: events made meanwhile are lost)
// The graph streams 20 tokens at 0.5 s each when the message contains "slow".
import { collect, main, makeClient, parseArgs, requests, userMessage } from "./common.mjs";

const MODES = ["messages-tuple", "values"];
const CUT_AFTER = Number(process.env.LANGGRAPH_JS_CUT_AFTER || 5);
const TERMINATORS = [Buffer.from("\r\n\r\n"), Buffer.from("\n\n"), Buffer.from("\r\r")];

// The first POST .../runs/stream response's body ends with an error after n-1
// whole SSE frames and half of the n-th; every other request is untouched.
function cuttingFetch(n, cuts) {
  let armed = true;
  return async (url, init) => {
    const res = await fetch(url, init);
    const method = (init?.method ?? "GET").toUpperCase();
    if (!armed || method !== "POST" || !String(url).includes("/runs/stream") || !res.body) {
      return res;
    }
    armed = false;
    const reader = res.body.getReader();
    let pending = Buffer.alloc(0);
    let frames = 0;
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          if (pending.length) controller.enqueue(new Uint8Array(pending));
          controller.close();
          return;
        }
        pending = Buffer.concat([pending, Buffer.from(value)]);
        let out = 0;
        for (;;) {
          const start = out;
          let best = -1;
          let len = 0;
          for (const t of TERMINATORS) {
            const at = pending.indexOf(t, out);
            if (at !== -1 && (best === -1 || at < best)) {
              best = at;
              len = t.length;
            }
          }
          if (best === -1) break;
          out = best + len;
          frames += 1;
          if (frames === n) {
            const half = start + Math.floor((out - start) / 2);
            controller.enqueue(new Uint8Array(pending.subarray(0, half)));
            cuts.push({ whole_frames: n - 1, partial_bytes: half - start });
            controller.error(new TypeError("terminated"));
            await reader.cancel().catch(() => {});
            return;
          }
        }
        controller.enqueue(new Uint8Array(pending.subarray(0, out)));
        pending = Buffer.from(pending.subarray(out));
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

async function reconnectingStream(assistantId, resumable) {
  const cuts = [];
  const client = makeClient(parseArgs(), { callerOptions: { fetch: cuttingFetch(CUT_AFTER, cuts) } });
  const thread = await client.threads.create({ metadata: { flow: "reconnect" } });
  const firstRequest = requests.length;
  let runCreated = null;
  const result = await collect(
    client.runs.stream(thread.thread_id, assistantId, {
      input: userMessage("slow reconnect"),
      streamMode: MODES,
      streamResumable: resumable,
      onRunCreated: (meta) => {
        runCreated = meta;
      },
    }),
  );
  const mine = requests.slice(firstRequest);
  const post = mine.findIndex((r) => r.method === "POST" && r.path.endsWith("/runs/stream"));
  return {
    thread_id: thread.thread_id,
    run_created: runCreated,
    cuts,
    reconnect_requests: mine.slice(post + 1),
    ...result,
  };
}

await main(async ({ client, assistantId }) => {
  const thread = await client.threads.create({ metadata: { flow: "join" } });
  let runCreated = null;
  const run = await client.runs.create(thread.thread_id, assistantId, {
    input: userMessage("slow join"),
    streamMode: MODES,
    streamResumable: true,
    onRunCreated: (meta) => {
      runCreated = meta;
    },
  });
  const live = await collect(client.runs.joinStream(thread.thread_id, run.run_id));
  const runAfter = await client.runs.get(thread.thread_id, run.run_id);
  const replayAll = await collect(
    client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }),
  );
  const pivot = live.events[2]?.id ?? null;
  const replayAfter = pivot
    ? await collect(client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: pivot }))
    : null;
  const reconnect = await reconnectingStream(assistantId, true);
  const reconnectNotResumable = await reconnectingStream(assistantId, false);
  return {
    thread,
    run,
    run_created: runCreated,
    run_after: runAfter,
    live,
    replay_all: replayAll,
    replay_after_id: pivot,
    replay_after: replayAfter,
    reconnect,
    reconnect_not_resumable: reconnectNotResumable,
  };
});
