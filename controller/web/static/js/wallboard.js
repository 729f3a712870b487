// The wallboard: tiles from the websocket's `board` messages, today's figures from `figures`.
// Nothing here computes a figure: it formats, keeps the longest wait counting between
// messages, colours past the queue's thresholds, and says when what it shows is not live.

import {
  LiveConnection,
  ServerClock,
  duration,
  fill,
  level,
  percent,
  readJson,
  timeOfDay,
} from "./live.js";

const page = readJson("page-data");
const NOTHING_TODAY = {
  offered: 0, answered: 0, abandoned: 0, short_abandoned: 0, service_level: null,
  service_level_variant: "E", service_level_seconds: null, asa_seconds: null, aht_seconds: null,
};
const texts = readJson("texts");

function wallboard() {
  const clock = new ServerClock();
  let connection = null;
  return {
    state: "connecting",
    now: clock.now(),
    tiles: [],
    thresholds: {},
    figures: null,

    init() {
      connection = new LiveConnection({
        topics: ["board", "figures"],
        clock,
        onSnapshot: (data) => {
          this.now = clock.now(); // the server's clock, known from this message on
          if (data.board) this.takeBoard(data.board);
          this.figures = data.figures || this.figures;
        },
        onMessage: (message) => {
          if (message.type === "board") this.takeBoard(message.data);
          if (message.type === "figures") this.figures = message.data;
        },
        onState: (state) => {
          this.state = state;
        },
      });
      connection.start();
      setInterval(() => {
        this.now = clock.now();
      }, 500);
    },

    takeBoard(board) {
      const order = Object.keys(page.queues || {});
      const rank = (queue) => (queue === "" ? -1 : order.indexOf(queue));
      this.tiles = [...board.tiles].sort((a, b) => rank(a.queue) - rank(b.queue));
      this.thresholds = board.thresholds || {};
    },

    get live() {
      return this.state === "live";
    },
    get connectionText() {
      return texts[this.state] || this.state;
    },
    get clockText() {
      return timeOfDay(this.now, page.language);
    },
    get figuresFresh() {
      if (!this.figures || !this.live) return false;
      return this.now - this.figures.computed_at <= 3 * page.figures_interval;
    },
    get figuresNote() {
      if (!this.figures) return texts.no_figures;
      const time = timeOfDay(this.figures.computed_at, page.language);
      return fill(this.figuresFresh ? texts.figures_as_of : texts.figures_stale, { time });
    },

    queueName(queue) {
      return queue === "" ? texts.total : (page.queues || {})[queue] || queue;
    },
    tileClass(tile) {
      return tile.queue === "" ? "tile total" : "tile";
    },
    longestSeconds(tile) {
      if (tile.oldest_joined_at === null) return 0;
      return Math.max(tile.longest_wait_s, this.now - tile.oldest_joined_at);
    },
    longest(tile) {
      return duration(this.longestSeconds(tile));
    },
    limits(tile) {
      return this.thresholds[tile.queue] || {};
    },
    waitingLevel(tile) {
      return `metric ${level(tile.waiting, this.limits(tile).waiting_callers)}`;
    },
    longestLevel(tile) {
      return `metric ${level(this.longestSeconds(tile), this.limits(tile).longest_wait_seconds)}`;
    },
    day(tile) {
      // Counted, and no call of this queue today: zeros (not "no figures").
      if (!this.figures) return null;
      return this.figures.queues[tile.queue] || NOTHING_TODAY;
    },
    count(tile, name) {
      const day = this.day(tile);
      return day ? String(day[name]) : "–";
    },
    seconds(tile, name) {
      const day = this.day(tile);
      return day && day[name] !== null ? duration(day[name]) : "–";
    },
    serviceLevel(tile) {
      const day = this.day(tile);
      return day ? percent(day.service_level, page.language) : "–";
    },
    serviceLevelClass(tile) {
      const day = this.day(tile);
      if (!day || day.service_level === null) return "sl";
      const shown = day.service_level * 100;
      return `sl ${level(shown, this.limits(tile).service_level_percent, true)}`;
    },
    formula(tile) {
      const day = this.day(tile);
      if (!day) return "";
      if (day.service_level_seconds === null) return "";
      const text = (page.formulas || {})[day.service_level_variant] || "";
      return `${texts.service_level} = ${text.replaceAll("{t}", day.service_level_seconds)}`;
    },
  };
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("wallboard", wallboard);
});
