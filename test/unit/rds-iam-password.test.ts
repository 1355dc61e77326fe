import { rdsIamPassword } from '../../core/adapters/aws/rds-iam-password';

// The token is a SigV4 presigned URL computed locally: no AWS endpoint is contacted.
describe('RDS IAM authentication tokens (signed locally, no AWS call)', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  });
  afterAll(() => {
    process.env = saved;
  });

  it('signs a connect token for the URL user and host, and reuses it', async () => {
    const password = rdsIamPassword('postgres://nimbus_app@proxy.example.internal:5432/nimbus', 'eu-west-1');
    const token = await password();
    expect(token).toMatch(/^proxy\.example\.internal:5432\/\?/);
    expect(token).toContain('Action=connect');
    expect(token).toContain('DBUser=nimbus_app');
    expect(token).toContain('X-Amz-Signature=');
    expect(token).toContain('eu-west-1%2Frds-db%2Faws4_request');
    expect(await password()).toBe(token);
  });
});
