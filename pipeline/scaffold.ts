import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DefinitionError } from '../graph/errors.ts';
import { isValidName, kpiId, kpiNumberLabel, publishId } from '../graph/ids.ts';
import { defaultScorecardName } from './project.ts';
import type { Project } from './project.ts';

/**
 * Writes `nodes/<domain>/kpiNN.ts` from a template that is valid as it is (it reads nothing
 * and has no value yet), and the domain's publish file when the domain is new. Returns the
 * files written, relative to `root`.
 */
export async function scaffoldKpi(nodesDir: string, root: string, project: Project, domain: string, number: number, name: string): Promise<string[]> {
  const problems: string[] = [];
  if (!isValidName(domain)) problems.push(`domain "${domain}" must be lower case letters, digits and _`);
  if (!Number.isInteger(number) || number < 1 || number > 99) problems.push(`number "${number}" must be a whole number from 1 to 99`);
  if (name.trim() === '') problems.push('the KPI needs a name');
  if (problems.length > 0) throw new DefinitionError(problems.map((message) => ({ message })));

  const id = kpiId(domain, number);
  const file = join(nodesDir, domain, `kpi${kpiNumberLabel(number)}.ts`);
  if (project.graph.hasNode(id)) {
    const existing = project.graph.getNodeAttributes(id);
    throw new DefinitionError([{ message: `${id} already exists${'file' in existing ? ` in ${existing.file}` : ''}` }]);
  }
  if (existsSync(file)) throw new DefinitionError([{ file: relative(root, file), message: 'already exists' }]);

  const written: string[] = [];
  await mkdir(join(nodesDir, domain), { recursive: true });
  if (!project.graph.hasNode(publishId(domain))) {
    const publish = join(nodesDir, domain, 'publish.ts');
    const scorecard = defaultScorecardName(domain);
    await writeFile(
      publish,
      `import { definePublish } from 'kpi-factory';\n\n/** The ${scorecard} scorecard: every ${domain} KPI of the week. */\nexport default definePublish({ domain: '${domain}', scorecard: ${JSON.stringify(scorecard)} });\n`,
      { flag: 'wx' },
    );
    written.push(relative(root, publish));
  }
  await writeFile(file, kpiTemplate(domain, number, name.trim()), { flag: 'wx' });
  written.push(relative(root, file));
  return written;
}

function kpiTemplate(domain: string, number: number, name: string): string {
  return `import { defineKpi } from 'kpi-factory';

/** ${name.replace(/\*\//g, '* /')}. */
export default defineKpi({
  domain: '${domain}',
  number: ${number},
  name: ${JSON.stringify(name)},
  unit: 'integer', // integer | decimal | percent (a ratio, 0.25 shows as 25%) | currency
  details: '',
  // What it reads: table('schema.table'), sheet('source_name'), kpi('${domain}.kpi01', { weeks: 4 }).
  inputs: {},
  // Receives { week, inputs, warehouse, duck, log, signal }; returns the week's number, or null.
  // See "Adding a KPI" in the README.
  compute: () => null,
});
`;
}
