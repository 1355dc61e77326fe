import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { EventBridgeHeartbeat, ecsTaskArn } from '../../core/adapters/aws/eventbridge-heartbeat';
import { ClusterRegistry, reapDeadNodes, type NodeRegistration } from '../../core/cluster/registry';
import type { Spool } from '../../core/ports/spool';
import type { SqlExecutor } from '../../core/ports/sql';

export const NIMBUS_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

export interface ClusterMemberOptions {
  db: SqlExecutor;
  spool: Spool;
  registration: Omit<NodeRegistration, 'version'>;
  sessions: () => Record<string, number>;
  /** Called when the node starts draining (operator flag in SQL, or SIGTERM). */
  onDrain: () => Promise<void>;
  /** Called when an operator clears the flag again (`nimbus cluster drain --undo`). */
  onUndrain: () => void;
  /**
   * On AWS (NIMBUS_CLUSTER_EVENT_BUS): each peer this node declares dead is reported to EventBridge
   * for the recovery function, and the node registers its ECS task ARN (from the task metadata
   * endpoint) so that peers can name its task. Publishing failures are logged, never fatal.
   */
  events?: { eventBus: string; stage: string; metadataUri?: string };
  log: Logger;
}

/**
 * A node's membership of the cluster: registers in SQL, writes a heartbeat every interval,
 * follows the draining flag an operator sets (`nimbus cluster drain`), and declares silent peers
 * dead, releasing their spool leases so their jobs are redone now.
 */
export class ClusterMember {
  readonly registry: ClusterRegistry;
  private timer: NodeJS.Timeout | null = null;
  private drainStarted: Promise<void> | null = null;
  /** Only a drain the operator asked for through the registry can be undone; a shutdown cannot. */
  private drainFromRegistry = false;
  private ticking: Promise<void> | null = null;

  private readonly peerEvents: EventBridgeHeartbeat | null;

  private constructor(private readonly options: ClusterMemberOptions) {
    this.registry = new ClusterRegistry(options.db);
    this.peerEvents = options.events
      ? new EventBridgeHeartbeat({ ...options.events, nodeId: options.registration.id })
      : null;
  }

  static async start(options: ClusterMemberOptions): Promise<ClusterMember> {
    const member = new ClusterMember(options);
    const taskArn =
      options.registration.taskArn ??
      (options.events
        ? await ecsTaskArn(options.events.metadataUri ?? process.env.ECS_CONTAINER_METADATA_URI_V4)
        : undefined);
    await member.registry.register({ ...options.registration, taskArn, version: NIMBUS_VERSION });
    member.timer = setInterval(() => {
      if (!member.ticking) member.ticking = member.tick().finally(() => (member.ticking = null));
    }, options.registration.heartbeatSeconds * 1000);
    member.timer.unref();
    return member;
  }

  get id(): string {
    return this.options.registration.id;
  }

  get draining(): boolean {
    return this.drainStarted !== null;
  }

  /** Starts draining (idempotent): /healthz answers 503, spool workers take no new jobs. */
  drain(reason: string): Promise<void> {
    this.drainFromRegistry = false;
    return this.startDrain(reason);
  }

  private startDrain(reason: string): Promise<void> {
    if (!this.drainStarted) {
      this.options.log.warn({ reason }, 'node draining: health check 503, no new spool jobs');
      this.drainStarted = Promise.all([
        this.registry.setDraining(this.id, true).catch(() => false),
        this.options.onDrain(),
      ]).then(() => undefined);
    }
    return this.drainStarted;
  }

  /** One heartbeat: write ours, follow the draining flag, reap dead peers. */
  async tick(): Promise<void> {
    const { log } = this.options;
    try {
      const beat = await this.registry.heartbeat(this.id, this.options.sessions());
      if (beat.wasDead) log.warn('this node had been declared dead by a peer; it is back');
      if (beat.draining && !this.draining) {
        this.drainFromRegistry = true;
        void this.startDrain('draining flag set in the cluster registry');
      } else if (!beat.draining && this.draining && this.drainFromRegistry) {
        await this.undrain();
      }
      for (const reaped of await reapDeadNodes(this.registry, this.options.spool, this.id)) {
        log.warn(reaped, 'peer declared dead (heartbeat missing): its spool leases were released');
        await this.reportPeer(reaped.nodeId);
      }
    } catch (error) {
      log.warn({ err: error }, 'cluster heartbeat failed');
    }
  }

  private async reportPeer(nodeId: string): Promise<void> {
    const events = this.peerEvents;
    if (!events) return;
    try {
      const peer = await this.registry.get(nodeId);
      if (peer) await events.peerMissing(peer);
    } catch (error) {
      this.options.log.warn({ err: error, nodeId }, 'could not publish the peer-missing event');
    }
  }

  /** The operator cleared the flag: health 200 again and the spool workers resume. */
  private async undrain(): Promise<void> {
    await this.drainStarted;
    this.drainStarted = null;
    this.drainFromRegistry = false;
    this.options.onUndrain();
    this.options.log.warn('node undrained: health check 200, spool workers resumed');
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await this.registry.markStopped(this.id).catch(() => undefined);
    this.peerEvents?.destroy();
  }
}
