import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envAssignments, healthcheckCommand, parseDockerfile } from './dockerfile.js';

describe('Dockerfile parser', () => {
  it('splits stages and reads options, continuations (skipping comment lines in them) and exec forms', () => {
    const stages = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG X=1',
        'FROM node:20 AS build',
        'RUN a \\',
        '  # a comment inside the instruction',
        '  && b',
        'from node:20',
        'COPY --from=build --chown=node:node /app/dist ./dist',
        'CMD ["node", "dist/main.js"]',
      ].join('\n'),
    );
    expect(stages.map((s) => [s.index, s.name, s.base])).toEqual([
      [0, 'build', 'node:20'],
      [1, undefined, 'node:20'],
    ]);
    expect(stages[0].instructions[1]).toMatchObject({ keyword: 'RUN', args: 'a && b', line: 4, exec: undefined });
    expect(stages[1].instructions[1]).toMatchObject({
      keyword: 'COPY',
      flags: { from: 'build', chown: 'node:node' },
      args: '/app/dist ./dist',
    });
    expect(stages[1].instructions[2].exec).toEqual(['node', 'dist/main.js']);
  });

  it('refuses what it would misread', () => {
    expect(() => parseDockerfile('# escape=`\nFROM x')).toThrow('escape directive');
    expect(() => parseDockerfile('RUN x\nFROM y')).toThrow('RUN before the first FROM');
    expect(() => parseDockerfile('FROM a AZ b')).toThrow('line 1');
    expect(() => parseDockerfile('# nothing')).toThrow('no FROM');
  });

  it('reads ENV in both forms and HEALTHCHECK commands', () => {
    expect(envAssignments('A=1 B="two words" C=x\\ y D=\'$E\'')).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['C', 'x y'],
      ['D', '$E'],
    ]);
    expect(envAssignments('A some value')).toEqual([['A', 'some value']]);
    const [stage] = parseDockerfile('FROM x\nHEALTHCHECK --timeout=3s CMD curl -f http://x/\nHEALTHCHECK NONE');
    expect(stage.instructions[1].flags).toEqual({ timeout: '3s' });
    expect(healthcheckCommand(stage.instructions[1])).toEqual(['/bin/sh', '-c', 'curl -f http://x/']);
    expect(healthcheckCommand(stage.instructions[2])).toBeUndefined();
  });

  it("reads the project's Dockerfile: a build stage, then a runtime stage with an exec-form CMD", () => {
    const stages = parseDockerfile(readFileSync(join(import.meta.dirname, '..', 'docker', 'Dockerfile'), 'utf8'));
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(stages[1].instructions.find((i) => i.keyword === 'CMD')?.exec).toEqual(['node', 'dist/src/main.js']);
  });
});
