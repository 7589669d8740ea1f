// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

// Follow-up questions under a choice: show the one for the chosen answer. Only aria-controls (a global
// attribute) is set; the follow-up comes straight after its choice, so screen readers meet it in order.
for (const group of document.querySelectorAll('[data-module="app-conditional-radios"]')) {
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

// A link to one entry of a collapsed list (the case history, after a correction) opens that entry. Without
// JavaScript the page still lands on the entry, closed, its summary saying "(corrected)".
function openLinkedDetails() {
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target instanceof HTMLDetailsElement) target.open = true;
}
window.addEventListener("hashchange", openLinkedDetails);
openLinkedDetails();
