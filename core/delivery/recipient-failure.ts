/** Why one recipient of a job could not be delivered; `permanent` failures are bounced, not retried. */
export interface RecipientFailure {
  recipient: string;
  permanent: boolean;
  reason: string;
}

export class TemporaryDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporaryDeliveryError';
  }
}
