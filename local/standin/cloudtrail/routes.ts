/** Stand-in routes for CloudTrail: `LookupEvents` and the admin seed endpoint. */
import type { StandinContext, StandinRoute } from '../context.js';
import { awsJson, awsJsonError, restJson, restJsonError, StandinError } from '../http.js';
import { lookupEvents, type LookupInput } from './lookup.js';
import { normaliseSeed, TrailStore } from './store.js';

export const TRAIL_STATE = 'cloudtrail';

/** The shared trail of this stack. */
export function trailOf(context: StandinContext): TrailStore {
  return context.state(TRAIL_STATE, () => new TrailStore());
}

export const lookupEventsRoute: StandinRoute = {
  name: 'cloudtrail:LookupEvents',
  model: 'cloudtrail',
  matches: (request) => request.aws.target?.endsWith('CloudTrail_20131101.LookupEvents') ?? false,
  async handle(request, context) {
    const trail = trailOf(context);
    await trail.settled();
    try {
      return awsJson(lookupEvents(trail.all(), request.aws.params as LookupInput));
    } catch (error) {
      if (error instanceof StandinError) return awsJsonError(error);
      throw error;
    }
  },
};

/** `POST /_gatewarden/cloudtrail/events` seeds historical records (tests, demo). */
export const seedEventsRoute: StandinRoute = {
  name: 'admin:seed-cloudtrail',
  recordInCloudTrail: false,
  matches: (request) =>
    request.method === 'POST' && request.path === '/_gatewarden/cloudtrail/events',
  async handle(request, context) {
    try {
      let body: unknown;
      try {
        body = JSON.parse(request.body.toString('utf8'));
      } catch {
        throw new StandinError(400, 'ValidationException', 'body is not JSON');
      }
      const records = normaliseSeed(body, request.aws.region);
      const trail = trailOf(context);
      for (const record of records) trail.add(record);
      return restJson(200, {
        added: records.length,
        eventIds: records.map((record) => record.eventID),
      });
    } catch (error) {
      if (error instanceof StandinError) return restJsonError(error);
      throw error;
    }
  },
};
