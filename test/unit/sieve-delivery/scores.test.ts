/** The MX's scanner headers mapped to RFC 5235 spamtest/virustest values. */
import fc from 'fast-check';
import { spamTestValue, virusTestValue } from '../../../core/sieve/delivery/scores';

const msg = (...headers: string[]) => Buffer.from(`${headers.join('\r\n')}\r\nSubject: x\r\n\r\nbody\r\n`);

describe('spamtest value', () => {
  it('is 0 (not tested) without a verdict or when the scanner was unavailable', () => {
    expect(spamTestValue(msg('From: a@b.test'))).toBe(0);
    expect(spamTestValue(msg('X-Nimbus-Spam: not scanned (rspamd unavailable)'))).toBe(0);
  });

  it('scales the score by the threshold: spam is at least 6, clean mail at most 6', () => {
    expect(spamTestValue(msg('X-Nimbus-Spam: No, score=-1.2 required=5'))).toBe(1);
    expect(spamTestValue(msg('X-Nimbus-Spam: No, score=1 required=5'))).toBe(2);
    expect(spamTestValue(msg('X-Nimbus-Spam: Yes, score=5 required=5'))).toBe(6);
    expect(spamTestValue(msg('X-Nimbus-Spam: Yes, score=12.5 required=5'))).toBe(10);
    expect(spamTestValue(msg('X-Nimbus-Spam: Yes, score=1 required=0'))).toBe(10);
  });

  it('is an integer 0..10 for any header value and never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (value) => {
        const v = spamTestValue(msg(`X-Nimbus-Spam: ${value.replace(/[\r\n]/g, ' ')}`));
        expect(Number.isInteger(v) && v >= 0 && v <= 10).toBe(true);
      }),
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.double({ noNaN: true }),
        fc.double({ noNaN: true }),
        (yes, score, required) => {
          const v = spamTestValue(
            msg(`X-Nimbus-Spam: ${yes ? 'Yes' : 'No'}, score=${score} required=${required}`),
          );
          expect(Number.isInteger(v) && v >= 0 && v <= 10).toBe(true);
        },
      ),
    );
  });
});

describe('virustest value', () => {
  it('maps clean, infected and unscanned', () => {
    expect(virusTestValue(msg('X-Nimbus-Virus: clean'))).toBe(1);
    expect(virusTestValue(msg('X-Nimbus-Virus: infected (Eicar-Signature)'))).toBe(5);
    expect(virusTestValue(msg('X-Nimbus-Virus: not scanned (scanner unavailable)'))).toBe(0);
    expect(virusTestValue(msg('From: a@b.test'))).toBe(0);
  });

  it('is 0..5 for any header value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (value) => {
        const v = virusTestValue(msg(`X-Nimbus-Virus: ${value.replace(/[\r\n]/g, ' ')}`));
        expect([0, 1, 5]).toContain(v);
      }),
    );
  });
});
