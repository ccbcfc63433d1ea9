// SPDX-License-Identifier: GPL-2.0
/*
 * kfault control plane: the scenario table, arming, trigger parsing, debugfs files and the
 * boot-time (module parameter) form. Everything a user does is logged as one "kfault:" line.
 */
#define pr_fmt(fmt) "kfault: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kfault.h"

#define KFAULT_ARM_SECONDS 60
#define KFAULT_LINE_MAX 512

static bool allow_arm = true;
module_param(allow_arm, bool, 0444);
MODULE_PARM_DESC(allow_arm, "Allow arming at all (0 = every trigger is refused; read-only after load)");

static char *scenario;
module_param(scenario, charp, 0444);
MODULE_PARM_DESC(scenario, "Boot-time form: scenario to trigger right after load (implies arming)");

static char *args;
module_param(args, charp, 0444);
MODULE_PARM_DESC(args, "Boot-time form: key=value arguments for 'scenario', comma or space separated");

static const struct kfault_scenario kfault_scenarios[] = {
	{ "panic", "call panic() with a kfault message", KFAULT_CRASH, 0, 0, 0, kfault_run_panic },
	{ "oops", "write through a NULL pointer (kernel NULL pointer dereference oops)",
	  KFAULT_CRASH, 0, 0, 0, kfault_run_oops },
	{ "bug", "hit BUG() (invalid opcode oops)", KFAULT_CRASH, 0, 0, 0, kfault_run_bug },
	{ "warn", "hit WARN() (a crash only with kernel.panic_on_warn=1)",
	  KFAULT_CRASH, 0, 0, 0, kfault_run_warn },
	{ "list-corruption", "list_add() onto a list whose next->prev is corrupted (CONFIG_DEBUG_LIST)",
	  KFAULT_CRASH, 0, 0, 0, kfault_run_list_corruption },
	{ "softlockup", "spin with preemption off for duration= s (soft lockup; softlockup_panic)",
	  KFAULT_CRASH, KFAULT_KEY_DURATION, 0, KFAULT_DEFAULT_SPIN, kfault_run_softlockup },
	{ "hardlockup", "spin with interrupts off for duration= s (hard lockup; NMI watchdog)",
	  KFAULT_CRASH, KFAULT_KEY_DURATION, 0, KFAULT_DEFAULT_SPIN, kfault_run_hardlockup },
	{ "hung-task", "sleep uninterruptibly for duration= s (hung task; hung_task_panic)",
	  KFAULT_CRASH, KFAULT_KEY_DURATION, 0, KFAULT_DEFAULT_SPIN * 3, kfault_run_hung_task },
	{ "rcu-stall", "spin inside an RCU read section, preemption off, for duration= s (RCU stall)",
	  KFAULT_CRASH, KFAULT_KEY_DURATION, 0, KFAULT_DEFAULT_SPIN, kfault_run_rcu_stall },
	{ "rtnl", "hold rtnl_lock: network configuration blocks, traffic flows",
	  KFAULT_HANG, KFAULT_KEY_DURATION, 0, KFAULT_DEFAULT_DURATION, kfault_run_rtnl },
	{ "tcp-accept", "drop new inbound TCP SYNs (port= limits it); ICMP and established flows pass",
	  KFAULT_HANG, KFAULT_KEY_DURATION | KFAULT_KEY_PORT, 0, KFAULT_DEFAULT_DURATION,
	  kfault_run_tcp_accept },
	{ "mmap-lock", "hold task pid='s mmap lock for write: ps and /proc/<pid>/cmdline readers block",
	  KFAULT_HANG, KFAULT_KEY_DURATION | KFAULT_KEY_PID, KFAULT_KEY_PID, KFAULT_DEFAULT_DURATION,
	  kfault_run_mmap_lock },
	{ "blk-freeze", "freeze block device dev='s queue: its I/O blocks, cached data still reads",
	  KFAULT_HANG, KFAULT_KEY_DURATION | KFAULT_KEY_DEV, KFAULT_KEY_DEV, KFAULT_DEFAULT_DURATION,
	  kfault_run_blk_freeze },
	{ "fs-freeze", "freeze the filesystem mounted at path=: writes to it block, reads work",
	  KFAULT_HANG, KFAULT_KEY_DURATION | KFAULT_KEY_PATH, KFAULT_KEY_PATH, KFAULT_DEFAULT_DURATION,
	  kfault_run_fs_freeze },
	{ "workqueue", "occupy every system_wq worker slot (workers= per CPU): its work items wait",
	  KFAULT_HANG, KFAULT_KEY_DURATION | KFAULT_KEY_WORKERS, 0, KFAULT_DEFAULT_DURATION,
	  kfault_run_workqueue },
};

static struct dentry *kfault_dir;
static DEFINE_MUTEX(kfault_arm_lock);
static unsigned long kfault_armed_until;	/* jiffies; 0 = never armed */
static bool kfault_ever_armed;

static bool kfault_is_armed(void)
{
	return kfault_ever_armed && time_before(jiffies, kfault_armed_until);
}

static int kfault_arm(const char *who)
{
	if (!allow_arm) {
		pr_warn("arming refused (%s): forbidden by module parameter allow_arm=0\n", who);
		return -EPERM;
	}
	mutex_lock(&kfault_arm_lock);
	kfault_armed_until = jiffies + KFAULT_ARM_SECONDS * HZ;
	kfault_ever_armed = true;
	mutex_unlock(&kfault_arm_lock);
	pr_info("armed for %d s by %s\n", KFAULT_ARM_SECONDS, who);
	return 0;
}

static const struct kfault_scenario *kfault_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kfault_scenarios); i++)
		if (!strcmp(kfault_scenarios[i].name, name))
			return &kfault_scenarios[i];
	return NULL;
}

static const struct {
	const char *key;
	unsigned int bit;
} kfault_keys[] = {
	{ "duration", KFAULT_KEY_DURATION }, { "pid", KFAULT_KEY_PID },
	{ "dev", KFAULT_KEY_DEV }, { "path", KFAULT_KEY_PATH },
	{ "port", KFAULT_KEY_PORT }, { "workers", KFAULT_KEY_WORKERS },
};

static unsigned int kfault_key_bit(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kfault_keys); i++)
		if (!strcmp(kfault_keys[i].key, key))
			return kfault_keys[i].bit;
	return 0;
}

/* Applies one key=value to req; logs and returns -EINVAL on a bad value. */
static int kfault_apply_arg(struct kfault_request *req, unsigned int bit, const char *key,
			    const char *value)
{
	const char *name = req->scenario->name;
	unsigned int u;
	int err;

	switch (bit) {
	case KFAULT_KEY_DURATION:
		err = kstrtouint(value, 10, &u);
		if (err || u < 1 || u > KFAULT_MAX_DURATION) {
			pr_warn("refused %s: duration=%s must be 1..%d seconds\n", name, value,
				KFAULT_MAX_DURATION);
			return -EINVAL;
		}
		req->duration = u;
		return 0;
	case KFAULT_KEY_PID:
		err = kstrtouint(value, 10, &u);
		if (err || u < 1 || u > PID_MAX_LIMIT) {
			pr_warn("refused %s: pid=%s is not a process id\n", name, value);
			return -EINVAL;
		}
		req->pid = (int)u;
		return 0;
	case KFAULT_KEY_PORT:
		err = kstrtouint(value, 10, &u);
		if (err || u < 1 || u > 65535) {
			pr_warn("refused %s: port=%s must be 1..65535\n", name, value);
			return -EINVAL;
		}
		req->port = u;
		return 0;
	case KFAULT_KEY_WORKERS:
		err = kstrtouint(value, 10, &u);
		if (err || u < 1 || u > 512) {
			pr_warn("refused %s: workers=%s must be 1..512\n", name, value);
			return -EINVAL;
		}
		req->workers = u;
		return 0;
	case KFAULT_KEY_DEV:
	case KFAULT_KEY_PATH:
		if (!*value || strlen(value) >= KFAULT_ARG_LEN) {
			pr_warn("refused %s: %s= must be 1..%d characters\n", name, key,
				KFAULT_ARG_LEN - 1);
			return -EINVAL;
		}
		strscpy(bit == KFAULT_KEY_DEV ? req->dev : req->path, value, KFAULT_ARG_LEN);
		return 0;
	}
	return -EINVAL;
}

/*
 * Parses "<scenario> [key=value ...]" (separators: spaces, tabs, commas, newlines) into req.
 * Unknown scenarios, unknown or unaccepted keys, bad values and missing required keys are
 * refused with one log line each.
 */
static int kfault_parse(char *line, struct kfault_request *req)
{
	static const char seps[] = " \t\n,";
	unsigned int given = 0, bit;
	char *tok, *eq;
	int err;

	memset(req, 0, sizeof(*req));
	line = strim(line);
	tok = strsep(&line, seps);
	if (!tok || !*tok) {
		pr_warn("refused: empty trigger (write '<scenario> [key=value ...]')\n");
		return -EINVAL;
	}
	req->scenario = kfault_find(tok);
	if (!req->scenario) {
		pr_warn("refused: unknown scenario '%.32s' (see /sys/kernel/debug/kfault/scenarios)\n",
			tok);
		return -ENOENT;
	}
	req->duration = req->scenario->default_duration;
	while ((tok = strsep(&line, seps))) {
		if (!*tok)
			continue;
		eq = strchr(tok, '=');
		if (!eq) {
			pr_warn("refused %s: argument '%.32s' is not key=value\n",
				req->scenario->name, tok);
			return -EINVAL;
		}
		*eq = '\0';
		bit = kfault_key_bit(tok);
		if (!bit || !(req->scenario->keys & bit)) {
			pr_warn("refused %s: unknown key '%.16s'\n", req->scenario->name, tok);
			return -EINVAL;
		}
		err = kfault_apply_arg(req, bit, tok, eq + 1);
		if (err)
			return err;
		given |= bit;
	}
	if ((req->scenario->required & given) != req->scenario->required) {
		pr_warn("refused %s: missing required key (%s)\n", req->scenario->name,
			req->scenario->required & KFAULT_KEY_PID ? "pid=" :
			req->scenario->required & KFAULT_KEY_DEV ? "dev=" : "path=");
		return -EINVAL;
	}
	return 0;
}

static int kfault_trigger(char *line, const char *who)
{
	struct kfault_request req;
	int err;

	err = kfault_parse(line, &req);
	if (err)
		return err;
	if (!kfault_is_armed()) {
		pr_warn("refused %s: not armed (write 1 to /sys/kernel/debug/kfault/arm first%s)\n",
			req.scenario->name, allow_arm ? "" : "; arming is forbidden by allow_arm=0");
		return -EPERM;
	}
	if (req.scenario->kind == KFAULT_HANG || req.scenario->default_duration)
		pr_info("trigger %s (duration %u s) by %s\n", req.scenario->name, req.duration, who);
	else
		pr_info("trigger %s by %s\n", req.scenario->name, who);
	return req.scenario->run(&req);
}

/* ---- debugfs ---- */

static int kfault_scenarios_show(struct seq_file *m, void *v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kfault_scenarios); i++)
		seq_printf(m, "%-16s %s: %s\n", kfault_scenarios[i].name,
			   kfault_scenarios[i].kind == KFAULT_CRASH ? "crash" : "hang",
			   kfault_scenarios[i].description);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kfault_scenarios);

static int kfault_status_show(struct seq_file *m, void *v)
{
	if (!allow_arm)
		seq_puts(m, "armed: forbidden (allow_arm=0)\n");
	else if (kfault_is_armed())
		seq_printf(m, "armed: yes, %u s left\n",
			   jiffies_to_msecs(kfault_armed_until - jiffies) / 1000);
	else
		seq_puts(m, "armed: no\n");
	kfault_hang_status(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kfault_status);

static char *kfault_copy_line(const char __user *ubuf, size_t count)
{
	if (count == 0 || count >= KFAULT_LINE_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user_nul(ubuf, count);
}

static void kfault_who(char *buf, size_t len)
{
	snprintf(buf, len, "pid %d (%s)", task_pid_nr(current), current->comm);
}

static ssize_t kfault_arm_write(struct file *file, const char __user *ubuf, size_t count,
				loff_t *ppos)
{
	char who[48];
	char *line;
	bool on;
	int err;

	line = kfault_copy_line(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	err = kstrtobool(strim(line), &on);
	kfree(line);
	kfault_who(who, sizeof(who));
	if (err) {
		pr_warn("arming refused (%s): write 1 to arm, 0 to disarm\n", who);
		return -EINVAL;
	}
	if (!on) {
		mutex_lock(&kfault_arm_lock);
		kfault_ever_armed = false;
		mutex_unlock(&kfault_arm_lock);
		pr_info("disarmed by %s\n", who);
		return count;
	}
	err = kfault_arm(who);
	return err ? err : count;
}

static ssize_t kfault_arm_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%u\n", kfault_is_armed() ?
			jiffies_to_msecs(kfault_armed_until - jiffies) / 1000 : 0);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations kfault_arm_fops = {
	.owner = THIS_MODULE,
	.read = kfault_arm_read,
	.write = kfault_arm_write,
	.llseek = default_llseek,
};

static ssize_t kfault_trigger_write(struct file *file, const char __user *ubuf, size_t count,
				    loff_t *ppos)
{
	char who[48];
	char *line;
	int err;

	line = kfault_copy_line(ubuf, count);
	if (IS_ERR(line)) {
		pr_warn("refused: trigger line must be 1..%d bytes\n", KFAULT_LINE_MAX - 1);
		return PTR_ERR(line);
	}
	kfault_who(who, sizeof(who));
	err = kfault_trigger(line, who);
	kfree(line);
	return err ? err : count;
}

static const struct file_operations kfault_trigger_fops = {
	.owner = THIS_MODULE,
	.write = kfault_trigger_write,
	.llseek = noop_llseek,
};

/* ---- boot-time form ---- */

static int kfault_boot_thread(void *data)
{
	char *line = data;

	kfault_trigger(line, "module parameter");
	kfree(line);
	return 0;
}

static void kfault_boot_trigger(void)
{
	struct task_struct *t;
	char *line;

	if (!scenario || !*scenario)
		return;
	if (kfault_arm("module parameter"))
		return;
	line = kasprintf(GFP_KERNEL, "%s %s", scenario, args ? args : "");
	if (!line)
		return;
	/* Run outside module init so a spin or sleep never holds the module loader. */
	t = kthread_run(kfault_boot_thread, line, "kfault-boot");
	if (IS_ERR(t)) {
		pr_err("boot-time trigger of %s failed: %ld\n", scenario, PTR_ERR(t));
		kfree(line);
	}
}

static int __init kfault_init(void)
{
	kfault_dir = debugfs_create_dir("kfault", NULL);
	if (IS_ERR(kfault_dir)) {
		pr_err("cannot create /sys/kernel/debug/kfault: %ld\n", PTR_ERR(kfault_dir));
		return PTR_ERR(kfault_dir);
	}
	debugfs_create_file("scenarios", 0444, kfault_dir, NULL, &kfault_scenarios_fops);
	debugfs_create_file("status", 0444, kfault_dir, NULL, &kfault_status_fops);
	debugfs_create_file("arm", 0600, kfault_dir, NULL, &kfault_arm_fops);
	debugfs_create_file("trigger", 0200, kfault_dir, NULL, &kfault_trigger_fops);
	pr_info("loaded: %zu scenarios, arming %s\n", ARRAY_SIZE(kfault_scenarios),
		allow_arm ? "allowed" : "forbidden (allow_arm=0)");
	kfault_boot_trigger();
	return 0;
}

static void __exit kfault_exit(void)
{
	debugfs_remove_recursive(kfault_dir);
	kfault_hang_release_all();
	pr_info("unloaded: every hang released\n");
}

module_init(kfault_init);
module_exit(kfault_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("kdumpfleet");
MODULE_DESCRIPTION("Controlled crashes and soft hangs for proving kdump and hang monitoring");
MODULE_VERSION("0.1.0");
