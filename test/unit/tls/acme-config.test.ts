import { LETS_ENCRYPT_PRODUCTION, acmeConfigFromEnv } from '../../../functions/acme/config';
import { challengeRecordName } from '../../../functions/acme/issue';
import { renewalMetricLine } from '../../../functions/acme/metrics';

const ENV = {
  TLS_SECRET_ARN: 'arn:tls',
  ACME_ACCOUNT_KEY_SECRET_ARN: 'arn:account',
  HOSTED_ZONE_ID: 'Z1',
  ACME_NAMES: ' Mail.Example.test, imap.example.test ,',
};

describe('ACME function configuration', () => {
  it('reads the environment the construct sets, with defaults', () => {
    expect(acmeConfigFromEnv(ENV)).toEqual({
      tlsSecretId: 'arn:tls',
      accountKeySecretId: 'arn:account',
      hostedZoneId: 'Z1',
      names: ['mail.example.test', 'imap.example.test'],
      directoryUrl: LETS_ENCRYPT_PRODUCTION,
      email: undefined,
      renewBeforeDays: 30,
      stage: 'unknown',
    });
  });

  it.each([
    [{ ...ENV, HOSTED_ZONE_ID: '' }, /HOSTED_ZONE_ID/],
    [{ ...ENV, ACME_NAMES: ' , ' }, /ACME_NAMES lists no name/],
    [{ ...ENV, ACME_RENEW_BEFORE_DAYS: 'soon' }, /ACME_RENEW_BEFORE_DAYS/],
  ])('refuses a bad environment (%#)', (env, message) => {
    expect(() => acmeConfigFromEnv(env)).toThrow(message);
  });

  it('names the challenge record of a name and of its wildcard alike', () => {
    expect(challengeRecordName('mail.example.test')).toBe('_acme-challenge.mail.example.test');
    expect(challengeRecordName('*.example.test')).toBe('_acme-challenge.example.test');
  });

  it('publishes the outcome as one EMF line', () => {
    const line = JSON.parse(
      renewalMetricLine(
        'prod',
        { renewed: false, reason: 'valid', daysLeft: 61, notAfter: 'x', fingerprint: 'f' },
        1,
      ),
    );
    expect(line._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'Nimbus',
      Dimensions: [['Stage']],
      Metrics: [
        { Name: 'CertificateDaysLeft', Unit: 'Count' },
        { Name: 'CertificateRenewed', Unit: 'Count' },
      ],
    });
    expect(line).toMatchObject({ Stage: 'prod', CertificateDaysLeft: 61, CertificateRenewed: 0 });
  });
});
