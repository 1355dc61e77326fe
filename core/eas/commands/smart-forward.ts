/** SmartForward (MS-ASCMD): see core/eas/send/run-compose.ts for the flow shared with the other sends. */
import type { EasCommand } from '../command';
import { runCompose } from '../send/run-compose';

export const smartForwardCommand: EasCommand = {
  name: 'SmartForward',
  root: { namespace: 'ComposeMail', name: 'SmartForward' },
  needsPolicy: true,
  handle: (request) => runCompose(request, 'SmartForward'),
};
