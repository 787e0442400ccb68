/**
 * Writes docs/commands.md from the command definitions.
 *
 *   npm run docs:commands            # regenerate
 *   npm run docs:commands -- --check # exit 1 when the file is out of date
 */
import { readFile, writeFile } from 'node:fs/promises';
import { renderCommandDocs } from '../commands/definitions/docs.ts';
import { allCommands } from '../commands/definitions/index.ts';

export const COMMAND_DOCS_PATH = new URL('../docs/commands.md', import.meta.url);

const main = async (): Promise<number> => {
  const text = renderCommandDocs(allCommands);
  if (process.argv.includes('--check')) {
    const current = await readFile(COMMAND_DOCS_PATH, 'utf8').catch(() => '');
    if (current === text) return 0;
    console.error('docs/commands.md is out of date: run `npm run docs:commands`');
    return 1;
  }
  await writeFile(COMMAND_DOCS_PATH, text);
  console.log(`wrote docs/commands.md (${allCommands.length} commands)`);
  return 0;
};

process.exitCode = await main();
