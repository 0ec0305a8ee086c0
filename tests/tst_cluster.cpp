// Cluster mode with a real Redis: three nodes (the example app plus a route that sends to every
// scope) in this process act as one server. Nodes here share the test's thread, so every wait
// below runs all three and Redis's traffic; nothing sleeps.
#include "redis.h"
#include "testserver.h"

#include <cortado/cluster.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>

#include <numeric>

using namespace Qt::StringLiterals;

namespace {

// A route that sends to each scope, so that each crosses nodes.
void addScopeRoute(cortado::Router &router)
{
    router.addWebSocketRoute(u"scopes.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.on(u"to:socket"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            const QString to = ctx.payload().toObject().value("to"_L1).toString();
            ctx.emit(cortado::Target::socket(to), u"got:direct"_s, ctx.payload());
            return cortado::Ack::ok();
        });
        route.on(u"to:route"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            ctx.emit(ctx.toRoute(), u"got:route"_s, ctx.payload());
            return cortado::Ack::ok();
        });
        route.on(u"to:everyone"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            ctx.emit(cortado::Target::everyone(), u"got:everyone"_s, ctx.payload());
            return cortado::Ack::ok();
        });
        // "kept-*" rooms keep history: their messages go through Redis, the others' do not.
        route.keepHistory(u"kept-*"_s, cortado::HistoryPolicy{100, 3600});
        route.on(u"to:room"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            cortado::Message message{u"got:room"_s, ctx.payload(), ctx.room(), ctx.socketId()};
            message.ephemeral = ctx.payload().toObject().value("ephemeral"_L1).toBool();
            if (auto error = ctx.realtime().send(ctx.toRoom(*ctx.room()), message).error())
                return *error;
            return cortado::Ack::ok();
        });
        route.on(u"to:others"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            ctx.broadcastFrom(u"got:others"_s, ctx.payload()); // a room without history
            return cortado::Ack::ok();
        });
    });
}

QList<qint64> offsets(const TestClient &client, const QString &event)
{
    QList<qint64> result;
    for (const QJsonObject &frame : client.received(event))
        result.append(frame.value("offset"_L1).toInteger());
    return result;
}

QStringList presenceIds(const cortado::Presence &presence, const QString &route, const QString &room)
{
    QStringList ids;
    for (const cortado::PresenceEntry &entry : presence.list(route, room))
        ids.append(entry.id);
    return ids;
}

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private:
    RedisInstance m_redis;
    std::vector<std::unique_ptr<TestServer>> m_nodes;

    std::unique_ptr<TestServer> makeNode(const QString &id)
    {
        cortado::ServerConfig config;
        config.ioThreads = 1;
        config.cluster = cortado::cluster::ClusterConfig{m_redis.url(), id, 500};
        auto setup = [](cortado::Server &server) {
            ExampleServer::exampleApp()(server);
            addScopeRoute(server.router());
        };
        return std::make_unique<TestServer>(setup, config);
    }

    // Every node is connected to Redis and has heard every other.
    bool clusterFormed()
    {
        for (const auto &node : m_nodes) {
            const cortado::cluster::ClusterStatus status = node->server().cluster()->status();
            if (!status.redisUp || status.peers.size() != qsizetype(m_nodes.size()) - 1)
                return false;
        }
        return true;
    }

    TestServer &node(int index) { return *m_nodes.at(index); }

private Q_SLOTS:
    void initTestCase() { CORTADO_START_REDIS(m_redis); }

    void init()
    {
        QVERIFY(m_redis.cli({u"FLUSHALL"_s}));
        for (const QString &id : {u"a"_s, u"b"_s, u"c"_s}) {
            m_nodes.push_back(makeNode(id));
            QVERIFY(m_nodes.back()->isListening());
        }
        QTRY_VERIFY_WITH_TIMEOUT(clusterFormed(), 10'000);
    }

    void cleanup() { m_nodes.clear(); }

    // A history room split over three nodes: everyone gets every message, in one order with
    // offsets 1..N on every node, each sender's own in the order sent, each before its sender's ack.
    void historyRoomSpansNodes()
    {
        std::vector<std::unique_ptr<TestClient>> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(node(i).client(u"/chat"_s, u"user%1"_s.arg(i)));
            QVERIFY(clients.back());
            QVERIFY(clients.back()->join(u"lobby"_s).ok());
        }
        constexpr int PerSender = 40;
        for (int n = 0; n < PerSender; ++n) {
            for (int i = 0; i < 3; ++i)
                clients[i]->send(u"chat:send"_s, QJsonObject{{u"n"_s, n}, {u"by"_s, i}}, u"lobby"_s);
        }
        // The last one with an ack: its sender sees its own message first.
        const Reply last = clients[0]->request(u"chat:send"_s, QJsonObject{{u"n"_s, PerSender}, {u"by"_s, 0}}, u"lobby"_s);
        QVERIFY(last.ok());
        QVERIFY(last.payload().toObject().value("pending"_L1).toBool());
        int lastOwn = -1; // the others' messages may still come: Redis numbers each node's in turn
        for (const QJsonObject &message : clients[0]->received(u"chat:message"_s)) {
            if (message.value("from"_L1).toString() == clients[0]->socketId())
                lastOwn = message.value("payload"_L1).toObject().value("n"_L1).toInt();
        }
        QCOMPARE(lastOwn, PerSender);

        const qsizetype total = 3 * PerSender + 1;
        for (const auto &client : clients)
            QVERIFY(client->waitFor(u"chat:message"_s, total, 10'000));
        QList<qint64> expected;
        for (qint64 offset = 1; offset <= total; ++offset)
            expected.append(offset);
        QList<QJsonObject> reference = clients[0]->received(u"chat:message"_s);
        for (const auto &client : clients) {
            QCOMPARE(offsets(*client, u"chat:message"_s), expected);
            QCOMPARE(client->received(u"chat:message"_s), reference); // the same frames, in one order
        }
        // Each sender's messages in the order it sent them.
        for (int sender = 0; sender < 3; ++sender) {
            int next = 0;
            for (const QJsonObject &message : reference) {
                const QJsonObject payload = message.value("payload"_L1).toObject();
                if (payload.value("by"_L1).toInt() != sender)
                    continue;
                QCOMPARE(payload.value("n"_L1).toInt(), next);
                QCOMPARE(message.value("from"_L1).toString(), clients[sender]->socketId());
                ++next;
            }
        }
    }

    // One sender mixing messages that go through Redis (history) and messages that do not
    // (ephemeral): every member, on its node and on the others, gets them in the order sent.
    void oneSendersOrderHoldsForMixedMessages()
    {
        auto sender = node(0).client(u"/scopes"_s);
        auto here = node(0).client(u"/scopes"_s);
        auto there = node(1).client(u"/scopes"_s);
        QVERIFY(sender && here && there);
        for (TestClient *client : {sender.get(), here.get(), there.get()})
            QVERIFY(client->join(u"kept-1"_s).ok());
        constexpr int Count = 60;
        for (int n = 0; n < Count; ++n)
            sender->send(u"to:room"_s, QJsonObject{{u"n"_s, n}, {u"ephemeral"_s, n % 3 == 2}}, u"kept-1"_s);
        for (TestClient *client : {sender.get(), here.get(), there.get()}) {
            QVERIFY(client->waitFor(u"got:room"_s, Count, 10'000));
            QList<int> order;
            for (const QJsonObject &message : client->received(u"got:room"_s))
                order.append(message.value("payload"_L1).toObject().value("n"_L1).toInt());
            QList<int> expected(Count);
            std::iota(expected.begin(), expected.end(), 0);
            QCOMPARE(order, expected);
        }
    }

    // Recovery on another node: a client that saw offset N on node a comes back on node c and gets
    // exactly what was sent on node b meanwhile, then the live messages.
    void recoveryOnAnotherNode()
    {
        auto sender = node(1).client(u"/chat"_s, u"bob"_s);
        auto first = node(0).client(u"/chat"_s, u"alice"_s);
        QVERIFY(sender && first);
        QVERIFY(sender->join(u"r"_s).ok());
        QVERIFY(first->join(u"r"_s).ok());
        for (int n = 1; n <= 3; ++n)
            QVERIFY(sender->request(u"chat:send"_s, QJsonObject{{u"n"_s, n}}, u"r"_s).ok());
        QVERIFY(first->waitFor(u"chat:message"_s, 3));
        const qint64 seen = offsets(*first, u"chat:message"_s).last();
        first.reset();
        for (int n = 4; n <= 6; ++n)
            QVERIFY(sender->request(u"chat:send"_s, QJsonObject{{u"n"_s, n}}, u"r"_s).ok());
        // Node c saw them go by: its replica of the room has them.
        QTRY_COMPARE(node(2).hub().history().latestOffset(u"/chat"_s, u"r"_s), seen + 3);

        auto back = node(2).client(u"/chat"_s, u"alice"_s);
        QVERIFY(back);
        const Reply joined = back->request(u"room:join"_s, QJsonObject{{u"since"_s, seen}}, u"r"_s);
        QVERIFY(joined.ok());
        QVERIFY(joined.payload().toObject().value("recovered"_L1).toBool());
        QCOMPARE(offsets(*back, u"chat:message"_s), (QList<qint64>{seen + 1, seen + 2, seen + 3}));
        QVERIFY(sender->request(u"chat:send"_s, QJsonObject{{u"n"_s, 7}}, u"r"_s).ok());
        QVERIFY(back->waitFor(u"chat:message"_s, 4));
        QCOMPARE(offsets(*back, u"chat:message"_s).last(), seen + 4);
    }

    void everyScopeCrossesNodes()
    {
        auto a = node(0).client(u"/scopes"_s);
        auto b = node(1).client(u"/scopes"_s);
        auto c = node(2).client(u"/scopes"_s);
        auto chatOnC = node(2).client(u"/chat"_s, u"carol"_s); // another route
        QVERIFY(a && b && c && chatOnC);

        // One socket, by id, on another node; nobody else gets it.
        QVERIFY(a->request(u"to:socket"_s, QJsonObject{{u"to"_s, c->socketId()}}).ok());
        QCOMPARE(c->expectPush(u"got:direct"_s).value("payload"_L1).toObject().value("to"_L1).toString(),
                 c->socketId());
        // The route: every socket of it on every node, the sender included.
        QVERIFY(b->request(u"to:route"_s).ok());
        for (TestClient *client : {a.get(), b.get(), c.get()})
            QVERIFY(!client->expectPush(u"got:route"_s).isEmpty());
        // Everyone: every route too.
        QVERIFY(c->request(u"to:everyone"_s).ok());
        for (TestClient *client : {a.get(), b.get(), c.get(), chatOnC.get()})
            QVERIFY(!client->expectPush(u"got:everyone"_s).isEmpty());
        // A room without history, without its sender (who is on another node than the others).
        for (TestClient *client : {a.get(), b.get(), c.get()})
            QVERIFY(client->join(u"plain"_s).ok());
        QVERIFY(a->request(u"to:others"_s, QJsonObject{{u"x"_s, 1}}, u"plain"_s).ok());
        QVERIFY(!b->expectPush(u"got:others"_s).isEmpty());
        QVERIFY(!c->expectPush(u"got:others"_s).isEmpty());
        // A node does not get its own publication back: one copy each, and none for the sender.
        QVERIFY(a->request(u"to:everyone"_s).ok());
        for (TestClient *client : {b.get(), c.get()})
            QVERIFY(!client->expectPush(u"got:everyone"_s).isEmpty());
        for (TestClient *client : {a.get(), b.get(), c.get()}) {
            QVERIFY(client->expectNoPush(u"got:direct"_s));
            QVERIFY(client->expectNoPush(u"got:route"_s));
        }
        QVERIFY(a->expectNoPush(u"got:others"_s));
        QCOMPARE(a->received(u"got:everyone"_s).size(), 2);
    }

    // A user's room reaches the user wherever they are connected (REST publish on another node).
    void usersRoomAndRestBroadcastCrossNodes()
    {
        auto aliceA = node(0).client(u"/chat"_s, u"alice"_s);
        auto aliceB = node(1).client(u"/chat"_s, u"alice"_s);
        QVERIFY(aliceA && aliceB);
        QVERIFY(aliceA->join(u"user:alice"_s).ok());
        QVERIFY(aliceB->join(u"user:alice"_s).ok());
        const HttpReply reply = node(2).post(u"/api/rooms/user:alice/broadcast"_s,
                                            QJsonObject{{u"event"_s, u"note:new"_s}, {u"payload"_s, u"hi"_s}},
                                            TestServer::token(u"ops"_s, {u"publisher"_s}));
        QCOMPARE(reply.status, 200);
        QVERIFY(reply.json().value("pending"_L1).toBool());
        QCOMPARE(aliceA->expectPush(u"note:new"_s).value("offset"_L1).toInteger(), 1);
        QCOMPARE(aliceB->expectPush(u"note:new"_s).value("offset"_L1).toInteger(), 1);
    }

    // alice on a and on b is one user; carol on c sees her once, and she leaves only when her
    // last connection anywhere goes.
    void presenceIsOneListAcrossNodes()
    {
        auto carol = node(2).client(u"/chat"_s, u"carol"_s);
        QVERIFY(carol && carol->join(u"team"_s).ok());
        auto aliceA = node(0).client(u"/chat"_s, u"alice"_s);
        QVERIFY(aliceA && aliceA->join(u"team"_s).ok());
        const QJsonObject joined = carol->expectPush(u"presence:diff"_s);
        QCOMPARE(joined.value("payload"_L1).toObject().value("joins"_L1).toArray().at(0).toObject().value("id"_L1).toString(),
                 u"alice"_s);
        auto aliceB = node(1).client(u"/chat"_s, u"alice"_s);
        QVERIFY(aliceB && aliceB->join(u"team"_s).ok());
        // Her second tab's state lists both users, once each.
        const QJsonArray state = aliceB->received(u"presence:state"_s).last().value("payload"_L1).toObject()
                                         .value("users"_L1).toArray();
        QCOMPARE(state.size(), 2);
        QTRY_COMPARE(node(2).server().presence().list(u"/chat"_s, u"team"_s).size(), 2);
        QTRY_COMPARE(node(2).server().presence().list(u"/chat"_s, u"team"_s).at(1).connections, 2);

        aliceA->close(); // one tab goes: nobody's list changes
        QTRY_COMPARE(node(2).server().presence().list(u"/chat"_s, u"team"_s).at(1).connections, 1);
        QVERIFY(carol->expectNoPush(u"presence:diff"_s));
        aliceB->close(); // the last one: she leaves everywhere
        const QJsonObject left = carol->expectPush(u"presence:diff"_s);
        QCOMPARE(left.value("payload"_L1).toObject().value("leaves"_L1).toArray().at(0).toObject().value("id"_L1).toString(),
                 u"alice"_s);
        for (int i = 0; i < 3; ++i)
            QTRY_COMPARE(presenceIds(node(i).server().presence(), u"/chat"_s, u"team"_s), QStringList{u"carol"_s});
    }

    // A node that arrives late learns the others' presence, and they learn its own.
    void aLateNodeGetsThePresence()
    {
        auto carol = node(2).client(u"/chat"_s, u"carol"_s);
        QVERIFY(carol && carol->join(u"team"_s).ok());
        m_nodes.push_back(makeNode(u"d"_s));
        QVERIFY(m_nodes.back()->isListening());
        QTRY_VERIFY_WITH_TIMEOUT(clusterFormed(), 10'000);
        QTRY_COMPARE(presenceIds(node(3).server().presence(), u"/chat"_s, u"team"_s), QStringList{u"carol"_s});
        auto dave = node(3).client(u"/chat"_s, u"dave"_s);
        QVERIFY(dave && dave->join(u"team"_s).ok());
        QCOMPARE(dave->received(u"presence:state"_s).last().value("payload"_L1).toObject().value("users"_L1).toArray().size(), 2);
        QVERIFY(!carol->expectPush(u"presence:diff"_s).isEmpty());
    }

    // An operator on one node acts on sockets of another: REST membership and the console's actions.
    void actionsReachTheNodeThatHoldsTheSocket()
    {
        auto carol = node(2).client(u"/chat"_s, u"carol"_s);
        QVERIFY(carol);
        const QByteArray admin = TestServer::token(u"ops"_s, {u"admin"_s});
        HttpReply reply = node(0).http("PUT", u"/api/sockets/%1/rooms/ops-room"_s.arg(carol->socketId()), {},
                                       {{"Authorization", "Bearer " + admin}});
        QCOMPARE(reply.status, 200);
        QVERIFY(reply.json().value("changed"_L1).toBool());
        QVERIFY(node(2).hub().session(carol->socketId())->isInRoom(u"ops-room"_s));
        reply = node(1).http("DELETE", u"/api/sockets/%1/rooms/ops-room"_s.arg(carol->socketId()), {},
                             {{"Authorization", "Bearer " + admin}});
        QCOMPARE(reply.status, 200);
        QVERIFY(!node(2).hub().session(carol->socketId())->isInRoom(u"ops-room"_s));
        // A socket no node holds: 404 once every node said so.
        reply = node(0).http("PUT", u"/api/sockets/nobody/rooms/ops-room"_s, {}, {{"Authorization", "Bearer " + admin}});
        QCOMPARE(reply.status, 404);

        auto console = node(0).client(u"/_admin"_s, u"ops"_s, {u"admin"_s});
        QVERIFY(console);
        QVERIFY(console->request(u"admin:join"_s, QJsonObject{{u"socket"_s, carol->socketId()}, {u"room"_s, u"x"_s}}).ok());
        QVERIFY(node(2).hub().session(carol->socketId())->isInRoom(u"x"_s));
        QVERIFY(console->request(u"admin:disconnect"_s, QJsonObject{{u"socket"_s, carol->socketId()}, {u"reason"_s, u"bye"_s}}).ok());
        QVERIFY(carol->waitForDisconnected());
        QCOMPARE(carol->closeCode(), 4009);
        QCOMPARE(carol->closeReason(), u"bye"_s);
        QCOMPARE(console->request(u"admin:disconnect"_s, QJsonObject{{u"socket"_s, u"nobody"_s}}).errorCode(),
                 u"not_found"_s);
    }

    // The REST views count every node's members; a node that does not answer in time is named,
    // and the answer comes anyway, marked partial, after the cluster timeout.
    void viewsAreClusterWideAndPartialWhenANodeIsSilent()
    {
        const QByteArray admin = TestServer::token(u"ops"_s, {u"admin"_s});
        std::vector<std::unique_ptr<TestClient>> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(node(i).client(u"/chat"_s, u"user%1"_s.arg(i)));
            QVERIFY(clients.back() && clients.back()->join(u"hall"_s).ok());
        }
        QJsonObject rooms = node(0).get(u"/api/rooms?route=/chat"_s, admin).json();
        QCOMPARE(rooms.value("rooms"_L1).toArray(),
                 (QJsonArray{QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"hall"_s}, {u"members"_s, 3}}}));
        QVERIFY(!rooms.contains("partial"_L1));
        const QJsonObject hall = node(1).get(u"/api/rooms/hall"_s, admin).json();
        QCOMPARE(hall.value("members"_L1).toInt(), 3);
        const QJsonObject nodes = hall.value("routes"_L1).toArray().at(0).toObject().value("nodes"_L1).toObject();
        QCOMPARE(nodes.value(clients[2]->socketId()).toString(), u"c"_s);
        QCOMPARE(nodes.value(clients[1]->socketId()).toString(), u"b"_s);

        // Node c goes away without a word (its object ends; the others still count it live until
        // its heartbeats are overdue): the view waits the cluster timeout, then answers partial.
        m_nodes[2].reset();
        clients[2].reset(); // its socket died with its node
        QElapsedTimer waited;
        waited.start();
        rooms = node(0).get(u"/api/rooms?route=/chat"_s, admin).json();
        QVERIFY2(waited.elapsed() >= 400 && waited.elapsed() < 3000, qPrintable(QString::number(waited.elapsed())));
        QVERIFY(rooms.value("partial"_L1).toBool());
        QCOMPARE(rooms.value("missingNodes"_L1).toArray(), QJsonArray{u"c"_s});
        QCOMPARE(rooms.value("rooms"_L1).toArray().at(0).toObject().value("members"_L1).toInt(), 2);
        m_nodes.erase(m_nodes.begin() + 2);
    }

    // /health names the node and what it knows of the others.
    void healthShowsTheCluster()
    {
        const QJsonObject health = node(0).get(u"/health"_s).json();
        QCOMPARE(health.value("status"_L1).toString(), u"ok"_s);
        QCOMPARE(health.value("node"_L1).toString(), u"a"_s);
        const QJsonObject cluster = health.value("cluster"_L1).toObject();
        QCOMPARE(cluster.value("redis"_L1).toString(), u"up"_s);
        QStringList peers;
        for (const QJsonValue &peer : cluster.value("peers"_L1).toArray())
            peers.append(peer.toObject().value("id"_L1).toString());
        QCOMPARE(peers, (QStringList{u"b"_s, u"c"_s}));
        QCOMPARE(cluster.value("nodes"_L1).toInt(), 3);
        // Cluster-wide connections, from heartbeats: two more sockets on b show within one period.
        auto one = node(1).client(u"/chat"_s);
        auto two = node(1).client(u"/chat"_s);
        QVERIFY(one && two);
        QTRY_COMPARE_WITH_TIMEOUT(node(0).get(u"/health"_s).json().value("cluster"_L1).toObject()
                                          .value("connections"_L1).toInt(), 2, 5000);
    }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
