/** Lambda entry for JMAP (API Gateway HTTP API / ALB): no EventSource here (30 s limit). */
import { lambdaHandler } from '../lambda/wrap';
import { jmapRouter } from './routes';

export const handler = lambdaHandler((ctx) => jmapRouter(ctx).handle);
