// mspromo console (SPEC §10): plain modern JavaScript over the public HTTP API only.
// No build step, nothing from another host. The admin token lives in `adminToken` below
// (page memory) and nowhere else: not in storage, cookies or the URL.

const API = "/api/1.0/promotions";
const FAMILIES = {
  e: "Easy", p: "Easy+", c: "Combo", l: "Line special", b: "Basket threshold",
  t: "Basket threshold, target", r: "Requisite, target", m: "Evenly shared multiline",
};
const STATES = { live: "Live", scheduled: "Scheduled", ended: "Ended", inactive: "Inactive" };

let adminToken = "";
const page = {
  store: "",
  promotions: [],     // wire promotions of the loaded store
  words: new Map(),   // promo_id_retailer -> {description, state}
  editing: null,      // {promo_id_retailer, retailer, store} when editing a stored one
  lastRequest: null,
  lastResponse: null,
  lineCount: 0,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ---------------------------------------------------------------------------------------
// Money: decimal strings rounded half up to the currency's decimals, never a float.

function decimals() {
  const d = Number.parseInt($("decimals").value, 10);
  return Number.isInteger(d) && d >= 0 && d <= 6 ? d : 2;
}

function money(text, places = decimals()) {
  if (text === null || text === undefined || text === "") return "";
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!match) return String(text);
  const [, sign, whole, frac = ""] = match;
  const padded = (frac + "0".repeat(places + 1)).slice(0, places + 1);
  let scaled = BigInt(whole + padded.slice(0, places));
  if (Number(padded[places]) >= 5) scaled += 1n;
  let digits = scaled.toString().padStart(places + 1, "0");
  const out = places ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits;
  return (sign && /[1-9]/.test(out) ? "-" : "") + out;
}

// ---------------------------------------------------------------------------------------
// HTTP

async function call(method, path, body, { auth = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && adminToken) headers.Authorization = `Bearer ${adminToken}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    return { status: 0, body: null, retryAfter: null, stale: null };
  }
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  return {
    status: response.status, body: parsed, retryAfter: response.headers.get("Retry-After"),
    stale: response.headers.get("X-Rules-Stale-Seconds"),
  };
}

function problem(result, what) {
  const { status, body, retryAfter } = result;
  if (status === 0) return `${what}: the service does not answer. Is it running?`;
  if (status === 401) {
    return adminToken
      ? `${what}: the admin token was refused (401). Check the token.`
      : `${what}: this needs the admin token (401). Enter it in "Admin token".`;
  }
  if (status === 503) {
    const retry = retryAfter ? ` Retry in ${retryAfter} s.` : "";
    return `${what}: the database is unavailable (503).${retry}`;
  }
  if (status === 413) return `${what}: the request is too large (413).`;
  const detail = body && (body.description || body.title);
  return `${what}: ${detail || `HTTP ${status}`}`;
}

// A bulk update's error paths (ops[0].header.discount_value,
// ops[1].group_to_nodes.g1.nodes[0].node_type) as paths of the edited JSON.
function editedPath(path, edited) {
  const groups = Array.isArray(edited.promo_groups) ? edited.promo_groups : [];
  const index = (name) => {
    const i = groups.findIndex((g) => g && g.name === name);
    return i < 0 ? name : i;
  };
  return path
    .replace(/^ops\[\d+\]\.header\./, "")
    .replace(/^ops\[\d+\]\.group_to_nodes\.([^.[]+)\.nodes/, (_, g) => `promo_groups[${index(g)}].promo_group_nodes`)
    .replace(/^ops\[\d+\]\.group_to_nodes\.([^.[]+)/, (_, g) => `promo_groups[${index(g)}]`)
    .replace(/^ops\[\d+\]\./, "");
}

function showErrors(list, body, mapPath = (p) => p) {
  list.replaceChildren();
  for (const error of (body && body.errors) || []) {
    const path = mapPath(error.path || "");
    list.append(el("li", { dataset: { path }, title: error.path || "" },
      el("code", { class: "path", text: path || "(body)" }), " ", error.message));
  }
  if (body && body.errors_omitted) list.append(el("li", { text: `${body.errors_omitted} more errors` }));
}

function setStatus(id, text, kind = "") {
  const node = $(id);
  node.textContent = text;
  node.className = `status ${kind}`;
}

// ---------------------------------------------------------------------------------------
// Store and promotions

function atValue() {
  const text = $("at").value.trim();
  return text || null;
}

async function loadStore(event) {
  if (event) event.preventDefault();
  const store = $("store-id").value.trim();
  $("at-error").textContent = "";
  if (!store) {
    setStatus("store-status", "Enter a store id.", "error");
    $("store-id").focus();
    return;
  }
  setStatus("store-status", `Loading store ${store}…`);
  const listed = await call("GET", `${API}/store/${encodeURIComponent(store)}/`);
  if (listed.status !== 200) {
    page.promotions = [];
    renderPromotions();
    setStatus("store-status", problem(listed, `Store ${store}`), "error");
    return;
  }
  page.store = store;
  page.promotions = [...listed.body.promotions].sort((a, b) =>
    a.promo_id_retailer < b.promo_id_retailer ? -1 : a.promo_id_retailer > b.promo_id_retailer ? 1 : 0);
  const described = await describe(page.promotions);
  if (!described) return;
  page.words = described;
  renderPromotions();
  const count = page.promotions.length;
  setStatus("store-status", count
    ? `Store ${store}: ${count} promotion${count === 1 ? "" : "s"}.`
    : `Store ${store} has no promotions linked to it (an unknown store has none).`,
  count ? "ok" : "");
  if (!$("editor").value.trim()) newPromotion();
}

async function describe(promotions) {
  const body = { promotions, currency_decimals: decimals() };
  const at = atValue();
  if (at) body.at = at;
  const result = await call("POST", `${API}/describe/`, body);
  if (result.status !== 200) {
    const atError = result.body && (result.body.errors || []).find((e) => e.path === "at");
    if (atError) $("at-error").textContent = `Time: ${atError.message}`;
    setStatus("store-status", problem(result, "Describing the promotions"), "error");
    return null;
  }
  return new Map(result.body.promotions.map((p) => [p.promo_id_retailer, p]));
}

function rowText(promo) {
  const words = page.words.get(promo.promo_id_retailer) || {};
  return [promo.promo_id_retailer, promo.title, words.description, promo.family,
    FAMILIES[promo.family], words.state].join(" ").toLowerCase();
}

function renderPromotions() {
  const tbody = $("promotions").tBodies[0];
  const needle = $("filter").value.trim().toLowerCase();
  const shown = page.promotions.filter((p) => !needle || rowText(p).includes(needle));
  tbody.replaceChildren(...shown.map(promotionRow));
  const empty = $("promotions-empty");
  if (!page.promotions.length) {
    empty.textContent = page.store
      ? `No promotions are linked to store ${page.store}.`
      : "Load a store to see its promotions.";
  } else if (!shown.length) {
    empty.textContent = `No promotion matches "${$("filter").value}".`;
  } else {
    empty.textContent = "";
  }
  empty.hidden = !empty.textContent;
}

function promotionRow(promo) {
  const id = promo.promo_id_retailer;
  const words = page.words.get(id) || { description: "", state: "" };
  const label = (verb) => `${verb} ${id}`;
  return el("tr", { "data-testid": "promotion-row", dataset: { promoId: id, state: words.state } },
    el("td", { class: "id" }, el("code", { text: id })),
    el("td", { text: promo.title || "" }),
    el("td", { class: "words", "data-testid": "promotion-words", text: words.description }),
    el("td", { title: FAMILIES[promo.family] || "" }, `${promo.family} · ${FAMILIES[promo.family] || ""}`),
    el("td", {}, el("span", { class: `badge ${words.state}`, text: STATES[words.state] || words.state })),
    el("td", { class: "row-actions" }, el("div", {},
      el("button", { type: "button", "aria-label": label("Open"), onclick: () => openPromotion(promo) }, "Open"),
      el("button", { type: "button", "aria-label": label("Edit"), onclick: () => editPromotion(promo) }, "Edit"),
      el("button", {
        type: "button", "aria-label": label("Deactivate"), disabled: !promo.is_active,
        onclick: () => deactivate(promo),
      }, "Deactivate"),
      el("button", { type: "button", "aria-label": `Remove ${id} from store ${page.store}`, onclick: () => unlink(promo) },
        "Remove link"))));
}

function openPromotion(promo) {
  const words = page.words.get(promo.promo_id_retailer) || {};
  $("detail").hidden = false;
  $("detail-heading").textContent = `${promo.promo_id_retailer}: ${promo.title || "(no title)"}`;
  $("detail-words").textContent = `${words.description || ""} — ${STATES[words.state] || ""}`;
  $("detail-json").textContent = JSON.stringify(promo, null, 2);
  $("detail-json").focus();
}

// ---------------------------------------------------------------------------------------
// Editing (admin token)

function isoDate(date) { return date.toISOString().replace(/\.\d{3}Z$/, "Z"); }

function newPromotion() {
  page.editing = null;
  const now = new Date();
  const end = new Date(now.getTime() + 30 * 24 * 3600 * 1000);
  const template = {
    retailer: page.promotions[0]?.retailer || "demo",
    promo_id_retailer: "NEW-1",
    family: "e",
    title: "Buy 3, get 10.00 off",
    discount_type: "v",
    discount_type_strategy: "a",
    discount_value: "10.00",
    start_date_time: isoDate(now),
    end_date_time: isoDate(end),
    stores: [page.store || "s-1"],
    promo_groups: [{ name: "g1", qty_or_value_min: 3, promo_group_nodes: [{ node_id: "PEN", node_type: "i" }] }],
  };
  $("editor").value = JSON.stringify(template, null, 2);
  $("editor-mode").textContent = "New promotion: Save creates it.";
  $("promotion-errors").replaceChildren();
  setStatus("editor-status", "");
}

function editPromotion(promo) {
  page.editing = { promo_id_retailer: promo.promo_id_retailer, retailer: promo.retailer, store: page.store };
  const shown = { ...promo };
  delete shown.promo_id;
  delete shown.usage;
  $("editor").value = JSON.stringify(shown, null, 2);
  $("editor-mode").textContent =
    `Editing ${promo.promo_id_retailer}: Save updates its header, groups and special info.`;
  $("promotion-errors").replaceChildren();
  setStatus("editor-status", "");
  $("editor").focus();
}

const NOT_IN_HEADER = new Set([
  "promo_id", "id", "retailer", "promo_id_retailer", "stores", "special_promo_info", "promo_groups", "usage",
]);

function updateOps(edited) {
  const where = { promo_id_retailer: page.editing.promo_id_retailer, store_id: page.editing.store };
  const header = Object.fromEntries(Object.entries(edited).filter(([key]) => !NOT_IN_HEADER.has(key)));
  const ops = [{ action: "u", ...where, header }];
  if (Array.isArray(edited.promo_groups)) {
    const groups = {};
    for (const g of edited.promo_groups) {
      groups[g.name] = { qty_or_value_min: g.qty_or_value_min, qty_or_value_max: g.qty_or_value_max ?? null,
        nodes: g.promo_group_nodes || [] };
    }
    ops.push({ action: "g", ...where, group_to_nodes: groups });
  }
  if (Array.isArray(edited.special_promo_info) && edited.special_promo_info.length) {
    ops.push({ action: "s", ...where, special_promo_info: edited.special_promo_info });
  }
  return ops;
}

async function save() {
  const list = $("promotion-errors");
  list.replaceChildren();
  let edited;
  try {
    edited = JSON.parse($("editor").value);
  } catch (error) {
    showErrors(list, { errors: [{ path: "(editor)", message: `not valid JSON: ${error.message}` }] });
    setStatus("editor-status", "The editor does not hold valid JSON.", "error");
    return;
  }
  let result;
  if (page.editing) {
    setStatus("editor-status", `Updating ${page.editing.promo_id_retailer}…`);
    result = await call("POST", `${API}/bulk_transaction/`,
      { retailer: page.editing.retailer, ops: updateOps(edited) }, { auth: true });
  } else {
    setStatus("editor-status", "Creating the promotion…");
    result = await call("POST", `${API}/`, edited, { auth: true });
  }
  if (result.status !== 201 && result.status !== 204) {
    showErrors(list, result.body, page.editing ? (path) => editedPath(path, edited) : undefined);
    setStatus("editor-status", problem(result, "Not saved"), "error");
    return;
  }
  const id = page.editing ? page.editing.promo_id_retailer : result.body.promo_id_retailer;
  setStatus("editor-status", `Saved ${id}.`, "ok");
  if (page.store) await loadStore();
  const stored = page.promotions.find((p) => p.promo_id_retailer === id);
  if (stored) editPromotion(stored);
  setStatus("editor-status", `Saved ${id}.`, "ok");
}

async function deactivate(promo) {
  const ops = [{ action: "u", promo_id_retailer: promo.promo_id_retailer, store_id: page.store,
    header: { is_active: false } }];
  const result = await call("POST", `${API}/bulk_transaction/`, { retailer: promo.retailer, ops }, { auth: true });
  if (result.status !== 204) {
    setStatus("store-status", problem(result, `Deactivating ${promo.promo_id_retailer}`), "error");
    return;
  }
  await loadStore();
  setStatus("store-status", `Deactivated ${promo.promo_id_retailer}.`, "ok");
}

async function unlink(promo) {
  const id = promo.promo_id_retailer;
  if (!window.confirm(`Remove ${id} from store ${page.store}?`)) return;
  const path = `${API}/${encodeURIComponent(page.store)}/${encodeURIComponent(id)}`;
  const result = await call("DELETE", path, undefined, { auth: true });
  if (result.status !== 204) {
    setStatus("store-status", problem(result, `Removing ${id} from store ${page.store}`), "error");
    return;
  }
  await loadStore();
  setStatus("store-status", `Removed ${id} from store ${page.store}.`, "ok");
}

// ---------------------------------------------------------------------------------------
// Basket simulator

const LINE_FIELDS = [
  ["sku", "SKU", "line-sku"], ["item_id", "Item id", "line-item-id"], ["mrp", "MRP", "line-mrp"],
  ["sp", "Sale price", "line-sp"], ["qty", "Qty", "line-qty"], ["weight", "Weight", "line-weight"],
  ["categories", "Categories (type:value, …)", "line-categories"],
];

function addLine(values = {}) {
  page.lineCount += 1;
  const n = page.lineCount;
  const number = $("lines").children.length + 1;
  const fieldset = el("fieldset", { class: "line", "data-testid": "line" },
    el("legend", { text: `Line ${number}` }));
  for (const [key, label, testid] of LINE_FIELDS) {
    const id = `line-${n}-${key}`;
    let value = values[key] ?? "";
    if (key === "categories" && Array.isArray(value)) {
      value = value.map((c) => `${c.type || c.name}:${c.value}`).join(", ");
    }
    if (key === "item_id" && !value) value = `line-${n}`;
    if (key === "qty" && value === "") value = "1";
    fieldset.append(el("div", { class: `field ${key === "categories" ? "wide" : ""}` },
      el("label", { for: id, text: label }),
      el("input", { id, "data-testid": testid, "data-key": key, value: String(value), autocomplete: "off",
        inputmode: ["mrp", "sp", "weight"].includes(key) ? "decimal" : key === "qty" ? "numeric" : undefined })));
  }
  fieldset.append(el("div", { class: "field actions" },
    el("button", { type: "button", "aria-label": `Remove line ${number}`,
      onclick: () => { fieldset.remove(); renumberLines(); } }, "Remove")));
  $("lines").append(fieldset);
  return fieldset;
}

function renumberLines() {
  [...$("lines").children].forEach((line, i) => {
    line.querySelector("legend").textContent = `Line ${i + 1}`;
    line.querySelector(".actions button").setAttribute("aria-label", `Remove line ${i + 1}`);
  });
}

function splitList(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function buildRequest() {
  const items = [...$("lines").children].map((line) => {
    const get = (key) => line.querySelector(`[data-key="${key}"]`).value.trim();
    const item = { sku: get("sku"), item_id: get("item_id"), mrp: get("mrp") };
    if (get("sp")) item.sp = get("sp");
    const qty = get("qty");
    item.qty = /^\d+$/.test(qty) ? Number(qty) : qty;
    if (get("weight")) item.weight = get("weight");
    const categories = splitList(get("categories")).map((pair) => {
      const at = pair.indexOf(":");
      return at < 0 ? { type: "c1", value: pair } : { type: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim() };
    });
    if (categories.length) item.categories = categories;
    return item;
  });
  const request = {
    store_id: $("store-id").value.trim(),
    timezone: $("timezone").value.trim() || "UTC",
    currency_decimals: decimals(),
    explain: true,
    basket: { id: "console", items },
  };
  const at = atValue();
  if (at) request.at = at;
  const customer = $("customer").value.trim();
  if (customer) request.customer_id = customer;
  const coupons = splitList($("coupons").value);
  if (coupons.length) request.coupons = coupons;
  const qualifiers = splitList($("qualifiers").value);
  if (qualifiers.length) {
    request.special_promos = [{ program_name: "console", group_qualifiers: [{ input: "console", qualifier_ids: qualifiers }] }];
  }
  return request;
}

async function evaluate() {
  const request = buildRequest();
  page.lastRequest = request;
  showErrors($("simulator-errors"), null);
  if (!request.store_id) {
    setStatus("simulator-status", "Enter a store id first.", "error");
    $("store-id").focus();
    return;
  }
  setStatus("simulator-status", "Evaluating…");
  const result = await call("POST", `${API}/evaluate/`, request);
  if (result.status !== 200) {
    $("result").hidden = true;
    showErrors($("simulator-errors"), result.body);
    setStatus("simulator-status", problem(result, "Not evaluated"), "error");
    return;
  }
  page.lastResponse = result.body;
  $("download-response").disabled = false;
  renderResult(result.body);
  const stale = result.stale
    ? ` The database is unavailable: these are the store's rules of ${result.stale} s ago.` : "";
  setStatus("simulator-status", `Evaluated ${request.basket.items.length} line(s).${stale}`, "ok");
}

function promoName(applied) {
  return `${applied.promo_id_retailer} (${applied.promo_family}, layer ${applied.layer})`;
}

function suggestionText(s) {
  const parts = [];
  if (s.missing_qty) parts.push(`${s.missing_qty} more unit${s.missing_qty === 1 ? "" : "s"}`);
  if (s.missing_value) parts.push(`${money(s.missing_value)} more spend`);
  if (s.free_item_missing) parts.push(`${s.free_item_missing} free item(s) not in the basket`);
  return `${s.promo_id_retailer}: ${parts.join(", ") || "would apply again"}`;
}

function renderResult(response) {
  const basket = response.basket;
  $("result").hidden = false;
  $("basket-sp").textContent = money(basket.total_sp);
  $("basket-discount").textContent = money(basket.discount);
  $("basket-total").textContent = money(basket.total_after_promos);
  const notes = [];
  if (response.best_discount_exact === false) notes.push("Best discount found by the heuristic, not exhaustively.");
  for (const [type, amount] of Object.entries(basket.discount_by_apply_type || {})) {
    notes.push(`Booked as ${{ b: "basket", c: "cashback", t: "tender", p: "POS-log exclusion" }[type] || type}: ${money(amount)}`);
  }
  $("basket-notes").textContent = notes.join(" · ");

  $("result-lines").replaceChildren(...basket.items.map((line) => {
    const units = line.discount_info.map((d) => el("li", {},
      `${d.consumed_qty} × ${money(d.discount)} off → ${money(d.final_price)} each, by `,
      d.applied_promos.map((a) => `${promoName(a)} ${money(a.discount)}`).join(" + ")));
    const requisites = (line.requisite_info || []).map((r) => el("li", {},
      `${r.consumed_qty} unit(s) qualified `,
      r.applied_promos.map((a) => a.promo_id_retailer).join(", "), " without a discount"));
    const suggestions = ((line.remaining_info || {}).promo_suggestions || []).map((s) =>
      el("li", { class: "suggestion", text: suggestionText(s) }));
    const remaining = (line.remaining_info || {}).remaining_qty;
    return el("article", { class: "result-line", "data-testid": "result-line", dataset: { sku: line.sku } },
      el("h4", {}, el("code", { text: line.sku }), ` ${line.item_id} · qty ${line.qty} · sale ${money(line.sp)} · `,
        el("strong", { text: `${money(line.discount)} off` }), ` · pays ${money(line.total_after_promos)}`),
      units.length ? el("ul", { class: "plain" }, units) : el("p", { class: "hint", text: "No discount on this line." }),
      requisites.length ? el("div", {}, el("h5", { text: "Requisite units" }), el("ul", { class: "plain" }, requisites)) : null,
      remaining ? el("p", { class: "hint", text: `${remaining} unit(s) not used by any promotion.` }) : null,
      suggestions.length ? el("div", {}, el("h5", { text: "Suggestions" }), el("ul", { class: "plain" }, suggestions)) : null);
  }));

  const coupons = response.coupons_info || [];
  $("coupons-info").replaceChildren(...(coupons.length
    ? coupons.map((c) => el("li", { text: `${c.code}: ${c.status}${c.promo_id_retailer ? ` (${c.promo_id_retailer})` : ""}` }))
    : [el("li", { class: "hint", text: "No coupons in the request." })]));

  const rows = (response.explanations || []).map((x) => el("tr", { "data-testid": "explanation-row", "data-code": x.code },
    el("td", {}, el("code", { text: x.promo_id_retailer })), el("td", {}, el("code", { text: x.code })),
    el("td", { text: x.message }), el("td", { text: x.discount ? money(x.discount) : "" })));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "4", class: "hint", text: "No promotion of this store was considered." })));
  $("explanations").tBodies[0].replaceChildren(...rows);
}

function download(name, value) {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function fillFromRequest(request) {
  if (request.store_id !== undefined) $("store-id").value = String(request.store_id);
  $("at").value = request.at || "";
  $("timezone").value = request.timezone || "UTC";
  if (Number.isInteger(request.currency_decimals)) $("decimals").value = request.currency_decimals;
  $("customer").value = request.customer_id || "";
  $("coupons").value = (request.coupons || []).join(", ");
  const ids = (request.special_promos || []).flatMap((p) => (p.group_qualifiers || []).flatMap((g) => g.qualifier_ids || []));
  $("qualifiers").value = ids.join(", ");
  $("lines").replaceChildren();
  const basket = request.basket || {};
  for (const item of basket.items || []) addLine({ ...item, categories: item.categories || item.catgories || [] });
  if (!$("lines").children.length) addLine();
}

async function upload(event) {
  const file = event.target.files[0];
  if (!file) return;
  try {
    const request = JSON.parse(await file.text());
    if (typeof request !== "object" || request === null || Array.isArray(request)) throw new Error("not a JSON object");
    fillFromRequest(request);
    setStatus("simulator-status", `Loaded ${file.name}; press Evaluate.`, "ok");
  } catch (error) {
    setStatus("simulator-status", `${file.name} is not an evaluate request: ${error.message}`, "error");
  }
  event.target.value = "";
}

// ---------------------------------------------------------------------------------------

function start() {
  $("store-form").addEventListener("submit", loadStore);
  $("filter").addEventListener("input", renderPromotions);
  $("token-form").addEventListener("submit", (e) => e.preventDefault());
  $("token").addEventListener("input", (e) => { adminToken = e.target.value.trim(); });
  $("promotion-new").addEventListener("click", newPromotion);
  $("promotion-save").addEventListener("click", save);
  $("line-add").addEventListener("click", () => addLine().querySelector("input").focus());
  $("evaluate").addEventListener("click", evaluate);
  $("download-request").addEventListener("click", () => download("evaluate-request.json", buildRequest()));
  $("download-response").addEventListener("click", () => page.lastResponse && download("evaluate-response.json", page.lastResponse));
  $("upload-request").addEventListener("change", upload);
  const params = new URLSearchParams(window.location.search);
  if (params.get("store")) $("store-id").value = params.get("store");
  addLine();
  renderPromotions();
  if (params.get("store")) loadStore();
}

start();
