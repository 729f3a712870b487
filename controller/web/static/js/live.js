// What the live pages share: the websocket with its reconnects, the server's clock, formats.
// ES module, no globals; the pages' modules import from it (docs/web.md).

export function readJson(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

// Timers count on the server's clock: Asterisk's times are the server's, the browser's clock
// may be minutes off. Every message carrying server_time sets the offset.
export class ServerClock {
  constructor() {
    this.offset = 0;
  }

  update(serverTime) {
    this.offset = serverTime - Date.now() / 1000;
  }

  now() {
    return Date.now() / 1000 + this.offset;
  }
}

const QUIET_PING_MS = 5000; // nothing heard for this long: ask the server
const QUIET_DEAD_MS = 12000; // still nothing: the connection is gone, open a new one
const RETRY_MAX_MS = 10000;

// One websocket to /api/v1/ws with the session cookie. States: "connecting" (first time),
// "live" (snapshot received), "reconnecting" (lost; the page must not show its data as live).
// Every new connection starts with a snapshot that replaces what the page holds.
export class LiveConnection {
  constructor({ topics, agents = [], clock, onSnapshot, onMessage, onState }) {
    this.topics = topics;
    this.agents = agents;
    this.clock = clock;
    this.onSnapshot = onSnapshot;
    this.onMessage = onMessage;
    this.onState = onState || (() => {});
    this.ws = null;
    this.failures = 0;
    this.everLive = false;
    this.lastHeard = 0;
    this.pings = 0;
    this.state = "";
  }

  start() {
    this.connect();
    setInterval(() => this.check(), 1000);
  }

  url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}/api/v1/ws`;
  }

  setState(state) {
    if (state !== this.state) {
      this.state = state;
      this.onState(state);
    }
  }

  connect() {
    this.setState(this.everLive ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
      ws.send(JSON.stringify({ subscribe: this.topics, agents: this.agents }));
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      this.dispatch(JSON.parse(event.data));
    };
    ws.onclose = () => {
      if (this.ws === ws) this.lost();
    };
  }

  dispatch(message) {
    const data = message.data || {};
    if (typeof data.server_time === "number") this.clock.update(data.server_time);
    if (message.type === "snapshot") {
      this.failures = 0;
      this.everLive = true;
      this.onSnapshot(data);
      this.setState("live");
    } else if (message.type === "error") {
      console.warn("websocket:", data.message);
    } else if (message.type !== "pong" && message.type !== "subscribed") {
      this.onMessage(message);
    }
  }

  check() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const quiet = Date.now() - this.lastHeard;
    if (quiet > QUIET_DEAD_MS) {
      this.ws = null; // its close event may come much later: do not wait for it
      ws.close();
      this.lost();
    } else if (quiet > QUIET_PING_MS) {
      this.pings += 1;
      ws.send(JSON.stringify({ ping: this.pings }));
    }
  }

  lost() {
    this.ws = null;
    this.setState(this.everLive ? "reconnecting" : "connecting");
    this.failures += 1;
    const delay = Math.min(RETRY_MAX_MS, 500 * 2 ** Math.min(this.failures, 5));
    setTimeout(() => this.retry(), delay * (0.75 + Math.random() / 2));
  }

  async retry() {
    if (this.failures >= 2) {
      // Still refused: signed out (session ended, kiosk unpaired) or the server is away.
      // Only a server that answers "not signed in" sends the page to its sign-in.
      try {
        const me = await fetch("/api/v1/me", { credentials: "same-origin", cache: "no-store" });
        if (me.status === 401) {
          window.location.reload();
          return;
        }
      } catch (error) {
        // the server is away: keep trying
      }
    }
    this.connect();
  }
}

// "1:05", "12:00", "1:02:03"; "" for null.
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function percent(share, language) {
  if (share === null || share === undefined) return "–";
  const format = new Intl.NumberFormat(language === "zh" ? "zh-CN" : "en", {
    style: "percent",
    maximumFractionDigits: 1,
  });
  return format.format(share);
}

export function timeOfDay(epochSeconds, language) {
  const format = new Intl.DateTimeFormat(language === "zh" ? "zh-CN" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  return format.format(new Date(epochSeconds * 1000));
}

// "{name}" placeholders of the catalogue's texts the scripts fill in.
export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

// Amber and red past a threshold: {amber, red}; higher is worse unless lowerIsWorse.
export function level(value, threshold, lowerIsWorse = false) {
  if (value === null || value === undefined || !threshold) return "";
  const worse = (limit) => (lowerIsWorse ? value < limit : value >= limit);
  if (threshold.red !== null && threshold.red !== undefined && worse(threshold.red)) return "red";
  if (threshold.amber !== null && threshold.amber !== undefined && worse(threshold.amber)) {
    return "amber";
  }
  return "";
}

// Live calls, queues and seats as the websocket describes them: a snapshot, then each
// change replaces one object (or ends a call). Plain objects keyed by id, so a page's
// reactive state can hold them.
export function emptyLive() {
  return { calls: {}, queues: {}, seats: {} };
}

export function takeSnapshot(live, data) {
  live.calls = Object.fromEntries((data.calls || []).map((c) => [c.linkedid, c]));
  live.queues = Object.fromEntries((data.queues || []).map((q) => [q.name, q]));
  live.seats = Object.fromEntries((data.agents || []).map((s) => [s.agent, s]));
}

export function applyChange(live, message) {
  const data = message.data;
  if (message.type === "call") live.calls[data.linkedid] = data;
  else if (message.type === "call_ended") delete live.calls[data.linkedid];
  else if (message.type === "queue") live.queues[data.name] = data;
  else if (message.type === "agent") live.seats[data.agent] = data;
  else return false;
  return true;
}

// The agent's own phone on a call: the channel to act on (hold, transfer, record, spy).
export function agentChannel(call, agent) {
  const mine = (call.channels || []).filter((c) => c.agent && (!agent || c.agent === agent));
  return mine.find((c) => c.bridge) || mine[0] || null;
}
