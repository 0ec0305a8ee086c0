// The example application's /chat and /board, as their users rely on them.
#include "testserver.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_ExampleApp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chatReachesEveryMemberIncludingTheSender();
    void chatWithoutIdGetsNoAck();
    void chatNeedsARoomAndMembership();
    void boardUpdatesMergeAndReachOthers();
    void boardJoinerGetsTheState();
    void boardRejectsNonObjects();
    void boardStateOutlivesItsMembers();
};

void tst_ExampleApp::chatReachesEveryMemberIncludingTheSender()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->join(u"lobby"_s).ok());
    QVERIFY(bob->join(u"lobby"_s).ok());

    const QJsonObject payload{{u"text"_s, u"hello ☕"_s}, {u"nested"_s, QJsonObject{{u"n"_s, 1.5}}}};
    const Reply ack = alice->request(u"chat:send"_s, payload, u"lobby"_s);
    QCOMPARE(ack.ok(), true);
    QCOMPARE(ack.payload()[u"delivered"].toInt(), 2);

    for (TestClient *client : {alice.get(), bob.get()}) {
        QVERIFY(client->waitFor(u"chat:message"_s));
        const QJsonObject message = client->received(u"chat:message"_s).first();
        QCOMPARE(message.value("payload"_L1).toObject(), payload); // forwarded unchanged
        QCOMPARE(message.value("room"_L1).toString(), u"lobby"_s);
        QCOMPARE(message.value("from"_L1).toString(), alice->socketId());
    }
}

void tst_ExampleApp::chatWithoutIdGetsNoAck()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"lobby"_s).ok());
    alice->send(u"chat:send"_s, u"plain string payload"_s, u"lobby"_s);
    QVERIFY(alice->waitFor(u"chat:message"_s));
    QCOMPARE(alice->received(u"chat:message"_s).first().value("payload"_L1).toString(), u"plain string payload"_s);
    QCOMPARE(alice->received(u"ack"_s).size(), 1); // only the join's
}

void tst_ExampleApp::chatNeedsARoomAndMembership()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    QVERIFY(bob->join(u"private"_s).ok());

    const Reply noRoom = alice->request(u"chat:send"_s, QJsonObject{});
    QCOMPARE(noRoom.errorCode(), u"bad_room"_s);
    const Reply notMember = alice->request(u"chat:send"_s, QJsonObject{}, u"private"_s);
    QCOMPARE(notMember.errorCode(), u"not_in_room"_s);
    QVERIFY(bob->expectNoPush(u"chat:message"_s));
}

void tst_ExampleApp::boardUpdatesMergeAndReachOthers()
{
    ExampleServer server;
    auto alice = server.client(u"/board"_s, u"user1"_s), bob = server.client(u"/board"_s, u"user2"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->join(u"plan"_s).ok());
    QVERIFY(bob->join(u"plan"_s).ok());

    const QJsonObject first{{u"title"_s, u"Sprint"_s}, {u"cards"_s, QJsonObject{{u"a"_s, u"todo"_s}, {u"b"_s, u"todo"_s}}}};
    QCOMPARE(alice->request(u"board:update"_s, first, u"plan"_s).payload()[u"version"].toInt(), 1);
    const QJsonObject second{{u"cards"_s, QJsonObject{{u"a"_s, u"done"_s}, {u"b"_s, QJsonValue::Null}}}};
    QCOMPARE(bob->request(u"board:update"_s, second, u"plan"_s).payload()[u"version"].toInt(), 2);

    // Each update goes to the others only.
    QVERIFY(!bob->expectPush(u"board:updated"_s).isEmpty());
    const QJsonObject updated = alice->expectPush(u"board:updated"_s);
    QVERIFY(alice->expectNoPush(u"board:updated"_s));
    QVERIFY(bob->expectNoPush(u"board:updated"_s));
    QCOMPARE(updated.value("payload"_L1).toObject().value("patch"_L1).toObject(), second);
    QCOMPARE(updated.value("from"_L1).toString(), bob->socketId());

    // A newcomer sees the merged state.
    auto carol = server.client(u"/board"_s, u"user3"_s);
    QVERIFY(carol);
    QVERIFY(carol->join(u"plan"_s).ok());
    QVERIFY(carol->waitFor(u"board:state"_s));
    const QJsonObject state = carol->received(u"board:state"_s).first().value("payload"_L1).toObject();
    QCOMPARE(state.value("version"_L1).toInt(), 2);
    QCOMPARE(state.value("state"_L1).toObject(),
             (QJsonObject{{u"title"_s, u"Sprint"_s}, {u"cards"_s, QJsonObject{{u"a"_s, u"done"_s}}}}));
}

void tst_ExampleApp::boardJoinerGetsTheState()
{
    ExampleServer server;
    auto alice = server.client(u"/board"_s, u"user4"_s);
    QVERIFY(alice);
    const Reply ack = alice->join(u"fresh"_s);
    QVERIFY(ack.ok());
    QVERIFY(alice->waitFor(u"board:state"_s));
    const QJsonObject state = alice->received(u"board:state"_s).first();
    QCOMPARE(state.value("room"_L1).toString(), u"fresh"_s);
    QCOMPARE(state.value("payload"_L1).toObject().value("version"_L1).toInt(), 0);
    // The state arrives before the join's ack, so a client can render before it proceeds.
    QVERIFY(alice->received().indexOf(state) < alice->received().indexOf(ack.frame()));
}

void tst_ExampleApp::boardRejectsNonObjects()
{
    ExampleServer server;
    auto alice = server.client(u"/board"_s, u"user5"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"p"_s).ok());
    for (const QJsonValue &payload : {QJsonValue(1), QJsonValue(u"x"_s), QJsonValue(QJsonArray{}), QJsonValue()}) {
        const Reply ack = alice->request(u"board:update"_s, payload, u"p"_s);
        QCOMPARE(ack.errorCode(), u"bad_payload"_s);
    }
    const Reply notMember = alice->request(u"board:update"_s, QJsonObject{}, u"other"_s);
    QCOMPARE(notMember.errorCode(), u"not_in_room"_s);
}

void tst_ExampleApp::boardStateOutlivesItsMembers()
{
    ExampleServer server;
    auto alice = server.client(u"/board"_s, u"user6"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"temp"_s).ok());
    QVERIFY(alice->request(u"board:update"_s, QJsonObject{{u"k"_s, 1}}, u"temp"_s).ok());
    QVERIFY(alice->leave(u"temp"_s).ok());
    alice->clear();
    QVERIFY(alice->join(u"temp"_s).ok());
    QVERIFY(alice->waitFor(u"board:state"_s));
    const QJsonObject state = alice->received(u"board:state"_s).first().value("payload"_L1).toObject();
    QCOMPARE(state.value("version"_L1).toInt(), 1);
    QCOMPARE(state.value("state"_L1).toObject(), (QJsonObject{{u"k"_s, 1}}));
}

QTEST_GUILESS_MAIN(tst_ExampleApp)
#include "tst_exampleapp.moc"
