/** The scheduled report takes the stage's posture declarations from its environment. */
import { defaultDeps } from '../../../functions/report.js';

describe('report function wiring', () => {
  it.each([
    [{}, { production: true, allowedInterceptors: [] }],
    [
      {
        GATEWARDEN_POSTURE_PRODUCTION: 'false',
        GATEWARDEN_POSTURE_INTERCEPTORS: 'arn:aws:lambda:us-east-1:111122223333:function:audit',
      },
      {
        production: false,
        allowedInterceptors: ['arn:aws:lambda:us-east-1:111122223333:function:audit'],
      },
    ],
  ])('posture declarations from %j', (posture, expected) => {
    const deps = defaultDeps({
      AWS_REGION: 'us-east-1',
      GATEWARDEN_REPORT_BUCKET: 'reports',
      ...posture,
    });
    expect(deps.posture).toEqual(expected);
  });
});
