import sparticuz from '@sparticuz/chromium';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Chromium installed by the system, used when the packaged build cannot be unpacked. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * A headless Chromium for the HTML report tests: the one `GATEWARDEN_CHROMIUM` names, else the
 * build `@sparticuz/chromium` ships inside its npm package (nothing to install but `npm ci`),
 * else the system's. None found is a failure that says what to do — never a skipped test.
 */
export async function launchChromium(): Promise<Browser> {
  const named = process.env.GATEWARDEN_CHROMIUM;
  const common = [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
  ];
  if (named !== undefined) {
    if (!existsSync(named))
      throw new Error(
        `GATEWARDEN_CHROMIUM=${named}: no such file (unset it to use the packaged Chromium)`,
      );
    return chromium.launch({ executablePath: named, args: common });
  }
  let packaged: string | undefined;
  let why = '';
  try {
    packaged = await sparticuz.executablePath();
  } catch (error) {
    why = (error as Error).message;
  }
  if (packaged !== undefined)
    return chromium.launch({ executablePath: packaged, args: [...sparticuz.args, ...common] });
  if (existsSync(SYSTEM_CHROMIUM))
    return chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: common });
  throw new Error(
    `no Chromium for the HTML report tests: @sparticuz/chromium could not unpack its build (${why}) and ${SYSTEM_CHROMIUM} is missing. Run npm ci, install Debian's chromium, or set GATEWARDEN_CHROMIUM to a Chromium binary.`,
  );
}
