/**
 * Publishes cluster events to EventBridge: "Node Heartbeat Missing" when this node declared a
 * peer dead. The node learns its own ECS task ARN from the task metadata endpoint (v4) so that
 * peers can name the task of a node that went silent.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HEARTBEAT_MISSING_EVENT, type HeartbeatMissingDetail } from '../../recovery/cluster-event';

export interface SilentPeer {
  readonly id: string;
  readonly roles: readonly string[];
  readonly taskArn: string | null;
  readonly heartbeatAt: Date;
}

export interface EventBridgeHeartbeatOptions {
  /** Event bus name or ARN (`default` for the account's default bus). */
  readonly eventBus: string;
  readonly stage: string;
  /** This node's id (the reporter). */
  readonly nodeId: string;
  readonly client?: EventBridgeClient;
}

export class EventBridgeHeartbeat {
  private readonly client: EventBridgeClient;

  constructor(private readonly options: EventBridgeHeartbeatOptions) {
    this.client = options.client ?? new EventBridgeClient({ maxAttempts: 3 });
  }

  /** Reports a peer whose heartbeat stopped; throws when EventBridge refused the entry. */
  async peerMissing(peer: SilentPeer): Promise<void> {
    const detail: HeartbeatMissingDetail = {
      stage: this.options.stage,
      nodeId: peer.id,
      ...(peer.taskArn ? { taskArn: peer.taskArn } : {}),
      role: peer.roles[0],
      roles: [...peer.roles],
      lastHeartbeatAt: peer.heartbeatAt.toISOString(),
      reportedBy: this.options.nodeId,
    };
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.options.eventBus,
            Source: HEARTBEAT_MISSING_EVENT.source,
            DetailType: HEARTBEAT_MISSING_EVENT.detailType,
            Resources: peer.taskArn ? [peer.taskArn] : [],
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    const failed = result.Entries?.find((entry) => entry.ErrorCode);
    if ((result.FailedEntryCount ?? 0) > 0 || failed) {
      throw new Error(
        `EventBridge refused the event: ${failed?.ErrorCode ?? ''} ${failed?.ErrorMessage ?? ''}`,
      );
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

/**
 * This task's ARN from the ECS task metadata endpoint v4 (`$ECS_CONTAINER_METADATA_URI_V4/task`);
 * undefined outside ECS or when the endpoint does not answer within `timeoutMs`.
 */
export async function ecsTaskArn(
  metadataUri: string | undefined = process.env.ECS_CONTAINER_METADATA_URI_V4,
  timeoutMs = 2000,
): Promise<string | undefined> {
  if (!metadataUri) return undefined;
  try {
    const response = await fetch(`${metadataUri}/task`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { TaskARN?: unknown };
    return typeof body.TaskARN === 'string' && body.TaskARN.length > 0 ? body.TaskARN : undefined;
  } catch {
    return undefined;
  }
}
