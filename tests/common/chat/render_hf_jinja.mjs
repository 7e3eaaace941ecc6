// Renders chat-template test cases with @huggingface/jinja (tests/node_modules), for comparison with
// Python jinja2. Input: a JSON file [{"template": str, "context": {...}}]; output on stdout: a JSON array
// of {"ok": true, "output": str} or {"ok": false, "error": str}.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = cases.map((c) => {
  try {
    return { ok: true, output: new Template(c.template).render(c.context ?? {}) };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify(results));
