import { describeOnRedisGroup } from '../support/redis-group-suite.js';
import { startSentinelGroup } from '../support/redis-topologies.js';

describeOnRedisGroup('a Redis Sentinel group (1 master, 1 replica, 3 sentinels)', startSentinelGroup);
