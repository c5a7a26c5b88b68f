/**
 * The access report's JSON is streamed by cutting `JSON.stringify` of its skeleton where list
 * markers stand. A marker is a string: a record planted in the trail whose event name equals
 * one (unmapped events are listed in the skeleton) must not cut the report at the wrong place.
 */
import { jsonChunks } from '../../../lib/reports/render/json.js';
import { listsOf } from '../../../lib/reports/render/reportLists.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';

describe('streamed access report JSON', () => {
  it('an event name or issue equal to a list marker does not cut the JSON at the wrong place', () => {
    // Prepare: the markers as they were, in the skeleton's untrusted strings.
    const report = {
      schema: 'gatewarden.access-report',
      sources: {
        unmappedEvents: [
          { eventSource: 'x.amazonaws.com', eventName: '\u0000roles\u0000', count: 1 },
          { eventSource: '\u0000principals\u0000', eventName: '\u0000findings\u0000', count: 2 },
        ],
        issues: [{ input: 'trail/\u0000roles\u0000.json', reason: '"\u0000roles\u0000"' }],
      },
      roles: [{ type: 'role', arn: 'arn:aws:iam::111122223333:role/r', name: '\u0000roles\u0000' }],
      principals: [{ type: 'user', arn: 'arn:aws:iam::111122223333:user/u' }],
      findings: [{ id: 'f1', title: '\u0000findings\u0000' }],
    } as unknown as AccessReport;
    // Act
    const text = [...jsonChunks(report, listsOf(report))].join('');
    // Assess
    expect(text).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });
});
