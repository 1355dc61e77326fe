/**
 * The ActiveSync commands this server implements, by name (the Cmd query parameter). Later
 * parts add theirs here (Sync, Ping, ItemOperations, SendMail …); OPTIONS lists exactly these.
 */
import type { EasCommand } from '../command';
import { findCommand } from './find';
import { getAttachmentCommand } from './get-attachment';
import { itemOperationsCommand } from './item-operations';
import { moveItemsCommand } from './move-items';
import { resolveRecipientsCommand } from './resolve-recipients';
import { searchCommand } from './search';
import { settingsCommand } from './settings';
import { validateCertCommand } from './validate-cert';
import { folderCreateCommand } from './folder-create';
import { folderDeleteCommand } from './folder-delete';
import { folderSyncCommand } from './folder-sync';
import { folderUpdateCommand } from './folder-update';
import { getItemEstimateCommand } from './get-item-estimate';
import { pingCommand } from './ping';
import { meetingResponseCommand } from './meeting-response';
import { provisionCommand } from './provision';
import { sendMailCommand } from './send-mail';
import { smartForwardCommand } from './smart-forward';
import { smartReplyCommand } from './smart-reply';
import { syncCommand } from './sync';

export const EAS_COMMANDS: ReadonlyMap<string, EasCommand> = new Map(
  [
    provisionCommand,
    folderSyncCommand,
    folderCreateCommand,
    folderUpdateCommand,
    folderDeleteCommand,
    syncCommand,
    getItemEstimateCommand,
    pingCommand,
    sendMailCommand,
    smartReplyCommand,
    smartForwardCommand,
    meetingResponseCommand,
    itemOperationsCommand,
    getAttachmentCommand,
    moveItemsCommand,
    searchCommand,
    resolveRecipientsCommand,
    validateCertCommand,
    settingsCommand,
    findCommand,
  ].map((c) => [c.name, c]),
);
