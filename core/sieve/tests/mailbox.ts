/** RFC 5490 §3 mailboxexists and RFC 9042 §4 mailboxidexists: true when all of them exist. */
import { argStrings, type Spec } from '../spec';

export const mailboxTests: Spec[] = [
  {
    name: 'mailboxexists',
    kind: 'test',
    ext: ['mailbox'],
    args: ['stringlist'],
    test: async (node, rt) => {
      for (const name of rt.strs(argStrings(node, 0))) if (!(await rt.env.mailboxExists(name))) return false;
      return true;
    },
  },
  {
    name: 'mailboxidexists',
    kind: 'test',
    ext: ['mailboxid'],
    args: ['stringlist'],
    test: async (node, rt) => {
      const exists = rt.env.mailboxIdExists;
      if (!exists) return false;
      for (const id of rt.strs(argStrings(node, 0))) if (!(await exists.call(rt.env, id))) return false;
      return true;
    },
  },
];
