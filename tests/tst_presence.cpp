// Presence: users (not sockets) per room, one full list for the joiner, diffs for everyone else.
#include "testserver.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

static QJsonArray users(const TestClient &client, qsizetype index = 0)
{
    return client.received(u"presence:state"_s).at(index).value("payload"_L1).toObject().value("users"_L1).toArray();
}

static QJsonArray diffPart(const QJsonObject &frame, const char *part)
{
    return frame.value("payload"_L1).toObject().value(QLatin1StringView(part)).toArray();
}

static QStringList ids(const QJsonArray &users)
{
    QStringList result;
    for (const QJsonValue &user : users)
        result.append(user.toObject().value("id"_L1).toString());
    return result;
}

// What a client does with presence: start from the last presence:state, apply every later
// presence:diff idempotently (joins and updates replace by id, leaves remove by id).
static QMap<QString, QJsonObject> reconstruct(const TestClient &client)
{
    QMap<QString, QJsonObject> list;
    for (const QJsonObject &frame : client.received()) {
        const QString event = frame.value("event"_L1).toString();
        if (event == "presence:state"_L1) {
            list.clear();
            for (const QJsonValue &user : frame.value("payload"_L1).toObject().value("users"_L1).toArray())
                list.insert(user.toObject().value("id"_L1).toString(), user.toObject());
        } else if (event == "presence:diff"_L1) {
            for (const char *part : {"joins", "updates"}) {
                for (const QJsonValue &user : diffPart(frame, part))
                    list.insert(user.toObject().value("id"_L1).toString(), user.toObject());
            }
            for (const QJsonValue &user : diffPart(frame, "leaves"))
                list.remove(user.toObject().value("id"_L1).toString());
        }
    }
    return list;
}

// The server's own list, as ids with statuses (connection counts are not diffed).
static QMap<QString, QString> statuses(const QList<cortado::PresenceEntry> &entries)
{
    QMap<QString, QString> result;
    for (const cortado::PresenceEntry &entry : entries)
        result.insert(entry.id, entry.status);
    return result;
}

static QMap<QString, QString> statuses(const QMap<QString, QJsonObject> &list)
{
    QMap<QString, QString> result;
    for (auto it = list.cbegin(); it != list.cend(); ++it)
        result.insert(it.key(), it->value("status"_L1).toString());
    return result;
}

class tst_Presence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void joinerGetsTheListOthersGetADiff();
    void joinsInOneTurnAreOneDiff();
    void leaveAndUpdateCoalesce();
    void comingAndGoingInOneTurnSendsNothing();
    void stateAndDiffsReconstructTheList();
    void twoTabsAreOneUser();
    void statusUpdates();
    void disconnectCleansUp();
    void guestsHaveGuestIds();
    void restMatchesTheSocketView();
    void untrackedRoutesSendNothing();
};

void tst_Presence::joinerGetsTheListOthersGetADiff()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->join(u"lobby"_s).ok());
    QCOMPARE(users(*alice).size(), 1);
    QCOMPARE(users(*alice).first().toObject().value("id"_L1).toString(), u"alice"_s);

    QVERIFY(bob->join(u"lobby"_s).ok());
    const QJsonArray seenByBob = users(*bob);
    QCOMPARE(seenByBob.size(), 2);
    QCOMPARE(seenByBob.at(1).toObject().value("id"_L1).toString(), u"bob"_s);
    QCOMPARE(seenByBob.at(1).toObject().value("name"_L1).toString(), u"BOB"_s);
    QCOMPARE(seenByBob.at(1).toObject().value("status"_L1).toString(), u"online"_s);

    // Alice hears of bob as a diff, never as a second full list.
    const QJsonObject diff = alice->expectPush(u"presence:diff"_s);
    QCOMPARE(ids(diffPart(diff, "joins")), QStringList{u"bob"_s});
    QCOMPARE(diffPart(diff, "joins").first().toObject().value("name"_L1).toString(), u"BOB"_s);
    QVERIFY(diffPart(diff, "leaves").isEmpty());
    QVERIFY(diffPart(diff, "updates").isEmpty());
    QCOMPARE(diff.value("room"_L1).toString(), u"lobby"_s);
    QVERIFY(alice->expectNoPush(u"presence:diff"_s));
    QCOMPARE(alice->received(u"presence:state"_s).size(), 1);
    QVERIFY(bob->expectNoPush(u"presence:diff"_s)); // the joiner's state said it all
}

void tst_Presence::joinsInOneTurnAreOneDiff()
{
    ExampleServer server;
    auto watcher = server.client(u"/chat"_s, u"watcher"_s);
    QVERIFY(watcher && watcher->join(u"r"_s).ok());
    std::vector<std::unique_ptr<TestClient>> joiners;
    QStringList names;
    for (int i = 0; i < 5; ++i) {
        names.append(u"user%1"_s.arg(i));
        joiners.push_back(server.client(u"/chat"_s, names.last()));
        QVERIFY(joiners.back());
    }
    // Five sockets join back to back within one event-loop turn (as a reconnect storm's joins do
    // when they arrive together): one diff carries them all.
    for (const auto &joiner : joiners)
        QVERIFY(server.hub().serverJoin(joiner->socketId(), u"r"_s, u"test"_s));
    const QJsonObject diff = watcher->expectPush(u"presence:diff"_s);
    QCOMPARE(ids(diffPart(diff, "joins")), names); // oldest first
    QVERIFY(watcher->expectNoPush(u"presence:diff"_s));

    // The early joiners' states missed the later ones: they get the same diff (with themselves in
    // it, harmless). The last joiner's state already listed everyone, so it gets none.
    for (qsizetype i = 0; i + 1 < qsizetype(joiners.size()); ++i) {
        QCOMPARE(ids(diffPart(joiners[i]->expectPush(u"presence:diff"_s), "joins")), names);
        QVERIFY(joiners[i]->expectNoPush(u"presence:diff"_s));
    }
    QVERIFY(joiners.back()->expectNoPush(u"presence:diff"_s));
    for (const auto &joiner : joiners)
        QCOMPARE(statuses(reconstruct(*joiner)), statuses(server.server().presence().list(u"/chat"_s, u"r"_s)));
}

void tst_Presence::leaveAndUpdateCoalesce()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s),
         carol = server.client(u"/chat"_s, u"carol"_s);
    QVERIFY(alice && bob && carol);
    for (TestClient *client : {alice.get(), bob.get(), carol.get()})
        QVERIFY(client->join(u"r"_s).ok());
    for (TestClient *client : {alice.get(), bob.get(), carol.get()}) {
        QVERIFY(client->fence()); // the joins' diffs are in
        client->clear();
    }

    // In one turn: bob leaves, alice sets a status twice.
    cortado::Session *aliceSession = server.hub().session(alice->socketId());
    QVERIFY(aliceSession);
    QVERIFY(server.hub().serverLeave(bob->socketId(), u"r"_s, u"test"_s));
    QVERIFY(server.server().presence().setStatus(*aliceSession, u"r"_s, u"typing"_s));
    QVERIFY(server.server().presence().setStatus(*aliceSession, u"r"_s, u"away"_s));

    const QJsonObject diff = carol->expectPush(u"presence:diff"_s);
    QVERIFY(diffPart(diff, "joins").isEmpty());
    QCOMPARE(ids(diffPart(diff, "leaves")), QStringList{u"bob"_s});
    QCOMPARE(ids(diffPart(diff, "updates")), QStringList{u"alice"_s});
    QCOMPARE(diffPart(diff, "updates").first().toObject().value("status"_L1).toString(), u"away"_s);
    QVERIFY(carol->expectNoPush(u"presence:diff"_s));
    QVERIFY(bob->expectNoPush(u"presence:diff"_s)); // no longer in the room when the diff went out
}

void tst_Presence::comingAndGoingInOneTurnSendsNothing()
{
    ExampleServer server;
    auto watcher = server.client(u"/chat"_s, u"watcher"_s), visitor = server.client(u"/chat"_s, u"visitor"_s);
    QVERIFY(watcher && visitor && watcher->join(u"r"_s).ok());
    QVERIFY(server.hub().serverJoin(visitor->socketId(), u"r"_s, u"test"_s));
    QVERIFY(server.hub().serverLeave(visitor->socketId(), u"r"_s, u"test"_s));
    QVERIFY(watcher->expectNoPush(u"presence:diff"_s));
    QCOMPARE(visitor->received(u"presence:state"_s).size(), 1); // it did join, and was told who was there
}

void tst_Presence::stateAndDiffsReconstructTheList()
{
    // Clients joining, leaving and setting statuses through the protocol, unsynchronised with each
    // other: whatever the turns, every member's state + diffs equal the server's list.
    ExampleServer server;
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < 8; ++i) {
        clients.push_back(server.client(u"/chat"_s, u"u%1"_s.arg(i % 6))); // u0 and u1 have two tabs
        QVERIFY(clients.back());
    }
    for (const auto &client : clients) // sent without waiting: several may land in one turn
        client->send(u"room:join"_s, QJsonValue::Undefined, u"r"_s);
    QTRY_COMPARE(server.hub().room(u"/chat"_s, u"r"_s).value_or(cortado::RoomInfo{}).members, 8);
    clients[0]->send(u"presence:update"_s, QJsonObject{{u"status"_s, u"away"_s}}, u"r"_s);
    clients[2]->send(u"room:leave"_s, QJsonValue::Undefined, u"r"_s);
    clients[3]->send(u"presence:update"_s, QJsonObject{{u"status"_s, u"typing"_s}}, u"r"_s);
    clients[6]->send(u"room:leave"_s, QJsonValue::Undefined, u"r"_s); // u0's second tab: u0 stays
    clients[5]->close();
    for (const std::size_t i : {0u, 2u, 3u, 6u})
        QVERIFY(clients[i]->fence()); // its update or leave has been handled
    QTRY_COMPARE(server.hub().room(u"/chat"_s, u"r"_s).value_or(cortado::RoomInfo{}).members, 5);
    for (const std::size_t i : {0u, 1u, 3u, 4u, 7u}) {
        QVERIFY(clients[i]->fence()); // everything the server sent this socket before is in
        QCOMPARE(statuses(reconstruct(*clients[i])), statuses(server.server().presence().list(u"/chat"_s, u"r"_s)));
    }
    QCOMPARE(server.server().presence().list(u"/chat"_s, u"r"_s).size(), 4); // u0, u1, u3, u4
}

void tst_Presence::twoTabsAreOneUser()
{
    ExampleServer server;
    auto watcher = server.client(u"/chat"_s, u"watcher"_s);
    auto tab1 = server.client(u"/chat"_s, u"alice"_s), tab2 = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(watcher && tab1 && tab2);
    QVERIFY(watcher->join(u"r"_s).ok());
    QVERIFY(tab1->join(u"r"_s).ok());
    QVERIFY(tab2->join(u"r"_s).ok());

    const QJsonArray list = users(*tab2);
    QCOMPARE(list.size(), 2);
    QCOMPARE(list.at(1).toObject().value("connections"_L1).toInt(), 2);
    QCOMPARE(ids(diffPart(watcher->expectPush(u"presence:diff"_s), "joins")), QStringList{u"alice"_s});
    QVERIFY(watcher->expectNoPush(u"presence:diff"_s)); // one user, one join
    QVERIFY(tab1->expectNoPush(u"presence:diff"_s)); // alice's second tab changed nobody's list

    tab1->close();
    QTRY_COMPARE(server.hub().room(u"/chat"_s, u"r"_s)->members, 2);
    // The server has handled the close: a diff would already be on its way, ahead of the fence.
    QVERIFY(watcher->expectNoPush(u"presence:diff"_s)); // alice is still here in tab 2
    QCOMPARE(server.server().presence().list(u"/chat"_s, u"r"_s).at(1).connections, 1);

    QVERIFY(tab2->leave(u"r"_s).ok());
    const QJsonObject diff = watcher->expectPush(u"presence:diff"_s);
    QCOMPARE(ids(diffPart(diff, "leaves")), QStringList{u"alice"_s});
    QVERIFY(diffPart(diff, "joins").isEmpty());
}

void tst_Presence::statusUpdates()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->join(u"r"_s).ok());
    QVERIFY(bob->join(u"r"_s).ok());

    QCOMPARE(alice->request(u"presence:update"_s, QJsonObject{{u"status"_s, u"typing"_s}}, u"r"_s).ok(), true);
    // Bob's own join was the last change when he joined: his first diff is alice's update.
    const QJsonObject diff = bob->expectPush(u"presence:diff"_s);
    QCOMPARE(diffPart(diff, "updates").size(), 1);
    const QJsonObject user = diffPart(diff, "updates").first().toObject();
    QCOMPARE(user.value("id"_L1).toString(), u"alice"_s);
    QCOMPARE(user.value("status"_L1).toString(), u"typing"_s);

    // A newcomer sees the status in the full list.
    auto carol = server.client(u"/chat"_s, u"carol"_s);
    QVERIFY(carol && carol->join(u"r"_s).ok());
    QCOMPARE(users(*carol).at(0).toObject().value("status"_L1).toString(), u"typing"_s);

    // Bad updates change nothing.
    QCOMPARE(alice->request(u"presence:update"_s, QJsonObject{{u"status"_s, QString(33, u'x')}}, u"r"_s)
                     .errorCode(), u"bad_payload"_s);
    QCOMPARE(alice->request(u"presence:update"_s, QJsonObject{{u"status"_s, u"away"_s}}, u"elsewhere"_s)
                     .errorCode(), u"not_in_room"_s);
}

void tst_Presence::disconnectCleansUp()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(alice && bob);
    for (const QString &room : {u"a"_s, u"b"_s}) {
        QVERIFY(alice->join(room).ok());
        QVERIFY(bob->join(room).ok());
    }
    alice->socket().abort(); // no close frame
    // One diff per room, each with alice's leave.
    QCOMPARE(ids(diffPart(bob->expectPush(u"presence:diff"_s), "leaves")), QStringList{u"alice"_s});
    QCOMPARE(ids(diffPart(bob->expectPush(u"presence:diff"_s), "leaves")), QStringList{u"alice"_s});
    QCOMPARE(server.server().presence().list(u"/chat"_s, u"a"_s).size(), 1);
    QCOMPARE(server.server().presence().list(u"/chat"_s, u"b"_s).size(), 1);
    bob->close();
    QTRY_VERIFY(server.server().presence().list(u"/chat"_s, u"a"_s).isEmpty());
}

void tst_Presence::guestsHaveGuestIds()
{
    ExampleServer server;
    auto guest = server.client(u"/chat"_s);
    QVERIFY(guest && guest->join(u"lobby"_s).ok());
    const QJsonObject entry = users(*guest).first().toObject();
    QCOMPARE(entry.value("id"_L1).toString(), u"guest-"_s + guest->socketId());
    QCOMPARE(entry.value("guest"_L1).toBool(), true);
}

void tst_Presence::restMatchesTheSocketView()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), again = server.client(u"/chat"_s, u"alice"_s),
         guest = server.client(u"/chat"_s);
    QVERIFY(alice && again && guest);
    for (TestClient *client : {alice.get(), again.get(), guest.get()})
        QVERIFY(client->join(u"room 1"_s).ok());
    const HttpReply reply = server.http("GET", u"/api/rooms/room%201/presence"_s);
    QCOMPARE(reply.status, 200);
    const QJsonArray list = reply.json().value("users"_L1).toArray();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list.at(0).toObject().value("connections"_L1).toInt(), 2);
    QCOMPARE(server.http("GET", u"/api/rooms/x/presence?route=/nope"_s).status, 404);
    QCOMPARE(server.http("GET", u"/api/rooms/empty/presence"_s).json().value("users"_L1).toArray().size(), 0);
}

void tst_Presence::untrackedRoutesSendNothing()
{
    TestServer server(TestServer::routes([](cortado::Router &router) {
        router.addWebSocketRoute(u"plain.ws.cpp"_s, [](cortado::WsRoute &) { });
    }));
    auto client = server.client(u"/plain"_s);
    QVERIFY(client && client->join(u"r"_s).ok());
    QVERIFY(client->expectNoPush(u"presence:state"_s));
    QCOMPARE(client->request(u"presence:update"_s, QJsonObject{{u"status"_s, u"x"_s}}, u"r"_s)
                     .errorCode(), u"unknown_event"_s);
}

QTEST_GUILESS_MAIN(tst_Presence)
#include "tst_presence.moc"
