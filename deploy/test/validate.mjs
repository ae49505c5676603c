#!/usr/bin/env node
// Offline validation of the deploy files. Usage:
//   node deploy/test/validate.mjs [--no-render] [DEPLOY_DIR] [COMPOSE_FILE]
// Renders every overlay with `kubectl kustomize` (with --no-render: reads the resource files the kustomizations
// list, one by one), validates each object against the schema of its kind, checks the Grafana dashboards and runs
// `docker-compose config -q`. Prints one line per check and exits 1 if any failed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const render = !args.includes("--no-render");
const [deployArg, composeArg] = args.filter((a) => !a.startsWith("--"));
const deployDir = resolve(deployArg ?? join(HERE, ".."));
const composeFile = resolve(composeArg ?? join(deployDir, "..", "docker-compose.yml"));

// Each package exports one class per kind under "<package>/<apiVersion>"; the first that knows the kind wins.
const MODEL_PACKAGES = [
  "kubernetes-models",
  "@kubernetes-models/keda",
  "@kubernetes-models/prometheus-operator",
  "@kubernetes-models/strimzi-kafka-operator",
];
// The models accept unknown fields, so a misspelt KafkaTopic setting would only show at apply time (refused, or
// pruned by the CRD's structural schema). These are all the fields of a kafka.strimzi.io/v1beta2 KafkaTopic spec.
const KAFKA_TOPIC_SPEC_FIELDS = new Set(["topicName", "partitions", "replicas", "config"]);

let checked = 0;
const problems = [];
const pass = (where, what) => {
  checked++;
  console.log(`ok    ${where}: ${what}`);
};
const fail = (where, what, message) => {
  checked++;
  problems.push(`${where}: ${what}: ${message}`);
  console.log(`FAIL  ${where}: ${what}: ${message}`);
};
const rel = (path) => relative(deployDir, path);
const has = (command, ...probe) => spawnSync(command, probe, { stdio: "ignore" }).status === 0;

async function modelFor(apiVersion, kind) {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) return null;
  for (const pkg of MODEL_PACKAGES) {
    let module;
    try {
      module = await import(`${pkg}/${apiVersion}`);
    } catch (e) {
      if (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || e.code === "ERR_MODULE_NOT_FOUND") continue;
      throw e;
    }
    const model = module[kind];
    if (model?.apiVersion === apiVersion && model?.kind === kind) return model;
  }
  return null;
}

function describe(obj) {
  const ns = obj?.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
  return `${obj?.apiVersion ?? "?"} ${obj?.kind ?? "?"} ${ns}${obj?.metadata?.name ?? "?"}`;
}

// Problems the schemas cannot see; returns messages.
function extraChecks(obj) {
  const found = [];
  if (obj.kind === "KafkaTopic") {
    for (const key of Object.keys(obj.spec ?? {})) {
      if (!KAFKA_TOPIC_SPEC_FIELDS.has(key)) found.push(`unknown field spec.${key}`);
    }
    if (!obj.metadata?.labels?.["strimzi.io/cluster"]) found.push("no strimzi.io/cluster label");
  }
  return found;
}

async function checkObject(where, obj) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    fail(where, "document", "not a YAML mapping");
    return;
  }
  const what = describe(obj);
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" || !obj.metadata?.name) {
    fail(where, what, "apiVersion, kind and metadata.name are required");
    return;
  }
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) {
    fail(where, what, "unknown kind: no schema for this apiVersion and kind");
    return;
  }
  const found = extraChecks(obj);
  try {
    new Model(obj).validate();
  } catch (e) {
    found.unshift(e.message);
  }
  if (found.length) fail(where, what, found.join("; "));
  else pass(where, what);
}

function checkDashboard(where, name, text) {
  const what = `Grafana dashboard ${name}`;
  let dashboard;
  try {
    dashboard = JSON.parse(text);
  } catch (e) {
    fail(where, what, `not JSON: ${e.message}`);
    return;
  }
  const panels = dashboard?.panels;
  if (!Array.isArray(panels) || panels.length === 0) {
    fail(where, what, "no panels");
    return;
  }
  const empty = panels
    .filter((p) => !Array.isArray(p.targets) || p.targets.length === 0 || p.targets.some((t) => !t.expr))
    .map((p) => `"${p.title ?? p.id}"`);
  if (empty.length) fail(where, what, `panels without targets (or with an empty expr): ${empty.join(", ")}`);
  else pass(where, `${what} (${panels.length} panels)`);
}

// Consistency between objects shipped together: KEDA must not scale past the partitions of the topic it watches.
function checkScaling(where, objects) {
  const partitions = new Map(
    objects
      .filter((o) => o?.kind === "KafkaTopic")
      .map((o) => [o.spec?.topicName ?? o.metadata?.name, o.spec?.partitions]),
  );
  for (const so of objects.filter((o) => o?.kind === "ScaledObject")) {
    for (const trigger of (so.spec?.triggers ?? []).filter((t) => t?.type === "kafka")) {
      const topic = trigger.metadata?.topic;
      const what = `${describe(so)} vs KafkaTopic ${topic}`;
      if (!partitions.has(topic)) fail(where, what, `no KafkaTopic for the trigger's topic "${topic}"`);
      else if (!(so.spec.maxReplicaCount <= partitions.get(topic))) {
        fail(where, what, `maxReplicaCount ${so.spec.maxReplicaCount} exceeds the ${partitions.get(topic)} partitions`);
      } else pass(where, `${what}: maxReplicaCount within partitions`);
    }
  }
}

function parseYaml(where, text) {
  const docs = parseAllDocuments(text);
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length) fail(where, "YAML", doc.errors.map((e) => e.message).join("; "));
    else if (doc.contents !== null) objects.push(doc.toJS());
  }
  return objects;
}

async function checkObjects(where, objects) {
  for (const obj of objects) await checkObject(where, obj);
  for (const cm of objects.filter((o) => o?.kind === "ConfigMap" && o.metadata?.labels?.grafana_dashboard)) {
    for (const [key, text] of Object.entries(cm.data ?? {})) checkDashboard(where, `${cm.metadata.name}/${key}`, text);
  }
  checkScaling(where, objects);
}

const overlayDirs = () => {
  const root = join(deployDir, "overlays");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, "kustomization.yaml")));
};

async function checkRendered() {
  const overlays = overlayDirs();
  if (!overlays.length) fail("overlays", "kustomizations", "no overlays/*/kustomization.yaml found");
  for (const dir of overlays) {
    const out = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (out.status !== 0) fail(rel(dir), "kubectl kustomize", (out.stderr || out.error?.message || "").trim());
    else await checkObjects(rel(dir), parseYaml(rel(dir), out.stdout));
  }
}

// --no-render: every resource file the kustomizations list (patches only make sense merged, so they are skipped),
// plus the dashboards their configMapGenerators ship.
async function checkFiles() {
  const files = new Set();
  const dashboards = new Set();
  const visit = (dir) => {
    const path = join(dir, "kustomization.yaml");
    if (!existsSync(path)) {
      fail(rel(dir), "kustomization", "no kustomization.yaml");
      return;
    }
    const kustomization = parseYaml(rel(path), readFileSync(path, "utf8"))[0] ?? {};
    for (const entry of kustomization.resources ?? []) {
      const target = resolve(dir, entry);
      if (existsSync(join(target, "kustomization.yaml"))) visit(target);
      else files.add(target);
    }
    for (const generator of kustomization.configMapGenerator ?? []) {
      if (!generator.options?.labels?.grafana_dashboard) continue;
      for (const file of generator.files ?? []) dashboards.add(resolve(dir, file.split("=").pop()));
    }
  };
  overlayDirs().forEach(visit);
  if (!files.size) fail("overlays", "kustomizations", "no resource files found");
  const objects = [];
  for (const file of [...files].sort()) {
    if (!existsSync(file)) {
      fail(rel(file), "file", "listed in a kustomization but missing");
      continue;
    }
    const found = parseYaml(rel(file), readFileSync(file, "utf8"));
    for (const obj of found) await checkObject(rel(file), obj);
    objects.push(...found);
  }
  for (const file of [...dashboards].sort()) {
    if (existsSync(file)) checkDashboard(rel(file), basename(file), readFileSync(file, "utf8"));
    else fail(rel(file), "dashboard", "listed in a configMapGenerator but missing");
  }
  checkScaling("all resource files", objects);
}

function checkCompose() {
  const where = relative(process.cwd(), composeFile) || composeFile;
  let command;
  if (has("docker-compose", "version")) command = ["docker-compose"];
  else if (has("docker", "compose", "version")) command = ["docker", "compose"];
  else {
    const hint = "install it (Debian/Ubuntu: apt-get install docker-compose)";
    fail(where, "docker-compose config", `docker-compose not found: ${hint}`);
    return;
  }
  // Values for the variables the file requires; `config` only interpolates them.
  const env = { ...process.env, DISTILL_API_KEY: "validate-dummy-key", DISTILL_TEACHER_DIR: tmpdir() };
  const out = spawnSync(command[0], [...command.slice(1), "-f", composeFile, "config", "-q"], {
    encoding: "utf8",
    env,
  });
  if (out.status === 0) pass(where, `${command.join(" ")} config`);
  else fail(where, `${command.join(" ")} config`, (out.stderr + out.stdout).trim().replace(/\s*\n\s*/g, " "));
}

if (render && !has("kubectl", "version", "--client")) {
  const hint = "install kubectl, or pass --no-render to check files one by one";
  fail("overlays", "kubectl kustomize", `kubectl not found: ${hint}`);
} else if (render) {
  await checkRendered();
} else {
  await checkFiles();
}
checkCompose();

const mode = render ? "" : " (--no-render: files checked one by one)";
console.log(`\n${checked} checks, ${problems.length} failed${mode}`);
if (problems.length) {
  console.log("problems:");
  for (const p of problems) console.log(`  ${p}`);
}
process.exit(problems.length ? 1 : 0);
