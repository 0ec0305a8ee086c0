#include "history.h"

namespace cortado {

std::optional<HistoryPolicy> History::policy(const QString &route, const QString &room) const
{
    return m_policies ? m_policies(route, room) : std::nullopt;
}

qint64 History::nextOffset(const QString &route, const QString &room)
{
    return m_logs[key(route, room)].latest + 1;
}

void History::append(const QString &route, const QString &room, HistoryEntry entry)
{
    Log &log = m_logs[key(route, room)];
    log.latest = entry.offset;
    log.entries.push_back(std::move(entry));
    if (const std::optional<HistoryPolicy> rules = policy(route, room))
        trim(log, *rules);
}

void History::trim(Log &log, const HistoryPolicy &policy)
{
    const qint64 oldestAllowed = QDateTime::currentMSecsSinceEpoch() - qint64(policy.maxAgeSeconds) * 1000;
    while (!log.entries.empty()
           && (qsizetype(log.entries.size()) > policy.maxMessages
               || log.entries.front().createdAtMs < oldestAllowed)) {
        log.trimmedThrough = log.entries.front().offset;
        log.entries.pop_front();
    }
}

History::Replay History::since(const QString &route, const QString &room, qint64 since)
{
    Replay replay;
    const auto it = m_logs.find(key(route, room));
    if (it == m_logs.end()) {
        replay.recovered = since == 0; // nothing was ever sent here
        return replay;
    }
    Log &log = *it;
    if (const std::optional<HistoryPolicy> rules = policy(route, room))
        trim(log, *rules);
    replay.latest = log.latest;
    // Recoverable when every offset after `since` is still here: nothing was trimmed past it, and
    // the client does not claim a future offset.
    replay.recovered = since >= log.trimmedThrough && since <= log.latest;
    if (!replay.recovered)
        return replay;
    for (const HistoryEntry &entry : log.entries) {
        if (entry.offset > since)
            replay.entries.append(entry);
    }
    return replay;
}

qint64 History::latestOffset(const QString &route, const QString &room) const
{
    return m_logs.value(key(route, room)).latest;
}

QList<HistoryEntry> History::entries(const QString &route, const QString &room)
{
    return since(route, room, m_logs.value(key(route, room)).trimmedThrough).entries;
}

void History::restore(const QString &route, const QString &room, QList<HistoryEntry> entries, qint64 latest)
{
    Log &log = m_logs[key(route, room)];
    log.entries.assign(entries.begin(), entries.end());
    log.latest = std::max(latest, log.entries.empty() ? qint64(0) : log.entries.back().offset);
    // Offsets before the first restored entry are gone for good.
    log.trimmedThrough = log.entries.empty() ? log.latest : log.entries.front().offset - 1;
    if (const std::optional<HistoryPolicy> rules = policy(route, room))
        trim(log, *rules);
}

} // namespace cortado
