// The console's AdminClient end to end against a real server.
#include "adminclient.h"
#include "testserver.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_AdminClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void snapshotDeltasAndActions();
    void observerIsRefused();
    void pagesFromTheServer();
    void detailsAndHistoryBrowser();
    void refusedTokenStopsWithoutRetrying();
    void reconnectsAfterTheServerDropsIt();
};

void tst_AdminClient::snapshotDeltasAndActions()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice && alice->join(u"lobby"_s).ok());

    AdminClient admin;
    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    QUrl url = server.wsUrl(u"/"_s);
    admin.connectTo(url.toString(), QString::fromLatin1(TestServer::token(u"ops"_s, {u"admin"_s})));
    QVERIFY(snapshot.wait(5000));
    QCOMPARE(admin.state(), AdminClient::Connected);
    QCOMPARE(admin.sockets()->rowCount(), 1);
    QCOMPARE(admin.rooms()->rowCount(), 1);

    auto bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(bob);
    QTRY_COMPARE(admin.sockets()->rowCount(), 2);

    // Traffic through the tap, into the traffic model.
    QSignalSpy done(&admin, &AdminClient::actionDone);
    admin.setTap({{u"payloads"_s, true}});
    QVERIFY(done.wait(5000)); // the server has the tap
    QCOMPARE(done.last().at(1).toBool(), true);
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"seen by the console"_s}}, u"lobby"_s).ok());
    QTRY_VERIFY(admin.traffic()->rowCount() >= 2);

    // Actions.
    admin.joinRoom(bob->socketId(), u"lobby"_s);
    QVERIFY(done.wait(5000));
    QCOMPARE(done.last().at(1).toBool(), true);
    QTRY_COMPARE(admin.rooms()->index(0).data(RoomsModel::MembersRole).toInt(), 2);
    admin.leaveRoom(alice->socketId(), u"lobby"_s);
    QVERIFY(done.wait(5000));
    QCOMPARE(done.last().at(1).toBool(), true);
    QTRY_VERIFY(!server.hub().session(alice->socketId())->isInRoom(u"lobby"_s));
    QTRY_COMPARE(admin.rooms()->index(0).data(RoomsModel::MembersRole).toInt(), 1);
    QVERIFY(admin.emitEvent(u"room"_s, u"/chat"_s, u"lobby"_s, {}, u"ops:notice"_s, uR"({"text": "hi"})"_s));
    QVERIFY(bob->waitFor(u"ops:notice"_s));
    QVERIFY(!admin.emitEvent(u"room"_s, u"/chat"_s, u"lobby"_s, {}, u"ops:notice"_s, u"{not json"_s));
    admin.kick(bob->socketId(), u"bye"_s);
    QVERIFY(bob->waitForDisconnected());
    QCOMPARE(bob->closeCode(), 4009);
    QTRY_COMPARE(admin.sockets()->rowCount(), 1);

    admin.disconnectFrom();
    QCOMPARE(admin.state(), AdminClient::Disconnected);
}

// The console asks for a page (filtered, sorted, offset) and the server keeps it current.
void tst_AdminClient::pagesFromTheServer()
{
    ExampleServer server;
    std::vector<std::unique_ptr<TestClient>> chatters;
    for (const QString &user : {u"alice"_s, u"bob"_s, u"carol"_s}) {
        chatters.push_back(server.client(u"/chat"_s, user));
        QVERIFY(chatters.back());
    }
    AdminClient admin;
    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    admin.connectTo(server.wsUrl(u"/"_s).toString(), QString::fromLatin1(TestServer::token(u"ops"_s, {u"observer"_s})));
    QVERIFY(snapshot.wait(5000));
    QCOMPARE(admin.socketsTotal(), 3);
    QCOMPARE(admin.socketsMatched(), 3);
    QSignalSpy reset(admin.sockets(), &QAbstractItemModel::modelReset);

    admin.querySockets({{u"filter"_s, QVariantMap{{u"user"_s, u"bob"_s}}}});
    QTRY_COMPARE(admin.sockets()->rowCount(), 1);
    QCOMPARE(admin.sockets()->index(0).data(SocketsModel::UserRole).toString(), u"bob"_s);
    QCOMPARE(admin.socketsMatched(), 1);
    QCOMPARE(admin.socketsTotal(), 3);

    // Bob's second tab arrives by itself (admin:page); dave only in the counts.
    auto bob2 = server.client(u"/chat"_s, u"bob"_s), dave = server.client(u"/chat"_s, u"dave"_s);
    QVERIFY(bob2 && dave);
    QTRY_COMPARE(admin.sockets()->rowCount(), 2);
    QTRY_COMPARE(admin.socketsTotal(), 5);
    QCOMPARE(admin.socketsMatched(), 2);
    QVERIFY(admin.sockets()->socket(dave->socketId()).isEmpty());

    // Sorted by user, one row a page: the second.
    admin.querySockets({{u"sort"_s, QVariantMap{{u"key"_s, u"user"_s}}}, {u"offset"_s, 1}, {u"limit"_s, 1}});
    QTRY_COMPARE(admin.socketsOffset(), 1);
    QCOMPARE(admin.sockets()->rowCount(), 1);
    QCOMPARE(admin.sockets()->index(0).data(SocketsModel::UserRole).toString(), u"bob"_s);
    QCOMPARE(admin.socketsMatched(), 5);
    QCOMPARE(reset.size(), 0);

    // Rooms page.
    QVERIFY(chatters.at(0)->join(u"lobby"_s).ok());
    admin.queryRooms({{u"filter"_s, QVariantMap{{u"text"_s, u"lob"_s}}}});
    QTRY_COMPARE(admin.rooms()->rowCount(), 1);
    QCOMPARE(admin.roomsMatched(), 1);

    // A bad query is reported, and the page stays.
    QSignalSpy done(&admin, &AdminClient::actionDone);
    admin.querySockets({{u"sort"_s, QVariantMap{{u"key"_s, u"password"_s}}}});
    QVERIFY(done.wait(5000));
    QCOMPARE(done.last().at(0).toString(), u"query"_s);
    QCOMPARE(done.last().at(1).toBool(), false);
    QCOMPARE(admin.sockets()->rowCount(), 1);
}

// The socket and room pages' data: details from the server, and the history browser paging back.
void tst_AdminClient::detailsAndHistoryBrowser()
{
    cortado::ServerConfig config;
    config.limits.eventsPerSocket = {}; // 60 messages at once on purpose
    ExampleServer server(config);
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice && alice->join(u"lobby"_s).ok());
    for (int i = 1; i <= 60; ++i)
        QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"m%1"_s.arg(i)}}, u"lobby"_s).ok());
    AdminClient admin;
    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    admin.connectTo(server.wsUrl(u"/"_s).toString(), QString::fromLatin1(TestServer::token(u"ops"_s, {u"observer"_s})));
    QVERIFY(snapshot.wait(5000));

    admin.socketInfo(alice->socketId());
    QTRY_COMPARE(admin.socketDetail().value(u"id"_s).toString(), alice->socketId());
    QCOMPARE(admin.socketDetail().value(u"messagesIn"_s).toInt(), 61);
    QVERIFY(admin.socketDetail().contains(u"bytesQueued"_s));
    admin.roomInfo(u"/chat"_s, u"lobby"_s);
    QTRY_COMPARE(admin.roomDetail().value(u"membersTotal"_s).toInt(), 1);
    QCOMPARE(admin.roomDetail().value(u"historyLength"_s).toInt(), 60);

    admin.loadHistory(u"/chat"_s, u"lobby"_s);
    QTRY_COMPARE(admin.history()->rowCount(), 50); // the first page: the newest 50
    QCOMPARE(admin.history()->index(0).data(HistoryModel::OffsetRole).toInt(), 60);
    QVERIFY(admin.history()->index(0).data(HistoryModel::PayloadRole).toString().contains(uR"("text":"m60")"_s));
    QVERIFY(admin.historyHasOlder());
    admin.loadOlderHistory();
    QTRY_COMPARE(admin.history()->rowCount(), 60);
    QCOMPARE(admin.history()->index(59).data(HistoryModel::OffsetRole).toInt(), 1);
    QVERIFY(!admin.historyHasOlder());

    // A socket that is gone: the failure is said, and no stale details stay.
    QSignalSpy done(&admin, &AdminClient::actionDone);
    admin.socketInfo(u"nope"_s);
    QVERIFY(admin.socketDetail().isEmpty());
    QVERIFY(done.wait(5000));
    QCOMPARE(done.last().at(0).toString(), u"socket_info"_s);
    QCOMPARE(done.last().at(1).toBool(), false);
}

void tst_AdminClient::observerIsRefused()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    AdminClient admin;
    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    admin.connectTo(server.wsUrl(u"/"_s).toString(), QString::fromLatin1(TestServer::token(u"eve"_s, {u"observer"_s})));
    QVERIFY(snapshot.wait(5000));
    QCOMPARE(admin.role(), u"observer"_s);
    QSignalSpy done(&admin, &AdminClient::actionDone);
    admin.kick(alice->socketId(), u"no"_s);
    QVERIFY(done.wait(5000));
    QCOMPARE(done.last().at(1).toBool(), false);
    QVERIFY(done.last().at(2).toString().contains(u"observers"_s));
    QVERIFY(alice->fence()); // a close sent before the refusal would have arrived first
    QVERIFY(alice->isConnected());
}

void tst_AdminClient::refusedTokenStopsWithoutRetrying()
{
    ExampleServer server;
    AdminClient admin;
    // A user without the admin or observer role: the handshake is answered 403.
    admin.connectTo(server.wsUrl(u"/"_s).toString(), QString::fromLatin1(TestServer::token(u"mallory"_s)));
    QTRY_COMPARE(admin.state(), AdminClient::Disconnected);
    QVERIFY2(admin.error().contains(u"403"_s), qPrintable(admin.error()));
    // A garbage token: 401, and no retry either (no token source could bring a better one).
    admin.connectTo(server.wsUrl(u"/"_s).toString(), u"garbage"_s);
    QCOMPARE(admin.state(), AdminClient::Connecting);
    QTRY_COMPARE(admin.state(), AdminClient::Disconnected);
    QVERIFY2(admin.error().contains(u"401"_s), qPrintable(admin.error()));
    QCOMPARE(server.hub().sessionCount(), 0);
}

void tst_AdminClient::reconnectsAfterTheServerDropsIt()
{
    ExampleServer server;
    AdminClient admin;
    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    admin.connectTo(server.wsUrl(u"/"_s).toString(), QString::fromLatin1(TestServer::token(u"ops"_s, {u"admin"_s})));
    QVERIFY(snapshot.wait(5000));
    QSignalSpy done(&admin, &AdminClient::actionDone);
    admin.setTap({{u"payloads"_s, true}});
    QVERIFY(done.wait(5000));

    // Every socket goes (as at a shutdown, 1001): the console waits, then comes back by itself.
    server.hub().disconnectAll(1001, u"restarting"_s);
    QTRY_COMPARE(admin.state(), AdminClient::Reconnecting);
    QVERIFY(admin.stateText().startsWith(u"Reconnecting in "_s));
    QVERIFY(snapshot.wait(5000)); // a new snapshot on the new connection
    QCOMPARE(admin.state(), AdminClient::Connected);
    QVERIFY(done.wait(5000)); // and the tap was asked for again
    QCOMPARE(done.last().at(0).toString(), u"tap"_s);
    QCOMPARE(done.last().at(1).toBool(), true);
}

QTEST_GUILESS_MAIN(tst_AdminClient)
#include "tst_adminclient.moc"
