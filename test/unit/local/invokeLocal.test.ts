import { eventPathOf, serverlessArgs } from '../../../scripts/invokeLocal.js';

describe('npm run invoke:local arguments', () => {
  it.each<[string[], string | undefined]>([
    [
      ['-f', 'detect', '-p', 'events/detect.updateGateway.json'],
      'events/detect.updateGateway.json',
    ],
    [['--path', 'e.json', '-f', 'rotate'], 'e.json'],
    [['--path=e.json'], 'e.json'],
    [['-f', 'rotateNow', '-d', '{"sweep":true}'], undefined],
  ])('finds the event file in %j', (args, path) => {
    expect(eventPathOf(args)).toBe(path);
  });

  it('runs on the local stage unless another is named', () => {
    expect(serverlessArgs(['-f', 'detect'])).toEqual([
      'invoke',
      'local',
      '--stage',
      'local',
      '-f',
      'detect',
    ]);
    expect(serverlessArgs(['-f', 'detect', '--stage', 'dev'])).toEqual([
      'invoke',
      'local',
      '-f',
      'detect',
      '--stage',
      'dev',
    ]);
  });
});
