import type { Command } from 'commander';
import { registerDemo } from './demo.js';
import { registerDetect } from './detect.js';
import { registerLocal } from './local.js';
import { registerRegister } from './register.js';
import { registerRegisterUpdate } from './registerUpdate.js';
import { registerReport } from './report.js';
import { registerRotate } from './rotate.js';

/** A CLI command registers itself (and its --help) on the root program. */
export type RegisterCommand = (program: Command) => void;

// Each capability adds its command module here.
export const commands: RegisterCommand[] = [
  registerDemo,
  registerDetect,
  registerLocal,
  registerReport,
  registerRegister,
  registerRegisterUpdate,
  registerRotate,
];
