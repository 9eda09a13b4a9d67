// The search page: a small UI over the site's own index (search-engine.js). A first search
// downloads the index's list of word chunks, the chunks its words need and the fragments of the
// first results; the topic and year filters load only when a reader opens them.
//
// <div id="paperkg-search" data-index="../search-index/"> holds the UI; ?q=words searches at
// once. Text from the feeds reaches the page through textContent only, the matched words of a
// snippet inside <mark> elements made here.
import { excerpt, openIndex } from "./search-engine.js";

const root = document.getElementById("paperkg-search");
const SHOWN = 5; // results shown at first and added by "More results": each may fetch a fragment
const FILTERS = [["topic", "Topic"], ["year", "Year"]];
const DEBOUNCE = 150; // ms: typing does not search at every key

const make = (tag, attributes = {}, text = "") => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text) element.textContent = text;
  return element;
};

// The records' URLs are from the site's root, the directory that holds the index's.
const indexUrl = new URL(root.dataset.index, document.baseURI);
const siteRoot = new URL("../", indexUrl);
const engine = openIndex(indexUrl);
const form = make("form", { role: "search", class: "paperkg-search__form" });
const input = make("input", { type: "search", name: "q", placeholder: "Search papers, authors, topics",
                              "aria-label": "Search", autocomplete: "off" });
form.append(input);
const panels = make("div", { class: "paperkg-search__filters" });
const message = make("p", { class: "paperkg-search__message", role: "status" });
const list = make("ol", { class: "paperkg-search__results" });
const more = make("button", { type: "button", class: "paperkg-search__more md-button", hidden: "" }, "More results");
root.replaceChildren(form, panels, message, list, more);

const chosen = Object.fromEntries(FILTERS.map(([name]) => [name, new Set()]));
let allFilters = null; // each filter's values and counts, loaded when a filter panel is first opened
let found = [];
let searched = ""; // the words of the results shown
let latest = 0; // the newest search: an older one that ends later shows nothing

for (const [name, label] of FILTERS) {
  const panel = make("details", { class: "paperkg-search__filter", "data-filter": name });
  panel.append(make("summary", {}, label), make("div", { class: "paperkg-search__options" }));
  panel.addEventListener("toggle", () => panel.open && loadFilters());
  panels.append(panel);
}

async function loadFilters() {
  if (allFilters) return;
  allFilters = await (await engine).filters();
  for (const panel of panels.querySelectorAll("details")) {
    const name = panel.dataset.filter;
    const values = Object.keys(allFilters[name] || {}).sort();
    if (name === "year") values.reverse();
    panel.querySelector("div").replaceChildren(...values.map((value, n) => {
      const box = make("input", { type: "checkbox", id: `paperkg-${name}-${n}`, value });
      box.addEventListener("change", () => {
        box.checked ? chosen[name].add(value) : chosen[name].delete(value);
        search();
      });
      const option = make("label", { for: box.id });
      option.append(box, ` ${value} `, make("span", { class: "paperkg-search__count" }, `(${allFilters[name][value]})`));
      return option;
    }));
  }
}

async function search() {
  const term = input.value.trim();
  const filters = Object.fromEntries(Object.entries(chosen).filter(([, values]) => values.size)
    .map(([name, values]) => [name, [...values]]));
  const filtered = Object.keys(filters).length > 0;
  const mine = ++latest;
  if (!term && !filtered) {
    found = [];
    message.textContent = "";
    list.replaceChildren();
    more.hidden = true;
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE));
  if (mine !== latest) return;
  const results = await (await engine).search(term, filters);
  if (mine !== latest) return; // a newer search has started
  found = results;
  searched = term;
  const what = term ? ` for “${term}”` : "";
  message.textContent = found.length ? `${found.length} result${found.length === 1 ? "" : "s"}${what}`
                                     : `No results${what}`;
  list.replaceChildren();
  await show();
}

async function show() {
  const next = found.slice(list.children.length, list.children.length + SHOWN);
  const shownFor = found;
  const index = await engine;
  const items = await Promise.all(next.map((result) => index.record(result.number)));
  if (shownFor !== found) return; // the reader searched again meanwhile
  for (const item of items) {
    const title = make("p", { class: "paperkg-search__title" });
    title.append(make("a", { href: new URL(item.url.replace(/^\//, ""), siteRoot).href }, item.title || item.url));
    const entry = make("li", { class: "paperkg-search__result" });
    entry.append(title);
    if (item.authors) entry.append(make("p", { class: "paperkg-search__authors" }, item.authors));
    const snippet = make("p", { class: "paperkg-search__excerpt" });
    snippet.append(...excerpt(item.text, searched).map((piece) =>
      piece.marked ? make("mark", {}, piece.text) : document.createTextNode(piece.text)));
    entry.append(snippet);
    list.append(entry);
  }
  more.hidden = list.children.length >= found.length;
}

form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
input.addEventListener("input", () => {
  const address = new URL(location.href);
  input.value.trim() ? address.searchParams.set("q", input.value.trim()) : address.searchParams.delete("q");
  history.replaceState(null, "", address);
  search();
});
more.addEventListener("click", show);

const asked = new URLSearchParams(location.search).get("q");
if (asked) {
  input.value = asked;
  search();
}
