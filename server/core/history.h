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
    int maxMessages = 100; // the newest this many are kept
    int maxAgeSeconds = 24 * 3600; // and none older than this
};

struct HistoryEntry
{
    qint64 offset = 0;
    qint64 createdAtMs = 0;
    QString frame; // the message as sent, offset included
};

// Ordered, bounded message logs of the rooms that keep history. Each broadcast into such a room gets
// the next offset of that room (1, 2, 3, ...), so a client that saw offset N can ask for "since N"
// after a reconnect. Offsets never go back, also across restarts: storage restores the counters.
// Owned by the Hub; main thread only.
class History
{
public:
    using PolicyLookup = std::function<std::optional<HistoryPolicy>(const QString &route, const QString &room)>;

    void setPolicyLookup(PolicyLookup lookup) { m_policies = std::move(lookup); }
    std::optional<HistoryPolicy> policy(const QString &route, const QString &room) const;

    // Reserves the next offset and records the frame that carries it.
    qint64 nextOffset(const QString &route, const QString &room);
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
        qint64 latest = 0;
        // Offsets up to here were dropped by retention (or never restored): a gap for "since" below.
        qint64 trimmedThrough = 0;
    };
    static QString key(const QString &route, const QString &room) { return route + u'\n' + room; }
    void trim(Log &log, const HistoryPolicy &policy);

    PolicyLookup m_policies;
    QHash<QString, Log> m_logs;
};

} // namespace cortado
