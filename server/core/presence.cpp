#include "presence.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <utility>

using namespace Qt::StringLiterals;

namespace cortado {

QJsonObject PresenceEntry::toJson() const
{
    return QJsonObject{{u"id"_s, id},
                       {u"name"_s, name},
                       {u"status"_s, status},
                       {u"since"_s, since.toMSecsSinceEpoch()},
                       {u"connections"_s, connections},
                       {u"guest"_s, guest}};
}

Presence::Presence(Hub &hub, RouteFilter tracked, QObject *parent)
    : QObject(parent), m_hub(hub), m_tracked(std::move(tracked))
{
    connect(&m_hub, &Hub::joined, this, &Presence::onJoined);
    connect(&m_hub, &Hub::left, this, &Presence::onLeft);
}

QString Presence::userKey(const Session &session)
{
    const QString userId = session.data.value(u"user"_s).toMap().value(u"id"_s).toString();
    return userId.isEmpty() ? u"guest-"_s + session.id() : userId;
}

static bool olderFirst(const PresenceEntry &a, const PresenceEntry &b)
{
    return std::tie(a.since, a.id) < std::tie(b.since, b.id);
}

static QByteArray encode(const PresenceEntry &entry)
{
    return QJsonDocument(entry.toJson()).toJson(QJsonDocument::Compact);
}

QList<PresenceEntry> Presence::list(const QString &route, const QString &room) const
{
    QList<PresenceEntry> entries = m_rooms.value(roomKey(route, room)).values();
    std::sort(entries.begin(), entries.end(), olderFirst);
    return entries;
}

QByteArray Presence::stateFrame(const QHash<QString, PresenceEntry> &entries, const QString &room) const
{
    QList<const PresenceEntry *> ordered;
    ordered.reserve(entries.size());
    qsizetype bytes = 16;
    for (const PresenceEntry &entry : entries) {
        ordered.append(&entry);
        bytes += entry.encoded.size() + 1;
    }
    std::sort(ordered.begin(), ordered.end(),
              [](const PresenceEntry *a, const PresenceEntry *b) { return olderFirst(*a, *b); });
    QByteArray payload;
    payload.reserve(bytes);
    payload.append("{\"users\":[");
    for (qsizetype i = 0; i < ordered.size(); ++i) {
        if (i > 0)
            payload.append(',');
        payload.append(ordered[i]->encoded);
    }
    payload.append("]}");
    return protocol::encodeEventWithPayloadJson(u"presence:state"_s, payload, room);
}

Presence::Touched &Presence::touch(const QString &route, const QString &room, const QString &userKey,
                                   bool wasPresent)
{
    if (m_pending.isEmpty()) // the first change of this turn: one flush for every room that changes
        QMetaObject::invokeMethod(this, &Presence::flush, Qt::QueuedConnection);
    PendingRoom &pending = m_pending[roomKey(route, room)];
    if (pending.route.isEmpty()) {
        pending.route = route;
        pending.room = room;
    }
    pending.upToDate.clear(); // nobody's state shows this change yet
    // Touched earlier in this turn? Then its presence at the last diff is already recorded.
    const bool known = pending.users.contains(userKey);
    Touched &touched = pending.users[userKey];
    if (!known)
        touched.wasPresent = wasPresent;
    return touched;
}

void Presence::onJoined(const Session &session, const QString &room)
{
    if (!m_tracked(session.route()))
        return;
    const QString roomId = roomKey(session.route(), room);
    auto &entries = m_rooms[roomId];
    const QString key = userKey(session);
    PresenceEntry &entry = entries[key];
    const bool firstConnection = entry.connections == 0;
    if (firstConnection) {
        const QVariantMap user = session.data.value(u"user"_s).toMap();
        entry.id = key;
        entry.guest = user.isEmpty();
        entry.name = entry.guest ? u"Guest "_s + session.id().left(6) : user.value(u"name"_s).toString();
        entry.since = QDateTime::currentDateTimeUtc();
        // A join for the others; or, if the user left earlier in this turn, an update (the others
        // still list it, but `since` and maybe the name changed).
        touch(session.route(), room, key, false).updated = true;
    }
    ++entry.connections;
    entry.encoded = encode(entry);

    // The joiner gets the whole list at once; of it, only its own entry was encoded for this join.
    if (Session *joiner = m_hub.session(session.id())) {
        m_hub.sendFrame(*joiner, u"presence:state"_s, stateFrame(entries, room));
        if (const auto pending = m_pending.find(roomId); pending != m_pending.end())
            pending->upToDate = joiner->id();
    }
}

void Presence::onLeft(const Session &session, const QString &room)
{
    if (!m_tracked(session.route()))
        return;
    const QString roomId = roomKey(session.route(), room);
    const auto entries = m_rooms.find(roomId);
    if (entries == m_rooms.end())
        return;
    const QString key = userKey(session);
    const auto entry = entries->find(key);
    if (entry == entries->end())
        return;
    if (--entry->connections > 0) {
        entry->encoded = encode(*entry);
        return; // another tab of the same user is still here: nobody's list changes
    }
    entries->erase(entry);
    if (entries->isEmpty())
        m_rooms.erase(entries);
    touch(session.route(), room, key, true);
}

bool Presence::setStatus(const Session &session, const QString &room, const QString &status)
{
    const auto entries = m_rooms.find(roomKey(session.route(), room));
    if (entries == m_rooms.end())
        return false;
    const QString key = userKey(session);
    const auto entry = entries->find(key);
    if (entry == entries->end())
        return false;
    entry->status = status;
    entry->encoded = encode(*entry);
    touch(session.route(), room, key, true).updated = true;
    return true;
}

QJsonObject Presence::diffPayload(const QHash<QString, PresenceEntry> *entries, const PendingRoom &pending) const
{
    // The net change since the last diff: compare each touched user's presence then and now.
    QList<const PresenceEntry *> joins, updates;
    QStringList leaves;
    for (auto it = pending.users.cbegin(); it != pending.users.cend(); ++it) {
        const PresenceEntry *now = nullptr;
        if (entries) {
            const auto found = entries->constFind(it.key());
            if (found != entries->cend())
                now = &*found;
        }
        if (now && !it->wasPresent)
            joins.append(now);
        else if (now && it->updated)
            updates.append(now);
        else if (!now && it->wasPresent)
            leaves.append(it.key());
        // else: came and went within the turn, or only its connection count changed
    }
    if (joins.isEmpty() && updates.isEmpty() && leaves.isEmpty())
        return {};
    // A stable order (oldest first, like presence:state) so that equal changes give equal frames.
    const auto byAge = [](const PresenceEntry *a, const PresenceEntry *b) { return olderFirst(*a, *b); };
    std::sort(joins.begin(), joins.end(), byAge);
    std::sort(updates.begin(), updates.end(), byAge);
    std::sort(leaves.begin(), leaves.end());
    QJsonArray joinList, leaveList, updateList;
    for (const PresenceEntry *entry : std::as_const(joins))
        joinList.append(entry->toJson());
    for (const QString &id : std::as_const(leaves))
        leaveList.append(QJsonObject{{u"id"_s, id}});
    for (const PresenceEntry *entry : std::as_const(updates))
        updateList.append(entry->toJson());
    return QJsonObject{{u"joins"_s, joinList}, {u"leaves"_s, leaveList}, {u"updates"_s, updateList}};
}

void Presence::flush()
{
    // Taken first: a slot of `changed` may change presence again, which schedules the next flush.
    const QHash<QString, PendingRoom> pending = std::exchange(m_pending, {});
    for (auto it = pending.cbegin(); it != pending.cend(); ++it) {
        const auto entries = m_rooms.constFind(it.key());
        const QJsonObject payload = diffPayload(entries == m_rooms.cend() ? nullptr : &*entries, *it);
        if (payload.isEmpty())
            continue;
        // One encoding for the whole room. Skipped when nobody would get it (the room is gone, or its
        // only member is the joiner whose state already said it all).
        const std::optional<RoomInfo> info = m_hub.room(it->route, it->room);
        const Session *upToDate = it->upToDate.isEmpty() ? nullptr : m_hub.session(it->upToDate);
        const bool onlyTheUpToDate = info && info->members == 1 && upToDate && upToDate->rooms().contains(it->room);
        if (info && !onlyTheUpToDate) {
            Target target = Target::room(it->route, it->room);
            if (!it->upToDate.isEmpty())
                target = target.except(it->upToDate);
            m_hub.send(target, Message{u"presence:diff"_s, payload, it->room, {}, true});
        }
        Q_EMIT changed(it->route, it->room);
    }
}

} // namespace cortado
