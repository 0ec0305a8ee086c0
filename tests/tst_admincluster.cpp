// The admin channel in a cluster: two (then three) nodes in this process on a real Redis. The
// console on one node sees every node (admin:snapshot "nodes", admin:nodes), every node's sockets
// (admin:sockets) and acts on a socket another node holds. Nothing sleeps: waits run the nodes.
#include "redis.h"
#include "testserver.h"

#include <cortado/cluster.h>

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QStringList ids(const QJsonArray &list)
{
    QStringList result;
    for (const QJsonValue &item : list)
        result.append(item.toObject().value("id"_L1).toString());
    return result;
}

QJsonObject byId(const QJsonArray &list, const QString &id)
{
    for (const QJsonValue &item : list) {
        if (item.toObject().value("id"_L1).toString() == id)
            return item.toObject();
    }
    return {};
}

} // namespace

class TestAdminCluster : public QObject
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
        return std::make_unique<TestServer>(ExampleServer::exampleApp(), config);
    }

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

    // alice on node a, bob, carol and dave on node b: alice, bob and carol in "lobby", dave alone
    // in "only-b" (a room no member of which is on a).
    struct LobbyOnTwoNodes
    {
        std::unique_ptr<TestClient> alice, bob, carol, dave;
        bool ok = false;
    };
    LobbyOnTwoNodes lobbyOnTwoNodes()
    {
        LobbyOnTwoNodes users{node(0).client(u"/chat"_s, u"alice"_s), node(1).client(u"/chat"_s, u"bob"_s),
                              node(1).client(u"/chat"_s, u"carol"_s), node(1).client(u"/chat"_s, u"dave"_s)};
        users.ok = users.alice && users.bob && users.carol && users.dave && users.alice->join(u"lobby"_s).ok()
                   && users.bob->join(u"lobby"_s).ok() && users.carol->join(u"lobby"_s).ok()
                   && users.dave->join(u"only-b"_s).ok();
        return users;
    }

    std::unique_ptr<TestClient> console(int index, const QString &role = u"admin"_s)
    {
        return node(index).client(u"/_admin"_s, u"ops"_s, {role});
    }

private Q_SLOTS:
    void initTestCase() { CORTADO_START_REDIS(m_redis); }

    void init()
    {
        QVERIFY(m_redis.cli({u"FLUSHALL"_s}));
        for (const QString &id : {u"a"_s, u"b"_s}) {
            m_nodes.push_back(makeNode(id));
            QVERIFY(m_nodes.back()->isListening());
        }
        QTRY_VERIFY_WITH_TIMEOUT(clusterFormed(), 10'000);
    }

    void cleanup() { m_nodes.clear(); }

    // The snapshot names this node, Redis's state and every node (this one first) with its figures;
    // admin:nodes keeps them live (connections and messages per second from the heartbeats); every
    // socket, in the snapshot and in deltas, says which node holds it.
    void snapshotListsEveryNodeWithFigures()
    {
        auto alice = node(0).client(u"/chat"_s, u"alice"_s);
        std::vector<std::unique_ptr<TestClient>> onB;
        for (const QString &user : {u"bob"_s, u"carol"_s, u"dave"_s}) {
            onB.push_back(node(1).client(u"/chat"_s, user));
            QVERIFY(onB.back() && onB.back()->join(u"lobby"_s).ok());
        }
        QVERIFY(alice && alice->join(u"lobby"_s).ok());
        auto ops = console(0, u"observer"_s);
        QVERIFY(ops);

        const cortado::test::Reply reply = ops->request(u"admin:snapshot"_s);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        const QJsonObject snapshot = reply.payload().toObject();
        QCOMPARE(snapshot.value("node"_L1).toString(), u"a"_s);
        QCOMPARE(snapshot.value("cluster"_L1).toObject(), (QJsonObject{{u"redis"_s, u"up"_s}}));
        const QJsonArray nodes = snapshot.value("nodes"_L1).toArray();
        QCOMPARE(ids(nodes), (QStringList{u"a"_s, u"b"_s}));
        const QJsonObject a = nodes.at(0).toObject(), b = nodes.at(1).toObject();
        QVERIFY(a.value("self"_L1).toBool());
        QCOMPARE(a.value("lastHeartbeatMs"_L1).toInteger(), 0);
        QCOMPARE(a.value("address"_L1).toString(), node(0).server().httpUrl().toString());
        QCOMPARE(a.value("connections"_L1).toInteger(), 2); // alice and the console
        QVERIFY(!b.value("self"_L1).toBool());
        QCOMPARE(b.value("address"_L1).toString(), node(1).server().httpUrl().toString());
        QVERIFY(b.value("startedAt"_L1).toInteger() > 0);
        QVERIFY(b.value("uptimeMs"_L1).toInteger() >= 0 && b.value("uptimeMs"_L1).toInteger() < 60'000);
        QVERIFY(b.value("lastHeartbeatMs"_L1).toInteger() >= 0
                && b.value("lastHeartbeatMs"_L1).toInteger() <= cortado::cluster::Cluster::PeerTimeoutMs);
        for (const char *field : {"rooms", "messagesPerSecond", "connections"})
            QVERIFY2(b.contains(QLatin1String(field)), field);
        const QJsonArray sockets = snapshot.value("sockets"_L1).toArray();
        QCOMPARE(ids(sockets), QStringList{alice->socketId()}); // this node's sockets only
        QCOMPARE(sockets.at(0).toObject().value("node"_L1).toString(), u"a"_s);

        // admin:nodes every heartbeat period: b's next heartbeat carries its three chatters, and
        // messages on b show as b's messages per second.
        for (int i = 0; i < 10; ++i)
            QVERIFY(onB.at(0)->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi %1"_s.arg(i)}}, u"lobby"_s).ok());
        auto seen = [&ops](auto predicate) {
            for (const QJsonObject &frame : ops->received(u"admin:nodes"_s)) {
                const QJsonObject payload = frame.value("payload"_L1).toObject();
                if (predicate(byId(payload.value("nodes"_L1).toArray(), u"b"_s), payload))
                    return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(seen([](const QJsonObject &b, const QJsonObject &) {
                                     return b.value("connections"_L1).toInteger() == 3;
                                 }), 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(seen([](const QJsonObject &b, const QJsonObject &payload) {
                                     return b.value("messagesPerSecond"_L1).toDouble() > 0
                                             && payload.value("cluster"_L1).toObject().value("redis"_L1).toString() == "up"_L1;
                                 }), 10'000);

        // A socket that connects later: the next page names its node.
        auto erin = node(0).client(u"/chat"_s, u"erin"_s);
        QVERIFY(erin);
        const cortado::test::Reply page = ops->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"sockets"_s},
                {u"filter"_s, QJsonObject{{u"user"_s, u"erin"_s}}}});
        QVERIFY2(page.ok(), qPrintable(page.toString()));
        const QJsonArray rows = page.payload().toObject().value("rows"_L1).toArray();
        QCOMPARE(ids(rows), QStringList{erin->socketId()});
        QCOMPARE(rows.at(0).toObject().value("node"_L1).toString(), u"a"_s);
    }

    // admin:query over the cluster: each node gives its first offset + limit matches, the node
    // asked merges, sorts and cuts the page; the counts are every node's.
    void aPageOverEveryNode()
    {
        auto alice = node(0).client(u"/chat"_s, u"alice"_s);
        auto dave = node(0).client(u"/chat"_s, u"dave"_s);
        auto bob = node(1).client(u"/chat"_s, u"bob"_s);
        auto carol = node(1).client(u"/chat"_s, u"carol"_s);
        QVERIFY(alice && bob && carol && dave);
        QVERIFY(carol->join(u"lobby"_s).ok() && alice->join(u"lobby"_s).ok());
        auto ops = console(0, u"observer"_s);
        QVERIFY(ops);
        auto users = [](const QJsonObject &page) {
            QStringList result;
            for (const QJsonValue &row : page.value("rows"_L1).toArray())
                result.append(row[u"user"_s][u"id"_s].toString() + u'@' + row[u"node"_s].toString());
            return result;
        };
        const QJsonObject byUser{{u"key"_s, u"user"_s}, {u"desc"_s, false}};
        cortado::test::Reply reply = ops->request(u"admin:query"_s, QJsonObject{
                {u"view"_s, u"sockets"_s}, {u"sort"_s, byUser}, {u"offset"_s, 1}, {u"limit"_s, 2}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QJsonObject page = reply.payload().toObject();
        QCOMPARE(users(page), (QStringList{u"bob@b"_s, u"carol@b"_s}));
        QCOMPARE(page.value("total"_L1).toInt(), 4);
        QCOMPARE(page.value("matched"_L1).toInt(), 4);
        QCOMPARE(page.value("truncated"_L1).toBool(), false);
        QVERIFY(!page.contains("partial"_L1));

        reply = ops->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"sockets"_s}, {u"sort"_s, byUser},
                                                           {u"filter"_s, QJsonObject{{u"room"_s, u"lobby"_s}}}});
        QVERIFY(reply.ok());
        page = reply.payload().toObject();
        QCOMPARE(users(page), (QStringList{u"alice@a"_s, u"carol@b"_s}));
        QCOMPARE(page.value("matched"_L1).toInt(), 2);

        // Details of a socket another node holds: that node answers (rates computed here).
        reply = ops->request(u"admin:socket_info"_s, QJsonObject{{u"socket"_s, carol->socketId()}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QCOMPARE(reply.payload()[u"node"_s].toString(), u"b"_s);
        QCOMPARE(reply.payload()[u"user"_s][u"id"_s].toString(), u"carol"_s);
        QCOMPARE(reply.payload()[u"rooms"_s].toArray(), QJsonArray{u"lobby"_s});
        QVERIFY(reply.payload()[u"inPerSecond"_s].isDouble());
        QCOMPARE(ops->request(u"admin:socket_info"_s, QJsonObject{{u"socket"_s, u"nope"_s}}).errorCode(), u"not_found"_s);

        // A silent node: the page of the others, marked partial.
        m_nodes[1].reset();
        reply = ops->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"sockets"_s}, {u"sort"_s, byUser}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        page = reply.payload().toObject();
        QVERIFY(page.value("partial"_L1).toBool());
        QCOMPARE(page.value("missingNodes"_L1).toArray(), QJsonArray{u"b"_s});
        QCOMPARE(users(page), (QStringList{u"alice@a"_s, u"dave@a"_s}));
        m_nodes.erase(m_nodes.begin() + 1);
    }

    // A node that joins shows up at once in an admin:nodes delta, without waiting for a period.
    void adminNodesArrivesWhenANodeJoins()
    {
        auto ops = console(0);
        QVERIFY(ops);
        QVERIFY(ops->fence());
        m_nodes.push_back(makeNode(u"c"_s));
        QVERIFY(m_nodes.back()->isListening());
        auto listsC = [&ops] {
            for (const QJsonObject &frame : ops->received(u"admin:nodes"_s)) {
                if (ids(frame.value("payload"_L1).toObject().value("nodes"_L1).toArray())
                    == QStringList{u"a"_s, u"b"_s, u"c"_s})
                    return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(listsC(), 10'000);
        // The snapshot agrees, and c's console sees a and b.
        QCOMPARE(ids(ops->request(u"admin:snapshot"_s).payload().toObject().value("nodes"_L1).toArray()),
                 (QStringList{u"a"_s, u"b"_s, u"c"_s}));
        QTRY_VERIFY_WITH_TIMEOUT(clusterFormed(), 10'000);
        auto onC = console(2, u"observer"_s);
        QVERIFY(onC);
        QCOMPARE(ids(onC->request(u"admin:snapshot"_s).payload().toObject().value("nodes"_L1).toArray()),
                 (QStringList{u"c"_s, u"a"_s, u"b"_s}));
    }

    // admin:sockets answers every node's sockets, each with its node; an admin on node a
    // disconnects a socket that node b holds (4009), and it is gone from the next answer.
    void socketsOfEveryNodeAndActionsOnThem()
    {
        auto alice = node(0).client(u"/chat"_s, u"alice"_s);
        auto bob = node(1).client(u"/chat"_s, u"bob"_s);
        auto carol = node(1).client(u"/chat"_s, u"carol"_s);
        QVERIFY(alice && bob && carol);
        QVERIFY(carol->join(u"lobby"_s).ok());
        auto ops = console(0);
        QVERIFY(ops);

        cortado::test::Reply reply = ops->request(u"admin:sockets"_s);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QJsonObject answer = reply.payload().toObject();
        QVERIFY(!answer.contains("partial"_L1));
        QCOMPARE(answer.value("truncated"_L1).toBool(), false);
        QJsonArray sockets = answer.value("sockets"_L1).toArray();
        QStringList all = ids(sockets);
        all.sort();
        QStringList expected{alice->socketId(), bob->socketId(), carol->socketId()};
        expected.sort();
        QCOMPARE(all, expected); // no consoles: they are internal
        QCOMPARE(byId(sockets, alice->socketId()).value("node"_L1).toString(), u"a"_s);
        const QJsonObject carolJson = byId(sockets, carol->socketId());
        QCOMPARE(carolJson.value("node"_L1).toString(), u"b"_s);
        QCOMPARE(carolJson.value("rooms"_L1).toArray(), QJsonArray{u"lobby"_s});
        QCOMPARE(carolJson.value("user"_L1).toObject().value("id"_L1).toString(), u"carol"_s);

        // An observer may list them too.
        auto watcher = console(1, u"observer"_s);
        QVERIFY(watcher);
        reply = watcher->request(u"admin:sockets"_s);
        QVERIFY(reply.ok());
        QCOMPARE(byId(reply.payload().toObject().value("sockets"_L1).toArray(), alice->socketId())
                         .value("node"_L1).toString(), u"a"_s);

        // Act on b's socket from a.
        reply = ops->request(u"admin:disconnect"_s, QJsonObject{{u"socket"_s, bob->socketId()}, {u"reason"_s, u"bye"_s}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QVERIFY(bob->waitForDisconnected());
        QCOMPARE(bob->closeCode(), 4009);
        QCOMPARE(bob->closeReason(), u"bye"_s);
        reply = ops->request(u"admin:leave"_s, QJsonObject{{u"socket"_s, carol->socketId()}, {u"room"_s, u"lobby"_s}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QCOMPARE(reply.payload().toObject().value("changed"_L1).toBool(), true);
        reply = ops->request(u"admin:sockets"_s);
        QVERIFY(reply.ok());
        sockets = reply.payload().toObject().value("sockets"_L1).toArray();
        QVERIFY(!ids(sockets).contains(bob->socketId()));
        QCOMPARE(byId(sockets, carol->socketId()).value("rooms"_L1).toArray(), QJsonArray());
    }

    // A node that does not answer in time: the list comes after the cluster timeout, marked partial.
    void socketsArePartialWhenANodeIsSilent()
    {
        auto alice = node(0).client(u"/chat"_s, u"alice"_s);
        QVERIFY(alice);
        auto ops = console(0, u"observer"_s);
        QVERIFY(ops);
        m_nodes[1].reset(); // gone without a word: a still counts it live until its heartbeats are overdue
        const cortado::test::Reply reply = ops->request(u"admin:sockets"_s);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        const QJsonObject answer = reply.payload().toObject();
        QVERIFY(answer.value("partial"_L1).toBool());
        QCOMPARE(answer.value("missingNodes"_L1).toArray(), QJsonArray{u"b"_s});
        QCOMPARE(ids(answer.value("sockets"_L1).toArray()), QStringList{alice->socketId()});
        m_nodes.erase(m_nodes.begin() + 1);
    }

    // admin:room over the cluster: every node's members, each with its node; presence and history
    // are the cluster's; a room whose members are all on another node is found; a node that does
    // not answer makes the answer partial (and its members are missing from it).
    void roomDetailsOverEveryNode()
    {
        const LobbyOnTwoNodes users = lobbyOnTwoNodes();
        QVERIFY(users.ok);
        auto ops = console(0, u"observer"_s);
        QVERIFY(ops);
        auto room = [&ops](const QString &name) {
            return ops->request(u"admin:room"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, name}});
        };
        auto members = [](const QJsonObject &info) {
            QStringList result;
            for (const QJsonValue &member : info.value("members"_L1).toArray())
                result.append(member[u"user"_s][u"id"_s].toString() + u'@' + member[u"node"_s].toString());
            return result;
        };

        cortado::test::Reply reply = room(u"lobby"_s);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QJsonObject info = reply.payload().toObject();
        QStringList listed = members(info);
        QCOMPARE(listed.value(0), u"alice@a"_s); // this node's first; then b's, in no given order
        listed.sort();
        QCOMPARE(listed, (QStringList{u"alice@a"_s, u"bob@b"_s, u"carol@b"_s}));
        QCOMPARE(info.value("membersTotal"_L1).toInt(), 3);
        QCOMPARE(info.value("membersTruncated"_L1).toBool(), false);
        QVERIFY(!info.contains("partial"_L1));
        QCOMPARE(info.value("node"_L1).toString(), u"a"_s); // the node that answered
        // b's members' presence reaches a over the bus (cluster-wide presence).
        QTRY_COMPARE_WITH_TIMEOUT(room(u"lobby"_s).payload()[u"presenceTotal"_s].toInt(), 3, 10'000);

        // A room with no member on a (and no message yet): found, with b's member.
        reply = room(u"only-b"_s);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        info = reply.payload().toObject();
        QCOMPARE(members(info), QStringList{u"dave@b"_s});
        QCOMPARE(info.value("membersTotal"_L1).toInt(), 1);
        QVERIFY(!info.contains("historyLength"_L1));

        // History sent on b into a room a has no member of: a keeps it too, and pages it.
        for (int i = 1; i <= 3; ++i)
            QVERIFY(users.dave->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"m%1"_s.arg(i)}}, u"only-b"_s).ok());
        QTRY_COMPARE_WITH_TIMEOUT(room(u"only-b"_s).payload()[u"historyLength"_s].toInt(), 3, 10'000);
        info = room(u"only-b"_s).payload().toObject();
        QCOMPARE(info.value("offset"_L1).toInteger(), 3);
        QCOMPARE(info.value("oldestOffset"_L1).toInteger(), 1);
        reply = ops->request(u"admin:history"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"only-b"_s}, {u"limit"_s, 2}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QJsonObject page = reply.payload().toObject();
        QJsonArray rows = page.value("rows"_L1).toArray();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows.at(0)[u"offset"_s].toInteger(), 3); // newest first
        QCOMPARE(rows.at(0)[u"payload"_s][u"text"_s].toString(), u"m3"_s);
        QCOMPARE(rows.at(1)[u"offset"_s].toInteger(), 2);
        QCOMPARE(page.value("nextBefore"_L1).toInteger(), 2);
        reply = ops->request(u"admin:history"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"only-b"_s}, {u"before"_s, 2}});
        QVERIFY(reply.ok());
        rows = reply.payload()[u"rows"_s].toArray();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.at(0)[u"payload"_s][u"text"_s].toString(), u"m1"_s);
        QVERIFY(!reply.payload().toObject().contains("nextBefore"_L1));

        // Bad input is answered, not guessed at; a room on no node is not_found.
        QCOMPARE(room(QString()).errorCode(), u"bad_room"_s);
        QCOMPARE(ops->request(u"admin:history"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"only-b"_s},
                                                             {u"limit"_s, 0}}).errorCode(), u"bad_request"_s);
        QCOMPARE(room(u"nowhere"_s).errorCode(), u"not_found"_s);

        // b stops without a word: a's answer comes after the cluster timeout, partial, with a's
        // member only; b's history is still paged from a's copy.
        m_nodes[1].reset();
        reply = room(u"lobby"_s);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        info = reply.payload().toObject();
        QVERIFY(info.value("partial"_L1).toBool());
        QCOMPARE(info.value("missingNodes"_L1).toArray(), QJsonArray{u"b"_s});
        QCOMPARE(members(info), QStringList{u"alice@a"_s});
        QCOMPARE(info.value("membersTotal"_L1).toInt(), 1);
        // A room a knows nothing of may be on the silent node: partial, not not_found.
        reply = room(u"nowhere"_s);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QVERIFY(reply.payload()[u"partial"_s].toBool());
        QCOMPARE(reply.payload()[u"membersTotal"_s].toInt(), 0);
        reply = ops->request(u"admin:history"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"only-b"_s}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QCOMPARE(reply.payload()[u"rows"_s].toArray().size(), 3);
        m_nodes.erase(m_nodes.begin() + 1);
    }

    // A node that was not there when messages were sent (here: started later, without storage)
    // has a gap in its replica of the room's history; its console still pages every message, from
    // the nodes that have them.
    void historyOfANodeThatCameLater()
    {
        auto dave = node(1).client(u"/chat"_s, u"dave"_s);
        QVERIFY(dave && dave->join(u"kept"_s).ok());
        for (int i = 1; i <= 3; ++i)
            QVERIFY(dave->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"m%1"_s.arg(i)}}, u"kept"_s).ok());
        QTRY_COMPARE_WITH_TIMEOUT(node(0).hub().history().latestOffset(u"/chat"_s, u"kept"_s), 3, 10'000);
        m_nodes.push_back(makeNode(u"c"_s));
        QVERIFY(m_nodes.back()->isListening());
        QTRY_VERIFY_WITH_TIMEOUT(clusterFormed(), 10'000);
        QCOMPARE(node(2).hub().history().latestOffset(u"/chat"_s, u"kept"_s), 0); // the gap is real
        QVERIFY(dave->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"m4"_s}}, u"kept"_s).ok());
        QTRY_COMPARE_WITH_TIMEOUT(node(2).hub().history().latestOffset(u"/chat"_s, u"kept"_s), 4, 10'000);
        QCOMPARE(node(2).hub().history().entries(u"/chat"_s, u"kept"_s).size(), 1);

        auto ops = console(2, u"observer"_s);
        QVERIFY(ops);
        auto texts = [](const cortado::test::Reply &reply) {
            QStringList result;
            for (const QJsonValue &row : reply.payload()[u"rows"_s].toArray())
                result.append(row[u"payload"_s][u"text"_s].toString() + u'@' + QString::number(row[u"offset"_s].toInteger()));
            return result;
        };
        cortado::test::Reply reply = ops->request(u"admin:history"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"kept"_s},
                                                                                  {u"limit"_s, 2}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QCOMPARE(texts(reply), (QStringList{u"m4@4"_s, u"m3@3"_s}));
        QCOMPARE(reply.payload()[u"nextBefore"_s].toInteger(), 3);
        QCOMPARE(reply.payload()[u"offset"_s].toInteger(), 4);
        QCOMPARE(reply.payload()[u"historyLength"_s].toInteger(), 4);
        reply = ops->request(u"admin:history"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"kept"_s}, {u"before"_s, 3}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QCOMPARE(texts(reply), (QStringList{u"m2@2"_s, u"m1@1"_s}));
        QVERIFY(!reply.payload().toObject().contains("nextBefore"_L1));
        // admin:room's history fields are the cluster's too.
        reply = ops->request(u"admin:room"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"kept"_s}});
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QCOMPARE(reply.payload()[u"historyLength"_s].toInteger(), 4);
        QCOMPARE(reply.payload()[u"oldestOffset"_s].toInteger(), 1);
        QCOMPARE(reply.payload()[u"offset"_s].toInteger(), 4);
    }

    // The rooms page over the cluster: every node's rooms, a room on several nodes once with the
    // sum of its members (sorted by it), kept current by admin:page; a silent node's rooms are
    // missing and the page says so.
    void roomsPageOverEveryNode()
    {
        const LobbyOnTwoNodes users = lobbyOnTwoNodes();
        QVERIFY(users.ok);
        auto ops = console(0, u"observer"_s);
        QVERIFY(ops);
        auto rows = [](const QJsonObject &page) {
            QStringList result;
            for (const QJsonValue &row : page.value("rows"_L1).toArray())
                result.append(row[u"room"_s].toString() + u'=' + QString::number(row[u"members"_s].toInt()));
            return result;
        };
        auto pushed = [&ops](const QStringList &expected, auto rowsOf) {
            for (const QJsonObject &frame : ops->received(u"admin:page"_s)) {
                if (rowsOf(frame.value("payload"_L1).toObject()) == expected)
                    return true;
            }
            return false;
        };
        // The snapshot's rooms page knew a's rooms only; the cluster's follows unasked.
        QTRY_VERIFY_WITH_TIMEOUT(pushed({u"lobby=3"_s, u"only-b=1"_s}, rows), 10'000);
        // Live figures of the rooms on the page are the cluster's too.
        auto summaryOf = [&ops](const QString &room) {
            const QList<QJsonObject> counters = ops->received(u"admin:counters"_s);
            for (qsizetype i = counters.size() - 1; i >= 0; --i) {
                for (const QJsonValue &summary : counters.at(i)[u"payload"_s][u"roomSummaries"_s].toArray()) {
                    if (summary[u"room"_s].toString() == room)
                        return summary.toObject();
                }
            }
            return QJsonObject();
        };
        QTRY_COMPARE_WITH_TIMEOUT(summaryOf(u"lobby"_s).value("members"_L1).toInt(), 3, 10'000);
        auto erin = node(0).client(u"/chat"_s, u"erin"_s); // a join here counts b's members too
        QVERIFY(erin && erin->join(u"lobby"_s).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!ops->received(u"admin:joined"_s).isEmpty(), 10'000);
        QCOMPARE(ops->received(u"admin:joined"_s).constLast()[u"payload"_s][u"members"_s].toInt(), 4);
        QVERIFY(erin->leave(u"lobby"_s).ok());

        const QJsonObject query{{u"view"_s, u"rooms"_s}, {u"sort"_s, QJsonObject{{u"key"_s, u"members"_s}, {u"desc"_s, true}}}};
        cortado::test::Reply reply = ops->request(u"admin:query"_s, query);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        QJsonObject page = reply.payload().toObject();
        QCOMPARE(rows(page), (QStringList{u"lobby=3"_s, u"only-b=1"_s}));
        QCOMPARE(page.value("total"_L1).toInt(), 2);
        QCOMPARE(page.value("matched"_L1).toInt(), 2);
        QVERIFY(!page.contains("partial"_L1));
        reply = ops->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"rooms"_s}, {u"filter"_s, QJsonObject{{u"text"_s, u"only"_s}}}});
        QVERIFY(reply.ok());
        QCOMPARE(rows(reply.payload().toObject()), QStringList{u"only-b=1"_s});
        QCOMPARE(reply.payload()[u"total"_s].toInt(), 2);
        QVERIFY(ops->request(u"admin:query"_s, query).ok()); // the page shown again

        // Joins on b reach a's page: pushed as admin:page (a asks the cluster at each refresh).
        ops->clear();
        auto gina = node(1).client(u"/chat"_s, u"gina"_s);
        QVERIFY(gina && gina->join(u"only-b"_s).ok());
        auto frank = node(1).client(u"/chat"_s, u"frank"_s);
        QVERIFY(frank && frank->join(u"only-b"_s).ok());
        QTRY_VERIFY_WITH_TIMEOUT(pushed({u"only-b=3"_s, u"lobby=3"_s}, rows), 10'000);

        // b stops: its rooms are missing, the page says which node.
        m_nodes[1].reset();
        reply = ops->request(u"admin:query"_s, query);
        QVERIFY2(reply.ok(), qPrintable(reply.toString()));
        page = reply.payload().toObject();
        QVERIFY(page.value("partial"_L1).toBool());
        QCOMPARE(page.value("missingNodes"_L1).toArray(), QJsonArray{u"b"_s});
        QCOMPARE(rows(page), QStringList{u"lobby=1"_s});
        m_nodes.erase(m_nodes.begin() + 1);
    }

    // A single node (no Redis): the list is this node alone, with no "node" or "cluster", and
    // admin:sockets answers its own sockets without a node.
    void aSingleNodeListsItself()
    {
        ExampleServer single;
        QVERIFY(single.isListening());
        auto alice = single.client(u"/chat"_s, u"alice"_s);
        auto ops = single.client(u"/_admin"_s, u"ops"_s, {u"observer"_s});
        QVERIFY(alice && ops);
        const QJsonObject snapshot = ops->request(u"admin:snapshot"_s).payload().toObject();
        QVERIFY(!snapshot.contains("node"_L1));
        QVERIFY(!snapshot.contains("cluster"_L1));
        const QJsonArray nodes = snapshot.value("nodes"_L1).toArray();
        QCOMPARE(nodes.size(), 1);
        QVERIFY(nodes.at(0).toObject().value("self"_L1).toBool());
        QCOMPARE(nodes.at(0).toObject().value("address"_L1).toString(), single.server().httpUrl().toString());
        QVERIFY(!snapshot.value("sockets"_L1).toArray().at(0).toObject().contains("node"_L1));
        const cortado::test::Reply reply = ops->request(u"admin:sockets"_s);
        QVERIFY(reply.ok());
        QCOMPARE(ids(reply.payload().toObject().value("sockets"_L1).toArray()), QStringList{alice->socketId()});
        QVERIFY(!reply.payload().toObject().contains("partial"_L1));
    }
};

QTEST_GUILESS_MAIN(TestAdminCluster)
#include "tst_admincluster.moc"
