/**
 * ceph.conf for a throw-away single-node cluster (1 mon, 1 OSD, no mgr, no auth) whose every
 * path lives under `dir` and whose every socket binds 127.0.0.1. Each option below was needed
 * in the verified recipe (../shared/s3/README.md); the comments say why.
 */
export interface CephConfInput {
  dir: string;
  fsid: string;
  monPort: number;
  rgwPort: number;
  osdStore: 'memstore' | 'bluestore';
  debug: boolean;
}

export function cephConf(c: CephConfInput): string {
  const logLevels = c.debug
    ? 'debug_ms = 1\ndebug_rgw = 20\ndebug_osd = 10\ndebug_mon = 10'
    : 'debug_ms = 0/0\ndebug_rgw = 1/5';
  return `[global]
fsid = ${c.fsid}
mon_host = [v2:127.0.0.1:${c.monPort}]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
# no keyrings: acceptable only because everything binds to loopback
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# radosgw defaults ms_mon_client_mode to "secure", which needs cephx: with auth=none it would
# loop on "get_initial_auth_request returned -13" for 300 s
ms_mon_client_mode = crc
client_mount_timeout = 30
# everything inside the temp dir: /etc/ceph and /var/lib/ceph are never touched
run_dir = ${c.dir}/run
pid_file = ${c.dir}/run/$name.pid
admin_socket = ${c.dir}/run/$name.asok
log_file = ${c.dir}/log/$name.log
mon_cluster_log_file = ${c.dir}/log/cluster.log
mon_data = ${c.dir}/mon/$name
osd_data = ${c.dir}/osd/$name
rgw_data = ${c.dir}/rgw/$name
keyring = ${c.dir}/keyring
crash_dir = ${c.dir}/crash
# one OSD, one replica
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
# the mon shuts itself down below 5 % free disk by default
mon_data_avail_warn = 2
mon_data_avail_crit = 1
mon_warn_on_insecure_global_id_reclaim_allowed = false
# radosgw's first start runs ~10 serial mon commands, each waiting one paxos proposal (1 s by
# default): these bring rgw start from ~9 s to under 1 s
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
${logLevels}

[mon]
mon_initial_members = a

[osd]
osd_objectstore = ${c.osdStore}
memstore_device_bytes = 4G
# bluestore: a sparse file; setting bluestore_block_path makes mkfs fail with ELOOP
bluestore_block_create = true
bluestore_block_size = 20G
bluestore_block_db_create = false
bluestore_block_wal_create = false
bluestore_cache_autotune = false
bluestore_cache_size = 128M
osd_memory_target = 1G
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[client]
rgw_frontends = beast endpoint=127.0.0.1:${c.rgwPort}
rgw_thread_pool_size = 32
rgw_init_timeout = 120
# deleted data is garbage-collected after 2 h by default, and memstore keeps it in RAM
rgw_gc_obj_min_wait = 30
rgw_gc_processor_period = 30
`;
}
