#!/usr/bin/env node
// Shows that validate.mjs catches breakage: every case copies deploy/ and docker-compose.yml to a temporary
// directory, breaks the copy in one way and expects the validator to fail with a message naming the problem; the
// unmodified copy must pass, rendered and file by file.
// Usage: node deploy/test/self-test.mjs [--no-render] [DEPLOY_DIR] [COMPOSE_FILE]
// --no-render (no kubectl): only the cases that validate files one by one.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parseDocument } from "yaml";

const HERE = dirname(fileURLToPath(import.meta.url));
const VALIDATOR = join(HERE, "validate.mjs");
const noRender = process.argv.includes("--no-render");
const [deployArg, composeArg] = process.argv.slice(2).filter((arg) => arg !== "--no-render");
const deployDir = resolve(deployArg ?? join(HERE, ".."));
const composeFile = resolve(composeArg ?? join(deployDir, "..", "docker-compose.yml"));

// Applies edit to the document of the given kind and name in a multi-document YAML file.
const editObject = (file, kind, name, edit) => (root) => {
  const path = join(root, "deploy", file);
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  const doc = docs.find((d) => d.get("kind") === kind && d.getIn(["metadata", "name"]) === name);
  if (!doc) throw new Error(`${file}: no ${kind} ${name} to break`);
  edit(doc);
  writeFileSync(path, docs.map(String).join(""));
};
const editYaml = (path, edit) => (root) => {
  const doc = parseDocument(readFileSync(join(root, path), "utf8"));
  edit(doc);
  writeFileSync(join(root, path), String(doc));
};
const editJson = (path, edit) => (root) => {
  const json = JSON.parse(readFileSync(join(root, path), "utf8"));
  edit(json);
  writeFileSync(join(root, path), JSON.stringify(json, null, 2));
};

const CASES = [
  { name: "unmodified copy", flags: [] },
  { name: "unmodified copy, --no-render", flags: ["--no-render"] },
  {
    name: "Deployment container port as a string",
    break: editObject("base/label-service.yaml", "Deployment", "label-service", (d) =>
      d.setIn(["spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"], "eighty"),
    ),
    expect: /Deployment distill\/label-service: .*containerPort must be integer/,
  },
  {
    name: "Deployment container port as a string, --no-render",
    flags: ["--no-render"],
    break: editObject("base/label-service.yaml", "Deployment", "label-service", (d) =>
      d.setIn(["spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"], "eighty"),
    ),
    expect: /base\/label-service\.yaml: apps\/v1 Deployment label-service: .*containerPort must be integer/,
  },
  {
    name: "KafkaTopic partitions not a number",
    break: editObject("kafka-topics/kafka-topics.yaml", "KafkaTopic", "distill-checkpoints", (d) =>
      d.setIn(["spec", "partitions"], "many"),
    ),
    expect: /KafkaTopic kafka\/distill-checkpoints: .*partitions must be integer/,
  },
  {
    name: "KafkaTopic with an unknown spec field",
    break: editObject("kafka-topics/kafka-topics.yaml", "KafkaTopic", "distill-promotions", (d) =>
      d.setIn(["spec", "retention"], "7d"),
    ),
    expect: /KafkaTopic kafka\/distill-promotions: unknown field spec\.retention/,
  },
  {
    name: "ScaledObject without scaleTargetRef",
    break: editObject("base/label-service-scaledobject.yaml", "ScaledObject", "label-service", (d) =>
      d.deleteIn(["spec", "scaleTargetRef"]),
    ),
    expect: /ScaledObject distill\/label-service: .*required property scaleTargetRef/,
  },
  {
    name: "ScaledObject scaling past the topic's partitions",
    break: editObject("base/label-service-scaledobject.yaml", "ScaledObject", "label-service", (d) =>
      d.setIn(["spec", "maxReplicaCount"], 16),
    ),
    expect: /maxReplicaCount 16 exceeds the 8 partitions/,
  },
  {
    name: "object of an unknown kind",
    break: editObject("base/servicemonitor.yaml", "ServiceMonitor", "distill", (d) =>
      d.set("apiVersion", "monitoring.coreos.com/v9"),
    ),
    expect: /ServiceMonitor distill\/distill: unknown kind/,
  },
  {
    name: "dashboard panel without targets",
    break: editJson("deploy/base/grafana-dashboard.json", (j) => delete j.panels[2].targets),
    expect: /panels without targets .*"Training loss/,
  },
  {
    name: "kustomization listing a missing file",
    break: editYaml("deploy/base/kustomization.yaml", (d) => d.get("resources").add("missing.yaml")),
    expect: /kubectl kustomize: .*missing\.yaml/,
  },
  {
    name: "compose service with an invalid key",
    break: editYaml("docker-compose.yml", (d) => d.setIn(["services", "db", "bogus_key"], 1)),
    expect: /docker-compose\.yml: .*config: .*bogus_key/,
  },
];

const failures = [];
const cases = CASES.filter((c) => !noRender || c.flags?.includes("--no-render"));
for (const c of cases) {
  const root = mkdtempSync(join(tmpdir(), "distill-deploy-"));
  try {
    cpSync(deployDir, join(root, "deploy"), { recursive: true, filter: (src) => src !== HERE });
    cpSync(composeFile, join(root, "docker-compose.yml"));
    c.break?.(root);
    const out = spawnSync(
      process.execPath,
      [VALIDATOR, ...(c.flags ?? []), join(root, "deploy"), join(root, "docker-compose.yml")],
      { encoding: "utf8", cwd: root },
    );
    const output = out.stdout + out.stderr;
    const problem = !c.expect
      ? out.status !== 0 && "the validator failed on an unmodified copy"
      : out.status === 0
        ? "the validator passed a broken copy"
        : !c.expect.test(output) && `the validator failed without the expected message ${c.expect}`;
    if (problem) {
      failures.push(c.name);
      console.log(`FAIL  self-test: ${c.name}: ${problem}\n${output.replace(/^/gm, "      | ")}`);
    } else {
      const line = c.expect ? output.split("\n").find((l) => l.startsWith("FAIL")) : "passed";
      console.log(`ok    self-test: ${c.name} (${line})`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
console.log(`\n${cases.length} self-test cases, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
