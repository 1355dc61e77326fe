/** Lambda entry for the admin REST API. */
import { lambdaHandler } from '../lambda/wrap';
import { adminHandler } from './routes';

export const handler = lambdaHandler((ctx) => adminHandler(ctx));
