// Bulk import: the spreadsheet is sent for a preview (nothing stored), then again to import
// it with the preview's revision; problems name each row's object and field.

import { fill, readJson } from "./live.js";

const page = readJson("page-data");
const texts = readJson("texts");

async function send(path, file) {
  const body = new FormData();
  body.append("file", file, file.name);
  const response = await fetch(path, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-CSRF-Token": page.csrf, Accept: "application/json" },
  });
  const data = await response.json();
  if (!response.ok) {
    const error = new Error(data.error ? data.error.message : `${response.status}`);
    error.problems = (data.error && data.error.problems) || [];
    throw error;
  }
  return data;
}

function sheetImport() {
  return {
    file: null,
    preview: null,
    notice: "",
    failed: false,
    problems: [],

    async choose(event) {
      this.file = event.target.files && event.target.files[0];
      this.preview = null;
      this.problems = [];
      if (!this.file) return;
      this.failed = false;
      this.notice = fill(texts.reading, { file: this.file.name });
      try {
        this.preview = await send(`/admin/import/${page.section}/preview`, this.file);
        this.notice = fill(texts.previewed, {
          rows: this.preview.rows,
          added: this.preview.added.length,
          changed: this.preview.changed.length,
        });
      } catch (error) {
        this.refused(error);
      }
    },

    async commit() {
      const revision = this.preview.revision;
      this.preview = null;
      try {
        const done = await send(`/admin/import/${page.section}/apply?revision=${revision}`, this.file);
        this.notice = fill(texts.imported, done);
      } catch (error) {
        this.refused(error);
      }
    },

    refused(error) {
      this.failed = true;
      this.notice = fill(texts.refused, { message: error.message });
      this.problems = (error.problems || []).map((p) => p.message);
    },

    get canImport() {
      return this.preview !== null && (this.preview.added.length + this.preview.changed.length) > 0;
    },
    get addedText() {
      return this.preview ? this.preview.added.join(", ") : "";
    },
    get changedText() {
      return this.preview ? this.preview.changed.join(", ") : "";
    },
    get noticeClass() {
      return this.failed ? "error" : this.notice ? "ok" : "";
    },
  };
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("sheetImport", sheetImport);
});
