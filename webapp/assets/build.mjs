// Builds the static assets served by Flask from webapp/static/dist: compiled CSS and vendored scripts.
import { buildSync } from "esbuild";
import { compile } from "sass";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "webapp", "static", "dist");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "govuk"), { recursive: true });

const css = compile(join(root, "webapp", "assets", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
});
writeFileSync(join(out, "app.css"), css.css);
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
cpSync(join(govuk, "assets"), join(out, "govuk", "assets"), { recursive: true });
cpSync(join(root, "webapp", "assets", "app.js"), join(out, "app.js"));

// The BPMN editor and viewer: bpmn-js bundled with its properties panel, and their stylesheets and font.
buildSync({
  entryPoints: { editor: join(root, "webapp", "assets", "editor.js"), viewer: join(root, "webapp", "assets", "viewer.js") },
  outdir: out, bundle: true, minify: true, format: "iife", target: "es2020", legalComments: "linked",
  loader: { ".json": "json" }, logLevel: "warning",
});
const bpmn = join(root, "node_modules", "bpmn-js", "dist", "assets");
mkdirSync(join(out, "bpmn"), { recursive: true });
for (const file of ["diagram-js.css", "bpmn-js.css"]) cpSync(join(bpmn, file), join(out, "bpmn", file));
cpSync(join(bpmn, "bpmn-font"), join(out, "bpmn", "bpmn-font"), { recursive: true });
cpSync(join(root, "node_modules", "@bpmn-io", "properties-panel", "dist", "assets", "properties-panel.css"),
       join(out, "bpmn", "properties-panel.css"));
console.log(`assets built in ${out}`);
