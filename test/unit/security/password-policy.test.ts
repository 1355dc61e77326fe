import fc from 'fast-check';
import {
  assertPasswordAcceptable,
  DEFAULT_PASSWORD_POLICY,
  MAX_PASSWORD_LENGTH,
  WeakPasswordError,
} from '../../../core/security/password-policy';

const reason = (password: string, address = 'weak@example.org', policy = DEFAULT_PASSWORD_POLICY) => {
  try {
    assertPasswordAcceptable(password, { address, policy });
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(WeakPasswordError);
    return (error as Error).message;
  }
};

describe('password policy', () => {
  it('refuses short passwords (default 10 characters, counted in code points)', () => {
    expect(reason('x')).toMatch(/at least 10 characters/);
    expect(reason('Zq8#vLm2!')).toMatch(/at least 10 characters/);
    expect(reason('Ωmega-Fjörd-7')).toBeNull();
    expect(reason('🦊🦊🦊🦊🦊🦊🦊🦊🦊')).toMatch(/at least 10/); // 9 code points, 18 UTF-16 units
  });

  it('refuses the address itself, its user name, and passwords built on them', () => {
    expect(reason('weak@example.org')).toMatch(/must not be the address/);
    expect(reason('WEAK@EXAMPLE.ORG2024')).toMatch(/must not be the address/);
    expect(reason('weakweakweak', 'weakweakweak@example.org')).toMatch(/must not be the address/);
    expect(reason('kaewkaewkaew', 'weakweakweak@example.org')).toMatch(/must not be the address/);
    // zxcvbn is told the address: its parts count as known to an attacker.
    expect(reason('examplewe@k1', 'weak@example.org')).toMatch(/too easy to guess/);
  });

  it('refuses common passwords and easily guessed ones, with a reason', () => {
    expect(reason('password123')).toMatch(/commonly used|too easy/);
    expect(reason('qwertyuiop')).toMatch(/commonly used|too easy/);
    expect(reason('iloveyou123')).toMatch(/commonly used|too easy/);
    expect(reason('1234567890')).toMatch(/commonly used|too easy/);
    expect(reason('aaaaaaaaaaaa')).toMatch(/too easy to guess \(strength \d of 4, at least 3 needed\)/);
    expect(reason('P@ssw0rd2024')).toMatch(/too easy/);
  });

  it('accepts strong passwords, and follows a configured policy', () => {
    expect(reason('correct horse battery staple')).toBeNull();
    expect(reason('Glacier-Maple-74')).toBeNull();
    expect(reason('dana password', 'dana@example.org')).toMatch(/too easy/);
    expect(reason('dana password', 'dana@example.org', { minLength: 8, minScore: 1 })).toBeNull();
    expect(reason('Glacier-Maple-74', 'x@example.org', { minLength: 20, minScore: 3 })).toMatch(
      /at least 20/,
    );
  });

  it('refuses over-long passwords and ones no protocol can send', () => {
    expect(reason('Ab1-'.repeat(MAX_PASSWORD_LENGTH / 4 + 1))).toMatch(/at most 256/);
    expect(reason('Glacier-Maple\n74')).toMatch(/line breaks/);
    expect(reason('Glacier-Maple\u000074')).toMatch(/NUL/);
  });

  it('never puts the password into the reason', () => {
    fc.assert(
      // A marker no message has, then anything: an echoed password would show the marker.
      fc.property(fc.string({ maxLength: 40 }), (tail) => {
        const password = `Qz${tail}`;
        const message = reason(password);
        if (message !== null) expect(message).not.toContain('Qz');
      }),
      { seed: 20261203, numRuns: 200 },
    );
  });

  it('property: anything shorter than the minimum is refused, whatever it is', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 9 }), (password) => {
        if ([...password].length < 10) expect(reason(password)).toMatch(/at least 10/);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
