#pragma once

#include "alertsmodel.h"
#include "metricshistory.h"
#include "historymodel.h"
#include "nodesmodel.h"
#include "roomsmodel.h"
#include "socketsmodel.h"
#include "trafficmodel.h"

#include <cortado/client.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QVariantList>

// The console's only network owner for the admin channel: connects to /_admin with a token (a
// cortado::Client: token as subprotocol, reconnect with backoff and jitter, 1 s to 30 s, as the
// close codes allow), turns admin messages into model deltas, and sends actions.
class AdminClient : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString stateText READ stateText NOTIFY stateChanged)
    Q_PROPERTY(QString error READ error NOTIFY stateChanged)
    Q_PROPERTY(QString url READ url NOTIFY stateChanged)
    Q_PROPERTY(QString role READ role NOTIFY serverChanged)
    Q_PROPERTY(QVariantMap server READ server NOTIFY serverChanged)
    // The event catalog of the snapshot (docs/admin.md, "Event catalog"): {routes, common}.
    Q_PROPERTY(QJsonObject catalog READ catalog NOTIFY serverChanged)
    Q_PROPERTY(QVariantMap counters READ counters NOTIFY countersChanged)
    // An hour of counters for the Overview's charts, and what needs an operator.
    Q_PROPERTY(MetricsHistory *metricsHistory READ metricsHistory CONSTANT)
    Q_PROPERTY(AlertsModel *alerts READ alerts CONSTANT)
    Q_PROPERTY(SocketsModel *sockets READ sockets CONSTANT)
    Q_PROPERTY(RoomsModel *rooms READ rooms CONSTANT)
    Q_PROPERTY(TrafficModel *traffic READ traffic CONSTANT)
    Q_PROPERTY(NodesModel *nodes READ nodes CONSTANT)
    // Cluster mode: the server runs with --redis (its snapshot names its node).
    Q_PROPERTY(bool clusterMode READ clusterMode NOTIFY clusterChanged)
    Q_PROPERTY(QString nodeId READ nodeId NOTIFY clusterChanged)
    Q_PROPERTY(bool redisUp READ redisUp NOTIFY clusterChanged)
    Q_PROPERTY(QString redisError READ redisError NOTIFY clusterChanged)
    // The last sockets page in a cluster: nodes that did not answer in time, nodes cut at 10,000.
    Q_PROPERTY(QStringList missingNodes READ missingNodes NOTIFY socketsRefreshed)
    Q_PROPERTY(QStringList truncatedNodes READ truncatedNodes NOTIFY socketsRefreshed)
    // The pages shown (docs/admin.md, "Pages"): every socket / room of the view, those the filter
    // lets through, and where the page starts.
    Q_PROPERTY(int socketsTotal READ socketsTotal NOTIFY socketsPageChanged)
    Q_PROPERTY(int socketsMatched READ socketsMatched NOTIFY socketsPageChanged)
    Q_PROPERTY(int socketsOffset READ socketsOffset NOTIFY socketsPageChanged)
    Q_PROPERTY(int roomsTotal READ roomsTotal NOTIFY roomsPageChanged)
    Q_PROPERTY(int roomsMatched READ roomsMatched NOTIFY roomsPageChanged)
    Q_PROPERTY(int roomsOffset READ roomsOffset NOTIFY roomsPageChanged)
    // In a cluster: the nodes that did not answer for the rooms page shown, and for the history pages.
    Q_PROPERTY(QStringList roomsMissingNodes READ roomsMissingNodes NOTIFY roomsPageChanged)
    Q_PROPERTY(QStringList historyMissingNodes READ historyMissingNodes NOTIFY historyChanged)
    // Details (admin:socket_info, admin:room) of the socket and the room last asked about, and the
    // room's history browser (admin:history). Empty until the answer is in.
    Q_PROPERTY(QVariantMap socketDetail READ socketDetail NOTIFY socketDetailChanged)
    Q_PROPERTY(QVariantMap roomDetail READ roomDetail NOTIFY roomDetailChanged)
    Q_PROPERTY(HistoryModel *history READ history CONSTANT)
    Q_PROPERTY(bool historyHasOlder READ historyHasOlder NOTIFY historyChanged)

public:
    enum State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    explicit AdminClient(QObject *parent = nullptr);
    ~AdminClient() override;

    State state() const { return m_state; }
    QString stateText() const;
    QString error() const { return m_error; }
    QString url() const { return m_url.toString(); }
    QString role() const { return m_role; }
    QVariantMap server() const { return m_server; }
    QJsonObject catalog() const { return m_catalog; }
    QVariantMap counters() const { return m_counters; }
    MetricsHistory *metricsHistory() { return &m_metricsHistory; }
    AlertsModel *alerts() { return &m_alerts; }
    SocketsModel *sockets() { return &m_sockets; }
    RoomsModel *rooms() { return &m_rooms; }
    TrafficModel *traffic() { return &m_traffic; }
    NodesModel *nodes() { return &m_nodes; }
    bool clusterMode() const { return m_clusterMode; }
    QString nodeId() const { return m_nodeId; }
    bool redisUp() const { return m_redisUp; }
    QString redisError() const { return m_redisError; }
    QStringList missingNodes() const { return m_missingNodes; }
    QStringList truncatedNodes() const { return m_truncatedNodes; }
    QStringList roomsMissingNodes() const { return m_roomsMissingNodes; }
    QStringList historyMissingNodes() const { return m_historyMissingNodes; }
    int socketsTotal() const { return m_socketsPage.total; }
    int socketsMatched() const { return m_socketsPage.matched; }
    int socketsOffset() const { return m_socketsPage.offset; }
    int roomsTotal() const { return m_roomsPage.total; }
    int roomsMatched() const { return m_roomsPage.matched; }
    int roomsOffset() const { return m_roomsPage.offset; }
    QVariantMap socketDetail() const { return m_socketDetail; }
    QVariantMap roomDetail() const { return m_roomDetail; }
    HistoryModel *history() { return &m_history; }
    bool historyHasOlder() const { return m_historyBefore > 0; }

    // `serverUrl` is ws://HOST:PORT (the /_admin path is added when missing).
    Q_INVOKABLE void connectTo(const QString &serverUrl, const QString &token);
    Q_INVOKABLE void disconnectFrom();

    // Actions; each answer arrives as actionDone(action, ok, message).
    Q_INVOKABLE void setTap(const QVariantMap &filter);
    Q_INVOKABLE void kick(const QString &socket, const QString &reason);
    Q_INVOKABLE void joinRoom(const QString &socket, const QString &room);
    Q_INVOKABLE void leaveRoom(const QString &socket, const QString &room);
    // Asks for the page of sockets (or rooms) to show: `query` is admin:query's {filter: {text?,
    // route?, room?, user?}, sort: {key, desc}, offset, limit} without the view. The page replaces
    // the model row by row; later pages come by themselves (admin:page), or in a cluster on
    // refreshSockets(). A bad query: actionDone("query", false, why).
    Q_INVOKABLE void querySockets(const QVariantMap &query);
    Q_INVOKABLE void queryRooms(const QVariantMap &query);
    // Details of one socket / one room: socketDetail / roomDetail change when the answer is in
    // (an answer about another socket or room than the last asked is dropped); a failure is
    // actionDone("socket_info" / "room", false, why) and clears the detail.
    Q_INVOKABLE void socketInfo(const QString &socket);
    Q_INVOKABLE void roomInfo(const QString &route, const QString &room);
    // The history browser: the newest page of the room's stored messages, then older ones.
    Q_INVOKABLE void loadHistory(const QString &route, const QString &room);
    Q_INVOKABLE void loadOlderHistory();
    // Asks for the sockets page again (every node's, in a cluster): socketsRefreshed() when it is
    // in, actionDone("query", false, why) when not. In cluster mode an action also refreshes.
    Q_INVOKABLE void refreshSockets();
    // scope: socket | room | route | everyone; `payloadJson` must be valid JSON (or empty).
    Q_INVOKABLE bool emitEvent(const QString &scope, const QString &route, const QString &room,
                               const QString &socket, const QString &event, const QString &payloadJson);

    // admin:mint_token (admins only): a token for a test client; `done` gets the ack {token,
    // expiresAt} or the refusal, on `context`'s thread (nothing if `context` is gone).
    void mintToken(const QJsonObject &request, const QObject *context, std::function<void(const cortado::Reply &)> done);

    // Applies one admin message as if it came from the server (the tests feed canned messages).
    Q_INVOKABLE void handleMessage(const QString &text) { onMessage(text); }

Q_SIGNALS:
    void stateChanged();
    void serverChanged();
    void countersChanged();
    void actionDone(const QString &action, bool ok, const QString &message);
    void snapshotApplied();
    void clusterChanged();
    void socketsRefreshed();
    void socketsPageChanged();
    void roomsPageChanged();
    void socketDetailChanged();
    void roomDetailChanged();
    void historyChanged();

private:
    void setState(State state, const QString &error = {});
    void onMessage(const QString &text) { onFrame(QJsonDocument::fromJson(text.toUtf8()).object()); }
    void onFrame(const QJsonObject &frame);
    void request(const QString &action, const QJsonObject &payload);
    void onReply(const QString &action, const cortado::Reply &reply);
    void applyCluster(const QJsonObject &payload); // admin:snapshot or admin:nodes
    struct Page
    {
        int total = 0, matched = 0, offset = 0;
    };
    void applyPage(const QJsonObject &page); // an admin:query answer or an admin:page
    void sendQuery(const QString &view);
    void requestHistory();

    cortado::Client m_client;
    bool m_closing = false; // inside disconnectFrom()
    QUrl m_url;
    State m_state = Disconnected;
    QString m_error, m_role;
    QVariantMap m_server, m_counters;
    MetricsHistory m_metricsHistory;
    AlertsModel m_alerts;
    QJsonObject m_catalog;
    SocketsModel m_sockets;
    RoomsModel m_rooms;
    TrafficModel m_traffic;
    NodesModel m_nodes;
    bool m_clusterMode = false, m_redisUp = false;
    QString m_nodeId, m_redisError;
    QStringList m_missingNodes, m_truncatedNodes;
    QStringList m_roomsMissingNodes, m_historyMissingNodes;
    QJsonObject m_tap;
    // The queries of the pages shown (sent again after a reconnect), and how many were sent: an
    // answer to an older query than the last is dropped, the newer one is on its way.
    QJsonObject m_socketsQuery, m_roomsQuery;
    quint64 m_socketsAsked = 0, m_roomsAsked = 0;
    // The last query answered: while a newer one is on its way, an admin:page (of the older query)
    // is not applied — the answer brings the new page.
    quint64 m_socketsAnswered = 0, m_roomsAnswered = 0;
    Page m_socketsPage, m_roomsPage;
    QVariantMap m_socketDetail, m_roomDetail;
    QString m_detailSocket, m_detailRoute, m_detailRoom; // what the details are about
    HistoryModel m_history;
    QString m_historyRoute, m_historyRoom;
    qint64 m_historyBefore = 0; // the next older page's `before`; 0: none (or none yet)
    quint64 m_historyAsked = 0;
};
