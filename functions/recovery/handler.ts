/**
 * Recovery function: invoked by EventBridge for CloudWatch alarm state changes of this stage,
 * cluster events (node heartbeat missing) and a periodic re-evaluation tick. The decisions are
 * core/recovery's; this file only wires configuration and the AWS actuator.
 */
import { createAwsActuator } from './aws-actions';
import type { RecoveryEvent } from './events';
import type { RecoveryConfig } from './ports';
import { recover, type RecoveryReport } from './recover';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

const config = JSON.parse(required('RECOVERY_CONFIG')) as RecoveryConfig;
const actuator = createAwsActuator({
  clusterName: config.clusterName,
  topicArn: required('ALARM_TOPIC_ARN'),
  tableName: required('HISTORY_TABLE_NAME'),
});

export async function handler(event: RecoveryEvent): Promise<RecoveryReport> {
  const report = await recover(event, config, actuator);
  console.log(
    JSON.stringify({ msg: 'recovery', source: event.source, detailType: event['detail-type'], ...report }),
  );
  return report;
}
