// Runs every browser journey in turn; exits non-zero when any fails.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(join(here, "journeys")).filter((f) => f.endsWith(".mjs") && (!only || f.includes(only))).sort();
let failed = 0;
for (const file of files) {
  const started = Date.now();
  try {
    const journey = await import(pathToFileURL(join(here, "journeys", file)));
    await journey.default();
    console.log(`ok   ${file} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.error(`FAIL ${file}\n${error.stack || error}`);
  }
}
console.log(`${files.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
