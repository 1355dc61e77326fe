/** SendMail (MS-ASCMD): see core/eas/send/run-compose.ts for the flow shared with the other sends. */
import type { EasCommand } from '../command';
import { runCompose } from '../send/run-compose';

export const sendMailCommand: EasCommand = {
  name: 'SendMail',
  root: { namespace: 'ComposeMail', name: 'SendMail' },
  needsPolicy: true,
  handle: (request) => runCompose(request, 'SendMail'),
};
