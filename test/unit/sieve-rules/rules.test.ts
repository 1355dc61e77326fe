/** Rules ↔ Sieve: generation, the read-back of the editor's own scripts, and input validation. */
import fc from 'fast-check';
import { compileSieve } from '../../../core/sieve';
import { parseRules, rulesToSieve, sieveToRules, type Rule } from '../../../core/sieve/rules';
import { rules as arbRules } from './arbitraries';

const invoice: Rule = {
  name: 'Invoices',
  enabled: true,
  match: 'all',
  conditions: [{ type: 'header', header: 'Subject', match: 'contains', value: 'invoice', not: false }],
  actions: [{ type: 'fileinto', folder: 'Invoices', copy: false }],
};

describe('rulesToSieve', () => {
  it('files by subject with fileinto and a marker', () => {
    const script = rulesToSieve([invoice]);
    expect(script).toContain('require ["fileinto"];');
    expect(script).toContain('if header :contains "Subject" "invoice" {\n  fileinto "Invoices";\n}');
    expect(script).toMatch(/^# rule: \{.*"Invoices".*\}$/m);
    expect(compileSieve(script)).toMatchObject({ ok: true });
  });

  it('combines conditions with anyof and negates, copies, flags and forwards', () => {
    const script = rulesToSieve([
      {
        name: '',
        enabled: true,
        match: 'any',
        conditions: [
          { type: 'header', header: 'From', match: 'is', value: 'boss@example.com', not: true },
          { type: 'size', comparator: 'over', bytes: 100000 },
          { type: 'spam', isSpam: true },
        ],
        actions: [
          { type: 'flag', flag: '\\Flagged' },
          { type: 'fileinto', folder: 'Big "ones"', copy: true },
          { type: 'redirect', address: 'me@example.net', copy: true },
          { type: 'stop' },
        ],
      },
    ]);
    expect(script).toContain('require ["fileinto", "copy", "imap4flags"];');
    expect(script).toContain(
      'if anyof (not header :is "From" "boss@example.com", size :over 100000, header :matches "X-Nimbus-Spam" "Yes*") {',
    );
    expect(script).toContain('fileinto :copy "Big \\"ones\\"";');
    expect(script).toContain('redirect :copy "me@example.net";');
    expect(compileSieve(script)).toMatchObject({ ok: true });
  });

  it('leaves a disabled rule as its marker only, and a rule without conditions always applies', () => {
    const script = rulesToSieve([
      { ...invoice, enabled: false },
      { ...invoice, conditions: [], actions: [{ type: 'discard' }] },
    ]);
    expect(script).not.toMatch(/^\s*(require|fileinto)/m);
    expect(script).toContain('if true {\n  discard;\n}');
    expect(sieveToRules(script)).toEqual([
      { ...invoice, enabled: false },
      { ...invoice, conditions: [], actions: [{ type: 'discard' }] },
    ]);
  });
});

describe('sieveToRules', () => {
  it('reads its own script back, also with CRLF line ends', () => {
    const script = rulesToSieve([invoice]);
    expect(sieveToRules(script)).toEqual([invoice]);
    expect(sieveToRules(script.replace(/\n/g, '\r\n'))).toEqual([invoice]);
    expect(sieveToRules(rulesToSieve([]))).toEqual([]);
  });

  it('gives null for a hand-edited or foreign script', () => {
    const script = rulesToSieve([invoice]);
    expect(sieveToRules(script.replace('"Invoices";', '"Other";'))).toBeNull();
    expect(sieveToRules(script + 'keep;\n')).toBeNull();
    expect(sieveToRules(script.replace('"value":"invoice"', '"value":"bill"'))).toBeNull();
    expect(sieveToRules('require "fileinto";\nfileinto "x";\n')).toBeNull();
    expect(sieveToRules(script.replace(/^# rule: .*$/m, '# rule: {not json'))).toBeNull();
  });

  it('property: rules → Sieve compiles → reads back equal', () => {
    fc.assert(
      fc.property(arbRules, (rules) => {
        const normalised = parseRules(rules);
        expect(normalised).toEqual(rules);
        const script = rulesToSieve(normalised);
        const compiled = compileSieve(script);
        if (!compiled.ok) throw new Error(`${JSON.stringify(compiled.error)}\n${script}`);
        expect(sieveToRules(script)).toEqual(rules);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseRules', () => {
  const bad = (rule: object, message: RegExp) =>
    expect(() => parseRules([{ ...invoice, ...rule }])).toThrow(message);

  it('refuses what would not make a sound script, naming the rule', () => {
    expect(() => parseRules({})).toThrow(/list/);
    bad({ actions: [] }, /rule 1: a rule needs an action/);
    bad({ actions: [{ type: 'stop' }, { type: 'discard' }] }, /stop must be the last/);
    bad({ actions: [{ type: 'discard' }, { type: 'fileinto', folder: 'x' }] }, /cannot be combined/);
    bad({ actions: [{ type: 'fileinto', folder: '' }] }, /folder is empty/);
    bad({ actions: [{ type: 'fileinto', folder: 'a\nb' }] }, /control/);
    bad({ actions: [{ type: 'flag', flag: '\\Recent' }] }, /not a flag/);
    bad({ actions: [{ type: 'flag', flag: 'two words' }] }, /not a flag/);
    bad({ actions: [{ type: 'redirect', address: 'nobody' }] }, /not an address/);
    bad({ actions: [{ type: 'launch' }] }, /unknown action/);
    bad(
      { conditions: [{ type: 'header', header: 'Sub:ject', match: 'is', value: '' }] },
      /header field name/,
    );
    bad({ conditions: [{ type: 'header', header: 'Subject', match: 'regex', value: '' }] }, /match must be/);
    bad({ conditions: [{ type: 'size', comparator: 'over', bytes: -1 }] }, /whole number/);
    bad({ conditions: [{ type: 'size', comparator: 'over', bytes: 1.5 }] }, /whole number/);
    bad({ conditions: [{ type: 'wishful' }] }, /unknown condition/);
  });

  it('applies the limits', () => {
    const limits = { maxRules: 2, maxConditions: 1, maxActions: 1, maxText: 5 };
    expect(() => parseRules([invoice, invoice, invoice], limits)).toThrow(/at most 2 rules/);
    expect(() =>
      parseRules([{ ...invoice, conditions: [...invoice.conditions, ...invoice.conditions] }], limits),
    ).toThrow(/at most 1 conditions/);
    expect(() => parseRules([invoice], limits)).toThrow(/longer than 5/);
  });

  it('normalises flags and defaults', () => {
    expect(parseRules([{ conditions: [], actions: [{ type: 'flag', flag: '\\seen' }] }])).toEqual([
      { name: '', enabled: true, match: 'all', conditions: [], actions: [{ type: 'flag', flag: '\\Seen' }] },
    ]);
  });

  it('property: arbitrary JSON never crashes the parser (RulesError or rules)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          const rules = parseRules(Array.isArray(value) ? value : [value]);
          // Whatever it accepts generates a script that reads back.
          expect(sieveToRules(rulesToSieve(rules))).toEqual(rules);
        } catch (error) {
          expect((error as Error).name).toBe('RulesError');
        }
      }),
      { numRuns: 300 },
    );
  });
});
