/** fast-check arbitraries for the rules model: only rules parseRules accepts. */
import fc from 'fast-check';
import type { Action, Condition, Rule } from '../../../core/sieve/rules';

// Text with the characters that need care in Sieve and JSON: quotes, backslashes, '#', '*', unicode.
const text = (min = 0) =>
  fc
    .string({
      unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '#', '*', '?', ';', '{', '}', 'é', '😀', '/', '.'),
      minLength: min,
      maxLength: 20,
    })
    .filter((s) => s.length >= min);
const header = fc.constantFrom('From', 'To', 'Subject', 'X-Custom', 'list-id', 'Reply-To');

export const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    type: fc.constant('header' as const),
    header,
    match: fc.constantFrom('contains' as const, 'is' as const, 'matches' as const),
    value: text(),
    not: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('size' as const),
    comparator: fc.constantFrom('over' as const, 'under' as const),
    bytes: fc.integer({ min: 0, max: 2 ** 31 }),
  }),
  fc.record({ type: fc.constant('spam' as const), isSpam: fc.boolean() }),
);

const keep: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('fileinto' as const), folder: text(1), copy: fc.boolean() }),
  fc.record({
    type: fc.constant('flag' as const),
    flag: fc.constantFrom('\\Flagged', '\\Seen', '$Label1', 'work'),
  }),
  fc.record({
    type: fc.constant('redirect' as const),
    address: fc.constantFrom('bob@example.net', 'x.y+z@sub.example.org'),
    copy: fc.boolean(),
  }),
);

export const actions: fc.Arbitrary<Action[]> = fc
  .tuple(
    fc.oneof(
      fc.array(keep, { minLength: 1, maxLength: 4 }),
      fc.constant<Action[]>([{ type: 'discard' }]),
      text(1).map<Action[]>((reason) => [{ type: 'reject', reason }]),
    ),
    fc.boolean(),
  )
  .map(([list, stop]) => (stop ? [...list, { type: 'stop' as const }] : list));

export const rule: fc.Arbitrary<Rule> = fc.record({
  name: text(),
  enabled: fc.boolean(),
  match: fc.constantFrom('all' as const, 'any' as const),
  conditions: fc.array(condition, { maxLength: 4 }),
  actions,
});

export const rules = fc.array(rule, { maxLength: 5 });
