import type { PutEventsRequestEntry, PutEventsResponse } from '@aws-sdk/client-eventbridge';

/**
 * Puts events as an AWS service does (`aws.` sources, which PutEvents refuses to any caller),
 * through the local stack's admin route (local/standin/eventSources.ts): CloudTrail delivering
 * a record the local stack did not make itself.
 */
export async function putServiceEvents(
  entries: readonly PutEventsRequestEntry[],
  endpoint = process.env.AWS_ENDPOINT_URL ?? '',
): Promise<PutEventsResponse> {
  const response = await fetch(`${endpoint}/_gatewarden/eventbridge/service-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Entries: entries }),
  });
  const body = (await response.json()) as PutEventsResponse & { message?: string };
  if (!response.ok)
    throw new Error(`service events refused: ${response.status} ${body.message ?? ''}`);
  return body;
}
