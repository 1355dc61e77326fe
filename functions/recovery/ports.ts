import type { ActionRecord, Signal } from '../../core/recovery/types';

/** One ECS service as the recovery function knows it (from the RECOVERY_CONFIG environment). */
export interface ServiceConfig {
  /** Topology service name (`mx`, `access`, …). */
  readonly name: string;
  /** ECS service name. */
  readonly ecsServiceName: string;
  readonly roles: readonly string[];
  readonly minCount: number;
  readonly maxCount: number;
}

export interface QueueConfig {
  readonly queueArn: string;
  readonly deadLetterQueueArn: string;
}

export interface RecoveryConfig {
  readonly stage: string;
  readonly clusterName: string;
  readonly services: readonly ServiceConfig[];
  readonly queues: Readonly<Record<string, QueueConfig>>;
  readonly queueConsumers: Readonly<Record<string, string>>;
}

export interface ServiceRuntime {
  readonly desired: number;
  readonly running: number;
  readonly deploying: boolean;
}

/** Everything the recovery function does to the outside world (implemented in aws-actions.ts). */
export interface RecoveryActuator {
  /** Desired and running task counts per ECS service name, and whether a deployment is under way. */
  describeServices(ecsServiceNames: readonly string[]): Promise<Record<string, ServiceRuntime>>;
  /** Task ids (last ARN segment) behind unhealthy targets of a target group, within one ECS service. */
  unhealthyTasks(targetGroupArn: string, ecsServiceName: string): Promise<string[]>;
  /** Stops one task of the cluster; its service starts a replacement. */
  stopTask(taskId: string, reason: string): Promise<void>;
  /**
   * Sets the minimum capacity of the service's Application Auto Scaling target (the autoscaler
   * owns the desired count: raising its minimum is how recovery adds tasks without a fight).
   */
  setMinimumCapacity(ecsServiceName: string, minCapacity: number): Promise<void>;
  /** Replaces every task of the service through a new deployment (same task definition). */
  redeployService(ecsServiceName: string): Promise<void>;
  /** Moves messages from a dead-letter queue back to its source queue (SQS StartMessageMoveTask). */
  redrive(deadLetterQueueArn: string, sourceQueueArn: string): Promise<void>;
  publish(subject: string, message: string): Promise<void>;
  /** Signals and actions recorded since `sinceMs`. */
  loadHistory(sinceMs: number): Promise<{ signals: Signal[]; actions: ActionRecord[] }>;
  recordSignals(signals: readonly Signal[]): Promise<void>;
  /**
   * Claims an action key until `until` (a conditional write): false when another invocation holds
   * it, which makes concurrent invocations perform an action at most once per cooldown.
   */
  claim(record: ActionRecord, until: number): Promise<boolean>;
}
