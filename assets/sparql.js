// paperkg's SPARQL page: an editor with the site's named queries as examples, run in the
// browser by sparql-worker.js over the site's own graph; results as a table whose IRIs link
// to the entity pages, downloadable as CSV or SPARQL JSON.
//
// Everything from the graph is untrusted text: it only ever goes into textContent or
// attribute values, never into HTML.
//
// Scripts (and the tests) can use it too: `await paperkgSparql.ready` resolves once the graph
// is loaded; `await paperkgSparql.run(text)` answers with the SPARQL JSON results.

const root = document.getElementById("paperkg-sparql");
const settings = JSON.parse(document.getElementById("paperkg-sparql-settings").textContent);
const $ = (name) => root.querySelector(`[data-part="${name}"]`);
const siteRoot = new URL(root.dataset.root, document.baseURI);
const prefixes = Object.entries(parsePrologue(settings.prologue)).sort((a, b) => b[1].length - a[1].length);

const worker = new Worker(new URL("sparql-worker.js", import.meta.url), { type: "module" });
const waiting = new Map(); // query id -> {resolve, reject}
let nextId = 1;
let last = null; // the last result, for the downloads

const ready = new Promise((resolve, reject) => {
  worker.onmessage = ({ data }) => {
    if (data.type === "progress") showProgress(data);
    else if (data.type === "loaded") {
      loaded(data);
      resolve(data);
    } else if (data.type === "result" || data.type === "error") {
      const pending = waiting.get(data.id);
      if (pending) {
        waiting.delete(data.id);
        if (data.type === "error") pending.reject(new Error(data.message));
        else pending.resolve(data);
      } else if (data.type === "error") {
        failed(data.message);
        reject(new Error(data.message));
      }
    }
  };
});

function ask(text) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ type: "query", id, text });
  });
}

window.paperkgSparql = {
  ready,
  examples: settings.examples,
  progress: null,
  base: settings.base,
  async run(text) {
    await ready;
    const answer = await ask(text);
    return answer.kind === "graph" ? answer.ntriples : JSON.parse(answer.json);
  },
};

// --- loading -------------------------------------------------------------------------

const dump = new URL(root.dataset.dump, document.baseURI);
worker.postMessage({ type: "load", url: dump.href, base: settings.base, prologue: settings.prologue });
$("status").textContent = "Loading the graph…";

function showProgress(progress) {
  window.paperkgSparql.progress = progress; // the last report, for scripts and tests
  const { bytes, total, triples } = progress;
  const bar = $("progress");
  if (total) {
    bar.max = total;
    bar.value = bytes;
  }
  const size = total ? `${megabytes(bytes)} of ${megabytes(total)}` : megabytes(bytes);
  $("status").textContent = `Loading the graph: ${size}, ${triples.toLocaleString("en")} triples…`;
}

function loaded({ triples, seconds }) {
  $("progress").hidden = true;
  $("status").textContent =
    `Graph loaded: ${triples.toLocaleString("en")} triples in ${seconds.toFixed(1)} s. Queries run in your browser.`;
  root.dataset.state = "ready";
  $("run").disabled = false;
}

function failed(message) {
  $("progress").hidden = true;
  $("status").textContent = `The graph could not be loaded: ${message}`;
  root.dataset.state = "failed";
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

// --- the editor ----------------------------------------------------------------------

const select = $("example");
for (const example of settings.examples) {
  const option = document.createElement("option");
  option.value = example.name;
  option.textContent = example.title;
  select.append(option);
}
select.addEventListener("change", () => choose(select.value));
const editor = $("query");
editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    runEditor();
  } else if (event.key === "Tab" && !event.shiftKey) {
    event.preventDefault();
    editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
  }
});
$("run").addEventListener("click", runEditor);
$("csv").addEventListener("click", () => download("csv"));
$("json").addEventListener("click", () => download("json"));

const wanted = new URLSearchParams(location.search).get("query");
choose(settings.examples.some((e) => e.name === wanted) ? wanted : settings.examples[0]?.name);

function choose(name) {
  const example = settings.examples.find((e) => e.name === name);
  if (!example) return;
  select.value = name;
  editor.value = example.text;
  const bound = Object.entries(example.params).map(([key, value]) => `${key} = “${value}”`);
  $("about").textContent = example.description + (bound.length ? ` Bound here to ${bound.join(", ")}.` : "");
  $("cli").textContent = ["paperkg query", name, ...Object.entries(example.params).map(([k, v]) => `--param ${k}=${shellQuote(v)}`)].join(" ");
}

async function runEditor() {
  const text = editor.value;
  $("run").disabled = true;
  $("summary").textContent = "Running…";
  root.dataset.state = "running";
  try {
    await ready;
    const answer = await ask(text);
    last = answer;
    show(answer);
    root.dataset.state = "answered";
  } catch (error) {
    last = null;
    clearResults();
    $("summary").textContent = `Error: ${error.message}`;
    root.dataset.state = "error";
  } finally {
    $("run").disabled = root.dataset.state === "failed";
  }
}

// --- results -------------------------------------------------------------------------

function clearResults() {
  $("results").replaceChildren();
  $("csv").disabled = $("json").disabled = true;
}

function show(answer) {
  clearResults();
  const took = `${answer.seconds < 0.01 ? answer.seconds.toFixed(3) : answer.seconds.toFixed(2)} s`;
  if (answer.kind === "graph") {
    const lines = answer.ntriples.split("\n").filter(Boolean);
    const pre = document.createElement("pre");
    pre.textContent = answer.ntriples;
    $("results").append(pre);
    $("summary").textContent = `${count(lines.length, "triple")} in ${took}`;
    $("json").disabled = false; // downloads the triples as N-Triples
    return;
  }
  const results = JSON.parse(answer.json);
  if ("boolean" in results) {
    $("summary").textContent = `${results.boolean} (${took})`;
    $("json").disabled = false;
    return;
  }
  const vars = results.head.vars;
  const rows = results.results.bindings;
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const name of vars) {
    const th = document.createElement("th");
    th.textContent = name;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const name of vars) tr.insertCell().append(cell(row[name]));
  }
  $("results").append(table);
  $("summary").textContent = `${count(rows.length, "row")} in ${took}`;
  $("csv").disabled = $("json").disabled = false;
}

function cell(term) {
  if (!term) return "";
  if (term.type !== "uri") return term.value;
  const link = document.createElement("a");
  link.textContent = shorten(term.value);
  link.title = term.value;
  link.href = localHref(term.value);
  return link;
}

// The site's own IRIs open the page on this copy of the site, wherever it is served from.
function localHref(iri) {
  if (!iri.startsWith(settings.base)) return iri;
  const relative = iri.slice(settings.base.length).replace(/#it$/, "");
  return new URL(relative, siteRoot).href;
}

function shorten(iri) {
  if (iri.startsWith(settings.base) && !iri.startsWith(settings.base + "ns#")) {
    return iri.slice(settings.base.length).replace(/#it$/, "").replace(/\/$/, "");
  }
  for (const [name, namespace] of prefixes) {
    if (iri.startsWith(namespace)) return `${name}:${iri.slice(namespace.length)}`;
  }
  return iri;
}

function parsePrologue(text) {
  const found = {};
  for (const match of text.matchAll(/PREFIX\s+(\w*):\s*<([^>]*)>/g)) found[match[1]] = match[2];
  return found;
}

function count(n, noun) {
  return `${n.toLocaleString("en")} ${noun}${n === 1 ? "" : "s"}`;
}

function shellQuote(value) {
  return /^[\w.:\/-]+$/.test(value) ? value : `'${value.replaceAll("'", `'"'"'`)}'`;
}

// --- downloads -----------------------------------------------------------------------

function download(format) {
  if (!last) return;
  const name = select.value && editor.value === currentExampleText() ? select.value : "query";
  if (last.kind === "graph") return save(`${name}.nt`, "application/n-triples", last.ntriples);
  if (format === "json") return save(`${name}.json`, "application/sparql-results+json", last.json);
  save(`${name}.csv`, "text/csv", toCsv(JSON.parse(last.json)));
}

function currentExampleText() {
  return settings.examples.find((e) => e.name === select.value)?.text;
}

// SPARQL 1.1 Query Results CSV: IRIs and literals as plain values, quoted when needed.
function toCsv(results) {
  const quote = (value) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const vars = results.head.vars;
  const lines = [vars.map(quote).join(",")];
  for (const row of results.results.bindings) lines.push(vars.map((v) => quote(row[v]?.value ?? "")).join(","));
  return lines.join("\r\n") + "\r\n";
}

function save(filename, type, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}
