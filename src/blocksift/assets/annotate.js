"use strict";
// The labelling page: every block of one page, marked content (1) or boilerplate (0). The page's data is the JSON
// in #blocksift-data (written by blocksift annotate); saving writes the labels file that blocksift import-labels
// reads. Nothing here touches the network: the file is downloaded through a Blob link or copied to the clipboard.
(function () {
  const DATA = JSON.parse(document.getElementById("blocksift-data").textContent);
  const PAGE = DATA.page;
  const BLOCKS = DATA.blocks;
  const N = BLOCKS.length;
  const initial = BLOCKS.map((b) => b.label);
  const labels = initial.slice();
  const undo = [];
  const STORE = "blocksift-labels:" + PAGE.sha256;
  const FILE_NAME = PAGE.id + ".labels.json";
  let current = 0;
  let anchor = 0;
  let savedState = labels.join("");
  const $ = (id) => document.getElementById(id);
  const els = [];
  const groupOf = new Array(N);  // index of the run of consecutive blocks shown in one box
  const groups = [];  // {start, end, el, countEl}

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function build() {
    $("pid").textContent = PAGE.id;
    $("ptitle").textContent = [PAGE.title, PAGE.url].filter(Boolean).join(" · ") || PAGE.source;
    $("ptitle").title = PAGE.source;
    $("ptitle").dir = "auto";
    $("prefill").textContent = "Pre-filled with " + DATA.prefill + ".";
    $("fname").textContent = FILE_NAME;
    const main = $("blocks");
    if (!N) {
      main.appendChild(el("div", "empty", "This page has no blocks of text: there is nothing to label."));
      return;
    }
    let box = null;
    BLOCKS.forEach((b, i) => {
      if (!box || BLOCKS[i - 1].group !== b.group) {
        box = el("section", "group");
        const head = el("div", "ghead");
        head.appendChild(el("span", "gname", b.groupName));
        const count = el("span", "gcount");
        head.appendChild(count);
        box.appendChild(head);
        main.appendChild(box);
        groups.push({ start: i, end: i, el: box, countEl: count });
      }
      const g = groups.length - 1;
      groups[g].end = i;
      groupOf[i] = g;
      const row = el("div", "block");
      row.dataset.i = String(i);
      row.setAttribute("role", "checkbox");
      const gutter = el("div", "gutter");
      const bar = el("span", "pbar");
      const fill = el("i");
      fill.style.width = Math.round(b.p * 100) + "%";
      bar.appendChild(fill);
      bar.title = "model p(content) " + b.p.toFixed(2);
      gutter.appendChild(bar);
      gutter.appendChild(el("span", "num", String(i)));
      const body = el("div", "body");
      let cls = "text k-" + b.kind + (b.kind === "heading" ? " l" + b.level : "");
      if (b.links >= 0.5) cls += " linky";
      const text = el("div", cls, b.text);
      text.dir = "auto";  // Arabic and Hebrew blocks read right to left, as on their page
      body.appendChild(text);
      body.appendChild(el("div", "where", "<" + b.tag + "> in " + b.where + " · " + b.tokens + " words"));
      row.appendChild(gutter);
      row.appendChild(body);
      box.appendChild(row);
      els.push(row);
    });
    groups.forEach((g, n) => paintGroup(n));
    els.forEach((_, i) => paint(i));
  }

  function paint(i) {
    const row = els[i];
    row.classList.toggle("content", labels[i] === 1);
    row.classList.toggle("boiler", labels[i] === 0);
    row.classList.toggle("edited", labels[i] !== initial[i]);
    row.setAttribute("aria-checked", labels[i] === 1 ? "true" : "false");
    row.title = (labels[i] ? "content" : "boilerplate") + (labels[i] !== initial[i] ? " (changed)" : "");
  }

  function paintGroup(n) {
    const g = groups[n];
    let kept = 0;
    for (let i = g.start; i <= g.end; i++) kept += labels[i];
    const size = g.end - g.start + 1;
    g.countEl.textContent = kept + " / " + size + " content";
    g.el.classList.toggle("all-boiler", kept === 0);
  }

  function counts() {
    let blocks = 0, words = 0, total = 0, edited = 0;
    for (let i = 0; i < N; i++) {
      total += BLOCKS[i].tokens;
      if (labels[i]) { blocks++; words += BLOCKS[i].tokens; }
      if (labels[i] !== initial[i]) edited++;
    }
    const c = $("counts");
    c.replaceChildren();
    const stat = (cls, value, label) => {
      const s = el("span", cls);
      s.appendChild(el("b", "", value));
      s.appendChild(document.createTextNode(" " + label));
      c.appendChild(s);
    };
    stat("c", blocks + " / " + N, "blocks content");
    stat("w", words.toLocaleString("en") + " / " + total.toLocaleString("en"), "words");
    stat("e", String(edited), "changed");
    c.dataset.content = String(blocks);
    c.dataset.edited = String(edited);
  }

  function status(text, cls) {
    const s = $("status");
    s.textContent = text;
    s.className = "status " + (cls || "");
  }

  function changed() {
    counts();
    const state = labels.join("");
    try {
      if (state === initial.join("")) localStorage.removeItem(STORE);
      else localStorage.setItem(STORE, state);
    } catch (e) { /* storage may be disabled: the page still works, it just does not remember */ }
    if (state === savedState) status(savedState === initial.join("") ? "No changes yet" : "Saved", "saved");
    else status("Unsaved changes: press Save", "dirty");
  }

  function set(indices, value, record) {
    const before = [];
    const touched = new Set();
    for (const i of indices) {
      if (labels[i] === value) continue;
      before.push([i, labels[i]]);
      labels[i] = value;
      paint(i);
      touched.add(groupOf[i]);
    }
    if (!before.length) return;
    if (record !== false) undo.push(before);
    touched.forEach(paintGroup);
    changed();
  }

  function undoLast() {
    const step = undo.pop();
    if (!step) { status("Nothing to undo"); return; }
    const touched = new Set();
    for (const [i, v] of step) { labels[i] = v; paint(i); touched.add(groupOf[i]); }
    touched.forEach(paintGroup);
    focus(step[0][0]);
    changed();
  }

  function focus(i, scroll) {
    if (!N) return;
    i = Math.max(0, Math.min(N - 1, i));
    els[current].classList.remove("current");
    current = i;
    els[i].classList.add("current");
    if (scroll !== false) els[i].scrollIntoView({ block: "nearest" });
  }

  function range(a, b) {
    const out = [];
    for (let i = Math.min(a, b); i <= Math.max(a, b); i++) out.push(i);
    return out;
  }

  function labelsFile() {
    let edited = 0;
    for (let i = 0; i < N; i++) if (labels[i] !== initial[i]) edited++;
    return JSON.stringify({
      schema: 1,
      kind: "blocksift-labels",
      page: PAGE,
      tool: DATA.tool,
      prefill: DATA.prefill,
      saved: new Date().toISOString(),
      edited: edited,
      blocks: BLOCKS.map((b, i) => ({ index: i, text: b.text, label: labels[i] ? "content" : "boilerplate" })),
    }, null, 1) + "\n";
  }

  function markSaved(how) {
    savedState = labels.join("");
    status(how + " " + new Date().toLocaleTimeString(), "saved");
  }

  function save() {
    const blob = new Blob([labelsFile()], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const a = el("a");
    a.href = url;
    a.download = FILE_NAME;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    markSaved("Downloaded " + FILE_NAME + " at");
  }

  function copy() {
    const text = labelsFile();
    const fallback = () => {
      $("copyName").textContent = FILE_NAME;
      $("copyText").value = text;
      $("copyDialog").showModal();
      $("copyText").select();
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(() => markSaved("Copied to the clipboard at"), fallback);
    } else {
      fallback();
    }
  }

  function preview() {
    const lines = BLOCKS.filter((_, i) => labels[i]).map((b) => b.text);
    $("previewText").textContent = lines.join("\n") || "(no content blocks)";
    $("previewCount").textContent = lines.length + " lines";
    $("previewDialog").showModal();
  }

  function reset() {
    const back = [];
    for (let i = 0; i < N; i++) if (labels[i] !== initial[i]) back.push([i, labels[i]]);
    if (!back.length) return;
    undo.push(back);
    back.forEach(([i]) => { labels[i] = initial[i]; paint(i); });
    groups.forEach((_, n) => paintGroup(n));
    changed();
  }

  function onKey(ev) {
    if (document.querySelector("dialog[open]")) return;  // Esc closes it; other keys belong to the dialog
    const key = ev.key;
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && (key === "s" || key === "S")) { ev.preventDefault(); save(); return; }
    if (mod && (key === "z" || key === "Z")) { ev.preventDefault(); undoLast(); return; }
    if (mod || ev.altKey || !N) return;
    const g = groups[groupOf[current]];
    switch (key) {
      case "j": case "ArrowDown": focus(current + 1); break;
      case "k": case "ArrowUp": focus(current - 1); break;
      case "J": focus(g.end + 1); break;
      case "K": focus(current > g.start ? g.start : groups[Math.max(0, groupOf[current] - 1)].start); break;
      case "Home": focus(0); break;
      case "End": focus(N - 1); break;
      case " ": case "x": case "X": case "Enter": set([current], labels[current] ? 0 : 1); anchor = current; break;
      case "c": set([current], 1); focus(current + 1); break;
      case "b": set([current], 0); focus(current + 1); break;
      case "C": set(range(g.start, g.end), 1); break;
      case "B": set(range(g.start, g.end), 0); break;
      case "u": undoLast(); break;
      case "s": save(); break;
      case "v": preview(); break;
      default: return;
    }
    ev.preventDefault();
  }

  function onClick(ev) {
    const row = ev.target.closest(".block");
    if (!row) return;
    const i = Number(row.dataset.i);
    const value = labels[i] ? 0 : 1;
    if (ev.shiftKey) set(range(anchor, i), value);
    else set([i], value);
    anchor = i;
    focus(i, false);
  }

  build();
  if (N) focus(0, false);
  try {  // work not yet saved, kept by this browser for this exact page (a reload or a closed tab loses nothing)
    const kept = localStorage.getItem(STORE);
    if (kept && kept.length === N && /^[01]*$/.test(kept) && kept !== labels.join("")) {
      for (let i = 0; i < N; i++) { labels[i] = kept.charCodeAt(i) - 48; paint(i); }
      groups.forEach((_, n) => paintGroup(n));
      changed();
      status("Restored your unsaved changes from this browser", "dirty");
    }
  } catch (e) { /* no storage: start from the pre-filled labels */ }
  counts();
  $("blocks").addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
  $("save").addEventListener("click", save);
  $("copy").addEventListener("click", copy);
  $("preview").addEventListener("click", preview);
  $("reset").addEventListener("click", reset);
  $("closePreview").addEventListener("click", () => $("previewDialog").close());
  $("closeCopy").addEventListener("click", () => $("copyDialog").close());
  window.addEventListener("beforeunload", (ev) => {
    if (labels.join("") !== savedState) { ev.preventDefault(); ev.returnValue = ""; }
  });
})();
