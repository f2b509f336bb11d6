import { createDiagnostics, type Diagnostics } from '../../../src/core/diagnostics.js';

/** One line the diagnostics wrote. */
export interface DiagnosticReport {
  readonly message: string;
  readonly meta: Record<string, unknown>;
}

/** Real diagnostics whose sink keeps what it is given, on a clock the test moves. */
export interface RecordingDiagnostics {
  readonly diagnostics: Diagnostics;
  readonly reports: DiagnosticReport[];
  /** The `what` of each report, read back from its message. */
  whats(): string[];
}

export function recordingDiagnostics(now: () => number = () => 0): RecordingDiagnostics {
  const reports: DiagnosticReport[] = [];
  const diagnostics = createDiagnostics((message, meta) => reports.push({ message, meta }), now);
  return {
    diagnostics,
    reports,
    whats: () =>
      reports.map(({ message }) => /^faultline: (.*) failed; the request goes on$/.exec(message)?.[1] ?? message),
  };
}
