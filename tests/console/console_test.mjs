// The query console end to end in headless Chromium (Debian's, driven by playwright-core): open the page a
// live `quiver serve` answers at /, type a query, run it, see its rows in the table; type a bad query, see
// the server's message. Run by ctest (console_test):
//   NODE_PATH=build/console/node_modules node tests/console/console_test.mjs QUIVER_BINARY
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const browserPath = process.env.QUIVER_CHROMIUM || "/usr/bin/chromium";
const quiver = process.argv[2];
if (!quiver) throw new Error("usage: console_test.mjs QUIVER_BINARY");
if (!existsSync(browserPath)) throw new Error(`no Chromium at ${browserPath}: run scripts/install-deps.sh`);

const folder = mkdtempSync(join(tmpdir(), "quiver-console-"));
const data = join(folder, "drugs.nt");
const drugs = ["aspirin", "ibuprofen", "paracetamol"];
writeFileSync(
  data,
  drugs.map((d) => `<http://example.org/${d}> <http://www.w3.org/2000/01/rdf-schema#label> "${d}" .\n`).join(""),
);
execFileSync(quiver, ["load", "-q", "--db", join(folder, "db"), data]);

// The server, on a free port it prints.
const server = spawn(quiver, ["serve", "--db", join(folder, "db"), "--port", "0"], {
  stdio: ["ignore", "pipe", "ignore"],
});
const base = await new Promise((resolve, reject) => {
  createInterface({ input: server.stdout }).once("line", (line) => {
    const match = /(http:\/\/\S+)\/sparql/.exec(line);
    match ? resolve(match[1]) : reject(new Error(`quiver serve said: ${line}`));
  });
  server.once("exit", (code) => reject(new Error(`quiver serve ended with ${code}`)));
});

// Replaces the editor's text by typing it, as a user does.
async function typeQuery(page, text) {
  await page.click(".yasqe .CodeMirror");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text);
  assert.equal(await page.evaluate(() => window.yasgui.getTab().getQuery()), text, "the editor holds the typed text");
}

// The table redraws after an event: what it shows is looked at until it is as expected, for a few seconds.
async function eventually(read, expected, what) {
  let seen;
  for (let i = 0; i < 50; ++i) {
    seen = await read();
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(seen, expected, what);
}

async function run(page) {
  await page.click(".yasqe .yasqe_queryButton");
}

const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(base + "/");
  await page.waitForSelector(".yasqe .CodeMirror");

  // A query: its rows in the results table, sortable, with the time it took.
  await typeQuery(page, "SELECT ?drug ?name WHERE { ?drug <http://www.w3.org/2000/01/rdf-schema#label> ?name }");
  await run(page);
  await page.waitForSelector(".yasr .dataTable tbody tr");
  const rows = await page.$$eval(".yasr .dataTable tbody tr", (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, drugs.length, `one row per drug: ${JSON.stringify(rows)}`);
  for (const d of drugs) assert.ok(rows.some((r) => r.includes(d)), `a row names ${d}`);
  const header = await page.textContent(".yasr .dataTable thead");
  assert.ok(header.includes("drug") && header.includes("name"), `the columns are the variables: ${header}`);
  const summary = await page.textContent(".yasr .yasr_response_chip");
  assert.match(summary, /^3 results in [\d.]+ seconds?$/, `the summary counts the rows and times them: ${summary}`);
  assert.ok(await page.$(".yasr .yasr_downloadIcon"), "the results can be downloaded");
  // Sorted by a column on a click on its header, the other way on a second click.
  const names = () => page.$$eval(".yasr .dataTable tbody tr td:nth-child(3)", (tds) => tds.map((td) => td.textContent.trim()));
  const nameOrder = '.yasr .dataTable thead th:has-text("name") .dt-column-order';
  await page.click(nameOrder);
  await eventually(names, [...drugs].sort(), "sorted by name");
  await page.click(nameOrder);
  await eventually(names, [...drugs].sort().reverse(), "sorted by name, descending");

  // A bad query: the server's located message, not a blank table.
  await typeQuery(page, "SELECT ?x WHERE { ?x ?p }");
  await run(page);
  await page.waitForSelector(".yasr .errorResult");
  const error = await page.textContent(".yasr .errorResult");
  assert.match(error, /syntax error/, `the server's message is shown: ${error}`);
  assert.match(error, /line 1/, `the message says where: ${error}`);
  assert.deepEqual(pageErrors, [], "no script errors on the page");
  console.log("console test passed: rows shown, error shown");
} finally {
  await browser.close();
  server.kill("SIGTERM");
  rmSync(folder, { recursive: true, force: true });
}
