// Jest reporter for scripts/mutateRoles.ts: announces each test's outcome as it happens, one
// line on stderr (`@@mutate-roles {"status":…,"title":…}`), so the mutation runner can stop a
// run as soon as it has shown both a failure (the statement is killed) and a pass (the run did
// test something: it did not break in its set-up). Plain JavaScript: jest loads it untransformed.

/** What the runner looks for at the start of a line. */
export const MARK = '@@mutate-roles ';

export default class MutateRolesReporter {
  /** @param {{ title: string, status: string, failureMessages: string[] }} result */
  onTestCaseResult(_test, result) {
    // A failure's first line, for the run's log (a stopped run prints no summary of its own).
    const failure = result.failureMessages[0]?.split('\n')[0]?.slice(0, 300);
    const line = { status: result.status, title: result.title, ...(failure ? { failure } : {}) };
    process.stderr.write(`\n${MARK}${JSON.stringify(line)}\n`);
  }
}

/**
 * The runner's side: reads a run's output as it comes (chunks split anywhere, other output
 * between the lines) and knows when the run may stop.
 */
export class OutcomeWatch {
  passed = [];
  failed = [];
  #pending = '';

  /** @param {string} text */
  feed(text) {
    const lines = (this.#pending + text).split('\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith(MARK)) continue;
      const { status, title } = JSON.parse(line.slice(MARK.length));
      if (status === 'passed') this.passed.push(title);
      if (status === 'failed') this.failed.push(title);
    }
  }

  /** A test failed and another passed: the statement is killed, and the run did test. */
  get mayStop() {
    return this.failed.length > 0 && this.passed.length > 0;
  }
}
