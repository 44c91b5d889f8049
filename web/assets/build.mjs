// Copy the front-end libraries' built files from node_modules into web/static/vendor/, stamped with their versions.
// Run with `npm ci && npm run build` in web/assets (see README.md). Exits non-zero if anything is missing.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..", "static", "vendor");
// axe-core checks the pages in the browser tests only, so it is copied beside them and never served.
const testsVendor = join(here, "..", "..", "tests", "web", "vendor");
const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));

// [file in the package, file under web/static/vendor]; JavaScript and CSS files get a version banner.
const libraries = [
  { name: "cytoscape", files: [["dist/cytoscape.min.js", "cytoscape.min.js"]], licence: "LICENSE" },
  {
    name: "swagger-ui-dist",
    files: [
      ["swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"],
      ["swagger-ui-standalone-preset.js", "swagger-ui/swagger-ui-standalone-preset.js"],
      ["swagger-ui.css", "swagger-ui/swagger-ui.css"],
    ],
    licence: "LICENSE",
  },
  { name: "redoc", files: [["bundles/redoc.standalone.js", "redoc.standalone.js"]], licence: "LICENSE" },
  { name: "axe-core", files: [["axe.min.js", "axe.min.js"]], licence: "LICENSE", into: testsVendor, path: "tests/web/vendor" },
];

for (const lib of libraries) {
  const root = join(here, "node_modules", lib.name);
  const installed = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  const locked = lock.packages[`node_modules/${lib.name}`].version;
  if (installed !== locked) {
    throw new Error(`${lib.name}: node_modules has ${installed} but package-lock.json pins ${locked}; run npm ci`);
  }
  const banner = `/*! ${lib.name} ${installed} from npm, copied by web/assets/build.mjs; do not edit */\n`;
  const into = lib.into || vendor;
  const shown = lib.path || "web/static/vendor";
  for (const [source, out] of lib.files) {
    const target = join(into, out);
    mkdirSync(dirname(target), { recursive: true });
    let text = readFileSync(join(root, source), "utf8");
    // Source maps are not copied, so the pointer to one would only produce 404s in the browser's tools.
    text = text.replace(/\n?\/[/*][#@] sourceMappingURL=\S+?(\s*\*\/)?\s*$/, "\n");
    writeFileSync(target, banner + text);
    console.log(`${shown}/${out}: ${lib.name} ${installed}`);
  }
  writeFileSync(join(into, `${lib.name}.LICENSE.txt`), readFileSync(join(root, lib.licence), "utf8"));
}
