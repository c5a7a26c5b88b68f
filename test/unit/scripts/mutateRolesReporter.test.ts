/**
 * When the mutation check (scripts/mutateRoles.ts) may stop a run of the role tests: only once
 * a test failed (the statement is killed) and another passed (the run did not break in its
 * set-up, where every test fails with one message). Read from output as it arrives: chunks
 * split anywhere, other output between the reporter's lines.
 */
import { MARK, OutcomeWatch } from '../../../scripts/mutateRolesReporter.js';

const line = (status: string, title: string) => `\n${MARK}${JSON.stringify({ status, title })}\n`;

describe('the mutation check stops a run early', () => {
  it('once a test failed and another passed, in either order', () => {
    for (const [first, second] of [
      ['failed', 'passed'],
      ['passed', 'failed'],
    ] as const) {
      const watch = new OutcomeWatch();

      watch.feed(line(first, 'one'));
      const before = watch.mayStop;
      watch.feed(line(second, 'two'));

      expect(before).toBe(false);
      expect(watch.mayStop).toBe(true);
    }
  });

  it('never while every test so far failed (a set-up that broke) or passed (a survivor)', () => {
    const broken = new OutcomeWatch();
    const surviving = new OutcomeWatch();

    for (const title of ['a', 'b', 'c']) {
      broken.feed(line('failed', title));
      surviving.feed(line('passed', title));
    }

    expect([broken.mayStop, surviving.mayStop]).toEqual([false, false]);
    expect(broken.failed).toEqual(['a', 'b', 'c']);
  });

  it('reads lines split across chunks, among other output, and ignores a mark mid-line', () => {
    const watch = new OutcomeWatch();
    const text = `PASS something\n  console.log ${MARK}{"status":"passed","title":"quoted"}\n${line('failed', 'the role’s test')}${line('passed', 'next')}`;

    // One character at a time: every split a pipe could make.
    for (const char of text.slice(0, -1)) watch.feed(char);
    const beforeLastNewline = watch.mayStop;
    watch.feed(text.slice(-1));

    expect(watch.failed).toEqual(['the role’s test']);
    expect(beforeLastNewline).toBe(false);
    expect(watch.passed).toEqual(['next']);
    expect(watch.mayStop).toBe(true);
  });

  it('counts neither skipped nor pending tests as a pass', () => {
    const watch = new OutcomeWatch();

    watch.feed(line('failed', 'a') + line('skipped', 'b') + line('pending', 'c'));

    expect(watch.mayStop).toBe(false);
  });
});
