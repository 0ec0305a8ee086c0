#include "adminclient.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace {

// The console's pace: first retry after about a second, then doubling up to 30 s.
cortado::ClientOptions adminOptions()
{
    cortado::ClientOptions options;
    options.reconnectMinMs = 1000;
    options.reconnectMaxMs = 30'000;
    return options;
}

} // namespace

AdminClient::AdminClient(QObject *parent) : QObject(parent), m_client(adminOptions())
{
    connect(&m_client, &cortado::Client::connected, this, [this] {
        setState(Connected);
        if (!m_tap.isEmpty())
            request(u"tap"_s, m_tap);
    });
    connect(&m_client, &cortado::Client::stateChanged, this, [this](cortado::Client::State state) {
        if (m_closing)
            return; // disconnectFrom() says so itself
        switch (state) {
        case cortado::Client::Connecting: setState(Connecting); break;
        case cortado::Client::Reconnecting: setState(Reconnecting, m_client.lastCloseReason()); break;
        case cortado::Client::Disconnected: setState(Disconnected, m_client.lastCloseReason()); break;
        case cortado::Client::Connected: break; // connected(): after the welcome
        }
    });
    connect(&m_client, &cortado::Client::eventReceived, this,
            [this](const QString &, const QJsonValue &, const QString &, const QJsonObject &frame) { onFrame(frame); });
}

AdminClient::~AdminClient()
{
    m_client.disconnect(this); // closing in ~Client must not call back into members already gone
}

QString AdminClient::stateText() const
{
    switch (m_state) {
    case Disconnected: return u"Disconnected"_s;
    case Connecting: return u"Connecting…"_s;
    case Connected: return u"Connected"_s;
    case Reconnecting: return u"Reconnecting in %1 s"_s.arg(m_client.reconnectRemainingMs() / 1000 + 1);
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
    m_client.open(url, token.trimmed());
}

void AdminClient::disconnectFrom()
{
    m_closing = true;
    m_client.close();
    m_closing = false;
    setState(Disconnected);
}

void AdminClient::request(const QString &action, const QJsonObject &payload)
{
    m_client.request(u"admin:"_s + action, payload)->then(this, [this, action](const cortado::Reply &reply) {
        onReply(action, reply);
    });
}

void AdminClient::onReply(const QString &action, const cortado::Reply &reply)
{
    Q_EMIT actionDone(action, reply.ok(), reply.ok() ? u"done"_s : reply.errorMessage());
    // Sockets of other nodes get no deltas: show what the action did there.
    if (reply.ok() && m_clusterMode && (action == "disconnect"_L1 || action == "join"_L1 || action == "leave"_L1))
        refreshSockets();
}

void AdminClient::mintToken(const QJsonObject &request, const QObject *context,
                            std::function<void(const cortado::Reply &)> done)
{
    m_client.request(u"admin:mint_token"_s, request)->then(context, std::move(done));
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

void AdminClient::querySockets(const QVariantMap &query)
{
    m_socketsQuery = QJsonObject::fromVariantMap(query);
    sendQuery(u"sockets"_s);
}

void AdminClient::queryRooms(const QVariantMap &query)
{
    m_roomsQuery = QJsonObject::fromVariantMap(query);
    sendQuery(u"rooms"_s);
}

void AdminClient::refreshSockets()
{
    sendQuery(u"sockets"_s);
}

void AdminClient::sendQuery(const QString &view)
{
    if (m_state != Connected)
        return; // the snapshot after (re)connecting brings the page, and asks again if needed
    const bool sockets = view == "sockets"_L1;
    QJsonObject query = sockets ? m_socketsQuery : m_roomsQuery;
    query.insert(u"view"_s, view);
    const quint64 asked = ++(sockets ? m_socketsAsked : m_roomsAsked);
    m_client.request(u"admin:query"_s, query)->then(this, [this, sockets, asked](const cortado::Reply &reply) {
        if (asked != (sockets ? m_socketsAsked : m_roomsAsked))
            return; // a newer query is on its way
        (sockets ? m_socketsAnswered : m_roomsAnswered) = asked;
        if (!reply.ok()) {
            Q_EMIT actionDone(u"query"_s, false, reply.errorMessage());
            return;
        }
        applyPage(reply.payload().toObject()); // a page, not an operator's action: no toast
    });
}

void AdminClient::socketInfo(const QString &socket)
{
    if (socket != m_detailSocket) {
        m_detailSocket = socket;
        m_socketDetail.clear(); // never show one socket's figures under another's id
        Q_EMIT socketDetailChanged();
    }
    if (m_state != Connected || socket.isEmpty())
        return;
    m_client.request(u"admin:socket_info"_s, QJsonObject{{u"socket"_s, socket}})->then(this, [this, socket](const cortado::Reply &reply) {
        if (socket != m_detailSocket)
            return;
        m_socketDetail = reply.ok() ? reply.payload().toObject().toVariantMap() : QVariantMap();
        Q_EMIT socketDetailChanged();
        if (!reply.ok())
            Q_EMIT actionDone(u"socket_info"_s, false, reply.errorMessage());
    });
}

void AdminClient::roomInfo(const QString &route, const QString &room)
{
    if (route != m_detailRoute || room != m_detailRoom) {
        m_detailRoute = route;
        m_detailRoom = room;
        m_roomDetail.clear();
        Q_EMIT roomDetailChanged();
    }
    if (m_state != Connected || room.isEmpty())
        return;
    m_client.request(u"admin:room"_s, QJsonObject{{u"route"_s, route}, {u"room"_s, room}})
            ->then(this, [this, route, room](const cortado::Reply &reply) {
                if (route != m_detailRoute || room != m_detailRoom)
                    return;
                m_roomDetail = reply.ok() ? reply.payload().toObject().toVariantMap() : QVariantMap();
                Q_EMIT roomDetailChanged();
                if (!reply.ok())
                    Q_EMIT actionDone(u"room"_s, false, reply.errorMessage());
            });
}

void AdminClient::loadHistory(const QString &route, const QString &room)
{
    m_historyRoute = route;
    m_historyRoom = room;
    m_historyBefore = 0;
    m_history.clear();
    m_historyMissingNodes.clear();
    Q_EMIT historyChanged();
    requestHistory();
}

void AdminClient::loadOlderHistory()
{
    if (m_historyBefore > 0)
        requestHistory();
}

void AdminClient::requestHistory()
{
    if (m_state != Connected || m_historyRoom.isEmpty())
        return;
    QJsonObject request{{u"route"_s, m_historyRoute}, {u"room"_s, m_historyRoom}, {u"limit"_s, 50}};
    if (m_historyBefore > 0)
        request.insert(u"before"_s, m_historyBefore);
    const quint64 asked = ++m_historyAsked;
    m_client.request(u"admin:history"_s, request)->then(this, [this, asked](const cortado::Reply &reply) {
        if (asked != m_historyAsked)
            return; // another room, or the page again: the newer request wins
        if (!reply.ok()) {
            Q_EMIT actionDone(u"history"_s, false, reply.errorMessage());
            return;
        }
        const QJsonObject page = reply.payload().toObject();
        const bool room = m_history.appendOlder(page.value("rows"_L1).toArray());
        m_historyBefore = room ? page.value("nextBefore"_L1).toInteger() : 0;
        m_historyMissingNodes = page.value("missingNodes"_L1).toVariant().toStringList();
        Q_EMIT historyChanged();
    });
}

void AdminClient::applyPage(const QJsonObject &page)
{
    const QString view = page.value("view"_L1).toString();
    const Page counts{page.value("total"_L1).toInt(), page.value("matched"_L1).toInt(), page.value("offset"_L1).toInt()};
    if (view == "sockets"_L1) {
        m_sockets.setPage(page.value("rows"_L1).toArray());
        m_socketsPage = counts;
        m_missingNodes = page.value("missingNodes"_L1).toVariant().toStringList();
        m_truncatedNodes = page.value("truncatedNodes"_L1).toVariant().toStringList();
        Q_EMIT socketsPageChanged();
        Q_EMIT socketsRefreshed();
    } else if (view == "rooms"_L1) {
        m_rooms.setPage(page.value("rows"_L1).toArray());
        m_roomsPage = counts;
        m_roomsMissingNodes = page.value("missingNodes"_L1).toVariant().toStringList();
        Q_EMIT roomsPageChanged();
    }
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

void AdminClient::onFrame(const QJsonObject &frame)
{
    const QString event = frame.value("event"_L1).toString();
    const QJsonObject payload = frame.value("payload"_L1).toObject();

    if (event == "admin:traffic"_L1) {
        m_traffic.append(payload);
    } else if (event == "admin:counters"_L1) {
        m_rooms.refresh(payload.value("roomSummaries"_L1).toArray());
        m_counters = payload.toVariantMap();
        m_counters.remove(u"roomSummaries"_s);
        m_metricsHistory.add(payload);
        m_alerts.evaluate(payload, m_clusterMode, m_redisUp, m_redisError);
        Q_EMIT countersChanged();
    } else if (event == "admin:page"_L1) {
        const bool sockets = payload.value("view"_L1).toString() == "sockets"_L1;
        if ((sockets ? m_socketsAsked : m_roomsAsked) == (sockets ? m_socketsAnswered : m_roomsAnswered))
            applyPage(payload);
    } else if (event == "admin:socket"_L1) { // servers before pages sent every new socket
        m_sockets.upsert(payload);
    } else if (event == "admin:socket_closed"_L1) {
        m_sockets.remove(payload.value("id"_L1).toString());
    } else if (event == "admin:joined"_L1 || event == "admin:left"_L1) {
        const QString socket = payload.value("socket"_L1).toString(), room = payload.value("room"_L1).toString();
        event == "admin:joined"_L1 ? m_sockets.joined(socket, room) : m_sockets.left(socket, room);
        m_rooms.membersChanged(payload.value("route"_L1).toString(), room, payload.value("members"_L1).toInt());
    } else if (event == "admin:presence"_L1) {
        m_rooms.presenceChanged(payload.value("route"_L1).toString(), payload.value("room"_L1).toString(),
                                payload.value("users"_L1).toArray(), payload.value("count"_L1).toInt(-1));
    } else if (event == "admin:snapshot"_L1) {
        m_server = payload.value("server"_L1).toObject().toVariantMap();
        m_catalog = payload.value("catalog"_L1).toObject();
        m_role = payload.value("you"_L1).toObject().value("role"_L1).toString();
        // The first pages, with their counts (a reset: once per snapshot).
        m_sockets.reset(payload.value("sockets"_L1).toArray());
        m_rooms.reset(payload.value("rooms"_L1).toArray(), payload.value("presence"_L1).toArray());
        for (auto [page, key] : {std::pair{&m_socketsPage, "socketsPage"_L1}, std::pair{&m_roomsPage, "roomsPage"_L1}}) {
            const QJsonObject counts = payload.value(key).toObject();
            *page = Page{counts.value("total"_L1).toInt(), counts.value("matched"_L1).toInt(), counts.value("offset"_L1).toInt()};
        }
        Q_EMIT socketsPageChanged();
        Q_EMIT roomsPageChanged();
        m_counters = payload.value("counters"_L1).toObject().toVariantMap();
        applyCluster(payload);
        Q_EMIT serverChanged();
        Q_EMIT countersChanged();
        Q_EMIT snapshotApplied();
        // The snapshot holds the default first pages of this node: ask for the pages the operator
        // chose (after a reconnect), and in a cluster for every node's sockets.
        if (m_clusterMode || !m_socketsQuery.isEmpty())
            refreshSockets();
        if (!m_roomsQuery.isEmpty())
            sendQuery(u"rooms"_s);
    } else if (event == "admin:nodes"_L1) {
        applyCluster(payload);
    }
}
