/** Lambda entry for client autoconfiguration (Thunderbird autoconfig, Outlook Autodiscover). */
import { lambdaHandler } from '../lambda/wrap';
import { autoconfigRouter } from './routes';

export const handler = lambdaHandler((ctx) => autoconfigRouter(ctx).handle);
