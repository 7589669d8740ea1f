// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

// Follow-up questions under a choice: show the one for the chosen answer. Only aria-controls (a global
// attribute) is set; the follow-up comes straight after its choice, so screen readers meet it in order.
function initConditionalRadios(scope) {
  for (const group of scope.querySelectorAll('[data-module="app-conditional-radios"]')) {
    const inputs = [...group.querySelectorAll('input[type="radio"]')];
    const sync = () => {
      for (const input of inputs) {
        const target = document.getElementById(input.dataset.ariaControls || "");
        if (!target) continue;
        input.setAttribute("aria-controls", target.id);
        target.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
      }
    };
    for (const input of inputs) input.addEventListener("change", sync);
    sync();
  }
}
initConditionalRadios(document);

// A link to one entry of a collapsed list (the case history, after a correction) opens that entry. Without
// JavaScript the page still lands on the entry, closed, its summary saying "(corrected)".
function openLinkedDetails() {
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target instanceof HTMLDetailsElement) target.open = true;
}
window.addEventListener("hashchange", openLinkedDetails);
openLinkedDetails();

// "Add another" and "Remove" in a repeating group: the form is posted as without JavaScript, but only the group
// is swapped for the one the service sends back, so the rest of the page (and the place on it) stays, and focus
// moves to the new row's first field (or, after a removal, to the row now in its place).
function firstField(root) {
  return root && root.querySelector("input:not([type=hidden]), textarea, select");
}

document.addEventListener("submit", async (event) => {
  const button = event.submitter;
  const action = button && button.name === "_action" ? button.value : "";
  const form = event.target;
  const group = button && button.closest("[data-app-group]");
  if (!/^(add|remove):/.test(action) || !group || form.dataset.appPlainPost) return;
  event.preventDefault();
  const postPlainly = () => { form.dataset.appPlainPost = "yes"; form.requestSubmit(button); };
  let page;
  try {
    const response = await fetch(form.action, { method: "POST", body: new FormData(form, button),
                                                credentials: "same-origin" });
    page = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    postPlainly(); // the network failed: the page posts as it would without JavaScript
    return;
  }
  const replacement = page.getElementById(group.id);
  if (!replacement) { postPlainly(); return; } // not the form page (signed out, say): show what the service says
  group.replaceWith(replacement);
  initAll({ scope: replacement });
  initConditionalRadios(replacement);
  const rows = replacement.querySelectorAll(".app-group__item");
  const removed = action.startsWith("remove:") ? Number(action.split(":")[2]) : null;
  const row = removed === null ? rows[rows.length - 1] : rows[Math.min(removed, rows.length - 1)];
  (firstField(row) || replacement.querySelector("button")).focus();
});
