// SPDX-License-Identifier: GPL-2.0
/*
 * Crash scenarios. Each crash sits in its own noinline function named kfault_<scenario>, so a
 * triage tool's culprit (RIP symbol, or the blocked task's stack for detector-based reports)
 * names the scenario. Detector-based scenarios (lockups, hung task, RCU stall) are bounded by
 * duration=: without the matching panic sysctl the host recovers instead of hanging forever.
 */
#define pr_fmt(fmt) "kfault: " fmt

#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/list.h>
#include <linux/nmi.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/compiler.h>
#include "kfault.h"

/* local_clock() keeps counting with interrupts off, unlike jiffies on the tick owner. */
static u64 kfault_deadline_ns(unsigned int seconds)
{
	return local_clock() + (u64)seconds * NSEC_PER_SEC;
}

static noinline void kfault_panic(void)
{
	panic("kfault: deliberate panic (scenario panic)");
}

static noinline void kfault_oops(void)
{
	int *volatile target = NULL;

	*target = 0x6b6b6b6b;
	/* Reached only if address 0 is mapped (it never is in the kernel). */
	pr_err("oops: NULL write did not fault\n");
}

static noinline void kfault_bug(void)
{
	BUG();
}

static noinline void kfault_warn(void)
{
	WARN(1, "kfault: deliberate warning (scenario warn)\n");
}

static noinline void kfault_list_corruption(void)
{
	static struct list_head head, first, bogus, added;

	INIT_LIST_HEAD(&head);
	list_add(&first, &head);
	/* head.next->prev must point back at head; make it point elsewhere. */
	WRITE_ONCE(first.prev, &bogus);
	list_add(&added, &head);
	pr_err("list-corruption: list_add() was not checked (CONFIG_DEBUG_LIST off?)\n");
}

static noinline void kfault_softlockup(unsigned int seconds)
{
	u64 until = kfault_deadline_ns(seconds);

	preempt_disable();
	while (local_clock() < until)
		cpu_relax();
	preempt_enable();
}

static noinline void kfault_hardlockup(unsigned int seconds)
{
	u64 until = kfault_deadline_ns(seconds);
	unsigned long flags;

	/*
	 * Where no NMI watchdog runs, RCU's stall detector on another CPU is what notices a CPU
	 * with interrupts off, and only while a grace period waits for it: an idle host may have
	 * none in flight, so start one.
	 */
	start_poll_synchronize_rcu();
	local_irq_save(flags);
	while (local_clock() < until)
		cpu_relax();
	local_irq_restore(flags);
}

static noinline void kfault_hung_task(unsigned int seconds)
{
	unsigned long until = jiffies + (unsigned long)seconds * HZ;

	/* TASK_UNINTERRUPTIBLE (not TASK_IDLE): exactly what khungtaskd looks for. */
	while (time_before(jiffies, until)) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule_timeout(until - jiffies);
	}
	__set_current_state(TASK_RUNNING);
}

static noinline void kfault_rcu_stall(unsigned int seconds)
{
	u64 until = kfault_deadline_ns(seconds);

	rcu_read_lock();
	preempt_disable();
	while (local_clock() < until) {
		/* Keep the soft-lockup detector quiet so the RCU stall is the report. */
		touch_softlockup_watchdog();
		cpu_relax();
	}
	preempt_enable();
	rcu_read_unlock();
}

int kfault_run_panic(const struct kfault_request *req)
{
	kfault_panic();
	return 0;
}

int kfault_run_oops(const struct kfault_request *req)
{
	kfault_oops();
	return 0;
}

int kfault_run_bug(const struct kfault_request *req)
{
	kfault_bug();
	return 0;
}

int kfault_run_warn(const struct kfault_request *req)
{
	kfault_warn();
	pr_info("warn: returned (kernel.panic_on_warn is 0)\n");
	return 0;
}

int kfault_run_list_corruption(const struct kfault_request *req)
{
	kfault_list_corruption();
	return 0;
}

int kfault_run_softlockup(const struct kfault_request *req)
{
	kfault_softlockup(req->duration);
	pr_info("softlockup: spin ended after %u s, no panic (kernel.softlockup_panic is 0)\n",
		req->duration);
	return 0;
}

/* Bit 0 of kernel/watchdog.c's watchdog_enabled: the hard-lockup detector is running. */
static void kfault_report_hardlockup_detector(void)
{
	unsigned long addr = kfault_lookup_name("watchdog_enabled");

	if (!addr)
		return;	/* kfault_lookup_name already logged why */
	if (!(READ_ONCE(*(unsigned long *)addr) & 1UL))
		pr_warn("hardlockup: no hard-lockup detector is running (nmi_watchdog off or no PMU); only other CPUs' detectors can report this spin\n");
}

int kfault_run_hardlockup(const struct kfault_request *req)
{
	kfault_report_hardlockup_detector();
	kfault_hardlockup(req->duration);
	pr_info("hardlockup: spin ended after %u s, no panic (kernel.hardlockup_panic is 0)\n",
		req->duration);
	return 0;
}

int kfault_run_hung_task(const struct kfault_request *req)
{
	kfault_hung_task(req->duration);
	pr_info("hung-task: woke after %u s, no panic (kernel.hung_task_panic is 0)\n",
		req->duration);
	return 0;
}

int kfault_run_rcu_stall(const struct kfault_request *req)
{
	kfault_rcu_stall(req->duration);
	pr_info("rcu-stall: spin ended after %u s, no panic (kernel.panic_on_rcu_stall is 0)\n",
		req->duration);
	return 0;
}
