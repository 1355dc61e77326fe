/** SmartReply (MS-ASCMD): see core/eas/send/run-compose.ts for the flow shared with the other sends. */
import type { EasCommand } from '../command';
import { runCompose } from '../send/run-compose';

export const smartReplyCommand: EasCommand = {
  name: 'SmartReply',
  root: { namespace: 'ComposeMail', name: 'SmartReply' },
  needsPolicy: true,
  handle: (request) => runCompose(request, 'SmartReply'),
};
