// The report pages: everything is server-rendered (filters are a GET form, saved filters and
// their deletion plain forms); this script only adds the abandoned-calls list's call-back
// button: click-to-call from the reader's phone through the API, which checks the scope.

import { makeApi } from "./api.js";
import { fill, readJson } from "./live.js";

const page = readJson("page-data");
const texts = readJson("texts");
const api = makeApi(page.csrf);
const DEVICE_KEY = "pbx.supervisor.device"; // the phone the console uses too

function reportPage() {
  return {
    device: window.localStorage.getItem(DEVICE_KEY) || page.my_device || "",
    notice: "",
    noticeKind: "",

    setDevice(event) {
      this.device = event.target.value.trim();
      window.localStorage.setItem(DEVICE_KEY, this.device);
    },

    say(text, kind) {
      this.notice = text;
      this.noticeKind = kind === "error" ? "notice error" : "notice ok";
    },

    async callBack(event) {
      const number = event.target.dataset.number;
      if (!this.device) {
        this.say(texts.need_device, "error");
        return;
      }
      try {
        await api.post("/api/v1/calls/originate", { number, device: this.device });
        this.say(fill(texts.calling, { number }), "ok");
      } catch (error) {
        this.say(error.message, "error");
      }
    },
  };
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("reportPage", reportPage);
});
