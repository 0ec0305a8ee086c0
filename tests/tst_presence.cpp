// Presence: users (not sockets) per room, one full list for the joiner, diffs for everyone else.
#include "testserver.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

static QJsonArray users(const TestClient &client, qsizetype index = 0)
{
    return client.received(u"presence:state"_s).at(index).value("payload"_L1).toObject().value("users"_L1).toArray();
}

class tst_Presence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void joinerGetsTheListOthersGetADiff();
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
    QVERIFY(alice->waitFor(u"presence:join"_s));
    QCOMPARE(alice->received(u"presence:join"_s).first().value("payload"_L1).toObject()
                     .value("user"_L1).toObject().value("id"_L1).toString(), u"bob"_s);
    QCOMPARE(alice->received(u"presence:state"_s).size(), 1);
    QCOMPARE(bob->received(u"presence:join"_s).size(), 0); // the joiner is in its own list already
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
    QVERIFY(!watcher->expectPush(u"presence:join"_s).isEmpty());
    QVERIFY(watcher->expectNoPush(u"presence:join"_s)); // one user, one join

    tab1->close();
    QTRY_COMPARE(server.hub().room(u"/chat"_s, u"r"_s)->members, 2);
    // The server has handled the close: a leave would already be on its way, ahead of the fence.
    QVERIFY(watcher->expectNoPush(u"presence:leave"_s)); // alice is still here in tab 2
    QCOMPARE(server.server().presence().list(u"/chat"_s, u"r"_s).at(1).connections, 1);

    QVERIFY(tab2->leave(u"r"_s).ok());
    QVERIFY(watcher->waitFor(u"presence:leave"_s));
    QCOMPARE(watcher->received(u"presence:leave"_s).first().value("payload"_L1).toObject()
                     .value("user"_L1).toObject().value("id"_L1).toString(), u"alice"_s);
}

void tst_Presence::statusUpdates()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->join(u"r"_s).ok());
    QVERIFY(bob->join(u"r"_s).ok());

    QCOMPARE(alice->request(u"presence:update"_s, QJsonObject{{u"status"_s, u"typing"_s}}, u"r"_s).ok(), true);
    QVERIFY(bob->waitFor(u"presence:update"_s));
    const QJsonObject user = bob->received(u"presence:update"_s).first().value("payload"_L1).toObject().value("user"_L1).toObject();
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
    QVERIFY(bob->waitFor(u"presence:leave"_s, 2));
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
