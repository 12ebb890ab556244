// Copies the vendored bundles into the package: `npm ci && npm run build` (from web/).
// axe-core is for the browser tests only (they inject it); the page never loads it.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..", "src", "cocreate", "web", "static", "vendor");
const require = createRequire(import.meta.url);
mkdirSync(vendor, { recursive: true });

const axe = require.resolve("axe-core/axe.min.js");
const { version } = JSON.parse(readFileSync(require.resolve("axe-core/package.json"), "utf8"));
copyFileSync(axe, join(vendor, "axe.min.js"));
writeFileSync(join(vendor, "VERSIONS"), `axe-core ${version} (MPL-2.0): axe.min.js, for the browser tests only\n`);
console.log(`vendored axe-core ${version}`);
