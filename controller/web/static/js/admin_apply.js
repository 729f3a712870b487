// The admin's Apply: POST /admin/apply starts it and answers at once; its progress and its
// one result (applied, nothing, refused, rolled_back) come over the websocket (`apply`).
// After a reconnect the page asks /admin/apply/state, so a result is never missed.

import { makeApi } from "./api.js";
import { LiveConnection, ServerClock, fill, readJson } from "./live.js";

const page = readJson("page-data");
const texts = readJson("texts");
const stepTexts = readJson("apply-step-texts");
const api = makeApi(page.csrf);
const CONNECTION = { connecting: "…", live: "", reconnecting: "⟳" };

function applyPanel() {
  return {
    state: "connecting",
    apply: page.apply || { state: "idle" },
    error: "",
    listedBefore: false,

    init() {
      const connection = new LiveConnection({
        topics: ["apply"],
        clock: new ServerClock(),
        onSnapshot: () => this.refresh(),
        onMessage: (message) => {
          if (message.type === "apply") this.take(message.data);
        },
        onState: (state) => {
          this.state = state;
        },
      });
      connection.start();
    },

    take(data) {
      // The answer to the POST may come after the result it started (a quick apply): an
      // apply's "running" never replaces its own end.
      const current = this.apply || {};
      if (data.id < (current.id || 0)) return;
      if (data.id === current.id && data.state === "running" && current.state !== "running") return;
      // Steps are published as they happen; a late copy never takes one back.
      const stepsOf = (state) => (state.steps || []).length;
      if (data.id === current.id && data.state === "running" && stepsOf(data) < stepsOf(current)) return;
      // The files listed below the button are from before this apply: offer to list again.
      if (current.state === "running" && data.state !== "running") this.listedBefore = true;
      this.apply = data;
    },

    async refresh() {
      try {
        this.take(await api.get("/admin/apply/state"));
      } catch (error) {
        this.error = fill(texts.failed, { message: error.message });
      }
    },

    async start() {
      this.error = "";
      try {
        this.take(await api.post("/admin/apply"));
      } catch (error) {
        this.error = error.status === 409 ? `${texts.busy} ${error.message}` : fill(texts.failed, { message: error.message });
      }
    },

    get running() {
      return this.apply.state === "running";
    },
    get stateText() {
      return CONNECTION[this.state] || "";
    },
    get resultText() {
      if (this.error) return this.error;
      return texts[this.apply.state] || "";
    },
    get resultClass() {
      const state = this.error ? "refused" : this.apply.state;
      return `result-${state}`;
    },
    get changed() {
      return this.apply.changed || [];
    },
    get reloaded() {
      return this.apply.reloaded || [];
    },
    get problems() {
      // Those the faults list names with their object and field are not listed twice.
      const named = new Set((this.apply.faults || []).map((fault) => fault.message));
      return (this.apply.problems || []).filter((problem) => !named.has(problem));
    },
    // One row per step (and module): its start and its end are one line that turns to done or
    // failed, in the order the apply did them.
    get stepRows() {
      const rows = [];
      const byKey = {};
      for (const step of this.apply.steps || []) {
        const key = `${step.step}/${step.module}`;
        let row = byKey[key];
        if (!row) {
          const module = stepTexts.modules[step.module] || step.module;
          row = { key, label: fill(stepTexts[step.step] || step.step, { module }), status: "", detail: "" };
          byKey[key] = row;
          rows.push(row);
        }
        row.status = step.status;
        // A refusal whose faults are listed below (object and field) is not repeated here.
        row.detail = step.status === "failed" && !this.faults.length ? step.detail : "";
        row.statusText = stepTexts.status[step.status] || step.status;
        row.css = `step step-${step.status}`;
      }
      return rows;
    },
    get faults() {
      return (this.apply.faults || []).map((fault, index) => ({
        key: `${index}`,
        link: fault.link,
        object: `${stepTexts.sections[fault.section] || fault.section} ${fault.key}`,
        field: fault.field,
        message: fault.prompt ? fill(stepTexts.missing_prompt, { name: fault.prompt }) : fault.message,
      }));
    },
    get changedText() {
      return this.changed.join(", ");
    },
    get reloadedText() {
      return this.reloaded.map((module) => stepTexts.modules[module] || module).join(", ");
    },
  };
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("applyPanel", applyPanel);
});
