// On/off switches in the daemon's environment (BRIDGEHEAD_FQ, BRIDGEHEAD_QOS, BRIDGEHEAD_TAP_OFFLOAD:
// A/B measurements and field trials). Unset or empty = not given; anything but the known spellings
// is refused with one line, so a typo never silently measures the wrong build.

export function envSwitch(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const s = v.toLowerCase();
  if (s === '1' || s === 'true' || s === 'on') return true;
  if (s === '0' || s === 'false' || s === 'off') return false;
  throw new Error(`${name}=${JSON.stringify(v)}: expected 1, 0, true, false, on or off`);
}
