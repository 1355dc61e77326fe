/** Building blocks of the admin API's OpenAPI document (openapi.ts and its per-area path files). */
export const json = (schema: object = { type: 'object' }) => ({
  content: { 'application/json': { schema } },
});
export const ok = (description: string, schema?: object) => ({
  '200': { description, ...json(schema) },
  '401': { description: 'admin authentication required', ...json({ $ref: '#/components/schemas/Error' }) },
  '404': { description: 'not found', ...json({ $ref: '#/components/schemas/Error' }) },
  '400': {
    description:
      'invalid input; `code` says which: `invalid`, `bad-address`, `bad-domain`, `weak-password` (the password policy refused it, the reason is in `error`), `alias-loop` (the alias or forward would make a loop, the path is in `error`)',
    ...json({ $ref: '#/components/schemas/Error' }),
  },
});
export const created = (description: string) => ({ ...ok(description), '201': { description, ...json() } });
export const body = (properties: Record<string, object>, required: string[] = []) => ({
  required: true,
  ...json({ type: 'object', properties, required }),
});
export const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
export const queryParam = (name: string, description = '') => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description,
});
export const str = { type: 'string' };
export const int = { type: ['integer', 'null'] };
