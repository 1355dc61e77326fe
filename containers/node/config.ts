/** Loading a node's configuration: defaults < config file < environment < command-line flags. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_SETTINGS } from './config-env';
import { configSchema, type NodeConfig } from './config-schema';

export { ENV_SETTINGS } from './config-env';
export { configSchema, type NodeConfig } from './config-schema';

type RawConfig = Record<string, unknown>;

function setPath(target: RawConfig, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as RawConfig;
  }
  node[keys[keys.length - 1]] = value;
}

function merge(base: RawConfig, extra: RawConfig): RawConfig {
  const out: RawConfig = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof out[key] === 'object') {
      out[key] = merge(out[key] as RawConfig, value as RawConfig);
    } else if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the configuration from a JSON config file, the environment and command-line settings
 * (dotted keys such as "ports.smtp"). Any bad value fails with a message naming the setting.
 */
export function loadConfig(options: {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}): NodeConfig {
  let raw: RawConfig = {};
  const env = options.env ?? process.env;
  const configFile = options.configFile ?? env.NIMBUS_CONFIG;
  if (configFile) {
    try {
      raw = JSON.parse(readFileSync(configFile, 'utf8')) as RawConfig;
    } catch (error) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(error as Error).message}`);
    }
  }
  const fromEnv: RawConfig = {};
  for (const [name, key] of Object.entries(ENV_SETTINGS)) {
    if (env[name] !== undefined && env[name] !== '') setPath(fromEnv, key, env[name]);
  }
  const fromFlags: RawConfig = {};
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(fromFlags, key, value);
  }
  const parsed = configSchema.safeParse(merge(merge(raw, fromEnv), fromFlags));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid setting ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.dataDir) };
}
