/**
 * GetAttachment (MS-ASCMD §2.2.1.7, 12.x–14.1): `Cmd=GetAttachment&AttachmentName=<FileReference>`
 * answers with the attachment's bytes and content type, not WBXML. An unknown reference or one
 * of another account is 404 (no status element exists for this command); attachments refused
 * by the policy are 403, and one above the policy's MaxAttachmentSize is 413.
 */
import { readAttachment } from '../attachments';
import type { EasCommand, EasRequest, EasResponse } from '../command';

async function handle(request: EasRequest): Promise<EasResponse> {
  const name = request.params?.AttachmentName;
  if (!name) return { httpStatus: 400 };
  const policy = request.deps.policy;
  if (!policy.attachmentsEnabled) return { httpStatus: 403 };
  const found = await readAttachment(request.deps, request.account.id, name);
  if (!found) return { httpStatus: 404 };
  if (policy.maxAttachmentSize > 0 && found.data.length > policy.maxAttachmentSize)
    return { httpStatus: 413 };
  return { raw: found.data, contentType: found.contentType };
}

export const getAttachmentCommand: EasCommand = {
  name: 'GetAttachment',
  // No WBXML of its own: common status codes (142, 144 …) come back in an ItemOperations root.
  root: { namespace: 'ItemOperations', name: 'ItemOperations' },
  needsPolicy: true,
  handle,
};
