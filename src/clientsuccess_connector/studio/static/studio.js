// The studio's few behaviours: tabs, the credential form's two shapes, suggestion buttons and
// the `{` macro menu of Set API URL. Text is only ever set with textContent, never as HTML.
"use strict";

function selectTab(tab) {
  const tabs = tab.closest("[role=tablist]").querySelectorAll("[role=tab]");
  for (const other of tabs) {
    const chosen = other === tab;
    other.setAttribute("aria-selected", String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !chosen;
  }
  const mode = document.getElementById("mode");
  if (mode) mode.value = tab.dataset.mode;
}

function showAuthFields(select) {
  for (const group of document.querySelectorAll("[data-auth]")) {
    group.hidden = group.dataset.auth !== select.value;
  }
}

// -- the macro menu ------------------------------------------------------------------------

let macros = ["{now}", "{now-1}", "{now+1}"];
let macrosAsked = 0;  // the latest request wins: an earlier answer arriving late is dropped

async function loadMacros() {
  const lookups = document.getElementById("lookups");
  const params = new URLSearchParams();
  if (lookups) for (const option of lookups.selectedOptions) params.append("lookups", option.value);
  const asked = ++macrosAsked;
  const response = await fetch("/flows/macros?" + params.toString(), { credentials: "same-origin" });
  if (!response.ok || asked !== macrosAsked) return;
  macros = await response.json();
  // A menu opened while the lookup's columns were still loading shows them as they arrive.
  const menu = document.getElementById("macro-menu");
  const url = document.getElementById("url");
  if (menu && url && !menu.hidden) openMenu(url);
}

function closeMenu() {
  const menu = document.getElementById("macro-menu");
  if (menu) { menu.hidden = true; menu.replaceChildren(); }
}

function insertMacro(input, macro) {
  const at = input.selectionStart || 0;
  const before = input.value.slice(0, at);
  const brace = before.lastIndexOf("{");
  const start = brace >= 0 ? brace : at;
  input.value = input.value.slice(0, start) + macro + input.value.slice(at);
  const caret = start + macro.length;
  input.setSelectionRange(caret, caret);
  input.focus();
  closeMenu();
}

function openMenu(input) {
  const menu = document.getElementById("macro-menu");
  menu.replaceChildren();
  macros.forEach((macro, index) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    item.id = "macro-" + index;
    item.textContent = macro;
    item.tabIndex = -1;
    item.addEventListener("mousedown", (event) => { event.preventDefault(); insertMacro(input, macro); });
    menu.appendChild(item);
  });
  menu.hidden = false;
  highlight(menu, 0);
}

function highlight(menu, index) {
  const items = [...menu.children];
  items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
  menu.dataset.index = String(index);
}

function onUrlKey(event) {
  const input = event.target;
  const menu = document.getElementById("macro-menu");
  if (event.type === "input") {
    const at = input.selectionStart || 0;
    if (input.value[at - 1] === "{") openMenu(input); else if (!input.value.slice(0, at).match(/\{[^}]*$/)) closeMenu();
    return;
  }
  if (menu.hidden) return;
  const count = menu.children.length;
  let index = Number(menu.dataset.index || 0);
  if (event.key === "ArrowDown") { highlight(menu, (index + 1) % count); event.preventDefault(); }
  else if (event.key === "ArrowUp") { highlight(menu, (index - 1 + count) % count); event.preventDefault(); }
  else if (event.key === "Enter") { insertMacro(input, menu.children[index].textContent); event.preventDefault(); }
  else if (event.key === "Escape") { closeMenu(); }
}

// -- wiring ----------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const tab = event.target.closest("[role=tab]");
  if (tab) { selectTab(tab); return; }
  const fill = event.target.closest("[data-fill]");
  if (fill) {
    const target = document.querySelector(fill.dataset.fill);
    target.value = fill.dataset.value;
    target.dispatchEvent(new Event("change", { bubbles: true }));
    target.focus();
  }
});

// A saved credential leaves no secret in the form (the server sends HX-Trigger: credential-saved).
document.addEventListener("credential-saved", () => {
  for (const id of ["f-name", "f-api-key", "f-password"]) {
    const input = document.getElementById(id);
    if (input) input.value = "";
  }
});

document.addEventListener("DOMContentLoaded", () => {
  const auth = document.getElementById("auth");
  if (auth) { auth.addEventListener("change", () => showAuthFields(auth)); showAuthFields(auth); }
  const url = document.getElementById("url");
  if (url) {
    url.addEventListener("input", onUrlKey);
    url.addEventListener("keydown", onUrlKey);
    url.addEventListener("blur", closeMenu);
  }
  const lookups = document.getElementById("lookups");
  if (lookups) lookups.addEventListener("change", loadMacros);
});
