/** `1 task`, `2 tasks`, `0 tasks`; `counted(2, 'was', 'were')` for an irregular word. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
