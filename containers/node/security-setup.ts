/**
 * The MX security policy (issue #4 B): settings in SQL (a change on one node applies to all;
 * config values are bootstrap defaults), DNS through the Resolver port, scanner clients.
 */
import type { Logger } from 'pino';
import { OverrideResolver } from '../../core/adapters/dns/override-resolver';
import { SystemResolver } from '../../core/adapters/dns/system-resolver';
import { ClamdClient } from '../../core/adapters/scanners/clamd-client';
import { RspamdClient } from '../../core/adapters/scanners/rspamd-client';
import { SpamdClient } from '../../core/adapters/scanners/spamd-client';
import { parseEndpoint } from '../../core/adapters/scanners/tcp-exchange';
import type { Resolver } from '../../core/ports/resolver';
import { InboundSecurity } from '../../core/security/inbound-security';
import { SecuritySettingsStore } from '../../core/security/settings-store';
import type { NodeConfig } from './config';
import type { Storage } from './storage';

export interface SecuritySetup {
  security: InboundSecurity;
  settings: SecuritySettingsStore;
  /** The resolver of the security checks (also the relay's). */
  resolver: Resolver;
}

/** `resolver`: an injected DNS resolver (tests); else the configured overrides, or the system's. */
export function createSecurity(
  config: NodeConfig,
  storage: Storage,
  log: Logger,
  resolver: Resolver | undefined,
): SecuritySetup {
  const settings = new SecuritySettingsStore(
    storage.db,
    { 'relay.networks': config.smtp.relayNetworks },
    config.security.settingsCacheSeconds,
  );
  const securityResolver: Resolver =
    resolver ??
    (Object.keys(config.relay.resolverOverrides).length > 0
      ? new OverrideResolver(config.relay.resolverOverrides)
      : new SystemResolver());
  const scanTimeoutMs = config.security.scanTimeoutMs;
  const security = new InboundSecurity({
    db: storage.db,
    settings,
    resolver: securityResolver,
    hostname: config.hostname,
    log: log.child({ component: 'security' }),
    scanners: {
      rspamd: new RspamdClient(config.security.rspamdUrl, {
        timeoutMs: scanTimeoutMs,
        password: config.security.rspamdPassword,
      }),
      spamd: new SpamdClient(parseEndpoint(config.security.spamdAddress, 783), { timeoutMs: scanTimeoutMs }),
      clamd: new ClamdClient(parseEndpoint(config.security.clamdAddress, 3310), { timeoutMs: scanTimeoutMs }),
    },
  });
  return { security, settings, resolver: securityResolver };
}
