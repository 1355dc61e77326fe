/** Every differential script, in the order they run. */
import type { Script } from '../../../helpers/imap-diff/script';
import { BASE_SCRIPTS } from './base';

export const ALL_SCRIPTS: Script[] = [...BASE_SCRIPTS];
