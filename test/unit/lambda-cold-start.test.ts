/**
 * The Lambda wrapper and composition root at cold start: a context that fails to build (a store
 * unreachable, a variable missing) answers 500 for that invocation and is built again on the
 * next one, instead of failing every request of the container until it is recycled.
 */
import type { Context } from 'aws-lambda';
import { buildLambdaContext } from '../../functions/lambda/context';
import { wrapWebHandler } from '../../functions/lambda/wrap';
import type { WebContext } from '../../functions/web/context';
import { jsonResponse } from '../../functions/web/types';
import { httpApiEvent } from '../helpers/lambda-events';

const event = httpApiEvent({ method: 'GET', url: '/ping', routeKey: 'GET /ping' });
const context = {} as Context;

test('a failed cold start is retried on the next invocation', async () => {
  let attempts = 0;
  const handler = wrapWebHandler(
    () => async () => jsonResponse(200, { ok: true }),
    async () => {
      attempts++;
      if (attempts === 1) throw new Error('database unreachable');
      return {} as WebContext;
    },
  );
  const first = await handler(event, context);
  expect(first.statusCode).toBe(500);
  const second = await handler(event, context);
  expect(second).toMatchObject({ statusCode: 200, body: JSON.stringify({ ok: true }) });
  // Built once more, then kept for the container's life.
  await handler(event, context);
  expect(attempts).toBe(2);
});

test('the composition root refuses an incomplete environment, naming what is missing', async () => {
  await expect(
    buildLambdaContext({ DATABASE_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:1:cluster:x' }),
  ).rejects.toThrow(/DATABASE_SECRET_ARN.*NIMBUS_BLOBS.*NIMBUS_SPOOL.*not set/);
  await expect(
    buildLambdaContext({
      DATABASE_CLUSTER_ARN: 'a',
      DATABASE_SECRET_ARN: 'b',
      DATABASE_NAME: 'nimbus',
      NIMBUS_BLOBS: 's3://bucket/blobs',
      NIMBUS_BLOBS_KMS_KEY_ID: 'k',
      NIMBUS_SPOOL: 'sql',
      NIMBUS_SPOOL_BLOBS: 's3://bucket/spool',
      NIMBUS_STAGE: 'dev',
      NIMBUS_MAIL_HOST: 'mail.example',
    }),
  ).rejects.toThrow(/NIMBUS_SPOOL must be sqs:\/\/PREFIX/);
});
