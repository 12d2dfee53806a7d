// The operator console: a tenant's live calls, a call's transcript and events as they happen
// (GET /v1/events, read with fetch so the token travels in the Authorization header), commands to a
// call, outbound calls, and recent ended calls. No framework; every value reaches the page as text.

const LIVE = ["ringing", "answered", "active", "transferring"];
const $ = (selector) => document.querySelector(selector);

const state = {
  token: sessionStorage.getItem("voicegw.token") || "",
  calls: new Map(),       // call_id -> call summary (live and recently ended)
  lines: new Map(),       // call_id -> [{speaker, text, at}]
  events: new Map(),      // call_id -> [text]
  selected: null,
  feed: null,             // AbortController of the event stream
  retry: 1000,
};

function toast(message) {
  const box = $("#toast");
  box.textContent = message;
  box.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove("shown"), 4000);
}

function setFeedStatus(name, text) {
  const status = $("#feed-status");
  status.dataset.state = name;
  status.textContent = text;
}

/** The claims of a JWT, for display only (the server verifies it). */
function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return {};
  }
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Authorization: `Bearer ${state.token}`, ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const message = json.error ? `${json.error.message} (${json.error.code})` : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return json;
}

function since(at) {
  if (!at) return "";
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(at)) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function cell(row, text, field) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (field) td.dataset.field = field;
  return td;
}

function render() {
  const live = [...state.calls.values()].filter((c) => LIVE.includes(c.state));
  const body = $("#live-calls");
  body.replaceChildren();
  for (const call of live.sort((a, b) => a.created_at.localeCompare(b.created_at))) {
    const row = body.insertRow();
    row.dataset.callId = call.call_id;
    row.classList.toggle("selected", call.call_id === state.selected);
    cell(row, call.state, "state").classList.add("state");
    cell(row, call.direction, "direction");
    cell(row, call.from, "from");
    cell(row, call.to, "to");
    cell(row, call.agent_id || "", "agent");
    cell(row, since(call.answered_at || call.created_at), "duration");
    row.addEventListener("click", () => select(call.call_id));
  }
  $("#live-empty").hidden = live.length > 0;

  const ended = [...state.calls.values()].filter((c) => !LIVE.includes(c.state))
    .sort((a, b) => (b.ended_at || b.updated_at).localeCompare(a.ended_at || a.updated_at)).slice(0, 20);
  const recent = $("#recent-calls");
  recent.replaceChildren();
  for (const call of ended) {
    const row = recent.insertRow();
    row.dataset.callId = call.call_id;
    cell(row, new Date(call.ended_at || call.updated_at).toLocaleTimeString(), "ended");
    cell(row, call.direction, "direction");
    cell(row, call.from, "from");
    cell(row, call.to, "to");
    cell(row, call.end_reason || call.state, "reason");
    row.addEventListener("click", () => select(call.call_id));
  }
  renderDetail();
}

function renderDetail() {
  const call = state.calls.get(state.selected);
  $("#detail").hidden = !call;
  if (!call) return;
  $("#detail-id").textContent = call.call_id;
  $("#detail-meta").textContent =
    `${call.direction} · ${call.from || "?"} → ${call.to || "?"} · ${call.state}${call.end_reason ? ` (${call.end_reason})` : ""}`;
  const transcript = $("#transcript");
  transcript.replaceChildren();
  for (const line of state.lines.get(call.call_id) || []) {
    const item = document.createElement("li");
    item.dataset.speaker = line.speaker;
    item.textContent = `${line.speaker}: ${line.text}`;
    transcript.append(item);
  }
  transcript.scrollTop = transcript.scrollHeight;
  const events = $("#call-events");
  events.replaceChildren();
  for (const text of state.events.get(call.call_id) || []) {
    const item = document.createElement("li");
    item.textContent = text;
    events.append(item);
  }
  $("#controls").hidden = !LIVE.includes(call.state);
}

async function select(id) {
  state.selected = id;
  render();
  try {
    const call = await api("GET", `/v1/calls/${encodeURIComponent(id)}`);
    const known = state.lines.get(id) || [];
    // The stored history, then whatever streamed in after it.
    const history = call.history || [];
    const newer = known.filter((line) => !history.some((h) => h.at === line.at && h.text === line.text));
    state.lines.set(id, [...history, ...newer]);
    delete call.history;
    state.calls.set(id, call);
    render();
  } catch (error) {
    toast(`Cannot read the call: ${error.message}`);
  }
}

function remember(call) {
  const before = state.calls.get(call.call_id);
  state.calls.set(call.call_id, { ...before, ...call });
  const log = state.events.get(call.call_id) || [];
  if (!before || before.state !== call.state) {
    log.push(`${new Date(call.updated_at).toLocaleTimeString()} ${call.state}${call.end_reason ? ` (${call.end_reason})` : ""}`);
  }
  state.events.set(call.call_id, log);
}

function handle(block) {
  let type = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  if (!data) return;
  const payload = JSON.parse(data);
  if (type === "call") {
    remember(payload);
  } else if (type === "line") {
    const lines = state.lines.get(payload.call_id) || [];
    lines.push({ speaker: payload.speaker, text: payload.text, at: payload.at });
    state.lines.set(payload.call_id, lines);
  }
  render();
}

async function follow() {
  const controller = new AbortController();
  state.feed = controller;
  setFeedStatus("connecting", "connecting…");
  try {
    const response = await fetch("/v1/events", { headers: { Authorization: `Bearer ${state.token}` }, signal: controller.signal });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
    }
    setFeedStatus("live", "live");
    state.retry = 1000;
    await load();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        handle(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
    throw new Error("the event stream ended");
  } catch (error) {
    if (controller.signal.aborted) return;
    setFeedStatus("error", `offline: ${error.message}`);
    setTimeout(() => { if (state.feed === controller) follow(); }, state.retry);
    state.retry = Math.min(state.retry * 2, 30000);
  }
}

/** The tenant's calls: live ones, and the last pages of ended ones. */
async function load() {
  const live = await api("GET", `/v1/calls?state=${LIVE.join(",")}&limit=100`);
  for (const call of live.calls) remember(call);
  let cursor = "";
  for (let page = 0; page < 5; page++) {
    const query = `/v1/calls?state=ended,transferred,failed&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const ended = await api("GET", query);
    for (const call of ended.calls) remember(call);
    if (!ended.next_cursor) break;
    cursor = ended.next_cursor;
  }
  render();
}

function connect(token) {
  state.token = token.trim();
  sessionStorage.setItem("voicegw.token", state.token);
  const who = claims(state.token);
  $("#who").textContent = who.tenant_id ? `tenant ${who.tenant_id} · ${who.scope || ""}` : "";
  $("#logout").hidden = false;
  state.feed?.abort();
  follow();
}

function command(path, body, done) {
  const id = state.selected;
  if (!id) return;
  api("POST", `/v1/calls/${encodeURIComponent(id)}/${path}`, body)
    .then(() => toast(done))
    .catch((error) => toast(`${path} refused: ${error.message}`));
}

function init() {
  $("#login").addEventListener("submit", (event) => {
    event.preventDefault();
    connect($("#token").value);
  });
  $("#logout").addEventListener("click", () => {
    sessionStorage.removeItem("voicegw.token");
    state.feed?.abort();
    state.token = "";
    state.calls.clear();
    $("#who").textContent = "";
    $("#logout").hidden = true;
    setFeedStatus("off", "offline");
    render();
  });
  $("#hangup").addEventListener("click", () => command("hangup", {}, "Hanging up"));
  $("#say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    command("say", { text: form.text.value, interrupt: form.interrupt.checked }, "Saying it");
    form.reset();
  });
  $("#transfer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    command("transfer", { target: event.target.target.value.trim() }, "Transferring");
  });
  $("#originate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { to: form.to.value.trim(), timeout_s: Number(form.timeout_s.value) };
    if (form.from.value.trim()) body.from = form.from.value.trim();
    if (form.agent_id.value.trim()) body.agent_id = form.agent_id.value.trim();
    api("POST", "/v1/calls", body, { "Idempotency-Key": crypto.randomUUID() })
      .then((placed) => { toast(`Calling ${body.to}`); select(placed.call_id); })
      .catch((error) => toast(`Call refused: ${error.message}`));
  });
  setInterval(() => {
    for (const row of document.querySelectorAll("#live-calls tr")) {
      const call = state.calls.get(row.dataset.callId);
      const cellNode = row.querySelector('[data-field="duration"]');
      if (call && cellNode) cellNode.textContent = since(call.answered_at || call.created_at);
    }
  }, 1000);
  render();
  if (state.token) {
    $("#token").value = state.token;
    connect(state.token);
  }
}

init();
