/** Deleting received SQS messages by receipt handle, where a stale handle (lease lost, already deleted) is harmless. */
import { DeleteMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StorageUnavailableError } from '../../ports/sql';

export function isStaleReceipt(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return /ReceiptHandleIsInvalid|InvalidParameterValue|MessageNotInflight/.test(`${e.name} ${e.message}`);
}

export async function deleteQuietly(
  client: SQSClient,
  queueUrl: string,
  receiptHandle: string,
): Promise<void> {
  try {
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  } catch (error) {
    if (!isStaleReceipt(error))
      throw new StorageUnavailableError(`spool delete failed: ${(error as Error).message}`, {
        cause: error,
      });
  }
}
