// The engine of the search page: it searches the site's own index (paperkg/search_files.py
// writes it, and documents its format), fetching only the few files a search needs: the list of
// the word chunks, the chunks holding the words that start with the searched ones, and the
// fragments of the results shown. The filters' file loads only when asked for.
//
//   const engine = await openIndex(new URL("search-index/", siteRoot));
//   const found = await engine.search("graph neural", { topic: ["cs.LG — Machine Learning"] });
//   const record = await engine.record(found[0].number); // { url, title, authors, text }

const MARKS = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+/gu;

// The words of a text as the index holds them (search_files.words makes the same): the runs
// of letters and digits of the text decomposed for compatibility, lower-cased, without marks.
export function words(text) {
  return text.normalize("NFKD").toLowerCase().replace(MARKS, "").match(WORD) || [];
}

// A searched word without its English ending (`distributed` → `distribut`, `graphs` → `graph`),
// when at least four letters are left: since a word matches the index's words that start with
// it, the others of its family match too (`distribution`, `distributing`).
const ENDINGS = ["ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"];
export function stem(word) {
  const ending = ENDINGS.find((end) => word.endsWith(end) && word.length - end.length >= 4);
  return ending ? word.slice(0, -ending.length) : word;
}

export async function openIndex(directory) {
  const base = new URL(directory, document.baseURI);
  const index = await fetchJson(new URL("index.json", base), { cache: "no-cache" }); // the other files follow it
  if (index.format !== 2) throw new Error(`search index format ${index.format} is not known here`);
  return new Engine(base, index);
}

async function fetchJson(url, options = {}) {
  const answer = await fetch(url, options);
  if (!answer.ok) throw new Error(`${url}: HTTP ${answer.status}`);
  return answer.json();
}

class Engine {
  constructor(base, index) {
    this.base = base;
    this.index = index;
    this.chunks = new Map(); // chunk number -> promise of its words
    this.fragments = new Map(); // fragment number -> promise of its records
    this.filterSets = null; // promise of {name: {value: Uint32Array of record numbers}}
  }

  file(path) {
    return new URL(`${path}?v=${this.index.version}`, this.base); // a new index, new addresses
  }

  // The records that have, for each of the term's words, a word starting with its stem, best first:
  // [{number, score}]. Filters: {name: [values]}, a record must have one of each name's values.
  // With no words, the filtered records in the index's order; with neither, none.
  async search(term, filters = {}) {
    const wanted = [...new Set(words(term || ""))];
    let scores = null;
    for (const word of wanted) {
      const own = new Map();
      const root = stem(word);
      for (const entry of await this.extensions(root)) {
        const rarity = Math.log(1 + this.index.records / entry.records.length);
        const closeness = entry.word === word ? 1 : root.length / entry.word.length; // the word itself first
        entry.records.forEach((number, i) => {
          const weight = entry.weights[i];
          own.set(number, (own.get(number) || 0) + rarity * closeness * (weight / (weight + 1.2)));
        });
      }
      scores = scores === null ? own : intersect(scores, own);
      if (scores.size === 0) break;
    }
    const chosen = Object.entries(filters).filter(([, values]) => values.length);
    if (chosen.length) {
      const sets = await this.filterSetsLoaded();
      for (const [name, values] of chosen) {
        const allowed = new Set(values.flatMap((value) => [...(sets[name]?.[value] || [])]));
        if (scores === null) {
          scores = new Map([...allowed].map((number) => [number, 0]));
        } else {
          for (const number of scores.keys()) if (!allowed.has(number)) scores.delete(number);
        }
      }
    }
    if (scores === null) return [];
    return [...scores].map(([number, score]) => ({ number, score }))
      .sort((a, b) => b.score - a.score || a.number - b.number);
  }

  // The index's words that start with `word`, from the chunks that may hold them.
  async extensions(word) {
    const firsts = this.index.chunks;
    let first = 0;
    for (let low = 0, high = firsts.length - 1; low <= high;) { // the last chunk starting at or before the word
      const middle = (low + high) >> 1;
      if (firsts[middle] <= word) { first = middle; low = middle + 1; } else high = middle - 1;
    }
    const numbers = [];
    for (let n = first; n < firsts.length && (n === first || firsts[n].startsWith(word)); n++) numbers.push(n);
    const chunks = await Promise.all(numbers.map((n) => this.chunk(n)));
    return chunks.flat().filter((entry) => entry.word.startsWith(word));
  }

  chunk(number) {
    if (!this.chunks.has(number)) {
      this.chunks.set(number, fetch(this.file(`w/${number}.bin`)).then(async (answer) => {
        if (!answer.ok) throw new Error(`search index chunk ${number}: HTTP ${answer.status}`);
        const inflated = answer.body.pipeThrough(new DecompressionStream("deflate"));
        return parseChunk(new Uint8Array(await new Response(inflated).arrayBuffer()));
      }));
    }
    return this.chunks.get(number);
  }

  // What a result shows: {url (from the site's root), title, authors, text}. Record n is in
  // fragment n % F, at place n / F (search_files.py tells why).
  async record(number) {
    const fragment = number % this.index.fragments;
    if (!this.fragments.has(fragment)) this.fragments.set(fragment, fetchJson(this.file(`f/${fragment}.json`)));
    const [url, title, authors, text] = (await this.fragments.get(fragment))[Math.floor(number / this.index.fragments)];
    return { url, title, authors, text };
  }

  // Each filter's values with the number of records that have them: {name: {value: count}}.
  async filters() {
    const sets = await this.filterSetsLoaded();
    return Object.fromEntries(Object.entries(sets).map(([name, values]) =>
      [name, Object.fromEntries(Object.entries(values).map(([value, numbers]) => [value, numbers.length]))]));
  }

  filterSetsLoaded() {
    if (this.filterSets === null) {
      this.filterSets = fetchJson(this.file("filters.json")).then((filters) =>
        Object.fromEntries(Object.entries(filters).map(([name, values]) =>
          [name, Object.fromEntries(Object.entries(values).map(([value, gaps]) => [value, undoGaps(gaps)]))])));
    }
    return this.filterSets;
  }
}

function intersect(scores, more) {
  const both = new Map();
  for (const [number, score] of scores) {
    if (more.has(number)) both.set(number, score + more.get(number));
  }
  return both;
}

function undoGaps(gaps) {
  const numbers = new Uint32Array(gaps.length);
  let last = 0;
  gaps.forEach((gap, i) => { last += gap; numbers[i] = last; });
  return numbers;
}

// A word chunk: for each word, its byte length and UTF-8 bytes, its records' count, their
// numbers as gaps, then one weight byte each (all numbers as LEB128 varints).
function parseChunk(bytes) {
  let at = 0;
  const varint = () => {
    let number = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      number += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return number;
    }
  };
  const decoder = new TextDecoder();
  const entries = [];
  while (at < bytes.length) {
    const length = varint();
    const word = decoder.decode(bytes.subarray(at, at + length));
    at += length;
    const count = varint();
    const records = new Uint32Array(count);
    for (let i = 0, last = 0; i < count; i++) records[i] = last += varint();
    entries.push({ word, records, weights: bytes.subarray(at, at + count) });
    at += count;
  }
  return entries;
}

// The part of a text to show with a result: about `size` words around the first that starts
// with one of the searched words' stems, as [{text, marked}] pieces, the matching words marked.
export function excerpt(text, searched, size = 30) {
  const wanted = [...new Set(words(searched || "").map(stem))];
  const tokens = text.split(/(\s+)/); // words and the spaces between them, alternately
  const matches = (token) => wanted.length > 0 && words(token).some((word) => wanted.some((w) => word.startsWith(w)));
  const firstMatch = tokens.findIndex((token, i) => i % 2 === 0 && matches(token));
  const start = Math.max(0, (firstMatch < 0 ? 0 : firstMatch) - 2 * Math.floor(size / 4));
  const end = Math.min(tokens.length, start + 2 * size - 1);
  const pieces = [];
  if (start > 0) pieces.push({ text: "… ", marked: false });
  for (let i = start; i < end; i++) {
    const marked = i % 2 === 0 && matches(tokens[i]);
    const last = pieces[pieces.length - 1];
    if (last && !last.marked && !marked) last.text += tokens[i];
    else pieces.push({ text: tokens[i], marked });
  }
  if (end < tokens.length) pieces.push({ text: " …", marked: false });
  return pieces;
}
