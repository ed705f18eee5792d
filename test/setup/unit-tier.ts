// vitest setupFiles of the unit tier (vitest.unit.config.ts): the guard that fails a unit test
// file starting a server or a process (test/helpers/unit-guard.ts).
import { installUnitGuard } from '../helpers/unit-guard.js';

installUnitGuard();
