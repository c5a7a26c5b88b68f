/**
 * `PutEvents` refuses `aws.` sources, as EventBridge does. TEST/DEMO COMPONENT — not product
 * code. On AWS only AWS services put events whose `source` starts with `aws.`; a caller's entry
 * with such a source fails on its own (`NotAuthorizedForSourceException`, the entry's result
 * carrying no EventId) while the other entries of the request are put. moto accepts any source,
 * which would let a local test forge a CloudTrail event no AWS account can forge. The stand-in's
 * own CloudTrail → EventBridge forwarding goes to moto directly and is not affected.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { FrontRequest, StandinContext, StandinRoute } from './context.js';
import {
  awsJson,
  awsJsonError,
  awsJsonErrorFromMoto,
  StandinError,
  type StandinResponse,
} from './http.js';

/** EventBridge's answer for an entry whose source the caller may not use. */
export const REFUSED_SOURCE: PutEventsResultEntry = {
  ErrorCode: 'NotAuthorizedForSourceException',
  ErrorMessage: 'Not authorized for the source.',
};

function entriesOf(request: FrontRequest): PutEventsRequestEntry[] {
  const entries = request.aws.params.Entries;
  return Array.isArray(entries) ? (entries as PutEventsRequestEntry[]) : [];
}

function reserved(entry: PutEventsRequestEntry): boolean {
  return typeof entry.Source === 'string' && entry.Source.startsWith('aws.');
}

async function putAllowedEntries(
  request: FrontRequest,
  context: StandinContext,
): Promise<StandinResponse> {
  const entries = entriesOf(request);
  const allowed = entries.filter((entry) => !reserved(entry));
  let put: PutEventsResultEntry[] = [];
  if (allowed.length > 0) {
    try {
      const out = await context
        .motoClient(EventBridgeClient, request)
        .send(new PutEventsCommand({ ...request.aws.params, Entries: allowed }));
      put = out.Entries ?? [];
    } catch (error) {
      return awsJsonErrorFromMoto(error, {
        type: 'ValidationException',
        message: 'PutEvents failed',
      });
    }
  }
  // Results in the order of the request's entries, as EventBridge answers.
  let next = 0;
  const results = entries.map((entry) => (reserved(entry) ? REFUSED_SOURCE : (put[next++] ?? {})));
  return awsJson({
    FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
    Entries: results,
  });
}

export const putEventsSourceRoute: StandinRoute = {
  name: 'events:put-events-source',
  model: 'events',
  matches: (request) =>
    request.aws.service === 'events' &&
    request.aws.operation === 'PutEvents' &&
    entriesOf(request).some(reserved),
  handle: putAllowedEntries,
};

/**
 * `POST /_gatewarden/eventbridge/service-events` with `{"Entries": [...]}` (PutEvents entries
 * whose sources start with `aws.`): AWS services putting their own events, which no caller can
 * do through PutEvents. The stand-in for CloudTrail's delivery of a record the local stack did
 * not make (a root sign-in, another account's call) in tests and demos. Not an API call.
 */
export const serviceEventsRoute: StandinRoute = {
  name: 'admin:service-events',
  recordInCloudTrail: false,
  matches: (request) =>
    request.method === 'POST' && request.path === '/_gatewarden/eventbridge/service-events',
  async handle(request, context) {
    let entries: PutEventsRequestEntry[];
    try {
      const body = JSON.parse(request.body.toString('utf8')) as { Entries?: unknown };
      if (!Array.isArray(body.Entries)) throw new Error('no Entries');
      entries = body.Entries as PutEventsRequestEntry[];
    } catch {
      return awsJsonError(
        new StandinError(400, 'ValidationException', 'body must be JSON {"Entries": [...]}'),
      );
    }
    if (!entries.every(reserved)) {
      return awsJsonError(
        new StandinError(400, 'ValidationException', 'service events have aws. sources only'),
      );
    }
    const out = await context.motoClient(EventBridgeClient, request).send(
      new PutEventsCommand({
        Entries: entries.map((entry) => ({
          ...entry,
          ...(entry.Time === undefined ? {} : { Time: new Date(entry.Time) }),
        })),
      }),
    );
    return awsJson({ FailedEntryCount: out.FailedEntryCount ?? 0, Entries: out.Entries ?? [] });
  },
};
