/**
 * Checks for the deployment files that cannot run on the development machine (no Docker, no Kubernetes):
 * Dockerfile, docker-compose.yml and deploy/k8s/*.yaml. Each check returns the problems it finds (empty: fine),
 * so the spec can also prove that each one fails on a broken copy. Schemas come from deploy/schemas/ (vendored;
 * see deploy/schemas/fetch-schemas.sh for where each one comes from).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parseAllDocuments, parseDocument } from 'yaml';
import { ENVIRONMENT_VARIABLE_NAMES, loadConfig } from '@payments/config';

// ---------------------------------------------------------------------------------------------------------------
// What the checks compare against

/** Variables whose values are secrets: never literal in a deployment file (compose: `${NAME:?}`; k8s: a Secret). */
export const SECRET_VARIABLES = ['DATABASE_URL', 'ENCRYPTION_KEY', 'FINGERPRINT_KEY', 'LOCAL_API_KEY', 'OPS_API_KEY', 'PLAID_SECRET'] as const;

/**
 * What api and worker need in a deployment: loadConfig's required variables (DATABASE_URL, ENCRYPTION_KEY,
 * FINGERPRINT_KEY), KAFKA_BROKERS (apps/api and apps/worker refuse to start without it), the EventStoreDB
 * event store the deployment is meant for, and NODE_ENV=production.
 */
export const REQUIRED_DEPLOYMENT_VARIABLES = ['NODE_ENV', 'DATABASE_URL', 'ENCRYPTION_KEY', 'FINGERPRINT_KEY', 'KAFKA_BROKERS', 'EVENTSTORE_CONNECTION_STRING'] as const;

/** The apps that must run with the deployment's full service configuration. */
export const SERVICE_APPS = ['api', 'worker'] as const;

export interface KubernetesDocument {
  file: string;
  doc: unknown;
}

export interface DeployFiles {
  dockerfile: string;
  compose: unknown;
  kubernetes: KubernetesDocument[];
  nestCli: { projects: Record<string, { type: string; root: string; sourceRoot: string; entryFile: string }> };
  packageJson: { version: string; scripts: Record<string, string> };
  tsconfig: { compilerOptions: { outDir?: string } };
  tsconfigBuild: { include?: string[] };
  /** Variables libs/config knows (ENVIRONMENT_VARIABLE_NAMES). */
  knownVariables: readonly string[];
  /** GET routes of the API's health controller, e.g. /health/live. */
  healthRoutes: string[];
  /** Whether a repository-relative file exists (entry sources). */
  exists: (path: string) => boolean;
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** Parses YAML the way Compose and kubectl do (merge keys `<<` resolved); throws on any YAML error. */
export function parseYaml(text: string, name: string): unknown {
  const document = parseDocument(text, { merge: true, prettyErrors: true });
  if (document.errors.length > 0) throw new Error(`${name}: ${document.errors.map((e) => e.message).join('; ')}`);
  return document.toJS();
}

export function parseYamlStream(text: string, name: string): unknown[] {
  return parseAllDocuments(text, { merge: true })
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${name}: ${document.errors.map((e) => e.message).join('; ')}`);
      return document.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

/** Every *.yaml/*.yml under deploy/k8s (recursively, examples included). */
function kubernetesFiles(root: string, dir = 'deploy/k8s'): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return kubernetesFiles(root, path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

export function loadDeployFiles(root: string, healthRoutes: string[]): DeployFiles {
  return {
    dockerfile: readFileSync(join(root, 'Dockerfile'), 'utf8'),
    compose: parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), 'docker-compose.yml'),
    kubernetes: kubernetesFiles(root).flatMap((file) => parseYamlStream(readFileSync(join(root, file), 'utf8'), file).map((doc) => ({ file, doc }))),
    nestCli: readJson(join(root, 'nest-cli.json')) as DeployFiles['nestCli'],
    packageJson: readJson(join(root, 'package.json')) as DeployFiles['packageJson'],
    tsconfig: readJson(join(root, 'tsconfig.json')) as DeployFiles['tsconfig'],
    tsconfigBuild: readJson(join(root, 'tsconfig.build.json')) as DeployFiles['tsconfigBuild'],
    knownVariables: ENVIRONMENT_VARIABLE_NAMES,
    healthRoutes,
    exists: (path) => existsSync(join(root, path)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Schemas

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${where}${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
}

export class SchemaValidators {
  private readonly compose: ValidateFunction;
  private readonly kubernetes = new Map<string, ValidateFunction>();

  constructor(schemaDir: string) {
    // strict: false: the upstream schema uses annotations ajv does not know. It names draft-07 by its https URL.
    const composeAjv = new Ajv({ allErrors: true, strict: false });
    composeAjv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
    this.compose = composeAjv.compile(readJson(join(schemaDir, 'compose-spec.json')) as object);

    const k8s = readJson(join(schemaDir, 'kubernetes-v1.31-subset.json')) as { $id: string; 'x-kinds': Record<string, string> };
    const k8sAjv = new Ajv({ allErrors: true, strict: true });
    k8sAjv.addVocabulary(['x-kinds']);
    k8sAjv.addSchema(k8s);
    for (const [kind, ref] of Object.entries(k8s['x-kinds'])) {
      const validate = k8sAjv.getSchema(`${k8s.$id}${ref}`);
      if (!validate) throw new Error(`kubernetes schema: ${ref} not found`);
      this.kubernetes.set(kind, validate);
    }
  }

  validateCompose(compose: unknown): string[] {
    return this.compose(compose) ? [] : formatErrors('docker-compose.yml', this.compose.errors);
  }

  validateKubernetes(documents: KubernetesDocument[]): string[] {
    return documents.flatMap(({ file, doc }) => {
      const typed = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
      const kind = `${String(typed.apiVersion)}/${String(typed.kind)}`;
      const where = `${file} ${String(typed.kind)}/${String(typed.metadata?.name)}`;
      const validate = this.kubernetes.get(kind);
      if (!validate) return [`${where}: no schema for ${kind} in deploy/schemas (add one before using the kind)`];
      return validate(doc) ? [] : formatErrors(where, validate.errors);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile

export interface DockerStage {
  name: string;
  /** The image or stage it starts FROM. */
  from: string;
  /** Its parent stage's name when FROM names a stage. */
  parent?: string;
  env: Record<string, string>;
  expose: number[];
  cmd?: string[];
  entrypoint?: string[];
  runs: string[];
  copyFrom: { stage: string; source: string }[];
}

/** Joins continuation lines and drops comments and the parser directive. */
function dockerInstructions(text: string): { instruction: string; args: string }[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') logical.push(current.trim());
  return logical.map((line) => {
    const match = /^(\S+)\s*(.*)$/.exec(line) as RegExpExecArray;
    return { instruction: match[1].toUpperCase(), args: match[2] };
  });
}

function execForm(args: string): string[] | undefined {
  try {
    const parsed = JSON.parse(args) as unknown;
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
  }
}

export function parseDockerfile(text: string): { stages: DockerStage[]; problems: string[] } {
  const stages: DockerStage[] = [];
  const problems: string[] = [];
  for (const { instruction, args } of dockerInstructions(text)) {
    if (instruction === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!match) {
        problems.push(`Dockerfile: cannot read FROM ${args}`);
        continue;
      }
      const parent = stages.find((s) => s.name === match[1]);
      stages.push({
        name: match[2] ?? `#${stages.length}`,
        from: match[1],
        parent: parent?.name,
        env: { ...(parent?.env ?? {}) },
        expose: [...(parent?.expose ?? [])],
        cmd: parent?.cmd,
        entrypoint: parent?.entrypoint,
        runs: [],
        copyFrom: [],
      });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      if (instruction !== 'ARG') problems.push(`Dockerfile: ${instruction} before the first FROM`);
      continue;
    }
    switch (instruction) {
      case 'ENV': {
        const pairs = [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)];
        if (pairs.length > 0) for (const [, key, value] of pairs) stage.env[key] = value.replace(/^"|"$/g, '');
        else {
          const legacy = /^(\S+)\s+(.*)$/.exec(args);
          if (legacy) stage.env[legacy[1]] = legacy[2];
        }
        break;
      }
      case 'EXPOSE':
        stage.expose.push(...args.split(/\s+/).map((p) => Number(p.split('/')[0])));
        break;
      case 'CMD':
      case 'ENTRYPOINT': {
        const form = execForm(args);
        if (!form) problems.push(`Dockerfile stage ${stage.name}: ${instruction} must use the exec (JSON) form so signals reach node`);
        if (instruction === 'CMD') stage.cmd = form;
        else {
          stage.entrypoint = form;
          stage.cmd = undefined; // a new ENTRYPOINT resets an inherited CMD
        }
        break;
      }
      case 'RUN':
        stage.runs.push(args);
        break;
      case 'COPY': {
        const from = /--from=(\S+)\s+(\S+)/.exec(args);
        if (from) stage.copyFrom.push({ stage: from[1], source: from[2] });
        break;
      }
    }
  }
  return { stages, problems };
}

/** The command a stage runs: ENTRYPOINT + CMD. */
const commandOf = (stage: DockerStage): string[] => [...(stage.entrypoint ?? []), ...(stage.cmd ?? [])];

/** The nest-cli application whose build output a command runs (`node dist/apps/api/src/main.js` -> api). */
export function appOutputs(files: DeployFiles): Map<string, string> {
  const outDir = posix.normalize(files.tsconfig.compilerOptions.outDir ?? '.').replace(/\/$/, '');
  const outputs = new Map<string, string>();
  for (const [name, project] of Object.entries(files.nestCli.projects)) {
    if (project.type !== 'application') continue;
    outputs.set(posix.join(outDir, project.sourceRoot, `${project.entryFile}.js`), name);
  }
  return outputs;
}

const pinned = (image: string): boolean => {
  const tag = /^[^@]+:([^:/@]+)$/.exec(image)?.[1];
  return image.includes('@sha256:') || (tag !== undefined && tag !== 'latest' && /\d+\.\d+/.test(tag));
};

/**
 * The Dockerfile: exec-form commands, every app target runs a nest-cli application's build output whose source
 * exists, the output comes from a stage that runs the build, COPY --from names earlier stages, ENV names are config
 * variables, base images are pinned. Returns the problems and the app targets (target -> nest-cli project).
 */
export function checkDockerfile(files: DeployFiles): { problems: string[]; targets: Map<string, { app: string; stage: DockerStage }> } {
  const { stages, problems } = parseDockerfile(files.dockerfile);
  const outputs = appOutputs(files);
  const targets = new Map<string, { app: string; stage: DockerStage }>();
  const names = stages.map((s) => s.name);

  const build = files.packageJson.scripts.build ?? '';
  if (!/\btsc -p tsconfig\.build\.json\b/.test(build)) problems.push('package.json: the build script no longer compiles tsconfig.build.json (the output paths checked here assume it)');
  const include = files.tsconfigBuild.include ?? [];
  if (!include.includes('apps/**/*.ts') || !include.includes('libs/**/*.ts')) problems.push('tsconfig.build.json: apps/ and libs/ must both be compiled (outputs land under dist/apps/...)');

  stages.forEach((stage, index) => {
    if (!stage.parent && !pinned(stage.from)) problems.push(`Dockerfile stage ${stage.name}: base image ${stage.from} is not pinned to a version`);
    for (const copy of stage.copyFrom) {
      if (!names.slice(0, index).includes(copy.stage)) problems.push(`Dockerfile stage ${stage.name}: COPY --from=${copy.stage} names no earlier stage`);
    }
    for (const key of Object.keys(stage.env)) {
      if (!files.knownVariables.includes(key)) problems.push(`Dockerfile stage ${stage.name}: ENV ${key} is not a variable libs/config knows`);
    }
    const script = commandOf(stage).find((arg) => arg.endsWith('.js'));
    if (!script) return;
    const app = outputs.get(posix.normalize(script));
    if (!app) {
      problems.push(`Dockerfile stage ${stage.name}: runs ${script}, which is not the build output of any nest-cli application (${[...outputs.keys()].join(', ')})`);
      return;
    }
    const project = files.nestCli.projects[app];
    const source = posix.join(project.sourceRoot, `${project.entryFile}.ts`);
    if (!files.exists(source)) problems.push(`Dockerfile stage ${stage.name}: ${app}'s entry ${source} does not exist`);
    // dist/ must reach this stage from a stage that runs the build
    const chain: DockerStage[] = [];
    for (let s: DockerStage | undefined = stage; s; s = stages.find((p) => p.name === s?.parent)) chain.push(s);
    const distCopy = chain.flatMap((s) => s.copyFrom).find((c) => /^\/app\/dist\/?$/.test(c.source));
    const builtHere = chain.some((s) => s.runs.some((r) => /npm run build/.test(r)));
    const builder = distCopy ? stages.find((s) => s.name === distCopy.stage) : undefined;
    const builderChain: DockerStage[] = [];
    for (let s: DockerStage | undefined = builder; s; s = stages.find((p) => p.name === s?.parent)) builderChain.push(s);
    if (!builtHere && !builderChain.some((s) => s.runs.some((r) => /npm run build/.test(r)))) {
      problems.push(`Dockerfile stage ${stage.name}: ${script} is not produced by any stage it copies dist/ from (no \`npm run build\`)`);
    }
    targets.set(stage.name, { app, stage });
  });
  return { problems, targets };
}

// ---------------------------------------------------------------------------------------------------------------
// Environment helpers

/** Resolves Compose interpolation (`${X}`, `${X:-d}`, `${X-d}`, `${X:?m}`, `${X?m}`, `$$`) against env. */
export function interpolate(value: string, env: Record<string, string>, onMissing: (name: string) => void): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const set = name !== undefined && env[name] !== undefined && (op?.startsWith(':') ? env[name] !== '' : true);
    if (set) return env[name as string];
    if (op === ':-' || op === '-') return arg ?? '';
    onMissing(name as string);
    return '';
  });
}

/** Values for a config check: valid, distinct sample secrets (never used anywhere but in this in-memory check). */
export function sampleSecrets(): Record<string, string> {
  const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
  return {
    ENCRYPTION_KEY: key(1),
    FINGERPRINT_KEY: key(2),
    LOCAL_API_KEY: 'pk_sample_local_key_0123456789',
    OPS_API_KEY: 'pk_sample_ops_key_0123456789ab',
    PLAID_SECRET: 'sample-plaid-secret',
    POSTGRES_PASSWORD: 'sample-password',
    DATABASE_URL: 'postgres://payments:sample-password@postgres.example:5432/payments',
  };
}

/** Problems a complete app environment has: unknown names, missing deployment variables, loadConfig's verdict. */
function checkAppEnvironment(where: string, app: string, env: Record<string, string>, files: DeployFiles): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (!files.knownVariables.includes(name)) problems.push(`${where}: ${name} is not a variable libs/config knows`);
  }
  if (!(SERVICE_APPS as readonly string[]).includes(app)) return problems;
  for (const name of REQUIRED_DEPLOYMENT_VARIABLES) {
    if (env[name] === undefined || env[name] === '') problems.push(`${where}: ${name} is required for ${app} in a deployment but not set`);
  }
  if (env.NODE_ENV !== undefined && env.NODE_ENV !== 'production') problems.push(`${where}: NODE_ENV must be production`);
  try {
    loadConfig(env);
  } catch (error) {
    problems.push(`${where}: the service would refuse this configuration: ${error instanceof Error ? error.message.replace(/\n\s*/g, ' ') : String(error)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml

interface ComposeService {
  image?: string;
  build?: string | { context?: string; target?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: (string | number | { target?: number; published?: string | number })[];
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, unknown>;
  profiles?: string[];
}

function composeEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}

/** Container ports a service publishes (`"3000:3000"`, `3000`, `{target: 3000}`). */
function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return Number(port.target);
    const text = String(port).split('/')[0];
    return Number(text.split(':').pop());
  });
}

const healthPathsIn = (text: string): string[] => [...text.matchAll(/https?:\/\/[^/'"\s]+(\/health\/[A-Za-z0-9_-]+)/g)].map((m) => m[1]);

export function checkCompose(files: DeployFiles, secrets: Record<string, string> = sampleSecrets()): string[] {
  const problems: string[] = [];
  const { targets } = checkDockerfile(files);
  const services = ((files.compose as { services?: Record<string, ComposeService> }).services ?? {}) as Record<string, ComposeService>;
  const builtApps = new Set<string>();

  for (const [name, service] of Object.entries(services)) {
    const where = `docker-compose.yml services.${name}`;
    const built = service.build !== undefined;
    if (!built) {
      if (!service.image || !pinned(service.image)) problems.push(`${where}: image ${service.image ?? '(none)'} is not pinned to a version`);
      continue;
    }
    const target = typeof service.build === 'object' ? service.build.target : undefined;
    const entry = target ? targets.get(target) : undefined;
    if (!target || !entry) {
      problems.push(`${where}: build.target ${target ?? '(none)'} is not an app target of the Dockerfile (${[...targets.keys()].join(', ')})`);
      continue;
    }
    builtApps.add(entry.app);
    if (service.command !== undefined || service.entrypoint !== undefined) {
      const override = [service.entrypoint, service.command].flat().filter((x): x is string => typeof x === 'string');
      const script = override.find((arg) => arg.endsWith('.js'));
      if (script && appOutputs(files).get(posix.normalize(script)) !== entry.app) problems.push(`${where}: command runs ${script}, not target ${target}'s app ${entry.app}`);
    }
    const expectedImage = `payments-${target}:${files.packageJson.version}`;
    if (service.image !== expectedImage) problems.push(`${where}: image should be ${expectedImage} (Dockerfile target ${target}, package.json version)`);

    // Environment: names, secrets only through required interpolation, a configuration the service accepts.
    const raw = composeEnvironment(service);
    for (const secret of SECRET_VARIABLES) {
      const value = raw[secret];
      if (value === undefined) continue;
      if (secret === 'DATABASE_URL') {
        const password = /^[a-z]+:\/\/[^:/@]+:([^@]*)@/.exec(value)?.[1];
        if (password !== undefined && !/^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}$/.test(password)) problems.push(`${where}: DATABASE_URL carries a literal password; use \${POSTGRES_PASSWORD:?...}`);
      } else if (!new RegExp(`^\\$\\{${secret}:?\\?[^}]*\\}$`).test(value)) {
        problems.push(`${where}: ${secret} must come from the environment as \${${secret}:?...} (no literal, no default)`);
      }
    }
    const env = Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, interpolate(v, secrets, (missing) => problems.push(`${where}: ${k} refers to \${${missing}}, which the check's environment does not provide`))]),
    );
    const dockerEnv = entry.stage.env;
    problems.push(...checkAppEnvironment(where, entry.app, { ...dockerEnv, ...env }, files));

    // Ports and health: what it publishes is what the image exposes and the app listens on.
    const ports = containerPorts(service);
    const listens = listenPort(entry.app, { ...dockerEnv, ...env });
    for (const port of ports) {
      if (!entry.stage.expose.includes(port)) problems.push(`${where}: publishes container port ${port}, which target ${target} does not EXPOSE (${entry.stage.expose.join(', ') || 'none'})`);
      if (port !== listens) problems.push(`${where}: publishes container port ${port} but the app listens on ${listens}`);
    }
    const test = [service.healthcheck?.test ?? []].flat().join(' ');
    for (const path of healthPathsIn(test)) {
      if (!files.healthRoutes.includes(path)) problems.push(`${where}: healthcheck calls ${path}, which the API's health controller does not serve (${files.healthRoutes.join(', ')})`);
    }
    if (entry.app === 'api' && healthPathsIn(test).length === 0) problems.push(`${where}: the api needs a healthcheck on /health/*`);
  }
  for (const app of [...SERVICE_APPS, 'provider-sandbox']) {
    if (!builtApps.has(app)) problems.push(`docker-compose.yml: no service runs the ${app} app`);
  }
  if (!(services.eventstore && services.postgres && services.kafka)) problems.push('docker-compose.yml: services eventstore, postgres and kafka are expected');
  const kafkaEnv = services.kafka ? composeEnvironment(services.kafka) : {};
  if (!/\bcontroller\b/.test(kafkaEnv.KAFKA_PROCESS_ROLES ?? '')) problems.push('docker-compose.yml services.kafka: must run in KRaft mode (KAFKA_PROCESS_ROLES with controller)');
  return problems;
}

/** The port an app listens on under `env`: the worker's probes/metrics server on WORKER_HTTP_PORT (default 3001). */
function listenPort(app: string, env: Record<string, string | undefined>): number {
  if (app === 'worker') return Number(env.WORKER_HTTP_PORT ?? 3001);
  return Number(env.PORT ?? env.PROVIDER_SANDBOX_PORT ?? NaN);
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes

interface K8sContainer {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name?: string; key: string }; configMapKeyRef?: { name?: string; key: string } } }[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  resources?: { requests?: Record<string, unknown> };
  livenessProbe?: K8sProbe;
  readinessProbe?: K8sProbe;
  startupProbe?: K8sProbe;
}
interface K8sProbe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command?: string[] };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface K8sDeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  strategy?: { type?: string };
  template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: K8sContainer[] } };
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

export function checkKubernetes(files: DeployFiles, secrets: Record<string, string> = sampleSecrets()): string[] {
  const problems: string[] = [];
  const { targets } = checkDockerfile(files);
  const objects = files.kubernetes.map(({ file, doc }) => ({ file, object: doc as K8sObject }));
  const byKind = (kind: string) => objects.filter((o) => o.object.kind === kind);
  const configMaps = new Map(byKind('ConfigMap').map((o) => [o.object.metadata.name, o.object.data ?? {}]));
  const secretObjects = new Map(byKind('Secret').map((o) => [o.object.metadata.name, { ...(o.object.data ?? {}), ...(o.object.stringData ?? {}) }]));
  const deployedApps = new Map<string, { name: string; spec: K8sDeploymentSpec; container: K8sContainer; stage: DockerStage }>();

  for (const [name, data] of configMaps) {
    for (const key of Object.keys(data)) {
      if ((SECRET_VARIABLES as readonly string[]).includes(key)) problems.push(`ConfigMap ${name}: ${key} is a secret; it belongs in a Secret (secretKeyRef)`);
    }
  }

  for (const { file, object } of byKind('Deployment')) {
    const spec = (object.spec ?? {}) as K8sDeploymentSpec;
    const where = `${file} Deployment/${object.metadata.name}`;
    if (!matches(spec.selector?.matchLabels, spec.template?.metadata?.labels)) problems.push(`${where}: spec.selector.matchLabels does not select the pod template's labels`);
    for (const container of spec.template?.spec?.containers ?? []) {
      const cwhere = `${where} container ${container.name}`;
      const image = /^(?:.*\/)?payments-([a-z0-9-]+):(.+)$/.exec(container.image ?? '');
      const entry = image ? targets.get(image[1]) : undefined;
      if (!image || !entry) {
        problems.push(`${cwhere}: image ${container.image ?? '(none)'} is not payments-<Dockerfile app target>:<version> (${[...targets.keys()].join(', ')})`);
        continue;
      }
      if (image[2] !== files.packageJson.version) problems.push(`${cwhere}: image tag ${image[2]} differs from package.json version ${files.packageJson.version}`);
      deployedApps.set(entry.app, { name: object.metadata.name, spec, container, stage: entry.stage });

      // The environment the process gets: Dockerfile ENV, envFrom ConfigMaps, env (secrets resolved to samples).
      const env: Record<string, string> = { ...entry.stage.env };
      for (const from of container.envFrom ?? []) {
        if (from.secretRef) problems.push(`${cwhere}: envFrom secretRef imports every key unchecked; reference secrets one by one with secretKeyRef`);
        if (from.configMapRef) {
          const data = configMaps.get(from.configMapRef.name ?? '');
          if (!data) problems.push(`${cwhere}: envFrom ConfigMap ${from.configMapRef.name} is not defined in deploy/k8s`);
          else for (const [key, value] of Object.entries(data)) env[key] = String(value);
        }
      }
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom;
        const isSecret = (SECRET_VARIABLES as readonly string[]).includes(variable.name);
        if (isSecret && !ref?.secretKeyRef) problems.push(`${cwhere}: ${variable.name} is a secret and must come from a Secret (valueFrom.secretKeyRef)`);
        if (ref?.secretKeyRef) {
          const keys = secretObjects.get(ref.secretKeyRef.name ?? '');
          if (!keys) problems.push(`${cwhere}: ${variable.name} refers to Secret ${ref.secretKeyRef.name}, which deploy/k8s/examples does not describe`);
          else if (!(ref.secretKeyRef.key in keys)) problems.push(`${cwhere}: ${variable.name} refers to key ${ref.secretKeyRef.key}, which Secret ${ref.secretKeyRef.name} lacks`);
          const sample = secrets[ref.secretKeyRef.key];
          if (sample === undefined) problems.push(`${cwhere}: no sample value for secret key ${ref.secretKeyRef.key}`);
          else env[variable.name] = sample;
        } else if (ref?.configMapKeyRef) {
          const value = configMaps.get(ref.configMapKeyRef.name ?? '')?.[ref.configMapKeyRef.key];
          if (value === undefined) problems.push(`${cwhere}: ${variable.name} refers to ConfigMap key ${ref.configMapKeyRef.name}/${ref.configMapKeyRef.key}, which is not defined`);
          else env[variable.name] = value;
        } else {
          env[variable.name] = variable.value ?? '';
        }
      }
      for (const secret of SECRET_VARIABLES) {
        if (env[secret] !== undefined && !(container.env ?? []).some((v) => v.name === secret && v.valueFrom?.secretKeyRef)) {
          problems.push(`${cwhere}: ${secret} is set without a secretKeyRef`);
        }
      }
      problems.push(...checkAppEnvironment(cwhere, entry.app, env, files));

      // Ports: declared container ports are what the image exposes and the app listens on.
      const listens = listenPort(entry.app, env);
      for (const port of container.ports ?? []) {
        if (!entry.stage.expose.includes(port.containerPort)) problems.push(`${cwhere}: containerPort ${port.containerPort} is not a port target ${image[1]} EXPOSEs (${entry.stage.expose.join(', ') || 'none'})`);
        if (port.containerPort !== listens) problems.push(`${cwhere}: containerPort ${port.containerPort} but the app listens on ${listens}`);
      }

      // Probes: HTTP only where the app serves HTTP, on a declared port, on a path the health controller serves.
      const probes = { livenessProbe: container.livenessProbe, readinessProbe: container.readinessProbe, startupProbe: container.startupProbe };
      for (const [kind, probe] of Object.entries(probes)) {
        if (!probe) continue;
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
        if (port !== undefined) {
          if (entry.stage.expose.length === 0) problems.push(`${cwhere}: ${kind} probes a port, but target ${image[1]} serves no port`);
          const declared = (container.ports ?? []).some((p) => p.name === port || p.containerPort === port);
          if (!declared) problems.push(`${cwhere}: ${kind} port ${port} is not a declared container port`);
        }
        if (probe.httpGet) {
          const path = probe.httpGet.path ?? '/';
          if (!files.healthRoutes.includes(path)) problems.push(`${cwhere}: ${kind} path ${path} is not served by the API's health controller (${files.healthRoutes.join(', ')})`);
        }
      }
      if (entry.app === 'api') {
        if (container.livenessProbe?.httpGet?.path !== '/health/live') problems.push(`${cwhere}: livenessProbe must GET /health/live`);
        if (container.readinessProbe?.httpGet?.path !== '/health/ready') problems.push(`${cwhere}: readinessProbe must GET /health/ready`);
      }
    }
  }

  for (const app of SERVICE_APPS) if (!deployedApps.has(app)) problems.push(`deploy/k8s: no Deployment runs the ${app} app`);
  const worker = deployedApps.get('worker');
  if (worker && (worker.spec.replicas !== 1 || worker.spec.strategy?.type !== 'Recreate')) {
    problems.push(`Deployment/${worker.name}: the worker must run as exactly one replica with strategy Recreate (projections have no leader lock)`);
  }

  const api = deployedApps.get('api');
  for (const { file, object } of byKind('Service')) {
    const spec = (object.spec ?? {}) as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] };
    const where = `${file} Service/${object.metadata.name}`;
    const target = [...deployedApps.values()].find((d) => matches(spec.selector, d.spec.template?.metadata?.labels));
    if (!target) {
      problems.push(`${where}: its selector matches no Deployment's pods`);
      continue;
    }
    for (const port of spec.ports ?? []) {
      const targetPort = port.targetPort ?? port.port;
      if (!(target.container.ports ?? []).some((p) => p.name === targetPort || p.containerPort === targetPort)) {
        problems.push(`${where}: targetPort ${targetPort} is not a container port of Deployment/${target.name}`);
      }
    }
  }
  if (api && !byKind('Service').some((s) => matches((s.object.spec as { selector?: Record<string, string> })?.selector, api.spec.template?.metadata?.labels))) {
    problems.push('deploy/k8s: no Service selects the api pods');
  }

  for (const { file, object } of byKind('HorizontalPodAutoscaler')) {
    const spec = (object.spec ?? {}) as { scaleTargetRef?: { kind?: string; name?: string }; metrics?: { type: string; resource?: { name: string } }[]; minReplicas?: number; maxReplicas?: number };
    const where = `${file} HorizontalPodAutoscaler/${object.metadata.name}`;
    const target = [...deployedApps.entries()].find(([, d]) => spec.scaleTargetRef?.kind === 'Deployment' && d.name === spec.scaleTargetRef?.name);
    if (!target) {
      problems.push(`${where}: scaleTargetRef ${spec.scaleTargetRef?.kind}/${spec.scaleTargetRef?.name} is not a Deployment here`);
      continue;
    }
    if (target[0] !== 'api') problems.push(`${where}: only the stateless api may be autoscaled (targets ${target[0]})`);
    if ((spec.minReplicas ?? 1) > (spec.maxReplicas ?? 0)) problems.push(`${where}: minReplicas exceeds maxReplicas`);
    for (const metric of spec.metrics ?? []) {
      const resource = metric.resource?.name;
      if (metric.type === 'Resource' && resource && target[1].container.resources?.requests?.[resource] === undefined) {
        problems.push(`${where}: scales on ${resource} utilisation but the container sets no ${resource} request`);
      }
    }
  }
  if (api && !byKind('HorizontalPodAutoscaler').length) problems.push('deploy/k8s: no HorizontalPodAutoscaler for the api');
  return problems;
}
