/**
 * The EventBridge event a node publishes when it declares a silent peer dead (core/cluster
 * reapDeadNodes): the recovery function's `ClusterEvents` rule matches on source and stage, and
 * functions/recovery/events.ts maps it to a `heartbeat-missing` signal. One event per dead node,
 * from the one peer whose conditional UPDATE won, rather than a heartbeat per node per interval,
 * which would invoke the function every few seconds for nothing.
 */
export const HEARTBEAT_MISSING_EVENT = {
  source: 'nimbus.cluster',
  detailType: 'Node Heartbeat Missing',
} as const;

export interface HeartbeatMissingDetail {
  readonly stage: string;
  readonly nodeId: string;
  /** The silent node's ECS task, when it registered one: the task recovery may stop. */
  readonly taskArn?: string;
  /** Its first role (the recovery function maps a role to its service) and all of them. */
  readonly role?: string;
  readonly roles: readonly string[];
  readonly lastHeartbeatAt: string;
  /** The node that noticed. */
  readonly reportedBy: string;
}
