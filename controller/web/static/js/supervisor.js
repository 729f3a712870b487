// The supervisor's console: calls, waiting callers, agents of the supervisor's queues, live
// from the websocket; actions through the API (which checks and audits each one).

import { makeApi } from "./api.js";
import {
  LiveConnection,
  ServerClock,
  agentChannel,
  applyChange,
  duration,
  emptyLive,
  fill,
  percent,
  readJson,
  takeSnapshot,
  timeOfDay,
} from "./live.js";

const page = readJson("page-data");
const texts = readJson("texts");
const api = makeApi(page.csrf);
const DEVICE_KEY = "pbx.supervisor.device";

function supervisorConsole() {
  const clock = new ServerClock();
  return {
    state: "connecting",
    now: clock.now(),
    live: emptyLive(),
    tiles: [],
    figures: null,
    notice: "",
    followups: [],
    noticeKind: "",
    busy: "",
    device: window.localStorage.getItem(DEVICE_KEY) || page.my_device || "",

    init() {
      new LiveConnection({
        topics: ["calls", "queues", "agents", "board", "figures"],
        clock,
        onSnapshot: (data) => {
          this.now = clock.now(); // the server's clock, known from this message on
          const live = emptyLive();
          takeSnapshot(live, data);
          this.live = live;
          if (data.board) this.tiles = data.board.tiles;
          this.figures = data.figures || this.figures;
        },
        onMessage: (message) => {
          if (message.type === "board") this.tiles = message.data.tiles;
          else if (message.type === "figures") this.figures = message.data;
          else applyChange(this.live, message);
        },
        onState: (state) => {
          this.state = state;
        },
      }).start();
      setInterval(() => {
        this.now = clock.now();
      }, 500);
      if (page.may && page.may.followups) {
        this.loadFollowups();
        setInterval(() => this.loadFollowups(), 60_000);
      }
    },

    // -- follow-ups (工单) of this console's queues: open and in progress ----------------
    async loadFollowups() {
      try {
        // The API gives a supervisor those of their queues and of their queues' agents.
        const found = await api.get("/api/v1/followups?limit=200");
        this.followups = (found.followups || []).filter((f) => f.status !== "done");
      } catch (error) {
        this.say(error.message, "error");
      }
    },
    followupStatus(row) {
      return texts[`followup_${row.status}`] || row.status;
    },
    followupDue(row) {
      if (!row.due_at) return "–";
      const date = new Date(row.due_at);
      return `${date.toLocaleDateString(page.language === "zh" ? "zh-CN" : "en-GB")} ${timeOfDay(date.getTime() / 1000, page.language)}`;
    },
    followupOverdue(row) {
      return Boolean(row.due_at && Date.parse(row.due_at) / 1000 < this.now);
    },
    mayFollowups() {
      return Boolean(page.may && page.may.followups);
    },
    mayCloseFollowups() {
      return Boolean(page.may && page.may.followups_write);
    },
    async closeFollowup(row) {
      await this.act(`followup:${row.id}`, async () => {
        await api.patch(`/api/v1/followups/${row.id}`, { status: "done", version: row.version });
        await this.loadFollowups();
      }, texts.done_followup);
    },

    get isLive() {
      return this.state === "live";
    },
    get connectionText() {
      return texts[this.state] || this.state;
    },

    // -- queues -------------------------------------------------------------------------
    queueName(name) {
      if (name === "") return texts.total;
      return (page.queues || {})[name] || name || "–";
    },
    get summary() {
      const order = Object.keys(page.queues || {});
      const rank = (q) => (q === "" ? order.length : order.indexOf(q));
      return [...this.tiles].sort((a, b) => rank(a.queue) - rank(b.queue));
    },
    longest(tile) {
      if (tile.oldest_joined_at === null) return "0:00";
      return duration(Math.max(tile.longest_wait_s, this.now - tile.oldest_joined_at));
    },
    day(tile) {
      // Counted, and no call of this queue today: zeros (not "no figures").
      if (!this.figures) return null;
      return this.figures.queues[tile.queue] || { answered: 0, offered: 0, service_level: null };
    },
    serviceLevel(tile) {
      const day = this.day(tile);
      return day ? percent(day.service_level, page.language) : "–";
    },
    answered(tile) {
      const day = this.day(tile);
      return day ? `${day.answered} / ${day.offered}` : "–";
    },
    get waitingCallers() {
      const rows = [];
      for (const queue of Object.values(this.live.queues)) {
        for (const caller of queue.callers) {
          const call = this.live.calls[caller.linkedid];
          rows.push({
            key: caller.uniqueid,
            queue: queue.name,
            position: caller.position,
            caller: this.callerText(caller),
            since: call ? call.started_at : null,
            priority: caller.priority,
          });
        }
      }
      return rows.sort((a, b) => (a.since || 0) - (b.since || 0));
    },
    callerText(who) {
      const name = who.caller_name && who.caller_name !== who.caller_num ? ` ${who.caller_name}` : "";
      return `${who.caller_num || texts.unknown}${name}`;
    },
    since(epoch) {
      return epoch ? duration(this.now - epoch) : "–";
    },

    // -- calls --------------------------------------------------------------------------
    get calls() {
      return Object.values(this.live.calls).sort((a, b) => a.started_at - b.started_at);
    },
    callState(call) {
      return texts[`call_${call.state}`] || call.state;
    },
    agentsOn(call) {
      const codes = call.agents.length ? call.agents : (call.channels || [])
        .filter((c) => c.agent).map((c) => c.agent);
      return [...new Set(codes)].map((code) => this.agentName(code)).join(", ") || "–";
    },
    waited(call) {
      const end = call.answered_at || this.now;
      return duration(end - call.started_at);
    },
    talk(call) {
      return call.answered_at ? duration(this.now - call.answered_at) : "–";
    },
    maySpy(call, mode) {
      return Boolean(page.may && page.may[mode]) && (call.state === "talking" || call.state === "on_hold")
        && agentChannel(call, null) !== null;
    },
    async spy(call, mode) {
      const channel = agentChannel(call, null);
      if (!channel) return;
      if (!this.device) {
        this.say(texts.need_device, "error");
        return;
      }
      window.localStorage.setItem(DEVICE_KEY, this.device);
      await this.act(`${mode}:${call.linkedid}`, () => api.post(
        `/api/v1/channels/${encodeURIComponent(channel.uniqueid)}/spy`,
        { mode, supervisor_device: this.device },
      ), texts[`spy_${mode}`]);
    },
    setDevice(event) {
      this.device = event.target.value.trim();
      window.localStorage.setItem(DEVICE_KEY, this.device);
    },

    // -- agents -------------------------------------------------------------------------
    agentName(code) {
      const found = (page.agents || []).find((a) => a.code === code);
      return found ? `${found.name} (${code})` : code;
    },
    get agents() {
      return (page.agents || []).map((agent) => {
        const seat = this.live.seats[agent.code];
        return {
          code: agent.code,
          name: agent.name,
          seat: seat || null,
          state: seat ? seat.state : "logged_out",
          queues: seat && seat.queues.length ? seat.queues : [],
          configured: agent.queues,
          logins: agent.login_queues || [],
        };
      });
    },
    stateText(row) {
      const text = texts[`state_${row.state}`] || row.state;
      if (row.state === "paused" && row.seat && row.seat.reason) {
        return `${text}: ${this.reasonLabel(row.seat.reason)}`;
      }
      return text;
    },
    stateClass(row) {
      return `badge state-${row.state}`;
    },
    inState(row) {
      return row.seat && row.state !== "logged_out" ? duration(this.now - row.seat.since) : "";
    },
    queueChips(row) {
      // The agent's queues this console sees: those the agent is in, and those it could
      // join (queues that need a login); join and leave one at a time.
      const seen = (q) => Object.prototype.hasOwnProperty.call(page.queues || {}, q);
      const names = [...new Set([...row.queues, ...row.logins])].filter(seen);
      const paused = (row.seat && row.seat.paused_in) || [];
      const manage = this.mayManage();
      return names.map((name) => {
        const member = row.queues.includes(name);
        const login = row.logins.includes(name);
        const label = paused.includes(name) ? `${this.queueName(name)} (${texts.paused_here})` : this.queueName(name);
        return {
          name, label,
          shown: this.queueName(name),
          cls: member ? "in" : "out",
          mayJoin: manage && login && !member,
          mayLeave: manage && login && member,
        };
      });
    },
    async joinQueue(row, q) {
      await this.act(`join:${row.code}:${q.name}`, () => api.post(`/api/v1/agents/${row.code}/login`, { queues: [q.name] }),
        fill(texts.done_join, { queue: q.shown }));
    },
    async leaveQueue(row, q) {
      await this.act(`leave:${row.code}:${q.name}`, () => api.post(`/api/v1/agents/${row.code}/logout`, { queues: [q.name] }),
        fill(texts.done_leave, { queue: q.shown }));
    },
    reasonLabel(code) {
      const found = (page.pause_reasons || []).find((r) => r.code === code);
      return found ? found.label : code;
    },
    get reasons() {
      return page.pause_reasons || [];
    },
    mayManage() {
      return Boolean(page.may && page.may.agents);
    },
    isLoggedIn(row) {
      return row.state !== "logged_out";
    },
    isPaused(row) {
      return row.state === "paused" || Boolean(row.seat && row.seat.paused_in && row.seat.paused_in.length);
    },
    async login(row) {
      await this.act(`login:${row.code}`, () => api.post(`/api/v1/agents/${row.code}/login`, {}), texts.done_login);
    },
    async logout(row) {
      await this.act(`logout:${row.code}`, () => api.post(`/api/v1/agents/${row.code}/logout`), texts.done_logout);
    },
    async unpause(row) {
      await this.act(`unpause:${row.code}`, () => api.post(`/api/v1/agents/${row.code}/unpause`), texts.done_unpause);
    },
    async pauseWith(row, event) {
      const reason = event.target.value;
      event.target.value = "";
      if (!reason) return;
      await this.act(`pause:${row.code}`, () => api.post(`/api/v1/agents/${row.code}/pause`, { reason }), texts.done_pause);
    },

    // -- feedback -----------------------------------------------------------------------
    async act(key, work, success) {
      this.busy = key;
      try {
        await work();
        this.say(success, "ok");
      } catch (error) {
        this.say(error.message, "error");
      } finally {
        this.busy = "";
      }
    },
    say(text, kind) {
      this.notice = text;
      this.noticeKind = `notice ${kind}`;
    },
  };
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("supervisorConsole", supervisorConsole);
});
