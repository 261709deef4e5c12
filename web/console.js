// Axion console: polls the runner's JSON API (docs/console.md) every 2 s.
// A token given as ?token=... is kept for the session and sent as a
// bearer token (and on image URLs, which cannot carry a header).
"use strict";

const params = new URLSearchParams(location.search);
if (params.get("token")) sessionStorage.setItem("axion-token", params.get("token"));
const token = sessionStorage.getItem("axion-token");

function withToken(url) {
  if (!token) return url;
  return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers["Authorization"] = "Bearer " + token;
  const r = await fetch(path, Object.assign({}, options, { headers }));
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.status + " " + r.statusText);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined)
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function time(ts) {
  if (!ts) return "";
  const d = new Date(ts);
  return isNaN(d) ? ts : d.toLocaleTimeString();
}

// the last 10 minutes of motion (60 ten-second maxima; gaps are null)
function sparkline(values) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 60 20");
  svg.setAttribute("preserveAspectRatio", "none");
  const max = Math.max(0.01, ...values.filter(v => v !== null));
  const pts = values.map((v, i) => i + "," + (20 - 19 * (v === null ? 0 : v) / max).toFixed(2));
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts.join(" "));
  svg.append(line);
  const title = document.createElementNS(ns, "title");
  title.textContent = "motion, last 10 minutes (peak " + (100 * max).toFixed(1) + "% of the frame)";
  svg.append(title);
  return svg;
}

const cards = new Map();

function renderCamera(c) {
  let card = cards.get(c.id);
  if (!card) {
    card = el("div", { class: "cam", "data-camera": c.id },
      el("div", { class: "frame" }, "no snapshot yet"),
      el("div", { class: "info" }), el("span"));
    cards.set(c.id, card);
    document.getElementById("grid").append(card);
  }
  const frame = card.querySelector(".frame");
  // a new snapshot is loaded aside and shown once complete: the grid
  // never shows half an image nor flickers, however slow the link
  if (c.snapshot && frame.dataset.want !== c.snapshot) {
    frame.dataset.want = c.snapshot;
    const next = new Image();
    next.className = "snapshot";
    next.alt = "latest snapshot of " + c.id;
    next.onload = () => {
      if (frame.dataset.want === c.snapshot) frame.replaceChildren(next);
    };
    next.src = withToken(c.snapshot);
  }
  card.querySelector(".info").replaceChildren(...[
    el("span", { class: "name" }, c.id),
    el("span", { class: "badge " + c.state, "data-state": c.state }, c.state),
    el("span", { class: "fps" }, c.fps.toFixed(0) + " fps"),
    el("span", { class: "muted" }, c.frames + " frames"),
    c.outages ? el("span", { class: "muted" }, c.outages + " outages") : null,
    c.accelerator_utilisation !== undefined
      ? el("span", { class: "muted" }, "accelerator " + (100 * c.accelerator_utilisation).toFixed(0) + "%") : null,
    c.last_error ? el("span", { class: "desc" }, c.last_error) : null,
  ].filter(x => x !== null));
  card.lastChild.replaceWith(sparkline(c.motion || []));
}

async function act(id, action, button) {
  button.disabled = true;
  try {
    await api("api/alerts/" + id + "/" + action, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: "console" }) });
  } catch (e) {
    status(action + " failed: " + e.message);
  }
  refreshAlerts();
}

function renderAlerts(list) {
  const body = document.querySelector("#alerts tbody");
  body.replaceChildren(...list.map(a => {
    const buttons = el("td");
    if (a.status === "new")
      buttons.append(el("button", { "data-action": "acknowledge", onclick: e => act(a.id, "acknowledge", e.target) }, "Acknowledge"));
    if (["new", "acknowledged", "investigating"].includes(a.status))
      buttons.append(el("button", { "data-action": "resolve", onclick: e => act(a.id, "resolve", e.target) }, "Resolve"));
    const what = el("td", {}, a.title,
      a.claude_description ? el("div", { class: "desc" }, "Claude: " + a.claude_description) : null,
      a.snapshot ? el("a", { href: withToken(a.snapshot), target: "_blank" },
        el("img", { class: "thumb", src: withToken(a.snapshot), alt: "snapshot" })) : null);
    return el("tr", { "data-alert-id": a.id },
      el("td", {}, time(a.created_at)), el("td", {}, a.camera_id || ""),
      el("td", { class: "sev sev" + a.severity }, a.severity), what,
      el("td", { class: "status" }, a.status + (a.acknowledged_by ? " (" + a.acknowledged_by + ")" : "")),
      buttons);
  }));
}

function renderEvents(list) {
  const body = document.querySelector("#events tbody");
  body.replaceChildren(...list.map(e => el("tr", {},
    el("td", {}, time(e.event_timestamp)), el("td", {}, e.camera_id),
    el("td", {}, e.event_type + (e.event_phase ? " " + e.event_phase : ""),
      // a track's best frame (track_ended); a file the disk bound deleted
      // since shows nothing
      e.snapshot ? el("a", { href: withToken(e.snapshot), target: "_blank" },
        el("img", { class: "thumb", src: withToken(e.snapshot), alt: "best frame of the track",
          onerror: ev => ev.target.parentNode.remove() })) : null),
    el("td", {}, e.motion_score === null ? "" : (100 * e.motion_score).toFixed(1) + "%"))));
}

function renderAnalyses(list) {
  const ul = document.getElementById("analyses");
  ul.replaceChildren(...(list.length ? list.map(a => el("li", {},
    el("span", { class: "muted" }, time(a.event_timestamp) + " " + a.camera_id + ": "),
    a.scene_description || a.primary_insight || "")) : [el("li", { class: "muted" }, "no analyses")]));
}

async function refreshAlerts() {
  try { renderAlerts(await api("api/alerts")); } catch (e) { status("alerts: " + e.message); }
}

function status(text) { document.getElementById("updated").textContent = text; }

async function refresh() {
  try {
    const cams = await api("api/cameras");
    cams.forEach(renderCamera);
    const online = cams.filter(c => c.state === "online").length;
    document.getElementById("summary").textContent = online + " of " + cams.length + " cameras online";
    const [alerts, events, analyses] = await Promise.all([
      api("api/alerts"), api("api/events"), api("api/analyses")]);
    renderAlerts(alerts);
    renderEvents(events);
    renderAnalyses(analyses);
    status("updated " + new Date().toLocaleTimeString());
    document.body.dataset.loaded = "1";
  } catch (e) {
    status("update failed: " + e.message);
  }
}

refresh();
setInterval(refresh, 2000);
