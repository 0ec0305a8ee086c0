#pragma once

#include "connection.h"
#include "ratelimit.h"

#include <QDateTime>
#include <QSet>
#include <QString>
#include <QVariantMap>

namespace cortado {

using SocketId = QString;

// One connected WebSocket client as the rest of the server sees it: the "socket context".
// Owned by the Hub from attach() to detach(); handlers get a reference valid for their call.
class Session
{
public:
    Session(SocketId id, QString route, QString remoteAddress, QVariantMap data,
            Connection *connection)
        : m_id(std::move(id)),
          m_route(std::move(route)),
          m_remoteAddress(std::move(remoteAddress)),
          m_connectedAt(QDateTime::currentDateTimeUtc()),
          m_connection(connection),
          data(std::move(data))
    {
    }

    const SocketId &id() const { return m_id; }
    const QString &route() const { return m_route; } // the WebSocket route, e.g. "/chat"
    const QString &remoteAddress() const { return m_remoteAddress; }
    QDateTime connectedAt() const { return m_connectedAt; }
    const QSet<QString> &rooms() const { return m_rooms; }
    bool isInRoom(const QString &room) const { return m_rooms.contains(room); }
    quint64 messagesIn() const { return m_messagesIn; }
    quint64 messagesOut() const { return m_messagesOut; }

private:
    friend class Hub;

    SocketId m_id;
    QString m_route;
    QString m_remoteAddress;
    QDateTime m_connectedAt;
    QSet<QString> m_rooms;
    Connection *m_connection;
    quint64 m_messagesIn = 0;
    quint64 m_messagesOut = 0;
    // Cluster mode: this socket's messages into history rooms on their way through the broker, and
    // the frames for this socket alone (acks, pushes) held until they are delivered, so that the
    // sender sees its message before its ack, as on a single node.
    int m_sequencedInFlight = 0;
    QList<QByteArray> m_heldFrames;

public:
    // What middleware and handlers attach (the user, later): free-form, owned by the session.
    QVariantMap data;

    // The event dispatcher's rate-limit state for this socket.
    struct RateState
    {
        TokenBucket events; // every client frame
        QHash<QString, TokenBucket> perEvent; // only events with a limit of their own
        int refusals = 0; // within the current window
        qint64 windowStartMs = 0;
    };
    RateState rate;
};

} // namespace cortado
