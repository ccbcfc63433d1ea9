// SPDX-License-Identifier: GPL-2.0
/*
 * Soft hangs: take one resource away from the rest of the host for duration= seconds, then give
 * it back. Each active hang has a holder kthread that acquires the resource, sleeps (TASK_IDLE,
 * so it adds no load and khungtaskd ignores it) until the deadline or until it is stopped, and
 * releases the resource itself; acquire and release run in the same task, which is what rtnl's
 * mutex and the block layer's freeze annotations require. Module unload stops every holder.
 */
#define pr_fmt(fmt) "kfault: " fmt

#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/path.h>
#include <linux/pid.h>
#include <linux/rtnetlink.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include "kfault.h"

struct kfault_hang;

struct kfault_hang_ops {
	/* Takes the resource; runs in the holder kthread. 0 or -errno. */
	int (*hold)(struct kfault_hang *h);
	/* Gives it back; runs in the holder kthread after a successful hold. */
	void (*release)(struct kfault_hang *h);
	/* Frees what the trigger prepared (after release, or when hold failed). */
	void (*cleanup)(struct kfault_hang *h);
	/* Extra status text, may be NULL. */
	void (*status)(struct kfault_hang *h, struct seq_file *m);
};

struct kfault_wq_block {
	struct work_struct work;
	struct kfault_hang *hang;
};

struct kfault_hang {
	struct list_head node;
	const char *name;
	char what[160];			/* "rtnl_lock", "queue of vda", ... */
	const struct kfault_hang_ops *ops;
	unsigned int duration;
	unsigned long started;		/* jiffies */
	unsigned long deadline;		/* jiffies */
	struct task_struct *holder;
	struct completion held;
	int hold_err;
	bool done;			/* released; the holder has returned or is returning */
	/* scenario state */
	struct net *net;
	struct nf_hook_ops nf_ops[2];
	unsigned int port;
	atomic_t dropped;
	struct mm_struct *mm;
	struct block_device *bdev;
	void *bdev_handle;		/* what kfault_bdev_close() needs */
	struct request_queue *queue;
	struct path path;
	struct kfault_wq_block *blocks;
	unsigned int nblocks;
	wait_queue_head_t unblock_wait;
	bool unblock;
	struct work_struct probe;
	unsigned long probe_queued, probe_ran;	/* jiffies; probe_ran 0 = not yet */
};

static LIST_HEAD(kfault_hangs);
static DEFINE_MUTEX(kfault_hangs_lock);

static unsigned int kfault_seconds_left(const struct kfault_hang *h)
{
	if (time_after_eq(jiffies, h->deadline))
		return 0;
	return DIV_ROUND_UP(jiffies_to_msecs(h->deadline - jiffies), 1000);
}

static int kfault_holder(void *data)
{
	struct kfault_hang *h = data;
	bool stopped = false;

	h->hold_err = h->ops->hold(h);
	complete(&h->held);
	if (h->hold_err)
		return h->hold_err;
	pr_info("%s: holding %s for %u s\n", h->name, h->what, h->duration);
	while (time_before(jiffies, h->deadline)) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop()) {
			stopped = true;
			break;
		}
		schedule_timeout(h->deadline - jiffies);
	}
	__set_current_state(TASK_RUNNING);
	h->ops->release(h);
	pr_info("%s: released %s after %u s (%s)\n", h->name, h->what,
		jiffies_to_msecs(jiffies - h->started) / 1000,
		stopped ? "module unload" : "duration elapsed");
	WRITE_ONCE(h->done, true);
	return 0;
}

static void kfault_hang_free(struct kfault_hang *h)
{
	if (h->ops->cleanup)
		h->ops->cleanup(h);
	kfree(h);
}

/* Stops (if still holding) and frees one hang. Caller holds kfault_hangs_lock. */
static void kfault_hang_reap(struct kfault_hang *h)
{
	list_del(&h->node);
	kthread_stop(h->holder);
	put_task_struct(h->holder);
	kfault_hang_free(h);
}

static void kfault_reap_done(void)
{
	struct kfault_hang *h, *tmp;

	list_for_each_entry_safe(h, tmp, &kfault_hangs, node)
		if (READ_ONCE(h->done))
			kfault_hang_reap(h);
}

static struct kfault_hang *kfault_hang_alloc(const struct kfault_request *req,
					     const struct kfault_hang_ops *ops)
{
	struct kfault_hang *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return NULL;
	h->name = req->scenario->name;
	h->ops = ops;
	h->duration = req->duration;
	init_completion(&h->held);
	init_waitqueue_head(&h->unblock_wait);
	atomic_set(&h->dropped, 0);
	return h;
}

/* Starts the holder for a prepared hang and waits until it holds the resource (or failed). */
static int kfault_hang_start(struct kfault_hang *h)
{
	struct kfault_hang *other;
	struct task_struct *t;
	int err;

	mutex_lock(&kfault_hangs_lock);
	kfault_reap_done();
	list_for_each_entry(other, &kfault_hangs, node) {
		if (other->name == h->name) {
			pr_warn("refused %s: already active (%u s left)\n", h->name,
				kfault_seconds_left(other));
			mutex_unlock(&kfault_hangs_lock);
			kfault_hang_free(h);
			return -EBUSY;
		}
	}
	h->started = jiffies;
	h->deadline = h->started + (unsigned long)h->duration * HZ;
	t = kthread_create(kfault_holder, h, "kfault-%s", h->name);
	if (IS_ERR(t)) {
		mutex_unlock(&kfault_hangs_lock);
		pr_err("%s: cannot start holder thread: %ld\n", h->name, PTR_ERR(t));
		kfault_hang_free(h);
		return PTR_ERR(t);
	}
	get_task_struct(t);
	h->holder = t;
	list_add_tail(&h->node, &kfault_hangs);
	wake_up_process(t);
	wait_for_completion(&h->held);
	err = h->hold_err;
	if (err) {
		pr_warn("refused %s: cannot hold %s (error %d)\n", h->name, h->what, err);
		kfault_hang_reap(h);
	}
	mutex_unlock(&kfault_hangs_lock);
	return err;
}

void kfault_hang_status(struct seq_file *m)
{
	struct kfault_hang *h;
	unsigned int n = 0;

	mutex_lock(&kfault_hangs_lock);
	kfault_reap_done();
	list_for_each_entry(h, &kfault_hangs, node) {
		seq_printf(m, "hang: %s holding %s, %u s left", h->name, h->what,
			   kfault_seconds_left(h));
		if (h->ops->status)
			h->ops->status(h, m);
		seq_putc(m, '\n');
		n++;
	}
	if (!n)
		seq_puts(m, "hangs: none\n");
	mutex_unlock(&kfault_hangs_lock);
}

void kfault_hang_release_all(void)
{
	struct kfault_hang *h, *tmp;

	mutex_lock(&kfault_hangs_lock);
	list_for_each_entry_safe(h, tmp, &kfault_hangs, node)
		kfault_hang_reap(h);
	mutex_unlock(&kfault_hangs_lock);
}

/* ---- rtnl ---- */

static int kfault_rtnl_hold(struct kfault_hang *h)
{
	rtnl_lock();
	return 0;
}

static void kfault_rtnl_release(struct kfault_hang *h)
{
	rtnl_unlock();
}

static const struct kfault_hang_ops kfault_rtnl_ops = {
	.hold = kfault_rtnl_hold,
	.release = kfault_rtnl_release,
};

int kfault_run_rtnl(const struct kfault_request *req)
{
	struct kfault_hang *h = kfault_hang_alloc(req, &kfault_rtnl_ops);

	if (!h)
		return -ENOMEM;
	strscpy(h->what, "rtnl_lock", sizeof(h->what));
	return kfault_hang_start(h);
}

/* ---- tcp-accept ---- */

static bool kfault_is_new_tcp(const struct tcphdr *th, unsigned int port)
{
	return th && th->syn && !th->ack && (!port || ntohs(th->dest) == port);
}

static unsigned int kfault_syn_drop4(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct kfault_hang *h = priv;
	const struct iphdr *iph = ip_hdr(skb);
	struct tcphdr _th;
	const struct tcphdr *th;

	if (iph->protocol != IPPROTO_TCP || (iph->frag_off & htons(IP_OFFSET)))
		return NF_ACCEPT;
	th = skb_header_pointer(skb, skb_network_offset(skb) + iph->ihl * 4, sizeof(_th), &_th);
	if (!kfault_is_new_tcp(th, h->port))
		return NF_ACCEPT;
	atomic_inc(&h->dropped);
	return NF_DROP;
}

/* IPv6 without extension headers before TCP (what connection attempts look like). */
static unsigned int kfault_syn_drop6(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct kfault_hang *h = priv;
	struct tcphdr _th;
	const struct tcphdr *th;

	if (ipv6_hdr(skb)->nexthdr != IPPROTO_TCP)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, skb_network_offset(skb) + sizeof(struct ipv6hdr), sizeof(_th),
				&_th);
	if (!kfault_is_new_tcp(th, h->port))
		return NF_ACCEPT;
	atomic_inc(&h->dropped);
	return NF_DROP;
}

static int kfault_tcp_hold(struct kfault_hang *h)
{
	h->nf_ops[0] = (struct nf_hook_ops){ .hook = kfault_syn_drop4, .priv = h,
		.pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN, .priority = NF_IP_PRI_FIRST };
	h->nf_ops[1] = (struct nf_hook_ops){ .hook = kfault_syn_drop6, .priv = h,
		.pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN, .priority = NF_IP6_PRI_FIRST };
	return nf_register_net_hooks(h->net, h->nf_ops, IS_ENABLED(CONFIG_IPV6) ? 2 : 1);
}

static void kfault_tcp_release(struct kfault_hang *h)
{
	nf_unregister_net_hooks(h->net, h->nf_ops, IS_ENABLED(CONFIG_IPV6) ? 2 : 1);
	pr_info("tcp-accept: dropped %d connection attempts\n", atomic_read(&h->dropped));
}

static void kfault_tcp_status(struct kfault_hang *h, struct seq_file *m)
{
	seq_printf(m, ", %d SYNs dropped", atomic_read(&h->dropped));
}

static const struct kfault_hang_ops kfault_tcp_ops = {
	.hold = kfault_tcp_hold,
	.release = kfault_tcp_release,
	.status = kfault_tcp_status,
};

int kfault_run_tcp_accept(const struct kfault_request *req)
{
	struct kfault_hang *h = kfault_hang_alloc(req, &kfault_tcp_ops);

	if (!h)
		return -ENOMEM;
	h->net = &init_net;
	h->port = req->port;
	if (req->port)
		snprintf(h->what, sizeof(h->what), "new inbound TCP connections to port %u",
			 req->port);
	else
		strscpy(h->what, "new inbound TCP connections", sizeof(h->what));
	return kfault_hang_start(h);
}

/* ---- mmap-lock ---- */

static int kfault_mmap_hold(struct kfault_hang *h)
{
	mmap_write_lock(h->mm);
	return 0;
}

static void kfault_mmap_release(struct kfault_hang *h)
{
	mmap_write_unlock(h->mm);
}

static void kfault_mmap_cleanup(struct kfault_hang *h)
{
	if (h->mm)
		mmput(h->mm);
}

static const struct kfault_hang_ops kfault_mmap_ops = {
	.hold = kfault_mmap_hold,
	.release = kfault_mmap_release,
	.cleanup = kfault_mmap_cleanup,
};

int kfault_run_mmap_lock(const struct kfault_request *req)
{
	struct kfault_hang *h;
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;
	char comm[TASK_COMM_LEN];

	pid = find_get_pid(req->pid);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task) {
		pr_warn("refused mmap-lock: no process with pid %d\n", req->pid);
		return -ESRCH;
	}
	get_task_comm(comm, task);
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm) {
		pr_warn("refused mmap-lock: pid %d (%s) has no address space (kernel thread?)\n",
			req->pid, comm);
		return -EINVAL;
	}
	h = kfault_hang_alloc(req, &kfault_mmap_ops);
	if (!h) {
		mmput(mm);
		return -ENOMEM;
	}
	h->mm = mm;
	snprintf(h->what, sizeof(h->what), "the mmap lock of pid %d (%s) for write", req->pid,
		 comm);
	return kfault_hang_start(h);
}

/* ---- blk-freeze ---- */

static int kfault_blk_hold(struct kfault_hang *h)
{
	blk_mq_freeze_queue(h->queue);
	return 0;
}

static void kfault_blk_release(struct kfault_hang *h)
{
	blk_mq_unfreeze_queue(h->queue);
}

/* Opening the device (read-only) pins its gendisk and queue for as long as the hang lasts. */
static struct block_device *kfault_bdev_open(dev_t devt, void **handle)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *f = bdev_file_open_by_dev(devt, BLK_OPEN_READ, NULL, NULL);

	if (IS_ERR(f))
		return ERR_CAST(f);
	*handle = f;
	return file_bdev(f);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	*handle = NULL;
	return blkdev_get_by_dev(devt, BLK_OPEN_READ, NULL, NULL);
#else
	*handle = NULL;
	return blkdev_get_by_dev(devt, FMODE_READ, NULL);
#endif
}

static void kfault_bdev_close(struct block_device *bdev, void *handle)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	fput(handle);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	blkdev_put(bdev, NULL);
#else
	blkdev_put(bdev, FMODE_READ);
#endif
}

static void kfault_blk_cleanup(struct kfault_hang *h)
{
	if (h->bdev)
		kfault_bdev_close(h->bdev, h->bdev_handle);
}

static const struct kfault_hang_ops kfault_blk_ops = {
	.hold = kfault_blk_hold,
	.release = kfault_blk_release,
	.cleanup = kfault_blk_cleanup,
};

int kfault_run_blk_freeze(const struct kfault_request *req)
{
	char devpath[KFAULT_ARG_LEN + 8];
	struct block_device *bdev;
	struct kfault_hang *h;
	void *handle;
	dev_t devt;
	int err;

	if (strncmp(req->dev, "/dev/", 5))
		snprintf(devpath, sizeof(devpath), "/dev/%s", req->dev);
	else
		strscpy(devpath, req->dev, sizeof(devpath));
	err = lookup_bdev(devpath, &devt);
	if (err) {
		pr_warn("refused blk-freeze: no block device %s (error %d)\n", devpath, err);
		return err;
	}
	bdev = kfault_bdev_open(devt, &handle);
	if (IS_ERR(bdev)) {
		pr_warn("refused blk-freeze: cannot open %s (error %ld)\n", devpath, PTR_ERR(bdev));
		return PTR_ERR(bdev);
	}
	if (!queue_is_mq(bdev_get_queue(bdev))) {
		pr_warn("refused blk-freeze: %s has no blk-mq request queue\n", devpath);
		kfault_bdev_close(bdev, handle);
		return -EINVAL;
	}
	h = kfault_hang_alloc(req, &kfault_blk_ops);
	if (!h) {
		kfault_bdev_close(bdev, handle);
		return -ENOMEM;
	}
	h->bdev = bdev;
	h->bdev_handle = handle;
	h->queue = bdev_get_queue(bdev);
	snprintf(h->what, sizeof(h->what), "the request queue of %.64s (disk %.32s) frozen",
		 devpath, bdev->bd_disk->disk_name);
	return kfault_hang_start(h);
}

/* ---- fs-freeze ---- */

static int kfault_fs_hold(struct kfault_hang *h)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return freeze_super(h->path.dentry->d_sb, FREEZE_HOLDER_KERNEL);
#else
	return freeze_super(h->path.dentry->d_sb);
#endif
}

static void kfault_fs_release(struct kfault_hang *h)
{
	int err;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	err = thaw_super(h->path.dentry->d_sb, FREEZE_HOLDER_KERNEL);
#else
	err = thaw_super(h->path.dentry->d_sb);
#endif
	if (err)
		pr_err("fs-freeze: thaw failed: %d\n", err);
}

static void kfault_fs_cleanup(struct kfault_hang *h)
{
	if (h->path.dentry)
		path_put(&h->path);
}

static const struct kfault_hang_ops kfault_fs_ops = {
	.hold = kfault_fs_hold,
	.release = kfault_fs_release,
	.cleanup = kfault_fs_cleanup,
};

int kfault_run_fs_freeze(const struct kfault_request *req)
{
	struct kfault_hang *h;
	struct path path;
	int err;

	err = kern_path(req->path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	if (err) {
		pr_warn("refused fs-freeze: cannot look up directory '%s' (error %d)\n", req->path,
			err);
		return err;
	}
	h = kfault_hang_alloc(req, &kfault_fs_ops);
	if (!h) {
		path_put(&path);
		return -ENOMEM;
	}
	h->path = path;	/* holding the path keeps the mount, hence the superblock, alive */
	snprintf(h->what, sizeof(h->what), "the %.16s filesystem on %.32s (%.64s) frozen",
		 path.dentry->d_sb->s_type->name, path.dentry->d_sb->s_id, req->path);
	return kfault_hang_start(h);
}

/* ---- workqueue ---- */

static void kfault_wq_blocker(struct work_struct *work)
{
	struct kfault_hang *h = container_of(work, struct kfault_wq_block, work)->hang;

	/* TASK_IDLE: occupies a worker without load or hung-task reports. */
	wait_event_idle(h->unblock_wait, READ_ONCE(h->unblock));
}

static void kfault_wq_probe(struct work_struct *work)
{
	struct kfault_hang *h = container_of(work, struct kfault_hang, probe);

	WRITE_ONCE(h->probe_ran, jiffies | 1);
}

static int kfault_wq_hold(struct kfault_hang *h)
{
	unsigned int per_cpu = h->nblocks / num_online_cpus(), i = 0, k;
	int cpu;

	for_each_online_cpu(cpu) {
		for (k = 0; k < per_cpu && i < h->nblocks; k++, i++) {
			h->blocks[i].hang = h;
			INIT_WORK(&h->blocks[i].work, kfault_wq_blocker);
			queue_work_on(cpu, system_wq, &h->blocks[i].work);
		}
	}
	h->nblocks = i;
	/* A system_wq work item queued behind the blockers: it runs only once they let go. */
	INIT_WORK(&h->probe, kfault_wq_probe);
	h->probe_queued = jiffies;
	queue_work_on(cpumask_first(cpu_online_mask), system_wq, &h->probe);
	return 0;
}

static void kfault_wq_release(struct kfault_hang *h)
{
	unsigned long ran;
	unsigned int i;

	WRITE_ONCE(h->unblock, true);
	wake_up_all(&h->unblock_wait);
	for (i = 0; i < h->nblocks; i++)
		flush_work(&h->blocks[i].work);
	flush_work(&h->probe);
	ran = READ_ONCE(h->probe_ran);
	pr_info("workqueue: probe work item waited %u ms behind %u blockers\n",
		jiffies_to_msecs(ran - h->probe_queued), h->nblocks);
}

static void kfault_wq_cleanup(struct kfault_hang *h)
{
	kvfree(h->blocks);
}

static void kfault_wq_status(struct kfault_hang *h, struct seq_file *m)
{
	unsigned long ran = READ_ONCE(h->probe_ran);

	if (ran)
		seq_printf(m, ", probe ran after %u ms", jiffies_to_msecs(ran - h->probe_queued));
	else
		seq_printf(m, ", probe pending for %u s",
			   jiffies_to_msecs(jiffies - h->probe_queued) / 1000);
}

static const struct kfault_hang_ops kfault_wq_ops = {
	.hold = kfault_wq_hold,
	.release = kfault_wq_release,
	.cleanup = kfault_wq_cleanup,
	.status = kfault_wq_status,
};

int kfault_run_workqueue(const struct kfault_request *req)
{
	unsigned int per_cpu = req->workers ? req->workers : WQ_DFL_ACTIVE;
	struct kfault_hang *h = kfault_hang_alloc(req, &kfault_wq_ops);

	if (!h)
		return -ENOMEM;
	h->nblocks = per_cpu * num_online_cpus();
	h->blocks = kvcalloc(h->nblocks, sizeof(*h->blocks), GFP_KERNEL);
	if (!h->blocks) {
		kfree(h);
		return -ENOMEM;
	}
	snprintf(h->what, sizeof(h->what), "%u system_wq workers per CPU", per_cpu);
	return kfault_hang_start(h);
}
