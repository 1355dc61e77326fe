/** SmartForward (MS-ASCMD): see core/eas/send/run-compose.ts for the flow shared with the other sends. */
import type { EasCommand } from '../command';
import { runCompose } from '../send/run-compose';
import { DEFAULT_SEND_LIMITS } from '../send/submit';

export const smartForwardCommand: EasCommand = {
  name: 'SmartForward',
  root: { namespace: 'ComposeMail', name: 'SmartForward' },
  needsPolicy: true,
  handle: (request) =>
    runCompose(request, 'SmartForward', {
      maxMessageBytes: request.deps.limits?.maxMessageBytes ?? DEFAULT_SEND_LIMITS.maxMessageBytes,
      maxRecipients: request.deps.limits?.maxRecipients ?? DEFAULT_SEND_LIMITS.maxRecipients,
    }),
};
