import type { CheckContext, KpiDeclaration, Severity } from '../../graph/declare.ts';
import type { IsoWeek } from '../../graph/iso-week.ts';
import type { StoredValues } from './stored-values.ts';
import { coerceError } from '../errors.ts';

/** How one check of a KPI-week went: kept with the node-run in the ledger. */
export interface CheckOutcome {
  readonly check: string;
  readonly severity: Severity;
  readonly passed: boolean;
  /** Why it failed. */
  readonly reason?: string;
}

/** What a KPI's checks get for a week: the KPI's stored value of the week before. */
export function checkContext(values: StoredValues, declaration: KpiDeclaration, week: IsoWeek): CheckContext {
  const [previous] = values.read(declaration.domain, declaration.number, [week.add(-1)]);
  return { week: week.id, previous: previous! };
}

/** Runs a KPI's checks on a value. A check that throws has failed, with what it threw. */
export function runChecks(declaration: KpiDeclaration, value: number | null, context: CheckContext): CheckOutcome[] {
  return (declaration.checks ?? []).map((rule) => {
    let reason: string | undefined;
    try {
      reason = rule.test(value, context);
    } catch (thrown) {
      reason = `the check threw: ${coerceError(thrown).message}`;
    }
    return reason === undefined ? { check: rule.name, severity: rule.severity, passed: true } : { check: rule.name, severity: rule.severity, passed: false, reason };
  });
}

/** The failed checks, of one severity or both. */
export function failedChecks(outcomes: readonly CheckOutcome[] | undefined, severity?: Severity): CheckOutcome[] {
  return (outcomes ?? []).filter((outcome) => !outcome.passed && (severity === undefined || outcome.severity === severity));
}

/** Whether an `error` check failed: the value is stored, but nothing reads or publishes it. */
export const blockingFailure = (outcomes: readonly CheckOutcome[] | undefined) => failedChecks(outcomes, 'error').length > 0;

/** `check between(0, 5) failed: value 14 is outside 0..5`, one per failed check, joined with `; `. */
export function describeFailures(outcomes: readonly CheckOutcome[]): string {
  return outcomes.map((outcome) => `check ${outcome.check}${outcome.severity === 'warn' ? ' (warn)' : ''} failed: ${outcome.reason}`).join('; ');
}

/** Why a KPI-week is `check failed`: its failed `error` checks. */
export const checkFailure = (outcomes: readonly CheckOutcome[] | undefined) => describeFailures(failedChecks(outcomes, 'error'));
