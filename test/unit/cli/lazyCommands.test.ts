import { jest } from '@jest/globals';
import type { Command } from 'commander';
import { CommandLoadError, UsageError } from '../../../cli/errors.js';
import { commands, type CommandEntry } from '../../../cli/commands/index.js';
import { buildProgram } from '../../../cli/main.js';

/**
 * Commands load lazily: the root help imports no command module, and a module that fails to load
 * breaks only its own command.
 */

const argv = (...args: string[]): string[] => ['node', 'gatewarden', ...args];

function entry(name: string, load: CommandEntry['load']): CommandEntry {
  return { name, description: `the ${name} command`, load };
}

/** A command `name` whose action records that it ran. */
function working(name: string, ran: string[]): CommandEntry {
  return entry(name, async () => [
    (program: Command) => {
      program
        .command(name)
        .description(`the ${name} command`)
        .option('--flag')
        .action(() => void ran.push(name));
    },
  ]);
}

function broken(name: string): CommandEntry {
  return entry(name, () => Promise.reject(new SyntaxError('Unexpected token in module')));
}

describe('lazy commands', () => {
  it('lists every command without loading any for the root help', async () => {
    // Prepare
    const load = jest.fn<CommandEntry['load']>(async () => []);
    const entries = ['a', 'b', 'c'].map((name) => entry(name, load));

    // Act
    const program = await buildProgram(argv('--help'), entries);

    // Assess
    expect(load).not.toHaveBeenCalled();
    expect(program.helpInformation()).toMatch(/a\s+the a command[\s\S]*c\s+the c command/);
  });

  it('loads only the command the line names (also through `help X`)', async () => {
    // Prepare
    const loaded: string[] = [];
    const entries = ['a', 'b'].map((name) =>
      entry(name, async () => {
        loaded.push(name);
        return [];
      }),
    );

    // Act
    await buildProgram(argv('b', '--flag'), entries);
    await buildProgram(argv('help', 'a'), entries);

    // Assess
    expect(loaded).toEqual(['b', 'a']);
  });

  it('keeps the other commands working when one module is broken', async () => {
    // Prepare
    const ran: string[] = [];
    const entries = [working('good', ran), broken('bad')];

    // Act
    const program = await buildProgram(argv('good', '--flag'), entries);
    await program.parseAsync(argv('good', '--flag'));
    const failure = buildProgram(argv('bad'), entries);

    // Assess
    expect(ran).toEqual(['good']);
    await expect(failure).rejects.toThrow(CommandLoadError);
    await expect(failure).rejects.toThrow(
      'the bad command could not be loaded (SyntaxError); other commands still work',
    );
  });

  it('turns a parse problem into a usage error naming the command', async () => {
    // Prepare
    const entries = [working('good', [])];
    const program = await buildProgram(argv('good', '--unknown'), entries);

    // Act
    const parsing = program.parseAsync(argv('good', '--unknown'));

    // Assess
    await expect(parsing).rejects.toThrow(UsageError);
    await expect(parsing).rejects.toMatchObject({ command: 'gatewarden good' });
  });

  it.each(commands.map((c) => [c.name, c]))(
    '%s: the listed description is the command’s own',
    async (name, listed) => {
      // Act
      const program = await buildProgram(argv(name), commands);

      // Assess: no placeholder is made for the named command, so this is its module's own
      const command = program.commands.find((c) => c.name() === name);
      expect(command?.description()).toBe(listed.description);
    },
  );
});
