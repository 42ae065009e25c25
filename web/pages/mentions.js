// @mentions: highlighted in comments and descriptions, offered while typing,
// and the page of where you were mentioned.

import { api } from "../api.js";
import { fmtDate, h, painter } from "../dom.js";

// What continues a word after a name (the server's rule, near enough for display).
const WORD = /[\p{L}\p{N}_+@-]/u;

/**
 * The text as nodes, each mention the server resolved (`texts`, as written
 * after the `@`) marked with who it names; everything else stays text.
 */
export function highlight(text, mentions) {
  const forms = (mentions || [])
    .flatMap((m) => m.texts.map((t) => ({ text: t, who: m.display_name || "someone you cannot see" })))
    .sort((a, b) => b.text.length - a.text.length);
  const nodes = [];
  let plain = 0;
  for (let i = text.indexOf("@"); i !== -1; i = text.indexOf("@", i + 1)) {
    const hit = forms.find((f) => text.startsWith(f.text, i + 1) && !WORD.test(text[i + 1 + f.text.length] || " "));
    if (!hit) continue;
    if (i > plain) nodes.push(text.slice(plain, i));
    nodes.push(h("mark", { class: "mention", title: `Mentions ${hit.who}` }, `@${hit.text}`));
    plain = i + 1 + hit.text.length;
    i = plain - 1;
  }
  if (plain < text.length) nodes.push(text.slice(plain));
  return nodes;
}

let listboxes = 0;

/**
 * Offers the people a text may name while `@` is being typed: arrow keys
 * move, Enter or Tab picks, Escape closes. `people`: [{display_name, email}].
 * Returns the element to place instead of the bare textarea.
 */
export function withMentionPicker(textarea, people) {
  const id = `mention-options-${++listboxes}`;
  const list = h("ul", { class: "mention-options", role: "listbox", id, hidden: true });
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", id);
  textarea.setAttribute("aria-expanded", "false");
  let offered = [];
  let active = 0;
  let start = -1;

  const close = () => {
    list.hidden = true;
    offered = [];
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  };
  const paint = () => {
    list.replaceChildren(
      ...offered.map((p, n) =>
        h(
          "li",
          { role: "option", id: `${id}-${n}`, "aria-selected": String(n === active), onmousedown: (ev) => pick(ev, n) },
          p.display_name,
          h("span", { class: "muted" }, ` @${handle(p)}`),
        ),
      ),
    );
    list.hidden = offered.length === 0;
    textarea.setAttribute("aria-expanded", String(!list.hidden));
    if (offered.length) textarea.setAttribute("aria-activedescendant", `${id}-${active}`);
  };
  const pick = (ev, n) => {
    ev.preventDefault();
    const p = offered[n];
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(textarea.selectionStart);
    const inserted = `@${p.display_name} `;
    textarea.value = before + inserted + after;
    const caret = before.length + inserted.length;
    textarea.setSelectionRange(caret, caret);
    close();
  };
  textarea.addEventListener("input", () => {
    const upto = textarea.value.slice(0, textarea.selectionStart);
    // An `@` that starts a word, and at most a few words typed after it.
    const m = /(^|[^\w@.+-])@([^@\n]{0,40})$/u.exec(upto);
    if (!m) return close();
    start = upto.length - m[2].length - 1;
    const typed = m[2].toLowerCase();
    offered = people
      .filter((p) => p.display_name.toLowerCase().startsWith(typed) || handle(p).toLowerCase().startsWith(typed))
      .slice(0, 8);
    active = 0;
    paint();
  });
  textarea.addEventListener("keydown", (ev) => {
    if (list.hidden) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      active = (active + (ev.key === "ArrowDown" ? 1 : offered.length - 1)) % offered.length;
      paint();
    } else if (ev.key === "Enter" || ev.key === "Tab") {
      pick(ev, active);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    }
  });
  textarea.addEventListener("blur", close);
  return h("span", { class: "mention-picker" }, textarea, list);
}

function handle(p) {
  return p.email.split("@")[0];
}

// Where you were mentioned, newest first; "Show older" follows the cursor.
export async function mentionsPage() {
  const render = painter();
  const list = h("ol", { class: "mentions", id: "mentions" });
  const older = h("button", { type: "button", id: "older-mentions", hidden: true }, "Show older mentions");
  let cursor = null;
  const load = async () => {
    const page = await api("GET", `/me/mentions?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    list.append(
      ...page.items.map((m) =>
        h(
          "li",
          {},
          h("strong", {}, m.mentioned_by_name || "someone"),
          m.comment_id ? " mentioned you in a comment on " : " mentioned you in the description of ",
          h("a", { href: `#/tasks/${m.task_id}` }, m.task_title),
          h("span", { class: "muted" }, ` ${fmtDate(m.created_at)}`),
          h("p", { class: "excerpt" }, m.excerpt),
        ),
      ),
    );
    if (!list.children.length) list.append(h("li", { class: "empty" }, "Nobody has mentioned you yet."));
    cursor = page.next_cursor;
    older.hidden = !cursor;
  };
  older.addEventListener("click", () => load());
  await load();
  render(h("section", {}, h("h1", {}, "Mentions"), list, older));
}
