/**
 * One call-trace line: ` crashlab_trigger_write+0x17a/0x181 [crashlab]`, ` ? do_fault+0x1a7/0x410`
 * (`?` = the unwinder found the address on the stack but could not prove it is a return address),
 * old kernels' ` [<ffffffff81234567>] sym+0x1/0x2`, arm64's ` dump_backtrace+0x0/0x188`.
 */
export type FrameSection = 'IRQ' | 'SOFTIRQ' | 'NMI' | 'TASK' | 'EOE' | null;

export interface Frame {
  readonly symbol: string;
  readonly offset: string;
  readonly size: string;
  readonly module: string | null;
  /** false for `? ` frames. */
  readonly reliable: boolean;
  /** The `<IRQ>`…`</IRQ>` / `<TASK>`… section the frame was printed in, null outside any. */
  readonly section: FrameSection;
}

// Symbols: C identifiers plus the compiler's `.cold`, `.isra.0`, `.constprop.0`, `.part.0`,
// `.llvm.123` suffixes; modules may carry a build id (`[mod 0123abcd…]`).
const SYMBOL = String.raw`[A-Za-z_$][\w.$]{0,200}`;
const FRAME_RE = new RegExp(
  String.raw`^\s{0,8}(\? )?(?:\[<[0-9a-f]{1,16}>\]\s{1,4})?(?:0x[0-9a-f]{1,16} )?` +
    String.raw`(${SYMBOL})\+(0x[0-9a-f]{1,16})\/(0x[0-9a-f]{1,16})` +
    String.raw`(?: \[([\w-]{1,64})(?: [0-9a-f]{1,64})?\])?(?: \([A-Z]\))?\s*$`,
);

export const SECTION_RE = /^\s{0,8}<(\/?)(IRQ|SOFTIRQ|NMI|TASK|EOE|EOI)>(?:\s*$|\s+(\S.{0,400}))/;

export function parseFrame(text: string, section: FrameSection): Frame | null {
  const m = FRAME_RE.exec(text);
  if (!m) return null;
  return {
    symbol: m[2]!,
    offset: m[3]!,
    size: m[4]!,
    module: m[5] ?? null,
    reliable: m[1] === undefined,
    section,
  };
}

/** `RIP: 0010:crashlab_null_write+0x26/0x32 [crashlab]` and its variants. */
export interface InstructionPointer {
  readonly symbol: string | null;
  readonly offset: string | null;
  readonly size: string | null;
  readonly module: string | null;
  /** The text after `RIP: `. */
  readonly raw: string;
}

// Kernel-mode only (CS 0010; 32-bit 0060): a user-mode `RIP: 0033:0x47b7a0` is the syscall's
// return point, never the crash site. Old kernels: `RIP: 0010:[<ffffffff…>]  [<ffffffff…>] sym+…`.
// arm64: `pc : sym+0x1c/0x40 [mod]`.
const RIP_RE = new RegExp(
  String.raw`^\s{0,8}(?:RIP: (?:0010|0060):|EIP: (?:0060:)?|pc : )(?:\[<[0-9a-f]{1,16}>\]\s{1,4}\[<[0-9a-f]{1,16}>\]\s{1,4})?` +
    String.raw`(?:(${SYMBOL})\+(0x[0-9a-f]{1,16})\/(0x[0-9a-f]{1,16})(?: \[([\w-]{1,64})(?: [0-9a-f]{1,64})?\])?|(0x[0-9a-f]{1,16}|\S{1,64}))`,
);

export function parseInstructionPointer(text: string): InstructionPointer | null {
  const m = RIP_RE.exec(text);
  if (!m) return null;
  const raw = text.slice(text.indexOf(':') + 1).trim();
  if (m[1] === undefined) return { symbol: null, offset: null, size: null, module: null, raw };
  return { symbol: m[1], offset: m[2]!, size: m[3]!, module: m[4] ?? null, raw };
}

/**
 * The function name without compiler clone suffixes, so `out_of_memory.cold`,
 * `tipc_udp_xmit.isra.0` and `foo.constprop.3.part.1` bucket with their source function.
 */
export function baseSymbol(symbol: string): string {
  const dot = symbol.indexOf('.');
  return dot > 0 ? symbol.slice(0, dot) : symbol;
}
