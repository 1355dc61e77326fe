/** Every differential script, in the order they run. */
import type { Script } from '../../../helpers/imap-diff/script';
import { APPEND_SCRIPTS } from './append';
import { BAD_INPUT_SCRIPTS } from './bad-input';
import { BASE_SCRIPTS } from './base';
import { COPY_MOVE_SCRIPTS } from './copy-move';
import { EXTENSION_SCRIPTS } from './extensions';
import { FETCH_SCRIPTS } from './fetch';
import { LIST_SCRIPTS } from './list';
import { SEARCH_SCRIPTS } from './search';
import { SESSION_SCRIPTS } from './sessions';
import { SORT_THREAD_SCRIPTS } from './sort-thread';
import { STORE_SCRIPTS } from './store';

export const ALL_SCRIPTS: Script[] = [
  ...BASE_SCRIPTS,
  ...LIST_SCRIPTS,
  ...APPEND_SCRIPTS,
  ...FETCH_SCRIPTS,
  ...SEARCH_SCRIPTS,
  ...SORT_THREAD_SCRIPTS,
  ...STORE_SCRIPTS,
  ...COPY_MOVE_SCRIPTS,
  ...SESSION_SCRIPTS,
  ...EXTENSION_SCRIPTS,
  ...BAD_INPUT_SCRIPTS,
];

const names = new Set<string>();
for (const s of ALL_SCRIPTS) {
  if (names.has(s.name)) throw new Error(`duplicate differential script name ${s.name}`);
  names.add(s.name);
}
