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

QJsonObject PresenceEntry::toPartJson() const
{
    QJsonObject json = toJson();
    json.insert(u"statusAt"_s, statusAtMs);
    return json;
}

PresenceEntry PresenceEntry::fromPartJson(const QJsonObject &json)
{
    PresenceEntry entry;
    entry.id = json.value("id"_L1).toString();
    entry.name = json.value("name"_L1).toString();
    entry.status = json.value("status"_L1).toString();
    entry.since = QDateTime::fromMSecsSinceEpoch(json.value("since"_L1).toInteger(), Qt::UTC);
    entry.connections = json.value("connections"_L1).toInt();
    entry.guest = json.value("guest"_L1).toBool();
    entry.statusAtMs = json.value("statusAt"_L1).toInteger();
    return entry;
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
    scheduleFlush();
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

void Presence::scheduleFlush()
{
    if (m_flushScheduled) // one flush per turn for every room that changes
        return;
    m_flushScheduled = true;
    QMetaObject::invokeMethod(this, &Presence::flush, Qt::QueuedConnection);
}

void Presence::remerge(const QString &route, const QString &room, const QString &key)
{
    const QString roomId = roomKey(route, room);
    std::optional<PresenceEntry> merged;
    const auto add = [&merged](const PresenceEntry &part) {
        if (part.connections <= 0)
            return;
        if (!merged) {
            merged = part;
            return;
        }
        merged->connections += part.connections;
        merged->since = std::min(merged->since, part.since);
        if (part.statusAtMs > merged->statusAtMs) { // the status set last, wherever it was set
            merged->status = part.status;
            merged->statusAtMs = part.statusAtMs;
        }
    };
    if (const auto local = m_local.constFind(roomId); local != m_local.cend()) {
        if (const auto part = local->constFind(key); part != local->cend())
            add(*part);
    }
    for (const QHash<QString, Entries> &node : std::as_const(m_remote)) {
        if (const auto rooms = node.constFind(roomId); rooms != node.cend()) {
            if (const auto part = rooms->constFind(key); part != rooms->cend())
                add(*part);
        }
    }

    const auto entries = m_rooms.find(roomId);
    const bool wasPresent = entries != m_rooms.end() && entries->contains(key);
    if (!merged) {
        if (!wasPresent)
            return;
        entries->remove(key);
        if (entries->isEmpty())
            m_rooms.erase(entries);
        touch(route, room, key, true);
        return;
    }
    merged->id = key;
    merged->encoded = encode(*merged);
    if (!wasPresent) {
        m_rooms[roomId].insert(key, *merged);
        // A join for the others; or, if the user left earlier in this turn, an update (the others
        // still list it, but `since` and maybe the name changed).
        touch(route, room, key, false).updated = true;
        return;
    }
    PresenceEntry &entry = (*entries)[key];
    // `since` is not compared: it moves when the user's oldest connection (on some node) goes, which
    // changes nobody's list (as a second tab closing on one node does not).
    const bool visible = entry.status != merged->status || entry.name != merged->name;
    entry = *merged;
    if (visible)
        touch(route, room, key, true).updated = true;
    // else only the connection count changed (a second tab): nobody's list changes
}

void Presence::markLocalChange(const QString &route, const QString &room, const QString &key)
{
    if (!m_publisher)
        return;
    m_localChanges[roomKey(route, room)].insert(key);
    scheduleFlush();
}

void Presence::onJoined(const Session &session, const QString &room)
{
    if (!m_tracked(session.route()))
        return;
    const QString roomId = roomKey(session.route(), room);
    const QString key = userKey(session);
    PresenceEntry &part = m_local[roomId][key];
    if (part.connections == 0) {
        const QVariantMap user = session.data.value(u"user"_s).toMap();
        part.id = key;
        part.guest = user.isEmpty();
        part.name = part.guest ? u"Guest "_s + session.id().left(6) : user.value(u"name"_s).toString();
        part.since = QDateTime::currentDateTimeUtc();
    }
    ++part.connections;
    markLocalChange(session.route(), room, key);
    remerge(session.route(), room, key);

    // The joiner gets the whole list at once; of it, only its own entry was encoded for this join.
    if (Session *joiner = m_hub.session(session.id())) {
        m_hub.sendFrame(*joiner, u"presence:state"_s, stateFrame(m_rooms.value(roomId), room));
        if (const auto pending = m_pending.find(roomId); pending != m_pending.end())
            pending->upToDate = joiner->id();
    }
}

void Presence::onLeft(const Session &session, const QString &room)
{
    if (!m_tracked(session.route()))
        return;
    const QString roomId = roomKey(session.route(), room);
    const auto parts = m_local.find(roomId);
    if (parts == m_local.end())
        return;
    const QString key = userKey(session);
    const auto part = parts->find(key);
    if (part == parts->end())
        return;
    if (--part->connections <= 0) {
        parts->erase(part);
        if (parts->isEmpty())
            m_local.erase(parts);
    }
    markLocalChange(session.route(), room, key);
    remerge(session.route(), room, key);
}

bool Presence::setStatus(const Session &session, const QString &room, const QString &status)
{
    const QString roomId = roomKey(session.route(), room);
    const auto parts = m_local.find(roomId);
    if (parts == m_local.end())
        return false;
    const QString key = userKey(session);
    const auto part = parts->find(key);
    if (part == parts->end())
        return false;
    part->status = status;
    part->statusAtMs = QDateTime::currentMSecsSinceEpoch();
    markLocalChange(session.route(), room, key);
    remerge(session.route(), room, key);
    touch(session.route(), room, key, true).updated = true; // said again, even if it did not change
    return true;
}

QList<Presence::RoomParts> Presence::localParts() const
{
    QList<RoomParts> rooms;
    for (auto it = m_local.cbegin(); it != m_local.cend(); ++it) {
        const qsizetype split = it.key().indexOf(u'\n');
        rooms.append(RoomParts{it.key().left(split), it.key().mid(split + 1), it->values()});
    }
    return rooms;
}

void Presence::applyRemote(const QString &node, const QList<RoomParts> &rooms, bool replace)
{
    QHash<QString, Entries> &parts = m_remote[node];
    // Replacing: whatever the node listed before and does not list now is gone.
    QSet<std::pair<QString, QString>> listedBefore;
    if (replace) {
        for (auto room = parts.cbegin(); room != parts.cend(); ++room) {
            for (auto user = room->cbegin(); user != room->cend(); ++user)
                listedBefore.insert({room.key(), user.key()});
        }
        parts.clear();
    }
    for (const RoomParts &room : rooms) {
        if (!m_tracked(room.route))
            continue;
        const QString roomId = roomKey(room.route, room.room);
        for (const PresenceEntry &user : room.users) {
            listedBefore.remove({roomId, user.id});
            if (user.connections > 0) {
                parts[roomId].insert(user.id, user);
            } else if (const auto found = parts.find(roomId); found != parts.end()) {
                found->remove(user.id);
                if (found->isEmpty())
                    parts.erase(found);
            }
            remerge(room.route, room.room, user.id);
        }
    }
    for (const auto &[roomId, key] : std::as_const(listedBefore)) {
        const qsizetype split = roomId.indexOf(u'\n');
        remerge(roomId.left(split), roomId.mid(split + 1), key);
    }
    if (parts.isEmpty())
        m_remote.remove(node);
}

void Presence::dropRemote(const QString &node)
{
    applyRemote(node, {}, true);
    m_remote.remove(node);
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
    m_flushScheduled = false;
    if (!m_localChanges.isEmpty()) {
        // The other nodes learn this node's new parts (before its members' diffs: same turn).
        QList<RoomParts> changed;
        for (auto it = m_localChanges.cbegin(); it != m_localChanges.cend(); ++it) {
            const qsizetype split = it.key().indexOf(u'\n');
            RoomParts room{it.key().left(split), it.key().mid(split + 1), {}};
            const Entries parts = m_local.value(it.key());
            for (const QString &key : *it) {
                PresenceEntry part = parts.value(key);
                part.id = key; // connections 0 when the user has no connection here any more
                room.users.append(part);
            }
            changed.append(std::move(room));
        }
        m_localChanges.clear();
        m_publisher(changed);
    }
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
            // Every node sends its own members the diff of the cluster-wide list.
            Message diff{u"presence:diff"_s, payload, it->room, {}, true};
            diff.localOnly = true;
            m_hub.send(target, diff);
        }
        Q_EMIT changed(it->route, it->room);
    }
}

} // namespace cortado
