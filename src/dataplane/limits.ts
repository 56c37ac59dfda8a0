// The data plane's limits and defaults, read from the addon (native/napi/limits.c): the config
// layer validates against the values the C code enforces, written once there.

import { loadNative } from './native';
import type { DataPlaneLimits } from './types';

export const LIMITS: DataPlaneLimits = loadNative().limits;
