// Prompt uploads: the file goes as multipart with the session's CSRF token in the header
// (a form body is held to 64 KiB; a recording is larger); the page is listed again after.

import { fill, readJson } from "./live.js";

const page = readJson("page-data");
const texts = readJson("texts");

function promptUploads() {
  return {
    notice: "",
    failed: false,
    newName: "",

    setNewName(event) {
      this.newName = event.target.value.trim();
    },

    async upload(event) {
      const input = event.target;
      const isNew = input.dataset.new === "1";
      const name = isNew ? this.newName : input.dataset.prompt;
      const file = input.files && input.files[0];
      if (!file) return;
      if (!name) {
        this.failed = true;
        this.notice = texts.no_name;
        input.value = "";
        return;
      }
      this.failed = false;
      this.notice = fill(texts.uploading, { name });
      const body = new FormData();
      body.append("file", file, file.name);
      try {
        const query = `name=${encodeURIComponent(name)}${isNew ? "&new=1" : ""}`;
        const response = await fetch(`/admin/prompts/upload?${query}`, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRF-Token": page.csrf, Accept: "application/json" },
        });
        const data = await response.json();
        if (!response.ok) throw new Error(data.error ? data.error.message : `${response.status}`);
        this.notice = fill(texts.uploaded, { name, seconds: data.seconds });
        window.setTimeout(() => window.location.reload(), 800);
      } catch (error) {
        this.failed = true;
        this.notice = fill(texts.failed, { name, message: error.message });
      }
    },

    get noticeClass() {
      return this.failed ? "error" : this.notice ? "ok" : "";
    },
  };
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("promptUploads", promptUploads);
});
