import fc from 'fast-check';
import { renewalDecision } from '../../../core/tls/renewal-policy';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../../helpers/test-certificates';

const DAY = 86_400_000;
const NAMES = ['mail.example.test'];

describe('renewal policy (due from the stored PEM and the clock)', () => {
  let ca: TestCertificate;
  let leaf: TestCertificate; // valid for 90 days from now
  const now = new Date();
  beforeAll(async () => {
    ca = await makeTestCa();
    leaf = await makeTestLeaf({ names: NAMES, ca, notAfter: new Date(now.getTime() + 90 * DAY) });
  });

  it('is due when nothing is stored or the PEM is unreadable', () => {
    expect(renewalDecision(undefined, { names: NAMES, renewBeforeDays: 30, now })).toMatchObject({
      due: true,
    });
    expect(renewalDecision('garbage', { names: NAMES, renewBeforeDays: 30, now })).toMatchObject({
      due: true,
      reason: expect.stringMatching(/unreadable/),
    });
  });

  it('is due for a self-signed certificate however long it is valid', async () => {
    const self = await makeTestLeaf({ names: NAMES, notAfter: new Date(now.getTime() + 800 * DAY) });
    expect(renewalDecision(self.certPem, { names: NAMES, renewBeforeDays: 30, now })).toMatchObject({
      due: true,
      reason: expect.stringMatching(/self-signed/),
    });
  });

  it('is due when a configured name is missing from the certificate', () => {
    const decision = renewalDecision(leaf.certPem, {
      names: [...NAMES, 'smtp.example.test'],
      renewBeforeDays: 30,
      now,
    });
    expect(decision).toMatchObject({ due: true, reason: expect.stringMatching(/lacks smtp\.example\.test/) });
  });

  it('renews exactly when fewer than renewBeforeDays whole days remain', () => {
    // Seeded and bounded: the clock anywhere from issue to past expiry, any threshold.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 60 }),
        (elapsedDays, before) => {
          const at = new Date(now.getTime() + elapsedDays * DAY + 1000);
          const decision = renewalDecision(leaf.certPem, { names: NAMES, renewBeforeDays: before, now: at });
          const daysLeft = Math.floor((new Date(decision.info!.notAfter).getTime() - at.getTime()) / DAY);
          expect(decision.daysLeft).toBe(daysLeft);
          expect(decision.due).toBe(daysLeft < before);
        },
      ),
      { seed: 812, numRuns: 200 },
    );
  });
});
