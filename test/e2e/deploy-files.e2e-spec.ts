import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { envAssignments, parseDockerfile } from '../../scripts/dockerfile.js';
import { ENV_SCHEMA } from '../../src/config/env.schema.js';
import { BackendProcess } from '../support/backend.js';
import { repoRoot } from '../support/paths.js';
import {
  createDatabase,
  createTarget,
  realPostgresReachable,
  TARGET,
  testId,
  type TestDatabase,
  type TestTarget,
} from '../support/target.js';

/**
 * No Docker engine or cluster runs here. The image build itself is replayed in CI (scripts/replay-image-build.ts:
 * context, stages, the runtime's contents, start, health check, stop); this spec checks what a build cannot, the
 * deployment files against the application: ports, probe and scrape paths (the running backend's real routes),
 * environment variable names (the configuration schema), commands (the built files and package.json), and the
 * policies the files state (non-root, liveness health check, grace periods, replicas). Each check is a function
 * returning problems, run on the real files (none expected) and on broken copies (each must be caught), so none of
 * them can pass by accident.
 */

type Doc = Record<string, any>;

/** What the application really is: read from the schema, package.json, the build and the running backend. */
interface AppFacts {
  envNames: Set<string>;
  secretEnv: Set<string>;
  /** Paths the running backend answers 200 on (GET). */
  routes: Set<string>;
  defaultPort: number;
  defaultShutdownTimeoutMs: number;
  /** A path relative to the repository root exists (built files: after `npm run build`). */
  exists: (path: string) => boolean;
  scripts: Record<string, string>;
}

function envProblems(where: string, names: Iterable<string>, facts: AppFacts): string[] {
  return [...names]
    .filter((n) => !facts.envNames.has(n))
    .map((n) => `${where}: ${n} is not a configuration variable (src/config/env.schema.ts)`);
}

/** `node <file>` must run a built file; `npm run <script>` must name a script that needs no dev tools. */
function commandProblems(where: string, command: unknown, facts: AppFacts): string[] {
  if (!Array.isArray(command) || command.length === 0) return [`${where}: command must be an exec-form list`];
  const [program, ...args] = command as string[];
  if (program === 'node') {
    return facts.exists(args[0]) ? [] : [`${where}: ${args[0]} is not a built file (dist/ after npm run build)`];
  }
  if (program === 'npm' && args[0] === 'run') {
    const script = facts.scripts[args[1]];
    if (script === undefined) return [`${where}: npm script ${args[1]} does not exist`];
    // A script that builds (directly, or through the build script) needs the dev dependencies.
    return /\b(nest|tsc)\b|\bnpm run build\b/.test(script)
      ? [`${where}: npm run ${args[1]} needs dev tools the image does not have`]
      : [];
  }
  return [`${where}: unexpected program ${program}`];
}

// ---- Dockerfile ---------------------------------------------------------------------------------------------

/**
 * What a build cannot show: `node dist/scripts/replay-image-build.js` (CI) builds the image from its context, checks
 * what the runtime stage holds and starts it; this reads the policy the image states (who it runs as, what it
 * exposes, how its health is probed), which a working build would not question.
 */
export function dockerfileProblems(text: string, facts: AppFacts): string[] {
  const problems: string[] = [];
  const final = parseDockerfile(text).pop()!.instructions;
  const runs = final.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const user = final.filter((i) => i.keyword === 'USER').pop()?.args;
  if (user === undefined || /^(root|0)(:|$)/.test(user)) problems.push('Dockerfile: the runtime must run as non-root');

  const env = new Map(final.filter((i) => i.keyword === 'ENV').flatMap((i) => envAssignments(i.args)));
  problems.push(...envProblems('Dockerfile ENV', env.keys(), facts));
  const port = Number(env.get('PORT') ?? facts.defaultPort);
  const exposed = final.filter((i) => i.keyword === 'EXPOSE').map((i) => Number(i.args.split('/')[0]));
  if (!exposed.includes(port)) problems.push(`Dockerfile: EXPOSE ${exposed.join(',')} is not the PORT ${port}`);

  const health = final.find((i) => i.keyword === 'HEALTHCHECK');
  if (!health) problems.push('Dockerfile: no HEALTHCHECK');
  else {
    // Liveness, not readiness: a container must not be restarted because the database is away.
    const path = /\/health[\w/-]*/.exec(health.args)?.[0];
    if (path !== '/health/live') problems.push(`Dockerfile: HEALTHCHECK must probe /health/live, not ${path}`);
    if (path !== undefined && !facts.routes.has(path))
      problems.push(`Dockerfile: HEALTHCHECK path ${path} is no route`);
    const curlInstalled = runs.some((r) => /apt-get install[^&]*\bcurl\b|apk add[^&]*\bcurl\b/.test(r));
    if (/\bcurl\b/.test(health.args) && !curlInstalled)
      problems.push('Dockerfile: HEALTHCHECK uses curl, not installed');
  }
  return problems;
}

// ---- compose.yaml -------------------------------------------------------------------------------------------

function envOf(service: Doc): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries((env as string[]).map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]));
  }
  return Object.fromEntries(Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** "30s", "1m30s" → ms. */
function durationMs(value: unknown): number {
  let ms = 0;
  for (const [, n, unit] of String(value).matchAll(/(\d+)(ms|s|m|h)/g)) {
    ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms'];
  }
  return ms;
}

export function composeProblems(compose: Doc, facts: AppFacts, dockerDir: string): string[] {
  const problems: string[] = [];
  const services = (compose.services ?? {}) as Record<string, Doc>;
  const images = Object.values(services).map((s) => String(s.image ?? ''));
  for (const image of ['timescale/timescaledb', 'eclipse-mosquitto', 'redis']) {
    if (!images.some((i) => i.startsWith(`${image}:`))) problems.push(`compose: no ${image} service`);
  }
  const mosquitto = Object.values(services).find((s) => String(s.image ?? '').startsWith('eclipse-mosquitto'));
  const conf = ((mosquitto?.volumes ?? []) as unknown[]).map(String).find((v) => v.includes(':/mosquitto/config/'));
  if (!conf) problems.push('compose: Mosquitto does not get docker/mosquitto/mosquitto.conf');
  else if (!existsSync(join(dockerDir, conf.split(':')[0]))) problems.push(`compose: ${conf.split(':')[0]} missing`);

  const ours = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'docker/Dockerfile');
  const backends = ours.filter(([, s]) => s.command === undefined);
  const migrate = ours.filter(([, s]) => s.command !== undefined);
  for (const [name, service] of ours) {
    problems.push(...envProblems(`compose ${name}`, Object.keys(envOf(service)), facts));
    if (service.command !== undefined) problems.push(...commandProblems(`compose ${name}`, service.command, facts));
  }
  if (backends.length < 2) problems.push('compose: needs two backend replicas');
  if (migrate.length !== 1 || !JSON.stringify(migrate[0]?.[1].command).includes('migrate.cli.js')) {
    problems.push('compose: needs one migration step running migrate.cli.js');
  }
  const envs = backends.map(([, s]) => envOf(s));
  const groups = new Set(envs.map((e) => e.MQTT_SHARED_GROUP));
  if (groups.size !== 1 || groups.has(undefined as unknown as string)) {
    problems.push('compose: every backend needs the same MQTT_SHARED_GROUP');
  }
  if (new Set(envs.map((e) => e.MQTT_CLIENT_ID)).size !== envs.length || envs.some((e) => !e.MQTT_CLIENT_ID)) {
    problems.push('compose: every backend needs its own MQTT_CLIENT_ID');
  }
  if (envs.filter((e) => e.SIMULATOR_AUTOSTART === 'true').length !== 1) {
    problems.push('compose: the simulator must run on exactly one backend');
  }
  for (const [name, service] of backends) {
    const env = envOf(service);
    const port = Number(env.PORT ?? facts.defaultPort);
    for (const mapping of ((service.ports ?? []) as unknown[]).map(String)) {
      if (Number(mapping.split(':').pop()) !== port)
        problems.push(`compose ${name}: port ${mapping} is not PORT ${port}`);
    }
    const timeout = Number(env.SHUTDOWN_TIMEOUT_MS ?? facts.defaultShutdownTimeoutMs);
    if (durationMs(service.stop_grace_period ?? '10s') <= timeout) {
      problems.push(`compose ${name}: stop_grace_period must exceed SHUTDOWN_TIMEOUT_MS (${timeout} ms)`);
    }
    if (env.MQTT_BROKER_HOST === undefined || !(env.MQTT_BROKER_HOST in services)) {
      problems.push(`compose ${name}: MQTT_BROKER_HOST must name the broker service`);
    }
    const dbHost = env.DATABASE_URL === undefined ? undefined : /@([^:/]+)/.exec(env.DATABASE_URL)?.[1];
    if (dbHost === undefined || !(dbHost in services))
      problems.push(`compose ${name}: DATABASE_URL must name the database service`);
    const migrateName = migrate[0]?.[0];
    if (migrateName && service.depends_on?.[migrateName]?.condition !== 'service_completed_successfully') {
      problems.push(`compose ${name}: must start after the migration step completed`);
    }
  }
  return problems;
}

// ---- Kubernetes -------------------------------------------------------------------------------------------

function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function k8sProblems(docs: Doc[], facts: AppFacts): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  for (const kind of ['Service', 'ConfigMap', 'Secret', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Job']) {
    if (byKind(kind).length === 0) problems.push(`k8s: no ${kind}`);
  }
  const workloads = [...byKind('Deployment'), ...byKind('StatefulSet')];
  if (workloads.length !== 1) return [...problems, 'k8s: needs exactly one backend Deployment or StatefulSet'];
  const workload = workloads[0];
  const configMaps = new Map(byKind('ConfigMap').map((d) => [d.metadata.name as string, (d.data ?? {}) as Doc]));
  const secrets = new Map(
    byKind('Secret').map((d) => [d.metadata.name as string, { ...(d.stringData ?? {}), ...(d.data ?? {}) } as Doc]),
  );
  for (const [name, data] of configMaps) {
    problems.push(...envProblems(`ConfigMap ${name}`, Object.keys(data), facts));
    for (const key of Object.keys(data).filter((k) => facts.secretEnv.has(k))) {
      problems.push(`ConfigMap ${name}: ${key} is a secret; it belongs in a Secret`);
    }
  }
  for (const [name, data] of secrets) problems.push(...envProblems(`Secret ${name}`, Object.keys(data), facts));

  /** The environment a pod spec's container gets: envFrom sources (which must exist) and env. */
  const containerEnv = (where: string, container: Doc): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      const ref = from.configMapRef?.name ?? from.secretRef?.name;
      const source = from.configMapRef ? configMaps.get(ref) : secrets.get(ref);
      if (source === undefined) problems.push(`${where}: envFrom ${ref} is not defined`);
      else Object.assign(env, source);
    }
    for (const e of container.env ?? []) env[e.name] = e.value ?? '(from field)';
    problems.push(
      ...envProblems(
        where,
        ((container.env ?? []) as Doc[]).map((e) => e.name as string),
        facts,
      ),
    );
    return env;
  };
  const securityProblems = (where: string, pod: Doc, container: Doc): void => {
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot must be true`);
    if (container.securityContext?.readOnlyRootFilesystem !== true) {
      problems.push(`${where}: readOnlyRootFilesystem must be true`);
    }
    if (container.securityContext?.allowPrivilegeEscalation !== false) {
      problems.push(`${where}: allowPrivilegeEscalation must be false`);
    }
    for (const kind of ['requests', 'limits']) {
      for (const resource of ['cpu', 'memory']) {
        if (container.resources?.[kind]?.[resource] === undefined) problems.push(`${where}: no ${kind}.${resource}`);
      }
    }
  };

  const name = `${workload.kind} ${workload.metadata.name}`;
  const pod = workload.spec.template.spec as Doc;
  const podLabels = workload.spec.template.metadata.labels as Record<string, string>;
  if (!labelsMatch(workload.spec.selector?.matchLabels, podLabels)) problems.push(`${name}: selector misses its pods`);
  const [container] = pod.containers as Doc[];
  const env = containerEnv(name, container);
  securityProblems(name, pod, container);
  problems.push(...commandProblems(name, container.command ?? ['node', 'dist/src/main.js'], facts));
  const port = Number(env.PORT ?? facts.defaultPort);
  const ports = (container.ports ?? []) as Doc[];
  if (!ports.some((p) => p.containerPort === port)) problems.push(`${name}: no containerPort ${port} (PORT)`);
  const portOk = (ref: unknown) => ports.some((p) => p.name === ref || p.containerPort === ref);
  const probes: [string, string][] = [
    ['startupProbe', '/health/live'],
    ['livenessProbe', '/health/live'],
    ['readinessProbe', '/health/ready'],
  ];
  for (const [probe, path] of probes) {
    const get = container[probe]?.httpGet;
    if (get?.path !== path) problems.push(`${name}: ${probe} must GET ${path}, not ${get?.path}`);
    if (get?.path !== undefined && !facts.routes.has(get.path))
      problems.push(`${name}: ${probe} path ${get.path} is no route`);
    if (get !== undefined && !portOk(get.port))
      problems.push(`${name}: ${probe} port ${get.port} is not a container port`);
  }
  const annotations = (workload.spec.template.metadata.annotations ?? {}) as Record<string, string>;
  if (annotations['prometheus.io/path'] !== undefined && !facts.routes.has(annotations['prometheus.io/path'])) {
    problems.push(`${name}: prometheus.io/path ${annotations['prometheus.io/path']} is no route`);
  }
  if (annotations['prometheus.io/port'] !== undefined && Number(annotations['prometheus.io/port']) !== port) {
    problems.push(`${name}: prometheus.io/port is not PORT ${port}`);
  }
  const timeout = Number(env.SHUTDOWN_TIMEOUT_MS ?? facts.defaultShutdownTimeoutMs);
  if ((pod.terminationGracePeriodSeconds ?? 30) * 1000 <= timeout) {
    problems.push(`${name}: terminationGracePeriodSeconds must exceed SHUTDOWN_TIMEOUT_MS (${timeout} ms)`);
  }
  if (env.MQTT_SHARED_GROUP === undefined && (workload.spec.replicas ?? 1) > 1) {
    problems.push(`${name}: replicas without MQTT_SHARED_GROUP would each store every reading`);
  }
  if (!((container.env ?? []) as Doc[]).some((e) => e.name === 'MQTT_CLIENT_ID' && e.valueFrom?.fieldRef)) {
    problems.push(`${name}: each replica needs its own MQTT_CLIENT_ID (the pod name)`);
  }

  for (const service of byKind('Service')) {
    const where = `Service ${service.metadata.name}`;
    if (!labelsMatch(service.spec.selector, podLabels)) problems.push(`${where}: selector misses the backend pods`);
    for (const p of service.spec.ports ?? []) {
      if (!portOk(p.targetPort)) problems.push(`${where}: targetPort ${p.targetPort} is not a container port`);
    }
  }
  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = hpa.spec.scaleTargetRef;
    if (ref?.kind !== workload.kind || ref?.name !== workload.metadata.name) {
      problems.push(`HorizontalPodAutoscaler ${hpa.metadata.name}: scales ${ref?.kind} ${ref?.name}, not ${name}`);
    }
  }
  for (const pdb of byKind('PodDisruptionBudget')) {
    if (!labelsMatch(pdb.spec.selector?.matchLabels, podLabels)) {
      problems.push(`PodDisruptionBudget ${pdb.metadata.name}: selector misses the backend pods`);
    }
  }
  for (const job of byKind('Job')) {
    const where = `Job ${job.metadata.name}`;
    const jobPod = job.spec.template.spec as Doc;
    const [jobContainer] = jobPod.containers as Doc[];
    containerEnv(where, jobContainer);
    securityProblems(where, jobPod, jobContainer);
    problems.push(...commandProblems(where, jobContainer.command, facts));
    if (!JSON.stringify(jobContainer.command).includes('migrate.cli.js')) problems.push(`${where}: does not migrate`);
    if (jobContainer.image !== container.image) problems.push(`${where}: must run the backend's image`);
  }
  if (env.DATABASE_MIGRATE_ON_START !== 'false') {
    problems.push(`${name}: with a migration Job, replicas must not migrate too (DATABASE_MIGRATE_ON_START=false)`);
  }
  return problems;
}

// ---- the spec -----------------------------------------------------------------------------------------------

const root = repoRoot();
const dockerDir = join(root, 'docker');
const k8sDir = join(dockerDir, 'k8s');

function readK8s(): Doc[] {
  return readdirSync(k8sDir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(k8sDir, f), 'utf8')).map((d) => d.toJS() as Doc))
    .filter((d) => d !== null);
}

describe('deployment files match the application (docker/)', () => {
  let target: TestTarget;
  let database: TestDatabase | undefined;
  let backend: BackendProcess;
  let facts: AppFacts;

  beforeAll(async () => {
    target = await createTarget('deploy_files');
    const env: Record<string, string> = { ...target.env };
    if (TARGET === 'embedded' && (await realPostgresReachable())) {
      // Only the routes matter here: the real PostgreSQL, where one answers, starts much faster than PGlite.
      database = await createDatabase(testId('deploy_files_pg'));
      delete env.DATA_DIR;
      delete env.EMBEDDED_DATABASE_PORT;
      env.DATABASE_URL = database.url;
    }
    backend = await BackendProcess.start({ env });
    // Routes the backend documents, kept when a GET on them answers 200 now.
    const openApi = await backend.getJson<{ paths: Record<string, Doc> }>('/api/docs-json');
    const routes = new Set<string>();
    for (const path of Object.keys(openApi.paths).filter((p) => !p.includes('{'))) {
      if ((await backend.request('GET', path)).status === 200) routes.add(path);
    }
    const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    facts = {
      envNames: new Set(Object.keys(ENV_SCHEMA)),
      secretEnv: new Set(
        Object.entries(ENV_SCHEMA)
          .filter(([, s]) => 'secret' in s && s.secret)
          .map(([n]) => n),
      ),
      routes,
      defaultPort: Number(ENV_SCHEMA.PORT.default),
      defaultShutdownTimeoutMs: Number(ENV_SCHEMA.SHUTDOWN_TIMEOUT_MS.default),
      exists: (path) => existsSync(join(root, path)),
      scripts: packageJson.scripts,
    };
  });

  afterAll(async () => {
    await backend?.stop();
    await database?.dispose();
    await target?.dispose();
  });

  it('knows the real routes it checks against', () => {
    expect([...facts.routes]).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/metrics']));
    expect(facts.routes.has('/health/nope')).toBe(false);
    // The image's command is the one package.json documents for production.
    expect(facts.scripts['start:prod']).toBe('node dist/src/main.js');
    expect(facts.scripts['migration:run']).toContain('dist/src/telemetry/migrate.cli.js');
  });

  it('Dockerfile: non-root, known ENV, EXPOSE on PORT, HEALTHCHECK on liveness (the build is replayed in CI)', () => {
    const text = readFileSync(join(dockerDir, 'Dockerfile'), 'utf8');
    expect(dockerfileProblems(text, facts)).toEqual([]);
    const broken = text
      .replace('/health/live', '/health/alive')
      .replace('USER node', 'USER root')
      .replace('EXPOSE 3000', 'EXPOSE 8080')
      .replace('PORT=3000', 'PORT=3000 APP_PORT=3000')
      .replace('CMD ["node", "-e"', 'CMD ["curl", "-f"');
    expect(dockerfileProblems(broken, facts)).toEqual([
      'Dockerfile: the runtime must run as non-root',
      'Dockerfile ENV: APP_PORT is not a configuration variable (src/config/env.schema.ts)',
      'Dockerfile: EXPOSE 8080 is not the PORT 3000',
      'Dockerfile: HEALTHCHECK must probe /health/live, not /health/alive',
      'Dockerfile: HEALTHCHECK path /health/alive is no route',
      'Dockerfile: HEALTHCHECK uses curl, not installed',
    ]);
  });

  it('compose.yaml: full stack, two replicas in one shared group, simulator on one, migration first', () => {
    const text = readFileSync(join(dockerDir, 'compose.yaml'), 'utf8');
    const compose = parse(text, { merge: true }) as Doc;
    expect(composeProblems(compose, facts, dockerDir)).toEqual([]);

    const broken = parse(text, { merge: true }) as Doc;
    broken.services['backend-2'].environment.MQTT_SHARED_GROUP = 'other';
    broken.services['backend-2'].environment.SIMULATOR_AUTOSTART = 'true';
    broken.services['backend-2'].environment.MQTT_BROKER_URL = 'mqtt://mosquitto';
    broken.services['backend-1'].stop_grace_period = '10s';
    broken.services['backend-1'].ports = ['3000:8080'];
    broken.services.migrate.command = ['npm', 'run', 'migration:run'];
    expect(composeProblems(broken, facts, dockerDir)).toEqual([
      'compose migrate: npm run migration:run needs dev tools the image does not have',
      'compose backend-2: MQTT_BROKER_URL is not a configuration variable (src/config/env.schema.ts)',
      'compose: needs one migration step running migrate.cli.js',
      'compose: every backend needs the same MQTT_SHARED_GROUP',
      'compose: the simulator must run on exactly one backend',
      'compose backend-1: port 3000:8080 is not PORT 3000',
      'compose backend-1: stop_grace_period must exceed SHUTDOWN_TIMEOUT_MS (20000 ms)',
    ]);
  });

  it('k8s/: probes on real routes, schema variables only, secrets apart, grace period over the shutdown timeout', () => {
    const docs = readK8s();
    expect(docs.map((d) => String(d.kind)).sort()).toEqual([
      'ConfigMap',
      'HorizontalPodAutoscaler',
      'Job',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'Service',
      'StatefulSet',
    ]);
    expect(k8sProblems(docs, facts)).toEqual([]);

    const broken = readK8s();
    const workload = broken.find((d) => d.kind === 'StatefulSet')!;
    const container = workload.spec.template.spec.containers[0];
    container.readinessProbe.httpGet.path = '/healthz';
    container.livenessProbe.httpGet.port = 'web';
    workload.spec.template.spec.terminationGracePeriodSeconds = 10;
    delete container.securityContext.readOnlyRootFilesystem;
    const configMap = broken.find((d) => d.kind === 'ConfigMap')!;
    configMap.data.MQTT_PASSWORD = 'oops';
    configMap.data.PORT = '8080';
    broken.find((d) => d.kind === 'Job')!.spec.template.spec.containers[0].command = ['node', 'dist/migrate.js'];
    broken.find((d) => d.kind === 'HorizontalPodAutoscaler')!.spec.scaleTargetRef.kind = 'Deployment';
    expect(k8sProblems(broken, facts)).toEqual([
      'ConfigMap thermacore-config: MQTT_PASSWORD is a secret; it belongs in a Secret',
      'StatefulSet thermacore-backend: readOnlyRootFilesystem must be true',
      'StatefulSet thermacore-backend: no containerPort 8080 (PORT)',
      'StatefulSet thermacore-backend: livenessProbe port web is not a container port',
      'StatefulSet thermacore-backend: readinessProbe must GET /health/ready, not /healthz',
      'StatefulSet thermacore-backend: readinessProbe path /healthz is no route',
      'StatefulSet thermacore-backend: prometheus.io/port is not PORT 8080',
      'StatefulSet thermacore-backend: terminationGracePeriodSeconds must exceed SHUTDOWN_TIMEOUT_MS (20000 ms)',
      'HorizontalPodAutoscaler thermacore-backend: scales Deployment thermacore-backend, not StatefulSet thermacore-backend',
      'Job thermacore-migrate: dist/migrate.js is not a built file (dist/ after npm run build)',
      'Job thermacore-migrate: does not migrate',
    ]);
  });
});
