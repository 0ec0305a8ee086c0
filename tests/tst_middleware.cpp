// One middleware model for REST requests, WebSocket handshakes and events.
#include "testserver.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// A token check written once and used for both REST and WebSocket: "Bearer letmein" or
// ?key=letmein lets the request through and attaches the user.
std::optional<cortado::Error> requireKey(cortado::Context &ctx)
{
    const bool ok = ctx.request().header("authorization") == "Bearer letmein"
            || ctx.request().queryValue(u"key"_s) == "letmein"_L1;
    if (!ok)
        return cortado::Error::unauthorized(u"missing or wrong key"_s);
    ctx.data.insert(u"user"_s, u"alice"_s);
    return std::nullopt;
}

struct Counters
{
    int global = 0;
    int globalEvents = 0;
    int routeEvents = 0;
    int handlerCalls = 0;
};

} // namespace

class tst_Middleware : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void oneMiddlewareGuardsRestAndWebSocket();
    void refusedHandshakeCreatesNoSocket();
    void dataFromMiddlewareReachesHandlers();
    void globalMiddlewareSeesEveryRequestAndHandshake();
    void eventMiddlewareStopsTheEvent();
    void eventMiddlewareOrder();

private:
    void routes(cortado::Router &router);
    std::shared_ptr<Counters> m_counters;
    QStringList m_order;
};

void tst_Middleware::init()
{
    m_counters = std::make_shared<Counters>();
    m_order.clear();
}

void tst_Middleware::routes(cortado::Router &router)
{
    auto counters = m_counters;
    router.use([counters](cortado::Context &) {
        ++counters->global;
        return std::optional<cortado::Error>();
    });
    router.useForEvents([this, counters](cortado::EventContext &) {
        ++counters->globalEvents;
        m_order.append(u"global"_s);
        return std::optional<cortado::Error>();
    });

    // REST: /private requires the key; /public does not.
    router.addRestRoute(u"private.cpp"_s, [](cortado::RestRoute &route) {
        route.use(requireKey);
        route.get([](cortado::Context &ctx) {
            return cortado::HttpResponse::json(QJsonObject{{u"user"_s, ctx.data.value(u"user"_s).toString()}});
        });
    });
    router.addRestRoute(u"public.cpp"_s, [](cortado::RestRoute &route) {
        route.get([](cortado::Context &) { return cortado::HttpResponse::json(QJsonObject{}); });
    });

    // WebSocket: /secure requires the same key; "admin:wipe" is refused by per-event middleware.
    router.addWebSocketRoute(u"secure.ws.cpp"_s, [this, counters](cortado::WsRoute &route) {
        route.use(requireKey);
        route.useForEvents([this, counters](cortado::EventContext &) {
            ++counters->routeEvents;
            m_order.append(u"route"_s);
            return std::optional<cortado::Error>();
        });
        route.on(u"whoami:get"_s, [counters](cortado::EventContext &ctx) {
            ++counters->handlerCalls;
            return cortado::Ack::ok(ctx.session().data.value(u"user"_s).toString());
        });
        route.on(u"admin:wipe"_s, [counters](cortado::EventContext &) {
                 ++counters->handlerCalls;
                 return cortado::Ack::ok();
             }).use([this](cortado::EventContext &ctx) -> std::optional<cortado::Error> {
            m_order.append(u"event"_s);
            if (ctx.session().data.value(u"user"_s) != u"root"_s)
                return cortado::Error::forbidden(u"only root may wipe"_s);
            return std::nullopt;
        });
    });
}

void tst_Middleware::oneMiddlewareGuardsRestAndWebSocket()
{
    TestServer server(TestServer::routes([this](cortado::Router &r) { routes(r); }));

    const HttpReply refused = server.http("GET", u"/private"_s);
    QCOMPARE(refused.status, 401);
    QCOMPARE(refused.json().value("error"_L1).toString(), u"unauthorized"_s);
    QCOMPARE(server.http("GET", u"/private"_s, {}, {{"Authorization", "Bearer letmein"}}).status, 200);
    QCOMPARE(server.http("GET", u"/public"_s).status, 200);

    TestClient anonymous;
    QVERIFY(!anonymous.open(server.wsUrl(u"/secure"_s)));
    QVERIFY(server.client(u"/secure?key=letmein"_s));
}

void tst_Middleware::refusedHandshakeCreatesNoSocket()
{
    TestServer server(TestServer::routes([this](cortado::Router &r) { routes(r); }));
    QSignalSpy connected(&server.hub(), &cortado::Hub::connected);
    const HttpReply reply = rawHttp(server, 
            "GET /secure HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QCOMPARE(reply.status, 401); // refused before the handshake: never a 101
    QCOMPARE(reply.json().value("error"_L1).toString(), u"unauthorized"_s);
    // The 401 was the server's answer to the upgrade: no socket can follow it.
    QCOMPARE(connected.size(), 0);
    QCOMPARE(server.hub().sessionCount(), 0);
}

void tst_Middleware::dataFromMiddlewareReachesHandlers()
{
    TestServer server(TestServer::routes([this](cortado::Router &r) { routes(r); }));
    QCOMPARE(server.http("GET", u"/private?key=letmein"_s).json().value("user"_L1).toString(), u"alice"_s);

    auto client = server.client(u"/secure?key=letmein"_s);
    QVERIFY(client);
    QCOMPARE(server.hub().session(client->socketId())->data.value(u"user"_s).toString(), u"alice"_s);
    QCOMPARE(client->request(u"whoami:get"_s).payload().toString(), u"alice"_s);
}

void tst_Middleware::globalMiddlewareSeesEveryRequestAndHandshake()
{
    TestServer server(TestServer::routes([this](cortado::Router &r) { routes(r); }));
    server.http("GET", u"/public"_s);
    server.http("GET", u"/private"_s);
    QVERIFY(server.client(u"/secure?key=letmein"_s));
    QCOMPARE(m_counters->global, 3);
    // Unknown paths never reach middleware.
    server.http("GET", u"/nope"_s);
    QCOMPARE(m_counters->global, 3);
}

void tst_Middleware::eventMiddlewareStopsTheEvent()
{
    TestServer server(TestServer::routes([this](cortado::Router &r) { routes(r); }));
    auto client = server.client(u"/secure?key=letmein"_s);
    QVERIFY(client);
    const Reply ack = client->request(u"admin:wipe"_s);
    QCOMPARE(ack.ok(), false);
    QCOMPARE(ack.errorCode(), u"forbidden"_s);
    QCOMPARE(m_counters->handlerCalls, 0);

    // Without an id the client still hears of it.
    client->send(u"admin:wipe"_s);
    QVERIFY(client->waitFor(u"system:error"_s));
    QCOMPARE(m_counters->handlerCalls, 0);
    QVERIFY(client->isConnected());
}

void tst_Middleware::eventMiddlewareOrder()
{
    TestServer server(TestServer::routes([this](cortado::Router &r) { routes(r); }));
    auto client = server.client(u"/secure?key=letmein"_s);
    QVERIFY(client);
    client->request(u"admin:wipe"_s);
    QCOMPARE(m_order, (QStringList{u"global"_s, u"route"_s, u"event"_s}));
    // Built-in events go through the global and route chains too (a room rule can deny a join).
    m_order.clear();
    QVERIFY(client->join(u"x"_s).ok());
    QCOMPARE(m_order, (QStringList{u"global"_s, u"route"_s}));
}

QTEST_GUILESS_MAIN(tst_Middleware)
#include "tst_middleware.moc"
