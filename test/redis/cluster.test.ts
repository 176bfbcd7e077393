import { describeOnRedisGroup } from '../support/redis-group-suite.js';
import { startRedisCluster } from '../support/redis-topologies.js';

describeOnRedisGroup('a Redis Cluster (3 masters, 3 replicas, ACL user)', startRedisCluster);
