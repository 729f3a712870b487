// An object's form in /admin (templates/admin/widgets.html): repeatable rows added and
// removed, a destination's target shown for its kind, a nested group shown when used.
// Plain DOM, no framework: the form is posted as it stands (docs/web.md, "Admin").

function showTargets(dest) {
  const kind = dest.querySelector(".dest-kind").value;
  for (const target of dest.querySelectorAll("[data-kind]")) {
    const on = target.dataset.kind.split(" ").includes(kind);
    target.hidden = !on;
    target.disabled = !on;
  }
}

function addRow(rows) {
  const template = rows.querySelector(":scope > template");
  const index = Number(rows.dataset.next || "0");
  rows.dataset.next = String(index + 1);
  const body = rows.querySelector(":scope > table > tbody");
  body.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__i__", String(index)));
  const added = body.lastElementChild;
  for (const dest of added.querySelectorAll("[data-dest]")) showTargets(dest);
  const first = added.querySelector("select, input:not([type=hidden]), textarea");
  if (first) first.focus();
}

function removeRow(button) {
  const row = button.closest("tr");
  const error = row.nextElementSibling;
  if (error && error.classList.contains("row-error")) error.remove();
  row.remove();
}

document.addEventListener("click", (event) => {
  const add = event.target.closest("button.add-row");
  if (add) {
    addRow(add.closest(".rows"));
    return;
  }
  const remove = event.target.closest("button.remove-row");
  if (remove) removeRow(remove);
});

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("select.dest-kind")) showTargets(target.closest("[data-dest]"));
  if (target.matches("input.group-on")) {
    const fields = target.closest("fieldset").querySelector(".group-fields");
    fields.hidden = !target.checked;
  }
});

// An input naming an object of a large section: the matching objects, asked as one types.
const asked = new Map();

async function suggest(input) {
  const section = input.dataset.choices;
  const query = input.value.trim();
  const key = `${section}\u0000${query}`;
  asked.set(section, key);
  const response = await fetch(
    `/admin/choices/${encodeURIComponent(section)}?q=${encodeURIComponent(query)}`,
    { credentials: "same-origin", headers: { Accept: "application/json" } },
  );
  if (!response.ok || asked.get(section) !== key) return; // a later question wins
  const data = await response.json();
  const list = document.getElementById(`dl-${section}`);
  list.replaceChildren(
    ...data.objects.map(([value, name]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = name;
      return option;
    }),
  );
}

let timer = 0;
document.addEventListener("input", (event) => {
  const input = event.target;
  if (!input.matches("input[data-choices]")) return;
  window.clearTimeout(timer);
  timer = window.setTimeout(() => suggest(input).catch(() => {}), 150);
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches("input[data-choices]")) suggest(event.target).catch(() => {});
});

document.documentElement.dataset.adminForm = "ready";
