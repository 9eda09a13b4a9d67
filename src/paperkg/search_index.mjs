// Writes the site's Pagefind index from records, one JSON object per line on stdin
// ({url, content, language, meta, filters}), through Pagefind's own Node API: Pagefind then
// indexes the text paperkg hands it instead of reading and parsing every built HTML page.
//
//   node search_index.mjs PAGEFIND_PACKAGE_DIR OUTPUT_DIR < records.jsonl
//
// Any error is one line on stderr and exit code 1; the records' count goes to stdout.
import { createInterface } from "node:readline";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, outputPath] = process.argv.slice(2);
const IN_FLIGHT = 256; // records sent before waiting for their answers: bounded memory, a full pipe

function fail(what, errors) {
  if (errors && errors.length) {
    process.stderr.write(`${what}: ${errors.join("; ")}\n`);
    process.exit(1);
  }
}

const pagefind = await import(pathToFileURL(join(packageDir, "lib", "index.js")).href);
const { index, errors } = await pagefind.createIndex({});
fail("Pagefind could not start an index", errors);

let count = 0;
let waiting = [];
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line) continue;
  const record = JSON.parse(line);
  waiting.push(index.addCustomRecord(record).then((answer) => fail(`record ${record.url}`, answer.errors)));
  count += 1;
  if (waiting.length >= IN_FLIGHT) {
    await Promise.all(waiting);
    waiting = [];
  }
}
await Promise.all(waiting);
const written = await index.writeFiles({ outputPath });
fail(`Pagefind could not write ${outputPath}`, written.errors);
await pagefind.close();
process.stdout.write(`${count}\n`);
