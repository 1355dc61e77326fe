/// <reference lib="dom" />
/** Swaps the mail panes of the shell for a calendar or contacts view (the header stays). */
import { $ } from './dom';

export function pimView(view: HTMLElement): void {
  const shell = $('.shell');
  for (const child of Array.from(shell.children)) if (child.tagName !== 'HEADER') child.remove();
  shell.classList.add('pim');
  shell.append(view);
  for (const id of ['nav-mail', 'nav-calendar', 'nav-contacts'])
    $(`#${id}`)?.setAttribute('aria-current', String(view.id === id.slice(4)));
}
