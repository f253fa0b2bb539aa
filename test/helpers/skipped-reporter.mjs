// A node:test reporter that ends the run with what was skipped and why, grouped by reason: the
// runner's own summary counts a skipped suite as one test ("skipped 1" for 15 PostgreSQL suites).
export default async function* skippedReporter(source) {
  const byReason = new Map();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.skip === undefined) continue;
    const reason = typeof event.data.skip === 'string' ? event.data.skip : '(no reason given)';
    byReason.set(reason, [...(byReason.get(reason) ?? []), event.data.name]);
  }
  if (byReason.size === 0) return;
  yield '# skipped, and why:\n';
  for (const [reason, names] of byReason) yield `#   ${names.length} skipped: ${reason} (${names.join('; ')})\n`;
}
