/**
 * containers/Dockerfile checked by parsing (no Docker engine here): pinned Node LTS base (the
 * Lambda runtime's major), multi-stage, non-root runtime, no secrets, a health check, and the
 * contract entry point.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../infra/nimbus-app';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = readFileSync(path.join(REPO_ROOT, 'containers', 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const args = Object.fromEntries(
  instructions
    .filter((i) => i.keyword === 'ARG' && i.args.includes('='))
    .map((i) => i.args.split('=') as [string, string]),
);
const expand = (value: string) =>
  value.replace(/\$\{(\w+)\}/g, (_m, name: string) => args[name] ?? `\${${name}}`);
const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => expand(i.args));
const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
const runtime = instructions.slice(lastFrom);

describe('containers/Dockerfile', () => {
  it('is multi-stage, every stage on the same pinned Node 22 LTS image', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const image = from.split(/\s+/)[0];
      // node:<major.minor.patch>-<variant>, optionally @sha256:<digest>; never a floating tag.
      expect(image).toMatch(/^node:22\.\d+\.\d+-[a-z]+(-slim)?(@sha256:[a-f0-9]{64})?$/);
    }
    expect(new Set(froms.map((f) => f.split(/\s+/)[0])).size).toBe(1);
  });

  it('matches the Lambda runtime major (nodejs22.x) used by infra', () => {
    const nodeFunction = readFileSync(
      path.join(REPO_ROOT, 'infra', 'constructs', 'node-function.ts'),
      'utf8',
    );
    expect(nodeFunction).toContain('Runtime.NODEJS_22_X');
    expect(args.NODE_VERSION.split('.')[0]).toBe('22');
  });

  it('builds with containers/build.ts: the node bundle (pglite external) and prebuilt webmail assets', () => {
    const build = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('containers/build.ts'));
    expect(build?.args).toBe('npx tsx containers/build.ts dist');
    const script = readFileSync(path.join(REPO_ROOT, 'containers', 'build.ts'), 'utf8');
    expect(script).toContain("path.join(__dirname, 'node', 'cli.ts')");
    expect(script).toContain("external: ['@electric-sql/pglite', 'esbuild']");
    expect(script).toContain("target: 'node22'");
    expect(script).toContain("'webmail-assets'");
    // The runtime stage gets the whole dist/ (bundle + assets); test/integration/container-bundle
    // runs that bundle.
    expect(runtime.some((i) => i.keyword === 'COPY' && i.args === '--from=build /src/dist ./dist')).toBe(
      true,
    );
  });

  it('runs as a non-root user in the final stage', () => {
    const users = runtime.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1];
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('has a health check on /healthz and drains on SIGTERM', () => {
    const healthcheck = runtime.find((i) => i.keyword === 'HEALTHCHECK');
    expect(healthcheck?.args).toContain('/healthz');
    expect(healthcheck?.args).toContain('8080');
    expect(runtime.find((i) => i.keyword === 'STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it('starts `node dist/nimbus.js start`', () => {
    expect(JSON.parse(runtime.find((i) => i.keyword === 'ENTRYPOINT')!.args)).toEqual([
      'node',
      'dist/nimbus.js',
    ]);
    expect(JSON.parse(runtime.find((i) => i.keyword === 'CMD')!.args)).toEqual(['start']);
  });

  it('exposes the unprivileged container ports of the contract', () => {
    const exposed = runtime
      .filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map(Number)
      .sort((a, b) => a - b);
    expect(exposed).toEqual([2110, 2143, 2465, 2525, 2587, 2993, 2995, 4190, 8080]);
  });

  it('carries no secrets: no credential-like ENV/ARG, no copied key material, no .env', () => {
    for (const i of instructions.filter((x) => x.keyword === 'ENV' || x.keyword === 'ARG')) {
      expect(i.args).not.toMatch(/(PASSWORD|SECRET|TOKEN|PRIVATE|ACCESS_KEY|API_KEY)\w*\s*=/i);
    }
    for (const i of instructions.filter((x) => x.keyword === 'COPY' || x.keyword === 'ADD')) {
      expect(i.args).not.toMatch(/\.env|\.pem|\.key\b|id_rsa|\.npmrc|aws\/credentials/);
      expect(i.keyword === 'ADD' && /https?:\/\//.test(i.args)).toBe(false);
    }
    expect(dockerfile).not.toMatch(/AKIA[0-9A-Z]{16}/);
  });

  it('keeps the build context small and secret-free (.dockerignore)', () => {
    const ignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split(/\r?\n/);
    expect(ignore[ignore.findIndex((l) => l && !l.startsWith('#'))]).toBe('**');
    for (const pattern of ['**/node_modules', '**/.env', '**/*.pem']) expect(ignore).toContain(pattern);
  });
});
