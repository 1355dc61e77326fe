/** SmartReply (MS-ASCMD): see core/eas/send/run-compose.ts for the flow shared with the other sends. */
import type { EasCommand } from '../command';
import { runCompose } from '../send/run-compose';
import { DEFAULT_SEND_LIMITS } from '../send/submit';

export const smartReplyCommand: EasCommand = {
  name: 'SmartReply',
  root: { namespace: 'ComposeMail', name: 'SmartReply' },
  needsPolicy: true,
  handle: (request) =>
    runCompose(request, 'SmartReply', {
      maxMessageBytes: request.deps.limits?.maxMessageBytes ?? DEFAULT_SEND_LIMITS.maxMessageBytes,
      maxRecipients: request.deps.limits?.maxRecipients ?? DEFAULT_SEND_LIMITS.maxRecipients,
    }),
};
