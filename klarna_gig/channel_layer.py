"""The Redis channel layer, with a connection pool that waits for a free connection instead of failing.

redis-py's asyncio pool raises MaxConnectionsError past its size. Hundreds of sockets closing at once
(a deploy, a network blip) each leave their groups in the same instant; with the plain pool the ones
past the limit failed and left dead channels in groups. A blocking pool queues them for a moment.
"""

from channels_redis.core import RedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class WaitingRedisChannelLayer(RedisChannelLayer):
    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(host.pop("address"), **host)
