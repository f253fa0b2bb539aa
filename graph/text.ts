/**
 * Orders strings by Unicode code point: the same order under every locale, unlike
 * `localeCompare` (under da_DK "aa" sorts after "z"), so keys, hashes and plans built from
 * sorted strings are the same bytes on every machine.
 */
export function compareCodePoints(a: string, b: string): number {
  for (let index = 0; index < a.length && index < b.length; ) {
    const left = a.codePointAt(index)!;
    const right = b.codePointAt(index)!;
    if (left !== right) return left - right;
    index += left > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to `count` candidates close enough to `word` to be what was meant (a typo), closest first. */
export function closestMatches(word: string, candidates: Iterable<string>, count: number): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  return [...candidates]
    .map((candidate) => ({ candidate, distance: editDistance(word, candidate) }))
    .filter(({ distance }) => distance <= limit)
    .sort((a, b) => a.distance - b.distance || compareCodePoints(a.candidate, b.candidate))
    .slice(0, count)
    .map(({ candidate }) => candidate);
}
