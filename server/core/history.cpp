#include "history.h"

namespace cortado {

History::Log *History::find(const QString &route, const QString &room)
{
    const auto rooms = m_logs.find(route);
    if (rooms == m_logs.end())
        return nullptr;
    const auto log = rooms->find(room);
    return log == rooms->end() ? nullptr : &*log;
}

const History::Log *History::find(const QString &route, const QString &room) const
{
    const auto rooms = m_logs.constFind(route);
    if (rooms == m_logs.cend())
        return nullptr;
    const auto log = rooms->constFind(room);
    return log == rooms->cend() ? nullptr : &*log;
}

History::Log &History::findOrCreate(const QString &route, const QString &room)
{
    QHash<QString, Log> &rooms = m_logs[route];
    const auto log = rooms.find(room);
    if (log != rooms.end())
        return *log;
    ++m_roomCount;
    return rooms[room];
}

std::optional<HistoryPolicy> History::policy(const QString &route, const QString &room) const
{
    const Log *log = find(route, room);
    if (log && log->policy)
        return log->policy;
    return m_policies ? m_policies(route, room) : std::nullopt;
}

std::optional<qint64> History::nextOffset(const QString &route, const QString &room)
{
    Log *log = find(route, room);
    if (!log) {
        // Logs are never dropped (their offsets must not restart), so the cap is what bounds them.
        if (m_roomCount >= m_maxRooms)
            return std::nullopt;
        const std::optional<HistoryPolicy> rules = policy(route, room);
        log = &findOrCreate(route, room);
        log->policy = rules;
    }
    return log->latest + 1;
}

void History::append(const QString &route, const QString &room, HistoryEntry entry)
{
    Log &log = findOrCreate(route, room);
    if (entry.offset != log.latest + 1 && log.latest > 0) {
        // A gap (a cluster node that missed messages while its broker was away): what came before
        // cannot be replayed without it, so "since" below the new entry is no longer recoverable.
        log.entries.clear();
        log.bytes = 0;
        log.trimmedThrough = entry.offset - 1;
    }
    log.latest = entry.offset;
    log.bytes += frameBytes(entry);
    log.entries.push_back(std::move(entry));
    if (!log.policy && m_policies)
        log.policy = m_policies(route, room);
    // The entry was stamped just now: its time is "now" for the age limit (no clock read per message).
    if (log.policy)
        trim(log, *log.policy, log.entries.back().createdAtMs);
}

// O(1) amortized: each entry is popped once, and the loop stops at the first one that is kept.
void History::trim(Log &log, const HistoryPolicy &policy, qint64 nowMs)
{
    const qint64 oldestAllowed = nowMs - qint64(policy.maxAgeSeconds) * 1000;
    while (!log.entries.empty()
           && (qsizetype(log.entries.size()) > policy.maxMessages || log.bytes > policy.maxBytes
               || log.entries.front().createdAtMs < oldestAllowed)) {
        log.trimmedThrough = log.entries.front().offset;
        log.bytes -= frameBytes(log.entries.front());
        log.entries.pop_front();
    }
}

History::Replay History::since(const QString &route, const QString &room, qint64 since)
{
    Replay replay;
    Log *found = find(route, room);
    if (!found) {
        replay.recovered = since == 0; // nothing was ever sent here
        return replay;
    }
    Log &log = *found;
    if (const std::optional<HistoryPolicy> rules = policy(route, room))
        trim(log, *rules, QDateTime::currentMSecsSinceEpoch());
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
    const Log *log = find(route, room);
    return log ? log->latest : 0;
}

QList<HistoryEntry> History::entries(const QString &route, const QString &room)
{
    const Log *log = find(route, room);
    return since(route, room, log ? log->trimmedThrough : 0).entries;
}

void History::restore(const QString &route, const QString &room, QList<HistoryEntry> entries, qint64 latest)
{
    Log &log = findOrCreate(route, room);
    log.entries.assign(entries.begin(), entries.end());
    log.bytes = 0;
    for (const HistoryEntry &entry : log.entries)
        log.bytes += frameBytes(entry);
    log.policy = m_policies ? m_policies(route, room) : std::nullopt;
    log.latest = std::max(latest, log.entries.empty() ? qint64(0) : log.entries.back().offset);
    if (!log.entries.empty() && log.entries.back().offset < log.latest) {
        // Offsets after the last stored entry were handed out (or reserved) but not stored: a
        // replay from before them would hide that gap, so only "since latest" is recoverable.
        log.entries.clear();
        log.bytes = 0;
    }
    // Offsets before the first restored entry are gone for good.
    log.trimmedThrough = log.entries.empty() ? log.latest : log.entries.front().offset - 1;
    if (const std::optional<HistoryPolicy> rules = policy(route, room))
        trim(log, *rules, QDateTime::currentMSecsSinceEpoch());
}

} // namespace cortado
