// SPDX-License-Identifier: GPL-2.0
/*
 * Unexported symbols. kallsyms_lookup_name() has not been exported since 5.7; a kprobe on it
 * hands back its address (the probe is registered and removed at once). Where kprobes are
 * unavailable or refused (lockdown, kprobes disabled) the lookup fails with one log line and the
 * caller degrades instead of failing the whole module.
 */
#define pr_fmt(fmt) "kfault: " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#ifdef CONFIG_X86_KERNEL_IBT
#include <asm/cpufeature.h>
#include <asm/ibt.h>
#endif
#include "kfault.h"

typedef unsigned long (*kfault_kallsyms_fn)(const char *name);

static DEFINE_MUTEX(kfault_syms_lock);
static kfault_kallsyms_fn kfault_kallsyms;
static bool kfault_kallsyms_failed;

/*
 * Under x86 IBT an indirect call must land on an ENDBR. kprobes report the address after a
 * function's ENDBR, and functions whose address is never taken have theirs sealed (turned into a
 * NOP) at boot: calling such a function through a pointer would raise #CP. So step back over a
 * live ENDBR, and refuse a sealed entry while IBT is enforced.
 */
static kfault_kallsyms_fn kfault_callable(unsigned long addr)
{
#ifdef CONFIG_X86_KERNEL_IBT
	u32 before;

	if (!copy_from_kernel_nofault(&before, (void *)(addr - ENDBR_INSN_SIZE), sizeof(before)) &&
	    is_endbr(before))
		return (kfault_kallsyms_fn)(addr - ENDBR_INSN_SIZE);
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		pr_warn("kallsyms_lookup_name has no ENDBR and IBT is enforced; unexported symbols unavailable\n");
		return NULL;
	}
#endif
	return (kfault_kallsyms_fn)addr;
}

static kfault_kallsyms_fn kfault_resolve_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int err;

	err = register_kprobe(&kp);
	if (err) {
		pr_warn("cannot resolve kallsyms_lookup_name through a kprobe (error %d: kprobes disabled or locked down); unexported symbols unavailable\n",
			err);
		return NULL;
	}
	unregister_kprobe(&kp);
	return kfault_callable((unsigned long)kp.addr);
}

unsigned long kfault_lookup_name(const char *name)
{
	unsigned long addr = 0;

	mutex_lock(&kfault_syms_lock);
	if (!kfault_kallsyms && !kfault_kallsyms_failed) {
		kfault_kallsyms = kfault_resolve_kallsyms();
		kfault_kallsyms_failed = !kfault_kallsyms;
	}
	if (kfault_kallsyms)
		addr = kfault_kallsyms(name);
	mutex_unlock(&kfault_syms_lock);
	if (kfault_kallsyms && !addr)
		pr_warn("symbol %s not found\n", name);
	return addr;
}
