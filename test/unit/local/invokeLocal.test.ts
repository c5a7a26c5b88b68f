import { readFileSync } from 'node:fs';
import {
  argumentProblem,
  eventPathOf,
  FUNCTIONS,
  serverlessArgs,
} from '../../../scripts/invokeLocal.js';

describe('npm run invoke:local checks its arguments before any set-up', () => {
  it.each<[string[], string | undefined]>([
    [['-f', 'detect', '-p', 'events/detect.updateGateway.json'], undefined],
    [['-f', 'rotateNow', '-d', '{"sweep":true}'], undefined],
    [
      ['-f', 'detct', '-p', 'events/detect.updateGateway.json'],
      'no function "detct": -f takes rotate, rotateNow, detect, report',
    ],
    [
      ['-p', 'events/detect.updateGateway.json'],
      'name the function: -f rotate|rotateNow|detect|report',
    ],
    [['-f', 'detect', '-p', 'events/nope.json'], 'cannot read the event file events/nope.json'],
    [['-f', 'detect', '-p', 'package-lock.json'], undefined],
    [['-f', 'detect', '-p', 'README.md'], 'the event file README.md is not JSON'],
  ])('%j → %s', (args, problem) => {
    expect(argumentProblem(args)).toBe(problem);
  });

  it('knows every function serverless.yml defines', () => {
    const yml = readFileSync('serverless.yml', 'utf8');
    const section = yml.split('\nfunctions:\n')[1]?.split(/\n\S/)[0] ?? '';
    const defined = [...section.matchAll(/^ {2}(\w+):$/gm)].map((m) => m[1]);
    expect(defined.sort()).toEqual([...FUNCTIONS].sort());
  });
});

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
