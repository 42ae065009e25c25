// DOM helpers shared by every page. Every piece of API data reaches the page
// through textContent or attribute setters (`h`), never through innerHTML, so
// the strict CSP plus this rule keep DOM XSS out.

import { ApiError } from "./api.js";

const app = document.getElementById("app");

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function field(label, input, name) {
  return h(
    "label",
    { class: "field" },
    h("span", {}, label),
    input,
    h("span", { class: "error", "data-error": name || input.name }),
  );
}

// A page paints only while it is still the latest one started: a slow page
// that finishes after the user (or a test) moved on must not paint over the
// page that replaced it. Each page takes its painter first thing, while its
// route is current.
let pageSeq = 0;

export function painter() {
  const mine = ++pageSeq;
  return (...nodes) => {
    if (mine === pageSeq) app.replaceChildren(...nodes);
  };
}

export function fmtDate(s) {
  return s ? new Date(s).toLocaleString() : "";
}

export function fmtDuration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const h_ = Math.floor(seconds / 3600),
    m = Math.floor((seconds % 3600) / 60);
  return h_ ? `${h_} h ${m} min` : `${m} min`;
}

// Shows a problem next to the fields it names, or at the top of the form.
export function showProblem(form, err) {
  for (const slot of form.querySelectorAll("[data-error]")) slot.textContent = "";
  const general = form.querySelector(".form-error");
  const problems = err instanceof ApiError ? err.problem.errors || [] : [];
  let placed = false;
  for (const p of problems) {
    const slot = form.querySelector(`[data-error="${CSS.escape(p.field)}"]`);
    if (slot) {
      slot.textContent = p.message;
      placed = true;
    }
  }
  if (general) general.textContent = placed ? "" : err.message;
}

export function form(attrs, ...children) {
  return h("form", { ...attrs, novalidate: true }, h("p", { class: "form-error", role: "alert" }), ...children);
}

export async function submitting(formEl, fn) {
  const button = formEl.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    await fn();
  } catch (e) {
    showProblem(formEl, e);
  } finally {
    if (button) button.disabled = false;
  }
}

export function download(blob, name) {
  const a = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 0);
}

/** The IANA zone names this browser knows (none on an old one). */
export function browserTimeZones() {
  return typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
}

export function options(values, selected, labels = {}) {
  return values.map((v) => h("option", { value: v, selected: v === selected }, labels[v] || v || "any"));
}

// One message carried to the next page (after a redirect round trip).
let flash = null;

export function setFlash(message) {
  flash = message;
}

export function takeFlash() {
  const f = flash;
  flash = null;
  return f && h("p", { class: `flash ${f.kind}`, role: "status", id: "flash" }, f.text);
}

// Pages ask for the current route to be drawn again after a change; the
// router registers how (so pages need not import the router).
let redraw = () => {};

export function onRerender(fn) {
  redraw = fn;
}

export function rerender() {
  return redraw();
}
