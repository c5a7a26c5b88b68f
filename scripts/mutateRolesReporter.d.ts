/** What the runner looks for at the start of a line (scripts/mutateRolesReporter.js). */
export declare const MARK: string;
