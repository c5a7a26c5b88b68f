/** What the runner looks for at the start of a line (scripts/mutateRolesReporter.js). */
export declare const MARK: string;

/** Reads a run's output as it comes; knows when the run may stop. */
export declare class OutcomeWatch {
  readonly passed: string[];
  readonly failed: string[];
  feed(text: string): void;
  /** A test failed and another passed: the statement is killed, and the run did test. */
  readonly mayStop: boolean;
}
