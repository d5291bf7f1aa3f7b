// langgraph-sse.js: a browser (and Node >= 18) client for langgraph-sse's native protocol.
// An ES module with no dependencies; its types are in langgraph-sse.d.ts, generated
// from the server's own event schema. `api` below is where the native endpoints are
// mounted: "" for the root, "/v1", or "https://host/v1" (absolute in Node).

/**
 * Split a text/event-stream body into frames, however the bytes fall across reads.
 * @param {ReadableStream<Uint8Array>} body
 */
export async function* readSSE(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder(); // with {stream: true}, a character split across reads stays whole
  let buffer = ""; // text after the last complete line: the start of the next one
  let event = "";
  let data = [];
  let id;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return; // a frame without its closing blank line is dropped, as the spec says
      buffer += decoder.decode(value, { stream: true });
      // Keep a trailing "\r": it may be the first half of a "\r\n" split across reads.
      const end = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, end).split(/\r\n|\r|\n/);
      buffer = lines.pop() + buffer.slice(end); // the last piece is not a complete line yet
      for (const line of lines) {
        if (line === "") {
          // A blank line ends the frame.
          if (data.length > 0) yield { event: event || "message", data: data.join("\n"), id };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // a comment: the server's keep-alive ping
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id" && !value.includes("\0")) id = value;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** A response that was not a success: `status` and the server's `detail`. */
export class HTTPError extends Error {
  constructor(status, detail) {
    super(`HTTP ${status}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
    this.name = "HTTPError";
    this.status = status;
    this.detail = detail;
  }
}

async function failure(response) {
  const text = await response.text().catch(() => "");
  let detail = text;
  try {
    detail = JSON.parse(text).detail ?? text;
  } catch {
    // not JSON: keep the text
  }
  return new HTTPError(response.status, detail);
}

function endpoint(api, path) {
  return `${String(api ?? "").replace(/\/+$/, "")}${path}`;
}

function headers(options, more = {}) {
  return {
    ...(options.apiKey ? { "X-API-Key": options.apiKey } : {}),
    ...options.headers,
    ...more,
  };
}

async function json(api, path, options, init = {}) {
  const response = await fetch(endpoint(api, path), {
    ...init,
    headers: headers(options, init.headers),
    signal: options.signal,
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/**
 * POST `{api}/stream` and read the run in the same request; resolves with its `done`.
 * The run is cancelled if the connection drops (unless `request.on_disconnect` is
 * "continue"; then rejoin with `followRun`).
 */
export async function streamRun(url, request, onEvent, options = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: headers(options, { "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(request),
    signal: options.signal, // abort() disconnects
  });
  if (!response.ok || !response.body) throw await failure(response);
  for await (const frame of readSSE(response.body)) {
    const event = JSON.parse(frame.data);
    onEvent(event);
    if (event.type === "done") return event;
  }
  throw new Error("the stream ended before its done event");
}

/** POST `{api}/runs`: start a run that goes on whoever reads it; resolves with its RunInfo. */
export function startRun(api, request, options = {}) {
  return json(api, "/runs", options, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request),
  });
}

/** GET `{api}/runs/{runId}`: the run's status. */
export function getRun(api, runId, options = {}) {
  return json(api, `/runs/${encodeURIComponent(runId)}`, options);
}

/** POST `{api}/runs/{runId}/cancel`. */
export function cancelRun(api, runId, options = {}) {
  return json(api, `/runs/${encodeURIComponent(runId)}/cancel`, options, { method: "POST" });
}

/** GET `{api}/threads/{threadId}/state`: the thread's latest checkpoint. */
export function threadState(api, threadId, options = {}) {
  return json(api, `/threads/${encodeURIComponent(threadId)}/state`, options);
}

const DELAYS = [250, 500, 1000, 2000, 4000];

function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", stop);
      resolve();
    }
    function stop() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/**
 * Read run `runId` from `{api}/runs/{runId}/stream` to its `done`, reconnecting with
 * `Last-Event-ID` whenever the connection drops, so that every event reaches `onEvent`
 * exactly once and in order. Resolves with the `done` event, or with null when the
 * server says there is nothing more to read (204: the run ended and was read to its
 * end). Rejects with an HTTPError (e.g. 404: the run is unknown, or finished longer
 * ago than the server keeps runs), or when `options.signal` aborts.
 */
export async function followRun(api, runId, onEvent, options = {}) {
  const delays = options.retryDelays ?? DELAYS;
  let last = options.lastEventId ?? null; // the seq of the last event handed to onEvent
  let attempt = 0;
  for (;;) {
    let error;
    try {
      const response = await fetch(endpoint(api, `/runs/${encodeURIComponent(runId)}/stream`), {
        headers: headers(options, {
          Accept: "text/event-stream",
          ...(last === null ? {} : { "Last-Event-ID": String(last) }),
        }),
        cache: "no-store",
        signal: options.signal,
      });
      if (response.status === 204) return null;
      if (!response.ok || !response.body) throw await failure(response);
      for await (const frame of readSSE(response.body)) {
        const event = JSON.parse(frame.data);
        // A frame whose id is not its seq was not numbered by the run: a replica that
        // stops relaying it (shutdown, Redis out of reach) ends its stream so, while
        // the run may go on. Reconnect instead of taking it for the run's end.
        if (frame.id !== String(event.seq)) {
          error = new Error(`the stream stopped early (${event.error ?? event.type})`);
          break;
        }
        if (last !== null && event.seq <= Number(last)) continue; // never twice
        last = event.seq;
        attempt = 0; // the connection works: start the delays over
        onEvent(event);
        if (event.type === "done") return event;
      }
      error ??= new Error("the stream ended before its done event");
    } catch (caught) {
      if (options.signal?.aborted) throw caught;
      // A TypeError is the network (offline, connection cut); an HTTPError of 5xx
      // (a replica restarting, 503 with Redis out of reach) may pass too.
      if (caught instanceof HTTPError && caught.status < 500) throw caught;
      error = caught;
    }
    const delay = delays[Math.min(attempt, delays.length - 1)];
    attempt += 1;
    options.onReconnect?.({ attempt, delay, lastEventId: last, error });
    await pause(delay, options.signal);
  }
}
