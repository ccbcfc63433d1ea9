import { captureKernelFiles, captureKernelLoaded, kernelRelocatable } from './capture-kernel.js';
import {
  dumpTargetExists,
  dumpTargetFilesystem,
  dumpTargetSpace,
  dumpTargetWritable,
} from './dump-target.js';
import { fadump } from './fadump.js';
import {
  kdumpConfigPresent,
  kdumpConfigSyntax,
  kdumpConfigUnknownKeys,
  kdumpEnabled,
} from './kdump-service.js';
import { kernelConfigKdump } from './kernel-config.js';
import {
  kexecLoadDisabled,
  kexecLoadLimit,
  lockdownLoadMethod,
  secureBootLoadMethod,
} from './kexec-policy.js';
import {
  hardlockupPanic,
  hungTaskPanic,
  nmiPanic,
  panicOnOom,
  panicOnOops,
  panicOnWarn,
  panicTimeout,
  softlockupPanic,
  sysrqCrash,
} from './panic-triggers.js';
import {
  crashkernelLow,
  crashkernelRequested,
  crashkernelReserved,
  crashkernelSize,
} from './reservation.js';
import { hostFiles } from './host-files.js';
import type { Rule } from './rule.js';
import { kexecPresent, makedumpfilePresent, makedumpfileVersion } from './tools.js';

/** Every readiness check, in the order a human reads the report. */
export const RULES: readonly Rule[] = [
  crashkernelRequested,
  crashkernelReserved,
  crashkernelSize,
  crashkernelLow,
  captureKernelLoaded,
  captureKernelFiles,
  kernelRelocatable,
  kernelConfigKdump,
  kexecLoadDisabled,
  kexecLoadLimit,
  lockdownLoadMethod,
  secureBootLoadMethod,
  fadump,
  kexecPresent,
  makedumpfilePresent,
  makedumpfileVersion,
  kdumpConfigPresent,
  kdumpConfigSyntax,
  kdumpConfigUnknownKeys,
  kdumpEnabled,
  dumpTargetExists,
  dumpTargetWritable,
  dumpTargetSpace,
  dumpTargetFilesystem,
  panicOnOops,
  softlockupPanic,
  hungTaskPanic,
  hardlockupPanic,
  panicTimeout,
  panicOnWarn,
  panicOnOom,
  nmiPanic,
  sysrqCrash,
  hostFiles,
];
