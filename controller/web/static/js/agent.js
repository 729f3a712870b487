// The agent's workspace: own seat, the call in hand with its screen pop, call control,
// notes and disposition, follow-ups and callbacks. Live from the websocket (this agent's
// seat, calls and pops only); every action is an API call checked on the agent's own call.

import { makeApi } from "./api.js";
import {
  LiveConnection,
  ServerClock,
  agentChannel,
  applyChange,
  duration,
  emptyLive,
  fill,
  readJson,
  takeSnapshot,
  timeOfDay,
} from "./live.js";

const page = readJson("page-data");
const texts = readJson("texts");
const api = makeApi(page.csrf);
const me = page.agent.code;
const POPS_KEY = `pbx.agent.${me}.pops`; // this tab's pops survive a reload
const POPS_KEPT = 5;
const DEVICE_KEY = "pbx.agent.device"; // where this browser's agent sits (hot desk)

// Pops the page showed, for the browser test's measurement (ring -> pop on screen).
window.pbxPops = [];

function workspace() {
  const clock = new ServerClock();
  return {
    state: "connecting",
    now: clock.now(),
    live: emptyLive(),
    tiles: [],
    pops: {}, // linkedid -> screen pop
    lastCall: "", // the call the notes are about: the current one, or the last one
    notice: "",
    noticeKind: "",
    busy: false,
    // notes and disposition of lastCall
    noteFor: "",
    dispositions: [],
    disposition: "",
    notes: "",
    noteSaved: "",
    // transfer
    transferKind: "blind",
    targetKind: "agent",
    target: "",
    // follow-ups and click-to-call
    followupsAvailable: true,
    followups: [],
    customerFollowups: [],
    followupSubject: "",
    followupDue: "",
    dialNumber: "",
    device: window.localStorage.getItem(DEVICE_KEY) || page.agent.device || "",

    init() {
      try {
        this.pops = JSON.parse(window.sessionStorage.getItem(POPS_KEY) || "{}");
      } catch (error) {
        this.pops = {};
      }
      new LiveConnection({
        topics: ["calls", "agents", "screen_pops", "board"],
        agents: [me],
        clock,
        onSnapshot: (data) => {
          this.now = clock.now();
          const live = emptyLive();
          takeSnapshot(live, data);
          this.live = live;
          if (data.board) this.tiles = data.board.tiles;
          this.followCalls();
        },
        onMessage: (message) => {
          if (message.type === "screen_pop") this.popped(message.data);
          else if (message.type === "board") this.tiles = message.data.tiles;
          else if (applyChange(this.live, message)) this.followCalls();
        },
        onState: (state) => {
          this.state = state;
        },
      }).start();
      setInterval(() => {
        this.now = clock.now();
      }, 500);
      this.loadFollowups();
    },

    get isLive() {
      return this.state === "live";
    },
    get connectionText() {
      return texts[this.state] || this.state;
    },

    // -- my seat ------------------------------------------------------------------------
    get seat() {
      return this.live.seats[me] || null;
    },
    get seatState() {
      return this.seat ? this.seat.state : "logged_out";
    },
    get stateText() {
      const text = texts[`state_${this.seatState}`] || this.seatState;
      if (this.seatState === "paused" && this.seat.reason) return `${text}: ${this.reasonLabel(this.seat.reason)}`;
      return text;
    },
    get stateClass() {
      return `badge big state-${this.seatState}`;
    },
    get stateTimer() {
      const seat = this.seat;
      if (!seat || this.seatState === "logged_out") return "";
      if (this.seatState === "wrap_up" && seat.wrapup_until) {
        return `${texts.left} ${duration(seat.wrapup_until - this.now)}`;
      }
      return duration(this.now - seat.since);
    },
    get loggedIn() {
      return this.seatState !== "logged_out";
    },
    get paused() {
      return this.seatState === "paused" || Boolean(this.seat && this.seat.paused_in && this.seat.paused_in.length);
    },
    get myQueues() {
      const seat = this.seat;
      return Object.entries(page.queues || {}).map(([name, shown]) => {
        const tile = this.tiles.find((t) => t.queue === name);
        let status = texts.q_out;
        if (seat && seat.queues.includes(name)) {
          status = seat.paused_in && seat.paused_in.includes(name) ? texts.q_paused : texts.q_in;
        }
        // Per-queue login, for the queues that need one: join while logged in elsewhere,
        // leave while in it (the last one left logs the agent out).
        const login = (page.login_queues || []).includes(name);
        const member = Boolean(seat && seat.queues.includes(name));
        return {
          name, shown, status,
          waiting: tile ? tile.waiting : 0,
          mayJoin: login && this.loggedIn && !member,
          mayLeave: login && this.loggedIn && member,
        };
      });
    },
    async joinQueue(q) {
      // No device: the login stays at the phone the agent is logged in at.
      const body = { queues: [q.name] };
      await this.act(() => api.post(`/api/v1/agents/${me}/login`, body), fill(texts.done_join, { queue: q.shown }));
    },
    async leaveQueue(q) {
      await this.act(() => api.post(`/api/v1/agents/${me}/logout`, { queues: [q.name] }), fill(texts.done_leave, { queue: q.shown }));
    },
    reasonLabel(code) {
      const found = (page.pause_reasons || []).find((r) => r.code === code);
      return found ? found.label : code;
    },
    get reasons() {
      return page.pause_reasons || [];
    },
    setDevice(event) {
      this.device = event.target.value.trim();
    },
    async login() {
      const body = this.device ? { device: this.device } : {};
      if (this.device) window.localStorage.setItem(DEVICE_KEY, this.device);
      await this.act(() => api.post(`/api/v1/agents/${me}/login`, body), texts.done_login);
    },
    async logout() {
      await this.act(() => api.post(`/api/v1/agents/${me}/logout`), texts.done_logout);
    },
    async ready() {
      await this.act(() => api.post(`/api/v1/agents/${me}/unpause`), texts.done_ready);
    },
    async pauseWith(event) {
      const reason = event.target.value;
      event.target.value = "";
      if (reason) await this.act(() => api.post(`/api/v1/agents/${me}/pause`, { reason }), texts.done_pause);
    },

    // -- the call in hand ---------------------------------------------------------------
    get myCalls() {
      return Object.values(this.live.calls)
        .filter((c) => c.agents.includes(me) || (c.channels || []).some((ch) => ch.agent === me))
        .sort((a, b) => a.started_at - b.started_at);
    },
    get call() {
      const calls = this.myCalls;
      return calls.length ? calls[0] : null;
    },
    get consultation() {
      const calls = this.myCalls;
      return calls.length > 1 ? calls[calls.length - 1] : null;
    },
    get ringingPop() {
      // A pop whose call this agent is not on yet: the phone rings.
      if (this.call) return null;
      const pop = this.pops[this.lastCall];
      return pop && !pop.answered ? pop : null;
    },
    get shown() {
      // What the caller panel shows: the call in hand, else the ringing pop, else the last.
      const linkedid = this.call ? this.call.linkedid : this.lastCall;
      if (!linkedid) return null;
      const call = this.live.calls[linkedid] || null;
      const pop = this.pops[linkedid] || null;
      return { linkedid, call, pop };
    },
    followCalls() {
      const call = this.call;
      if (call && call.linkedid !== this.lastCall) this.switchTo(call.linkedid);
      if (call && this.pops[call.linkedid]) this.pops[call.linkedid].answered = true;
    },
    popped(pop) {
      this.pops[pop.linkedid] = { ...pop, answered: false, shown_at: Date.now() };
      const kept = Object.values(this.pops).sort((a, b) => b.shown_at - a.shown_at).slice(0, POPS_KEPT);
      window.sessionStorage.setItem(POPS_KEY, JSON.stringify(Object.fromEntries(kept.map((p) => [p.linkedid, p]))));
      window.pbxPops.push({ linkedid: pop.linkedid, shownAt: Date.now() });
      if (!this.call) this.switchTo(pop.linkedid);
      this.loadCustomerFollowups(pop);
    },
    switchTo(linkedid) {
      this.lastCall = linkedid;
      this.loadNotes(linkedid);
    },
    callerNumber(view) {
      if (view.pop) return view.pop.caller_num;
      return view.call ? view.call.caller_num : "";
    },
    callerName(view) {
      const pop = view.pop;
      if (pop && pop.customer) return pop.customer.name;
      const name = pop ? pop.caller_name : view.call && view.call.caller_name;
      return name && name !== this.callerNumber(view) ? name : "";
    },
    region(view) {
      return (view.pop && view.pop.region) || (view.call && view.call.region) || "";
    },
    isVip(view) {
      return Boolean((view.pop && (view.pop.vip || (view.pop.customer && view.pop.customer.vip))));
    },
    customer(view) {
      return view.pop && view.pop.customer ? view.pop.customer : null;
    },
    lastCalls(view) {
      return view.pop ? view.pop.last_calls || [] : [];
    },
    crmUrl(view) {
      const url = view.pop && (view.pop.screen_pop_url || view.pop.crm_url);
      return url && /^https?:\/\//.test(url) ? url : "";
    },
    callStateText(view) {
      if (!view.call) return view.pop && !view.pop.answered ? texts.call_ringing : texts.call_ended;
      return texts[`call_${view.call.state}`] || view.call.state;
    },
    talkTime(view) {
      if (!view.call || !view.call.answered_at) return "";
      return duration(this.now - view.call.answered_at);
    },
    queueName(name) {
      return (page.queues || {})[name] || name || "";
    },
    agentsText(row) {
      return row.agents.length ? row.agents.join(", ") : "–";
    },
    outcomeText(row) {
      return texts[`outcome_${row.outcome}`] || row.outcome || "–";
    },
    when(iso) {
      const date = new Date(iso);
      return `${date.toLocaleDateString(page.language === "zh" ? "zh-CN" : "en-GB")} ${timeOfDay(date.getTime() / 1000, page.language)}`;
    },

    // -- call control -------------------------------------------------------------------
    get channel() {
      return this.call ? agentChannel(this.call, me) : null;
    },
    get onHold() {
      return Boolean(this.call && this.call.state === "on_hold");
    },
    get holdLabel() {
      return this.onHold ? texts.unhold : texts.hold;
    },
    get mayControl() {
      return Boolean(page.may.control && this.channel);
    },
    get recordingAllowed() {
      // The queue's policy records it anyway: the agent neither starts nor stops it.
      if (!page.may.record || !this.channel) return false;
      const policy = (page.recording || {})[this.call.queue];
      return !policy || policy === "none";
    },
    get recordedByPolicy() {
      if (!this.call) return false;
      const policy = (page.recording || {})[this.call.queue];
      return Boolean(policy && policy !== "none");
    },
    get recording() {
      return Boolean(this.call && this.call.recording);
    },
    channelPath(action) {
      return `/api/v1/channels/${encodeURIComponent(this.channel.uniqueid)}/${action}`;
    },
    async toggleHold() {
      const action = this.onHold ? "unhold" : "hold";
      await this.act(() => api.post(this.channelPath(action)), texts[`done_${action}`]);
    },
    async hangup() {
      await this.act(() => api.post(this.channelPath("hangup")), texts.done_hangup);
    },
    setTransferKind(event) {
      this.transferKind = event.target.value;
    },
    setTargetKind(event) {
      this.targetKind = event.target.value;
    },
    setTarget(event) {
      this.target = event.target.value.trim();
    },
    async transfer() {
      if (!this.target) {
        this.say(texts.need_target, "error");
        return;
      }
      const body = { kind: this.transferKind, target: { kind: this.targetKind, value: this.target } };
      await this.act(() => api.post(this.channelPath("transfer"), body), texts[`done_${this.transferKind}`]);
    },
    async cancelTransfer() {
      await this.act(() => api.post(this.channelPath("transfer/cancel")), texts.done_cancel);
    },
    async record(action) {
      await this.act(() => api.post(this.channelPath("recording"), { action }), texts[`done_record_${action}`]);
    },

    // -- notes and disposition ------------------------------------------------------------
    async loadNotes(linkedid) {
      this.noteFor = "";
      this.noteSaved = "";
      if (!page.may.notes || !linkedid) return;
      try {
        const found = await api.get(`/api/v1/calls/${encodeURIComponent(linkedid)}/notes`);
        if (linkedid !== this.lastCall) return;
        const mine = (found.notes || []).find((n) => n.agent === me);
        this.dispositions = found.dispositions || [];
        this.disposition = mine && mine.disposition ? mine.disposition : "";
        this.notes = mine ? mine.notes || "" : "";
        this.noteFor = linkedid;
      } catch (error) {
        // Not yet known as this agent's call (still ringing): tried again when answered.
        if (linkedid === this.lastCall) setTimeout(() => {
          if (linkedid === this.lastCall && !this.noteFor) this.loadNotes(linkedid);
        }, 1500);
      }
    },
    setDisposition(event) {
      this.disposition = event.target.value;
    },
    setNotes(event) {
      this.notes = event.target.value;
    },
    async saveNotes() {
      const linkedid = this.noteFor;
      const body = { disposition: this.disposition || null, notes: this.notes };
      await this.act(async () => {
        await api.put(`/api/v1/calls/${encodeURIComponent(linkedid)}/notes`, body);
        this.noteSaved = fillTime(texts.saved_at, timeOfDay(Date.now() / 1000, page.language));
      }, texts.done_notes);
    },

    // -- follow-ups, callbacks, click-to-call ---------------------------------------------
    async loadFollowups() {
      try {
        const found = await api.get(`/api/v1/followups?assignee=${encodeURIComponent(me)}&limit=50`);
        this.followups = (found.followups || []).filter((f) => f.status !== "done");
      } catch (error) {
        this.followupsAvailable = error.status !== 404 && error.status !== 405;
      }
    },
    async loadCustomerFollowups(pop) {
      this.customerFollowups = [];
      if (!this.followupsAvailable) return;
      const query = pop.customer ? `customer=${encodeURIComponent(pop.customer.code)}`
        : pop.caller_num ? `number=${encodeURIComponent(pop.caller_num)}` : "";
      if (!query) return;
      try {
        const found = await api.get(`/api/v1/followups?${query}&limit=20`);
        this.customerFollowups = (found.followups || []).filter((f) => f.status !== "done");
      } catch (error) {
        this.customerFollowups = [];
      }
    },
    followupNumber(row) {
      return row.customer_number || "";
    },
    followupDueText(row) {
      return row.due_at ? this.when(row.due_at) : "";
    },
    setFollowupSubject(event) {
      this.followupSubject = event.target.value;
    },
    setFollowupDue(event) {
      this.followupDue = event.target.value;
    },
    async createFollowup() {
      if (!this.followupSubject.trim()) {
        this.say(texts.need_subject, "error");
        return;
      }
      const body = { subject: this.followupSubject.trim(), notes: this.notes };
      if (this.noteFor) body.linkedid = this.noteFor;
      if (this.followupDue) body.due_at = new Date(this.followupDue).toISOString();
      await this.act(async () => {
        await api.post("/api/v1/followups", body);
        this.followupSubject = "";
        this.followupDue = "";
        await this.loadFollowups();
      }, texts.done_followup);
    },
    get mayCloseFollowups() {
      return Boolean(page.may.followups);
    },
    async closeFollowup(row) {
      // The version it was listed at: a 409 (shown) when someone changed it meanwhile.
      await this.act(async () => {
        await api.patch(`/api/v1/followups/${row.id}`, { status: "done", version: row.version });
        await this.loadFollowups();
      }, texts.done_followup_closed);
    },
    async callBack(row) {
      await this.dial(this.followupNumber(row));
    },
    setDialNumber(event) {
      this.dialNumber = event.target.value.trim();
    },
    async dialTyped() {
      await this.dial(this.dialNumber);
    },
    async dial(number) {
      if (!number) {
        this.say(texts.need_number, "error");
        return;
      }
      await this.act(() => api.post("/api/v1/calls/originate", { number }), texts.done_dial);
    },

    // -- feedback ------------------------------------------------------------------------
    async act(work, success) {
      this.busy = true;
      try {
        await work();
        this.say(success, "ok");
      } catch (error) {
        this.say(error.message, "error");
      } finally {
        this.busy = false;
      }
    },
    say(text, kind) {
      this.notice = text;
      this.noticeKind = `notice ${kind}`;
    },
  };
}

function fillTime(text, time) {
  return text.replace("{time}", time);
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("workspace", workspace);
});
