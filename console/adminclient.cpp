#include "adminclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>

using namespace Qt::StringLiterals;

AdminClient::AdminClient(QObject *parent) : QObject(parent)
{
    connect(&m_socket, &QWebSocket::connected, this, [this] {
        m_backoffMs = 1000;
        setState(Connected);
        if (!m_tap.isEmpty())
            request(u"tap"_s, m_tap);
    });
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &AdminClient::onMessage);
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        if (!m_wanted) {
            setState(Disconnected);
            return;
        }
        const int code = m_socket.closeCode();
        const QString why = m_socket.closeReason().isEmpty() ? m_socket.errorString() : m_socket.closeReason();
        if (code == 4001 || code == 4003) { // the token will not get better by retrying
            m_wanted = false;
            setState(Disconnected, why);
            return;
        }
        setState(Reconnecting, why);
        m_retry.start(m_backoffMs);
        m_backoffMs = std::min(m_backoffMs * 2, 30'000);
    });
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &AdminClient::open);
}

AdminClient::~AdminClient()
{
    m_socket.disconnect(this); // closing in ~QWebSocket must not call back into members already gone
}

QString AdminClient::stateText() const
{
    switch (m_state) {
    case Disconnected: return u"Disconnected"_s;
    case Connecting: return u"Connecting…"_s;
    case Connected: return u"Connected"_s;
    case Reconnecting: return u"Reconnecting in %1 s"_s.arg(m_retry.remainingTime() / 1000 + 1);
    }
    return {};
}

void AdminClient::setState(State state, const QString &error)
{
    m_state = state;
    m_error = error;
    Q_EMIT stateChanged();
}

void AdminClient::connectTo(const QString &serverUrl, const QString &token)
{
    QUrl url(serverUrl.trimmed());
    if (url.scheme() == "http"_L1)
        url.setScheme(u"ws"_s);
    if (url.scheme() == "https"_L1)
        url.setScheme(u"wss"_s);
    if (url.path().isEmpty() || url.path() == "/"_L1)
        url.setPath(u"/_admin"_s);
    if (!url.isValid() || (url.scheme() != "ws"_L1 && url.scheme() != "wss"_L1)) {
        setState(Disconnected, u"not a ws:// URL: %1"_s.arg(serverUrl));
        return;
    }
    m_url = url;
    m_token = token.trimmed();
    m_wanted = true;
    m_backoffMs = 1000;
    m_socket.abort();
    open();
}

void AdminClient::open()
{
    QNetworkRequest request(m_url);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    setState(Connecting);
    m_socket.open(request);
}

void AdminClient::disconnectFrom()
{
    m_wanted = false;
    m_retry.stop();
    m_socket.close();
    setState(Disconnected);
}

void AdminClient::request(const QString &action, const QJsonObject &payload)
{
    const qint64 id = m_nextId++;
    m_pending.insert(id, action);
    const QJsonObject frame{{u"event"_s, u"admin:"_s + action}, {u"payload"_s, payload}, {u"id"_s, id}};
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void AdminClient::setTap(const QVariantMap &filter)
{
    m_tap = QJsonObject::fromVariantMap(filter);
    if (m_state == Connected)
        request(u"tap"_s, m_tap);
}

void AdminClient::kick(const QString &socket, const QString &reason)
{
    request(u"disconnect"_s, {{u"socket"_s, socket}, {u"reason"_s, reason}});
}

void AdminClient::joinRoom(const QString &socket, const QString &room)
{
    request(u"join"_s, {{u"socket"_s, socket}, {u"room"_s, room}});
}

void AdminClient::leaveRoom(const QString &socket, const QString &room)
{
    request(u"leave"_s, {{u"socket"_s, socket}, {u"room"_s, room}});
}

void AdminClient::refreshSockets()
{
    if (m_state == Connected)
        request(u"sockets"_s, {});
}

void AdminClient::applyCluster(const QJsonObject &payload)
{
    m_nodes.update(payload.value("nodes"_L1).toArray());
    const QJsonObject cluster = payload.value("cluster"_L1).toObject();
    const bool clusterMode = !cluster.isEmpty();
    const bool redisUp = cluster.value("redis"_L1).toString() == "up"_L1;
    const QString redisError = cluster.value("lastError"_L1).toString();
    QString nodeId = m_nodeId;
    if (payload.contains("node"_L1) || !clusterMode)
        nodeId = payload.value("node"_L1).toString();
    if (clusterMode == m_clusterMode && redisUp == m_redisUp && redisError == m_redisError && nodeId == m_nodeId)
        return;
    m_clusterMode = clusterMode;
    m_redisUp = redisUp;
    m_redisError = redisError;
    m_nodeId = nodeId;
    Q_EMIT clusterChanged();
}

bool AdminClient::emitEvent(const QString &scope, const QString &route, const QString &room,
                            const QString &socket, const QString &event, const QString &payloadJson)
{
    QJsonObject payload{{u"scope"_s, scope}, {u"route"_s, route}, {u"room"_s, room},
                        {u"socket"_s, socket}, {u"event"_s, event}};
    if (!payloadJson.trimmed().isEmpty()) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(u"[%1]"_s.arg(payloadJson).toUtf8(), &error);
        if (error.error != QJsonParseError::NoError) {
            Q_EMIT actionDone(u"emit"_s, false, u"payload is not valid JSON: "_s + error.errorString());
            return false;
        }
        payload.insert(u"payload"_s, document.array().first());
    }
    request(u"emit"_s, payload);
    return true;
}

void AdminClient::onMessage(const QString &text)
{
    const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString event = frame.value("event"_L1).toString();
    const QJsonObject payload = frame.value("payload"_L1).toObject();

    if (event == "admin:traffic"_L1) {
        m_traffic.append(payload);
    } else if (event == "admin:counters"_L1) {
        m_rooms.refresh(payload.value("roomSummaries"_L1).toArray());
        m_counters = payload.toVariantMap();
        m_counters.remove(u"roomSummaries"_s);
        m_inSeries.append(payload.value("inPerSecond"_L1).toInteger());
        m_outSeries.append(payload.value("outPerSecond"_L1).toInteger());
        while (m_inSeries.size() > SeriesLength) {
            m_inSeries.removeFirst();
            m_outSeries.removeFirst();
        }
        Q_EMIT countersChanged();
    } else if (event == "admin:socket"_L1) {
        m_sockets.upsert(payload);
    } else if (event == "admin:socket_closed"_L1) {
        m_sockets.remove(payload.value("id"_L1).toString());
    } else if (event == "admin:joined"_L1 || event == "admin:left"_L1) {
        const QString socket = payload.value("socket"_L1).toString(), room = payload.value("room"_L1).toString();
        event == "admin:joined"_L1 ? m_sockets.joined(socket, room) : m_sockets.left(socket, room);
        m_rooms.membersChanged(payload.value("route"_L1).toString(), room, payload.value("members"_L1).toInt());
    } else if (event == "admin:presence"_L1) {
        m_rooms.presenceChanged(payload.value("route"_L1).toString(), payload.value("room"_L1).toString(),
                                payload.value("users"_L1).toArray());
    } else if (event == "admin:snapshot"_L1) {
        m_server = payload.value("server"_L1).toObject().toVariantMap();
        m_role = payload.value("you"_L1).toObject().value("role"_L1).toString();
        m_sockets.reset(payload.value("sockets"_L1).toArray());
        m_rooms.reset(payload.value("rooms"_L1).toArray(), payload.value("presence"_L1).toArray());
        m_counters = payload.value("counters"_L1).toObject().toVariantMap();
        applyCluster(payload);
        Q_EMIT serverChanged();
        Q_EMIT countersChanged();
        Q_EMIT snapshotApplied();
        if (m_clusterMode) // the snapshot holds this node's sockets only: ask every node
            refreshSockets();
    } else if (event == "admin:nodes"_L1) {
        applyCluster(payload);
    } else if (event == "ack"_L1) {
        const QString action = m_pending.take(frame.value("id"_L1).toInteger());
        const bool ok = frame.value("ok"_L1).toBool();
        const QString message = ok ? u"done"_s : frame.value("error"_L1).toObject().value("message"_L1).toString();
        if (action == "sockets"_L1 && ok) { // a refresh, not an operator's action: no toast
            m_sockets.reset(payload.value("sockets"_L1).toArray());
            m_missingNodes = payload.value("missingNodes"_L1).toVariant().toStringList();
            m_truncatedNodes = payload.value("truncatedNodes"_L1).toVariant().toStringList();
            Q_EMIT socketsRefreshed();
            return;
        }
        Q_EMIT actionDone(action, ok, message);
        // Sockets of other nodes get no deltas: show what the action did there.
        if (ok && m_clusterMode && (action == "disconnect"_L1 || action == "join"_L1 || action == "leave"_L1))
            refreshSockets();
    }
}
