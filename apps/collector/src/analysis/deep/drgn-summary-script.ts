/**
 * The drgn program run where crash(8) cannot open a dump (crash 8.0.2 on 6.12 kernels). It
 * writes drgn-sys/bt/ps/log/mod/foreach-un-bt text results and summary.json (the shape of
 * crashSummarySchema) into the output directory. Kept here as text so the built collector
 * carries it; written to the job's temp dir and run with Debian's python3-drgn (0.0.22 API).
 * Every part is guarded: a dump with excluded pages still yields whatever drgn can read.
 *
 * usage: python3 - VMLINUX DUMP OUTDIR  (script on stdin)
 */
export const DRGN_SUMMARY_SCRIPT = String.raw`
import json, os, re, sys
import drgn
from drgn import FaultError

vmlinux, dump, out = sys.argv[1:4]
warnings = []

def write(name, text):
    with open(os.path.join(out, name), "w", encoding="utf-8", errors="replace") as f:
        f.write(text)

def note(where, e):
    warnings.append("%s: %s" % (where, str(e).splitlines()[0][:200] if str(e) else type(e).__name__))

prog = drgn.Program()
prog.set_core_dump(dump)
try:
    prog.load_debug_info([vmlinux], default=False, main=False)
except drgn.MissingDebugInfoError as e:
    note("debug info", e)

def s(obj):
    return obj.string_().decode("utf-8", "replace")

# Module symbols from each module's own kallsyms (drgn 0.0.22 knows only vmlinux's without the
# module's debuginfo), so frames in crashlab show as "crashlab_null_write [crashlab]".
module_symbols = []
def load_module_symbols():
    from drgn.helpers.linux.list import list_for_each_entry
    for mod in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
        try:
            modname = s(mod.name)
            ks = mod.core_kallsyms
            strtab = ks.strtab.value_()
            for i in range(min(int(ks.num_symtab), 200000)):
                sym = ks.symtab[i]
                addr = int(sym.st_value)
                if addr == 0:
                    continue
                raw = prog.read(strtab + int(sym.st_name), 128)
                name = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
                if name:
                    module_symbols.append((addr, int(sym.st_size), name, modname))
        except Exception as e:
            note("module symbols", e)
    module_symbols.sort()
try:
    load_module_symbols()
except Exception as e:
    note("module symbols", e)

def module_symbol(pc):
    best = None
    for addr, size, name, modname in module_symbols:
        if addr > pc:
            break
        if size == 0 or pc < addr + size:
            best = (name, modname)
    return "%s [%s]" % best if best else None

def frame_name(frame):
    try:
        name = getattr(frame, "name", None)
        if name:
            return name
    except Exception:
        pass
    try:
        return prog.symbol(frame.pc).name
    except Exception:
        pass
    try:
        m = module_symbol(frame.pc)
        if m:
            return m
    except Exception:
        pass
    try:
        return hex(frame.pc)
    except Exception:  # e.g. "program counter is not known" at the end of an interrupted stack
        return "?"

def frames_of(trace, limit=64):
    return [frame_name(f) for f in list(trace)[:limit]]

# --- log
dmesg = ""
try:
    from drgn.helpers.linux.printk import get_dmesg
    dmesg = get_dmesg(prog).decode("utf-8", "replace")
    write("drgn-log.txt", dmesg)
except Exception as e:
    note("log", e)

panic = None
for line in dmesg.splitlines():
    m = re.search(r"Kernel panic - not syncing: .*", line)
    if m:
        panic = m.group(0)
if panic is None:
    for line in dmesg.splitlines():
        m = re.search(r"\] ((?:Oops: )+.*|BUG: .*|general protection fault.*|kernel BUG at .*|watchdog: BUG: .*|WARNING: .*)", line)
        if m:
            panic = m.group(1)
            break

# --- sys
release = None
sys_lines = []
try:
    uts = prog["init_uts_ns"].name
    release = s(uts.release)
    sys_lines += ["     RELEASE: " + release, "     VERSION: " + s(uts.version),
                  "     MACHINE: " + s(uts.machine), "    NODENAME: " + s(uts.nodename)]
except Exception as e:
    note("sys", e)
try:
    sys_lines.append("        CPUS: %d" % int(prog["nr_cpu_ids"]))
except Exception as e:
    note("sys cpus", e)
if release is None:
    # not even utsname: the debuginfo does not fit this dump (or is no vmlinux); say so and stop
    print("Error: drgn cannot read the kernel: " + "; ".join(warnings[:3]), file=sys.stderr)
    sys.exit(3)
sys_lines.append('       PANIC: "%s"' % (panic or ""))
write("drgn-sys.txt", "\n".join(sys_lines) + "\n")

# --- bt (the crashed thread)
panic_task = None
try:
    t = prog.crashed_thread()
    trace = t.stack_trace()
    comm = None
    cpu = None
    try:
        comm = s(t.object.comm)
        from drgn.helpers.linux.sched import task_cpu
        cpu = int(task_cpu(t.object))
    except Exception as e:
        note("bt task", e)
    frames = frames_of(trace)
    write("drgn-bt.txt", 'PID: %d  COMMAND: "%s"  CPU: %s\n%s\n\nframes: %s\n'
          % (t.tid, comm, cpu, trace, " <- ".join(frames)))
    panic_task = {"pid": int(t.tid), "comm": comm, "cpu": cpu, "frames": frames}
except Exception as e:
    note("bt", e)

# --- ps
tasks = []
try:
    from drgn.helpers.linux.pid import for_each_task
    from drgn.helpers.linux.sched import task_state_to_char, task_cpu
    try:
        for task in for_each_task(prog):
            try:
                tasks.append((int(task.pid), int(task.real_parent.pid), int(task_cpu(task)),
                              task_state_to_char(task), s(task.comm), task))
            except Exception as e:
                note("ps task", e)
    except FaultError as e:
        note("ps (task list cut short)", e)
except Exception as e:
    note("ps", e)
STATE = {"R": "RU", "S": "IN", "D": "UN", "T": "ST", "t": "TR", "X": "DE", "Z": "ZO", "P": "PA", "I": "ID"}
by_state = {}
ps_lines = ["      PID    PPID  CPU  ST  COMM"]
for pid, ppid, cpu, st, comm, _ in tasks:
    code = STATE.get(st, st)
    by_state[code] = by_state.get(code, 0) + 1
    ps_lines.append("%9d %7d %4d  %s  %s" % (pid, ppid, cpu, code, comm))
write("drgn-ps.txt", "\n".join(ps_lines) + "\n")

# --- foreach UN bt
d_tasks = []
un_text = []
for pid, ppid, cpu, st, comm, task in tasks:
    if st != "D":
        continue
    try:
        trace = prog.stack_trace(task)
        d_tasks.append({"pid": pid, "comm": comm, "frames": frames_of(trace, 8)})
        un_text.append('PID: %d  COMMAND: "%s"\n%s\n' % (pid, comm, trace))
    except Exception as e:
        note("foreach UN bt %d" % pid, e)
write("drgn-foreach-un-bt.txt", "\n".join(un_text))

# --- mod (taint letters by bit, kernel/panic.c taint_flags order)
LETTERS = "PFSRMBUDAWCIOELKXTN"
modules = []
mod_lines = []
try:
    from drgn.helpers.linux.list import list_for_each_entry
    for mod in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
        name = s(mod.name)
        bits = int(mod.taints)
        taint = "".join(c for i, c in enumerate(LETTERS) if bits & (1 << i)) or None
        modules.append({"name": name, "taint": taint})
        mod_lines.append("%-24s %s" % (name, taint or ""))
except Exception as e:
    note("mod", e)
write("drgn-mod.txt", "\n".join(mod_lines) + "\n")

summary = {
    "tool": "drgn",
    "release": release,
    "panic": panic,
    "panicTask": panic_task,
    "tasksByState": by_state,
    "dStateTasks": d_tasks,
    "modules": modules,
    "warnings": warnings[:50],
}
write("summary.json", json.dumps(summary, indent=2) + "\n")
print("drgn summary written", file=sys.stderr)
`;
