// The search page: Pagefind's JS API with a small UI of our own. Pagefind's own UIs load every
// filter's data when they start (about 190 kB gzipped on a 30,000-paper site, before the first
// result); here the topic and year filters load only when a reader opens them, so a first
// search downloads just Pagefind's engine, its page list and the chunks the words need.
//
// <div id="paperkg-search" data-engine="../pagefind/pagefind.js" data-parts="part-1/ part-2/"> holds
// the UI; ?q=words searches at once. A large site's index comes in parts, each a Pagefind index
// beside pagefind.js (the first is in its own directory): they are merged into one search here.
// Text from the feeds reaches the page through textContent only; Pagefind's excerpts are
// already escaped, with <mark> around the matched words.
const root = document.getElementById("paperkg-search");
const SHOWN = 5; // results shown at first and added by "More results": each one fetches a fragment
const FILTERS = [["topic", "Topic"], ["year", "Year"]];

const make = (tag, attributes = {}, text = "") => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text) element.textContent = text;
  return element;
};

// Pagefind finds its index beside pagefind.js, and links results under the directory that holds it.
// It searches in this page, not in its Web Worker: the worker's script is 43 kB more for a first
// search to download (an eighth of it on a 30,000-paper site), and a search decodes only a few chunks.
const engineUrl = new URL(root.dataset.engine, document.baseURI);
const engine = import(engineUrl.href).then(async (pagefind) => {
  await pagefind.options({ noWorker: true });
  const others = (root.dataset.parts || "").split(" ").filter(Boolean);
  await Promise.all(others.map((part) => pagefind.mergeIndex(new URL(part, engineUrl).pathname)));
  return pagefind;
});
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
let allFilters = null; // Pagefind's filter data, loaded when a filter panel is first opened
let found = [];

for (const [name, label] of FILTERS) {
  const panel = make("details", { class: "paperkg-search__filter", "data-filter": name });
  panel.append(make("summary", {}, label), make("div", { class: "paperkg-search__options" }));
  panel.addEventListener("toggle", () => panel.open && loadFilters());
  panels.append(panel);
}

async function loadFilters() {
  if (allFilters) return;
  const pagefind = await engine;
  allFilters = await pagefind.filters();
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
    .map(([name, values]) => [name, { any: [...values] }]));
  const filtered = Object.keys(filters).length > 0;
  if (!term && !filtered) {
    found = [];
    message.textContent = "";
    list.replaceChildren();
    more.hidden = true;
    return;
  }
  const pagefind = await engine;
  const answer = await pagefind.debouncedSearch(term || null, { filters }, 250);
  if (answer === null) return; // a newer search has started
  // A part's last page holds the site's words it lacks (paperkg's search.split), never a result.
  found = answer.results.filter((result) => !result.id.endsWith("/~words"));
  const what = term ? ` for “${term}”` : "";
  message.textContent = found.length ? `${found.length} result${found.length === 1 ? "" : "s"}${what}`
                                     : `No results${what}`;
  list.replaceChildren();
  await show();
}

async function show() {
  const next = found.slice(list.children.length, list.children.length + SHOWN);
  const shownFor = found;
  const items = await Promise.all(next.map((result) => result.data()));
  if (shownFor !== found) return; // the reader searched again meanwhile
  for (const item of items) {
    const title = make("p", { class: "paperkg-search__title" });
    title.append(make("a", { href: item.url }, item.meta.title || item.url));
    const entry = make("li", { class: "paperkg-search__result" });
    entry.append(title);
    if (item.meta.authors) entry.append(make("p", { class: "paperkg-search__authors" }, item.meta.authors));
    const excerpt = make("p", { class: "paperkg-search__excerpt" });
    excerpt.innerHTML = item.excerpt; // Pagefind escapes the text and marks the words
    entry.append(excerpt);
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
