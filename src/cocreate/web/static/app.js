/* cocreate studio: a single page over the JSON API. Plain JS, no build, no network. */
"use strict";

// -- small helpers ---------------------------------------------------------------------
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVGNS = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children.flat(Infinity)) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const short = (id) => (id || "").slice(0, 8);
const plural = (n, w) => `${n} ${w}${n === 1 ? "" : "s"}`;

// A message lives in the top bar's status slot: it never covers a control, and a new one
// takes the place of the last (the live region still reads each one out).
let toastTimer = 0;
function toast(message, kind = "info") {
  const t = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : null, title: message }, message);
  const box = $("#toasts");
  box.replaceChildren(t);
  clearTimeout(toastTimer);
  const life = kind === "error" ? 7000 : 3200;
  toastTimer = setTimeout(() => {
    t.classList.add("gone");
    toastTimer = setTimeout(() => t.remove(), 400);
  }, life);
}

// -- thumbnails and the words around them ------------------------------------------------
const isPicture = (mt) => !!mt && mt.startsWith("image/");

// A small picture of an artifact (served by the studio, cached by content), or its words.
function thumb(workId, a, size = 96, { alt = "", cls = "" } = {}) {
  if (isPicture(a.media_type)) {
    return h("img", { class: `thumb-img ${cls}`, src: `/api/works/${workId}/artifacts/${a.id}/thumbnail?size=${size * 2}`,
      alt, width: size, height: size, loading: "lazy", decoding: "async", draggable: "false" });
  }
  return h("span", { class: `thumb-words ${cls}`, "aria-label": alt || null }, (a.text || a.media_type || "").slice(0, 80));
}

// "a variation of 5c95e2a9": the ids of an artifact's parents, as the pictures they are
function reasonNodes(workId, reason, parents, media) {
  const text = reason || "—";
  const shorts = (parents || []).map((p) => [short(p), p]);
  if (!shorts.length || !isPicture(media)) return [reasonText(text, parents)];
  const out = [];
  const re = new RegExp(`\\b(${shorts.map(([k]) => k).join("|")})[0-9a-f]*\\b`, "g");
  let last = 0;
  for (const m of text.matchAll(re)) {
    out.push(text.slice(last, m.index));
    const full = shorts.find(([k]) => k === m[1])[1];
    const k = parents.indexOf(full);
    out.push(h("img", { class: "ref-thumb", src: `/api/works/${workId}/artifacts/${full}/thumbnail?size=96`,
      alt: parents.length > 1 ? `the ${k === 0 ? "first" : "second"} parent` : "the one it was made from",
      title: parents.length > 1 ? `parent ${k + 1}` : "made from this one", width: 26, height: 26, loading: "lazy" }));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

// the same reason in words, for a label: no ids
function reasonText(reason, parents) {
  let text = reason || "";
  (parents || []).forEach((p, k) => {
    const word = parents.length > 1 ? `the ${k === 0 ? "first" : "second"} parent` : "the one it was made from";
    text = text.replace(new RegExp(`\\b${short(p)}[0-9a-f]*\\b`, "g"), word);
  });
  return text;
}

// "Round 3 · variation", "Your edit", "Your upload"
const OPERATOR_WORDS = { fresh: "fresh", vary: "variation", cross: "crossover", interpolate: "in-between", edit: "edit", contribute: "upload", adopt: "adopted" };
function nodeLabel(n) {
  if (n.origin === "human") return `${n.author === S.work.creator ? "Your" : n.author + "'s"} ${OPERATOR_WORDS[n.operator] || n.operator}`;
  return `${n.round ? `Round ${n.round} · ` : ""}${OPERATOR_WORDS[n.operator] || n.operator}`;
}

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(method, path, body, { form } = {}) {
  const opts = { method, headers: {} };
  if (form) opts.body = form;
  else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let r;
  try { r = await fetch(path, opts); } catch (e) { throw new ApiError(0, "the studio server cannot be reached"); }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!r.ok) throw new ApiError(r.status, (data && data.detail) || `${r.status} ${r.statusText}`);
  return data;
}

function fail(e) { toast(e.message || String(e), "error"); }

// -- who is acting ---------------------------------------------------------------------
const store = {
  get(k, d) { try { const v = localStorage.getItem("cocreate." + k); return v === null ? d : JSON.parse(v); } catch (e) { return d; } },
  set(k, v) { try { localStorage.setItem("cocreate." + k, JSON.stringify(v)); } catch (e) { /* private mode */ } },
};

function me() {
  const v = ($("#creator-input").value || "").trim();
  if (!v) {
    $("#creator-input").focus();
    $("#creator-input").classList.add("attention");
    throw new ApiError(0, "Say who you are first: type your name at the top right.");
  }
  return v;
}

// -- state -----------------------------------------------------------------------------
const S = {
  meta: null,
  work: null,         // WorkOut
  round: null,        // RoundOut shown
  mine: [],           // the person's contributions and edits
  selected: null,     // artifact id in the inspector
  marked: [],         // up to two artifact ids for pairs
  best: null, worst: null,
  job: null,          // running JobOut
  tab: "session",
  n: store.get("n", 9),
  strength: store.get("strength", 0.3),
};

// -- routing ---------------------------------------------------------------------------
let navSeq = 0; // a view that finishes loading after the person moved on must not show

function route() {
  navSeq++;
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  $$(".topnav a").forEach((a) => a.removeAttribute("aria-current"));
  if (parts[0] === "new") { $("#nav-new").setAttribute("aria-current", "page"); return viewNew(); }
  if (parts[0] === "work" && parts[1]) return viewWork(parts[1], parts[2] || "session");
  $("#nav-works").setAttribute("aria-current", "page");
  return viewWorks(new URLSearchParams(location.hash.split("?")[1] || ""));
}

function mount(...nodes) {
  const main = $("#main");
  main.replaceChildren(...nodes);
}

function empty(title, text, ...actions) {
  return h("div", { class: "empty" }, h("h2", { text: title }), h("p", { text }), h("div", { class: "row" }, ...actions));
}

// -- works and creators ----------------------------------------------------------------
async function viewWorks(params) {
  const seq = navSeq;
  S.work = null;
  document.title = "Works · cocreate";
  const creator = params.get("creator") || "";
  const q = creator ? `?creator=${encodeURIComponent(creator)}` : "";
  let works, creators;
  try { [works, creators] = await Promise.all([api("GET", "/api/works" + q), api("GET", "/api/creators")]); }
  catch (e) { return seq === navSeq && mount(empty("The studio cannot be reached", e.message)); }
  if (seq !== navSeq) return;
  const grid = h("div", { class: "works-grid", role: "list" });
  for (const w of works) {
    const thumb = w.thumbnail
      ? (w.partner.media_type.startsWith("image/") ? h("img", { src: w.thumbnail, alt: "" }) : h("div", { class: "thumb-text", text: w.intention.brief }))
      : h("div", { class: "thumb-none", text: "no rounds yet" });
    grid.append(h("a", { class: "work-card", href: `#/work/${w.id}`, role: "listitem", "aria-label": `Open ${w.title}` },
      h("div", { class: `thumb ${w.domain}` }, thumb),
      h("div", { class: "work-card-body" },
        h("strong", { text: w.title }),
        h("span", { class: "muted" }, `${w.domain} · ${w.partner.name} · ${w.creator}`),
        h("span", { class: "muted small" }, `${plural(w.rounds.length, "round")} · ${plural(w.artifact_count, "artifact")}`))));
  }
  const list = h("ul", { class: "creator-list" },
    h("li", {}, h("a", { href: "#/", class: creator ? "" : "on" }, "Everyone")),
    creators.map((c) => h("li", {}, h("a", { href: `#/?creator=${encodeURIComponent(c.id)}`, class: c.id === creator ? "on" : "" },
      c.name || c.id, h("span", { class: "count", text: c.works })))));
  mount(h("div", { class: "page works-page" },
    h("aside", { class: "sidebar", "aria-label": "Creators" }, h("h2", { text: "Creators" }),
      creators.length ? list : h("p", { class: "muted", text: "Nobody yet." })),
    h("section", { class: "content" },
      h("div", { class: "page-head" }, h("h1", { text: creator ? `Works by ${creator}` : "Works" }),
        h("a", { class: "button primary", href: "#/new" }, "New work")),
      works.length ? grid : empty("No works yet",
        "A work starts with an intention: say what you want to make, and an AI partner proposes variants for you to judge and shape.",
        h("a", { class: "button primary", href: "#/new" }, "Start a work")))));
}

// -- the new work form -----------------------------------------------------------------
function viewNew() {
  document.title = "New work · cocreate";
  const meta = S.meta;
  if (!meta.domains.length) return mount(empty("No AI partners installed", "Install a partner package; none is registered."));
  const domain = h("select", { id: "f-domain", name: "domain", required: true },
    meta.domains.map((d) => h("option", { value: d, text: d })));
  const partner = h("select", { id: "f-partner", name: "partner" });
  const fillPartners = () => {
    partner.replaceChildren(...meta.partners.filter((p) => p.domain === domain.value)
      .map((p) => h("option", { value: p.name, text: `${p.name} (${p.model_id})` })));
  };
  domain.addEventListener("change", fillPartners);
  fillPartners();
  const surprise = h("input", { id: "f-surprise", type: "range", min: 0, max: 1, step: 0.05, value: 0.3, name: "surprise" });
  const surpriseOut = h("output", { for: "f-surprise", text: "0.30" });
  surprise.addEventListener("input", () => (surpriseOut.textContent = Number(surprise.value).toFixed(2)));
  const field = (id, label, control, hint) => h("div", { class: "field" }, h("label", { for: id, text: label }), control, hint ? h("small", { class: "muted", text: hint }) : null);
  const lines = (v) => v.split("\n").map((x) => x.trim()).filter(Boolean);
  const form = h("form", { class: "card form", id: "new-work", novalidate: true },
    h("div", { class: "two" },
      field("f-domain", "Domain", domain),
      field("f-partner", "AI partner", partner)),
    field("f-title", "Title", h("input", { id: "f-title", name: "title", maxlength: 200, placeholder: "optional: the brief's start is used" })),
    field("f-brief", "Intention: the brief", h("textarea", { id: "f-brief", name: "brief", rows: 3, required: true, maxlength: 2000, placeholder: "What do you want to make? e.g. a calm emblem for a tea house" })),
    h("div", { class: "three" },
      field("f-constraints", "Constraints", h("textarea", { id: "f-constraints", rows: 3, placeholder: "one per line, e.g. two colours" }), "Must hold."),
      field("f-criteria", "Criteria", h("textarea", { id: "f-criteria", rows: 3, placeholder: "one per line, e.g. legible small" }), "How you will judge."),
      field("f-references", "References", h("textarea", { id: "f-references", rows: 3, placeholder: "one per line: links, names, works" }), "What it should recall.")),
    field("f-surprise", "Surprise", h("div", { class: "dial" }, h("span", { class: "muted small", text: "familiar" }), surprise, h("span", { class: "muted small", text: "surprising" }), surpriseOut),
      "How far the partner strays from what you liked."),
    h("div", { class: "row end" },
      h("label", { class: "inline", for: "f-n" }, "First round of ", h("input", { id: "f-n", type: "number", min: 1, max: meta.max_proposals, value: S.n, class: "narrow" })),
      h("button", { type: "submit", class: "primary", id: "create-work" }, "Create and propose")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const brief = $("#f-brief").value.trim();
      if (!brief) { $("#f-brief").focus(); throw new ApiError(0, "The intention needs a brief: say what you want to make."); }
      const body = {
        domain: domain.value, partner: partner.value || null, creator: me(), title: $("#f-title").value.trim(),
        surprise: Number(surprise.value),
        intention: { brief, constraints: lines($("#f-constraints").value), criteria: lines($("#f-criteria").value), references: lines($("#f-references").value) },
      };
      S.n = Math.max(1, Math.min(meta.max_proposals, Number($("#f-n").value) || 9)); store.set("n", S.n);
      const w = await api("POST", "/api/works", body);
      S.autostart = w.id;
      location.hash = `#/work/${w.id}`;
    } catch (e) { fail(e); }
  });
  mount(h("div", { class: "page narrow-page" }, h("div", { class: "page-head" }, h("h1", { text: "New work" })), form));
  $("#f-brief").focus();
}

// -- a work ----------------------------------------------------------------------------
const TABS = [["session", "Session"], ["history", "History"], ["attribution", "Attribution"], ["insight", "Insight"]];

async function viewWork(id, tab) {
  const seq = navSeq;
  S.tab = tab;
  let work;
  try { work = await api("GET", `/api/works/${id}`); }
  catch (e) { return seq === navSeq && mount(empty("No such work", e.message, h("a", { class: "button", href: "#/" }, "All works"))); }
  if (seq !== navSeq) return;
  S.work = work;
  const w = S.work;
  document.title = `${w.title} · cocreate`;
  const i = w.intention;
  const intentBits = [["constraints", i.constraints], ["criteria", i.criteria], ["references", i.references]]
    .filter(([, v]) => v.length).map(([k, v]) => h("span", { class: "chip", title: k }, h("b", { text: k + ": " }), v.join(" · ")));
  const head = h("div", { class: "work-head" },
    h("div", { class: "work-title" },
      h("h1", { text: w.title }),
      i.brief.startsWith(w.title) && i.brief.length <= w.title.length + 3 ? null : h("p", { class: "brief", text: i.brief }),
      intentBits.length ? h("div", { class: "chips" }, intentBits) : null),
    h("div", { class: "work-facts" },
      h("span", { class: "badge" }, w.domain), h("span", { class: "badge" }, `${w.partner.name} ${w.partner.version}`),
      h("span", { class: "muted small" }, `by ${w.creator}`)));
  const tabs = h("nav", { class: "tabs", "aria-label": "Work views" },
    TABS.map(([k, label]) => h("a", { href: `#/work/${w.id}/${k}`, "aria-current": k === tab ? "page" : null, id: `tab-${k}` }, label)));
  const body = h("div", { class: "work-body", id: "work-body" });
  mount(h("div", { class: "page work-page" }, head, tabs, body));
  if (tab === "history") return renderHistory(body);
  if (tab === "attribution") return renderAttribution(body);
  if (tab === "insight") return renderInsight(body);
  return renderSession(body);
}

// -- the session -----------------------------------------------------------------------
async function renderSession(body) {
  const w = S.work;
  const surprise = h("input", { id: "surprise", type: "range", min: 0, max: 1, step: 0.05, value: w.surprise, "aria-label": "Surprise dial" });
  const surpriseOut = h("output", { for: "surprise", id: "surprise-out", text: Number(w.surprise).toFixed(2) });
  surprise.addEventListener("input", () => (surpriseOut.textContent = Number(surprise.value).toFixed(2)));
  surprise.addEventListener("change", () => act(async () => {
    S.work = await api("POST", `/api/works/${w.id}/surprise`, { by: me(), surprise: Number(surprise.value) });
    toast(`Surprise set to ${Number(surprise.value).toFixed(2)}`);
  }));
  const nInput = h("input", { id: "n-input", type: "number", min: 1, max: S.meta.max_proposals, value: S.n, class: "narrow", "aria-label": "Proposals per round" });
  nInput.addEventListener("change", () => { S.n = Math.max(1, Math.min(S.meta.max_proposals, Number(nInput.value) || 9)); store.set("n", S.n); });
  const upload = h("input", { id: "upload-input", type: "file", class: "visually-hidden", "aria-label": "Upload your own material",
    accept: S.meta.upload_types.join(",") + ",.svg,.txt,.md,.json" });
  upload.addEventListener("change", () => contributeFile(upload));
  const role = h("select", { id: "upload-role", "aria-label": "Role of your upload" },
    h("option", { value: "material", text: "as material" }), h("option", { value: "reference", text: "as reference" }));
  const toolbar = h("div", { class: "toolbar", role: "toolbar", "aria-label": "Round controls" },
    h("div", { class: "group" },
      h("button", { type: "button", class: "ghost icon", id: "prev-round", "aria-label": "Previous round", title: "Previous round ([)", onclick: () => stepRound(-1) }, "‹"),
      h("span", { id: "round-label", class: "round-label", "aria-live": "polite" }, "—"),
      h("button", { type: "button", class: "ghost icon", id: "next-round", "aria-label": "Next round", title: "Next round (])", onclick: () => stepRound(1) }, "›")),
    h("div", { class: "group" },
      h("button", { type: "button", class: "primary", id: "new-round", title: "New round (n)", onclick: () => generate({ kind: "propose" }) }, "New round ", h("kbd", {}, "n")),
      h("label", { class: "inline small", for: "n-input" }, "of", nInput)),
    h("div", { class: "group dial" }, h("label", { for: "surprise", class: "small", text: "Surprise" }), surprise, surpriseOut),
    h("div", { class: "group" },
      h("button", { type: "button", id: "skip-round", title: "Skip this round and make a new one (s)", onclick: () => skipRound() }, "Skip round ", h("kbd", {}, "s")),
      h("button", { type: "button", id: "undo", title: "Undo your last act (u)", onclick: () => undo() }, "Undo ", h("kbd", {}, "u"))),
    h("div", { class: "group" }, role,
      h("button", { type: "button", id: "upload-button", onclick: () => upload.click() }, "Upload…"), upload));
  const progress = h("div", { class: "progress", id: "progress", hidden: true, role: "status" },
    h("div", { class: "progress-text", id: "progress-text" }, "Making proposals…"),
    h("div", { class: "bar", role: "progressbar", id: "progress-bar", "aria-label": "Generation progress", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 }, h("span", {})),
    h("button", { type: "button", id: "cancel-job", onclick: () => cancelJob() }, "Cancel ", h("kbd", {}, "Esc")));
  const grid = h("ul", { class: `grid ${w.domain}`, id: "grid", "aria-label": "Proposals" });
  const mine = h("section", { class: "mine", id: "mine", "aria-label": "Your material and edits" });
  const inspector = h("aside", { class: `inspector ${w.domain}`, id: "inspector", "aria-label": "The selected proposal" });
  body.append(toolbar, progress,
    h("div", { class: "session" }, h("div", { class: "stage" }, grid, mine), inspector),
    h("div", { class: "hints", "aria-label": "Shortcuts" }, shortcutHints()));
  S.selected = null; S.marked = []; S.best = S.worst = null;
  await loadRound(0);
  await loadMine();
  if (S.autostart === w.id) { S.autostart = null; generate({ kind: "propose" }); }
  else if (S.pending && S.pending.work === w.id) { const p = S.pending; S.pending = null; generate(p); }
  if (S.job && S.job.work_id === w.id && S.job.status === "running") showProgress(S.job);
}

const SHORTCUTS = [
  ["1–9", "select a proposal"], ["← →", "move the selection"], ["Enter", "choose it"], ["x", "reject it"],
  ["⇧1–⇧5", "rate it 1–5 stars"], ["b / w", "best / worst of the round"], ["m", "mark for a pair"],
  ["c", "crossover the two marked"], ["i", "interpolate the two marked"], ["v", "variations of this one"],
  ["n", "new round"], ["s", "skip the round, make a new one"], ["u", "undo"], ["[ ]", "earlier / later round"],
  ["t", "write a note"], ["e", "edit it"], ["h", "history"], ["Esc", "cancel / clear"], ["?", "this help"],
];

function shortcutHints() {
  return SHORTCUTS.slice(0, 12).map(([k, v]) => h("span", {}, h("kbd", { text: k }), " ", v));
}

async function loadRound(number) {
  const w = S.work;
  try { S.round = await api("GET", `/api/works/${w.id}/rounds/${number}`); }
  catch (e) { return fail(e); }
  if (S.round.round && !w.rounds.includes(S.round.round)) w.rounds.push(S.round.round);
  if (S.selected && !S.round.artifacts.some((a) => a.id === S.selected) && !S.mine.some((a) => a.id === S.selected)) S.selected = null;
  S.marked = S.marked.filter((id) => S.round.artifacts.some((a) => a.id === id));
  drawRound();
}

async function loadMine() {
  try { S.mine = await api("GET", `/api/works/${S.work.id}/artifacts?origin=human&active=true`); }
  catch (e) { return fail(e); }
  drawMine();
}

async function refresh() {
  if (!S.round || !$("#grid")) return;
  await loadRound(S.round.round || 0);
  await loadMine();
}

function stepRound(d) {
  const rounds = S.work.rounds.slice().sort((a, b) => a - b);
  const k = rounds.indexOf(S.round.round) + d;
  if (k >= 0 && k < rounds.length) loadRound(rounds[k]);
}

function media(a, { large = false } = {}) {
  const mt = a.media_type;
  if (mt.startsWith("image/")) return h("img", { src: a.content_url, alt: large ? `${nodeLabel(a)}, large` : "", loading: large ? "eager" : "lazy", draggable: "false" });
  if (mt.startsWith("audio/")) {
    // A slot for audio: a piano roll will draw here once music partners exist.
    return h("div", { class: "audio-slot" },
      h("div", { class: "piano-roll", "aria-hidden": "true" }),
      mt === "audio/midi" ? h("span", { class: "muted small", text: "MIDI · piano roll coming" })
        : h("audio", { controls: true, src: a.content_url, "aria-label": `Play ${short(a.id)}` }));
  }
  if (a.text !== null && a.text !== undefined) {
    return h("div", { class: `text-artifact${large ? " large" : ""}` },
      h("div", { class: "context", text: S.work.intention.brief }), h("pre", { text: a.text }));
  }
  return h("div", { class: "muted", text: `${mt}, ${a.size} bytes` });
}

function markBadges(a) {
  const out = [];
  for (const m of a.marks) {
    if (m.kind === "choose") out.push(h("span", { class: "mark chosen", title: `chosen by ${m.actor}` }, "✓ chosen"));
    else if (m.kind === "reject") out.push(h("span", { class: "mark rejected", title: `rejected by ${m.actor}` }, "✕ rejected"));
    else if (m.kind === "rate") out.push(h("span", { class: "mark rated", title: `${m.rating} stars from ${m.actor}` }, "★".repeat(m.rating)));
    else if (m.kind === "rank") out.push(h("span", { class: `mark ${m.role}` }, m.role));
    else if (m.kind === "compare") out.push(h("span", { class: `mark ${m.role}` }, m.role));
    else if (m.kind === "skip") out.push(h("span", { class: "mark skipped" }, "skipped"));
    else if (m.kind === "note") out.push(h("span", { class: "mark note", title: m.text }, "✎ note"));
  }
  return out;
}

function card(a, k) {
  const marked = S.marked.indexOf(a.id);
  const rejected = a.marks.some((m) => m.kind === "reject");
  const chosen = a.marks.some((m) => m.kind === "choose");
  const on = a.id === S.selected;
  // a list of cards, each a toggle that selects it and two buttons: no control inside another
  return h("li", {
    class: `card-item${on ? " selected" : ""}${rejected ? " is-rejected" : ""}${chosen ? " is-chosen" : ""}${marked >= 0 ? " marked" : ""}`,
    dataset: { id: a.id, index: k },
  },
  h("button", { type: "button", class: "card-pick", "aria-pressed": on ? "true" : "false",
    "aria-label": `Proposal ${k}: ${reasonText(a.reason, a.parents)}`,
    onclick: () => select(a.id), ondblclick: () => choose(a.id) },
  h("span", { class: "media" }, media(a))),
  h("div", { class: "card-foot" },
    h("span", { class: "num", "aria-hidden": "true", text: k <= 9 ? k : "" }),
    h("span", { class: "marks" }, markBadges(a), marked >= 0 ? h("span", { class: "mark pair" }, marked === 0 ? "A" : "B") : null),
    h("span", { class: "card-actions" },
      h("button", { type: "button", class: "mini", "aria-label": `Choose proposal ${k}`, title: "Choose (Enter)", onclick: () => choose(a.id) }, "✓"),
      h("button", { type: "button", class: "mini", "aria-label": `Reject proposal ${k}`, title: "Reject (x)", onclick: () => judge("reject", a.id) }, "✕"))));
}

function drawRound() {
  const grid = $("#grid");
  if (!grid) return;
  const r = S.round;
  const rounds = S.work.rounds.slice().sort((a, b) => a - b);
  $("#round-label").textContent = r.round ? `Round ${r.round} of ${rounds.length}${r.skipped ? " · skipped" : ""}` : "No rounds yet";
  $("#prev-round").disabled = !r.round || rounds.indexOf(r.round) <= 0;
  $("#next-round").disabled = !r.round || rounds.indexOf(r.round) >= rounds.length - 1;
  if (!r.artifacts.length) {
    grid.replaceChildren(h("li", { class: "grid-empty" }, empty("No proposals yet", "Ask the partner for a first round; then choose, reject, rate, and ask again.",
      h("button", { type: "button", class: "primary", onclick: () => generate({ kind: "propose" }) }, "Propose a first round"))));
    grid.classList.add("is-empty");
  } else {
    grid.classList.remove("is-empty");
    grid.replaceChildren(...r.artifacts.map((a, i) => card(a, i + 1)));
  }
  drawInspector();
}

function drawMine() {
  const box = $("#mine");
  if (!box) return;
  if (!S.mine.length) {
    box.replaceChildren(h("p", { class: "muted small" }, "Your uploads and edits appear here. Upload your own material to build on it."));
    return;
  }
  box.replaceChildren(h("h2", { class: "small-head" }, "Yours: uploads and edits"),
    h("div", { class: "strip" }, S.mine.slice().reverse().map((a) => h("button", {
      type: "button", class: `strip-item${a.id === S.selected ? " selected" : ""}`, "aria-pressed": a.id === S.selected ? "true" : "false",
      "aria-label": `${nodeLabel(a)}${a.round ? "" : `, ${new Date(a.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`}`,
      onclick: () => select(a.id), dataset: { id: a.id },
    }, h("span", { class: "media" }, media(a)), h("span", { class: "small muted" }, nodeLabel(a))))));
}

function current() {
  if (!S.selected) return null;
  return (S.round && S.round.artifacts.find((a) => a.id === S.selected)) || S.mine.find((a) => a.id === S.selected) || null;
}

function select(id) {
  S.selected = id;
  $$(".card-item, .strip-item").forEach((el) => {
    const on = el.dataset.id === id;
    el.classList.toggle("selected", on);
    const toggle = el.classList.contains("card-item") ? $(".card-pick", el) : el;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
  });
  const el = $(`.card-item[data-id="${id}"] .card-pick`);
  if (el && document.activeElement !== el && !isTyping()) el.focus({ preventScroll: false });
  drawInspector();
}

function editPanel(a) {
  const schema = S.work.partner.edit_schema || [];
  const box = h("details", { class: "panel", id: "edit-panel", open: S.editOpen || null });
  box.addEventListener("toggle", () => (S.editOpen = box.open));
  box.append(h("summary", {}, "Edit ", h("kbd", {}, "e")));
  const touched = {};
  const values = {};
  const controls = schema.map((p) => {
    const id = `edit-${p.name}`;
    const own = p.absolute && a.params && a.params[p.name] !== undefined ? a.params[p.name] : p.default;
    let input;
    const out = h("output", { for: id, class: "small" });
    const show = (v) => (out.textContent = typeof v === "number" ? (p.type === "int" || Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2)) : String(v));
    if (p.type === "choice") {
      input = h("select", { id, "aria-label": p.name }, p.options.map((o, k) => h("option", { value: k, text: String(o), selected: o === own || null })));
      input.addEventListener("change", () => { touched[p.name] = true; values[p.name] = p.options[Number(input.value)]; show(values[p.name]); });
    } else if (p.low !== null && p.low !== undefined) {
      const step = p.type === "int" ? 1 : (p.high - p.low) / 200;
      input = h("input", { id, type: "range", min: p.low, max: p.high, step, value: own, "aria-label": p.name });
      input.addEventListener("input", () => { touched[p.name] = true; values[p.name] = Number(input.value); show(values[p.name]); });
    } else {
      input = h("input", { id, type: "number", step: "any", value: own, "aria-label": p.name, class: "narrow" });
      input.addEventListener("input", () => { touched[p.name] = input.value !== ""; values[p.name] = Number(input.value); });
    }
    if (p.type !== "number") show(own);
    input.setAttribute("aria-describedby", `${id}-help`);
    return h("div", { class: "edit-row", title: p.description }, h("label", { for: id }, p.name.replace(/_/g, " ")), input, out,
      h("span", { id: `${id}-help`, class: "visually-hidden", text: p.description }));
  });
  if (schema.length) {
    box.append(h("div", { class: "edit-controls" }, controls),
      h("button", { type: "button", id: "apply-edit", onclick: () => {
        const adjustments = {};
        for (const p of schema) if (touched[p.name]) adjustments[p.name] = values[p.name];
        if (!Object.keys(adjustments).length) return toast("Move a control first: nothing to apply.", "error");
        edit(a.id, { adjustments });
      } }, "Apply edit"));
  }
  if (a.text !== null && a.text !== undefined) {
    const ta = h("textarea", { id: "edit-text", rows: 4, "aria-label": "Edit the text" });
    ta.value = a.text;
    box.append(h("label", { for: "edit-text", class: "small" }, "Or rewrite it:"), ta,
      h("button", { type: "button", id: "save-text-edit", onclick: () => edit(a.id, { text: ta.value }) }, "Save as an edit"));
  }
  const up = h("input", { type: "file", id: "edit-upload", class: "visually-hidden", "aria-label": "Upload an edited version" });
  up.addEventListener("change", () => editUpload(a.id, up));
  box.append(h("div", { class: "row" }, h("button", { type: "button", class: "ghost", onclick: () => up.click() }, "Upload an edited version…"), up));
  if (!schema.length && (a.text === null || a.text === undefined)) box.append(h("p", { class: "muted small", text: "This partner has no parametric edits." }));
  return box;
}

function drawInspector() {
  const box = $("#inspector");
  if (!box) return;
  const a = current();
  const pairBox = pairPanel();
  if (!a) {
    box.replaceChildren(h("div", { class: "inspector-empty" },
      h("p", {}, "Select a proposal (", h("kbd", {}, "1"), "–", h("kbd", {}, "9"), ") to see why it was made and to judge, vary or edit it."),
      pairBox));
    return;
  }
  const inRound = S.round && S.round.artifacts.some((x) => x.id === a.id);
  const rating = (a.marks.find((m) => m.kind === "rate") || {}).rating || 0;
  const stars = h("div", { class: "stars", role: "group", "aria-label": "Rate" },
    [1, 2, 3, 4, 5].map((k) => h("button", { type: "button", class: `star${k <= rating ? " on" : ""}`, "aria-label": `Rate ${k} star${k > 1 ? "s" : ""}`, title: `⇧${k}`, onclick: () => judge("rate", a.id, { rating: k }) }, "★")));
  const strength = h("input", { id: "strength", type: "range", min: 0, max: 1, step: 0.05, value: S.strength, "aria-label": "Variation strength" });
  const strengthOut = h("output", { for: "strength", text: Number(S.strength).toFixed(2) });
  strength.addEventListener("input", () => { S.strength = Number(strength.value); store.set("strength", S.strength); strengthOut.textContent = S.strength.toFixed(2); });
  const noteText = h("textarea", { id: "note-text", rows: 2, placeholder: "A note on this one…", "aria-label": "Note", maxlength: 10000 });
  const notes = a.marks.filter((m) => m.kind === "note");
  const parents = a.parents.length ? h("span", { class: "parents" },
    a.parents.map((p, k) => h("img", { class: "ref-thumb", src: `/api/works/${S.work.id}/artifacts/${p}/thumbnail?size=96`, width: 32, height: 32,
      alt: a.parents.length > 1 ? `parent ${k + 1}` : "the one it was made from", loading: "lazy" }))) : null;
  box.replaceChildren(h("div", { class: "insp" },
    h("div", { class: "insp-view" },
      h("div", { class: "preview", id: "preview" }, media(a, { large: true })),
      h("p", { class: "reason", id: "reason" }, reasonNodes(S.work.id, a.reason, a.parents, a.media_type))),
    h("div", { class: "insp-tools" },
      h("div", { class: "actions" },
        inRound ? h("button", { type: "button", class: "primary", id: "choose", onclick: () => choose(a.id) }, "Choose ", h("kbd", {}, "↵")) :
          h("button", { type: "button", class: "primary", id: "build-on", onclick: () => restore(a.id) }, "Build on this"),
        h("button", { type: "button", id: "reject", onclick: () => judge("reject", a.id) }, "Reject ", h("kbd", {}, "x")),
        inRound ? h("button", { type: "button", id: "best", onclick: () => bestWorst("best", a.id) }, "Best ", h("kbd", {}, "b")) : null,
        inRound ? h("button", { type: "button", id: "worst", onclick: () => bestWorst("worst", a.id) }, "Worst ", h("kbd", {}, "w")) : null,
        h("button", { type: "button", id: "mark", onclick: () => toggleMark(a.id) }, S.marked.includes(a.id) ? "Unmark " : "Mark ", h("kbd", {}, "m")),
        h("button", { type: "button", id: "skip-one", onclick: () => judge("skip", a.id) }, "Skip")),
      stars,
      h("div", { class: "panel vary" },
        h("label", { for: "strength", class: "small" }, "Variation strength"), h("div", { class: "dial" }, h("span", { class: "muted small", text: "tweak" }), strength, h("span", { class: "muted small", text: "bold" }), strengthOut),
        h("button", { type: "button", id: "variations", onclick: () => generate({ kind: "variations", artifact: a.id, strength: S.strength }) }, "Variations of this one ", h("kbd", {}, "v"))),
      h("div", { class: "panel" },
        notes.length ? h("ul", { class: "notes" }, notes.map((m) => h("li", {}, h("b", { text: m.actor + ": " }), m.text))) : null,
        noteText,
        h("button", { type: "button", id: "save-note", onclick: async () => {
          if (!noteText.value.trim()) return toast("Write the note first.", "error");
          await judge("note", a.id, { text: noteText.value });
        } }, "Save note")),
      editPanel(a),
      h("dl", { class: "facts" },
        h("dt", {}, "made by"), h("dd", { text: `${a.author} (${a.origin === "ai" ? "AI" : "person"})` }),
        h("dt", {}, "how"), h("dd", { text: a.operator + (a.strength !== null && a.strength !== undefined ? ` · strength ${Number(a.strength).toFixed(2)}` : "") }),
        a.seed !== null ? [h("dt", {}, "seed"), h("dd", {}, h("code", { text: a.seed }))] : null,
        parents ? [h("dt", {}, a.parents.length > 1 ? "parents" : "made from"), h("dd", {}, parents)] : null,
        Object.keys(a.edits || {}).length ? [h("dt", {}, "edits"), h("dd", { text: Object.entries(a.edits).map(([k, v]) => `${k} ${v}`).join(", ") })] : null,
        h("dt", {}, "id"), h("dd", {}, h("code", { text: short(a.id) }))),
      h("div", { class: "row" }, h("a", { class: "button ghost small", href: a.content_url + "?download=true", download: "" }, "Download this file")),
      ...[pairBox].filter(Boolean))));
}

function pairPanel() {
  if (!S.marked.length) return null;
  const [A, B] = S.marked;
  const caps = S.work.partner.capabilities;
  const pic = (id, k) => h("span", { class: "pair-pick" }, h("b", { text: k }),
    h("img", { class: "ref-thumb", src: `/api/works/${S.work.id}/artifacts/${id}/thumbnail?size=96`, width: 40, height: 40, alt: `marked ${k}` }));
  return h("div", { class: "panel pair", id: "pair-panel", role: "group", "aria-label": "Two marked proposals" },
    h("p", { class: "small pair-row" }, "Marked: ", pic(A, "A"), B ? pic(B, "B") : " — mark one more (m)"),
    B ? h("div", { class: "actions" },
      h("button", { type: "button", id: "prefer-a", onclick: () => judge("compare", A, { other: B }) }, "A over B"),
      h("button", { type: "button", id: "prefer-b", onclick: () => judge("compare", B, { other: A }) }, "B over A"),
      caps.includes("cross") ? h("button", { type: "button", id: "crossover", onclick: () => generate({ kind: "crossover", a: A, b: B, n: Math.min(S.n, 8) }) }, "Crossover ", h("kbd", {}, "c")) : null,
      caps.includes("interpolate") ? h("button", { type: "button", id: "interpolate", onclick: () => generate({ kind: "interpolate", a: A, b: B, n: 5 }) }, "Interpolate ", h("kbd", {}, "i")) : null) : null,
    h("button", { type: "button", class: "ghost small", onclick: () => { S.marked = []; drawRound(); } }, "Clear marks"));
}
function toggleMark(id) {
  const k = S.marked.indexOf(id);
  if (k >= 0) S.marked.splice(k, 1);
  else { S.marked.push(id); if (S.marked.length > 2) S.marked.shift(); }
  drawRound();
}

// -- acts ------------------------------------------------------------------------------
async function act(fn) {
  try { await fn(); } catch (e) { fail(e); }
}

async function judge(kind, artifact, extra = {}) {
  return act(async () => {
    await api("POST", `/api/works/${S.work.id}/judgments`, { by: me(), kind, artifact, ...extra });
    const words = { choose: "Chosen", reject: "Rejected", rate: `Rated ${extra.rating}★`, rank: "Best and worst recorded", compare: "Preference recorded", skip: "Skipped", note: "Note saved" };
    toast(words[kind] || "Done");
    await refresh();
  });
}

function choose(id) {
  if (!S.round || !S.round.artifacts.some((a) => a.id === id)) return restore(id);
  return judge("choose", id);
}

function bestWorst(which, id) {
  S[which] = id;
  const other = which === "best" ? S.worst : S.best;
  if (other && other !== id && S.round.artifacts.some((a) => a.id === other)) {
    const best = S.best, worst = S.worst;
    S.best = S.worst = null;
    return judge("rank", best, { other: worst });
  }
  if (other === id) S[which === "best" ? "worst" : "best"] = null;
  toast(which === "best" ? "Best marked: now pick the worst (w)" : "Worst marked: now pick the best (b)");
}

async function undo() {
  return act(async () => {
    const r = await api("POST", `/api/works/${S.work.id}/undo`, { by: me() });
    toast(`Undone: ${r.kind.replace(/^artifact\./, "").replace(".", " ")}`);
    if ($("#grid")) await refresh(); else route();
  });
}

async function restore(id) {
  return act(async () => {
    await api("POST", `/api/works/${S.work.id}/restore`, { by: me(), artifact: id });
    toast("Back to that version: the next round builds on it");
    if ($("#grid")) await refresh(); else route();
  });
}

async function skipRound() {
  return act(async () => {
    if (!S.round || !S.round.round) throw new ApiError(0, "There is no round to skip yet.");
    await api("POST", `/api/works/${S.work.id}/judgments`, { by: me(), kind: "skip" });
    await generate({ kind: "propose" });
  });
}

async function edit(id, body) {
  return act(async () => {
    const a = await api("POST", `/api/works/${S.work.id}/artifacts/${id}/edits`, { by: me(), ...body });
    toast("Your edit is a new version; the original stays");
    await loadMine();
    select(a.id);
  });
}

async function editUpload(id, input) {
  const file = input.files[0];
  input.value = "";
  if (!file) return;
  return act(async () => {
    if (file.size > S.meta.max_upload_bytes) throw new ApiError(413, `The file is over the limit of ${S.meta.max_upload_bytes.toLocaleString()} bytes.`);
    const form = new FormData();
    form.append("file", file); form.append("by", me());
    const a = await api("POST", `/api/works/${S.work.id}/artifacts/${id}/edits/upload`, undefined, { form });
    toast("Your edited version was added");
    await loadMine();
    select(a.id);
  });
}

async function contributeFile(input) {
  const file = input.files[0];
  input.value = "";
  if (!file) return;
  return act(async () => {
    if (file.size > S.meta.max_upload_bytes) throw new ApiError(413, `The file is over the limit of ${S.meta.max_upload_bytes.toLocaleString()} bytes.`);
    const form = new FormData();
    form.append("file", file); form.append("by", me()); form.append("role", $("#upload-role").value);
    const a = await api("POST", `/api/works/${S.work.id}/contributions`, undefined, { form });
    toast("Your material is in the work");
    await loadMine();
    select(a.id);
  });
}

// -- generation with progress and cancel -----------------------------------------------
async function generate(opts) {
  return act(async () => {
    const w = S.work;
    if (S.job && S.job.status === "running") throw new ApiError(409, "A round is already being made: wait or cancel it (Esc).");
    const body = { by: me(), kind: opts.kind, n: opts.n || S.n };
    for (const k of ["artifact", "a", "b", "strength"]) if (opts[k] !== undefined) body[k] = opts[k];
    const job = await api("POST", `/api/works/${w.id}/jobs`, body);
    S.job = job;
    showProgress(job);
    pollJob(job.id);
  });
}

function showProgress(job) {
  const box = $("#progress");
  if (!box) return;
  box.hidden = job.status !== "running";
  const pct = job.total ? Math.round((100 * job.done) / job.total) : 0;
  $("#progress-bar span").style.width = pct + "%";
  $("#progress-bar").setAttribute("aria-valuenow", pct);
  const what = { propose: "Making a new round", variations: "Making variations", crossover: "Crossing the two", interpolate: "Interpolating" }[job.kind];
  $("#progress-text").textContent = `${what}… ${job.total ? `${job.done}/${job.total}` : ""}`;
  $("#new-round").disabled = job.status === "running";
}

async function pollJob(id) {
  let job;
  for (;;) {
    await new Promise((r) => setTimeout(r, 120));
    try { job = await api("GET", `/api/jobs/${id}`); } catch (e) { S.job = null; return fail(e); }
    S.job = job;
    showProgress(job);
    if (job.status !== "running") break;
  }
  S.job = null;
  if (job.status === "done") {
    if (S.work && S.work.id === job.work_id && $("#grid")) {
      S.selected = null; S.marked = []; S.best = S.worst = null;
      if (!S.work.rounds.includes(job.round)) S.work.rounds.push(job.round);
      await loadRound(job.round);
      const first = $(".card-item");
      if (first) select(first.dataset.id); // the first proposal in the inspector, ready to judge
    }
    toast(`Round ${job.round}: ${plural(job.artifacts.length, "proposal")}`);
  } else if (job.status === "cancelled") toast("Cancelled: nothing was stored");
  else toast(job.error || "The generation failed", "error");
}

async function cancelJob() {
  if (!S.job) return;
  return act(async () => { await api("POST", `/api/jobs/${S.job.id}/cancel`, { by: me() }); });
}

// -- history: a lineage graph of what was kept, the rest folded ----------------------------
const WHY_WORDS = { current: "current", chosen: "chosen", edited: "your edit", contributed: "your upload", restored: "restored", best: "best", preferred: "preferred", liked: "liked" };
const LANE = 14; // px between the graph's lanes

function laneGraph(item, lanes) {
  const width = LANE * Math.max(1, lanes) + 4;
  const x = (k) => 2 + LANE / 2 + LANE * k;
  const svg = s("svg", { class: "lanes", width, "aria-hidden": "true", focusable: "false" });
  for (const k of item.through || []) svg.append(s("line", { x1: x(k), x2: x(k), y1: "0", y2: "100%", class: "lane" }));
  if (item.type === "node") {
    const cx = x(item.lane);
    if (item.up) svg.append(s("line", { x1: cx, x2: cx, y1: "0", y2: "50%", class: "lane own" }));
    if (item.down) svg.append(s("line", { x1: cx, x2: cx, y1: "50%", y2: "100%", class: "lane own" }));
    for (const k of item.forks || []) svg.append(s("line", { x1: cx, x2: x(k), y1: "50%", y2: "100%", class: "lane fork" }));
    svg.append(s("circle", { cx, cy: "50%", r: 5, class: `dot${item.why.includes("current") ? " current" : ""}` }));
  }
  return svg;
}

function whyMarks(n) {
  return (n.why || []).map((k) => h("span", { class: `mark why-${k}${k === "chosen" || k === "current" ? " chosen" : ""}` }, WHY_WORDS[k] || k));
}

async function renderHistory(body) {
  const w = S.work;
  let lin;
  try { lin = await api("GET", `/api/works/${w.id}/lineage`); } catch (e) { return fail(e); }
  if (!lin.items.length) {
    return body.append(empty("No history yet", "Everything you choose, edit, upload and go back to appears here as a lineage of pictures.",
      h("a", { class: "button primary", href: `#/work/${w.id}` }, "Go to the session")));
  }
  const all = new Map(); // every node the graph knows of, kept or folded
  for (const it of lin.items) {
    if (it.type === "node") all.set(it.id, it);
    for (const f of it.folded || []) all.set(f.id, f);
  }
  S.compare = (S.compare || []).filter((id) => all.has(id));
  const tree = h("ol", { class: "lineage", id: "tree", "aria-label": `Lineage: ${plural(lin.kept, "kept version")} of ${lin.total}` });
  const side = h("aside", { class: "history-side", "aria-label": "The current version and a comparison" });
  const currentCard = h("section", { class: "current-card", id: "history-current", "aria-label": "The current version" });
  const compare = h("section", { class: "compare", id: "compare", "aria-label": "Compare two versions" });
  side.append(currentCard, compare);

  const compareToggle = (n, label) => {
    const on = S.compare.includes(n.id);
    return h("button", { type: "button", class: `small compare-toggle${on ? " on" : ""}`, "aria-pressed": on ? "true" : "false",
      "aria-label": `Compare ${label}`, onclick: () => toggleCompare(n.id) }, "Compare");
  };
  const foldBox = (members, round) => {
    const d = h("details", { class: "fold" });
    const rejected = members.filter((m) => m.status.includes("rejected")).length;
    d.append(h("summary", { class: "small" }, `${plural(members.length, round ? "other proposal" : "other")}${round ? ` of round ${round}` : ""}`,
      rejected ? h("span", { class: "muted" }, ` · ${rejected} rejected`) : null));
    d.addEventListener("toggle", () => {
      if (!d.open || d.dataset.drawn) return;
      d.dataset.drawn = "1";
      d.append(h("div", { class: "fold-grid" }, members.map((m) => h("button", {
        type: "button", class: `fold-item${S.compare.includes(m.id) ? " on" : ""}${m.status.includes("rejected") ? " is-rejected" : ""}`, dataset: { id: m.id },
        "aria-pressed": S.compare.includes(m.id) ? "true" : "false", "aria-label": `Compare ${nodeLabel(m)}${m.status ? ` (${m.status})` : ""}`,
        title: reasonText(m.reason, m.parents), onclick: () => toggleCompare(m.id),
      }, thumb(w.id, m, 56)))));
    });
    return d;
  };
  const row = (it) => {
    if (it.type === "fold") {
      return h("li", { class: "lrow fold-row" }, laneGraph(it, lin.lanes),
        h("div", { class: "lcard folded" }, foldBox(it.folded, it.round)));
    }
    const label = nodeLabel(it);
    const isCurrent = it.id === lin.current;
    return h("li", { class: `lrow node${isCurrent ? " current" : ""}${it.active ? "" : " inactive"}`, dataset: { id: it.id }, id: `node-${it.id}` },
      laneGraph(it, lin.lanes),
      h("div", { class: "lcard" },
        h("button", { type: "button", class: "lthumb", "aria-label": `Compare ${label}`, onclick: () => toggleCompare(it.id) }, thumb(w.id, it, 80)),
        h("div", { class: "lbody" },
          h("div", { class: "ltitle" }, h("b", { text: label }), " ", whyMarks(it), it.active ? null : h("span", { class: "mark rejected" }, "undone")),
          h("p", { class: "small lreason" }, reasonNodes(w.id, it.reason, it.parents, it.media_type)),
          it.folded.length ? foldBox(it.folded, it.round) : null),
        h("div", { class: "node-actions" },
          compareToggle(it, label),
          isCurrent ? null : h("button", { type: "button", class: "small", "aria-label": `Restore ${label}`, onclick: () => restore(it.id) }, "Restore"),
          h("button", { type: "button", class: "small", "aria-label": `Vary ${label}`, title: "Variations of this one, in the session", onclick: () => forkFrom(it.id) }, "Vary"))));
  };
  const forkFrom = (id) => {
    S.pending = { work: w.id, kind: "variations", artifact: id, strength: S.strength };
    location.hash = `#/work/${w.id}`;
  };
  const bigPicture = (n, size) => h("div", { class: `big-thumb ${w.domain}` }, thumb(w.id, n, size, { alt: nodeLabel(n) }));
  const drawCurrent = () => {
    const n = all.get(lin.current);
    if (!n) return currentCard.replaceChildren(h("p", { class: "muted small", text: "Nothing chosen yet: choose, edit or upload in the session." }));
    currentCard.replaceChildren(
      h("h2", { class: "small-head" }, "Current version"),
      h("div", { class: "current-body" }, bigPicture(n, 120),
        h("div", { class: "current-text" },
          h("b", { text: nodeLabel(n) }), h("div", {}, whyMarks(n)),
          h("p", { class: "small muted current-reason" }, reasonNodes(w.id, n.reason, n.parents, n.media_type)),
          h("div", { class: "row" },
            h("button", { type: "button", class: "small", id: "show-current", onclick: () => showNode(n.id) }, "Show in the lineage"),
            h("a", { class: "button small ghost", href: `#/work/${w.id}/attribution` }, "Export…")))));
  };
  const drawCompare = () => {
    const picked = S.compare.map((id) => all.get(id)).filter(Boolean);
    if (!picked.length) {
      return compare.replaceChildren(h("h2", { class: "small-head" }, "Compare"),
        h("p", { class: "small muted", text: "Pick two pictures in the lineage (or in a folded round) to see them side by side." }));
    }
    compare.replaceChildren(h("h2", { class: "small-head" }, "Compare"),
      h("div", { class: "compare-grid" }, [0, 1].map((k) => {
        const n = picked[k];
        if (!n) return h("div", { class: "compare-slot empty-slot" }, h("p", { class: "small muted", text: "Pick one more to compare." }));
        return h("div", { class: "compare-slot", dataset: { id: n.id } },
          h("div", { class: "slot-head" }, h("b", { text: String.fromCharCode(65 + k) }), " ", nodeLabel(n)),
          bigPicture(n, 192),
          h("p", { class: "small muted" }, reasonNodes(w.id, n.reason, n.parents, n.media_type)),
          n.status ? h("p", { class: "small status", text: n.status }) : null,
          h("div", { class: "row" },
            n.id === lin.current ? h("span", { class: "mark chosen" }, "current") :
              h("button", { type: "button", class: "small primary", "aria-label": `Restore ${nodeLabel(n)} (${String.fromCharCode(65 + k)})`, onclick: () => restore(n.id) }, "Restore"),
            h("button", { type: "button", class: "small ghost", "aria-label": `Stop comparing ${String.fromCharCode(65 + k)}`, onclick: () => toggleCompare(n.id) }, "✕")));
      })));
  };
  const showNode = (id) => {
    const el = document.getElementById(`node-${id}`);
    if (!el) return;
    el.scrollIntoView({ block: "center", behavior: "smooth" });
    el.classList.add("flash");
    setTimeout(() => el.classList.remove("flash"), 1200);
  };
  const toggleCompare = (id) => {
    const k = S.compare.indexOf(id);
    if (k >= 0) S.compare.splice(k, 1);
    else { S.compare.push(id); if (S.compare.length > 2) S.compare.shift(); }
    drawCompare();
    $$(".compare-toggle", tree).forEach((b) => {
      const id2 = b.closest(".lrow").dataset.id;
      const on = S.compare.includes(id2);
      b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    $$(".fold-item", tree).forEach((b) => {
      const on = S.compare.includes(b.dataset.id);
      b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  };

  // the filter looks through everything, folded or not
  const filter = h("input", { type: "search", id: "history-filter", placeholder: "Find: chosen, rejected, edit, round 3, a word of a reason…", "aria-label": "Find in the whole history" });
  const found = h("div", { class: `found ${w.domain}`, id: "found", hidden: true });
  const find = () => {
    const q = filter.value.trim().toLowerCase();
    tree.hidden = !!q;
    found.hidden = !q;
    if (!q) return;
    const hits = Array.from(all.values()).filter((n) =>
      [n.operator, OPERATOR_WORDS[n.operator], n.author, n.status, (n.why || []).join(" "), reasonText(n.reason, n.parents), `round ${n.round}`].join(" ").toLowerCase().includes(q));
    found.replaceChildren(h("p", { class: "small muted", text: `${plural(hits.length, "version")} found` }),
      h("ul", { class: "found-grid" }, hits.slice(0, 200).map((n) => h("li", { class: "found-item", dataset: { id: n.id } },
        h("button", { type: "button", class: "lthumb", "aria-label": `Compare ${nodeLabel(n)}`, onclick: () => toggleCompare(n.id) }, thumb(w.id, n, 80)),
        h("span", { class: "small" }, nodeLabel(n)), n.status ? h("span", { class: "small status", text: n.status }) : null))));
  };
  filter.addEventListener("input", find);

  let verify = null;
  try { verify = await api("GET", "/api/verify"); } catch (e) { /* shown below */ }
  tree.style.setProperty("--lanes-w", `${LANE * Math.max(1, lin.lanes) + 4}px`);
  tree.append(...lin.items.map(row));
  body.append(
    h("div", { class: "history-head" }, filter,
      h("span", { class: "small muted", id: "history-count", text: `${plural(lin.kept, "version")} kept of ${lin.total}; the rest folded` }),
      h("span", { class: `small ${verify && verify.ok ? "ok" : "bad"}`, id: "ledger-status" }, verify ? (verify.ok ? `✓ ${verify.message}` : `⚠ ${verify.message}`) : "")),
    h("div", { class: `history ${w.domain}` }, h("div", { class: "history-main" }, tree, found), side));
  drawCurrent();
  drawCompare();
  const cur = document.getElementById(`node-${lin.current}`);
  if (cur && cur.getBoundingClientRect().top > innerHeight) cur.scrollIntoView({ block: "center" });
}

// -- attribution -----------------------------------------------------------------------
function renderValue(v, depth = 0) {
  if (v === null || v === undefined) return h("span", { class: "muted", text: "—" });
  if (typeof v !== "object") return h("span", { text: String(v) });
  if (Array.isArray(v)) {
    if (!v.length) return h("span", { class: "muted", text: "none" });
    if (v.every((x) => x && typeof x === "object" && !Array.isArray(x))) {
      const cols = Array.from(new Set(v.flatMap((x) => Object.keys(x))));
      return h("table", { class: "data" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", { text: c })))),
        h("tbody", {}, v.map((x) => h("tr", {}, cols.map((c) => h("td", {}, renderValue(x[c], depth + 1)))))));
    }
    return h("ul", {}, v.map((x) => h("li", {}, renderValue(x, depth + 1))));
  }
  return h("dl", { class: "kv" }, Object.entries(v).map(([k, x]) => [h("dt", { text: k.replace(/_/g, " ") }), h("dd", {}, renderValue(x, depth + 1))]));
}

const pct = (v) => `${Math.round(100 * Number(v || 0))}%`;

function shareBar(byOrigin, label) {
  const ai = Number(byOrigin.ai || 0), human = Number(byOrigin.human || 0);
  const total = ai + human || 1;
  return h("div", { class: "share" },
    h("div", { class: "share-label small" }, h("span", { text: label }), h("span", { class: "muted", text: `people ${pct(human / total)} · AI ${pct(ai / total)}` })),
    h("div", { class: "share-bar", role: "img", "aria-label": `${label}: people ${pct(human / total)}, AI ${pct(ai / total)}` },
      h("span", { class: "human", style: `width:${(100 * human) / total}%` }), h("span", { class: "ai", style: `width:${(100 * ai) / total}%` })));
}

function attributionSummary(v) {
  return h("div", { class: "summary" },
    v.content ? shareBar(v.content.by_origin, "Content") : null,
    v.decisions ? shareBar(v.decisions.by_origin, "Decisions") : null,
    v.contributors ? h("table", { class: "data" }, h("thead", {}, h("tr", {}, ["", "share", "roles"].map((c) => h("th", { text: c })))),
      h("tbody", {}, v.contributors.map((c) => h("tr", {}, h("td", {}, h("b", { text: c.name || c.id }), h("span", { class: "muted small", text: c.kind === "ai" ? " AI" : "" })),
        h("td", { text: pct(c.share) }), h("td", { class: "small", text: (c.roles || []).join(", ") }))))) : null);
}

function disclosureSummary(v) {
  const list = (title, items) => items && items.length ? [h("h3", { text: title }), h("ul", {}, items.map((x) => h("li", { text: x })))] : null;
  return h("div", { class: "summary" },
    list("Made by people", v.author_created), list("AI material to exclude", v.material_excluded),
    v.ai_tools && v.ai_tools.length ? [h("h3", { text: "AI tools" }), h("ul", {}, v.ai_tools.map((t) => h("li", { text: `${t.name} (${t.model_id} ${t.version}): ${pct(t.content_share)} of the content` })))] : null);
}

function splitSummary(v) {
  return h("div", { class: "summary" },
    h("table", { class: "data" }, h("thead", {}, h("tr", {}, ["", "role", "share"].map((c) => h("th", { text: c })))),
      h("tbody", {}, (v.entries || []).map((e) => h("tr", {}, h("td", {}, h("b", { text: e.name || e.contributor })), h("td", { class: "small", text: e.role }), h("td", { text: `${e.share_percent}%` }))))),
    v.excluded_ai && v.excluded_ai.length ? h("p", { class: "small muted", text: `Not credited (AI): ${v.excluded_ai.join(", ")}` }) : null);
}

async function renderAttribution(body) {
  const w = S.work;
  if (!S.meta.authorship) {
    return body.append(empty("Attribution is not available", "The authorship module is not installed in this studio yet; the ledger still records who made what.",
      h("a", { class: "button", href: `#/work/${w.id}/history` }, "See the history")));
  }
  let lin;
  try { lin = await api("GET", `/api/works/${w.id}/lineage`); } catch (e) { return fail(e); }
  const kept = lin.items.filter((it) => it.type === "node" && it.active);
  const rest = lin.items.flatMap((it) => it.folded || []).filter((m) => m.active);
  if (!kept.length && !rest.length) return body.append(empty("Nothing to attribute yet", "Make a round first.", h("a", { class: "button primary", href: `#/work/${w.id}` }, "Go to the session")));
  const byId = new Map([...kept, ...rest].map((n) => [n.id, n]));
  // the current version first, then what was kept (newest first); the rest behind "more"
  const current = byId.get(lin.current) || null;
  let chosen = current ? current.id : (kept.length ? kept[kept.length - 1].id : rest[rest.length - 1].id);
  const option = (n, size = 64) => {
    const on = n.id === chosen;
    return h("button", { type: "button", class: `version${on ? " on" : ""}`, role: "radio", "aria-checked": on ? "true" : "false",
      dataset: { id: n.id }, "aria-label": `${nodeLabel(n)}${n.id === lin.current ? " (current)" : ""}${n.status ? `, ${n.status}` : ""}`,
      title: reasonText(n.reason, n.parents), onclick: () => pick(n.id) },
    thumb(w.id, n, size), h("span", { class: "version-label small" }, n.id === lin.current ? "current" : (n.round ? `round ${n.round}` : (OPERATOR_WORDS[n.operator] || n.operator))));
  };
  const keptOptions = kept.slice().reverse().sort((a, b) => (b.id === lin.current) - (a.id === lin.current));
  const picker = h("div", { class: "versions", id: "version-picker", role: "radiogroup", "aria-label": "Version to attribute and export" },
    keptOptions.map((n) => option(n)));
  const more = rest.length ? h("details", { class: "more-versions" }, h("summary", { class: "small" }, `${plural(rest.length, "other version")}…`)) : null;
  if (more) {
    more.addEventListener("toggle", () => {
      if (!more.open || more.dataset.drawn) return;
      more.dataset.drawn = "1";
      more.append(h("div", { class: "versions more", role: "radiogroup", "aria-label": "Other versions" }, rest.slice().reverse().map((n) => option(n, 48))));
    });
  }
  const shown = h("div", { class: "version-shown", id: "version-shown", "aria-live": "polite" });
  const out = h("div", { class: "attr-grid", id: "attribution" });
  const formats = S.meta.export_formats.length ? S.meta.export_formats : ["file"];
  const fmt = h("select", { id: "export-format", name: "format", "aria-label": "Export format" }, formats.map((f) => h("option", { value: f, text: f })));
  const prov = h("input", { type: "checkbox", id: "export-provenance", checked: true });
  const size = h("select", { id: "export-size", "aria-label": "Export size" },
    h("option", { value: "", text: "as shown" }),
    [1024, 2048, 4096].map((px) => h("option", { value: String(px), text: `${px} px` })));
  const sidecar = h("button", { type: "button", id: "export-sidecar", class: "ghost", hidden: true }, "Provenance sidecar (.c2pa)");
  const problem = h("p", { class: "error small export-error", id: "export-error", role: "alert", hidden: true });
  const dl = h("form", { id: "export-form", class: "export" },
    h("span", { class: "pair" }, h("label", { for: "export-format", class: "small" }, "Format"), fmt),
    h("span", { class: "pair" }, h("label", { for: "export-size", class: "small" }, "Size"), size),
    h("label", { class: "inline small", for: "export-provenance" }, prov, "with provenance"),
    h("button", { type: "submit", class: "primary", id: "export-button" }, "Download"),
    sidecar, problem);
  // a sidecar exists only for a file whose type cannot carry its credentials inside
  const offerSidecar = () => {
    const n = byId.get(chosen);
    sidecar.hidden = !(n && n.sidecar && prov.checked && fmt.value === "file");
    size.disabled = fmt.value !== "file" || !(n && isPicture(n.media_type));
  };
  const download = async (part) => {
    problem.hidden = true;
    const btn = part === "sidecar" ? sidecar : $("#export-button", dl);
    try {
      const p = new URLSearchParams({ by: me(), format: fmt.value, provenance: prov.checked ? "true" : "false", part, artifact: chosen });
      if (size.value && !size.disabled) p.set("size", size.value);
      btn.disabled = true;
      let r;
      try { r = await fetch(`/api/works/${w.id}/export?${p}`, { method: "POST" }); }
      catch (e) { throw new ApiError(0, "the studio server cannot be reached"); }
      if (!r.ok) {
        let detail = `${r.status} ${r.statusText}`;
        try { detail = (await r.json()).detail || detail; } catch (e) { /* not JSON */ }
        throw new ApiError(r.status, detail);
      }
      const blob = await r.blob();
      const m = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "");
      const a = h("a", { href: URL.createObjectURL(blob), download: m ? m[1] : "export", hidden: true });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      toast(`Downloaded ${m ? m[1] : "the export"}`);
    } catch (e) {
      problem.textContent = `The export failed: ${e.message}`;
      problem.hidden = false;
      fail(e);
    } finally { btn.disabled = false; }
  };
  dl.addEventListener("submit", (ev) => { ev.preventDefault(); download("file"); });
  sidecar.addEventListener("click", () => download("sidecar"));
  fmt.addEventListener("change", offerSidecar);
  prov.addEventListener("change", offerSidecar);
  const drawShown = () => {
    const n = byId.get(chosen);
    const isCurrent = n.id === lin.current;
    shown.replaceChildren(h("div", { class: `big-thumb ${w.domain}` }, thumb(w.id, n, 120, { alt: nodeLabel(n) })),
      h("div", {},
        h("b", { text: `${nodeLabel(n)}${isCurrent ? " — the current version" : ""}` }), " ", whyMarks(n),
        h("p", { class: "small muted" }, reasonNodes(w.id, n.reason, n.parents, n.media_type)),
        h("p", { class: "small" }, "Download exports this version; the records below describe it.",
          isCurrent && (n.why || []).includes("restored") ? " It is current because you went back to it." : "")));
  };
  const pick = (id) => {
    chosen = id;
    $$(".version", body).forEach((b) => { const on = b.dataset.id === id; b.classList.toggle("on", on); b.setAttribute("aria-checked", on ? "true" : "false"); });
    drawShown(); offerSidecar();
    load().catch(fail);
  };
  const load = async () => {
    const q = `?artifact=${chosen}`;
    const parts = await Promise.allSettled([
      api("GET", `/api/works/${w.id}/attribution${q}`), api("GET", `/api/works/${w.id}/disclosure`), api("GET", `/api/works/${w.id}/split-sheet`)]);
    const titles = ["Who made what", "Disclosure", "Split sheet"];
    const summaries = [attributionSummary, disclosureSummary, splitSummary];
    out.replaceChildren(...parts.map((p, k) => {
      if (p.status !== "fulfilled") return h("section", { class: "card" }, h("h2", { text: titles[k] }), h("p", { class: "error", text: p.reason.message }));
      const v = Object.values(p.value)[0];
      let summary = null;
      try { summary = summaries[k](v); } catch (e) { summary = null; }
      return h("section", { class: "card" }, h("h2", { text: titles[k] }), summary,
        h("details", { class: "raw" }, h("summary", { class: "small muted" }, "All details"), h("div", { class: "raw-body" }, renderValue(v))));
    }));
  };
  body.append(
    h("div", { class: `attr-top ${w.domain}` },
      h("section", { class: "attr-versions" }, h("h2", { class: "small-head", id: "versions-head" }, "Version"), picker, more),
      h("section", { class: "attr-export" }, shown, dl)),
    out);
  drawShown(); offerSidecar();
  await load();
}

// -- insight ---------------------------------------------------------------------------
function chart(rows) {
  const W = 640, H = 240, P = 44;
  if (rows.length === 1) rows = [rows[0], rows[0]]; // one choice: a level line
  const n = rows.length;
  const x = (i) => P + (n <= 1 ? (W - 2 * P) / 2 : (i * (W - 2 * P)) / (n - 1));
  const y = (v) => H - P - v * (H - 2 * P);
  const path = (key) => rows.map((r, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(r[key]).toFixed(1)}`).join(" ");
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": `Attunement: running accuracy ${Math.round(100 * rows[n - 1].accuracy)}% against chance ${Math.round(100 * rows[n - 1].chance)}%` });
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s("line", { x1: P, x2: W - P, y1: y(v), y2: y(v), class: "gridline" }),
      s("text", { x: P - 8, y: y(v) + 4, "text-anchor": "end", class: "axis" }, `${v * 100}%`));
  }
  svg.append(s("text", { x: W / 2, y: H - 6, "text-anchor": "middle", class: "axis" }, "choices, in order"));
  svg.append(s("path", { d: path("chance"), class: "chance" }), s("path", { d: path("accuracy"), class: "accuracy" }));
  const single = n === 2 && rows[0] === rows[1];
  const mark = (r, cx) => {
    const title = s("title", {}, `round ${r.round}: ${r.hit ? "foreseen" : "not foreseen"} (of ${r.n})${r.away ? "; this set left your favourite out on purpose" : ""}`);
    // a round that stepped away: a square, so it reads apart from the rounds that held the favourite
    return r.away
      ? s("rect", { x: cx - 4.5, y: y(r.accuracy) - 4.5, width: 9, height: 9, class: `away ${r.hit ? "hit" : "miss"}` }, title)
      : s("circle", { cx, cy: y(r.accuracy), r: 4, class: r.hit ? "hit" : "miss" }, title);
  };
  (single ? rows.slice(1) : rows).forEach((r, i) => svg.append(mark(r, x(single ? 1 : i))));
  // the legend: one row above the plot, so that it never covers the line at 100%
  const legend = s("g", { class: "legend" },
    s("line", { x1: P, x2: P + 20, y1: 16, y2: 16, class: "accuracy" }), s("text", { x: P + 26, y: 20, class: "axis" }, "running accuracy"),
    s("line", { x1: P + 150, x2: P + 170, y1: 16, y2: 16, class: "chance" }), s("text", { x: P + 176, y: 20, class: "axis" }, "chance (1/N)"));
  if (rows.some((r) => r.away)) {
    legend.append(s("rect", { x: P + 285.5, y: 11.5, width: 9, height: 9, class: "away miss" }), s("text", { x: P + 302, y: 20, class: "axis" }, "set without your favourite"));
  }
  svg.append(legend);
  return svg;
}

async function renderInsight(body) {
  const w = S.work;
  const scope = h("select", { id: "insight-scope", "aria-label": "Scope" },
    h("option", { value: "work", text: "this work" }), h("option", { value: "creator", text: `all of ${w.creator}'s ${w.domain} works` }));
  const out = h("div", { id: "insight" });
  const load = async () => {
    const d = await api("GET", `/api/works/${w.id}/attunement?scope=${scope.value}`);
    if (!d.rounds.length) {
      return out.replaceChildren(empty("Nothing to show yet", "Each time you choose one of a round, the partner's guess is checked against your pick. Choose in a few rounds to see how well it has learned your taste."));
    }
    const pct = (v) => `${Math.round(100 * v)}%`;
    out.replaceChildren(
      h("div", { class: "stats" },
        h("div", { class: "stat" }, h("b", { text: pct(d.accuracy) }), h("span", { text: "foreseen" })),
        h("div", { class: "stat" }, h("b", { text: pct(d.chance) }), h("span", { text: "by chance" })),
        h("div", { class: "stat" }, h("b", { text: d.rounds.length }), h("span", { text: "choices" })),
        d.away_rounds && d.with_favourite.accuracy !== null
          ? h("div", { class: "stat", id: "insight-with-favourite", title: `${plural(d.away_rounds, "set")} left the favourite out on purpose, to learn what else you like; chance there: ${pct(d.with_favourite.chance)}` },
            h("b", { text: pct(d.with_favourite.accuracy) }), h("span", { text: "foreseen when its favourite was shown" }))
          : null),
      h("div", { class: "card" }, chart(d.rounds)),
      h("table", { class: "data" }, h("thead", {}, h("tr", {}, ["round", "shown", "foreseen", "accuracy", "chance"].map((c) => h("th", { text: c })))),
        h("tbody", {}, d.rounds.map((r) => h("tr", {}, h("td", { text: r.round }), h("td", { text: r.n }), h("td", { text: (r.hit ? "yes" : "no") + (r.away ? " (set without your favourite)" : "") }), h("td", { text: pct(r.accuracy) }), h("td", { text: pct(r.chance) }))))));
  };
  scope.addEventListener("change", () => load().catch(fail));
  const taste = h("section", { class: "card", id: "taste" });
  body.append(h("div", { class: "attr-head" }, h("label", { for: "insight-scope", class: "small" }, "How well the partner foresees your pick, across"), scope), out, taste);
  await load().catch(fail);
  await renderTaste(taste).catch(fail);
}

function tasteSpots(home) {
  // the features the model is surest of (a choice as its likeliest option), "name value ± spread"
  return home.surest.map((r) => `${r.feature} ${Number(r.value).toFixed(2)} ± ${Number(r.spread).toFixed(2)}`).join(", ");
}

// what the listed features are: the surest of a pinned spot, a guess's leanings otherwise
function tasteWhich(home) {
  return home.pinned ? "surest features" : "where it leans so far";
}

// a home whose spot the judgments have not pinned down yet has no height worth showing
function homeLabel(home, k) {
  if (k === 0) return home.pinned ? "Favourite spot" : "Favourite spot, not pinned down yet";
  return home.pinned ? `Another home, ${pct(home.height)} as appealing` : "Another home, not pinned down yet";
}

// "more warmth" / "less symmetry"; a choice's option as "towards font courier"; "?" when unsure
function leanText(f) {
  const [param, option] = f.name.split("=");
  const up = f.weight > 0;
  const said = option === undefined ? `${up ? "more" : "less"} ${param}` : `${up ? "towards" : "away from"} ${param} ${option}`;
  return f.sure ? said : `${said}?`;
}

async function renderTaste(box) {
  const w = S.work;
  const t = await api("GET", `/api/works/${w.id}/taste`);
  if (box.dataset.exportUrl) URL.revokeObjectURL(box.dataset.exportUrl); // the previous render's
  const url = URL.createObjectURL(new Blob([JSON.stringify(t, null, 2)], { type: "application/json" }));
  box.dataset.exportUrl = url;
  const exportLink = h("a", { class: "button", id: "taste-export", href: url, download: `taste-${w.creator}-${w.domain}.json` }, "Export (JSON)");
  const reset = h("button", { type: "button", id: "taste-reset", class: "ghost" }, "Reset…");
  const sure = h("div", { class: "confirm", id: "taste-confirm", hidden: true },
    h("p", { class: "small", text: `Forget what the partner learned of ${w.creator}'s taste in ${w.domain}? The ledger keeps every judgment; the next round starts afresh.` }),
    h("button", { type: "button", id: "taste-reset-yes", class: "danger" }, "Forget my taste"),
    h("button", { type: "button", id: "taste-reset-no", class: "ghost" }, "Keep it"));
  reset.addEventListener("click", () => { sure.hidden = false; $("#taste-reset-no", sure).focus(); });
  $("#taste-reset-no", sure).addEventListener("click", () => { sure.hidden = true; reset.focus(); });
  $("#taste-reset-yes", sure).addEventListener("click", async () => {
    try {
      await api("POST", `/api/works/${w.id}/taste/reset`, { by: me() });
      toast("Your taste was reset; the ledger keeps your judgments.");
      await renderTaste(box);
    } catch (e) { fail(e); }
  });
  const ideal = t.ideal_point;
  const homes = ideal ? ideal.homes : [];
  const held = (t.model || {}).held_out || {};
  // what a fit to choices it cannot foresee leans to is noise (the summary says so)
  const leans = held.tested && !held.above_chance ? [] : ((t.model || {}).top_features || []).slice(0, 5);
  box.replaceChildren(...[
    h("h2", { text: `What the partner has learned of ${w.creator}'s taste` }),
    h("p", { class: "small muted", text: `${t.judgments} preferences in ${w.domain}, from all of ${w.creator}'s works there.` }),
    t.summary ? h("p", { id: "taste-summary", text: t.summary }) : null,
    homes.length ? h("ul", { id: "taste-homes" }, homes.map((home, k) => h("li", {},
      h("b", { text: homeLabel(home, k) }), h("span", { class: "small", text: ` (${tasteWhich(home)}): ${tasteSpots(home)}` })))) : null,
    leans.length ? h("p", { class: "small" }, "Near what you judged, appeal leans: ",
      h("span", { id: "taste-leans", text: leans.map(leanText).join(", ") }),
      h("span", { class: "muted", text: " (? not sure yet)" })) : null,
    ideal ? h("p", { class: "small muted", text: `Width of the taste ${Number(ideal.width).toFixed(2)} (how far appeal reaches around a favourite).` }) : null,
    h("div", { class: "actions" }, exportLink, reset), sure].filter(Boolean));
}

// -- keyboard --------------------------------------------------------------------------
function isTyping() {
  const el = document.activeElement;
  return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || (el.tagName === "INPUT" && !["range", "checkbox", "button", "file"].includes(el.type)));
}

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === "Escape") {
    if ($("#help").open) return;
    if (S.job && S.job.status === "running") { ev.preventDefault(); return cancelJob(); }
    if (isTyping()) return document.activeElement.blur();
    S.marked = []; S.selected = null; S.best = S.worst = null;
    if ($("#grid")) drawRound();
    return;
  }
  if (isTyping()) return;
  if (ev.key === "?") { ev.preventDefault(); return openHelp(); }
  if (!$("#grid") || !S.round) {
    if (ev.key === "h" && S.work) location.hash = `#/work/${S.work.id}/history`;
    return;
  }
  const arts = S.round.artifacts;
  const a = current();
  const digit = /^Digit([1-9])$/.exec(ev.code);
  if (digit && ev.shiftKey) {
    const k = Number(digit[1]);
    if (k <= 5 && a) { ev.preventDefault(); judge("rate", a.id, { rating: k }); }
    return;
  }
  if (digit) { const k = Number(digit[1]); if (arts[k - 1]) { ev.preventDefault(); select(arts[k - 1].id); } return; }
  const move = { ArrowRight: 1, ArrowDown: 0, ArrowLeft: -1, ArrowUp: 0 }[ev.key];
  if (move !== undefined && arts.length && document.activeElement && document.activeElement.closest && (document.activeElement.closest("#grid") || document.activeElement === document.body)) {
    ev.preventDefault();
    let i = arts.findIndex((x) => x.id === S.selected);
    const cols = Math.max(1, Math.round($("#grid").clientWidth / ($(".card-item") || { clientWidth: 1 }).clientWidth));
    const step = ev.key === "ArrowDown" ? cols : ev.key === "ArrowUp" ? -cols : move;
    i = i < 0 ? 0 : Math.max(0, Math.min(arts.length - 1, i + step));
    return select(arts[i].id);
  }
  const key = ev.key;
  const need = () => { if (!a) toast("Select a proposal first (1–9).", "error"); return a; };
  const handlers = {
    Enter: () => {
      const el = document.activeElement;  // a focused button does its own thing; a card's toggle chooses
      if (el && el.tagName === "BUTTON" && !el.classList.contains("card-pick")) return false;
      if (need()) choose(a.id);
    },
    x: () => need() && judge("reject", a.id),
    s: () => skipRound(),
    u: () => undo(),
    n: () => generate({ kind: "propose" }),
    v: () => need() && generate({ kind: "variations", artifact: a.id, strength: S.strength }),
    b: () => need() && bestWorst("best", a.id),
    w: () => need() && bestWorst("worst", a.id),
    m: () => need() && toggleMark(a.id),
    c: () => S.marked.length === 2 ? generate({ kind: "crossover", a: S.marked[0], b: S.marked[1], n: Math.min(S.n, 8) }) : toast("Mark two proposals first (m).", "error"),
    i: () => S.marked.length === 2 ? generate({ kind: "interpolate", a: S.marked[0], b: S.marked[1], n: 5 }) : toast("Mark two proposals first (m).", "error"),
    t: () => { if (need()) $("#note-text").focus(); },
    e: () => { if (need()) { const p = $("#edit-panel"); p.open = true; const f = $("input, textarea", p); if (f) f.focus(); } },
    "[": () => stepRound(-1),
    "]": () => stepRound(1),
    h: () => (location.hash = `#/work/${S.work.id}/history`),
  };
  const fn = handlers[key];
  if (fn) { if (fn() !== false) ev.preventDefault(); }
}

function openHelp() {
  $("#help-body").replaceChildren(h("dl", { class: "shortcuts" }, SHORTCUTS.map(([k, v]) => [h("dt", {}, h("kbd", { text: k })), h("dd", { text: v })])));
  $("#help").showModal();
}

// -- start -----------------------------------------------------------------------------
async function start() {
  // what sticks below the top bar needs its height, which wraps on a phone
  const bar = $(".topbar");
  const setBar = () => document.documentElement.style.setProperty("--header-h", `${Math.ceil(bar.getBoundingClientRect().height)}px`);
  if (window.ResizeObserver) new ResizeObserver(setBar).observe(bar);
  setBar();
  const who = $("#creator-input");
  who.value = store.get("creator", "");
  who.addEventListener("input", () => { store.set("creator", who.value.trim()); who.classList.remove("attention"); });
  $("#help-button").addEventListener("click", openHelp);
  document.addEventListener("keydown", onKey);
  try { S.meta = await api("GET", "/api/meta"); }
  catch (e) { return mount(empty("The studio cannot be reached", e.message)); }
  window.addEventListener("hashchange", route);
  route();
}

start();
