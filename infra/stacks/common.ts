import { RemovalPolicy } from 'aws-cdk-lib';
import type { StageConfig } from '../config/stages';

/** RETAIN where the stage is protected (staging, prod), DESTROY on throw-away stages. */
export function removalPolicyFor(stage: StageConfig): RemovalPolicy {
  return stage.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/** Stable prefix for physical names (queues, alarms): nimbus-<stage>. */
export function namePrefix(stage: StageConfig): string {
  return `nimbus-${stage.name}`;
}
