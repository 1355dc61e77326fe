/**
 * The ActiveSync commands this server implements, by name (the Cmd query parameter). Later
 * parts add theirs here (Sync, Ping, ItemOperations, SendMail …); OPTIONS lists exactly these.
 */
import type { EasCommand } from '../command';
import { folderCreateCommand } from './folder-create';
import { folderDeleteCommand } from './folder-delete';
import { folderSyncCommand } from './folder-sync';
import { folderUpdateCommand } from './folder-update';
import { provisionCommand } from './provision';

export const EAS_COMMANDS: ReadonlyMap<string, EasCommand> = new Map(
  [provisionCommand, folderSyncCommand, folderCreateCommand, folderUpdateCommand, folderDeleteCommand].map(
    (c) => [c.name, c],
  ),
);
