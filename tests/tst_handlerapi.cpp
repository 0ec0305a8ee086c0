// The handler API route authors use: broadcast / broadcastFrom / push / emit with "from" and
// "room" filled in, guarded joins from handlers, server-side joins (audited), accumulating hooks,
// requireMembership(), Error::overloaded, and required services checked at start.
#include "testserver.h"

#include <cortado/route.h>

#include <QLoggingCategory>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

struct NeverProvided
{
};

// /handlers: one event per API call; "secret:*" rooms are refused by their guard.
void handlerRoutes(cortado::Router &router)
{
    router.addWebSocketRoute(u"handlers.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.guardRooms(u"secret:*"_s, [](const cortado::RoomAccess &) -> std::optional<cortado::Error> {
            return cortado::Error::forbidden(u"secret rooms are invitation-only"_s);
        });
        // Two hooks of each kind: both run, in order.
        route.onConnect([](cortado::SocketContext &ctx) { ctx.push(u"t:hello"_s, 1); });
        route.onConnect([](cortado::SocketContext &ctx) { ctx.push(u"t:hello"_s, 2); });
        route.onJoin([](cortado::SocketContext &ctx) { ctx.push(u"t:joined"_s, *ctx.room()); });

        const auto delivered = [](const cortado::Delivery &delivery) -> cortado::Ack {
            if (auto error = delivery.error())
                return *error;
            return cortado::Ack::ok(QJsonObject{{u"delivered"_s, delivery.recipients}});
        };
        route.on(u"t:broadcast"_s, [delivered](cortado::EventContext &ctx) {
            return delivered(ctx.broadcast(u"t:msg"_s, ctx.payload()));
        });
        route.on(u"t:broadcastFrom"_s, [delivered](cortado::EventContext &ctx) {
            return delivered(ctx.broadcastFrom(u"t:msg"_s, ctx.payload()));
        });
        route.on(u"t:push"_s, [delivered](cortado::EventContext &ctx) {
            return delivered(ctx.push(u"t:msg"_s, ctx.payload()));
        });
        route.on(u"t:emitRoute"_s, [delivered](cortado::EventContext &ctx) {
            return delivered(ctx.emit(ctx.toRoute(), u"t:msg"_s, ctx.payload()));
        });
        route.on(u"t:join"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            if (auto error = ctx.join(ctx.payload().toString()))
                return *error;
            return cortado::Ack::ok();
        });
        route.on(u"t:fill"_s, [](cortado::EventContext &ctx) -> cortado::Ack {
            for (int i = 0; i < cortado::protocol::MaxRoomsPerSocket; ++i) {
                if (auto error = ctx.join(u"fill:%1"_s.arg(i)))
                    return *error;
            }
            return cortado::Ack::ok();
        });
        route.on(u"t:serverJoin"_s, [](cortado::EventContext &ctx) {
            return cortado::Ack::ok(ctx.serverJoin(ctx.payload().toString(), u"an invitation"_s));
        });
        route.on(u"t:member"_s, [](cortado::EventContext &ctx) {
            return cortado::Ack::ok(QJsonObject{{u"ran"_s, true}, {u"room"_s, *ctx.room()}});
        }).requireMembership();
    });
}

} // namespace

class tst_HandlerApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void broadcastReachesTheRoomWithTheSender();
    void broadcastFromSkipsTheSender();
    void pushReachesOnlyTheSender();
    void emitReachesAnyTarget();
    void broadcastWithoutRoomIsBadRoom();
    void joinFromHandlerAsksTheRoomGuard();
    void joinFromHandlerKeepsTheRoomLimit();
    void serverJoinBypassesTheGuardAndIsAudited();
    void hooksAccumulate();
    void requireMembershipChecksBeforeTheHandler();
    void overloadedIs503OverRest();
    void missingRequiredServiceStopsTheServer();
    void bindingRoomJoinIsAStartupError();
    void describedEventsAreCheckedAtStartup_data();
    void describedEventsAreCheckedAtStartup();

private:
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<TestClient> m_alice, m_bob, m_carol; // alice and bob in room "r", carol not
};

void tst_HandlerApi::init()
{
    m_server = std::make_unique<TestServer>(TestServer::routes(handlerRoutes));
    QVERIFY(m_server->isListening());
    m_alice = m_server->client(u"/handlers"_s);
    m_bob = m_server->client(u"/handlers"_s);
    m_carol = m_server->client(u"/handlers"_s);
    QVERIFY(m_alice && m_bob && m_carol);
    QVERIFY(m_alice->join(u"r"_s).ok());
    QVERIFY(m_bob->join(u"r"_s).ok());
}

void tst_HandlerApi::cleanup()
{
    m_alice.reset();
    m_bob.reset();
    m_carol.reset();
    m_server.reset();
}

void tst_HandlerApi::broadcastReachesTheRoomWithTheSender()
{
    const Reply ack = m_alice->request(u"t:broadcast"_s, u"hi"_s, u"r"_s);
    QVERIFY(ack.ok());
    QCOMPARE(ack.payload().toObject().value("delivered"_L1).toInt(), 2);
    for (TestClient *member : {m_alice.get(), m_bob.get()}) {
        QVERIFY(member->waitFor(u"t:msg"_s));
        const QJsonObject message = member->received(u"t:msg"_s).first();
        QCOMPARE(message.value("from"_L1).toString(), m_alice->socketId());
        QCOMPARE(message.value("room"_L1).toString(), u"r"_s);
        QCOMPARE(message.value("payload"_L1).toString(), u"hi"_s);
    }
    QVERIFY(m_carol->fence());
    QCOMPARE(m_carol->received(u"t:msg"_s).size(), 0);
}

void tst_HandlerApi::broadcastFromSkipsTheSender()
{
    QCOMPARE(m_alice->request(u"t:broadcastFrom"_s, u"hi"_s, u"r"_s).payload().toObject().value("delivered"_L1).toInt(), 1);
    QVERIFY(m_bob->waitFor(u"t:msg"_s));
    QCOMPARE(m_bob->received(u"t:msg"_s).first().value("from"_L1).toString(), m_alice->socketId());
    QCOMPARE(m_bob->received(u"t:msg"_s).first().value("room"_L1).toString(), u"r"_s);
    // The sender's own ack came after anything the broadcast would have sent it.
    QCOMPARE(m_alice->received(u"t:msg"_s).size(), 0);
    QVERIFY(m_carol->fence());
    QCOMPARE(m_carol->received(u"t:msg"_s).size(), 0);
}

void tst_HandlerApi::pushReachesOnlyTheSender()
{
    QVERIFY(m_alice->request(u"t:push"_s, u"just you"_s, u"r"_s).ok());
    const QList<QJsonObject> pushed = m_alice->received(u"t:msg"_s); // before the ack
    QCOMPARE(pushed.size(), 1);
    QCOMPARE(pushed.first().value("room"_L1).toString(), u"r"_s);
    QCOMPARE(pushed.first().value("from"_L1).toString(), m_alice->socketId());
    QVERIFY(m_bob->fence());
    QCOMPARE(m_bob->received(u"t:msg"_s).size(), 0);

    // Without a room the push goes out without one.
    m_alice->clear();
    QVERIFY(m_alice->request(u"t:push"_s, u"no room"_s).ok());
    QCOMPARE(m_alice->received(u"t:msg"_s).size(), 1);
    QVERIFY(!m_alice->received(u"t:msg"_s).first().contains("room"_L1));
}

void tst_HandlerApi::emitReachesAnyTarget()
{
    QCOMPARE(m_carol->request(u"t:emitRoute"_s, u"all"_s).payload().toObject().value("delivered"_L1).toInt(), 3);
    for (TestClient *client : {m_alice.get(), m_bob.get(), m_carol.get()}) {
        QVERIFY(client->waitFor(u"t:msg"_s));
        QCOMPARE(client->received(u"t:msg"_s).first().value("from"_L1).toString(), m_carol->socketId());
    }
}

void tst_HandlerApi::broadcastWithoutRoomIsBadRoom()
{
    const Reply ack = m_alice->request(u"t:broadcast"_s, u"hi"_s);
    QCOMPARE(ack.errorCode(), u"bad_room"_s);
    QVERIFY(m_bob->fence());
    QCOMPARE(m_bob->received(u"t:msg"_s).size(), 0);
}

void tst_HandlerApi::joinFromHandlerAsksTheRoomGuard()
{
    QCOMPARE(m_carol->request(u"t:join"_s, u"secret:plans"_s).errorCode(), u"forbidden"_s);
    QVERIFY(!m_server->hub().session(m_carol->socketId())->isInRoom(u"secret:plans"_s));
    QCOMPARE(m_carol->received(u"t:joined"_s).size(), 0);

    QVERIFY(m_carol->request(u"t:join"_s, u"open"_s).ok());
    QVERIFY(m_server->hub().session(m_carol->socketId())->isInRoom(u"open"_s));
    // onJoin hooks run for joins made by handlers too, before the handler's ack.
    QCOMPARE(m_carol->received(u"t:joined"_s).size(), 1);
    QCOMPARE(m_carol->received(u"t:joined"_s).first().value("payload"_L1).toString(), u"open"_s);
}

void tst_HandlerApi::joinFromHandlerKeepsTheRoomLimit()
{
    QVERIFY(m_carol->request(u"t:fill"_s).ok());
    QCOMPARE(m_server->hub().session(m_carol->socketId())->rooms().size(), cortado::protocol::MaxRoomsPerSocket);
    QCOMPARE(m_carol->request(u"t:join"_s, u"one-too-many"_s).errorCode(), u"too_many_rooms"_s);
    QVERIFY(!m_server->hub().session(m_carol->socketId())->isInRoom(u"one-too-many"_s));
}

void tst_HandlerApi::serverJoinBypassesTheGuardAndIsAudited()
{
    QTest::ignoreMessage(QtInfoMsg,
                         QRegularExpression(u"server-side join by a /handlers handler \\(an invitation\\): socket %1 -> "
                                            "/handlers secret:plans"_s.arg(m_carol->socketId())));
    const Reply ack = m_carol->request(u"t:serverJoin"_s, u"secret:plans"_s);
    QVERIFY(ack.ok());
    QCOMPARE(ack.payload().toBool(), true);
    QVERIFY(m_server->hub().session(m_carol->socketId())->isInRoom(u"secret:plans"_s));
}

void tst_HandlerApi::hooksAccumulate()
{
    // Both onConnect hooks pushed, in the order they were added (before the first ack).
    QVERIFY(m_carol->fence());
    const QList<QJsonObject> hellos = m_carol->received(u"t:hello"_s);
    QCOMPARE(hellos.size(), 2);
    QCOMPARE(hellos.at(0).value("payload"_L1).toInt(), 1);
    QCOMPARE(hellos.at(1).value("payload"_L1).toInt(), 2);
}

void tst_HandlerApi::requireMembershipChecksBeforeTheHandler()
{
    QCOMPARE(m_carol->request(u"t:member"_s).errorCode(), u"bad_room"_s);
    QCOMPARE(m_carol->request(u"t:member"_s, {}, u"r"_s).errorCode(), u"not_in_room"_s);
    const Reply ack = m_alice->request(u"t:member"_s, {}, u"r"_s);
    QVERIFY(ack.ok());
    QCOMPARE(ack.payload().toObject().value("room"_L1).toString(), u"r"_s);
}

void tst_HandlerApi::overloadedIs503OverRest()
{
    // One room may keep history: a broadcast that would open a second one is refused `overloaded`.
    cortado::ServerConfig config;
    config.maxHistoryRooms = 1;
    ExampleServer server(config);
    QVERIFY(server.isListening());
    const QList<QPair<QByteArray, QByteArray>> publisher{
            {"Authorization", "Bearer " + TestServer::token(u"pub"_s, {u"publisher"_s})}};
    const QByteArray body = R"({"event":"news:flash","payload":"x"})";
    QCOMPARE(server.http("POST", u"/api/rooms/first/broadcast"_s, body, publisher).status, 200);
    const HttpReply refused = server.http("POST", u"/api/rooms/second/broadcast"_s, body, publisher);
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.json().value("error"_L1).toString(), u"overloaded"_s);
}

void tst_HandlerApi::missingRequiredServiceStopsTheServer()
{
    cortado::ServerConfig config;
    config.port = 0;
    cortado::Server server(config);
    server.router().addWebSocketRoute(u"needy.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.requireService<NeverProvided>();
    });
    server.router().addRestRoute(u"api/report.cpp"_s, [](cortado::RestRoute &route) {
        route.requireService<NeverProvided>(u"the report generator"_s);
    });
    QString error;
    QVERIFY(!server.listen(&error));
    QVERIFY2(error.contains(u"route file \"needy.ws.cpp\" (/needy) requires the service "
                            "(anonymous namespace)::NeverProvided"_s),
             qPrintable(error));
    QVERIFY2(error.contains(u"route file \"api/report.cpp\" (/api/report) requires the service the report generator"_s),
             qPrintable(error));

    // Provided: the server starts.
    server.router().services().provide(std::make_shared<NeverProvided>());
    QVERIFY2(server.listen(&error), qPrintable(error));
}

void tst_HandlerApi::bindingRoomJoinIsAStartupError()
{
    // room:join carries the guards and the room limit: no route may replace it.
    cortado::ServerConfig config;
    config.port = 0;
    cortado::Server server(config);
    server.router().addWebSocketRoute(u"sneaky.ws.cpp"_s, [](cortado::WsRoute &route) {
        route.on(u"room:join"_s, [](cortado::EventContext &) { return cortado::Ack::ok(); });
    });
    QString error;
    QVERIFY(!server.listen(&error));
    QVERIFY2(error.contains(u"route file \"sneaky.ws.cpp\": \"room:join\" is built in"_s), qPrintable(error));
}

void tst_HandlerApi::describedEventsAreCheckedAtStartup_data()
{
    QTest::addColumn<QJsonValue>("example");
    QTest::addColumn<QJsonObject>("schema");
    QTest::addColumn<QString>("error"); // empty: the server starts

    const QJsonObject textSchema{{u"type"_s, u"object"_s},
                                 {u"required"_s, QJsonArray{u"text"_s}},
                                 {u"properties"_s, QJsonObject{{u"text"_s, QJsonObject{{u"type"_s, u"string"_s}}}}}};
    QTest::newRow("example matches") << QJsonValue(QJsonObject{{u"text"_s, u"hi"_s}}) << textSchema << QString();
    QTest::newRow("no example, no schema") << QJsonValue(QJsonValue::Undefined) << QJsonObject() << QString();
    QTest::newRow("example breaks the schema")
            << QJsonValue(QJsonObject{{u"text"_s, 3}}) << textSchema
            << u"the description of \"t:send\": /text: must be string"_s;
    QTest::newRow("unsupported keyword")
            << QJsonValue(QJsonValue::Undefined) << QJsonObject{{u"oneOf"_s, QJsonArray{}}}
            << u"unsupported keyword \"oneOf\""_s;
}

void tst_HandlerApi::describedEventsAreCheckedAtStartup()
{
    // A description the console's playground could not use (a schema keyword it would ignore, an
    // example its own schema refuses) stops the server instead of misleading an operator later.
    QFETCH(QJsonValue, example);
    QFETCH(QJsonObject, schema);
    QFETCH(QString, error);
    cortado::ServerConfig config;
    config.port = 0;
    cortado::Server server(config);
    server.router().addWebSocketRoute(u"described.ws.cpp"_s, [&](cortado::WsRoute &route) {
        route.on(u"t:send"_s, [](cortado::EventContext &) { return cortado::Ack::ok(); })
                .requireMembership()
                .describe(u"Send something"_s, example, schema);
    });
    QString problem;
    QCOMPARE(server.listen(&problem), error.isEmpty());
    QVERIFY2(problem.contains(error), qPrintable(problem));
    if (error.isEmpty()) {
        const auto *binding = server.router().webSocketRoute(u"/described"_s)->route.binding(u"t:send"_s);
        QVERIFY(binding->doc && binding->membershipRequired); // describe() chains like the rest
        QCOMPARE(binding->doc->summary, u"Send something"_s);
        QCOMPARE(binding->doc->example, example);
    }
}

QTEST_MAIN(tst_HandlerApi)
#include "tst_handlerapi.moc"
