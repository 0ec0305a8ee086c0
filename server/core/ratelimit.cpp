#include "ratelimit.h"

#include <QElapsedTimer>
#include <QStringList>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace cortado {

qint64 monotonicMs()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer started;
        started.start();
        return started;
    }();
    return clock.elapsed();
}

std::optional<RateLimit> RateLimit::parse(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == "off"_L1 || trimmed == "0"_L1)
        return RateLimit{};
    const QStringList parts = trimmed.split(u'/');
    if (parts.size() > 2)
        return std::nullopt;
    bool rateOk = false, burstOk = true;
    const double rate = parts.at(0).toDouble(&rateOk);
    const double burst = parts.size() == 2 ? parts.at(1).toDouble(&burstOk) : 2 * rate;
    if (!rateOk || !burstOk || !(rate > 0) || !(burst >= 1) || !std::isfinite(rate) || !std::isfinite(burst))
        return std::nullopt;
    return RateLimit{rate, burst};
}

bool TokenBucket::take(const RateLimit &limit, qint64 nowMs, qint64 *retryAfterMs)
{
    if (!limit.isLimited())
        return true;
    if (m_tokens < 0)
        m_tokens = limit.burst;
    else
        m_tokens = std::min(limit.burst, m_tokens + double(nowMs - m_updatedMs) * limit.perSecond / 1000.0);
    m_updatedMs = nowMs;
    if (m_tokens >= 1) {
        m_tokens -= 1;
        return true;
    }
    if (retryAfterMs)
        *retryAfterMs = qint64(std::ceil((1 - m_tokens) * 1000.0 / limit.perSecond));
    return false;
}

bool TokenBucket::isFull(const RateLimit &limit, qint64 nowMs) const
{
    return m_tokens < 0 || m_tokens + double(nowMs - m_updatedMs) * limit.perSecond / 1000.0 >= limit.burst;
}

bool RateLimiter::take(const QString &key, qint64 nowMs, qint64 *retryAfterMs)
{
    if (!m_limit.isLimited())
        return true;
    auto bucket = m_buckets.find(key);
    if (bucket == m_buckets.end()) {
        if (m_buckets.size() >= m_maxKeys)
            forgetFull(nowMs);
        if (m_buckets.size() >= m_maxKeys) {
            if (retryAfterMs)
                *retryAfterMs = qint64(std::ceil(1000.0 / m_limit.perSecond));
            return false;
        }
        bucket = m_buckets.insert(key, TokenBucket{});
    }
    const bool taken = bucket->take(m_limit, nowMs, retryAfterMs);
    // Now and then, forget the buckets that refilled: their keys are idle.
    if (nowMs - m_sweptMs > 10'000)
        forgetFull(nowMs);
    return taken;
}

void RateLimiter::forgetFull(qint64 nowMs)
{
    m_sweptMs = nowMs;
    m_buckets.removeIf([&](const auto &entry) { return entry.value().isFull(m_limit, nowMs); });
}

} // namespace cortado
