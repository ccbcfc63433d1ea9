/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfault: crash or partially hang a Linux host on purpose, to prove kdump capture and hang
 * monitoring. Shared declarations between the control plane (kfault_main.c), the crash
 * scenarios (kfault_crash.c), the soft hangs (kfault_hang.c) and the unexported-symbol
 * resolver (kfault_syms.c).
 */
#ifndef KFAULT_H
#define KFAULT_H

#include <linux/types.h>
#include <linux/seq_file.h>

#define KFAULT_ARG_LEN 128
#define KFAULT_DEFAULT_DURATION 30	/* seconds, soft hangs */
#define KFAULT_DEFAULT_SPIN 60		/* seconds, detector-based crash scenarios */
#define KFAULT_MAX_DURATION 600

/* A trigger request after parsing and validation: only keys the scenario declared. */
struct kfault_request {
	const struct kfault_scenario *scenario;
	unsigned int duration;		/* seconds; always within 1..KFAULT_MAX_DURATION */
	int pid;			/* mmap-lock */
	unsigned int port;		/* tcp-accept: 0 = every port */
	unsigned int workers;		/* workqueue: blockers per CPU */
	char dev[KFAULT_ARG_LEN];	/* blk-freeze */
	char path[KFAULT_ARG_LEN];	/* fs-freeze */
};

enum kfault_kind { KFAULT_CRASH, KFAULT_HANG };

/* Keys a scenario accepts, as a bit set. */
#define KFAULT_KEY_DURATION	(1U << 0)
#define KFAULT_KEY_PID		(1U << 1)
#define KFAULT_KEY_DEV		(1U << 2)
#define KFAULT_KEY_PATH		(1U << 3)
#define KFAULT_KEY_PORT		(1U << 4)
#define KFAULT_KEY_WORKERS	(1U << 5)

struct kfault_scenario {
	const char *name;
	const char *description;
	enum kfault_kind kind;
	unsigned int keys;		/* accepted keys */
	unsigned int required;		/* keys that must be given */
	unsigned int default_duration;
	/* Runs the scenario; crash scenarios normally never return. 0 or -errno. */
	int (*run)(const struct kfault_request *req);
};

/* kfault_crash.c */
int kfault_run_panic(const struct kfault_request *req);
int kfault_run_oops(const struct kfault_request *req);
int kfault_run_bug(const struct kfault_request *req);
int kfault_run_warn(const struct kfault_request *req);
int kfault_run_list_corruption(const struct kfault_request *req);
int kfault_run_softlockup(const struct kfault_request *req);
int kfault_run_hardlockup(const struct kfault_request *req);
int kfault_run_hung_task(const struct kfault_request *req);
int kfault_run_rcu_stall(const struct kfault_request *req);

/* kfault_hang.c */
int kfault_run_rtnl(const struct kfault_request *req);
int kfault_run_tcp_accept(const struct kfault_request *req);
int kfault_run_mmap_lock(const struct kfault_request *req);
int kfault_run_blk_freeze(const struct kfault_request *req);
int kfault_run_fs_freeze(const struct kfault_request *req);
int kfault_run_workqueue(const struct kfault_request *req);
void kfault_hang_status(struct seq_file *m);
void kfault_hang_release_all(void);

/* kfault_syms.c */
unsigned long kfault_lookup_name(const char *name);

#endif /* KFAULT_H */
