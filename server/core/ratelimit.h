// Token buckets: how many events a socket, a user or an address may send, with bursts.
#pragma once

#include <QHash>
#include <QString>

#include <optional>

namespace cortado {

// Milliseconds on a monotonic clock, the one rate limits measure with.
qint64 monotonicMs();

// `perSecond` tokens refill continuously up to `burst`; each event takes one. perSecond <= 0: no limit.
struct RateLimit
{
    double perSecond = 0;
    double burst = 0;

    bool isLimited() const { return perSecond > 0; }
    // "100/200" (rate/burst), "100" (burst = 2 x rate), "off" or "0" (no limit); nullopt when malformed.
    static std::optional<RateLimit> parse(const QString &text);
};

class TokenBucket
{
public:
    // Takes a token if there is one. Otherwise false, and `retryAfterMs` says when one will be.
    bool take(const RateLimit &limit, qint64 nowMs, qint64 *retryAfterMs = nullptr);
    // Whether the bucket has refilled completely by `nowMs` (then it need not be kept).
    bool isFull(const RateLimit &limit, qint64 nowMs) const;

private:
    double m_tokens = -1; // < 0: never used, full
    qint64 m_updatedMs = 0;
};

// Buckets by key (a user id, an address), with one limit for all. Bounded: buckets that refilled
// are forgotten, and at most `maxKeys` are kept; a new key beyond that is refused until old ones
// refill (an attacker with many addresses cannot grow the server's memory).
class RateLimiter
{
public:
    explicit RateLimiter(RateLimit limit = {}, qsizetype maxKeys = 100'000)
        : m_limit(limit), m_maxKeys(maxKeys)
    {
    }

    const RateLimit &limit() const { return m_limit; }
    bool take(const QString &key, qint64 nowMs, qint64 *retryAfterMs = nullptr);
    qsizetype size() const { return m_buckets.size(); }

private:
    void forgetFull(qint64 nowMs);

    RateLimit m_limit;
    qsizetype m_maxKeys;
    QHash<QString, TokenBucket> m_buckets;
    qint64 m_sweptMs = 0;
};

// The server's rate limits; ServerConfig carries them, docs/security.md lists them.
struct RateLimits
{
    RateLimit eventsPerSocket{100, 200}; // client events, each socket (a route may set its own)
    RateLimit eventsPerUser{200, 400}; // client events, all sockets of one signed-in user together
    // Client events of all guest sockets from one address together, so that reconnecting for a
    // fresh socket bucket gains a flood nothing.
    RateLimit guestEventsPerAddress{500, 1000};
    // A socket refused this many times within 10 s is closed with 4029.
    int refusalsBeforeClose = 100;
    RateLimit restPerClient{100, 200}; // REST requests per signed-in user, else per address
    RateLimit handshakesPerAddress{200, 400}; // WebSocket upgrade requests per address
    qsizetype maxTrackedClients = 100'000; // users / addresses with a bucket at once
    // Rooms whose stored history a guest (no token) may open, server-wide; signed-in users and
    // the server itself are not counted. Beyond it a guest's message that would open one more is
    // refused with `forbidden`.
    int guestHistoryRooms = 100;
    // Heavy handlers (WsRoute::onHeavy) queued or running at once, server-wide: the worker pool's
    // queue has this bound. One more is answered `overloaded` (retry later) and not queued.
    int heavyJobs = 1000;
};

} // namespace cortado
