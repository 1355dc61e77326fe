/**
 * ACME renewal function, run daily by EventBridge (infra/constructs/certificate-renewal.ts):
 * renews the mail TLS certificate in its secret through DNS-01 in Route 53 when it is due. The
 * nodes pick the new secret version up at their next poll. A failed run throws (the Lambda
 * Errors alarm); the expiry alarm watches CertificateDaysLeft.
 */
import {
  secretsManagerClient,
  SecretsManagerCertificate,
} from '../../core/adapters/aws/secrets-manager-certificate';
import { Route53SdkApi } from '../../core/adapters/aws/route53-api';
import { Route53TxtRecords } from '../../core/adapters/aws/route53-txt-records';
import { SecretsManagerAccountKey } from './account-key';
import { acmeConfigFromEnv } from './config';
import { renewalMetricLine } from './metrics';
import { renewIfDue, type RenewResult } from './renew';

export async function handler(): Promise<RenewResult> {
  const config = acmeConfigFromEnv(process.env);
  const secrets = secretsManagerClient();
  const result = await renewIfDue({
    certificates: new SecretsManagerCertificate(secrets, config.tlsSecretId),
    accountKey: new SecretsManagerAccountKey(secrets, config.accountKeySecretId),
    dns: new Route53TxtRecords(new Route53SdkApi(), config.hostedZoneId),
    names: config.names,
    directoryUrl: config.directoryUrl,
    email: config.email,
    renewBeforeDays: config.renewBeforeDays,
  });
  console.log(renewalMetricLine(config.stage, result));
  return result;
}
