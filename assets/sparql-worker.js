// paperkg's SPARQL engine in the browser: a module worker that loads the site's N-Triples
// dump into Oxigraph's WebAssembly store and answers queries, so the page stays responsive.
//
// Messages in:  {type: "load", url, base, prologue}   {type: "query", id, text}
// Messages out: {type: "progress", bytes, total, triples}   {type: "loaded", triples, seconds}
//               {type: "result", id, kind, json|ntriples, seconds}   {type: "error", id, message}

import init, { Store } from "./oxigraph/web.js";

const CHUNK_CHARS = 4 << 20; // N-Triples handed to the parser at a time (whole lines)
const NT = { format: "application/n-triples", no_transaction: true, lenient: true };

let store = null;
let base = "";
let prologue = "";
let prologueLines = 0;
const engine = init();

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "load") await load(data);
    else if (data.type === "query") answer(data);
  } catch (error) {
    self.postMessage({ type: "error", id: data.id, message: describe(error) });
  }
};

async function load(request) {
  base = request.base;
  prologue = request.prologue;
  prologueLines = prologue.split("\n").length - 1;
  const started = performance.now();
  await engine;
  const response = await fetch(request.url);
  if (!response.ok) throw new Error(`${request.url}: HTTP ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  let bytes = 0;
  let triples = 0;
  const counted = response.body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
  const text = (await gunzipped(counted)).pipeThrough(new TextDecoderStream()).getReader();
  store = new Store();
  let pending = "";
  const parse = (lines) => {
    store.load(lines, NT);
    triples += countLines(lines);
    self.postMessage({ type: "progress", bytes, total, triples });
  };
  for (;;) {
    const { value, done } = await text.read();
    if (done) break;
    pending += value;
    if (pending.length >= CHUNK_CHARS) {
      const cut = pending.lastIndexOf("\n") + 1; // N-Triples is one triple a line
      parse(pending.slice(0, cut));
      pending = pending.slice(cut);
    }
  }
  if (pending) parse(pending);
  self.postMessage({ type: "loaded", triples: store.size, seconds: (performance.now() - started) / 1000 });
}

// The dump is gzipped; a server that sends it with Content-Encoding: gzip has had the
// browser inflate it already, so look at the first two bytes before inflating.
async function gunzipped(stream) {
  const reader = stream.getReader();
  const first = await reader.read();
  const rest = new ReadableStream({
    start(controller) {
      if (!first.done) controller.enqueue(first.value);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
  const magic = !first.done && first.value[0] === 0x1f && first.value[1] === 0x8b;
  return magic ? rest.pipeThrough(new DecompressionStream("gzip")) : rest;
}

function countLines(text) {
  let count = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) count += 1;
  return count;
}

const LEAD = String.raw`^(?:\s|#[^\n]*\n|(?:PREFIX|BASE)\s[^>]*>)*`;
const FORM = new RegExp(LEAD + String.raw`(SELECT|ASK|CONSTRUCT|DESCRIBE)\b`, "i");
const UPDATE = new RegExp(LEAD + String.raw`(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b`, "i");

function answer({ id, text }) {
  if (!store) throw new Error("the graph is not loaded yet");
  if (UPDATE.test(text)) throw new Error("SPARQL Update is refused: the site's graph is read-only");
  const form = (FORM.exec(text) || [, "SELECT"])[1].toUpperCase();
  const started = performance.now();
  const graph = form === "CONSTRUCT" || form === "DESCRIBE";
  const options = { base_iri: base, results_format: graph ? "application/n-triples" : "application/sparql-results+json" };
  const output = store.query(prologue + text, options);
  const seconds = (performance.now() - started) / 1000;
  if (graph) self.postMessage({ type: "result", id, kind: "graph", ntriples: output, seconds });
  else self.postMessage({ type: "result", id, kind: "solutions", json: output, seconds });
}

// Oxigraph reports "error at LINE:COLUMN"; the lines are the user's own, not the prologue's.
function describe(error) {
  const message = String((error && error.message) || error);
  return message.replace(/error at (\d+):(\d+)/, (_, line, column) =>
    `error at line ${Math.max(1, Number(line) - prologueLines)}, column ${column}`);
}
