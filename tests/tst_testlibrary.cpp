// The public test library as an app outside the repository uses it: only <cortado/test.h>, the
// app's own routes (no example app), and the behaviour docs/testing.md promises.
#include <cortado/test.h>

#include <QTest>

using namespace Qt::StringLiterals;
using cortado::test::Reply;
using cortado::test::TestServer;

// The app under test: one WebSocket route whose rooms track presence (docs/testing.md).
static void registerRoutes(cortado::Router &router)
{
    router.addWebSocketRoute(u"lobby.ws.cpp"_s, [](cortado::WsRoute &route) { route.trackPresence(); });
}

class tst_TestLibrary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pushesAndReplies();
    void expectNoPushFailsWhenAPushArrived();
    void expectPushFailsWhenNothingArrives();
    void repliesTellErrorsAndTimeouts();
};

void tst_TestLibrary::pushesAndReplies()
{
    TestServer server(TestServer::withAuth(registerRoutes));
    QVERIFY(server.isListening());
    auto alice = server.client(u"/lobby"_s, u"alice"_s);
    auto bob = server.client(u"/lobby"_s, u"bob"_s);
    QVERIFY(alice && bob);

    const Reply joined = alice->join(u"r"_s);
    QVERIFY2(joined.ok(), qPrintable(joined.toString()));
    QCOMPARE(joined.payload()[u"members"].toInt(), 1);
    QVERIFY(bob->join(u"r"_s).ok());

    const QJsonObject diff = alice->expectPush(u"presence:diff"_s); // bob arrived
    QCOMPARE(diff.value("payload"_L1)[u"joins"][0][u"id"].toString(), u"bob"_s);
    QVERIFY(alice->expectNoPush(u"presence:diff"_s)); // and nobody else
    QVERIFY(bob->expectNoPush(u"presence:diff"_s)); // nobody joined after bob
}

void tst_TestLibrary::expectNoPushFailsWhenAPushArrived()
{
    TestServer server(TestServer::withAuth(registerRoutes));
    auto alice = server.client(u"/lobby"_s, u"alice"_s), bob = server.client(u"/lobby"_s, u"bob"_s);
    QVERIFY(alice && bob && alice->join(u"r"_s).ok() && bob->join(u"r"_s).ok());
    // No wait before it: the fence alone must see bob's join (it was sent before the fence's ack).
    // expectNoPush reports the failure itself (QEXPECT_FAIL turns that into the expected XFAIL).
    QEXPECT_FAIL("", "alice was told about bob: expectNoPush must fail", Continue);
    const bool nothing = alice->expectNoPush(u"presence:diff"_s);
    QVERIFY(true); // an XPASS (a failure) if expectNoPush had not reported one
    QVERIFY(!nothing);
}

void tst_TestLibrary::expectPushFailsWhenNothingArrives()
{
    TestServer server(TestServer::routes(registerRoutes));
    auto alice = server.client(u"/lobby"_s);
    QVERIFY(alice);
    QEXPECT_FAIL("", "nothing is pushed: expectPush must fail", Continue);
    const QJsonObject push = alice->expectPush(u"presence:diff"_s, 200);
    QVERIFY(true); // an XPASS (a failure) if expectPush had not reported one
    QVERIFY(push.isEmpty());
}

void tst_TestLibrary::repliesTellErrorsAndTimeouts()
{
    TestServer server(TestServer::routes(registerRoutes));
    auto guest = server.client(u"/lobby"_s);
    QVERIFY(guest);
    const Reply unknown = guest->request(u"chat:send"_s, u"hi"_s, u"r"_s);
    QVERIFY(!unknown.ok());
    QVERIFY(!unknown.timedOut());
    QCOMPARE(unknown.errorCode(), u"unknown_event"_s);
    QVERIFY(!unknown.errorMessage().isEmpty());
    QCOMPARE(unknown.frame().value("event"_L1).toString(), u"ack"_s);

    guest->close();
    QVERIFY(guest->waitForDisconnected());
    const Reply none = guest->request(u"room:join"_s, {}, u"r"_s, 200);
    QVERIFY(none.timedOut());
    QVERIFY(!none.ok());
    QCOMPARE(none.toString(), u"timed out (no ack)"_s);

    // Tokens for test users, and HTTP: a signed-in REST request reaches the server.
    QVERIFY(!TestServer::token(u"alice"_s, {u"admin"_s}).isEmpty());
    QCOMPARE(server.get(u"/nowhere"_s).status, 404);
}

QTEST_GUILESS_MAIN(tst_TestLibrary)
#include "tst_testlibrary.moc"
