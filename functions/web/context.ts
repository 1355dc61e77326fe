import type { AdminCommand, AdminOrigin } from '../../core/admin/admin-commands';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import type { JmapDeps } from '../../core/jmap/context';
import type { Spool } from '../../core/ports/spool';
import type { PimLimits } from '../../core/pim/pim-errors';
import type { JsonLimits } from '../../core/util/bounded-json';
import type { ListSettings } from '../../core/lists/deps';

/** Public host names and ports of the deployment (autoconfig, session URLs). */
export interface PublicEndpoints {
  /** Host name mail clients use for IMAP/POP3/SMTP. */
  mailHost: string;
  /** Base URL of the web services, e.g. https://mail.example.com (null: derive from the request). */
  webBase: string | null;
  imap: { port: number; tls: boolean } | null;
  pop3: { port: number; tls: boolean } | null;
  submission: { port: number; tls: boolean } | null;
}

/** What every web handler needs, built by a composition root (the node, or the Lambda one). */
export interface WebContext extends JmapDeps {
  spool: Spool;
  /** Runs an admin command (core/admin): the same code path as the CLI's /internal/admin; `origin` goes to the audit log. */
  admin(command: AdminCommand, origin?: AdminOrigin): Promise<unknown>;
  throttle: AuthThrottle;
  endpoints: PublicEndpoints;
  /** Whether long-held requests (EventSource) can be served: the node yes, Lambda no. */
  streaming: boolean;
  /** Cluster view for the admin API (this node; the whole cluster where a registry exists). */
  nodes(): Promise<{ nodeId: string; roles: string[]; hostname: string }[]>;
  /** Nesting depth and size bounds of JSON request bodies (default: core/util/bounded-json). */
  jsonLimits?: JsonLimits;
  /** CalDAV/CardDAV limits (the `dav` settings; default core/pim DEFAULT_PIM_LIMITS). */
  dav?: Partial<PimLimits>;
  /** Mailing-list links and token secret (containers/node/config-lists.ts); absent: the list pages answer 503. */
  lists?: ListSettings;
  /** Webmail static assets (built by esbuild); null where served from S3/CloudFront. */
  assets: (() => Promise<Map<string, { type: string; body: Buffer }>>) | null;
}
