#include "presence.h"

#include <QJsonArray>
#include <QJsonDocument>

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

void Presence::onJoined(const Session &session, const QString &room)
{
    if (!m_tracked(session.route()))
        return;
    auto &entries = m_rooms[roomKey(session.route(), room)];
    const QString key = userKey(session);
    PresenceEntry &entry = entries[key];
    const bool firstConnection = entry.connections == 0;
    if (firstConnection) {
        const QVariantMap user = session.data.value(u"user"_s).toMap();
        entry.id = key;
        entry.guest = user.isEmpty();
        entry.name = entry.guest ? u"Guest "_s + session.id().left(6) : user.value(u"name"_s).toString();
        entry.since = QDateTime::currentDateTimeUtc();
    }
    ++entry.connections;
    entry.encoded = encode(entry);

    // The joiner gets the whole list; of it, only its own entry was encoded for this join.
    if (Session *joiner = m_hub.session(session.id()))
        m_hub.sendFrame(*joiner, u"presence:state"_s, stateFrame(entries, room));
    if (firstConnection) {
        m_hub.send(Target::room(session.route(), room).except(session.id()),
                   Message{u"presence:join"_s, QJsonObject{{u"user"_s, entry.toJson()}}, room, {}, true});
        Q_EMIT changed(session.route(), room);
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
        return; // another tab of the same user is still here
    }
    entries->erase(entry);
    if (entries->isEmpty())
        m_rooms.erase(entries);
    m_hub.send(Target::room(session.route(), room),
               Message{u"presence:leave"_s, QJsonObject{{u"user"_s, QJsonObject{{u"id"_s, key}}}}, room, {}, true});
    Q_EMIT changed(session.route(), room);
}

bool Presence::setStatus(const Session &session, const QString &room, const QString &status)
{
    const auto entries = m_rooms.find(roomKey(session.route(), room));
    if (entries == m_rooms.end())
        return false;
    const auto entry = entries->find(userKey(session));
    if (entry == entries->end())
        return false;
    entry->status = status;
    entry->encoded = encode(*entry);
    m_hub.send(Target::room(session.route(), room),
               Message{u"presence:update"_s, QJsonObject{{u"user"_s, entry->toJson()}}, room, {}, true});
    Q_EMIT changed(session.route(), room);
    return true;
}

} // namespace cortado
