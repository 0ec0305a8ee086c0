#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <deque>
#include <functional>
#include <optional>

namespace cortado {

struct HistoryPolicy
{
    int maxMessages = 100; // the newest this many are kept (in memory and in storage)
    int maxAgeSeconds = 24 * 3600; // and none older than this
    // And at most this many bytes of frames in memory (UTF-8, as sent); the oldest go first.
    qint64 maxBytes = 1024 * 1024;
};

struct HistoryEntry
{
    qint64 offset = 0;
    qint64 createdAtMs = 0;
    QByteArray frame; // the message as sent (UTF-8 JSON), offset included; shared with the wire
};

// Ordered, bounded message logs of the rooms that keep history. Each broadcast into such a room gets
// the next offset of that room (1, 2, 3, ...), so a client that saw offset N can ask for "since N"
// after a reconnect. Offsets never go back, also across restarts: storage restores the counters.
// At most maxRooms() rooms keep history; a message that would open one more is refused.
// Owned by the Hub; main thread only.
class History
{
public:
    using PolicyLookup = std::function<std::optional<HistoryPolicy>(const QString &route, const QString &room)>;

    void setPolicyLookup(PolicyLookup lookup) { m_policies = std::move(lookup); }
    // The room's policy: resolved once per room that keeps history, then kept with its log.
    std::optional<HistoryPolicy> policy(const QString &route, const QString &room) const;

    static constexpr qsizetype DefaultMaxRooms = 10'000;
    void setMaxRooms(qsizetype maxRooms) { m_maxRooms = maxRooms; }
    qsizetype maxRooms() const { return m_maxRooms; }
    qsizetype roomCount() const { return m_roomCount; }

    // The next offset of the room; nullopt when the room has no log yet and maxRooms() rooms
    // already keep history (the message must be refused).
    std::optional<qint64> nextOffset(const QString &route, const QString &room);
    // Records the frame that carries the offset nextOffset() gave (or, in a cluster, the next
    // offset the cluster gave: a gap after it makes "since" before the gap unrecoverable).
    void append(const QString &route, const QString &room, HistoryEntry entry);

    struct Replay
    {
        bool recovered = false; // false: messages after `since` are no longer all here
        QList<HistoryEntry> entries; // offset > since, oldest first (empty when not recovered)
        qint64 latest = 0;
    };
    Replay since(const QString &route, const QString &room, qint64 since);
    qint64 latestOffset(const QString &route, const QString &room) const;
    QList<HistoryEntry> entries(const QString &route, const QString &room);

    // Storage puts back what it kept (entries oldest first, and the room's last offset).
    void restore(const QString &route, const QString &room, QList<HistoryEntry> entries, qint64 latest);

private:
    struct Log
    {
        std::deque<HistoryEntry> entries;
        qint64 bytes = 0; // of the frames in `entries`
        std::optional<HistoryPolicy> policy; // resolved when the log was opened
        qint64 latest = 0;
        // Offsets up to here were dropped by retention (or never restored): a gap for "since" below.
        qint64 trimmedThrough = 0;
    };
    // Two levels (route, then room): a lookup builds no key string.
    Log *find(const QString &route, const QString &room);
    const Log *find(const QString &route, const QString &room) const;
    Log &findOrCreate(const QString &route, const QString &room);
    void trim(Log &log, const HistoryPolicy &policy, qint64 nowMs);
    static qint64 frameBytes(const HistoryEntry &entry) { return entry.frame.size(); }

    PolicyLookup m_policies;
    qsizetype m_maxRooms = DefaultMaxRooms;
    qsizetype m_roomCount = 0;
    QHash<QString, QHash<QString, Log>> m_logs;
};

} // namespace cortado
