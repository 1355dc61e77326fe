/**
 * Lambda entry for webmail's session API and message rendering. On AWS the static assets come
 * from S3/CloudFront (ctx.assets is null in the Lambda context).
 */
import { lambdaHandler } from '../lambda/wrap';
import { webmailRouter } from './routes';

export const handler = lambdaHandler((ctx) => webmailRouter(ctx).handle);
