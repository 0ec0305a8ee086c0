// Cluster mode's settings (--redis, --node-id, --cluster-timeout-ms; docs/configuration.md).
// Plain data, no hiredis: config and the server read it without the Redis client.
#pragma once

#include <QString>

namespace cortado::cluster {

struct ClusterConfig
{
    QString redisUrl; // redis://[[user]:password@]host[:port][/db], validated by RedisUrl::parse
    QString nodeId; // [A-Za-z0-9_-]{1,32}; Config fills in a random one when none is given
    int timeoutMs = 500; // how long a cluster-wide view waits for the other nodes
};

} // namespace cortado::cluster
