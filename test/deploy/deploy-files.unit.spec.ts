/**
 * The deployment files (Dockerfile, docker-compose.yml, deploy/k8s) cannot run here (no Docker engine, no cluster),
 * so they are checked: against their vendored schemas (deploy/schemas) and against the code they deploy (config
 * variables, health routes, build output paths, ports, secrets). The second half breaks a copy of each file in
 * memory and expects the matching check to say so, so none of these checks can pass by accident.
 */
import 'reflect-metadata';
import { join, posix } from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { HealthController } from '../../apps/api/src/platform/health/health.controller';
import {
  DeployFiles,
  SchemaValidators,
  checkCompose,
  checkDockerfile,
  checkKubernetes,
  interpolate,
  loadDeployFiles,
  parseYaml,
} from './deploy-files';

const ROOT = join(__dirname, '..', '..');

/** GET routes of the API's health controller, read from Nest's route metadata. */
function healthRoutes(): string[] {
  const base = Reflect.getMetadata(PATH_METADATA, HealthController) as string;
  const prototype = HealthController.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype).flatMap((name) => {
    const handler = prototype[name];
    if (typeof handler !== 'function' || name === 'constructor') return [];
    const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
    if (path === undefined || Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) return [];
    return [posix.join('/', base, path)];
  });
}

const files = loadDeployFiles(ROOT, healthRoutes());
const schemas = new SchemaValidators(join(ROOT, 'deploy', 'schemas'));

/** All problems of every check, as a reviewer would run them. */
function allProblems(f: DeployFiles): string[] {
  return [...schemas.validateCompose(f.compose), ...schemas.validateKubernetes(f.kubernetes), ...checkDockerfile(f).problems, ...checkCompose(f), ...checkKubernetes(f)];
}

/** A deep copy of the parsed files for one mutation. */
function copy(): DeployFiles {
  return { ...files, compose: structuredClone(files.compose), kubernetes: structuredClone(files.kubernetes), nestCli: structuredClone(files.nestCli) };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mutations poke into parsed YAML
const service = (f: DeployFiles, name: string): Json => (f.compose as Json).services[name];
const k8s = (f: DeployFiles, kind: string, name: string): Json => {
  const found = f.kubernetes.find(({ doc }) => (doc as Json).kind === kind && (doc as Json).metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found.doc as Json;
};
const container = (f: DeployFiles, deployment: string): Json => k8s(f, 'Deployment', deployment).spec.template.spec.containers[0];
const envVar = (c: Json, name: string): Json => c.env.find((e: Json) => e.name === name);

describe('deployment files as they are', () => {
  it('the health controller serves the probe paths the files use', () => {
    expect(healthRoutes().sort()).toEqual(['/health/live', '/health/ready']);
  });

  it('docker-compose.yml is valid against the Compose specification schema', () => {
    expect(schemas.validateCompose(files.compose)).toEqual([]);
  });

  it('every Kubernetes manifest is valid against the schema of its kind', () => {
    const kinds = files.kubernetes.map(({ doc }) => `${(doc as Json).apiVersion}/${(doc as Json).kind}`).sort();
    expect(kinds).toEqual(['apps/v1/Deployment', 'apps/v1/Deployment', 'autoscaling/v2/HorizontalPodAutoscaler', 'v1/ConfigMap', 'v1/Secret', 'v1/Service']);
    expect(schemas.validateKubernetes(files.kubernetes)).toEqual([]);
  });

  it('the Dockerfile has one target per app, each running that app’s build output', () => {
    const { problems, targets } = checkDockerfile(files);
    expect(problems).toEqual([]);
    expect(Object.fromEntries([...targets].map(([target, { app }]) => [target, app]))).toEqual({
      api: 'api',
      worker: 'worker',
      ops: 'ops',
      'provider-sandbox': 'provider-sandbox',
    });
  });

  it('docker-compose.yml runs those targets with a configuration the service accepts (EventStoreDB, Kafka KRaft, Postgres)', () => {
    expect(checkCompose(files)).toEqual([]);
    expect(service(files, 'api').environment.EVENTSTORE_CONNECTION_STRING).toMatch(/^esdb:\/\/eventstore:2113/);
    expect(service(files, 'worker').environment.EVENTSTORE_CONNECTION_STRING).toMatch(/^esdb:\/\/eventstore:2113/);
  });

  it('the Kubernetes manifests are consistent with the images, the config, the health routes and each other', () => {
    expect(checkKubernetes(files)).toEqual([]);
  });
});

describe('each check fails on a broken copy', () => {
  const cases: [string, (f: DeployFiles) => void, RegExp][] = [
    // schemas
    ['compose: misspelt key', (f) => (service(f, 'api').enviroment = {}), /services\/api: must NOT have additional properties.*enviroment/],
    ['compose: unknown depends_on condition', (f) => (service(f, 'api').depends_on.postgres.condition = 'service_healty'), /depends_on\/postgres\/condition: must be equal to one of the allowed values/],
    ['k8s: misspelt probe field', (f) => (container(f, 'payments-api').readinesProbe = {}), /Deployment\/payments-api\/.*must NOT have additional properties.*readinesProbe/],
    ['k8s: non-string ConfigMap value', (f) => (k8s(f, 'ConfigMap', 'payments-config').data.KAFKA_REPLICATION_FACTOR = 3), /ConfigMap\/payments-config\/data\/KAFKA_REPLICATION_FACTOR: must be string/],
    ['k8s: non-string env value', (f) => (envVar(container(f, 'payments-api'), 'PORT').value = 3000), /env\/0\/value: must be string/],
    ['k8s: unknown HPA target type', (f) => (k8s(f, 'HorizontalPodAutoscaler', 'payments-api').spec.metrics[0].resource.target.type = 'Percent'), /target\/type: must be equal to one of the allowed values/],
    ['k8s: HPA without maxReplicas', (f) => delete k8s(f, 'HorizontalPodAutoscaler', 'payments-api').spec.maxReplicas, /must have required property 'maxReplicas'/],
    ['k8s: a kind without a schema', (f) => f.kubernetes.push({ file: 'x.yaml', doc: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'x' } } }), /no schema for policy\/v1\/PodDisruptionBudget/],
    // Dockerfile
    ['Dockerfile: CMD runs a path the build does not produce', (f) => (f.dockerfile = f.dockerfile.replace('dist/apps/api/src/main.js', 'dist/apps/api/main.js')), /stage api: runs dist\/apps\/api\/main.js, which is not the build output/],
    ['Dockerfile: shell-form CMD', (f) => (f.dockerfile = f.dockerfile.replace('CMD ["node", "dist/apps/worker/src/main.js"]', 'CMD node dist/apps/worker/src/main.js')), /stage worker: CMD must use the exec \(JSON\) form/],
    ['Dockerfile: nothing runs the build', (f) => (f.dockerfile = f.dockerfile.replace('RUN npm run build', 'RUN true')), /not produced by any stage it copies dist\/ from/],
    ['Dockerfile: unpinned base image', (f) => (f.dockerfile = f.dockerfile.replace('FROM node:20.19.5-bookworm-slim AS runtime', 'FROM node:20-bookworm-slim AS runtime')), /stage runtime: base image node:20-bookworm-slim is not pinned/],
    ['Dockerfile: COPY from an unknown stage', (f) => (f.dockerfile = f.dockerfile.replace('COPY --from=build /app/dist', 'COPY --from=builder /app/dist')), /COPY --from=builder names no earlier stage/],
    ['Dockerfile: ENV the config does not know', (f) => (f.dockerfile = f.dockerfile.replace('ENV PORT=3000', 'ENV HTTP_PORT=3000')), /ENV HTTP_PORT is not a variable libs\/config knows/],
    ['Dockerfile: entry source gone', (f) => (f.exists = (path) => path !== 'apps/worker/src/main.ts'), /stage worker: worker's entry apps\/worker\/src\/main.ts does not exist/],
    ['nest-cli: app moved', (f) => (f.nestCli.projects.ops.sourceRoot = 'apps/ops/lib'), /stage ops: runs dist\/apps\/ops\/src\/main.js, which is not the build output/],
    // docker-compose.yml
    ['compose: variable the config does not know', (f) => (service(f, 'api').environment.KAFKA_BROKER = 'kafka:9092'), /services.api: KAFKA_BROKER is not a variable libs\/config knows/],
    ['compose: worker without EventStoreDB', (f) => (service(f, 'worker').environment = { ...service(f, 'worker').environment, EVENTSTORE_CONNECTION_STRING: undefined }), /services.worker: EVENTSTORE_CONNECTION_STRING is required for worker/],
    ['compose: literal secret', (f) => (service(f, 'api').environment.ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')), /services.api: ENCRYPTION_KEY must come from the environment/],
    ['compose: secret with a default', (f) => (service(f, 'api').environment.OPS_API_KEY = '${OPS_API_KEY:-pk_default_ops_key_123}'), /services.api: OPS_API_KEY must come from the environment/],
    ['compose: literal database password', (f) => (service(f, 'api').environment.DATABASE_URL = 'postgres://payments:payments@postgres:5432/payments'), /services.api: DATABASE_URL carries a literal password/],
    ['compose: value the service refuses', (f) => (service(f, 'api').environment.KAFKA_REPLICATION_FACTOR = '0'), /services.api: the service would refuse this configuration: .*KAFKA_REPLICATION_FACTOR/],
    ['compose: unknown build target', (f) => (service(f, 'api').build.target = 'apii'), /services.api: build.target apii is not an app target/],
    ['compose: image name not the target', (f) => (service(f, 'worker').image = 'payments-api:0.1.0'), /services.worker: image should be payments-worker:0.1.0/],
    ['compose: port the app does not listen on', (f) => (service(f, 'api').ports = ['8080:8080']), /services.api: publishes container port 8080, which target api does not EXPOSE/],
    ['compose: healthcheck on a missing route', (f) => (service(f, 'api').healthcheck.test = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:3000/health/readyz')"]), /healthcheck calls \/health\/readyz, which the API's health controller does not serve/],
    ['compose: command runs another app', (f) => (service(f, 'api').command = ['node', 'dist/apps/worker/src/main.js']), /services.api: command runs dist\/apps\/worker\/src\/main.js, not target api's app api/],
    ['compose: no worker', (f) => delete (f.compose as Json).services.worker, /no service runs the worker app/],
    ['compose: Kafka not in KRaft mode', (f) => (service(f, 'kafka').environment.KAFKA_PROCESS_ROLES = 'broker'), /KRaft mode/],
    ['compose: unpinned infrastructure image', (f) => (service(f, 'postgres').image = 'postgres:latest'), /services.postgres: image postgres:latest is not pinned/],
    // Kubernetes
    ['k8s: readiness probe on a missing route', (f) => (container(f, 'payments-api').readinessProbe.httpGet.path = '/healthz'), /readinessProbe path \/healthz is not served by the API's health controller/],
    ['k8s: probe on an undeclared port', (f) => (container(f, 'payments-api').livenessProbe.httpGet.port = 'web'), /livenessProbe port web is not a declared container port/],
    ['k8s: worker probe on the API port', (f) => (container(f, 'payments-worker').livenessProbe = { httpGet: { path: '/health/live', port: 3000 } }), /container worker: livenessProbe port 3000 is not a declared container port/],
    ['k8s: worker port not its WORKER_HTTP_PORT', (f) => (envVar(container(f, 'payments-worker'), 'WORKER_HTTP_PORT').value = '3002'), /containerPort 3001 but the app listens on 3002/],
    ['k8s: api without readiness probe', (f) => delete container(f, 'payments-api').readinessProbe, /readinessProbe must GET \/health\/ready/],
    ['k8s: secret as a plain value', (f) => (container(f, 'payments-api').env.find((e: Json) => e.name === 'ENCRYPTION_KEY').valueFrom = undefined), /ENCRYPTION_KEY is a secret and must come from a Secret/],
    ['k8s: secret key the Secret lacks', (f) => (envVar(container(f, 'payments-worker'), 'PLAID_SECRET').valueFrom.secretKeyRef.key = 'PLAID_SECRET_KEY'), /refers to key PLAID_SECRET_KEY, which Secret payments-secrets lacks/],
    ['k8s: secret in the ConfigMap', (f) => (k8s(f, 'ConfigMap', 'payments-config').data.PLAID_SECRET = 'not-so-secret'), /ConfigMap payments-config: PLAID_SECRET is a secret/],
    ['k8s: ConfigMap key the config does not know', (f) => (k8s(f, 'ConfigMap', 'payments-config').data.KAFKA_TOPIC_PREFX = 'x'), /KAFKA_TOPIC_PREFX is not a variable libs\/config knows/],
    ['k8s: no EventStoreDB', (f) => delete k8s(f, 'ConfigMap', 'payments-config').data.EVENTSTORE_CONNECTION_STRING, /EVENTSTORE_CONNECTION_STRING is required for api[\s\S]*EVENTSTORE_CONNECTION_STRING is required for worker/],
    ['k8s: value the service refuses', (f) => (k8s(f, 'ConfigMap', 'payments-config').data.KAFKA_BROKERS = 'kafka'), /the service would refuse this configuration: .*KAFKA_BROKERS/],
    ['k8s: unknown ConfigMap', (f) => (container(f, 'payments-api').envFrom[0].configMapRef.name = 'payments-cfg'), /envFrom ConfigMap payments-cfg is not defined/],
    ['k8s: image that is no Dockerfile target', (f) => (container(f, 'payments-api').image = 'payments-web:0.1.0'), /image payments-web:0.1.0 is not payments-<Dockerfile app target>/],
    ['k8s: image tag not the package version', (f) => (container(f, 'payments-worker').image = 'payments-worker:9.9.9'), /image tag 9.9.9 differs from package.json version/],
    ['k8s: container port the app does not listen on', (f) => (container(f, 'payments-api').ports[0].containerPort = 8080), /containerPort 8080 is not a port target api EXPOSEs/],
    ['k8s: Service targetPort that is no container port', (f) => (k8s(f, 'Service', 'payments-api').spec.ports[0].targetPort = 'metrics'), /targetPort metrics is not a container port of Deployment\/payments-api/],
    ['k8s: Service selecting nothing', (f) => (k8s(f, 'Service', 'payments-api').spec.selector = { 'app.kubernetes.io/name': 'payments' }), /Service\/payments-api: its selector matches no Deployment's pods/],
    ['k8s: Deployment selector not matching its pods', (f) => (k8s(f, 'Deployment', 'payments-api').spec.selector.matchLabels = { app: 'api' }), /Deployment\/payments-api: spec.selector.matchLabels does not select/],
    ['k8s: autoscaled worker', (f) => (k8s(f, 'HorizontalPodAutoscaler', 'payments-api').spec.scaleTargetRef.name = 'payments-worker'), /only the stateless api may be autoscaled/],
    ['k8s: HPA on CPU without a CPU request', (f) => delete container(f, 'payments-api').resources.requests.cpu, /scales on cpu utilisation but the container sets no cpu request/],
    ['k8s: two workers', (f) => (k8s(f, 'Deployment', 'payments-worker').spec.replicas = 2), /the worker must run as exactly one replica with strategy Recreate/],
    ['k8s: worker rolling update', (f) => (k8s(f, 'Deployment', 'payments-worker').spec.strategy = { type: 'RollingUpdate' }), /the worker must run as exactly one replica with strategy Recreate/],
    ['k8s: no HPA', (f) => (f.kubernetes = f.kubernetes.filter(({ doc }) => (doc as Json).kind !== 'HorizontalPodAutoscaler')), /no HorizontalPodAutoscaler for the api/],
  ];

  it.each(cases)('%s', (_name, mutate, expected) => {
    const broken = copy();
    mutate(broken);
    const problems = allProblems(broken);
    expect(problems.join('\n')).toMatch(expected);
  });

  it('the unbroken copy has no problems (so each case above is caught by its mutation alone)', () => {
    expect(allProblems(copy())).toEqual([]);
  });
});

describe('helpers', () => {
  it('resolves Compose interpolation and reports required variables that are missing', () => {
    const missing: string[] = [];
    const env = { A: 'a', EMPTY: '' };
    expect(interpolate('x-${A}-${B:-dflt}-${EMPTY:-e}-${EMPTY-kept}-$$-${C:?needed}', env, (n) => missing.push(n))).toBe('x-a-dflt-e--$-');
    expect(missing).toEqual(['C']);
  });

  it('resolves YAML merge keys the way Compose does', () => {
    const doc = parseYaml('base: &b { A: "1" }\nsvc:\n  <<: *b\n  B: "2"\n', 'inline') as Json;
    expect(doc.svc).toEqual({ A: '1', B: '2' });
    expect(() => parseYaml('a: [1', 'inline')).toThrow(/inline/);
  });
});
