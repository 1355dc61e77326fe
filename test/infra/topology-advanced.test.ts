import { STAGES } from '../../infra/config/stages';
import { describeTopology } from './topology-assertions';

describe('advanced topology (prod)', () => {
  describeTopology(STAGES.prod, {
    services: {
      mx: ['mx', 'delivery'],
      mta: ['mta'],
      access: ['submission', 'imap', 'pop3', 'managesieve'],
      web: ['web'],
    },
    nlbPorts: { mx: [25], mta: [], access: [465, 587, 143, 993, 110, 995, 4190], web: [] },
    webService: 'web',
    databaseInstances: 2,
    azCount: 3,
  });
});
