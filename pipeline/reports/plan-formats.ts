/** The formats `plan --format` writes (see plan-format.ts); apart so the CLI table loads no planning code. */
export const PLAN_FORMATS = ['text', 'json', 'dot', 'mermaid'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];
