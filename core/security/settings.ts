import { isIPv4, isIPv6 } from '../util/ip';

/**
 * The security policy (what the original product's "Security Wizard" set): relay control,
 * denial-of-service limits, inbound authentication, DNSBL, greylisting, anti-spam and anti-virus.
 *
 * Settings are flat dotted keys. Every key has a default; the directory (SQL) holds overrides for
 * the whole installation (scope "*") and, for keys marked `perDomain`, for one hosted domain.
 * Effective value for a domain = domain row ?? global row ?? bootstrap (config) ?? default.
 */

/** What to do with a message a check flagged, from mildest to strictest. */
export type MessageAction = 'none' | 'tag' | 'junk' | 'quarantine' | 'reject';
export const ACTION_RANK: Record<MessageAction, number> = {
  none: 0,
  tag: 1,
  junk: 2,
  quarantine: 3,
  reject: 4,
};

export type SettingValue = boolean | number | string | string[];

type Kind =
  | { type: 'bool' }
  | { type: 'int'; min: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'cidrs' }
  | { type: 'zones' };

export interface SettingDefinition {
  key: string;
  kind: Kind;
  default: SettingValue;
  /** May be overridden per hosted domain (otherwise global only). */
  perDomain: boolean;
  description: string;
}

const int = (min: number, max: number): Kind => ({ type: 'int', min, max });
const oneOf = (...values: string[]): Kind => ({ type: 'enum', values });

export const SETTINGS: readonly SettingDefinition[] = [
  // Relay control
  {
    key: 'relay.networks',
    kind: { type: 'cidrs' },
    default: [],
    perDomain: false,
    description:
      'friendly networks/hosts that may relay without AUTH (the cluster nodes); bootstrap default: smtp.relayNetworks',
  },
  // Denial-of-service limits
  {
    key: 'rate.window',
    kind: int(1, 86_400),
    default: 60,
    perDomain: false,
    description: 'length in seconds of the rate-limit window',
  },
  {
    key: 'rate.ip.messages',
    kind: int(0, 1_000_000),
    default: 300,
    perDomain: false,
    description: 'messages (MAIL commands) per client IP per window; 0 = unlimited',
  },
  {
    key: 'rate.ip.connections',
    kind: int(0, 1_000_000),
    default: 0,
    perDomain: false,
    description: 'new connections per client IP per window; 0 = unlimited',
  },
  {
    key: 'rate.user.messages',
    kind: int(0, 1_000_000),
    default: 300,
    perDomain: false,
    description: 'messages per authenticated user per window; 0 = unlimited',
  },
  {
    key: 'tarpit.after',
    kind: int(0, 1000),
    default: 3,
    perDomain: false,
    description: 'errors in a session before replies are delayed; 0 = never tarpit',
  },
  {
    key: 'tarpit.delayMs',
    kind: int(0, 600_000),
    default: 2000,
    perDomain: false,
    description: 'delay added per error beyond tarpit.after (grows linearly)',
  },
  {
    key: 'tarpit.maxDelayMs',
    kind: int(0, 600_000),
    default: 20_000,
    perDomain: false,
    description: 'upper bound of one tarpit delay',
  },
  // Inbound authentication
  {
    key: 'auth.check',
    kind: { type: 'bool' },
    default: true,
    perDomain: false,
    description: 'check SPF, DKIM, DMARC and ARC of inbound mail and add Authentication-Results',
  },
  {
    key: 'dmarc.enforce',
    kind: { type: 'bool' },
    default: true,
    perDomain: true,
    description: "apply the sender domain's DMARC policy: p=reject → 550 5.7.1, p=quarantine → Junk",
  },
  {
    key: 'spf.failAction',
    kind: oneOf('none', 'tag', 'junk', 'quarantine', 'reject'),
    default: 'none',
    perDomain: true,
    description: 'action on an SPF hard fail (-all) that DMARC did not already decide',
  },
  // DNSBL
  {
    key: 'dnsbl.zones',
    kind: { type: 'zones' },
    default: [],
    perDomain: false,
    description: 'DNS block lists queried for every client address, e.g. zen.spamhaus.org',
  },
  {
    key: 'dnsbl.action',
    kind: oneOf('reject', 'tag'),
    default: 'reject',
    perDomain: false,
    description: 'reject: 554 5.7.1 at connect; tag: accept and add X-Nimbus-DNSBL',
  },
  // Greylisting
  {
    key: 'greylisting',
    kind: { type: 'bool' },
    default: false,
    perDomain: true,
    description: 'defer the first delivery attempt of an unknown (network, sender, recipient) triplet',
  },
  {
    key: 'greylisting.delay',
    kind: int(0, 86_400),
    default: 300,
    perDomain: false,
    description: 'seconds a new triplet is deferred (451 4.7.1) before a retry passes',
  },
  {
    key: 'greylisting.expireDays',
    kind: int(1, 3650),
    default: 35,
    perDomain: false,
    description: 'days a triplet is remembered after its last use',
  },
  // Anti-spam
  {
    key: 'spam',
    kind: oneOf('off', 'rspamd', 'spamd'),
    default: 'off',
    perDomain: true,
    description: 'spam scanner: rspamd (HTTP /checkv2) or SpamAssassin spamd (SPAMC protocol)',
  },
  {
    key: 'spam.action',
    kind: oneOf('tag', 'junk', 'quarantine', 'reject'),
    default: 'junk',
    perDomain: true,
    description: 'what to do with spam: add headers only, file into Junk, quarantine, or 550 at DATA',
  },
  {
    key: 'spam.onError',
    kind: oneOf('accept', 'tempfail'),
    default: 'accept',
    perDomain: true,
    description: 'when the scanner is unreachable: accept unscanned, or 451 4.7.0',
  },
  // Anti-virus
  {
    key: 'av',
    kind: oneOf('off', 'clamd'),
    default: 'off',
    perDomain: true,
    description: 'virus scanner: ClamAV clamd (INSTREAM)',
  },
  {
    key: 'av.action',
    kind: oneOf('tag', 'junk', 'quarantine', 'reject'),
    default: 'reject',
    perDomain: true,
    description: 'what to do with an infected message',
  },
  {
    key: 'av.onError',
    kind: oneOf('accept', 'tempfail'),
    default: 'tempfail',
    perDomain: true,
    description: 'when clamd is unreachable: accept unscanned, or 451 4.7.0',
  },
  // Password policy (core/security/password-policy.ts): every path that sets a password.
  {
    key: 'password.minLength',
    kind: int(8, 128),
    default: 10,
    perDomain: true,
    description: 'characters a new password needs at least',
  },
  {
    key: 'password.minScore',
    kind: int(0, 4),
    default: 3,
    perDomain: true,
    description: 'zxcvbn strength score (0-4) a new password needs at least',
  },
];

export const SETTING_BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));

/** The effective policy for one scope (a domain, or global), as typed fields. */
export interface SecuritySettings {
  relayNetworks: string[];
  rateWindow: number;
  rateIpMessages: number;
  rateIpConnections: number;
  rateUserMessages: number;
  tarpitAfter: number;
  tarpitDelayMs: number;
  tarpitMaxDelayMs: number;
  authCheck: boolean;
  dmarcEnforce: boolean;
  spfFailAction: MessageAction;
  dnsblZones: string[];
  dnsblAction: 'reject' | 'tag';
  greylisting: boolean;
  greylistingDelay: number;
  greylistingExpireDays: number;
  spam: 'off' | 'rspamd' | 'spamd';
  spamAction: MessageAction;
  spamOnError: 'accept' | 'tempfail';
  av: 'off' | 'clamd';
  avAction: MessageAction;
  avOnError: 'accept' | 'tempfail';
  passwordMinLength: number;
  passwordMinScore: number;
}

export function toSettings(values: ReadonlyMap<string, SettingValue>): SecuritySettings {
  const v = <T extends SettingValue>(key: string) => values.get(key) as T;
  return {
    relayNetworks: v('relay.networks'),
    rateWindow: v('rate.window'),
    rateIpMessages: v('rate.ip.messages'),
    rateIpConnections: v('rate.ip.connections'),
    rateUserMessages: v('rate.user.messages'),
    tarpitAfter: v('tarpit.after'),
    tarpitDelayMs: v('tarpit.delayMs'),
    tarpitMaxDelayMs: v('tarpit.maxDelayMs'),
    authCheck: v('auth.check'),
    dmarcEnforce: v('dmarc.enforce'),
    spfFailAction: v('spf.failAction'),
    dnsblZones: v('dnsbl.zones'),
    dnsblAction: v('dnsbl.action'),
    greylisting: v('greylisting'),
    greylistingDelay: v('greylisting.delay'),
    greylistingExpireDays: v('greylisting.expireDays'),
    spam: v('spam'),
    spamAction: v('spam.action'),
    spamOnError: v('spam.onError'),
    av: v('av'),
    avAction: v('av.action'),
    avOnError: v('av.onError'),
    passwordMinLength: v('password.minLength'),
    passwordMinScore: v('password.minScore'),
  };
}

export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

/** Looks a key up; throws SettingError naming the known keys when it does not exist. */
export function settingDefinition(key: string): SettingDefinition {
  const definition = SETTING_BY_KEY.get(key);
  if (!definition) {
    throw new SettingError(
      `unknown security setting "${key}" (known: ${SETTINGS.map((s) => s.key).join(', ')})`,
    );
  }
  return definition;
}

const TRUE = new Set(['on', 'true', 'yes', '1', 'enabled']);
const FALSE = new Set(['off', 'false', 'no', '0', 'disabled']);
const ZONE = /^(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;

/** Parses and validates a value given as text (CLI) or JSON (API) for `key`. */
export function parseSettingValue(key: string, input: unknown): SettingValue {
  const { kind } = settingDefinition(key);
  const text = Array.isArray(input) ? input.join(',') : String(input).trim();
  switch (kind.type) {
    case 'bool': {
      if (typeof input === 'boolean') return input;
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      throw new SettingError(`${key} must be on or off, not "${text}"`);
    }
    case 'int': {
      if (!/^\d+$/.test(text)) throw new SettingError(`${key} must be a whole number, not "${text}"`);
      const n = Number(text);
      if (n < kind.min || n > kind.max) throw new SettingError(`${key} must be ${kind.min}–${kind.max}`);
      return n;
    }
    case 'enum': {
      const lower = text.toLowerCase();
      if (!kind.values.includes(lower)) {
        throw new SettingError(`${key} must be one of ${kind.values.join(', ')}, not "${text}"`);
      }
      return lower;
    }
    case 'cidrs': {
      const list = splitList(text);
      for (const entry of list) validateCidr(key, entry);
      return list;
    }
    case 'zones': {
      const list = splitList(text).map((z) => z.toLowerCase().replace(/\.$/, ''));
      for (const zone of list) {
        if (!ZONE.test(zone)) throw new SettingError(`${key}: "${zone}" is not a DNS zone name`);
      }
      return list;
    }
  }
}

function splitList(text: string): string[] {
  if (['', 'none', '-'].includes(text.toLowerCase())) return [];
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function validateCidr(key: string, entry: string): void {
  const [address, prefix, extra] = entry.split('/');
  const v4 = isIPv4(address);
  if (extra !== undefined || (!v4 && !isIPv6(address))) {
    throw new SettingError(`${key}: "${entry}" is not an IP address or network (e.g. 10.0.0.0/8)`);
  }
  if (prefix !== undefined) {
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (v4 ? 32 : 128))
      throw new SettingError(`${key}: bad prefix in "${entry}"`);
    // Refuse "open relay by configuration" (0.0.0.0/0, ::/0 and other very wide networks).
    if (bits < (v4 ? 8 : 16))
      throw new SettingError(`${key}: "${entry}" is too wide to be a friendly network`);
  }
}

/** A value as text, for `nimbus security show`. */
export function formatSettingValue(value: SettingValue): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}
