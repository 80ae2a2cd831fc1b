// dateline's analyst page: map, timeline, filters, table and event panel over the HTTP API.
// Article text, titles, names and URLs are untrusted: they enter the page as text nodes only (never innerHTML),
// and a link is made only of an http(s) URL.
"use strict";

const $ = (selector) => document.querySelector(selector);
const form = $("#filters");
const PAGE = 500;
const MARKER_SIZE = { site: 12, city: 12, admin1: 24, region: 24, country: 38 };
const state = { markers: new Map(), rows: new Map(), selected: null, cursor: null, fitted: false, facetsFor: null };

// A token for a server whose reads are private: open the page as /#token=... once.
const token = (() => {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) sessionStorage.setItem("dateline-token", decodeURIComponent(m[1]));
  return sessionStorage.getItem("dateline-token");
})();

async function api(path, params) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v != null) url.searchParams.set(k, v);
  const response = await fetch(url, { headers: token ? { Authorization: "Bearer " + token } : {} });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// Builds an element; children are nodes or strings, and strings always become text nodes.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children.flat(Infinity)) if (child != null && child !== "") node.append(child);
  return node;
}

function safeLink(url, text) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return el("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer" }, text || url);
    }
  } catch (e) { /* not a URL: shown as text */ }
  return el("span", {}, text || url || "");
}

function showError(error) {
  $("#error").textContent = error ? String(error.message || error) : "";
}

// --- filters ---------------------------------------------------------------------------------------

function filters({ dates = true, bbox = true } = {}) {
  const out = {};
  for (const name of ["ontology", "type", "country", "status", "precision", "min_sources", "actor"]) {
    const value = form.elements[name].value.trim();
    if (value) out[name] = value;
  }
  if (dates) {
    if (form.elements.since.value) out.since = form.elements.since.value;
    if (form.elements.until.value) out.until = form.elements.until.value;
  }
  if (bbox && $("#f-in-view").checked) out.bbox = mapBox();
  return out;
}

function fillSelect(select, items, label) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "" }, "all"));
  for (const item of items) {
    if (item.key == null) continue;
    select.append(el("option", { value: item.key }, `${label ? label(item.key) : item.key} (${item.count})`));
  }
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
}

async function loadFacets() {
  const ontology = form.elements.ontology.value;
  if (state.facetsFor === ontology) return;
  const stats = await api("/stats", { ontology });
  fillSelect($("#f-type"), stats.by_type);
  fillSelect($("#f-country"), stats.by_country);
  fillSelect($("#f-status"), stats.by_status);
  fillSelect($("#f-precision"), stats.by_precision);
  state.facetsFor = ontology;
}

async function loadOntologies() {
  const stats = await api("/stats", {});
  const select = $("#f-ontology");
  const names = stats.by_ontology.filter((o) => o.key).sort((a, b) => b.count - a.count);
  select.replaceChildren(...names.map((o) => el("option", { value: o.key }, `${o.key} (${o.count})`)));
  if (names.some((o) => o.key === "plover")) select.value = "plover";
}

// --- map -------------------------------------------------------------------------------------------

const map = L.map("map", { worldCopyJump: true, minZoom: 1, maxZoom: 12, zoomSnap: 0.5 }).setView([20, 10], 2);
map.attributionControl.setPrefix("Leaflet · Natural Earth (world-atlas)");
const clusterLayer = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
map.addLayer(clusterLayer);

const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => el("div", { class: "legend" },
  el("div", {}, el("span", { class: "ev-marker p-city" }), "town or site"),
  el("div", {}, el("span", { class: "ev-marker p-admin1" }), "province or region"),
  el("div", {}, el("span", { class: "ev-marker p-country" }), "country only"));
legend.addTo(map);

fetch("/static/vendor/world-atlas/countries-50m.json")
  .then((r) => r.json())
  .then((topo) => {
    L.geoJSON(topojson.feature(topo, topo.objects.countries), {
      interactive: false,
      style: { color: "#8a9aa8", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
    }).addTo(map).bringToBack();
  })
  .catch(() => showError("the country outlines did not load (run scripts/bootstrap.sh)"));

function mapBox() {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  let west = b.getWest(), east = b.getEast();
  if (east - west >= 360) { west = -180; east = 180; }
  const wrap = (lon) => ((((lon + 180) % 360) + 360) % 360) - 180;
  if (west !== -180 || east !== 180) { west = wrap(west); east = wrap(east); }
  return [west, clamp(b.getSouth(), -90, 90), east, clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(4)).join(",");
}

function markerFor(feature) {
  const p = feature.properties;
  const [lon, lat] = feature.geometry.coordinates;
  const size = MARKER_SIZE[p.place_precision] || 12;
  const marker = L.marker([lat, lon], {
    icon: L.divIcon({ className: `ev-marker p-${p.place_precision || "city"}`, iconSize: [size, size] }),
    keyboard: true, title: `${p.type} ${p.date_start || ""}`,
  });
  // A DOM node, not a string: Leaflet would parse a string as HTML.
  marker.bindTooltip(el("span", {}, `${p.type}${p.mode ? " (" + p.mode + ")" : ""} · ${p.date_start || "undated"} · ${p.place_name}`));
  marker.on("click", () => select(p.id));
  return marker;
}

// --- events: table and markers ---------------------------------------------------------------------

function row(p) {
  const tr = el("tr", { "data-id": p.id },
    el("td", {}, p.date_start || "", p.date_end && p.date_end !== p.date_start ? " – " + p.date_end : ""),
    el("td", {}, p.type, p.mode ? el("span", { class: "prec" }, " " + p.mode) : null),
    el("td", {}, p.place_name || "", p.place_precision ? el("span", { class: "prec" }, ` (${p.place_precision})`) : null),
    el("td", {}, p.actor_name || ""),
    el("td", {}, p.recipient_name || ""),
    el("td", { class: "status-" + p.status }, p.status),
    el("td", {}, `${p.independent_outlets} / ${p.article_count}`));
  tr.addEventListener("click", () => select(p.id));
  return tr;
}

function addEvents(collection) {
  const body = $("#events tbody");
  const markers = [];
  for (const feature of collection.features) {
    const p = feature.properties;
    const tr = row(p);
    state.rows.set(p.id, tr);
    body.append(tr);
    if (feature.geometry) {
      const marker = markerFor(feature);
      state.markers.set(p.id, marker);
      markers.push(marker);
    }
  }
  clusterLayer.addLayers(markers);
  state.cursor = collection.next_cursor;
  $("#more").hidden = !state.cursor;
  $("#count").textContent = `${collection.total} events (${state.rows.size} shown; sources: independent / articles)`;
  if (!state.fitted && markers.length && !$("#f-in-view").checked) {
    map.fitBounds(clusterLayer.getBounds().pad(0.3), { maxZoom: 6 });
    state.fitted = true;
  }
}

async function loadEvents() {
  const collection = await api("/events", { ...filters(), format: "geojson", limit: PAGE });
  clusterLayer.clearLayers();
  state.markers.clear();
  state.rows.clear();
  $("#events tbody").replaceChildren();
  addEvents(collection);
  if (state.selected && !state.rows.has(state.selected)) closePanel();
  else if (state.selected) highlight(state.selected);
}

async function loadMore() {
  if (!state.cursor) return;
  try {
    addEvents(await api("/events", { ...filters(), format: "geojson", limit: PAGE, cursor: state.cursor }));
  } catch (e) { showError(e); }
}

let refreshing = null;
async function refresh() {
  showError(null);
  document.body.dataset.ready = "0";
  const run = (async () => {
    try {
      await loadFacets();
      await Promise.all([loadEvents(), loadTimeline()]);
    } catch (e) { showError(e); }
  })();
  refreshing = run;
  await run;
  if (refreshing === run) document.body.dataset.ready = "1";  // for tests: the page has settled
}

// --- event panel -----------------------------------------------------------------------------------

function highlight(id) {
  for (const [key, tr] of state.rows) tr.classList.toggle("selected", key === id);
  for (const [key, marker] of state.markers) {
    const node = marker.getElement();
    if (node) node.classList.toggle("selected", key === id);
  }
}

function closePanel() {
  state.selected = null;
  $("#panel").replaceChildren(el("p", { class: "hint" },
    "Pick an event on the map or in the table to see its evidence, attribution and sources."));
}

function actors(list) {
  return list.length ? list.map((a) => `${a.name} (${[a.country, a.sector].filter(Boolean).join(" ") || "?"})`).join("; ") : "–";
}

function when(d) {
  if (!d) return "undated";
  const span = d.start === d.end ? d.start : `${d.start} – ${d.end}`;
  const from = d.source === "publication" ? "publication date, not stated in the text" : `from the ${d.source}`;
  return `${span} (${d.precision}; ${from}${d.text ? ': "' + d.text + '"' : ""})`;
}

function where(p) {
  if (!p) return "no place found";
  return `${[p.name, p.admin1, p.country].filter(Boolean).join(", ")} (${p.precision})`;
}

function articleText(article, evidence) {
  const text = article.text || "";
  let start = evidence.start, end = evidence.end;
  if (text.slice(start, end) !== evidence.sentence) {  // offsets of another version: find the sentence instead
    start = text.indexOf(evidence.sentence);
    end = start + evidence.sentence.length;
  }
  const box = el("div", { class: "article-text" });
  if (start < 0) { box.append(text); return box; }
  const mark = el("mark", {}, text.slice(start, end));
  box.append(text.slice(0, start), mark, text.slice(end));
  setTimeout(() => { box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - 40); }, 0);
  return box;
}

async function mentionBlock(m) {
  const a = m.article || {};
  const attribution = m.attribution || {};
  const block = el("div", { class: "mention", "data-article": m.article_id },
    el("div", {}, el("strong", {}, a.outlet || "unknown outlet"), " · ",
      a.url ? safeLink(a.url, a.title || a.url) : (a.title || m.article_id),
      a.published_at ? el("span", { class: "prec" }, " " + a.published_at.slice(0, 10)) : null),
    el("div", { class: "status-" + attribution.status },
      `${attribution.status}${attribution.source_text ? " — according to " + attribution.source_text : ""}`,
      attribution.cue ? el("span", { class: "prec" }, ` (cue: "${attribution.cue}")`) : null),
    el("blockquote", { class: "evidence" }, m.evidence.sentence));
  try {
    const article = await api(`/articles/${encodeURIComponent(m.article_id)}`);
    block.append(articleText(article, m.evidence));
  } catch (e) { block.append(el("p", { class: "prec" }, "article text not available: " + e.message)); }
  return block;
}

async function select(id) {
  state.selected = id;
  highlight(id);
  const marker = state.markers.get(id);
  if (marker) clusterLayer.zoomToShowLayer(marker, () => highlight(id));
  const tr = state.rows.get(id);
  if (tr) tr.scrollIntoView({ block: "nearest" });
  const panel = $("#panel");
  panel.replaceChildren(el("p", { class: "hint" }, "Loading…"));
  try {
    const e = await api(`/events/${encodeURIComponent(id)}`);
    if (state.selected !== id) return;
    const statuses = Object.entries(e.statuses || {}).map(([k, n]) => `${k} ${n}`).join(", ");
    const mentions = await Promise.all(e.mentions.map(mentionBlock));
    const copies = e.copies.length ? el("div", { class: "mention" }, el("strong", {}, "Copies of these reports: "),
      e.copies.map((c, i) => [i ? ", " : "", c.url ? safeLink(c.url, c.outlet || c.url) : (c.outlet || c.id)])) : null;
    panel.replaceChildren(...[
      el("h2", {}, e.type, e.mode ? ` (${e.mode})` : ""),
      el("dl", {},
        el("dt", {}, "When"), el("dd", {}, when(e.date)),
        el("dt", {}, "Where"), el("dd", {}, where(e.place)),
        el("dt", {}, "Who"), el("dd", {}, actors(e.actors)),
        el("dt", {}, "To whom"), el("dd", {}, actors(e.recipients)),
        el("dt", {}, "Status"), el("dd", { class: "status-" + e.status }, `${e.status}${statuses ? " (" + statuses + ")" : ""}`),
        el("dt", {}, "Sources"), el("dd", {}, `${e.article_count} articles, ${e.independent_outlets} independent outlets: ${e.outlets.join(", ") || "–"}`),
        el("dt", {}, "Event id"), el("dd", {}, e.id)),
      el("h3", {}, `Reports (${e.mentions.length})`),
      ...mentions, copies].filter(Boolean));
  } catch (err) {
    panel.replaceChildren(el("p", { class: "hint" }, "could not load the event: " + err.message));
  }
}

// --- timeline: events per day; drag across it to filter by dates ------------------------------------

const svgNS = "http://www.w3.org/2000/svg";
const DAY = 86400000;
const timeline = { days: [], start: 0, end: 0 };

function svg(tag, attrs) {
  const node = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

const dayNumber = (iso) => Date.parse(iso + "T00:00:00Z");
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

async function loadTimeline() {
  const stats = await api("/stats", filters({ dates: false }));
  timeline.days = stats.by_day.filter((d) => d.key);
  drawTimeline();
}

function drawTimeline() {
  const box = $("#timeline");
  const width = box.clientWidth || 600, height = 90, axis = 14;
  box.replaceChildren();
  box.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const days = timeline.days;
  if (!days.length) { box.append(svg("text", { x: 4, y: 40, class: "axis" })); box.lastChild.textContent = "no dated events"; return; }
  let start = dayNumber(days[0].key), end = dayNumber(days[days.length - 1].key) + DAY;
  if (end - start < 14 * DAY) { start -= 7 * DAY; end += 7 * DAY; }
  Object.assign(timeline, { start, end, width });
  const x = (ms) => ((ms - start) / (end - start)) * width;
  const top = Math.max(...days.map((d) => d.count));
  const since = form.elements.since.value, until = form.elements.until.value;
  for (const d of days) {
    const t = dayNumber(d.key);
    const h = Math.max(2, (d.count / top) * (height - axis - 4));
    const out = (since && d.key < since) || (until && d.key > until);
    const bar = svg("rect", { x: x(t), y: height - axis - h, width: Math.max(1.5, x(t + DAY) - x(t) - 0.5), height: h,
      class: out ? "bar out" : "bar", "data-day": d.key });
    const title = svg("title", {});
    title.textContent = `${d.key}: ${d.count}`;
    bar.append(title);
    box.append(bar);
  }
  for (const [ms, anchor] of [[start, "start"], [end - DAY, "end"]]) {
    const label = svg("text", { x: anchor === "start" ? 2 : width - 2, y: height - 2, "text-anchor": anchor, class: "axis" });
    label.textContent = isoDay(ms);
    box.append(label);
  }
  if (since || until) {
    const x0 = since ? x(dayNumber(since)) : 0, x1 = until ? x(dayNumber(until) + DAY) : width;
    box.append(svg("rect", { x: Math.min(x0, x1), y: 0, width: Math.abs(x1 - x0), height: height - axis, class: "brush" }));
  }
  $("#timeline-clear").hidden = !(since || until);
}

(function brushing() {
  const box = $("#timeline");
  let x0 = null, rect = null;
  const localX = (event) => {
    const r = box.getBoundingClientRect();
    return ((event.clientX - r.left) / r.width) * (timeline.width || r.width);
  };
  box.addEventListener("pointerdown", (event) => {
    if (!timeline.days.length) return;
    x0 = localX(event);
    box.setPointerCapture(event.pointerId);
    rect = svg("rect", { x: x0, y: 0, width: 0, height: 76, class: "brush" });
    box.append(rect);
  });
  box.addEventListener("pointermove", (event) => {
    if (x0 == null) return;
    const x1 = localX(event);
    rect.setAttribute("x", Math.min(x0, x1));
    rect.setAttribute("width", Math.abs(x1 - x0));
  });
  box.addEventListener("pointerup", (event) => {
    if (x0 == null) return;
    const x1 = localX(event);
    const a = Math.min(x0, x1), b = Math.max(x0, x1);
    x0 = null;
    if (b - a < 3) { drawTimeline(); return; }  // a click, not a drag
    const toMs = (px) => timeline.start + (px / timeline.width) * (timeline.end - timeline.start);
    form.elements.since.value = isoDay(Math.floor(toMs(a) / DAY) * DAY);
    form.elements.until.value = isoDay(Math.floor((toMs(b) - 1) / DAY) * DAY);
    refresh();
  });
})();

// --- wiring ----------------------------------------------------------------------------------------

let typing = null;
form.addEventListener("change", (event) => {
  if (event.target.id === "f-ontology") { state.facetsFor = null; closePanel(); }
  if (event.target.id === "f-actor") return;
  refresh();
});
form.elements.actor.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(refresh, 350); });
form.addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
form.addEventListener("reset", () => setTimeout(() => { $("#f-ontology").selectedIndex = 0; loadOntologies().then(refresh); }, 0));
$("#timeline-clear").addEventListener("click", () => { form.elements.since.value = ""; form.elements.until.value = ""; refresh(); });
$("#more").addEventListener("click", loadMore);
let moving = null;
map.on("moveend", () => {
  if (!$("#f-in-view").checked) return;
  clearTimeout(moving);
  moving = setTimeout(refresh, 250);
});
window.addEventListener("resize", () => drawTimeline());

loadOntologies().then(refresh).catch(showError);
